//! The `Condition` element: operators (with their `IfExists` suffix and
//! `ForAnyValue:`/`ForAllValues:` prefixes), parsed with their typed values once, and
//! evaluated against a request's condition keys.
//!
//! The rules, as the IAM User Guide gives them ("IAM JSON policy elements: Condition
//! operators", "Multivalued context keys"):
//! - every operator of a block, and every key of an operator, must match (AND); a key
//!   with several policy values matches when any of them does (OR);
//! - a negated operator (`StringNotEquals`, `NotIpAddress`, ...) matches a request value
//!   that matches none of the policy values;
//! - a key absent from the request fails the condition, except for negated operators,
//!   `...IfExists`, `Null` and `ForAllValues:` (which then match);
//! - `ForAnyValue:` needs some request value to match (false when the key is absent),
//!   `ForAllValues:` every request value (true when absent); without a prefix, several
//!   request values behave as `ForAnyValue:` for a positive operator, and a negated one
//!   needs every value to match none of the policy values;
//! - a request value that cannot be read as the operator's type (a number, a date, an IP
//!   address, a boolean, base64) fails the condition, negated or not, and so does a policy
//!   value whose variable cannot be resolved when no other value matched.

use super::keys::ContextKeys;
use super::template::Template;
use super::wildcard::Case;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine;
use ipnet::IpNet;
use serde_json::Value;
use std::net::IpAddr;
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

/// A comparison of the numeric and date operators: request value OP policy value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn holds<T: PartialOrd>(self, request: T, policy: T) -> bool {
        match self {
            Cmp::Eq => request == policy,
            Cmp::Lt => request < policy,
            Cmp::Le => request <= policy,
            Cmp::Gt => request > policy,
            Cmp::Ge => request >= policy,
        }
    }
}

/// The positive form of an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Numeric(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    IpAddress,
    /// `ArnEquals` and `ArnLike` (which behave alike).
    Arn,
    Null,
}

/// The set prefix of an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Single,
    ForAnyValue,
    ForAllValues,
}

/// A parsed condition operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Operator {
    base: Base,
    negated: bool,
    if_exists: bool,
    set: SetOp,
}

/// The base operators by name (lower-cased), with whether each is negated.
const OPERATORS: &[(&str, Base, bool)] = &[
    ("stringequals", Base::StringEquals, false),
    ("stringnotequals", Base::StringEquals, true),
    (
        "stringequalsignorecase",
        Base::StringEqualsIgnoreCase,
        false,
    ),
    (
        "stringnotequalsignorecase",
        Base::StringEqualsIgnoreCase,
        true,
    ),
    ("stringlike", Base::StringLike, false),
    ("stringnotlike", Base::StringLike, true),
    ("numericequals", Base::Numeric(Cmp::Eq), false),
    ("numericnotequals", Base::Numeric(Cmp::Eq), true),
    ("numericlessthan", Base::Numeric(Cmp::Lt), false),
    ("numericlessthanequals", Base::Numeric(Cmp::Le), false),
    ("numericgreaterthan", Base::Numeric(Cmp::Gt), false),
    ("numericgreaterthanequals", Base::Numeric(Cmp::Ge), false),
    ("dateequals", Base::Date(Cmp::Eq), false),
    ("datenotequals", Base::Date(Cmp::Eq), true),
    ("datelessthan", Base::Date(Cmp::Lt), false),
    ("datelessthanequals", Base::Date(Cmp::Le), false),
    ("dategreaterthan", Base::Date(Cmp::Gt), false),
    ("dategreaterthanequals", Base::Date(Cmp::Ge), false),
    ("bool", Base::Bool, false),
    ("binaryequals", Base::Binary, false),
    ("ipaddress", Base::IpAddress, false),
    ("notipaddress", Base::IpAddress, true),
    ("arnequals", Base::Arn, false),
    ("arnlike", Base::Arn, false),
    ("arnnotequals", Base::Arn, true),
    ("arnnotlike", Base::Arn, true),
    ("null", Base::Null, false),
];

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

fn strip_suffix_ignore_case<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    let tail = s.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix)
        .then(|| s.get(..cut))
        .flatten()
}

