//! The language forklab speaks: English or (simplified) Chinese, and the message catalogue
//! (`locales/en.ftl`, `locales/zh.ftl`, Project Fluent's format) every user-facing text comes from.
//!
//! A leaf: it imports nothing of the crate, and lab, lesson, ui, cli and commands may use it.
//! The language is chosen once, in `main` (`--lang`, else the locale variables), and the picker
//! may switch it live; it is one process-wide value, since everything on screen follows it.

mod catalogue;

pub use catalogue::{Arg, tr_args};

use std::sync::atomic::AtomicU8;

/// A language of the course.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Lang {
    /// English.
    En,
    /// Simplified Chinese (简体中文); zh_TW and zh_HK locales fall back to it.
    Zh,
}

impl Lang {
    /// The short code: `en` or `zh` (the `lessons/zh/` folder, `--lang zh`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The language's own name, as the picker shows it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Zh => "中文",
        }
    }

    /// The other language (the picker's switch).
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        }
    }
}

/// The language the locale variables ask for: POSIX's order, the first of `LC_ALL`,
/// `LC_MESSAGES`, `LANG` that is set and not empty decides; a value starting with `zh`
/// (`zh_CN.UTF-8`, `zh_TW`, `zh_HK`, `zh`) is Chinese, anything else English.
pub fn from_locale(var: impl Fn(&str) -> Option<String>) -> Lang {
    let value = ["LC_ALL", "LC_MESSAGES", "LANG"].iter().find_map(|name| var(name).filter(|v| !v.is_empty()));
    match value {
        Some(v) if v.to_ascii_lowercase().starts_with("zh") => Lang::Zh,
        _ => Lang::En,
    }
}

/// `--lang` when given, else the locale's.
pub fn choose(flag: Option<Lang>) -> Lang {
    flag.unwrap_or_else(|| from_locale(|name| std::env::var(name).ok()))
}

#[cfg_attr(test, allow(dead_code))]
static CURRENT: AtomicU8 = AtomicU8::new(0);

#[cfg(test)]
thread_local! {
    // Unit tests run side by side on threads: each test's language is its own thread's.
    static TEST_LANG: std::cell::Cell<u8> = const { std::cell::Cell::new(0) };
}

/// Makes `lang` the language of everything shown from now on.
pub fn set(lang: Lang) {
    #[cfg(test)]
    TEST_LANG.with(|l| l.set(lang as u8));
    #[cfg(not(test))]
    CURRENT.store(lang as u8, std::sync::atomic::Ordering::Relaxed);
}

/// The language in use.
pub fn current() -> Lang {
    #[cfg(test)]
    let n = TEST_LANG.with(|l| l.get());
    #[cfg(not(test))]
    let n = CURRENT.load(std::sync::atomic::Ordering::Relaxed);
    if n == Lang::Zh as u8 { Lang::Zh } else { Lang::En }
}

/// The message `key` in the current language, with no arguments.
pub fn tr(key: &str) -> String {
    tr_args(current(), key, &[])
}

/// Items of a list in the language in use: "W1 fd 6, W2 fd 6" in English, "W1 fd 6、W2 fd 6"
/// in Chinese (the enumeration comma, not an ASCII comma inside Chinese text).
pub fn list<S: AsRef<str>>(items: &[S]) -> String {
    let sep = tr("list-sep");
    items.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(&sep)
}

/// Between two clauses of one detail: "; " in English, "；" in Chinese.
pub fn clause_sep() -> String {
    tr("clause-sep")
}

/// The message `key` in the current language: `tr!("key")`, or with arguments
/// `tr!("key", name = value, …)` (a value is anything `Display`; a number stays a number, so a
/// message may choose a plural by it).
macro_rules! tr {
    ($key:expr) => {
        $crate::i18n::tr($key)
    };
    ($key:expr, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::tr_args(
            $crate::i18n::current(),
            $key,
            &[$((stringify!($name), $crate::i18n::Arg::from($value))),+],
        )
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn the_locale_variables_choose_in_posix_order() {
        assert_eq!(from_locale(env(&[])), Lang::En);
        assert_eq!(from_locale(env(&[("LANG", "zh_CN.UTF-8")])), Lang::Zh);
        assert_eq!(from_locale(env(&[("LANG", "en_US.UTF-8")])), Lang::En);
        // LC_MESSAGES before LANG, LC_ALL before both.
        assert_eq!(from_locale(env(&[("LANG", "en_US.UTF-8"), ("LC_MESSAGES", "zh_CN.UTF-8")])), Lang::Zh);
        assert_eq!(from_locale(env(&[("LANG", "zh_CN.UTF-8"), ("LC_MESSAGES", "C")])), Lang::En);
        assert_eq!(from_locale(env(&[("LANG", "zh_CN"), ("LC_MESSAGES", "zh_CN"), ("LC_ALL", "C.UTF-8")])), Lang::En);
        assert_eq!(from_locale(env(&[("LANG", "en_GB"), ("LC_ALL", "zh_CN.UTF-8")])), Lang::Zh);
        // An empty variable is as if unset.
        assert_eq!(from_locale(env(&[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "")])), Lang::Zh);
        // Traditional Chinese locales fall back to the simplified texts.
        assert_eq!(from_locale(env(&[("LANG", "zh_TW.UTF-8")])), Lang::Zh);
        assert_eq!(from_locale(env(&[("LC_ALL", "zh_HK")])), Lang::Zh);
        assert_eq!(from_locale(env(&[("LANG", "ZH_cn")])), Lang::Zh);
    }

    #[test]
    fn the_flag_wins_over_the_locale() {
        assert_eq!(choose(Some(Lang::En)), Lang::En);
        assert_eq!(choose(Some(Lang::Zh)), Lang::Zh);
    }

    #[test]
    fn the_switch_goes_both_ways() {
        assert_eq!(Lang::En.other(), Lang::Zh);
        assert_eq!(Lang::Zh.other().code(), "en");
    }
}
