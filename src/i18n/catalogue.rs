//! The message catalogue: `locales/en.ftl` and `locales/zh.ftl`, embedded, parsed once into a
//! Fluent bundle per language. A key missing from a language (which the tests forbid) falls
//! back to English, then to the key itself, so a gap shows as a readable id, never a panic.

use super::Lang;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast;
use std::sync::OnceLock;

const EN: &str = include_str!("../../locales/en.ftl");
const ZH: &str = include_str!("../../locales/zh.ftl");

/// A message's argument: a number (so Fluent may choose a plural by it) or text.
pub enum Arg {
    Num(f64),
    Text(String),
}

macro_rules! num_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Arg {
                Arg::Num(n as f64)
            }
        }
    )*};
}
num_arg!(u8, u16, u32, u64, usize, i32, i64, f64);

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Text(s.to_string())
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Text(s)
    }
}
impl From<&String> for Arg {
    fn from(s: &String) -> Arg {
        Arg::Text(s.clone())
    }
}
impl From<std::borrow::Cow<'_, str>> for Arg {
    fn from(s: std::borrow::Cow<'_, str>) -> Arg {
        Arg::Text(s.into_owned())
    }
}

/// Each language's bundle, parsed the first time it is asked for: a run in one language never
/// holds the other's (about 40 KB of text each, several times that parsed).
fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    static EN_BUNDLE: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
    static ZH_BUNDLE: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
    match lang {
        Lang::En => EN_BUNDLE.get_or_init(|| make(Lang::En, EN)),
        Lang::Zh => ZH_BUNDLE.get_or_init(|| make(Lang::Zh, ZH)),
    }
}

fn make(lang: Lang, text: &str) -> FluentBundle<FluentResource> {
    let id: unic_langid::LanguageIdentifier = lang.code().parse().expect("a valid language id");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: a terminal would show them as stray cells.
    bundle.set_use_isolating(false);
    // A syntax error in a catalogue is a build-time bug the unit tests catch; what parsed is used.
    let resource = FluentResource::try_new(text.to_string()).unwrap_or_else(|(partial, _)| partial);
    let _ = bundle.add_resource(resource);
    bundle
}

#[cfg(test)]
fn message_ids(resource: &FluentResource) -> Vec<String> {
    use fluent_syntax::ast::Entry;
    resource
        .entries()
        .filter_map(|e| match e {
            Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect()
}

/// The message `key` in `lang` with these arguments; English when `lang` lacks it, the key
/// itself when English does too.
pub fn tr_args(lang: Lang, key: &str, args: &[(&str, Arg)]) -> String {
    for l in [lang, Lang::En] {
        let b = bundle(l);
        if let Some(pattern) = b.get_message(key).and_then(|m| m.value()) {
            // In Chinese a text argument is marked where it starts and ends, so that the
            // spacing at its edges can follow what it turned out to hold (`joined`); an
            // argument a select expression chooses by is a code, left as it is.
            let mark = l == Lang::Zh;
            let mut selectors = Vec::new();
            selector_names(pattern, &mut selectors);
            let mut fargs = FluentArgs::new();
            for (name, value) in args {
                match value {
                    Arg::Num(n) => fargs.set(*name, FluentValue::from(*n)),
                    Arg::Text(s) if mark && !selectors.contains(name) => {
                        fargs.set(*name, FluentValue::from(format!("{EDGE}{s}{EDGE}")))
                    }
                    Arg::Text(s) => fargs.set(*name, FluentValue::from(s.as_str())),
                }
            }
            let mut errors = Vec::new();
            let out = b.format_pattern(pattern, Some(&fargs), &mut errors);
            return if mark { joined(&out) } else { out.into_owned() };
        }
    }
    key.to_string()
}

/// Marks the edges of a text argument while a Chinese message is formatted (a private-use
/// character no text of forklab's holds).
const EDGE: char = '\u{E000}';

/// The variables a pattern's select expressions choose by, at any depth.
fn selector_names<'a>(pattern: &ast::Pattern<&'a str>, out: &mut Vec<&'a str>) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression: ast::Expression::Select { selector, variants } } = element {
            if let ast::InlineExpression::VariableReference { id } = selector {
                out.push(id.name);
            }
            for v in variants {
                selector_names(&v.value, out);
            }
        }
    }
}

/// A Chinese message with its arguments' edges marked, spaced as Chinese text is: the
/// catalogue spaces a placeable as if it held a name or a number (`线程 { $tid } 看到`), and
/// writes none where it expects Chinese (`/proc 中{ $who }活着`). At each edge, a space between
/// two Chinese characters goes (`看到 它自己的` reads `看到它自己的`), and a Han character
/// that meets a Latin letter or a digit gets one (`中Node` reads `中 Node`). The marks go.
fn joined(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == EDGE {
            // A Han character and a Latin letter or digit that meet here.
            let before = chars[..i].iter().rev().find(|&&c| c != EDGE);
            let after = chars[i + 1..].iter().find(|&&c| c != EDGE);
            if let (Some(&a), Some(&b)) = (before, after)
                && ((is_han(a) && b.is_ascii_alphanumeric()) || (a.is_ascii_alphanumeric() && is_han(b)))
                && !out.ends_with(' ')
            {
                out.push(' ');
            }
            continue;
        }
        if c == ' ' {
            // A space at an edge, between two Chinese characters.
            let at_edge = chars.get(i + 1) == Some(&EDGE) || (i > 0 && chars[i - 1] == EDGE);
            let before = chars[..i].iter().rev().find(|&&c| c != EDGE);
            let after = chars[i + 1..].iter().find(|&&c| c != EDGE);
            if at_edge && before.is_some_and(|&c| is_chinese(c)) && after.is_some_and(|&c| is_chinese(c)) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// A Han character (CJK Unified Ideographs and Extension A).
fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}')
}

