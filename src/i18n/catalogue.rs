//! The message catalogue: `locales/en.ftl` and `locales/zh.ftl`, embedded, parsed once into a
//! Fluent bundle per language. A key missing from a language (which the tests forbid) falls
//! back to English, then to the key itself, so a gap shows as a readable id, never a panic.

use super::Lang;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
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
    let mut fargs = FluentArgs::new();
    for (name, value) in args {
        match value {
            Arg::Num(n) => fargs.set(*name, FluentValue::from(*n)),
            Arg::Text(s) => fargs.set(*name, FluentValue::from(s.as_str())),
        }
    }
    for l in [lang, Lang::En] {
        let b = bundle(l);
        if let Some(pattern) = b.get_message(key).and_then(|m| m.value()) {
            let mut errors = Vec::new();
            return b.format_pattern(pattern, Some(&fargs), &mut errors).into_owned();
        }
    }
    key.to_string()
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
}
