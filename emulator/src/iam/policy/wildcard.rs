//! Wildcard matching for policy patterns: `*` matches any run of characters (none
//! included, `/` and `:` included) and `?` exactly one character.
//!
//! The matcher is the iterative two-pointer algorithm with backtracking to the last `*`:
//! no allocation, no recursion, O(pattern × text) in the worst case. It works on any
//! [`Pattern`]: the text of a policy as written (`str`, where `*` and `?` are wildcards) or
//! a sequence of [`Tok`]ens (where a literal `*` can be told apart from a wildcard, as
//! after a policy variable or a `${*}` escape has been substituted).

/// One element of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    /// This character and no other (subject to the case rule).
    Char(char),
    /// Any run of characters, possibly empty.
    Star,
    /// Exactly one character.
    One,
}

/// How characters compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    /// Exactly (resources, condition values).
    Sensitive,
    /// ASCII letters without regard to case (action names).
    AsciiInsensitive,
}

/// A pattern, read one token at a time from a position.
pub(crate) trait Pattern {
    /// The token at position `at` and the position after it; `None` at the end.
    fn tok_at(&self, at: usize) -> Option<(Tok, usize)>;
}

impl Pattern for str {
    fn tok_at(&self, at: usize) -> Option<(Tok, usize)> {
        let c = self.get(at..)?.chars().next()?;
        let tok = match c {
            '*' => Tok::Star,
            '?' => Tok::One,
            c => Tok::Char(c),
        };
        Some((tok, at + c.len_utf8()))
    }
}

impl Pattern for [Tok] {
    fn tok_at(&self, at: usize) -> Option<(Tok, usize)> {
        self.get(at).map(|tok| (*tok, at + 1))
    }
}

/// The part of a pattern between two positions (`start` inclusive, `end` exclusive),
/// itself a pattern whose positions count from `start`.
pub(crate) struct Slice<'a, P: ?Sized> {
    pub(crate) pattern: &'a P,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl<P: Pattern + ?Sized> Pattern for Slice<'_, P> {
    fn tok_at(&self, at: usize) -> Option<(Tok, usize)> {
        let absolute = self.start.checked_add(at)?;
        if absolute >= self.end {
            return None;
        }
        let (tok, next) = self.pattern.tok_at(absolute)?;
        Some((tok, next - self.start))
    }
}

fn chars_equal(pattern: char, text: char, case: Case) -> bool {
    match case {
        Case::Sensitive => pattern == text,
        Case::AsciiInsensitive => pattern.eq_ignore_ascii_case(&text),
    }
}

fn char_at(text: &str, at: usize) -> Option<char> {
    text.get(at..)?.chars().next()
}

/// Whether `text` matches `pattern` in full.
pub(crate) fn matches<P: Pattern + ?Sized>(pattern: &P, text: &str, case: Case) -> bool {
    let mut p = 0;
    let mut t = 0;
    // After a `*`: the pattern position just after it, and the text position where the
    // run the star absorbs currently ends.
    let mut backtrack: Option<(usize, usize)> = None;
    loop {
        let Some(tc) = char_at(text, t) else {
            // The text is used up: what is left of the pattern must be stars only.
            let mut q = p;
            while let Some((tok, next)) = pattern.tok_at(q) {
                if tok != Tok::Star {
                    return false;
                }
                q = next;
            }
            return true;
        };
        if let Some((tok, next)) = pattern.tok_at(p) {
            match tok {
                Tok::Star => {
                    if pattern.tok_at(next).is_none() {
                        // A star ending the pattern takes the rest of the text (`*`,
                        // `ssm:*`, `arn:...:parameter/dev/*`): no need to walk it.
                        return true;
                    }
                    backtrack = Some((next, t));
                    p = next;
                    continue;
                }
                Tok::One => {
                    p = next;
                    t += tc.len_utf8();
                    continue;
                }
                Tok::Char(pc) if chars_equal(pc, tc, case) => {
                    p = next;
                    t += tc.len_utf8();
                    continue;
                }
                Tok::Char(_) => {}
            }
        }
        // Mismatch: let the last star absorb one more character, or fail.
        let Some((after_star, run_end)) = backtrack else {
            return false;
        };
        let Some(absorbed) = char_at(text, run_end) else {
            return false;
        };
        let run_end = run_end + absorbed.len_utf8();
        backtrack = Some((after_star, run_end));
        p = after_star;
        t = run_end;
    }
}

