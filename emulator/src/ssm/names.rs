//! Parameter names, ARNs, selectors (`name:version`, `name:label`) and labels: how they
//! are written, validated and normalised to the key the store uses.

use super::error::SsmError;

/// The most levels a parameter name may have (`/a/b` has two).
pub const MAX_LEVELS: usize = 15;
/// The longest name, counted together with its ARN prefix
/// (`arn:aws:ssm:REGION:ACCOUNT:parameter/`).
pub const MAX_NAME_WITH_ARN: usize = 1011;

/// AWS's answer to a name with characters outside `a-zA-Z0-9_.-/`, or a hierarchical
/// name under `/ssm`.
pub const INVALID_NAME: &str = "Parameter name: can't be prefixed with \"ssm\" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_";
const RESERVED_PLAIN_NAME: &str =
    "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive).";

/// The store key of a name: `/a` and `a` name the same parameter, so both become `/a`.
pub fn key_of(name: &str) -> String {
    if name.starts_with('/') {
        name.to_owned()
    } else {
        format!("/{name}")
    }
}

/// The ARN of a parameter: `arn:aws:ssm:REGION:ACCOUNT:parameter/NAME`, with one slash
/// whether the name is written `/a` or `a`.
pub fn arn(region: &str, account: &str, name: &str) -> String {
    format!(
        "arn:aws:ssm:{region}:{account}:parameter/{}",
        name.strip_prefix('/').unwrap_or(name)
    )
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/')
}

/// Whether a name (or path segment) begins with a reserved prefix, `aws` or `ssm`, in any
/// case.
fn is_reserved(name: &str) -> bool {
    let first = name.trim_start_matches('/');
    let lower = first.get(..3).map(str::to_ascii_lowercase);
    matches!(lower.as_deref(), Some("aws") | Some("ssm"))
}

/// The number of levels of a name: `a` and `/a` have one, `/a/b` two.
pub fn levels(name: &str) -> usize {
    name.trim_start_matches('/').split('/').count()
}

/// Checks a name given to PutParameter (after the model's length check).
pub fn validate_new_name(name: &str, region: &str, account: &str) -> Result<(), SsmError> {
    if !name.chars().all(is_name_char) {
        return Err(SsmError::ValidationException(INVALID_NAME.to_owned()));
    }
    if is_reserved(name) {
        let hierarchical = name.matches('/').count() > 1;
        let first = name.trim_start_matches('/').to_ascii_lowercase();
        return Err(if !hierarchical {
            SsmError::ValidationException(RESERVED_PLAIN_NAME.to_owned())
        } else if first.starts_with("aws") {
            SsmError::AccessDeniedException(format!(
                "No access to reserved parameter name: {name}."
            ))
        } else {
            SsmError::ValidationException(INVALID_NAME.to_owned())
        });
    }
    validate_hierarchy(name)?;
    if name == "/" || name.ends_with('/') {
        return Err(SsmError::ValidationException(INVALID_NAME.to_owned()));
    }
    if arn(region, account, name).len() > MAX_NAME_WITH_ARN {
        return Err(SsmError::ValidationException(format!(
            "Parameter name, including the ARN prefix, can't be longer than {MAX_NAME_WITH_ARN} characters."
        )));
    }
    if levels(name) > MAX_LEVELS {
        return Err(SsmError::HierarchyLevelLimitExceededException(format!(
            "A parameter name can't contain more than {MAX_LEVELS} levels of hierarchy. Parameter name: {name}"
        )));
    }
    Ok(())
}

/// The form of a hierarchical name, as PutParameter and the reads check it: a name with
/// a `/` is fully qualified (begins with `/`), and no level is empty (`//`).
fn validate_hierarchy(name: &str) -> Result<(), SsmError> {
    if name.contains('/') && !name.starts_with('/') {
        return Err(SsmError::ValidationException(
            "Parameter name must be a fully qualified name.".to_owned(),
        ));
    }
    if name.contains("//") {
        return Err(SsmError::ValidationException(INVALID_NAME.to_owned()));
    }
    Ok(())
}

/// Checks the form of a name a read gives (GetParameter, GetParameterHistory) as
/// PutParameter checks it, so that `a/b` or `/a//b` is a `ValidationException`, not a
/// lookup that finds nothing (as recorded AWS answers show, issue 13). An ARN names its
/// parameter without the leading slash and is read as such; a selector is not part of
/// the name.
pub fn validate_read_name(name: &str) -> Result<(), SsmError> {
    if name.starts_with("arn:") {
        return Ok(());
    }
    validate_hierarchy(name.split(':').next().unwrap_or(name))
}

