//! The command line in Chinese: clap's help, `--version` and its usage errors, worded from the
//! catalogue (`cli-*` keys). The derive in `cli.rs` still parses; under Chinese its `Command` is
//! re-labelled before parsing (each about and help from the catalogue, the headings and the
//! help flags' own lines in Chinese), and an error is written here from its kind and context,
//! with clap's exit code (2 for a usage error, 0 for help and version). English is clap's own.

use super::Cli;
use crate::i18n::{self, Lang};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, Command, FromArgMatches};
use std::ffi::OsString;

/// The catalogue key of a command's about: `cli-about` for forklab itself, else
/// `cli-<subcommand>-about` (also for `help <subcommand>`, which clap lists with the same about).
fn about_key(path: &[&str]) -> String {
    match path {
        [] => "cli-about".to_string(),
        ["help", rest @ ..] if !rest.is_empty() => about_key(rest),
        _ => format!("cli-{}-about", path.join("-")),
    }
}

/// The catalogue key of an argument's help: `cli-arg-<id>` for a global one (the same in every
/// subcommand), else `cli-<subcommand>-<id>`.
fn arg_key(path: &[&str], arg: &Arg) -> String {
    let id = arg.get_id().as_str().replace('_', "-");
    if arg.is_global_set() || path.is_empty() {
        format!("cli-arg-{id}")
    } else {
        format!("cli-{}-{id}", path.join("-"))
    }
}

/// The message `key` in Chinese, or None when the catalogue has no such key.
fn zh(key: &str) -> Option<String> {
    let text = i18n::tr_args(Lang::Zh, key, &[]);
    (text != key).then_some(text)
}

/// clap's headings and value names are `&'static str` (without its `string` feature): the few
/// the command line is labelled with are kept for the process's life, which parses once.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// `cmd`, built (so it has its help flags, its `help` subcommand and the global arguments in
/// every subcommand) and labelled in Chinese.
pub fn localized(mut cmd: Command) -> Command {
    cmd.build();
    label(cmd, &[])
}

fn label(cmd: Command, path: &[&str]) -> Command {
    let mut cmd = cmd
        .help_template(format!(
            "{{before-help}}{{about-with-newline}}\n{}{{usage}}\n\n{{all-args}}{{after-help}}",
            tr!("cli-usage")
        ))
        .subcommand_help_heading(leak(tr!("cli-commands")));
    if let Some(about) = cmd.get_about().and_then(|_| zh(&about_key(path))) {
        cmd = cmd.about(about).long_about(None);
    }
    let args: Vec<Arg> = cmd.get_arguments().cloned().collect();
    for arg in args {
        let id = arg.get_id().as_str().to_string();
        cmd = cmd.mut_arg(&id, |a| label_arg(a, path));
    }
    let subs: Vec<String> = cmd.get_subcommands().map(|c| c.get_name().to_string()).collect();
    for sub in subs {
        let mut sub_path = path.to_vec();
        sub_path.push(&sub);
        cmd = cmd.mut_subcommand(&sub, |c| label(c, &sub_path));
    }
    cmd
}

fn label_arg(mut a: Arg, path: &[&str]) -> Arg {
    let id = a.get_id().as_str().to_string();
    let help = match id.as_str() {
        "help" => Some(tr!("cli-help-flag")),
        "version" => Some(tr!("cli-version-flag")),
        _ if a.get_help().is_some() => zh(&arg_key(path, &a)),
        // No help of its own (`--mode`, `--workers`): its choices and its default are still said.
        _ => Some(choices(&a)),
    };
    if let Some(help) = help {
        // The defaults and the choices, which clap would label in English, are said in the help.
        let defaults: Vec<String> = a.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
        let mut help = help;
        if !defaults.is_empty() && a.get_action().takes_values() && !a.is_hide_default_value_set() {
            help = format!("{help}{}", tr!("cli-default", value = defaults.join(", ")));
        }
        if !help.is_empty() {
            a = a.help(help).long_help(None);
        }
    }
    a = a.hide_default_value(true).hide_possible_values(true);
    if a.is_positional() {
        let name = a.get_value_names().and_then(|n| n.first()).map(|n| n.to_string());
        if let Some(zh_name) = name.and_then(|n| zh(&format!("cli-value-{}", n.to_ascii_lowercase()))) {
            a = a.value_name(leak(zh_name));
        }
        a.help_heading(leak(tr!("cli-arguments")))
    } else {
        a.help_heading(leak(tr!("cli-options")))
    }
}

