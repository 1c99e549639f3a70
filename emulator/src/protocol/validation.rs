//! Constraint checks on operation inputs, reported as AWS reports them:
//! `1 validation error detected: Value 'x' at 'name' failed to satisfy constraint: ...`.

use super::json::Blob;
use regex::Regex;
use std::collections::BTreeMap;
use std::fmt::{Debug, Display};
use std::sync::OnceLock;

/// An input whose modelled constraints can be checked (implemented by the generated
/// types, `crate::generated`). `at` is the path of the value in AWS's messages (`""` for
/// an operation's input, `tags.1.member` for an element).
pub trait Validate {
    /// Records every violation of the model's constraints in `v`.
    fn validate(&self, v: &mut Validator, at: &str);

    /// Checks the value alone: `Ok`, or AWS's whole message.
    fn check(&self) -> Result<(), String> {
        let mut v = Validator::new();
        self.validate(&mut v, "");
        v.finish()
    }
}

/// Collects constraint violations of one request, in the order they are checked.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<String>,
}

/// How a value is quoted in a validation message.
fn quoted(value: &str) -> String {
    format!("'{value}'")
}

impl Validator {
    /// A new, empty validator.
    pub fn new() -> Self {
        Self::default()
    }

    /// The path of member `name` (as AWS writes it, `keyId`) within `at`.
    pub fn at(at: &str, name: &str) -> String {
        if at.is_empty() {
            name.to_owned()
        } else {
            format!("{at}.{name}")
        }
    }

    /// A string value as messages quote it.
    pub fn quote(value: &str) -> String {
        quoted(value)
    }

    /// A list of strings as messages show it: `[a, b]`.
    pub fn render_strings(list: &[String]) -> String {
        format!("[{}]", list.join(", "))
    }

    /// A list of structures, shown by its size (how AWS prints them is not recorded).
    pub fn render_count(len: usize) -> String {
        format!("[{len} items]")
    }

    /// How a message shows the value of a blob that is not sensitive: the class of the
    /// buffer a Java service holds it in, never its bytes. AWS's own wording for such a
    /// blob is not recorded in any source found; this keeps the form KMS's handlers gave
    /// `ciphertextBlob` and `publicKey` before the generated layer took them over.
    pub const BLOB_VALUE: &'static str = "'java.nio.HeapByteBuffer'";

    /// The decoded length of a blob sent as base64 text (its padding discounted).
    pub fn blob_len(base64: &str) -> usize {
        let text = base64.trim_end_matches('=');
        text.len() * 3 / 4
    }