/// The prefix under which Parameter Store reads Secrets Manager secrets (AWS Systems
/// Manager User Guide, "Referencing AWS Secrets Manager secrets from Parameter Store
/// parameters").
pub const SECRETS_MANAGER_PREFIX: &str = "/aws/reference/secretsmanager/";

/// Which version of a parameter a reference selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// `name:3`
    Version(u64),
    /// `name:prod`
    Label(String),
}

impl Selector {
    /// The selector as AWS echoes it in `Parameter.Selector` (`:3`, `:prod`).
    pub fn as_suffix(&self) -> String {
        match self {
            Selector::Version(v) => format!(":{v}"),
            Selector::Label(l) => format!(":{l}"),
        }
    }
}

/// A reference to a parameter as a read names it: a name or ARN, maybe with a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterRef {
    /// The store key (`/a`).
    pub key: String,
    /// The name as the caller wrote it, without selector (for messages and ARNs).
    pub name: String,
    /// The selected version, or the latest when `None`.
    pub selector: Option<Selector>,
}

/// Reads a reference: `name`, `name:selector`, or an ARN
/// `arn:aws:ssm:REGION:ACCOUNT:parameter/NAME[:selector]`. Returns `None` when it cannot
/// name a parameter of `account` in `region`, the store the request reads (the caller
/// answers as for a missing parameter): an ARN names its own partition, region and
/// account, and a parameter of another region or account is not this store's, whatever
/// its name (another account's is refused earlier, by [`super::authorize_parameter`]).
pub fn parse_reference(
    input: &str,
    region: &str,
    account: &str,
) -> Result<Option<ParameterRef>, SsmError> {
    let name_part = match input.strip_prefix("arn:") {
        Some(rest) => {
            // partition:service:region:account:parameter/NAME[:selector]
            let mut parts = rest.splitn(5, ':');
            let (partition, service, arn_region, arn_account) =
                (parts.next(), parts.next(), parts.next(), parts.next());
            let Some(resource) = parts.next() else {
                return Ok(None);
            };
            if partition != Some("aws")
                || service != Some("ssm")
                || arn_region != Some(region)
                || arn_account != Some(account)
            {
                return Ok(None);
            }
            let Some(name) = resource.strip_prefix("parameter/") else {
                return Ok(None);
            };
            // The ARN's name omits the leading slash of a hierarchical name.
            if name.contains('/') {
                format!("/{name}")
            } else {
                name.to_owned()
            }
        }
        None => input.to_owned(),
    };
    let (name, selector) = match name_part.split_once(':') {
        None => (name_part.as_str(), None),
        Some((name, sel)) => {
            if sel.is_empty() || sel.contains(':') {
                return Ok(None);
            }
            let selector = if sel.bytes().all(|b| b.is_ascii_digit()) {
                match sel.parse::<u64>() {
                    Ok(v) => Selector::Version(v),
                    Err(_) => return Ok(None),
                }
            } else {
                Selector::Label(sel.to_owned())
            };
            (name, Some(selector))
        }
    };
    if name.is_empty() {
        return Ok(None);
    }
    if !name.chars().all(is_name_char) {
        return Err(SsmError::ValidationException(INVALID_NAME.to_owned()));
    }
    Ok(Some(ParameterRef {
        key: key_of(name),
        name: name.to_owned(),
        selector,
    }))
}

/// The account an SSM ARN names (`arn:PARTITION:ssm:REGION:ACCOUNT:...`), if `input` is
/// one.
pub fn arn_account(input: &str) -> Option<&str> {
    let mut parts = input.strip_prefix("arn:")?.splitn(5, ':');
    let (_partition, service, _region, account) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    (service == "ssm").then_some(account)
}