impl Operator {
    /// Parses an operator name (matched without regard to ASCII case); the error says
    /// what is wrong.
    fn parse(name: &str) -> Result<Operator, String> {
        let (set, rest) = if let Some(rest) = strip_prefix_ignore_case(name, "ForAnyValue:") {
            (SetOp::ForAnyValue, rest)
        } else if let Some(rest) = strip_prefix_ignore_case(name, "ForAllValues:") {
            (SetOp::ForAllValues, rest)
        } else {
            (SetOp::Single, name)
        };
        let (if_exists, base_name) = match strip_suffix_ignore_case(rest, "IfExists") {
            Some(base) => (true, base),
            None => (false, rest),
        };
        let lower = base_name.to_ascii_lowercase();
        let Some(&(_, base, negated)) = OPERATORS.iter().find(|(n, _, _)| *n == lower) else {
            return Err(format!("has an unknown condition operator {name:?}"));
        };
        if base == Base::Null && (if_exists || set != SetOp::Single) {
            return Err(format!(
                "has the condition operator {name:?}: Null takes neither IfExists nor a ForAnyValue:/ForAllValues: prefix"
            ));
        }
        Ok(Operator {
            base,
            negated,
            if_exists,
            set,
        })
    }
}

/// The policy values of one condition, in the operator's type.
#[derive(Debug, Clone, PartialEq)]
enum Values {
    /// String and ARN operators: templates (policy variables allowed).
    Strings(Vec<Template>),
    Numbers(Vec<f64>),
    /// Instants in nanoseconds since the Unix epoch.
    Dates(Vec<i128>),
    Bools(Vec<bool>),
    Binary(Vec<Vec<u8>>),
    Ips(Vec<IpNet>),
    /// `Null`: `true` asks for the key to be absent, `false` present.
    Null(Vec<bool>),
}

/// One operator applied to one key with its values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    operator: Operator,
    /// The key name, lower-cased.
    key: String,
    values: Values,
}

/// The string form of a JSON condition value (strings, numbers and booleans).
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads a number as the numeric operators do.
fn parse_number(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Reads a date: ISO 8601 / RFC 3339 date-times (without an offset taken as UTC), plain
/// dates (midnight UTC), or whole seconds since the Unix epoch. In nanoseconds since the
/// epoch.
pub(crate) fn parse_date(s: &str) -> Option<i128> {
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t.unix_timestamp_nanos());
    }
    if let Ok(t) = OffsetDateTime::parse(s, &Iso8601::DEFAULT) {
        return Some(t.unix_timestamp_nanos());
    }
    if let Ok(t) = PrimitiveDateTime::parse(s, &Iso8601::DEFAULT) {
        return Some(t.assume_utc().unix_timestamp_nanos());
    }
    if let Ok(d) = Date::parse(s, format_description!("[year]-[month]-[day]")) {
        return Some(d.midnight().assume_utc().unix_timestamp_nanos());
    }
    s.parse::<i64>()
        .ok()
        .map(|secs| i128::from(secs) * 1_000_000_000)
}

fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn parse_base64(s: &str) -> Option<Vec<u8>> {
    STANDARD
        .decode(s)
        .or_else(|_| STANDARD_NO_PAD.decode(s))
        .ok()
}

fn parse_ip_range(s: &str) -> Option<IpNet> {
    s.parse::<IpNet>()
        .ok()
        .or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    s.parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<IpNet>().ok().map(|n| n.addr()))
}