/// The choices of an argument that has no help of its own, each with its help from the catalogue
/// (`cli-choice-<value>`, in English the value's doc comment), one a line, as clap lists them in
/// English; empty when it has none.
fn choices(a: &Arg) -> String {
    let lines: Vec<String> = a
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set() && v.get_help().is_some())
        .filter_map(|v| zh(&format!("cli-choice-{}", v.get_name())).map(|h| format!("- {}：{h}", v.get_name())))
        .collect();
    if lines.is_empty() { String::new() } else { format!("{}\n{}\n", tr!("cli-choices"), lines.join("\n")) }
}

/// The placeholders clap writes into a usage line, in Chinese.
fn placeholders(text: &str) -> String {
    text.replace("[OPTIONS]", &format!("[{}]", tr!("cli-options")))
        .replace("[COMMAND]", &format!("[{}]", tr!("cli-command")))
        .replace("<COMMAND>", &format!("<{}>", tr!("cli-command")))
}

/// Parses the command line in Chinese; exits as clap would on help, version or a usage error.
pub fn parse(args: Vec<OsString>) -> Cli {
    let mut cmd = localized(super::command());
    let result = cmd.try_get_matches_from_mut(args).and_then(|m| {
        if let Some(refused) = super::idle_error(&mut cmd, &m) {
            eprintln!("{}", placeholders(&refused));
            std::process::exit(2);
        }
        Cli::from_arg_matches(&m)
    });
    match result {
        Ok(cli) => cli,
        Err(e) => {
            let code = e.exit_code();
            if e.use_stderr() {
                eprintln!("{}", placeholders(&message(&e)));
            } else {
                print!("{}", placeholders(&e.render().to_string()));
            }
            std::process::exit(code)
        }
    }
}

fn get(e: &clap::Error, kind: ContextKind) -> Option<&ContextValue> {
    e.get(kind)
}

