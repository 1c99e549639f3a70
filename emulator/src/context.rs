//! The per-request context every operation receives, so that region, account and caller
//! reach each operation without any operation reading headers itself.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// A new request id, shaped like a UUID: a random per-process part and a counter, so that
/// ids are unique without a system call per request (a random UUID reads the OS random
/// source each time).
pub fn new_request_id() -> String {
    static BASE: OnceLock<u128> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let base = *BASE.get_or_init(|| uuid::Uuid::new_v4().as_u128());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    uuid::Uuid::from_u128(base ^ u128::from(n)).to_string()
}

/// What kind of principal made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallerKind {
    /// The account's root user.
    Root,
    /// An IAM user.
    User { name: String },
    /// A session of an IAM role (from AssumeRole, or a Lambda function's execution role).
    AssumedRole {
        role_name: String,
        role_arn: String,
        session_name: String,
    },
}

/// Who made a request, as authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The principal's ARN as AWS reports it (`arn:aws:iam::ACCOUNT:root`,
    /// `arn:aws:iam::ACCOUNT:user/NAME`, `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`).
    pub arn: String,
    /// The principal's account.
    pub account: String,
    /// The unique id AWS reports as `UserId` (`AIDA...` for a user, `AROA...:SESSION` for
    /// a role session, the account id for root).
    pub user_id: String,
    /// What kind of principal this is.
    pub kind: CallerKind,
    /// The access key the request was signed with, when it was signed.
    pub access_key_id: Option<String>,
}

impl Caller {
    /// The account's root user.
    pub fn account_root(account: &str, access_key_id: Option<String>) -> Self {
        Caller {
            arn: format!("arn:aws:iam::{account}:root"),
            account: account.to_owned(),
            user_id: account.to_owned(),
            kind: CallerKind::Root,
            access_key_id,
        }
    }

    /// Whether this is the account's root user.
    pub fn is_root(&self) -> bool {
        self.kind == CallerKind::Root
    }

    /// Whether the caller is a role session (its AssumeRole is then role chaining).
    pub fn is_role_session(&self) -> bool {
        matches!(self.kind, CallerKind::AssumedRole { .. })
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
    /// The authenticated caller.
    pub caller: Caller,
    /// The client's address (`aws:SourceIp`), when known.
    pub source_ip: Option<IpAddr>,
    /// Which record of the decision log holds this request's decisions (one record per
    /// request, however many actions it authorises).
    pub decisions: DecisionSlot,
    /// The service that made this request on the caller's behalf (SSM calling KMS), and
    /// the caller's request to it.
    pub called_by: Option<CalledBy>,
}

/// The request a service made on the caller's behalf was made for (SSM's calls to KMS):
/// on AWS a separate request, whose CloudTrail event names the calling service in
/// `userIdentity.invokedBy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalledBy {
    /// The calling service's principal (`ssm.amazonaws.com`).
    pub service: String,
    /// The id of the caller's request to that service.
    pub request_id: String,
}

/// The sequence number of a request's record in the decision log, once it has one.
#[derive(Debug, Default)]
pub struct DecisionSlot(AtomicU64);

impl DecisionSlot {
    /// The record's sequence number, if the request has one.
    pub fn get(&self) -> Option<u64> {
        self.0.load(Ordering::Relaxed).checked_sub(1)
    }

    /// Notes the request's record.
    pub fn set(&self, seq: u64) {
        self.0.store(seq + 1, Ordering::Relaxed);
    }
}

impl Clone for DecisionSlot {
    fn clone(&self) -> Self {
        DecisionSlot(AtomicU64::new(self.0.load(Ordering::Relaxed)))
    }
}

impl RequestContext {
    /// A context for `caller` in `region`, with a new request id.
    pub fn new(region: &str, account: &str, caller: Caller, source_ip: Option<IpAddr>) -> Self {
        RequestContext {
            request_id: new_request_id(),
            region: region.to_owned(),
            account: account.to_owned(),
            caller,
            source_ip,
            decisions: DecisionSlot::default(),
            called_by: None,
        }
    }

    /// The context of a request `service` (`ssm`) makes on this caller's behalf to
    /// another service (KMS): the same caller, region and source, a request id of its
    /// own, and a link to this request.
    pub fn on_behalf(&self, service: &str) -> RequestContext {
        RequestContext {
            request_id: new_request_id(),
            region: self.region.clone(),
            account: self.account.clone(),
            caller: self.caller.clone(),
            source_ip: self.source_ip,
            decisions: DecisionSlot::default(),
            called_by: Some(CalledBy {
                service: format!("{service}.amazonaws.com"),
                request_id: self.request_id.clone(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_unique_and_uuid_shaped() {
        let a = new_request_id();
        let b = new_request_id();
        assert_ne!(a, b);
        assert!(uuid::Uuid::parse_str(&a).is_ok(), "{a}");
    }
}