/// Parses each value with `read`, naming the first it rejects.
fn typed<T>(
    name: &str,
    key: &str,
    raw: &[String],
    what: &str,
    read: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, String> {
    raw.iter()
        .map(|s| {
            read(s).ok_or_else(|| {
                format!("has {name} {key:?} with the value {s:?}, which is not {what}")
            })
        })
        .collect()
}

impl Condition {
    /// Parses one operator block (`"StringEquals": {"key": value-or-values, ...}`) into
    /// its conditions; `variables` is whether policy variables apply.
    pub(crate) fn parse_block(
        name: &str,
        block: &Value,
        variables: bool,
        out: &mut Vec<Condition>,
    ) -> Result<(), String> {
        let operator = Operator::parse(name)?;
        let Value::Object(keys) = block else {
            return Err(format!(
                "has the condition operator {name:?} with a value that is not an object of condition keys"
            ));
        };
        if keys.is_empty() {
            return Err(format!(
                "has the condition operator {name:?} with no condition key"
            ));
        }
        for (key, value) in keys {
            let raw: Vec<String> = match value {
                Value::Array(items) => items.iter().map(scalar).collect::<Option<_>>(),
                other => scalar(other).map(|s| vec![s]),
            }
            .ok_or_else(|| {
                format!("has {name} {key:?} with a value that is not a string, number, boolean or list of them")
            })?;
            if raw.is_empty() {
                return Err(format!("has {name} {key:?} with no values"));
            }
            let values = match operator.base {
                Base::StringEquals
                | Base::StringEqualsIgnoreCase
                | Base::StringLike
                | Base::Arn => {
                    Values::Strings(raw.iter().map(|s| Template::parse(s, variables)).collect())
                }
                Base::Numeric(_) => {
                    Values::Numbers(typed(name, key, &raw, "a number", parse_number)?)
                }
                Base::Date(_) => Values::Dates(typed(
                    name,
                    key,
                    &raw,
                    "a date (ISO 8601 such as 2020-01-01T00:00:00Z, or epoch seconds)",
                    parse_date,
                )?),
                Base::Bool => Values::Bools(typed(name, key, &raw, "true or false", parse_bool)?),
                Base::Binary => Values::Binary(typed(name, key, &raw, "base64", parse_base64)?),
                Base::IpAddress => Values::Ips(typed(
                    name,
                    key,
                    &raw,
                    "an IP address or CIDR range",
                    parse_ip_range,
                )?),
                Base::Null => Values::Null(typed(name, key, &raw, "true or false", parse_bool)?),
            };
            out.push(Condition {
                operator,
                key: key.to_ascii_lowercase(),
                values,
            });
        }
        Ok(())
    }

    /// Whether the condition holds for the request's keys.
    /// The condition keys this condition reads, lower-cased: its own, then those of the
    /// policy variables in its values.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        let templates: &[Template] = match &self.values {
            Values::Strings(templates) => templates,
            _ => &[],
        };
        std::iter::once(self.key.as_str()).chain(templates.iter().flat_map(Template::variables))
    }

    pub(crate) fn evaluate(&self, context: &ContextKeys) -> bool {
        let present = context.get_lowercase(&self.key);
        if let Values::Null(wanted) = &self.values {
            let absent = present.is_none();
            return wanted.contains(&absent);
        }
        let op = self.operator;
        let Some(request_values) = present else {
            return op.if_exists
                || match op.set {
                    SetOp::ForAllValues => true,
                    SetOp::ForAnyValue => false,
                    SetOp::Single => op.negated,
                };
        };
        let one = |v: &String| self.one_value(v, context);
        match op.set {
            SetOp::ForAnyValue => request_values.iter().any(one),
            SetOp::ForAllValues => request_values.iter().all(one),
            SetOp::Single if op.negated => request_values.iter().all(one),
            SetOp::Single => request_values.iter().any(one),
        }
    }

    /// Whether one request value satisfies the operator (negation applied).
    fn one_value(&self, value: &str, context: &ContextKeys) -> bool {
        match self.any_policy_value(value, context) {
            Some(matched) => matched != self.operator.negated,
            None => false,
        }
    }

    /// Whether the request value matches any policy value under the positive operator;
    /// `None` when the request value cannot be read as the operator's type, or when no
    /// value matched and some could not be resolved.
    fn any_policy_value(&self, value: &str, context: &ContextKeys) -> Option<bool> {
        match &self.values {
            Values::Strings(templates) => {
                let mut unresolved = false;
                for template in templates {
                    let matched = match self.operator.base {
                        Base::StringEquals => template.literal(context).map(|l| l == value),
                        Base::StringEqualsIgnoreCase => template.literal(context).map(|l| {
                            l.chars()
                                .flat_map(char::to_lowercase)
                                .eq(value.chars().flat_map(char::to_lowercase))
                        }),
                        Base::StringLike => template
                            .pattern(context)
                            .map(|p| p.matches(value, Case::Sensitive)),
                        _ => template.pattern(context).map(|p| p.arn_matches(value)),
                    };
                    match matched {
                        Some(true) => return Some(true),
                        Some(false) => {}
                        None => unresolved = true,
                    }
                }
                (!unresolved).then_some(false)
            }
            Values::Numbers(policy) => {
                let Base::Numeric(cmp) = self.operator.base else {
                    return None;
                };
                let v = parse_number(value)?;
                Some(policy.iter().any(|p| cmp.holds(v, *p)))
            }
            Values::Dates(policy) => {
                let Base::Date(cmp) = self.operator.base else {
                    return None;
                };
                let v = parse_date(value)?;
                Some(policy.iter().any(|p| cmp.holds(v, *p)))
            }
            Values::Bools(policy) => {
                let v = parse_bool(value)?;
                Some(policy.contains(&v))
            }
            Values::Binary(policy) => {
                let v = parse_base64(value)?;
                Some(policy.contains(&v))
            }
            Values::Ips(policy) => {
                let v = parse_ip(value)?;
                Some(policy.iter().any(|net| net.contains(&v)))
            }
            Values::Null(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str, block: Value) -> Result<Vec<Condition>, String> {
        let mut out = Vec::new();
        Condition::parse_block(name, &block, true, &mut out)?;
        Ok(out)
    }

    #[test]
    fn operator_names() {
        let op = Operator::parse("ForAllValues:StringNotLikeIfExists").expect("valid");
        assert_eq!(op.base, Base::StringLike);
        assert!(op.negated && op.if_exists);
        assert_eq!(op.set, SetOp::ForAllValues);
        assert!(Operator::parse("stringequals").is_ok());
        assert!(Operator::parse("StringEqualz").is_err());
        assert!(Operator::parse("NullIfExists").is_err());
        assert!(Operator::parse("ForAnyValue:").is_err());
        assert!(Operator::parse("IfExists").is_err());
    }

    #[test]
    fn dates_in_every_accepted_form() {
        let midnight = parse_date("2020-01-01T00:00:00Z");
        assert!(midnight.is_some());
        assert_eq!(parse_date("2020-01-01"), midnight);
        assert_eq!(parse_date("1577836800"), midnight);
        assert_eq!(parse_date("2020-01-01T00:00:00"), midnight);
        assert_eq!(parse_date("2020-01-01T01:00:00+01:00"), midnight);
        assert_eq!(parse_date("2020-01-01T00:00:00.000Z"), midnight);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn malformed_typed_values_are_rejected() {
        assert!(parse("NumericLessThan", serde_json::json!({"s3:max-keys": "ten"})).is_err());
        assert!(parse(
            "DateGreaterThan",
            serde_json::json!({"aws:CurrentTime": "soon"})
        )
        .is_err());
        assert!(parse(
            "IpAddress",
            serde_json::json!({"aws:SourceIp": "300.1.1.1/8"})
        )
        .is_err());
        assert!(parse("Bool", serde_json::json!({"aws:SecureTransport": "yes"})).is_err());
        assert!(parse("BinaryEquals", serde_json::json!({"k": "!!"})).is_err());
        assert!(parse("Null", serde_json::json!({"k": "maybe"})).is_err());
        assert!(parse("StringEquals", serde_json::json!({"k": []})).is_err());
        assert!(parse("StringEquals", serde_json::json!({"k": {"x": 1}})).is_err());
        assert!(parse("StringEquals", serde_json::json!({})).is_err());
        assert!(parse("StringEquals", serde_json::json!("x")).is_err());
        assert!(parse("Bool", serde_json::json!({"aws:SecureTransport": false})).is_ok());
        assert!(parse("NumericEquals", serde_json::json!({"n": [1, 2.5]})).is_ok());
    }

    #[test]
    fn unreadable_request_values_fail_negated_operators_too() {
        let conditions = parse("NumericNotEquals", serde_json::json!({"n": "5"})).expect("valid");
        let mut keys = ContextKeys::new();
        keys.insert("n", "five");
        assert!(!conditions[0].evaluate(&keys));
        keys.insert("n", "6");
        assert!(conditions[0].evaluate(&keys));
    }
}
