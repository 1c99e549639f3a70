//! Identity and access management: principals, their credentials, and the policy engine
//! that decides, as AWS does, whether a principal may perform an action on a resource.
//!
//! - [`policy`]: the pure engine (documents, matching, conditions, decisions).
//! - [`principals`]: users, roles, access keys, built from fixtures.
//! - [`managed`]: the AWS managed policies the emulator knows.
//! - [`decisions`]: the log of recent decisions behind `/_emulator/decisions`.
//!
//! [`Iam`] ties them together for the request path: it finds who owns an access key, and
//! answers "may this caller do this?" for the services, recording each decision.

pub mod decisions;
pub mod managed;
pub mod policy;
pub mod principals;

use crate::context::{Caller, CallerKind, RequestContext};
use decisions::{DecisionLog, DecisionRecord};
use policy::{ContextKeys, Decision, NamedPolicy, Outcome, PolicyDocument, PolicyKind, Request};
use principals::{random_string, AccessKey, Directory, KeyOwner, Role};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::RwLock;
use time::OffsetDateTime;

/// A refusal, with the message AWS sends
/// (`User: ARN is not authorized to perform: ACTION on resource: ARN because ...`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Denied {
    pub message: String,
    /// Whether a policy denied explicitly (nothing can then allow, not even a grant).
    pub explicit: bool,
}

/// The account's principals and the authorisation service built on them.
#[derive(Debug)]
pub struct Iam {
    /// The account every principal belongs to.
    pub account: String,
    /// Whether access keys the emulator does not know are refused (otherwise they act as
    /// the account root, as users of other emulators expect of `AWS_ACCESS_KEY_ID=test`).
    pub strict: bool,
    /// Users, roles, long-term keys and managed policies (fixed after start).
    directory: Directory,
    /// Temporary keys of role sessions, by access key id.
    sessions: RwLock<HashMap<String, AccessKey>>,
    /// Whether any session was started with session policies (until then no request
    /// looks its session up to find them).
    session_policies_in_use: std::sync::atomic::AtomicBool,
    /// Recent decisions.
    pub decisions: DecisionLog,
}

const KEY_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The policies of one limiting kind (see [`Iam::limits_of`]).
type LimitSet = (PolicyKind, Vec<principals::Named>);

/// Named policies as the engine takes them.
fn named_policies(named: &[principals::Named]) -> Vec<NamedPolicy<'_>> {
    named
        .iter()
        .map(|p| NamedPolicy {
            name: &p.name,
            document: &p.document,
        })
        .collect()
}

/// The message AWS sends for a refusal.
pub fn denial_message(caller: &str, action: &str, resource: &str, decision: &Decision) -> String {
    let why = match (&decision.outcome, &decision.kind) {
        (Outcome::ExplicitDeny, PolicyKind::Identity) => {
            "with an explicit deny in a identity-based policy".to_owned()
        }
        (Outcome::ExplicitDeny, PolicyKind::Resource) => {
            "with an explicit deny in a resource-based policy".to_owned()
        }
        (_, PolicyKind::Identity) => {
            format!("because no identity-based policy allows the {action} action")
        }
        (_, PolicyKind::Resource) => {
            format!("because no resource-based policy allows the {action} action")
        }
        (Outcome::ExplicitDeny, kind) => format!("with an explicit deny in a {}", kind.label()),
        (_, kind) => format!("because no {} allows the {action} action", kind.label()),
    };
    format!("User: {caller} is not authorized to perform: {action} on resource: {resource} {why}")
}

