//! Policy strings that may hold policy variables (`${aws:username}`, with an optional
//! default: `${aws:PrincipalTag/team, 'none'}`) and the escapes `${*}`, `${?}` and `${$}`
//! (a literal `*`, `?` and `$`), as used in `Resource` and in string and ARN condition
//! values of a `2012-10-17` policy.
//!
//! A template is parsed once, with the policy. At evaluation a variable is replaced by the
//! single value of the condition key it names; its value, like an escape, is literal
//! text (a `*` in a user name is no wildcard). A variable whose key is absent (or has
//! several values) and has no default leaves the template unresolved, and an unresolved
//! template matches nothing.

use super::keys::ContextKeys;
use super::wildcard::{self, Case, Tok};
use std::borrow::Cow;

/// A policy string, ready for evaluation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Template {
    /// No variable and no escape: the text as written (`*`/`?` are wildcards in patterns).
    Plain(String),
    /// Escapes but no variable, resolved when parsed.
    Static {
        /// The text with escapes replaced, for literal comparison.
        literal: String,
        /// The pattern, escaped characters as literal tokens.
        toks: Vec<Tok>,
    },
    /// Variables to substitute at evaluation.
    Dynamic(Vec<Piece>),
}

/// A part of a dynamic template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Piece {
    /// Text as written: `*` and `?` are wildcards in patterns.
    Text(String),
    /// An escaped character, always literal.
    Escaped(char),
    /// A variable: the key name (lower-cased) and the default value, if given.
    Var {
        key: String,
        default: Option<String>,
    },
}

/// A template with its variables resolved, as a pattern or a literal.
pub(crate) enum Resolved<'a> {
    Str(&'a str),
    Toks(Cow<'a, [Tok]>),
}

impl Resolved<'_> {
    /// Whether `text` matches this pattern in full.
    pub(crate) fn matches(&self, text: &str, case: Case) -> bool {
        match self {
            Resolved::Str(s) => wildcard::matches(*s, text, case),
            Resolved::Toks(t) => wildcard::matches(t.as_ref(), text, case),
        }
    }

    /// Whether the ARN `text` matches this pattern part by part.
    pub(crate) fn arn_matches(&self, text: &str) -> bool {
        match self {
            Resolved::Str(s) => wildcard::arn_matches(*s, text),
            Resolved::Toks(t) => wildcard::arn_matches(t.as_ref(), text),
        }
    }
}

fn text_toks(text: &str, out: &mut Vec<Tok>) {
    out.extend(text.chars().map(|c| match c {
        '*' => Tok::Star,
        '?' => Tok::One,
        c => Tok::Char(c),
    }));
}

/// Splits the inside of `${...}` into a piece.
fn variable(inside: &str) -> Piece {
    match inside {
        "*" => return Piece::Escaped('*'),
        "?" => return Piece::Escaped('?'),
        "$" => return Piece::Escaped('$'),
        _ => {}
    }
    let (name, default) = match inside.split_once(',') {
        Some((name, default)) => {
            let default = default.trim();
            let default = default
                .strip_prefix('\'')
                .and_then(|d| d.strip_suffix('\''))
                .unwrap_or(default)
                .replace("''", "'");
            (name, Some(default))
        }
        None => (inside, None),
    };
    Piece::Var {
        key: name.trim().to_ascii_lowercase(),
        default,
    }
}

/// The end of a `${...}` starting at `open` (the index of `$`): the index of its `}`,
/// skipping a quoted default value.
fn closing_brace(text: &str, open: usize) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in text.get(open + 2..)?.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '}' if !quoted => return Some(open + 2 + i),
            _ => {}
        }
    }
    None
}

impl Template {
    /// Parses `text`; `variables` is whether the policy's version has policy variables
    /// (`2012-10-17`); without them the text is taken as written.
    pub(crate) fn parse(text: &str, variables: bool) -> Template {
        if !variables || !text.contains("${") {
            return Template::Plain(text.to_owned());
        }
        let mut pieces = Vec::new();
        let mut rest_start = 0;
        let mut search_from = 0;
        while let Some(found) = text.get(search_from..).and_then(|s| s.find("${")) {
            let open = search_from + found;
            let Some(close) = closing_brace(text, open) else {
                break;
            };
            if open > rest_start {
                pieces.push(Piece::Text(text[rest_start..open].to_owned()));
            }
            pieces.push(variable(&text[open + 2..close]));
            rest_start = close + 1;
            search_from = rest_start;
        }
        if rest_start < text.len() {
            pieces.push(Piece::Text(text[rest_start..].to_owned()));
        }
        if pieces.iter().any(|p| matches!(p, Piece::Var { .. })) {
            return Template::Dynamic(pieces);
        }
        let mut literal = String::new();
        let mut toks = Vec::new();
        for piece in &pieces {
            match piece {
                Piece::Text(t) => {
                    literal.push_str(t);
                    text_toks(t, &mut toks);
                }
                Piece::Escaped(c) => {
                    literal.push(*c);
                    toks.push(Tok::Char(*c));
                }
                Piece::Var { .. } => {}
            }
        }
        if pieces.iter().all(|p| matches!(p, Piece::Text(_))) {
            return Template::Plain(literal);
        }
        Template::Static { literal, toks }
    }

    /// Whether the template has variables to substitute.
    pub(crate) fn is_dynamic(&self) -> bool {
        matches!(self, Template::Dynamic(_))
    }