/// A Han character, or Chinese punctuation (CJK symbols, full-width forms).
fn is_chinese(c: char) -> bool {
    is_han(c) || matches!(c, '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FFEF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &str) -> Vec<String> {
        match FluentResource::try_new(text.to_string()) {
            Ok(r) => message_ids(&r),
            Err((_, errors)) => panic!("the catalogue does not parse: {errors:?}"),
        }
    }

    #[test]
    fn both_catalogues_parse_and_have_the_same_keys() {
        let en = ids(EN);
        let zh = ids(ZH);
        let missing: Vec<&String> = en.iter().filter(|k| !zh.contains(k)).collect();
        assert!(missing.is_empty(), "keys of locales/en.ftl with no Chinese entry: {missing:?}");
        let extra: Vec<&String> = zh.iter().filter(|k| !en.contains(k)).collect();
        assert!(extra.is_empty(), "keys of locales/zh.ftl that English lacks: {extra:?}");
        let mut sorted = en.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), en.len(), "a key is defined twice in locales/en.ftl");
    }

    #[test]
    fn a_chinese_message_is_chinese_and_takes_its_arguments() {
        let en = tr_args(Lang::En, "unknown-lesson", &[("id", "foo".into()), ("ids", "fork, accept".into())]);
        assert_eq!(en, "unknown lesson `foo`; the lessons are: fork, accept");
        let zh = tr_args(Lang::Zh, "unknown-lesson", &[("id", "foo".into()), ("ids", "fork, accept".into())]);
        assert!(zh.contains("`foo`") && zh.contains("fork, accept") && zh != en, "{zh}");
        assert!(!zh.contains('\u{2068}'), "no isolation marks: {zh:?}");
    }

    /// A Chinese argument takes no space from the catalogue's spacing around a placeable, a
    /// Latin one takes a space where the catalogue wrote none; the argument itself, and a code a
    /// select chooses by, stay as given.
    #[test]
    fn a_chinese_message_spaces_its_arguments_by_what_they_hold() {
        let counter = |what: &str| {
            tr_args(Lang::Zh, "ev-counter", &[("tid", 5.into()), ("what", what.into()), ("value", "1".into())])
        };
        assert_eq!(counter("共享的计数器"), "线程 5 看到共享的计数器 = 1");
        assert_eq!(counter("x"), "线程 5 看到 x = 1");
        let workers =
            |who: &str| tr_args(Lang::Zh, "check-why-workers", &[("who", who.into()), ("pids", "8 9".into())]);
        assert!(workers("Node 的主进程").contains("中 Node 的主进程活着"), "{}", workers("Node 的主进程"));
        assert!(workers("主进程").contains("中主进程活着"), "{}", workers("主进程"));
        // Inside an argument nothing changes; no mark is left.
        let path = tr_args(Lang::Zh, "sys-reading", &[("path", "/tmp/测试a 目录".into())]);
        assert_eq!(path, "读取 /tmp/测试a 目录");
        // A selector's value still selects.
        let by = tr_args(Lang::Zh, "ev-signaled", &[("signal", "SIGTERM".into()), ("by", "master".into())]);
        assert_eq!(by, "收到主进程发来的 SIGTERM");
        // English is as written.
        let en = tr_args(Lang::En, "ev-counter", &[("tid", 5.into()), ("what", "x".into()), ("value", "1".into())]);
        assert_eq!(en, "thread 5 sees x = 1");
    }

    #[test]
    fn every_message_formats_in_both_languages_without_errors() {
        for lang in [Lang::En, Lang::Zh] {
            let b = bundle(lang);
            for key in ids(EN) {
                let m = b.get_message(&key).unwrap_or_else(|| panic!("{key} missing in {lang:?}"));
                let pattern = m.value().unwrap_or_else(|| panic!("{key} has no value in {lang:?}"));
                let mut errors = Vec::new();
                // Missing arguments are errors Fluent reports; format with none only to parse
                // the references: a reference to an unknown message or term is the error caught.
                let _ = b.format_pattern(pattern, None, &mut errors);
                let unknown: Vec<_> = errors
                    .iter()
                    .filter(|e| {
                        !matches!(
                            e,
                            fluent_bundle::FluentError::ResolverError(
                                fluent_bundle::resolver::ResolverError::Reference(
                                    fluent_bundle::resolver::errors::ReferenceKind::Variable { .. }
                                )
                            )
                        )
                    })
                    .collect();
                assert!(unknown.is_empty(), "{lang:?} {key}: {unknown:?}");
            }
        }
    }

    #[test]
    fn counts_of_one_are_singular_in_english() {
        let sent = |fds: u64, messages: u64| {
            tr_args(
                Lang::En,
                "info-sent",
                &[("messages", messages.into()), ("bytes", 87u64.into()), ("fds", fds.into())],
            )
        };
        assert_eq!(sent(1, 2), "2 messages crossed the channels: 87 bytes, 1 fd attached");
        assert_eq!(sent(0, 1), "1 message crossed the channels: 87 bytes, 0 fds attached");
        let why = tr_args(
            Lang::En,
            "check-why-crossed",
            &[("got", 2u64.into()), ("fds", 1u64.into()), ("sent", 1u64.into())],
        );
        assert_eq!(why, "counted by the receivers: 2 arrived carrying 1 fd; the master logged 1 sent to workers");
    }
}