/// Whether `text` matches `pattern` ARN by ARN part: both split into the six
/// colon-separated parts `arn:partition:service:region:account:resource` (the resource
/// part keeps any further colons), and each part of the text matches the pattern's part,
/// wildcards staying within their part. A pattern without six parts (such as `*`) is
/// matched against the whole text instead.
pub(crate) fn arn_matches<P: Pattern + ?Sized>(pattern: &P, text: &str) -> bool {
    // Positions of the first five colons of the pattern, and the positions after them.
    let mut cuts = [(0usize, 0usize); 5];
    let mut found = 0;
    let mut at = 0;
    while found < cuts.len() {
        match pattern.tok_at(at) {
            Some((Tok::Char(':'), next)) => {
                cuts[found] = (at, next);
                found += 1;
                at = next;
            }
            Some((_, next)) => at = next,
            None => break,
        }
    }
    if found < cuts.len() {
        return matches(pattern, text, Case::Sensitive);
    }
    let mut parts = text.splitn(6, ':');
    let mut start = 0;
    for index in 0..6 {
        let Some(part) = parts.next() else {
            return false;
        };
        let (end, next_start) = cuts.get(index).copied().unwrap_or((usize::MAX, usize::MAX));
        let slice = Slice {
            pattern,
            start,
            end,
        };
        if !matches(&slice, part, Case::Sensitive) {
            return false;
        }
        start = next_start;
    }
    true
}

/// Whether `text` matches the policy pattern `pattern` (`*` and `?` wildcards), with
/// case significant, as for resources.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    matches(pattern, text, Case::Sensitive)
}

