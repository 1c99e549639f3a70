//! The per-request context every operation receives, so that region, account and caller
//! reach each operation without any operation reading headers itself.

use crate::auth::CredentialScope;

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The principal's ARN as AWS reports it (`arn:aws:iam::ACCOUNT:root`,
    /// `arn:aws:iam::ACCOUNT:user/NAME`, `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`).
    pub arn: String,
    /// The access key the request was signed with, when it was signed.
    pub access_key_id: Option<String>,
}

impl Caller {
    /// The account's root user.
    pub fn account_root(account: &str, access_key_id: Option<String>) -> Self {
        Caller {
            arn: format!("arn:aws:iam::{account}:root"),
            access_key_id,
        }
    }
}

/// Everything an operation needs to know about the request besides its input.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The id echoed in `x-amzn-RequestId`.
    pub request_id: String,
    /// The region whose state the request reads and writes (from the signature scope).
    pub region: String,
    /// The account the request acts in.
    pub account: String,
    /// The caller.
    pub caller: Caller,
}

impl RequestContext {
    /// Builds the context for a request signed with `scope` (or unsigned), falling back to
    /// `default_region` when the request names none.
    pub fn new(scope: Option<&CredentialScope>, default_region: &str, account: &str) -> Self {
        let region = scope
            .map(|s| s.region.clone())
            .unwrap_or_else(|| default_region.to_owned());
        RequestContext {
            request_id: uuid::Uuid::new_v4().to_string(),
            region,
            account: account.to_owned(),
            caller: Caller::account_root(account, scope.map(|s| s.access_key_id.clone())),
        }
    }
}