    /// The condition keys its variables read (lower-cased).
    pub(crate) fn variables(&self) -> impl Iterator<Item = &str> {
        let pieces: &[Piece] = match self {
            Template::Dynamic(pieces) => pieces,
            _ => &[],
        };
        pieces.iter().filter_map(|piece| match piece {
            Piece::Var { key, .. } => Some(key.as_str()),
            _ => None,
        })
    }

    /// The value of a variable, or `None` when it cannot be resolved.
    fn value<'a>(key: &str, default: Option<&'a str>, context: &'a ContextKeys) -> Option<&'a str> {
        match context.get_lowercase(key) {
            Some([one]) => Some(one.as_str()),
            _ => default,
        }
    }

    /// The template as literal text (escapes and variables substituted), or `None` when a
    /// variable cannot be resolved.
    pub(crate) fn literal<'a>(&'a self, context: &ContextKeys) -> Option<Cow<'a, str>> {
        match self {
            Template::Plain(s) => Some(Cow::Borrowed(s)),
            Template::Static { literal, .. } => Some(Cow::Borrowed(literal)),
            Template::Dynamic(pieces) => {
                let mut out = String::new();
                for piece in pieces {
                    match piece {
                        Piece::Text(t) => out.push_str(t),
                        Piece::Escaped(c) => out.push(*c),
                        Piece::Var { key, default } => {
                            out.push_str(Self::value(key, default.as_deref(), context)?);
                        }
                    }
                }
                Some(Cow::Owned(out))
            }
        }
    }

    /// The template as a wildcard pattern, or `None` when a variable cannot be resolved.
    pub(crate) fn pattern<'a>(&'a self, context: &ContextKeys) -> Option<Resolved<'a>> {
        match self {
            Template::Plain(s) => Some(Resolved::Str(s)),
            Template::Static { toks, .. } => Some(Resolved::Toks(Cow::Borrowed(toks))),
            Template::Dynamic(pieces) => {
                let mut toks = Vec::new();
                for piece in pieces {
                    match piece {
                        Piece::Text(t) => text_toks(t, &mut toks),
                        Piece::Escaped(c) => toks.push(Tok::Char(*c)),
                        Piece::Var { key, default } => {
                            let value = Self::value(key, default.as_deref(), context)?;
                            toks.extend(value.chars().map(Tok::Char));
                        }
                    }
                }
                Some(Resolved::Toks(Cow::Owned(toks)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(pairs: &[(&str, &str)]) -> ContextKeys {
        let mut keys = ContextKeys::new();
        for (k, v) in pairs {
            keys.insert(k, *v);
        }
        keys
    }

    fn pattern_matches(template: &Template, text: &str, context: &ContextKeys) -> Option<bool> {
        template
            .pattern(context)
            .map(|p| p.matches(text, Case::Sensitive))
    }

    #[test]
    fn parses_variables_escapes_and_plain_text() {
        assert_eq!(Template::parse("a*b", true), Template::Plain("a*b".into()));
        assert_eq!(
            Template::parse("${aws:username}", false),
            Template::Plain("${aws:username}".into())
        );
        assert_eq!(
            Template::parse("a${b", true),
            Template::Plain("a${b".into())
        );
        assert!(Template::parse("home/${aws:username}/*", true).is_dynamic());
        assert!(!Template::parse("a${*}b", true).is_dynamic());
    }

    #[test]
    fn substitutes_variables_case_insensitively() {
        let t = Template::parse("arn:aws:s3:::bucket/${AWS:UserName}/*", true);
        let ctx = keys(&[("aws:username", "alice")]);
        assert_eq!(
            pattern_matches(&t, "arn:aws:s3:::bucket/alice/x", &ctx),
            Some(true)
        );
        assert_eq!(
            pattern_matches(&t, "arn:aws:s3:::bucket/bob/x", &ctx),
            Some(false)
        );
        assert_eq!(
            pattern_matches(&t, "arn:aws:s3:::bucket/alice/x", &ContextKeys::new()),
            None
        );
    }

    #[test]
    fn substituted_values_and_escapes_are_literal() {
        let ctx = keys(&[("aws:username", "a*")]);
        let t = Template::parse("${aws:username}", true);
        assert_eq!(pattern_matches(&t, "a*", &ctx), Some(true));
        assert_eq!(pattern_matches(&t, "abc", &ctx), Some(false));
        let t = Template::parse("x${*}${?}${$}", true);
        assert_eq!(t.literal(&ctx).as_deref(), Some("x*?$"));
        assert_eq!(pattern_matches(&t, "x*?$", &ctx), Some(true));
        assert_eq!(pattern_matches(&t, "xab$", &ctx), Some(false));
    }

    #[test]
    fn defaults_apply_when_the_key_is_absent() {
        let t = Template::parse("team-${aws:PrincipalTag/team, 'company-wide'}", true);
        assert_eq!(
            t.literal(&ContextKeys::new()).as_deref(),
            Some("team-company-wide")
        );
        let ctx = keys(&[("aws:principaltag/team", "red")]);
        assert_eq!(t.literal(&ctx).as_deref(), Some("team-red"));
        let t = Template::parse("${k, 'it''s}'}", true);
        assert_eq!(t.literal(&ContextKeys::new()).as_deref(), Some("it's}"));
    }

    #[test]
    fn multivalued_keys_do_not_resolve() {
        let mut ctx = ContextKeys::new();
        ctx.insert_many("aws:TagKeys", vec!["a".into(), "b".into()]);
        let t = Template::parse("${aws:TagKeys}", true);
        assert!(t.literal(&ctx).is_none());
    }
}