/// Whether `text` matches the policy pattern `pattern` (`*` and `?` wildcards), ASCII
/// letters compared without regard to case, as for actions.
pub fn wildcard_match_ignore_case(pattern: &str, text: &str) -> bool {
    matches(pattern, text, Case::AsciiInsensitive)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn examples() {
        let rows: &[(&str, &str, bool)] = &[
            ("*", "", true),
            ("*", "anything:at/all", true),
            ("", "", true),
            ("", "a", false),
            ("a", "", false),
            ("?", "", false),
            ("?", "é", true),
            ("ssm:GetParameter*", "ssm:GetParameter", true),
            ("ssm:GetParameter*", "ssm:GetParameters", true),
            ("ssm:GetParameter*", "ssm:GetParametersByPath", true),
            ("ssm:GetParameter*", "ssm:PutParameter", false),
            ("ssm:Get?arameter", "ssm:GetParameter", true),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXbYY", false),
            ("a*b", "abab", true),
            ("*a", "bbbbba", true),
            ("**", "x", true),
            ("a**?", "ab", true),
            (
                "arn:aws:ssm:*:*:parameter/app/*",
                "arn:aws:ssm:us-east-1:1:parameter/app/x/y",
                true,
            ),
        ];
        for (pattern, text, expected) in rows {
            assert_eq!(
                wildcard_match(pattern, text),
                *expected,
                "{pattern:?} against {text:?}"
            );
        }
    }

    #[test]
    fn case_rules() {
        assert!(wildcard_match_ignore_case(
            "SSM:getparameter",
            "ssm:GetParameter"
        ));
        assert!(wildcard_match_ignore_case("kms:*", "KMS:Decrypt"));
        assert!(!wildcard_match(
            "arn:aws:s3:::Bucket",
            "arn:aws:s3:::bucket"
        ));
        assert!(!wildcard_match_ignore_case("é", "É"));
    }

    #[test]
    fn tokens_keep_literal_stars() {
        let toks = [Tok::Char('a'), Tok::Char('*'), Tok::Star];
        assert!(matches(&toks[..], "a*xyz", Case::Sensitive));
        assert!(!matches(&toks[..], "abxyz", Case::Sensitive));
    }

    #[test]
    fn arn_parts() {
        let rows: &[(&str, &str, bool)] = &[
            (
                "arn:aws:iam::*:role/R",
                "arn:aws:iam::123456789012:role/R",
                true,
            ),
            (
                "arn:aws:iam::1*:role/R",
                "arn:aws:iam::123456789012:role/R",
                true,
            ),
            (
                "arn:*:iam::123456789012:role/R",
                "arn:aws:iam::123456789012:role/R",
                true,
            ),
            (
                "arn:aws:*:*:*:role/R",
                "arn:aws:iam::123456789012:role/R",
                true,
            ),
            // A star stays within its part (as a whole-string match, it would match).
            ("arn:aws:i*::123:role/R", "arn:aws:iam:r::123:role/R", false),
            // A pattern without six parts is matched whole.
            ("arn:aws:*:role/R", "arn:aws:iam::123456789012:role/R", true),
            (
                "arn:aws:sns:*:123456789012:*",
                "arn:aws:sns:us-east-1:123456789012:t:x",
                true,
            ),
            (
                "arn:aws:sns:*:123456789012:*",
                "arn:aws:sns:us-east-1:123456789012",
                false,
            ),
            ("*", "not-an-arn", true),
            ("arn:aws:s3:::b", "arn:aws:s3:::B", false),
        ];
        for (pattern, text, expected) in rows {
            assert_eq!(
                arn_matches(*pattern, text),
                *expected,
                "{pattern:?} against {text:?}"
            );
        }
    }

    /// The reference: a regular expression built from the pattern.
    fn reference(pattern: &str, text: &str, ignore_ascii_case: bool) -> bool {
        let mut re = String::from("^(?s:");
        for c in pattern.chars() {
            match c {
                '*' => re.push_str(".*"),
                '?' => re.push('.'),
                c if ignore_ascii_case && c.is_ascii_alphabetic() => {
                    re.push('[');
                    re.push(c.to_ascii_lowercase());
                    re.push(c.to_ascii_uppercase());
                    re.push(']');
                }
                c => re.push_str(&regex::escape(&c.to_string())),
            }
        }
        re.push_str(")$");
        regex::Regex::new(&re).is_ok_and(|r| r.is_match(text))
    }

    fn pattern_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just('a'),
                Just('A'),
                Just('b'),
                Just('*'),
                Just('?'),
                Just(':'),
                Just('/'),
                Just('é'),
            ],
            0..12,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    fn subject_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just('a'),
                Just('A'),
                Just('b'),
                Just(':'),
                Just('/'),
                Just('é'),
                Just('*'),
            ],
            0..14,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    fn to_toks(pattern: &str) -> Vec<Tok> {
        pattern
            .chars()
            .map(|c| match c {
                '*' => Tok::Star,
                '?' => Tok::One,
                c => Tok::Char(c),
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn agrees_with_regex_reference(pattern in pattern_text(), text in subject_text()) {
            let expected = reference(&pattern, &text, false);
            prop_assert_eq!(wildcard_match(&pattern, &text), expected);
            prop_assert_eq!(matches(&to_toks(&pattern)[..], &text, Case::Sensitive), expected);
            let folded = reference(&pattern, &text, true);
            prop_assert_eq!(wildcard_match_ignore_case(&pattern, &text), folded);
        }

        #[test]
        fn a_text_matches_itself_when_free_of_wildcards(text in subject_text()) {
            let literal: String = text.chars().filter(|c| *c != '*').collect();
            prop_assert!(wildcard_match(&literal, &literal));
            prop_assert!(wildcard_match("*", &text));
        }

        #[test]
        fn matching_against_arbitrary_unicode_never_panics(pattern in ".{0,12}", text in ".{0,12}") {
            let _ = wildcard_match(&pattern, &text);
            let _ = wildcard_match_ignore_case(&pattern, &text);
            let _ = arn_matches(pattern.as_str(), &text);
        }
    }
}
