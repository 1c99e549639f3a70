//! Function names as callers may give them (a name, a function ARN, a partial ARN, each
//! optionally with a qualifier) and the ARNs Lambda builds from them.

use super::error::LambdaError;

/// The only version the emulator keeps: functions are not versioned.
pub const LATEST: &str = "$LATEST";

/// The pattern of `FunctionName` members, as the model states it (shown in validation
/// messages).
const NAME_PATTERN: &str = "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";

/// A function named by a caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    /// The bare function name.
    pub name: String,
    /// The qualifier given after the name (`name:QUALIFIER`), if any.
    pub qualifier: Option<String>,
    /// The region of a full ARN.
    pub region: Option<String>,
    /// The account of a full or partial ARN.
    pub account: Option<String>,
}

/// The ARN of function `name` (unqualified).
pub fn function_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:lambda:{region}:{account}:function:{name}")
}

/// Whether `name` is a valid bare function name: 1-64 letters, digits, hyphens or
/// underscores.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `qualifier` is `$LATEST` or 1-128 letters, digits, hyphens or underscores.
pub fn valid_qualifier(qualifier: &str) -> bool {
    qualifier == LATEST
        || ((1..=128).contains(&qualifier.len())
            && qualifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts
            .last()
            .is_some_and(|p| p.len() == 1 && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
}

fn pattern_error(field: &str, value: &str) -> LambdaError {
    LambdaError::Validation(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must satisfy regular expression pattern: {NAME_PATTERN}"
    ))
}

/// Parses a `FunctionName` member of at most `max_len` characters (140 or 256 as the
/// operation's model states): `NAME`, `NAME:QUALIFIER`, `ACCOUNT:function:NAME[:Q]`,
/// `REGION:ACCOUNT:function:NAME[:Q]` or `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:Q]`.
pub fn parse(field: &str, value: &str, max_len: usize) -> Result<FunctionRef, LambdaError> {
    if value.is_empty() || value.chars().count() > max_len {
        let constraint = if value.is_empty() {
            "Member must have length greater than or equal to 1".to_owned()
        } else {
            format!("Member must have length less than or equal to {max_len}")
        };
        return Err(LambdaError::Validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {constraint}"
        )));
    }
    let parts: Vec<&str> = value.split(':').collect();
    let (region, account, rest): (Option<&str>, Option<&str>, &[&str]) = match parts.as_slice() {
        ["arn", partition, "lambda", region, account, "function", rest @ ..]
            if partition.starts_with("aws") && is_region(region) && is_account(account) =>
        {
            (Some(*region), Some(*account), rest)
        }
        [region, account, "function", rest @ ..] if is_region(region) && is_account(account) => {
            (Some(*region), Some(*account), rest)
        }
        [account, "function", rest @ ..] if is_account(account) => (None, Some(*account), rest),
        [first, ..] if *first == "arn" => return Err(pattern_error(field, value)),
        rest => (None, None, rest),
    };
    let (name, qualifier) = match rest {
        [name] => (*name, None),
        [name, qualifier] => (*name, Some(*qualifier)),
        _ => return Err(pattern_error(field, value)),
    };
    if !valid_name(name) || qualifier.is_some_and(|q| !valid_qualifier(q)) {
        return Err(pattern_error(field, value));
    }
    Ok(FunctionRef {
        name: name.to_owned(),
        qualifier: qualifier.map(str::to_owned),
        region: region.map(str::to_owned),
        account: account.map(str::to_owned),
    })
}

impl FunctionRef {
    /// Checks that the reference points into `region` (a full ARN names its region; Lambda
    /// refuses other regions' functions).
    pub fn check_region(&self, region: &str) -> Result<(), LambdaError> {
        match &self.region {
            Some(given) if given != region => Err(LambdaError::InvalidParameterValue(format!(
                "Functions from '{given}' are not reachable in this region ('{region}')"
            ))),
            _ => Ok(()),
        }
    }

    /// The account the reference names, or `default`.
    pub fn account_or<'a>(&'a self, default: &'a str) -> &'a str {
        self.account.as_deref().unwrap_or(default)
    }

    /// Merges the qualifier in the name with a `Qualifier` query member: they must agree.
    pub fn with_qualifier(mut self, query: Option<&str>) -> Result<Self, LambdaError> {
        match (self.qualifier.as_deref(), query) {
            (_, None) => Ok(self),
            (None, Some(q)) => {
                if !valid_qualifier(q) {
                    return Err(LambdaError::Validation(format!(
                        "1 validation error detected: Value '{q}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)"
                    )));
                }
                self.qualifier = Some(q.to_owned());
                Ok(self)
            }
            (Some(in_name), Some(q)) if in_name == q => Ok(self),
            (Some(_), Some(_)) => Err(LambdaError::InvalidParameterValue(
                "The derived qualifier from the function name does not match the specified qualifier."
                    .to_owned(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(value: &str) -> FunctionRef {
        parse("functionName", value, 256).unwrap_or_else(|e| panic!("{value}: {e}"))
    }

    #[test]
    fn names_arns_and_partial_arns_name_the_same_function() {
        for value in [
            "my-function",
            "123456789012:function:my-function",
            "us-east-1:123456789012:function:my-function",
            "arn:aws:lambda:us-east-1:123456789012:function:my-function",
        ] {
            assert_eq!(ok(value).name, "my-function", "{value}");
            assert_eq!(ok(value).qualifier, None, "{value}");
        }
        let full = ok("arn:aws:lambda:eu-west-1:123456789012:function:f_1:$LATEST");
        assert_eq!(full.region.as_deref(), Some("eu-west-1"));
        assert_eq!(full.account.as_deref(), Some("123456789012"));
        assert_eq!(full.qualifier.as_deref(), Some("$LATEST"));
        assert_eq!(ok("f:prod").qualifier.as_deref(), Some("prod"));
    }

    #[test]
    fn malformed_names_are_validation_errors() {
        for value in [
            "",
            "has space",
            "a:b:c",
            "arn:aws:lambda:us-east-1:123456789012:function:",
            "arn:aws:s3:::bucket",
            "f:bad qualifier",
            &"x".repeat(65),
        ] {
            let err = parse("functionName", value, 256).unwrap_err();
            assert!(matches!(err, LambdaError::Validation(_)), "{value}: {err}");
        }
        let long = parse("functionName", &"x".repeat(141), 140).unwrap_err();
        assert!(long
            .to_string()
            .ends_with("Member must have length less than or equal to 140"));
    }

    #[test]
    fn other_regions_and_conflicting_qualifiers_are_refused() {
        let other = ok("arn:aws:lambda:us-west-2:123456789012:function:f");
        assert_eq!(
            other.check_region("us-east-1").unwrap_err().to_string(),
            "Functions from 'us-west-2' are not reachable in this region ('us-east-1')"
        );
        assert!(ok("f").check_region("us-east-1").is_ok());
        assert!(ok("f:a").with_qualifier(Some("b")).is_err());
        assert_eq!(
            ok("f")
                .with_qualifier(Some("$LATEST"))
                .unwrap()
                .qualifier
                .as_deref(),
            Some("$LATEST")
        );
    }
}