    /// Whether no violation has been recorded yet.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Records a violation of `constraint` by `value` (already formatted) at `field`.
    pub fn violation(&mut self, field: &str, value: &str, constraint: &str) {
        self.errors.push(format!(
            "Value {value} at '{field}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// The member must be present; returns the value when it is.
    pub fn required<'a, T>(&mut self, field: &str, value: &'a Option<T>) -> Option<&'a T> {
        if value.is_none() {
            self.violation(field, "null", "Member must not be null");
        }
        value.as_ref()
    }

    /// A string's length (in characters) must lie in `min..=max`.
    pub fn length(&mut self, field: &str, value: &str, min: usize, max: usize) {
        let len = value.chars().count();
        if len < min {
            self.violation(
                field,
                &quoted(value),
                &format!("Member must have length greater than or equal to {min}"),
            );
        } else if len > max {
            self.violation(
                field,
                &quoted(value),
                &format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    /// An optional string's length, when present.
    pub fn opt_length(&mut self, field: &str, value: &Option<String>, min: usize, max: usize) {
        if let Some(v) = value {
            self.length(field, v, min, max);
        }
    }

    /// A list's length must lie in `min..=max`.
    pub fn list_length<T: Display>(&mut self, field: &str, list: &[T], min: usize, max: usize) {
        let rendered = || {
            let items: Vec<String> = list.iter().map(|i| i.to_string()).collect();
            format!("[{}]", items.join(", "))
        };
        if list.len() < min {
            self.violation(
                field,
                &rendered(),
                &format!("Member must have length greater than or equal to {min}"),
            );
        } else if list.len() > max {
            self.violation(
                field,
                &rendered(),
                &format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    /// A sensitive member's violation: AWS leaves the value out of the message
    /// (`Value at 'plaintext' failed to satisfy constraint: ...`).
    pub fn sensitive_violation(&mut self, field: &str, constraint: &str) {
        self.errors.push(format!(
            "Value at '{field}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// A number must lie in `min..=max`. AWS quotes numbers as it quotes strings
    /// (`Value '0' at 'numberOfBytes'`, as recorded AWS answers show).
    pub fn range(&mut self, field: &str, value: Option<i64>, min: i64, max: i64) {
        if let Some(v) = value {
            if v < min {
                self.violation(
                    field,
                    &quoted(&v.to_string()),
                    &format!("Member must have value greater than or equal to {min}"),
                );
            } else if v > max {
                self.violation(
                    field,
                    &quoted(&v.to_string()),
                    &format!("Member must have value less than or equal to {max}"),
                );
            }
        }
    }

    /// An optional string must be one of `allowed`.
    pub fn one_of(&mut self, field: &str, value: Option<&str>, allowed: &[&str]) {
        if let Some(v) = value {
            if !allowed.contains(&v) {
                self.violation(
                    field,
                    &quoted(v),
                    &format!(
                        "Member must satisfy enum value set: [{}]",
                        allowed.join(", ")
                    ),
                );
            }
        }
    }

    /// An optional string must match `pattern` (shown as `shown` in the message).
    pub fn pattern(&mut self, field: &str, value: Option<&str>, ok: bool, shown: &str) {
        if let Some(v) = value {
            if !ok {
                self.violation(
                    field,
                    &quoted(v),
                    &format!("Member must satisfy regular expression pattern: {shown}"),
                );
            }
        }
    }

    /// `Ok` when nothing was violated, otherwise the whole message AWS would send.
    pub fn finish(self) -> Result<(), String> {
        match self.errors.len() {
            0 => Ok(()),
            1 => Err(format!("1 validation error detected: {}", self.errors[0])),
            n => Err(format!(
                "{n} validation errors detected: {}",
                self.errors.join("; ")
            )),
        }
    }
}

/// The constraints of a model's string shape (`crate::generated` holds one per shape,
/// shared by every member that targets it), checked in AWS's order: length, pattern, enum.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    /// Fewest characters (a bound of 0 is left out: nothing can fail it).
    pub min: Option<usize>,
    /// Most characters.
    pub max: Option<usize>,
    /// The pattern the whole value must match.
    pub pattern: Option<&'static Pattern>,
    /// The values allowed, in the order AWS lists them in its message.
    pub values: Option<&'static [&'static str]>,
}

impl Text {
    /// No constraint (the base the generated rules fill in).
    pub const NONE: Text = Text {
        min: None,
        max: None,
        pattern: None,
        values: None,
    };

    /// The constraints `value` fails, as AWS words them, in its order.
    pub fn failures(&self, value: &str) -> Vec<String> {
        let mut out = Vec::new();
        if self.min.is_some() || self.max.is_some() {
            let len = value.chars().count();
            length_failures(len, self.min, self.max, &mut out);
        }
        if let Some(p) = self.pattern {
            if !p.matches(value) {
                out.push(format!(
                    "Member must satisfy regular expression pattern: {}",
                    p.shown
                ));
            }
        }
        if let Some(values) = self.values {
            if !values.contains(&value) {
                out.push(format!(
                    "Member must satisfy enum value set: [{}]",
                    values.join(", ")
                ));
            }
        }
        out
    }
}

/// A model pattern, compiled on its first use. The generator writes the regexes anchored
/// (`^(?:...)$`, as AWS matches the whole value) and in the `regex` crate's dialect; a
/// pattern that dialect cannot say is restated as regexes the value must all match
/// (`all_of`) and none of which it may match (`none_of`).
#[derive(Debug)]
pub struct Pattern {
    /// The pattern as the model writes it: messages quote it.
    pub shown: &'static str,
    /// Regexes the value must match, every one.
    pub all_of: &'static [&'static str],
    /// Regexes the value must not match, any of them.
    pub none_of: &'static [&'static str],
    compiled: OnceLock<(Vec<Regex>, Vec<Regex>)>,
}

impl Pattern {
    /// A pattern, compiled when first matched.
    pub const fn new(
        shown: &'static str,
        all_of: &'static [&'static str],
        none_of: &'static [&'static str],
    ) -> Self {
        Pattern {
            shown,
            all_of,
            none_of,
            compiled: OnceLock::new(),
        }
    }

    /// Whether `value` satisfies the pattern.
    pub fn matches(&self, value: &str) -> bool {
        let (all, none) = self.compiled.get_or_init(|| {
            // The generator compiles every one of these before writing it
            // (`codegen::check_patterns`), so they cannot fail here.
            let compile = |list: &[&str]| -> Vec<Regex> {
                list.iter()
                    .map(|p| Regex::new(p).expect("compiled by the generator"))
                    .collect()
            };
            (compile(self.all_of), compile(self.none_of))
        });
        all.iter().all(|r| r.is_match(value)) && !none.iter().any(|r| r.is_match(value))
    }
}

/// A number shape's bounds (`i64` for integers and longs, `f64` for doubles).
#[derive(Debug, Clone, Copy)]
pub struct Range<T> {
    /// The least value allowed.
    pub min: Option<T>,
    /// The greatest value allowed.
    pub max: Option<T>,
}

impl<T: Copy + PartialOrd + Debug> Range<T> {
    /// The bounds `value` is outside of, as AWS words them. A bound is printed as Java
    /// prints it (a double's `1.0`), which is what `Debug` gives for `i64` and `f64`.
    pub fn failures(&self, value: T) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(min) = self.min {
            if value < min {
                out.push(format!(
                    "Member must have value greater than or equal to {min:?}"
                ));
            }
        }
        if let Some(max) = self.max {
            if value > max {
                out.push(format!(
                    "Member must have value less than or equal to {max:?}"
                ));
            }
        }
        out
    }
}

/// The length bounds of a list, map or blob shape (a blob counts its bytes).
#[derive(Debug, Clone, Copy)]
pub struct Count {
    /// Fewest elements (a bound of 0 is left out).
    pub min: Option<usize>,
    /// Most elements.
    pub max: Option<usize>,
}

impl Count {
    /// No bound.
    pub const NONE: Count = Count {
        min: None,
        max: None,
    };

    /// The bounds `len` is outside of, as AWS words them.
    pub fn failures(&self, len: usize) -> Vec<String> {
        let mut out = Vec::new();
        length_failures(len, self.min, self.max, &mut out);
        out
    }
}

fn length_failures(len: usize, min: Option<usize>, max: Option<usize>, out: &mut Vec<String>) {
    if let Some(min) = min {
        if len < min {
            out.push(format!(
                "Member must have length greater than or equal to {min}"
            ));
        }
    }
    if let Some(max) = max {
        if len > max {
            out.push(format!(
                "Member must have length less than or equal to {max}"
            ));
        }
    }
}

/// A list of strings: its length and each element's constraints.
#[derive(Debug, Clone, Copy)]
pub struct Strings {
    /// The list's length.
    pub count: Count,
    /// What every element must satisfy.
    pub each: Option<&'static Text>,
}

/// A map: its size, and what its keys and (scalar) values must satisfy.
#[derive(Debug, Clone, Copy)]
pub struct Map<R: 'static> {
    /// The number of entries.
    pub count: Count,
    /// What every key must satisfy.
    pub keys: Option<&'static Text>,
    /// What every value must satisfy.
    pub values: Option<&'static R>,
}

impl<R: 'static> Map<R> {
    /// No constraint (a map of structures whose own checks still run).
    pub const NONE: Map<R> = Map {
        count: Count::NONE,
        keys: None,
        values: None,
    };
}

/// A value a map may hold, with the kind of rule that constrains it.
pub trait Scalar {
    /// `Text` for strings, `Range` for numbers.
    type Rule: 'static;
    /// The constraints the value fails, as AWS words them.
    fn failures(&self, rule: &Self::Rule) -> Vec<String>;
}

impl Scalar for String {
    type Rule = Text;
    fn failures(&self, rule: &Text) -> Vec<String> {
        rule.failures(self)
    }
}

impl Scalar for i32 {
    type Rule = Range<i64>;
    fn failures(&self, rule: &Range<i64>) -> Vec<String> {
        rule.failures(i64::from(*self))
    }
}

impl Scalar for i64 {
    type Rule = Range<i64>;
    fn failures(&self, rule: &Range<i64>) -> Vec<String> {
        rule.failures(*self)
    }
}

impl Scalar for f64 {
    type Rule = Range<f64>;
    fn failures(&self, rule: &Range<f64>) -> Vec<String> {
        rule.failures(*self)
    }
}

/// How a violation shows the offending value.
enum Shown<'a> {
    /// Quoted, as AWS quotes strings and numbers.
    Quoted(&'a str),
    /// As written (a rendered list, `null`).
    Plain(&'a str),
    /// Left out (sensitive members, maps).
    Hidden,
}

/// One element's failures added to `failed`, each constraint once, in the order first seen.
fn collect(failed: &mut Vec<String>, failures: Vec<String>) {
    for f in failures {
        if !failed.contains(&f) {
            failed.push(f);
        }
    }
}

/// The checks the generated `Validate` impls call: one call per member, with the
/// member's name as AWS writes it (`keyId`) and the rule of the shape it targets. The
/// path (`at.name`) is built only when something is violated.
impl Validator {
    fn report(&mut self, at: &str, name: &str, shown: Shown, failures: Vec<String>) {
        if failures.is_empty() {
            return;
        }
        let field = Self::at(at, name);
        for constraint in failures {
            match shown {
                Shown::Quoted(value) => self.violation(&field, &quoted(value), &constraint),
                Shown::Plain(value) => self.violation(&field, value, &constraint),
                Shown::Hidden => self.sensitive_violation(&field, &constraint),
            }
        }
    }

    /// A required member must be present (`Value null at ...: Member must not be null`).
    pub fn not_null(&mut self, at: &str, name: &str, present: bool) {
        if !present {
            self.violation(&Self::at(at, name), "null", "Member must not be null");
        }
    }

    /// A string member, quoted in messages.
    pub fn text(&mut self, at: &str, name: &str, value: Option<&str>, rule: &Text) {
        if let Some(x) = value {
            self.report(at, name, Shown::Quoted(x), rule.failures(x));
        }
    }

    /// A sensitive string member: its value is left out of messages.
    pub fn secret_text(&mut self, at: &str, name: &str, value: Option<&str>, rule: &Text) {
        if let Some(x) = value {
            self.report(at, name, Shown::Hidden, rule.failures(x));
        }
    }

    /// An awsJson blob member (decoded bytes), shown as `BLOB_VALUE`.
    pub fn blob(&mut self, at: &str, name: &str, value: Option<&Blob>, rule: &Count) {
        if let Some(x) = value {
            let shown = Shown::Plain(Self::BLOB_VALUE);
            self.report(at, name, shown, rule.failures(x.len()));
        }
    }

    /// A sensitive awsJson blob member (plaintext, key material): its value is left out.
    pub fn secret_blob(&mut self, at: &str, name: &str, value: Option<&Blob>, rule: &Count) {
        if let Some(x) = value {
            self.report(at, name, Shown::Hidden, rule.failures(x.len()));
        }
    }

    /// A blob carried as base64 text (restJson1, awsQuery): its decoded length counts,
    /// and the text is quoted.
    pub fn blob_text(&mut self, at: &str, name: &str, value: Option<&str>, rule: &Count) {
        if let Some(x) = value {
            let failures = rule.failures(Self::blob_len(x));
            self.report(at, name, Shown::Quoted(x), failures);
        }
    }

    /// A sensitive blob carried as base64 text: its value is left out.
    pub fn secret_blob_text(&mut self, at: &str, name: &str, value: Option<&str>, rule: &Count) {
        if let Some(x) = value {
            let failures = rule.failures(Self::blob_len(x));
            self.report(at, name, Shown::Hidden, failures);
        }
    }

    /// An integer or long member. AWS quotes numbers as it quotes strings
    /// (`Value '0' at 'numberOfBytes'`).
    pub fn int<T: Copy + Into<i64>>(
        &mut self,
        at: &str,
        name: &str,
        value: Option<T>,
        rule: &Range<i64>,
    ) {
        if let Some(x) = value {
            let x: i64 = x.into();
            let failures = rule.failures(x);
            if !failures.is_empty() {
                self.report(at, name, Shown::Quoted(&x.to_string()), failures);
            }
        }
    }

    /// A double or float member.
    pub fn float(&mut self, at: &str, name: &str, value: Option<f64>, rule: &Range<f64>) {
        if let Some(x) = value {
            let failures = rule.failures(x);
            if !failures.is_empty() {
                self.report(at, name, Shown::Quoted(&x.to_string()), failures);
            }
        }
    }

    /// A list of strings, shown as `[a, b]`: its length, then its elements' constraints
    /// reported once for the whole list (`Member must satisfy constraint: [...]`).
    pub fn strings(&mut self, at: &str, name: &str, value: Option<&[String]>, rule: &Strings) {
        let Some(list) = value else {
            return;
        };
        let mut failures = rule.count.failures(list.len());
        if let Some(each) = rule.each {
            let mut failed = Vec::new();
            for x in list {
                collect(&mut failed, each.failures(x));
            }
            if !failed.is_empty() {
                failures.push(format!(
                    "Member must satisfy constraint: [{}]",
                    failed.join(", ")
                ));
            }
        }
        if !failures.is_empty() {
            let rendered = Self::render_strings(list);
            self.report(at, name, Shown::Plain(&rendered), failures);
        }
    }

    /// A list of anything but strings and structures: its length, shown by its size.
    pub fn items<T>(&mut self, at: &str, name: &str, value: Option<&[T]>, rule: &Count) {
        if let Some(list) = value {
            let rendered = Self::render_count(list.len());
            self.report(at, name, Shown::Plain(&rendered), rule.failures(list.len()));
        }
    }

    /// A list of structures: its length (shown by its size), then each element's own
    /// checks at `name.N.member` (N from 1).
    pub fn structures<T: Validate>(
        &mut self,
        at: &str,
        name: &str,
        value: Option<&[T]>,
        rule: &Count,
    ) {
        let Some(list) = value else {
            return;
        };
        let rendered = Self::render_count(list.len());
        self.report(at, name, Shown::Plain(&rendered), rule.failures(list.len()));
        let field = Self::at(at, name);
        for (i, item) in list.iter().enumerate() {
            item.validate(self, &format!("{field}.{}.member", i + 1));
        }
    }

    /// A structure member: its own checks, under its name.
    pub fn structure<T: Validate>(&mut self, at: &str, name: &str, value: Option<&T>) {
        if let Some(x) = value {
            x.validate(self, &Self::at(at, name));
        }
    }

    /// A map of scalars: its size, then its keys' and its values' constraints, each
    /// reported once for the whole map (`Map keys must satisfy constraint: [...]`). AWS
    /// leaves a map's value out of its messages.
    pub fn map<V: Scalar>(
        &mut self,
        at: &str,
        name: &str,
        value: Option<&BTreeMap<String, V>>,
        rule: &Map<V::Rule>,
    ) {
        let Some(map) = value else {
            return;
        };
        self.size_and_keys(at, name, map, rule.count, rule.keys);
        if let Some(values) = rule.values {
            let mut failed = Vec::new();
            for x in map.values() {
                collect(&mut failed, x.failures(values));
            }
            if !failed.is_empty() {
                let constraint =
                    format!("Map value must satisfy constraint: [{}]", failed.join(", "));
                self.report(at, name, Shown::Hidden, vec![constraint]);
            }
        }
    }

    /// A map of structures: its size and keys as `map`, then each value's own checks at
    /// `name.key` (how AWS writes such a path is not recorded).
    pub fn map_structures<T: Validate>(
        &mut self,
        at: &str,
        name: &str,
        value: Option<&BTreeMap<String, T>>,
        rule: &Map<()>,
    ) {
        let Some(map) = value else {
            return;
        };
        self.size_and_keys(at, name, map, rule.count, rule.keys);
        let field = Self::at(at, name);
        for (k, item) in map {
            item.validate(self, &format!("{field}.{k}"));
        }
    }

    /// A map of values no rule constrains (lists, booleans): its size and keys as `map`.
    pub fn map_keys<V>(
        &mut self,
        at: &str,
        name: &str,
        value: Option<&BTreeMap<String, V>>,
        rule: &Map<()>,
    ) {
        if let Some(map) = value {
            self.size_and_keys(at, name, map, rule.count, rule.keys);
        }
    }

    fn size_and_keys<V>(
        &mut self,
        at: &str,
        name: &str,
        map: &BTreeMap<String, V>,
        count: Count,
        keys: Option<&Text>,
    ) {
        let mut failures = count.failures(map.len());
        if let Some(keys) = keys {
            let mut failed = Vec::new();
            for k in map.keys() {
                collect(&mut failed, keys.failures(k));
            }
            if !failed.is_empty() {
                failures.push(format!(
                    "Map keys must satisfy constraint: [{}]",
                    failed.join(", ")
                ));
            }
        }
        self.report(at, name, Shown::Hidden, failures);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_error_reads_as_aws_writes_it() {
        let mut v = Validator::new();
        v.length("name", "", 1, 2048);
        assert_eq!(
            v.finish().unwrap_err(),
            "1 validation error detected: Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
    }

    #[test]
    fn sensitive_values_are_left_out() {
        let mut v = Validator::new();
        v.sensitive_violation(
            "plaintext",
            "Member must have length greater than or equal to 1",
        );
        assert_eq!(
            v.finish().unwrap_err(),
            "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
    }

    #[test]
    fn several_errors_are_counted_and_joined() {
        let mut v = Validator::new();
        v.range("maxResults", Some(11), 1, 10);
        v.one_of(
            "type",
            Some("Foo"),
            &["String", "StringList", "SecureString"],
        );
        v.required::<String>("value", &None);
        let msg = v.finish().unwrap_err();
        assert!(msg.starts_with("3 validation errors detected: Value '11' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10; "));
        assert!(
            msg.contains("Member must satisfy enum value set: [String, StringList, SecureString]")
        );
        assert!(msg.ends_with(
            "Value null at 'value' failed to satisfy constraint: Member must not be null"
        ));
    }

    #[test]
    fn nothing_violated_is_ok() {
        let mut v = Validator::new();
        v.length("name", "abc", 1, 2048);
        v.range("maxResults", None, 1, 10);
        assert!(v.finish().is_ok());
    }

    static NAME_PATTERN: Pattern = Pattern::new("[a-z]+", &["^(?:[a-z]+)$"], &[]);
    static NAME: Text = Text {
        min: Some(2),
        max: Some(4),
        pattern: Some(&NAME_PATTERN),
        ..Text::NONE
    };
    static KIND: Text = Text {
        values: Some(&["B", "A"]),
        ..Text::NONE
    };

    fn message(check: impl FnOnce(&mut Validator)) -> String {
        let mut v = Validator::new();
        check(&mut v);
        v.finish().unwrap_err()
    }

    /// A string's failures come in AWS's order (length, pattern, enum), each quoting the
    /// value, at the member's path within `at`.
    #[test]
    fn text_rules_report_each_constraint_in_order() {
        assert_eq!(
            message(|v| v.text("tags.1.member", "key", Some("ABCDE"), &NAME)),
            "2 validation errors detected: Value 'ABCDE' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 4; Value 'ABCDE' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+"
        );
        assert_eq!(
            message(|v| v.text("", "type", Some("C"), &KIND)),
            "1 validation error detected: Value 'C' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [B, A]"
        );
        let mut v = Validator::new();
        v.text("", "name", Some("abc"), &NAME);
        v.text("", "name", None, &NAME);
        v.text("", "type", Some("A"), &KIND);
        assert!(v.finish().is_ok());
    }

    /// A pattern the regex crate cannot say is checked as its restatement: every `all_of`
    /// and none of `none_of` (here: not only white space), quoted as the model writes it.
    #[test]
    fn restated_patterns_need_all_of_and_none_of() {
        static NOT_BLANK: Pattern = Pattern::new("^(?!\\s*$).+", &["^(?:.+)$"], &["^(?:\\s*)$"]);
        assert!(NOT_BLANK.matches(" a "));
        assert!(!NOT_BLANK.matches("  "));
        assert!(!NOT_BLANK.matches(""));
        static RULE: Text = Text {
            pattern: Some(&NOT_BLANK),
            ..Text::NONE
        };
        assert!(message(|v| v.text("", "name", Some(" "), &RULE))
            .ends_with("Member must satisfy regular expression pattern: ^(?!\\s*$).+"));
    }

    #[test]
    fn secrets_and_blobs_are_shown_as_aws_shows_them() {
        assert_eq!(
            message(|v| v.secret_text("", "value", Some("a"), &NAME)),
            "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length greater than or equal to 2"
        );
        let bytes = Count {
            min: Some(1),
            max: Some(4),
        };
        let blob = Blob(vec![0; 5]);
        assert_eq!(
            message(|v| v.blob("", "ciphertextBlob", Some(&blob), &bytes)),
            "1 validation error detected: Value 'java.nio.HeapByteBuffer' at 'ciphertextBlob' failed to satisfy constraint: Member must have length less than or equal to 4"
        );
        assert!(
            message(|v| v.secret_blob("", "plaintext", Some(&blob), &bytes))
                .starts_with("1 validation error detected: Value at 'plaintext' failed")
        );
        // Base64 text counts its decoded bytes: `AAAAAAA=` is 5 bytes, `AAAA` 3.
        assert_eq!(
            message(|v| v.blob_text("", "zipFile", Some("AAAAAAA="), &bytes)),
            "1 validation error detected: Value 'AAAAAAA=' at 'zipFile' failed to satisfy constraint: Member must have length less than or equal to 4"
        );
        assert!(
            message(|v| v.secret_blob_text("", "zipFile", Some("AAAAAAA="), &bytes))
                .starts_with("1 validation error detected: Value at 'zipFile' failed")
        );
        let mut v = Validator::new();
        v.blob_text("", "zipFile", Some("AAAA"), &bytes);
        v.blob("", "ciphertextBlob", Some(&Blob(vec![1])), &bytes);
        assert!(v.finish().is_ok());
    }

    /// Numbers are quoted; a double's bound is printed as Java prints a double.
    #[test]
    fn double_bounds_print_as_aws_prints_them() {
        static WEIGHT: Range<f64> = Range {
            min: Some(0.0),
            max: Some(1.0),
        };
        assert_eq!(
            message(|v| v.float("", "weight", Some(1.5), &WEIGHT)),
            "1 validation error detected: Value '1.5' at 'weight' failed to satisfy constraint: Member must have value less than or equal to 1.0"
        );
        static LIMIT: Range<i64> = Range {
            min: Some(1),
            max: Some(10),
        };
        assert_eq!(
            message(|v| {
                v.int("", "limit", Some(0_i32), &LIMIT);
                v.int("", "max", Some(11_i64), &LIMIT);
            }),
            "2 validation errors detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; Value '11' at 'max' failed to satisfy constraint: Member must have value less than or equal to 10"
        );
    }

    /// A list of strings reports its length, then its elements' failures once for the
    /// whole list, each constraint once, in the order first met.
    #[test]
    fn string_lists_report_their_elements_once() {
        static NAMES: Strings = Strings {
            count: Count {
                min: None,
                max: Some(2),
            },
            each: Some(&NAME),
        };
        let list = ["a".to_owned(), "B".to_owned(), "c".to_owned()];
        assert_eq!(
            message(|v| v.strings("", "names", Some(&list), &NAMES)),
            "2 validation errors detected: Value [a, B, c] at 'names' failed to satisfy constraint: Member must have length less than or equal to 2; Value [a, B, c] at 'names' failed to satisfy constraint: Member must satisfy constraint: [Member must have length greater than or equal to 2, Member must satisfy regular expression pattern: [a-z]+]"
        );
    }

    #[derive(Default)]
    struct Item {
        key: Option<String>,
    }

    impl Validate for Item {
        fn validate(&self, v: &mut Validator, at: &str) {
            v.not_null(at, "key", self.key.is_some());
            v.text(at, "key", self.key.as_deref(), &NAME);
        }
    }

    /// Structures are checked member by member at `name.N.member` (lists) and `name.key`
    /// (maps); a list of them is shown by its size.
    #[test]
    fn nested_structures_are_checked_under_their_paths() {
        let items = [
            Item {
                key: Some("ok".to_owned()),
            },
            Item::default(),
        ];
        let two = Count {
            min: None,
            max: Some(1),
        };
        assert_eq!(
            message(|v| v.structures("", "tags", Some(&items), &two)),
            "2 validation errors detected: Value [2 items] at 'tags' failed to satisfy constraint: Member must have length less than or equal to 1; Value null at 'tags.2.member.key' failed to satisfy constraint: Member must not be null"
        );
        assert_eq!(
            message(|v| v.structure("input", "item", Some(&Item::default()))),
            "1 validation error detected: Value null at 'input.item.key' failed to satisfy constraint: Member must not be null"
        );
        let map = BTreeMap::from([("k".to_owned(), Item::default())]);
        assert_eq!(
            message(|v| v.map_structures("", "items", Some(&map), &Map::NONE)),
            "1 validation error detected: Value null at 'items.k.key' failed to satisfy constraint: Member must not be null"
        );
        let counted: [i32; 2] = [1, 2];
        assert_eq!(
            message(|v| v.items("", "ids", Some(&counted), &two)),
            "1 validation error detected: Value [2 items] at 'ids' failed to satisfy constraint: Member must have length less than or equal to 1"
        );
    }

    /// A map's value is never shown: its size, its keys' and its values' failures.
    #[test]
    fn maps_leave_their_values_out() {
        static WEIGHT: Range<f64> = Range {
            min: Some(0.0),
            max: Some(1.0),
        };
        static WEIGHTS: Map<Range<f64>> = Map {
            count: Count {
                min: None,
                max: Some(1),
            },
            keys: Some(&NAME),
            values: Some(&WEIGHT),
        };
        let map = BTreeMap::from([("A".to_owned(), 2.0), ("bb".to_owned(), -1.0)]);
        assert_eq!(
            message(|v| v.map("", "weights", Some(&map), &WEIGHTS)),
            "3 validation errors detected: Value at 'weights' failed to satisfy constraint: Member must have length less than or equal to 1; Value at 'weights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length greater than or equal to 2, Member must satisfy regular expression pattern: [a-z]+]; Value at 'weights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]"
        );
        static KEYS: Map<()> = Map {
            count: Count::NONE,
            keys: Some(&NAME),
            values: None,
        };
        let flags = BTreeMap::from([("A".to_owned(), vec![true])]);
        assert!(message(|v| v.map_keys("", "flags", Some(&flags), &KEYS))
            .starts_with("1 validation error detected: Value at 'flags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length greater than or equal to 2"));
        let mut v = Validator::new();
        v.map::<f64>("", "weights", None, &WEIGHTS);
        v.not_null("", "present", true);
        assert!(v.finish().is_ok());
    }

    /// The generated checks of a model shape word violations as AWS does, in the
    /// model's member order, with AWS's own enum order where it is known.
    #[test]
    fn generated_checks_word_violations_as_aws() {
        use crate::generated::ssm::{GetParametersRequest, PutParameterRequest, Tag};
        let long = PutParameterRequest {
            name: Some("a".repeat(2049)),
            value: Some("v".to_owned()),
            ..Default::default()
        };
        assert_eq!(
            long.check().unwrap_err(),
            format!("1 validation error detected: Value '{}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 2048", "a".repeat(2049))
        );
        let typed = PutParameterRequest {
            name: Some("n".to_owned()),
            value: Some("v".to_owned()),
            r#type: Some("Foo".to_owned()),
            ..Default::default()
        };
        assert_eq!(
            typed.check().unwrap_err(),
            "1 validation error detected: Value 'Foo' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]"
        );
        let empty = PutParameterRequest::default();
        assert_eq!(
            empty.check().unwrap_err(),
            "2 validation errors detected: Value null at 'name' failed to satisfy constraint: Member must not be null; Value null at 'value' failed to satisfy constraint: Member must not be null"
        );
        let tagged = PutParameterRequest {
            name: Some("n".to_owned()),
            value: Some("v".to_owned()),
            tags: Some(vec![Tag {
                key: Some("a*b".to_owned()),
                value: None,
            }]),
            ..Default::default()
        };
        let message = tagged.check().unwrap_err();
        assert!(message.starts_with("2 validation errors detected: Value 'a*b' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: "), "{message}");
        assert!(message.ends_with("Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"), "{message}");
        let names = GetParametersRequest {
            names: Some(vec!["a".to_owned(), String::new()]),
            ..Default::default()
        };
        assert_eq!(
            names.check().unwrap_err(),
            "1 validation error detected: Value [a, ] at 'names' failed to satisfy constraint: Member must satisfy constraint: [Member must have length greater than or equal to 1]"
        );
    }

    #[test]
    fn sensitive_generated_members_stay_out_of_debug_output() {
        let input = crate::generated::ssm::PutParameterRequest {
            name: Some("n".to_owned()),
            value: Some("secret-value".to_owned()),
            ..Default::default()
        };
        assert!(!format!("{input:?}").contains("secret-value"));
    }
}