/// Whether a label may be attached to a version: 1–100 letters, digits, `.`, `-` and `_`,
/// not starting with a digit, nor with `aws` or `ssm` in any case.
pub fn is_valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 100
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && !label.starts_with(|c: char| c.is_ascii_digit())
        && !is_reserved(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slash_and_plain_names_share_a_key_and_an_arn() {
        assert_eq!(key_of("a"), key_of("/a"));
        assert_ne!(key_of("/x/a"), key_of("/a"));
        assert_eq!(
            arn("us-east-1", "123456789012", "/a"),
            "arn:aws:ssm:us-east-1:123456789012:parameter/a"
        );
        assert_eq!(
            arn("us-east-1", "123456789012", "a"),
            arn("us-east-1", "123456789012", "/a")
        );
    }

    #[test]
    fn names_are_checked_as_aws_checks_them() {
        let ok = |n: &str| validate_new_name(n, "us-east-1", "123456789012");
        assert!(ok("plain").is_ok());
        assert!(ok("/a/b-c/d_e.f").is_ok());
        for bad in [
            "a b", "/a//b", "/a/", "a/b", "/awsx", "AWS", "/ssm/x", "sSmFoo", "/",
        ] {
            assert!(
                matches!(ok(bad), Err(SsmError::ValidationException(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            ok("/aws/x"),
            Err(SsmError::AccessDeniedException(_))
        ));
        assert!(matches!(
            ok("/AWSfoo/x"),
            Err(SsmError::AccessDeniedException(_))
        ));
        let fifteen = "/l".repeat(15);
        assert!(ok(&fifteen).is_ok());
        let sixteen = "/l".repeat(16);
        assert!(matches!(
            ok(&sixteen),
            Err(SsmError::HierarchyLevelLimitExceededException(_))
        ));
        let prefix_len = arn("us-east-1", "123456789012", "").len();
        let longest = "x".repeat(MAX_NAME_WITH_ARN - prefix_len);
        assert!(ok(&longest).is_ok());
        assert!(ok(&format!("{longest}x")).is_err());
    }

    #[test]
    fn references_carry_selectors() {
        let parse_reference = |input: &str| parse_reference(input, "us-east-1", "123456789012");
        let r = parse_reference("/a/b:3").unwrap().unwrap();
        assert_eq!(r.key, "/a/b");
        assert_eq!(r.selector, Some(Selector::Version(3)));
        let r = parse_reference("b:prod").unwrap().unwrap();
        assert_eq!(r.key, "/b");
        assert_eq!(r.selector, Some(Selector::Label("prod".into())));
        let r = parse_reference("arn:aws:ssm:us-east-1:123456789012:parameter/a/b:2")
            .unwrap()
            .unwrap();
        assert_eq!(r.key, "/a/b");
        assert_eq!(r.selector, Some(Selector::Version(2)));
        let r = parse_reference("arn:aws:ssm:us-east-1:123456789012:parameter/plain")
            .unwrap()
            .unwrap();
        assert_eq!(r.key, "/plain");
        assert_eq!(parse_reference("a:1:2").unwrap(), None);
        assert_eq!(parse_reference("a:").unwrap(), None);
        assert!(parse_reference("a b").is_err());
    }

    #[test]
    fn arns_of_other_regions_accounts_and_partitions_name_no_parameter_here() {
        let here = |input: &str| parse_reference(input, "us-east-1", "123456789012").unwrap();
        for elsewhere in [
            "arn:aws:ssm:eu-west-1:123456789012:parameter/a/b",
            "arn:aws:ssm:us-east-1:999999999999:parameter/a/b",
            "arn:aws-cn:ssm:us-east-1:123456789012:parameter/a/b",
            "arn:aws:kms:us-east-1:123456789012:parameter/a/b",
        ] {
            assert_eq!(here(elsewhere), None, "{elsewhere}");
        }
        assert_eq!(
            arn_account("arn:aws:ssm:us-east-1:999999999999:parameter/x"),
            Some("999999999999")
        );
        assert_eq!(arn_account("/x"), None);
    }

    #[test]
    fn labels_follow_the_rules() {
        assert!(is_valid_label("prod"));
        assert!(is_valid_label("Release-1.2_b"));
        for bad in [
            "",
            "1st",
            "awsLabel",
            "SSM",
            "has space",
            "a/b",
            &"x".repeat(101),
        ] {
            assert!(!is_valid_label(bad), "{bad}");
        }
    }

    #[test]
    fn reads_check_a_hierarchical_name_as_put_does() {
        assert!(validate_read_name("/a/b").is_ok());
        assert!(validate_read_name("plain").is_ok());
        assert!(validate_read_name("/a/b:3").is_ok());
        assert!(validate_read_name("arn:aws:ssm:us-east-1:123456789012:parameter/a/b").is_ok());
        assert_eq!(
            validate_read_name("a/b"),
            Err(SsmError::ValidationException(
                "Parameter name must be a fully qualified name.".to_owned()
            ))
        );
        assert_eq!(
            validate_read_name("/a//b"),
            Err(SsmError::ValidationException(INVALID_NAME.to_owned()))
        );
    }
}
