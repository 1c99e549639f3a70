//! The `Principal` and `NotPrincipal` elements of resource policies: parsing, and matching
//! them against the caller.

use super::{Principal, PrincipalMatch};
use serde_json::Value;

/// One entry of the `AWS` list.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AwsEntry {
    /// `"*"`: every principal.
    Any,
    /// The account: `arn:aws:iam::ACCOUNT:root` or the bare 12-digit id.
    Account(String),
    /// A user, role, assumed-role session or other principal ARN, matched exactly.
    Arn(String),
}

/// The principals a `Principal` or `NotPrincipal` element names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct PrincipalSet {
    /// `"Principal": "*"`.
    everyone: bool,
    aws: Vec<AwsEntry>,
    services: Vec<String>,
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The account of an account-root ARN (`arn:PARTITION:iam::ACCOUNT:root`).
pub(crate) fn root_account(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some("iam"), Some(""), Some(account), Some("root")) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    Some(account)
}

fn aws_entry(s: &str) -> AwsEntry {
    if s == "*" {
        AwsEntry::Any
    } else if is_account_id(s) {
        AwsEntry::Account(s.to_owned())
    } else if let Some(account) = root_account(s) {
        AwsEntry::Account(account.to_owned())
    } else {
        AwsEntry::Arn(s.to_owned())
    }
}

/// A string or a non-empty list of strings; `None` when the value is neither.
fn strings(value: &Value) -> Option<Vec<&str>> {
    match value {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(items) if !items.is_empty() => items.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

impl PrincipalSet {
    /// Parses the value of a `Principal`/`NotPrincipal` element; the error says what is
    /// wrong, for the caller to place in its statement.
    pub(crate) fn parse(value: &Value) -> Result<PrincipalSet, String> {
        let mut set = PrincipalSet::default();
        match value {
            Value::String(s) if s == "*" => set.everyone = true,
            Value::String(s) => {
                return Err(format!(
                    "must be \"*\" or an object such as {{\"AWS\": ...}}, not the string {s:?}"
                ))
            }
            Value::Object(map) => {
                for (kind, entries) in map {
                    let entries = strings(entries).ok_or_else(|| {
                        format!("{kind:?} must be a string or a non-empty list of strings")
                    })?;
                    match kind.as_str() {
                        "AWS" => set.aws.extend(entries.into_iter().map(aws_entry)),
                        "Service" => set
                            .services
                            .extend(entries.into_iter().map(str::to_ascii_lowercase)),
                        // Federated users and canonical users are never callers here.
                        "Federated" | "CanonicalUser" => {}
                        other => {
                            return Err(format!(
                                "has an unknown principal type {other:?} (expected AWS, Service, Federated or CanonicalUser)"
                            ))
                        }
                    }
                }
            }
            _ => return Err("must be \"*\" or an object such as {\"AWS\": ...}".to_owned()),
        }
        Ok(set)
    }

    /// Whether the element lists the principal `arn` itself (not through its role, its
    /// account or `"*"`).
    pub(crate) fn lists_arn(&self, arn: &str) -> bool {
        self.aws
            .iter()
            .any(|entry| matches!(entry, AwsEntry::Arn(listed) if listed == arn))
    }

    /// How the element names the caller: directly, through its account, or not at all.
    pub(crate) fn matches(&self, caller: &Principal) -> Option<PrincipalMatch> {
        if self.everyone {
            return Some(PrincipalMatch::Direct);
        }
        if let Some(service) = &caller.service {
            if self
                .services
                .iter()
                .any(|s| s.eq_ignore_ascii_case(service))
            {
                return Some(PrincipalMatch::Direct);
            }
        }
        let mut account = false;
        for entry in &self.aws {
            match entry {
                AwsEntry::Any => return Some(PrincipalMatch::Direct),
                AwsEntry::Arn(arn) => {
                    if *arn == caller.arn || caller.role_arn.as_deref() == Some(arn.as_str()) {
                        return Some(PrincipalMatch::Direct);
                    }
                }
                AwsEntry::Account(id) => {
                    account |= !caller.account.is_empty() && *id == caller.account;
                }
            }
        }
        account.then_some(PrincipalMatch::Account)
    }
}