/// `aws:CurrentTime` (RFC 3339, whole seconds) and `aws:EpochTime` of the current
/// second. Both keys have one-second resolution, so each thread formats them once a
/// second rather than on every decision.
fn current_time_keys() -> (String, String) {
    thread_local! {
        static CURRENT: std::cell::RefCell<Option<(i64, String, String)>> =
            const { std::cell::RefCell::new(None) };
    }
    let now = OffsetDateTime::now_utc().unix_timestamp();
    CURRENT.with(|cell| {
        let mut cached = cell.borrow_mut();
        match cached.as_ref() {
            Some((second, text, epoch)) if *second == now => (text.clone(), epoch.clone()),
            _ => {
                let text = OffsetDateTime::from_unix_timestamp(now)
                    .ok()
                    .and_then(|t| {
                        t.format(&time::format_description::well_known::Rfc3339)
                            .ok()
                    })
                    .unwrap_or_default();
                let epoch = now.to_string();
                *cached = Some((now, text.clone(), epoch.clone()));
                (text, epoch)
            }
        }
    })
}

/// Whether evaluating any of these policies may read the request's condition keys; when
/// none does, the decision cannot depend on them and they need not be gathered.
fn read_context<'a>(mut documents: impl Iterator<Item = &'a PolicyDocument>) -> bool {
    documents.any(PolicyDocument::reads_context)
}

impl Iam {
    /// The authorisation service of `account` over `directory`.
    pub fn new(account: &str, strict: bool, directory: Directory) -> Self {
        Iam {
            account: account.to_owned(),
            strict,
            directory,
            sessions: RwLock::new(HashMap::new()),
            session_policies_in_use: std::sync::atomic::AtomicBool::new(false),
            decisions: DecisionLog::default(),
        }
    }

    /// The users, roles and policies.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// The key with this id: a long-term key, or a session's temporary key.
    pub fn lookup_key(&self, id: &str) -> Option<AccessKey> {
        self.find_key(id).map(Cow::into_owned)
    }