fn text(e: &clap::Error, kind: ContextKind) -> String {
    match get(e, kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        Some(ContextValue::Number(n)) => n.to_string(),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

fn list(e: &clap::Error, kind: ContextKind) -> Vec<String> {
    match get(e, kind) {
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::Strings(v)) => v.clone(),
        _ => Vec::new(),
    }
}

/// A usage error in Chinese: what was wrong, tips, the usage line and where to read more.
pub fn message(e: &clap::Error) -> String {
    let arg = text(e, ContextKind::InvalidArg);
    let value = text(e, ContextKind::InvalidValue);
    let what = match e.kind() {
        ErrorKind::InvalidSubcommand => tr!("cli-err-subcommand", name = text(e, ContextKind::InvalidSubcommand)),
        ErrorKind::UnknownArgument => tr!("cli-err-unknown-arg", arg = arg),
        ErrorKind::InvalidValue if value.is_empty() => tr!("cli-err-no-value", arg = arg),
        ErrorKind::InvalidValue => {
            let valid = list(e, ContextKind::ValidValue);
            let mut m = tr!("cli-err-invalid-value", value = value, arg = arg);
            if !valid.is_empty() {
                m.push_str(&format!("\n  {}", tr!("cli-err-possible", values = valid.join(", "))));
            }
            m
        }
        ErrorKind::ValueValidation => {
            let mut m = tr!("cli-err-invalid-value", value = value.as_str(), arg = arg);
            if let Some(why) = std::error::Error::source(e).map(|s| s.to_string()) {
                if !why.is_ascii() {
                    m = format!("{m}：{why}");
                } else if let Some((_, range)) = why.split_once(" is not in ") {
                    m = format!("{m}：{}", tr!("cli-err-range", value = value.as_str(), range = range));
                }
            }
            m
        }
        ErrorKind::MissingRequiredArgument => {
            let args = list(e, ContextKind::InvalidArg);
            format!("{}\n  {}", tr!("cli-err-missing"), args.join("\n  "))
        }
        ErrorKind::ArgumentConflict => tr!("cli-err-conflict", arg = arg, prior = text(e, ContextKind::PriorArg)),
        ErrorKind::NoEquals => tr!("cli-err-no-equals", arg = arg),
        ErrorKind::TooManyValues => tr!("cli-err-too-many", value = value, arg = arg),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => tr!(
            "cli-err-count",
            arg = arg,
            expected = text(e, ContextKind::ExpectedNumValues),
            actual = text(e, ContextKind::ActualNumValues)
        ),
        ErrorKind::MissingSubcommand => {
            tr!("cli-err-missing-subcommand", name = text(e, ContextKind::InvalidSubcommand))
        }
        ErrorKind::InvalidUtf8 => tr!("cli-err-utf8"),
        _ => tr!("cli-err-other"),
    };
    let mut out = format!("{}{what}", tr!("cli-err-prefix"));
    let mut tips: Vec<String> =
        list(e, ContextKind::SuggestedSubcommand).into_iter().map(|s| tr!("cli-tip-subcommand", name = s)).collect();
    tips.extend(list(e, ContextKind::SuggestedArg).into_iter().map(|s| tr!("cli-tip-arg", name = s)));
    tips.extend(list(e, ContextKind::SuggestedValue).into_iter().map(|s| tr!("cli-tip-value", name = s)));
    if let Some(ContextValue::StyledStrs(suggested)) = get(e, ContextKind::Suggested) {
        tips.extend(suggested.iter().filter_map(|s| tip(&s.to_string())));
    }
    if !tips.is_empty() {
        out.push('\n');
        for t in tips {
            out.push_str(&format!("\n  {}{t}", tr!("cli-tip")));
        }
    }
    if let Some(ContextValue::StyledStr(usage)) = get(e, ContextKind::Usage) {
        let usage = usage.to_string();
        let usage = usage.strip_prefix("Usage: ").unwrap_or(&usage);
        out.push_str(&format!("\n\n{}{usage}", tr!("cli-usage")));
    }
    out.push_str(&format!("\n\n{}", tr!("cli-more")));
    out
}

/// clap's free-text tips, recognised by their shape and said in Chinese; one not known is left
/// out rather than shown in English.
fn tip(english: &str) -> Option<String> {
    let quoted: Vec<&str> = english.split('\'').skip(1).step_by(2).collect();
    if english.starts_with("to pass ") && quoted.len() == 2 {
        Some(tr!("cli-tip-trailing", arg = quoted[0], write = quoted[1]))
    } else if english.starts_with("subcommand ") && quoted.len() == 2 {
        Some(tr!("cli-tip-double-dash", name = quoted[0]))
    } else if english.ends_with("' exists") && quoted.len() == 1 {
        Some(tr!("cli-tip-exists", name = quoted[0]))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command and argument, with its catalogue key and the help clap shows in English.
    fn helps(cmd: &Command, path: &[&str], out: &mut Vec<(String, String)>) {
        if let Some(about) = cmd.get_about() {
            out.push((about_key(path), about.to_string()));
        }
        for a in cmd.get_arguments() {
            if let (Some(help), false) = (a.get_help(), ["help", "version"].contains(&a.get_id().as_str())) {
                out.push((arg_key(path, a), help.to_string()));
            }
            if a.get_help().is_none() {
                for v in a.get_possible_values() {
                    if let Some(help) = v.get_help() {
                        out.push((format!("cli-choice-{}", v.get_name()), help.to_string()));
                    }
                }
            }
        }
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let mut p = path.to_vec();
            p.push(sub.get_name());
            helps(sub, &p, out);
        }
    }

    fn has_cjk(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    /// The English catalogue says what the doc comments say (clap shows those), so a help
    /// changed in cli.rs and not in the catalogue fails here; Chinese has each of them.
    #[test]
    fn every_help_has_its_catalogue_entry_in_both_languages() {
        let mut cmd = crate::cli::command();
        cmd.build();
        let mut all = Vec::new();
        helps(&cmd, &[], &mut all);
        assert!(all.len() > 30, "{all:?}");
        for (key, english) in all {
            assert_eq!(i18n::tr_args(Lang::En, &key, &[]), english, "{key} in locales/en.ftl");
            assert!(zh(&key).is_some_and(|t| has_cjk(&t)), "{key} has no Chinese in locales/zh.ftl");
        }
    }

    fn help_of(path: &[&str]) -> String {
        let mut args = vec!["forklab"];
        args.extend(path);
        args.push("--help");
        let e = localized(crate::cli::command()).try_get_matches_from(args).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::DisplayHelp);
        assert_eq!(e.exit_code(), 0);
        placeholders(&e.render().to_string())
    }

    #[test]
    fn the_help_of_every_command_is_chinese() {
        i18n::set(Lang::Zh);
        let names: Vec<String> = crate::cli::command()
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .map(|s| s.get_name().to_string())
            .collect();
        let mut paths: Vec<Vec<&str>> = vec![vec![]];
        paths.extend(names.iter().map(|n| vec![n.as_str()]));
        for path in paths {
            let help = help_of(&path);
            assert!(help.contains("用法：forklab") && help.contains("选项:"), "{path:?}:\n{help}");
            for english in ["Usage", "Options", "Arguments", "Commands", "Print ", "[default", "[possible", "OPTIONS"] {
                assert!(!help.contains(english), "{path:?}: `{english}` in\n{help}");
            }
            // Each line that explains something says it in Chinese.
            for line in
                help.lines().skip(1).filter(|l| l.starts_with("          ") || l.starts_with("  ") && l.contains("  "))
            {
                let words = line.trim();
                if !words.is_empty() && !words.starts_with('-') && !words.starts_with(['<', '[']) {
                    assert!(has_cjk(words), "{path:?}: an English line: {line}");
                }
            }
        }
        i18n::set(Lang::En);
    }

    /// An argument with no help of its own still has its choices and its default said, as clap
    /// says them in English (they were blank under Chinese).
    #[test]
    fn choices_and_defaults_are_said_without_a_help_of_their_own() {
        i18n::set(Lang::Zh);
        let serve = help_of(&["serve"]);
        for mode in ["shared", "exclusive", "blocking", "rr", "reuseport"] {
            assert!(serve.contains(&format!("- {mode}：")), "{mode} in\n{serve}");
        }
        assert!(serve.contains("（默认：shared）") && serve.contains("（默认：4）"), "{serve}");
        assert!(help_of(&["shot"]).contains("（默认：100x30）"));
        i18n::set(Lang::En);
    }

    fn error_of(args: &[&str]) -> (String, i32) {
        let e = localized(crate::cli::command()).try_get_matches_from(args).unwrap_err();
        (placeholders(&message(&e)), e.exit_code())
    }

    #[test]
    fn usage_errors_are_chinese_with_clap_s_exit_code() {
        i18n::set(Lang::Zh);
        let cases: &[(&[&str], &str)] = &[
            (&["forklab", "plya"], "没有子命令 'plya'\n\n  提示：有一个相近的子命令：'play'"),
            (&["forklab", "play", "x", "--sizes", "1"], "意外的参数 '--sizes'"),
            (
                &["forklab", "--theme", "foo", "list"],
                "'foo' 不是 '--theme <THEME>' 的有效值\n  [可选值：default, dark, light, contrast]",
            ),
            (&["forklab", "serve", "--workers", "100"], "不在 1..=64 之内"),
            (&["forklab", "open", "x", "--size", "5x5"], "5x5 小于课程界面的最小尺寸 80x24"),
            (&["forklab", "shot", "x"], "缺少以下必需的参数：\n  --out <FILE.svg>"),
            (&["forklab", "bench", "--mode"], "'--mode <MODE>' 需要一个值"),
            (&["forklab", "watch", "--once", "--fire", "3"], "不能与"),
        ];
        for (args, want) in cases {
            let (text, code) = error_of(args);
            assert_eq!(code, 2, "{args:?}");
            assert!(text.starts_with("错误：") && text.contains(want), "{args:?}:\n{text}");
            assert!(text.ends_with("更多信息请运行 '--help'。"), "{text}");
            for english in ["error", "tip", "Usage", "invalid", "found", "For more"] {
                assert!(!text.contains(english), "{args:?}: `{english}` in\n{text}");
            }
        }
        i18n::set(Lang::En);
    }

    #[test]
    fn clap_s_tips_are_recognised_by_shape() {
        i18n::set(Lang::Zh);
        assert_eq!(
            tip("to pass '--size' as a value, use '-- --size'").unwrap(),
            "要把 '--size' 当作值传入，请写 '-- --size'"
        );
        assert_eq!(tip("'open --size' exists").unwrap(), "有 'open --size'");
        assert_eq!(tip("something clap may say one day"), None);
        i18n::set(Lang::En);
    }
}