    /// The key with this id, borrowed when it is a long-term key (the request path:
    /// nothing is copied for the keys of the fixtures).
    pub fn find_key(&self, id: &str) -> Option<Cow<'_, AccessKey>> {
        if let Some(key) = self.directory.keys.get(id) {
            return Some(Cow::Borrowed(key));
        }
        self.sessions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
            .map(Cow::Owned)
    }

    /// The caller a key authenticates as.
    pub fn caller_for(&self, key: &AccessKey) -> Option<Caller> {
        self.directory.caller_for(key, &self.account)
    }

    /// Starts a session of `role` and returns its temporary credentials.
    pub fn start_session(
        &self,
        role: &Role,
        session_name: &str,
        duration_seconds: u32,
        session_policies: Vec<principals::Named>,
        now: OffsetDateTime,
    ) -> AccessKey {
        let key = AccessKey {
            id: format!("ASIA{}", random_string(KEY_ALPHABET, 16)),
            secret: random_string(SECRET_ALPHABET, 40),
            owner: KeyOwner::RoleSession {
                role: role.name.clone(),
                session: session_name.to_owned(),
            },
            session_token: Some(format!(
                "IQoJb3JpZ2luX2VjE{}",
                random_string(SECRET_ALPHABET, 300)
            )),
            expires: Some(now + time::Duration::seconds(i64::from(duration_seconds))),
            session_policies,
        };
        if !key.session_policies.is_empty() {
            self.session_policies_in_use
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let mut sessions = self.sessions.write().unwrap_or_else(|e| e.into_inner());
        sessions.retain(|_, k| k.expires.is_none_or(|e| e > now));
        sessions.insert(key.id.clone(), key.clone());
        key
    }

    /// Forgets every role session started since the emulator started (fixture sessions
    /// remain).
    pub fn clear_sessions(&self) {
        self.sessions
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// The condition keys every request carries.
    fn context_keys(&self, ctx: &RequestContext, extra: &[(&str, &str)]) -> ContextKeys {
        let caller = &ctx.caller;
        let mut keys = ContextKeys::new();
        let principal_arn = match &caller.kind {
            CallerKind::AssumedRole { role_arn, .. } => role_arn.clone(),
            _ => caller.arn.clone(),
        };
        keys.insert("aws:PrincipalArn", principal_arn);
        keys.insert("aws:PrincipalAccount", caller.account.clone());
        keys.insert("aws:userid", caller.user_id.clone());
        keys.insert(
            "aws:PrincipalType",
            match caller.kind {
                CallerKind::Root => "Account",
                CallerKind::User { .. } => "User",
                CallerKind::AssumedRole { .. } => "AssumedRole",
            },
        );
        if let CallerKind::User { name } = &caller.kind {
            keys.insert("aws:username", name.clone());
        }
        if let Some(ip) = ctx.source_ip {
            keys.insert("aws:SourceIp", ip.to_string());
        }
        let (current_time, epoch_time) = current_time_keys();
        if !current_time.is_empty() {
            keys.insert("aws:CurrentTime", current_time);
        }
        keys.insert("aws:EpochTime", epoch_time);
        keys.insert("aws:SecureTransport", "false");
        keys.insert("aws:RequestedRegion", ctx.region.clone());
        for (key, value) in extra {
            // Repeated keys accumulate: `kms:EncryptionContextKeys` is multi-valued.
            keys.push(key, *value);
        }
        keys
    }

    fn principal_of(caller: &Caller) -> policy::Principal {
        policy::Principal {
            arn: caller.arn.clone(),
            account: caller.account.clone(),
            role_arn: match &caller.kind {
                CallerKind::AssumedRole { role_arn, .. } => Some(role_arn.clone()),
                _ => None,
            },
            service: None,
        }
    }

    fn conclude(
        &self,
        ctx: &RequestContext,
        action: &str,
        resource: &str,
        decision: Decision,
    ) -> Result<(), Denied> {
        let refusal = match decision.outcome {
            Outcome::Allow => None,
            outcome => {
                let reason = decisions::reason_text(
                    action,
                    outcome,
                    decision.kind,
                    decision.reason.as_ref(),
                );
                tracing::info!(
                    principal = %ctx.caller.arn,
                    action,
                    resource,
                    decision = decisions::outcome_name(outcome),
                    %reason,
                    request_id = %ctx.request_id,
                    "access denied"
                );
                Some(Denied {
                    message: denial_message(&ctx.caller.arn, action, resource, &decision),
                    explicit: outcome == Outcome::ExplicitDeny,
                })
            }
        };
        // The record keeps the decision as it is; it is put in words when the log is read.
        self.decisions.record(DecisionRecord {
            time: OffsetDateTime::now_utc(),
            request_id: ctx.request_id.clone(),
            principal: ctx.caller.arn.clone(),
            action: action.to_owned(),
            resource: resource.to_owned(),
            outcome: decision.outcome,
            kind: decision.kind,
            reason: decision.reason,
        });
        match refusal {
            None => Ok(()),
            Some(denied) => Err(denied),
        }
    }

    /// The request's condition keys, built only when one of the policies that decide reads
    /// them (otherwise the decision cannot depend on them).
    fn keys_if_read(
        &self,
        ctx: &RequestContext,
        extra: &[(&str, &str)],
        identity: &[principals::Named],
        resource_policy: Option<&PolicyDocument>,
        limits: &[LimitSet],
    ) -> ContextKeys {
        let documents = identity
            .iter()
            .chain(limits.iter().flat_map(|(_, policies)| policies))
            .map(|p| &*p.document)
            .chain(resource_policy);
        if read_context(documents) {
            self.context_keys(ctx, extra)
        } else {
            ContextKeys::new()
        }
    }

    /// The policies that only limit what the caller's other policies allow, in AWS's order
    /// of evaluation: the account's service control policies (which bind the root user
    /// too), the permissions boundary of the caller's user or role, and the session
    /// policies its AssumeRole passed. Empty (no allocation) when there are none.
    fn limits_of(&self, caller: &Caller) -> Vec<LimitSet> {
        let mut limits = Vec::new();
        let scps = &self.directory.service_control_policies;
        if !scps.is_empty() {
            limits.push((PolicyKind::ServiceControl, scps.clone()));
        }
        if let Some(boundary) = self.directory.boundary(caller) {
            limits.push((PolicyKind::PermissionsBoundary, vec![boundary.clone()]));
        }
        let in_use = self
            .session_policies_in_use
            .load(std::sync::atomic::Ordering::Relaxed);
        if let (true, true, Some(id)) = (in_use, caller.is_role_session(), &caller.access_key_id) {
            let sessions = self.sessions.read().unwrap_or_else(|e| e.into_inner());
            if let Some(key) = sessions.get(id).filter(|k| !k.session_policies.is_empty()) {
                limits.push((PolicyKind::Session, key.session_policies.clone()));
            }
        }
        limits
    }

    /// `decision` as the caller's limiting policies (see [`Iam::limits_of`]) leave it.
    /// `resource_policy`: the resource policy that took part, if any.
    fn limited(
        decision: Decision,
        limits: &[LimitSet],
        request: &Request<'_>,
        caller: &Caller,
        resource_policy: Option<&PolicyDocument>,
    ) -> Decision {
        if limits.is_empty() {
            return decision;
        }
        let named: Vec<Vec<NamedPolicy<'_>>> =
            limits.iter().map(|(_, p)| named_policies(p)).collect();
        let sets: Vec<policy::Limit<'_>> = limits
            .iter()
            .zip(&named)
            .map(|((kind, _), policies)| policy::Limit {
                kind: *kind,
                policies,
            })
            .collect();
        // A same-account resource policy statement naming the caller's own ARN (a user's,
        // or a role session's) grants past boundaries and session policies; one naming
        // the session's role is held to them (IAM User Guide, "Permissions boundaries for
        // IAM entities" and "Session policies").
        let names_caller = match (&caller.kind, &decision.reason, resource_policy) {
            (CallerKind::Root, _, _) | (_, None, _) | (_, _, None) => false,
            (_, Some(reason), Some(document)) => document
                .statements()
                .get(reason.index)
                .is_some_and(|s| s.names_principal_arn(&caller.arn)),
        };
        policy::apply_limits(decision, &sets, request, names_caller)
    }

    /// May the caller perform `action` on `resource`, by its identity policies alone (the
    /// rule of services without resource policies, such as SSM)? `extra` adds
    /// service-specific condition keys.
    pub fn authorize(
        &self,
        ctx: &RequestContext,
        action: &str,
        resource: &str,
        extra: &[(&str, &str)],
    ) -> Result<(), Denied> {
        let named = self.directory.identity_policies(&ctx.caller);
        let limits = self.limits_of(&ctx.caller);
        let keys = self.keys_if_read(ctx, extra, named, None, &limits);
        let principal = Self::principal_of(&ctx.caller);
        let request = Request {
            action,
            resource,
            principal: &principal,
            context: &keys,
        };
        let policies = named_policies(named);
        let decision = policy::decide_identity(&policies, &request, ctx.caller.is_root());
        let decision = Self::limited(decision, &limits, &request, &ctx.caller, None);
        self.conclude(ctx, action, resource, decision)
    }

    /// The decision for `action` on `resource` where the resource's own policy is
    /// mandatory, without recording it.
    fn decide_with_resource_policy(
        &self,
        ctx: &RequestContext,
        action: &str,
        resource: &str,
        resource_policy_name: &str,
        resource_policy: &PolicyDocument,
        extra: &[(&str, &str)],
    ) -> Decision {
        let named = self.directory.identity_policies(&ctx.caller);
        let limits = self.limits_of(&ctx.caller);
        let keys = self.keys_if_read(ctx, extra, named, Some(resource_policy), &limits);
        let principal = Self::principal_of(&ctx.caller);
        let request = Request {
            action,
            resource,
            principal: &principal,
            context: &keys,
        };
        let policies = named_policies(named);
        let resource_policy = NamedPolicy {
            name: resource_policy_name,
            document: resource_policy,
        };
        let decision = policy::decide_with_resource_policy(
            &policies,
            &resource_policy,
            &request,
            ctx.caller.is_root(),
        );
        Self::limited(
            decision,
            &limits,
            &request,
            &ctx.caller,
            Some(resource_policy.document),
        )
    }

    /// May the caller perform `action` on `resource`, where the resource's own policy is
    /// mandatory (a KMS key policy, a role's trust policy): the resource policy must allow,
    /// directly or by delegating to the account's identity policies.
    pub fn authorize_with_resource_policy(
        &self,
        ctx: &RequestContext,
        action: &str,
        resource: &str,
        resource_policy_name: &str,
        resource_policy: &PolicyDocument,
        extra: &[(&str, &str)],
    ) -> Result<(), Denied> {
        let decision = self.decide_with_resource_policy(
            ctx,
            action,
            resource,
            resource_policy_name,
            resource_policy,
            extra,
        );
        self.conclude(ctx, action, resource, decision)
    }

    /// May the caller perform `action` on `resource` of another account that has no
    /// resource policy (a parameter of another account, never shared here)? Across
    /// accounts both the caller's policies and the resource's policy must allow (IAM User
    /// Guide, "Cross-account policy evaluation logic"), so the answer is always a refusal:
    /// the caller's explicit deny, or "no resource-based policy allows".
    pub fn authorize_without_resource_policy(
        &self,
        ctx: &RequestContext,
        action: &str,
        resource: &str,
        extra: &[(&str, &str)],
    ) -> Result<(), Denied> {
        static NONE: std::sync::LazyLock<PolicyDocument> =
            std::sync::LazyLock::new(PolicyDocument::empty);
        self.authorize_with_resource_policy(
            ctx,
            action,
            resource,
            "no resource policy",
            &NONE,
            extra,
        )
    }

    /// Whether the caller would be allowed `action` under a resource policy that is not
    /// in force yet (KMS's lockout check of a new key policy). Nothing is recorded.
    pub fn would_allow_with_resource_policy(
        &self,
        ctx: &RequestContext,
        action: &str,
        resource: &str,
        resource_policy: &PolicyDocument,
    ) -> bool {
        self.decide_with_resource_policy(ctx, action, resource, "new policy", resource_policy, &[])
            .is_allowed()
    }

    /// Whether `service` (a service principal such as `lambda.amazonaws.com`) may assume
    /// `role` under its trust policy, on behalf of resource `source_arn` of
    /// `source_account` (the `aws:SourceArn` and `aws:SourceAccount` condition keys a
    /// confused-deputy guard tests). Nothing is recorded: no caller is involved.
    pub fn service_may_assume(
        &self,
        role: &Role,
        service: &str,
        source_arn: &str,
        source_account: &str,
    ) -> bool {
        let principal = policy::Principal {
            arn: service.to_owned(),
            account: String::new(),
            role_arn: None,
            service: Some(service.to_owned()),
        };
        let mut keys = ContextKeys::new();
        keys.insert("aws:SourceArn", source_arn);
        keys.insert("aws:SourceAccount", source_account);
        keys.insert("aws:PrincipalServiceName", service);
        let request = Request {
            action: "sts:AssumeRole",
            resource: &role.arn,
            principal: &principal,
            context: &keys,
        };
        let trust = NamedPolicy {
            name: "trust policy",
            document: &role.trust_policy,
        };
        policy::decide_with_resource_policy(&[], &trust, &request, false).is_allowed()
    }

    /// Whether a principal ARN named in a policy exists: the account root, a user or a
    /// role of this account (principals of other accounts are taken on trust).
    pub fn principal_exists(&self, arn: &str) -> bool {
        let prefix = format!("arn:aws:iam::{}:", self.account);
        match arn.strip_prefix(&prefix) {
            None => true,
            Some("root") => true,
            Some(rest) => {
                let name = rest.rsplit('/').next().unwrap_or(rest);
                if rest.starts_with("user/") {
                    self.directory.users.contains_key(name)
                } else if rest.starts_with("role/") {
                    self.directory.roles.contains_key(name)
                } else {
                    false
                }
            }
        }
    }
}
