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

pub mod actions;
pub mod authorizer;
pub mod decisions;
pub mod managed;
pub mod policy;
pub mod principals;

use crate::context::{Caller, CallerKind, RequestContext};
use decisions::{ActionEvaluation, DecisionLog};
use policy::{ContextKeys, Decision, NamedPolicy, Outcome, PolicyDocument, PolicyKind, Request};
use principals::{random_string, AccessKey, Directory, KeyOwner, Role, SessionTags};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
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
    /// Users, roles, long-term keys and managed policies: a snapshot each request reads
    /// whole, replaced (copy on write) by the IAM API, so that a change takes part in the
    /// next decision and no request sees half of one.
    directory: RwLock<Arc<Directory>>,
    /// The directory as the fixtures built it, which `/_emulator/reset` puts back.
    initial: Arc<Directory>,
    /// Temporary keys of role sessions, by access key id.
    sessions: RwLock<HashMap<String, AccessKey>>,
    /// The function each Lambda execution environment's session key belongs to (its
    /// `lambda:SourceFunctionArn`), by access key id.
    function_sessions: RwLock<HashMap<String, String>>,
    /// The source identity of each role session that has one (AssumeRole's
    /// `SourceIdentity`, or inherited down a role chain), by access key id.
    source_identities: RwLock<HashMap<String, String>>,
    /// Whether any session was started with a source identity (until then no request
    /// looks one up).
    source_identity_in_use: std::sync::atomic::AtomicBool,
    /// Whether any session was started with session policies (until then no request
    /// looks its session up to find them).
    session_policies_in_use: std::sync::atomic::AtomicBool,
    /// Whether any session was started with session tags (until then no request looks
    /// its session up to find them).
    session_tags_in_use: std::sync::atomic::AtomicBool,
    /// Recent decisions.
    pub decisions: DecisionLog,
    /// Whose refusals are only recorded (set once at start).
    pub soft: SoftEnforcement,
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

/// The condition keys a decision's policies read, with their values (empty: absent).
pub type EvaluatedKeys = Vec<(String, Vec<String>)>;

/// A decision before it is recorded, with what the decision log shows of it.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub decision: Decision,
    /// The resource policy consulted (`key policy`, `trust policy`), if any.
    pub resource_policy: Option<&'static str>,
    pub keys: EvaluatedKeys,
    /// The names of the session policies that limited the decision (none for callers
    /// without them).
    pub session_policies: Vec<String>,
}

/// The names of the session policies among a caller's limits (for the decision log).
fn session_policy_names(limits: &[LimitSet]) -> Vec<String> {
    limits
        .iter()
        .filter(|(kind, _)| *kind == PolicyKind::Session)
        .flat_map(|(_, policies)| policies.iter().map(|p| p.name.clone()))
        .collect()
}

/// No service-specific condition keys.
pub fn no_keys(_: &mut ContextKeys) {}

/// Adds fixed (key, value) pairs; a repeated key accumulates values
/// (`kms:EncryptionContextKeys` is multivalued).
pub fn push_pairs(keys: &mut ContextKeys, pairs: &[(&str, &str)]) {
    for (key, value) in pairs {
        keys.push(key, *value);
    }
}

/// Soft enforcement: whose refusals are recorded and logged as "would deny" but let
/// through.
#[derive(Debug, Clone, Default)]
pub struct SoftEnforcement {
    /// Every principal.
    pub all: bool,
    /// These principals: user or role ARNs (a role's sessions included), or session
    /// ARNs.
    pub principals: Vec<String>,
}

impl SoftEnforcement {
    /// Whether the caller's refusals are not enforced.
    pub fn applies_to(&self, caller: &Caller) -> bool {
        self.all || self.principals.iter().any(|p| {
            *p == caller.arn
                || matches!(&caller.kind, CallerKind::AssumedRole { role_arn, .. } if role_arn == p)
        })
    }
}

impl Iam {
    /// The authorisation service of `account` over `directory`.
    pub fn new(account: &str, strict: bool, directory: Directory) -> Self {
        Iam {
            account: account.to_owned(),
            strict,
            initial: Arc::new(directory.clone()),
            directory: RwLock::new(Arc::new(directory)),
            sessions: RwLock::new(HashMap::new()),
            function_sessions: RwLock::new(HashMap::new()),
            source_identities: RwLock::new(HashMap::new()),
            source_identity_in_use: std::sync::atomic::AtomicBool::new(false),
            session_policies_in_use: std::sync::atomic::AtomicBool::new(false),
            session_tags_in_use: std::sync::atomic::AtomicBool::new(false),
            decisions: DecisionLog::default(),
            soft: SoftEnforcement::default(),
        }
    }

    /// The users, roles and policies.
    pub fn directory(&self) -> Arc<Directory> {
        Arc::clone(&self.directory.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// The directory as the fixtures built it.
    pub fn initial_directory(&self) -> Arc<Directory> {
        Arc::clone(&self.initial)
    }

    /// Puts the directory back as the fixtures built it (every IAM API change forgotten).
    pub fn reset_directory(&self) {
        *self.directory.write().unwrap_or_else(|e| e.into_inner()) = Arc::clone(&self.initial);
    }

    /// Changes the directory: `change` works on a copy, which replaces the snapshot only
    /// when it succeeds (a refused change leaves nothing half done).
    pub fn update_directory<R, E>(
        &self,
        change: impl FnOnce(&mut Directory) -> Result<R, E>,
    ) -> Result<R, E> {
        let mut slot = self.directory.write().unwrap_or_else(|e| e.into_inner());
        let mut copy = Directory::clone(&slot);
        let result = change(&mut copy)?;
        *slot = Arc::new(copy);
        Ok(result)
    }

    /// The key with this id: a long-term key, or a session's temporary key.
    pub fn lookup_key(&self, id: &str) -> Option<AccessKey> {
        self.find_key(id).map(Cow::into_owned)
    }

    /// The key with this id, borrowed when it is a long-term key (the request path:
    /// nothing is copied for the keys of the fixtures).
    pub fn find_key(&self, id: &str) -> Option<Cow<'_, AccessKey>> {
        if let Some(key) = self.directory().keys.get(id) {
            return Some(Cow::Owned(key.clone()));
        }
        self.sessions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
            .map(Cow::Owned)
    }

    /// Whether a long-term key was made Inactive.
    pub fn key_inactive(&self, id: &str) -> bool {
        self.directory().inactive_keys.contains(id)
    }

    /// Whether a long-term key was deleted through the IAM API.
    pub fn key_deleted(&self, id: &str) -> bool {
        self.directory().deleted_keys.contains(id)
    }

    /// The caller a key authenticates as.
    pub fn caller_for(&self, key: &AccessKey) -> Option<Caller> {
        self.directory().caller_for(key, &self.account)
    }

    /// Starts a session of a user or of the root user (GetSessionToken) and returns its
    /// temporary credentials: they act as the user, with its policies.
    pub fn start_user_session(
        &self,
        owner: KeyOwner,
        duration_seconds: u32,
        now: OffsetDateTime,
    ) -> AccessKey {
        let key = AccessKey {
            id: format!("ASIA{}", random_string(KEY_ALPHABET, 16)),
            secret: random_string(SECRET_ALPHABET, 40),
            owner,
            session_token: Some(format!(
                "IQoJb3JpZ2luX2VjE{}",
                random_string(SECRET_ALPHABET, 300)
            )),
            expires: Some(now + time::Duration::seconds(i64::from(duration_seconds))),
            session_policies: Vec::new(),
            session_tags: SessionTags::default(),
        };
        let mut sessions = self.sessions.write().unwrap_or_else(|e| e.into_inner());
        sessions.retain(|_, k| k.expires.is_none_or(|e| e > now));
        sessions.insert(key.id.clone(), key.clone());
        key
    }

    /// Starts a session of `role` and returns its temporary credentials.
    pub fn start_session(
        &self,
        role: &Role,
        session_name: &str,
        duration_seconds: u32,
        session_policies: Vec<principals::Named>,
        session_tags: SessionTags,
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
            session_tags,
        };
        if !key.session_policies.is_empty() {
            self.session_policies_in_use
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        if !key.session_tags.is_empty() {
            self.session_tags_in_use
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let mut sessions = self.sessions.write().unwrap_or_else(|e| e.into_inner());
        sessions.retain(|_, k| k.expires.is_none_or(|e| e > now));
        sessions.insert(key.id.clone(), key.clone());
        key
    }

    /// Starts the session Lambda gives a function's execution environment: requests
    /// signed with its key carry `lambda:SourceFunctionArn` (the function's ARN), as the
    /// Lambda Developer Guide describes ("Using source function ARN to control function
    /// access behavior").
    pub fn start_function_session(
        &self,
        role: &Role,
        session_name: &str,
        function_arn: &str,
        duration_seconds: u32,
        now: OffsetDateTime,
    ) -> AccessKey {
        let key = self.start_session(
            role,
            session_name,
            duration_seconds,
            Vec::new(),
            SessionTags::default(),
            now,
        );
        let sessions = self.sessions.read().unwrap_or_else(|e| e.into_inner());
        let mut functions = self
            .function_sessions
            .write()
            .unwrap_or_else(|e| e.into_inner());
        // Keys of expired sessions go with them.
        functions.retain(|id, _| sessions.contains_key(id));
        functions.insert(key.id.clone(), function_arn.to_owned());
        key
    }

    /// The session tags of the caller's role session (none for other callers): what
    /// AssumeRole called with its credentials inherits.
    pub fn session_tags_of(&self, caller: &Caller) -> SessionTags {
        let in_use = self
            .session_tags_in_use
            .load(std::sync::atomic::Ordering::Relaxed);
        match (in_use, caller.is_role_session(), &caller.access_key_id) {
            (true, true, Some(id)) => self
                .sessions
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .get(id)
                .map(|k| k.session_tags.clone())
                .unwrap_or_default(),
            _ => SessionTags::default(),
        }
    }

    /// Notes the source identity of the session of `key_id` (IAM User Guide, "Monitor and
    /// control actions taken with assumed roles": once set it is in every request of the
    /// session as `aws:SourceIdentity` and cannot be changed).
    pub fn set_source_identity(&self, key_id: &str, source_identity: &str) {
        self.source_identity_in_use
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let sessions = self.sessions.read().unwrap_or_else(|e| e.into_inner());
        let mut identities = self
            .source_identities
            .write()
            .unwrap_or_else(|e| e.into_inner());
        // Identities of expired sessions go with them.
        identities.retain(|id, _| sessions.contains_key(id));
        identities.insert(key_id.to_owned(), source_identity.to_owned());
    }

    /// The source identity of the caller's role session, if it has one.
    pub fn source_identity_of(&self, caller: &Caller) -> Option<String> {
        let in_use = self
            .source_identity_in_use
            .load(std::sync::atomic::Ordering::Relaxed);
        match (in_use, caller.is_role_session(), &caller.access_key_id) {
            (true, true, Some(id)) => self
                .source_identities
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .get(id)
                .cloned(),
            _ => None,
        }
    }

    /// Forgets every role session started since the emulator started (fixture sessions
    /// remain).
    pub fn clear_sessions(&self) {
        self.source_identities
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.function_sessions
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.sessions
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// The condition keys every request carries (the global keys of the IAM User Guide,
    /// "AWS global condition context keys"), then the service's own (`extra`), which may
    /// replace a global one (`aws:ViaAWSService` when a service calls on the caller's
    /// behalf).
    fn context_keys(
        &self,
        ctx: &RequestContext,
        resource: &str,
        extra: &dyn Fn(&mut ContextKeys),
    ) -> ContextKeys {
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
        // Every caller the emulator authenticates is an IAM principal, never a service.
        keys.insert("aws:PrincipalIsAWSService", "false");
        keys.insert("aws:ViaAWSService", "false");
        if let Some(tags) = self.directory().principal_tags(caller) {
            for (key, value) in tags {
                keys.insert(&format!("aws:PrincipalTag/{key}"), value.clone());
            }
        }
        // A session tag replaces the role's tag of the same key, whatever its case: keys
        // are held in lower case, so inserting after the role's tags overrides them (IAM
        // User Guide, "Pass session tags in AWS STS": "session tags override a role tag
        // with the same key").
        for (key, value) in self.session_tags_of(caller).tags {
            keys.insert(&format!("aws:PrincipalTag/{key}"), value);
        }
        // A session's source identity is in every request it makes (IAM User Guide,
        // "AWS global condition context keys": aws:SourceIdentity).
        if let Some(source_identity) = self.source_identity_of(caller) {
            keys.insert("aws:SourceIdentity", source_identity);
        }
        // The account that owns the resource: the fifth field of its ARN (absent for
        // `*`, the resource of list and create operations).
        if let Some(account) = resource
            .split(':')
            .nth(4)
            .filter(|a| resource.starts_with("arn:") && !a.is_empty())
        {
            keys.insert("aws:ResourceAccount", account);
        }
        if let Some(ip) = ctx.source_ip {
            keys.insert("aws:SourceIp", ip.to_string());
        }
        if let Some(id) = &caller.access_key_id {
            let functions = self
                .function_sessions
                .read()
                .unwrap_or_else(|e| e.into_inner());
            if let Some(function) = functions.get(id) {
                keys.insert("lambda:SourceFunctionArn", function.as_str());
            }
        }
        let (current_time, epoch_time) = current_time_keys();
        if !current_time.is_empty() {
            keys.insert("aws:CurrentTime", current_time);
        }
        keys.insert("aws:EpochTime", epoch_time);
        // The emulator listens over plain HTTP.
        keys.insert("aws:SecureTransport", "false");
        keys.insert("aws:RequestedRegion", ctx.region.clone());
        extra(&mut keys);
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

    /// Ends an authorisation: the evaluation's outcome, or an allow by `grant` (a KMS
    /// grant id) when no policy denied explicitly. One record per decision, with its
    /// final outcome; a refusal is logged, or under soft enforcement logged and recorded
    /// as "would deny" and let through.
    pub fn conclude(
        &self,
        ctx: &RequestContext,
        action: &str,
        resource: &str,
        evaluation: Evaluation,
        grant: Option<&str>,
    ) -> Result<(), Denied> {
        let Evaluation {
            decision,
            resource_policy,
            keys,
            session_policies,
        } = evaluation;
        let granted = grant.filter(|_| decision.outcome == Outcome::ImplicitDeny);
        let refused = decision.outcome != Outcome::Allow && granted.is_none();
        let soft = refused && self.soft.applies_to(&ctx.caller);
        let refusal = if refused {
            let reason = decisions::reason_text(
                action,
                decision.outcome,
                decision.kind,
                decision.reason.as_ref(),
            );
            let keys_text = decisions::keys_text(&keys);
            if soft {
                tracing::info!(
                    principal = %ctx.caller.arn,
                    action,
                    resource,
                    decision = decisions::outcome_name(decision.outcome),
                    %reason,
                    keys = %keys_text,
                    request_id = %ctx.request_id,
                    "would deny (soft enforcement: allowed)"
                );
                None
            } else {
                tracing::info!(
                    principal = %ctx.caller.arn,
                    action,
                    resource,
                    decision = decisions::outcome_name(decision.outcome),
                    %reason,
                    keys = %keys_text,
                    request_id = %ctx.request_id,
                    "access denied"
                );
                Some(Denied {
                    message: denial_message(&ctx.caller.arn, action, resource, &decision),
                    explicit: decision.outcome == Outcome::ExplicitDeny,
                })
            }
        } else {
            None
        };
        // The record keeps the decision as it is; it is put in words when the log is read.
        self.record(
            ctx,
            ActionEvaluation {
                action: action.to_owned(),
                resource: resource.to_owned(),
                outcome: if granted.is_some() {
                    Outcome::Allow
                } else {
                    decision.outcome
                },
                kind: decision.kind,
                reason: decision.reason,
                resource_policy,
                grant: granted.map(str::to_owned),
                session_policies,
                rule: None,
                keys,
                enforced: !soft,
            },
        );
        match refusal {
            None => Ok(()),
            Some(denied) => Err(denied),
        }
    }

    /// Adds one action's evaluation to the record of the caller's request.
    fn record(&self, ctx: &RequestContext, evaluation: ActionEvaluation) {
        self.decisions.record(
            &ctx.decisions,
            || {
                (
                    ctx.request_id.clone(),
                    ctx.caller.arn.clone(),
                    ctx.called_by.clone(),
                )
            },
            evaluation,
        );
    }

    /// A refusal AWS makes without a policy statement, by a rule of its own (`rule`, in
    /// words; `message`: AWS's answer): recorded as an implicit deny of `action` like any
    /// decision, logged, and under soft enforcement let through as "would deny" unless
    /// `enforce_always` (when there is nothing to let through to, such as a role that does
    /// not exist). `Ok` when soft enforcement lets it through.
    pub fn refuse_by_rule(
        &self,
        ctx: &RequestContext,
        action: &str,
        resource: &str,
        rule: &str,
        message: String,
        enforce_always: bool,
    ) -> Result<(), Denied> {
        let soft = !enforce_always && self.soft.applies_to(&ctx.caller);
        tracing::info!(
            principal = %ctx.caller.arn,
            action,
            resource,
            decision = "ImplicitDeny",
            reason = rule,
            request_id = %ctx.request_id,
            "{}",
            if soft { "would deny (soft enforcement: allowed)" } else { "access denied" }
        );
        self.record(
            ctx,
            ActionEvaluation {
                action: action.to_owned(),
                resource: resource.to_owned(),
                outcome: Outcome::ImplicitDeny,
                kind: PolicyKind::Identity,
                reason: None,
                resource_policy: None,
                grant: None,
                session_policies: Vec::new(),
                rule: Some(rule.to_owned()),
                keys: Vec::new(),
                enforced: !soft,
            },
        );
        if soft {
            Ok(())
        } else {
            Err(Denied {
                message,
                explicit: false,
            })
        }
    }

    /// The request's condition keys, built only when one of the policies that decide reads
    /// them (otherwise the decision cannot depend on them), and the ones those policies'
    /// conditions read, with their values, for the decision log.
    fn keys_if_read(
        &self,
        ctx: &RequestContext,
        resource: &str,
        extra: &dyn Fn(&mut ContextKeys),
        identity: &[principals::Named],
        resource_policy: Option<&PolicyDocument>,
        limits: &[LimitSet],
    ) -> (ContextKeys, EvaluatedKeys) {
        let documents = || {
            identity
                .iter()
                .chain(limits.iter().flat_map(|(_, policies)| policies))
                .map(|p| &*p.document)
                .chain(resource_policy)
        };
        if !read_context(documents()) {
            return (ContextKeys::new(), Vec::new());
        }
        let keys = self.context_keys(ctx, resource, extra);
        let mut evaluated: EvaluatedKeys = Vec::new();
        for name in documents().flat_map(PolicyDocument::condition_keys) {
            if !evaluated.iter().any(|(n, _)| n == name) {
                let values = keys.get(name).map(<[String]>::to_vec).unwrap_or_default();
                evaluated.push((name.to_owned(), values));
            }
        }
        (keys, evaluated)
    }

    /// The policies that only limit what the caller's other policies allow, in AWS's order
    /// of evaluation: the account's service control policies (which bind the root user
    /// too), the permissions boundary of the caller's user or role, and the session
    /// policies its AssumeRole passed. Empty (no allocation) when there are none.
    fn limits_of(&self, caller: &Caller) -> Vec<LimitSet> {
        let mut limits = Vec::new();
        let directory = self.directory();
        let scps = &directory.service_control_policies;
        if !scps.is_empty() {
            limits.push((PolicyKind::ServiceControl, scps.clone()));
        }
        if let Some(boundary) = directory.boundary(caller) {
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
        Self::limited_by(decision, limits, request, names_caller)
    }

    /// `decision` as the limiting policies leave it; `names_caller`: the resource-based
    /// permission that allowed names the caller's own ARN.
    fn limited_by(
        decision: Decision,
        limits: &[LimitSet],
        request: &Request<'_>,
        names_caller: bool,
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
        self.authorize_with(ctx, action, resource, &|keys| push_pairs(keys, extra))
    }

    /// [`Iam::authorize`] with the service's condition keys computed by `extra`, which is
    /// called only when a policy reads condition keys.
    pub fn authorize_with(
        &self,
        ctx: &RequestContext,
        action: &str,
        resource: &str,
        extra: &dyn Fn(&mut ContextKeys),
    ) -> Result<(), Denied> {
        let directory = self.directory();
        let named = directory.identity_policies(&ctx.caller);
        let limits = self.limits_of(&ctx.caller);
        let (keys, evaluated) = self.keys_if_read(ctx, resource, extra, &named, None, &limits);
        let principal = Self::principal_of(&ctx.caller);
        let request = Request {
            action,
            resource,
            principal: &principal,
            context: &keys,
        };
        let policies = named_policies(&named);
        let decision = policy::decide_identity(&policies, &request, ctx.caller.is_root());
        let decision = Self::limited(decision, &limits, &request, &ctx.caller, None);
        let evaluation = Evaluation {
            decision,
            resource_policy: None,
            keys: evaluated,
            session_policies: session_policy_names(&limits),
        };
        self.conclude(ctx, action, resource, evaluation, None)
    }

    /// The decision for `action` on `resource` where the resource's own policy is
    /// mandatory, without recording it (the caller may still allow by a grant; it then
    /// records the final outcome with [`Iam::conclude`]).
    pub fn evaluate_with_resource_policy(
        &self,
        ctx: &RequestContext,
        action: &str,
        resource: &str,
        resource_policy_name: &'static str,
        resource_policy: &PolicyDocument,
        extra: &dyn Fn(&mut ContextKeys),
    ) -> Evaluation {
        let directory = self.directory();
        let named = directory.identity_policies(&ctx.caller);
        let limits = self.limits_of(&ctx.caller);
        let (keys, evaluated) =
            self.keys_if_read(ctx, resource, extra, &named, Some(resource_policy), &limits);
        let principal = Self::principal_of(&ctx.caller);
        let request = Request {
            action,
            resource,
            principal: &principal,
            context: &keys,
        };
        let policies = named_policies(&named);
        let named_resource_policy = NamedPolicy {
            name: resource_policy_name,
            document: resource_policy,
        };
        let decision = policy::decide_with_resource_policy(
            &policies,
            &named_resource_policy,
            &request,
            ctx.caller.is_root(),
        );
        let decision = Self::limited(
            decision,
            &limits,
            &request,
            &ctx.caller,
            Some(resource_policy),
        );
        Evaluation {
            decision,
            resource_policy: Some(resource_policy_name),
            keys: evaluated,
            session_policies: session_policy_names(&limits),
        }
    }

    /// The decision a KMS grant `grant` (which lets the caller perform `action` on the key
    /// `resource`) makes once the caller's limiting policies have had their say, without
    /// recording it. A grant is a resource-based permission the key carries for its
    /// grantee (KMS Developer Guide, "Grants in AWS KMS"), so it is limited as a key
    /// policy statement naming the grantee is (IAM User Guide, "Policy evaluation logic"):
    /// service control policies limit it always; a permissions boundary and session
    /// policies limit it unless it names the caller's own ARN (a user's, or a role
    /// session's), and limit a grant to the session's role; an explicit deny in any of
    /// them refuses. `extra` adds the request's condition keys when a limit reads them.
    pub fn evaluate_grant(
        &self,
        ctx: &RequestContext,
        action: &str,
        resource: &str,
        grant: &str,
        grantee: &str,
        extra: &dyn Fn(&mut ContextKeys),
    ) -> Evaluation {
        let limits = self.limits_of(&ctx.caller);
        let decision = Decision {
            outcome: Outcome::Allow,
            reason: Some(policy::Reason {
                policy: format!("grant {grant}"),
                sid: None,
                index: 0,
                principal_match: Some(policy::PrincipalMatch::Direct),
            }),
            kind: PolicyKind::Resource,
        };
        if limits.is_empty() {
            return Evaluation {
                decision,
                resource_policy: None,
                keys: Vec::new(),
                session_policies: Vec::new(),
            };
        }
        let (keys, evaluated) = self.keys_if_read(ctx, resource, extra, &[], None, &limits);
        let principal = Self::principal_of(&ctx.caller);
        let request = Request {
            action,
            resource,
            principal: &principal,
            context: &keys,
        };
        let names_caller = !ctx.caller.is_root() && grantee == ctx.caller.arn;
        Evaluation {
            decision: Self::limited_by(decision, &limits, &request, names_caller),
            resource_policy: None,
            keys: evaluated,
            session_policies: session_policy_names(&limits),
        }
    }

    /// May the caller perform `action` on `resource`, where the resource's own policy is
    /// mandatory (a KMS key policy, a role's trust policy): the resource policy must allow,
    /// directly or by delegating to the account's identity policies.
    pub fn authorize_with_resource_policy(
        &self,
        ctx: &RequestContext,
        action: &str,
        resource: &str,
        resource_policy_name: &'static str,
        resource_policy: &PolicyDocument,
        extra: &[(&str, &str)],
    ) -> Result<(), Denied> {
        let evaluation = self.evaluate_with_resource_policy(
            ctx,
            action,
            resource,
            resource_policy_name,
            resource_policy,
            &|keys| push_pairs(keys, extra),
        );
        self.conclude(ctx, action, resource, evaluation, None)
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
        self.evaluate_with_resource_policy(
            ctx,
            action,
            resource,
            "new policy",
            resource_policy,
            &no_keys,
        )
        .decision
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

    /// The recent requests' decisions as `/_emulator/decisions` shows them, oldest first
    /// (only requests with a refusal, including soft-enforced ones, when `denied_only`):
    /// one record per request, with every policy consulted across its actions (the
    /// caller's identity policies, service control policies and permissions boundary,
    /// named here from the directory as it is now: the IAM API may have changed them
    /// since; session policies, resource policies and grants as recorded). With
    /// `request_id`, the record of that
    /// request and those of the requests a service made on its behalf (SSM's calls to
    /// KMS, linked by `calledBy`).
    pub fn decision_log(
        &self,
        denied_only: bool,
        request_id: Option<&str>,
    ) -> Vec<serde_json::Value> {
        self.decisions
            .recent(denied_only)
            .into_iter()
            .filter(|record| {
                request_id.is_none_or(|id| {
                    record.request_id == id
                        || record
                            .called_by
                            .as_ref()
                            .is_some_and(|c| c.request_id == id)
                })
            })
            .map(|record| {
                let mut consulted: Vec<serde_json::Value> = Vec::new();
                let mut add = |kind: &str, name: &str| {
                    let entry = serde_json::json!({"type": kind, "name": name});
                    if !consulted.contains(&entry) {
                        consulted.push(entry);
                    }
                };
                for p in self.identity_policies_of_arn(&record.principal) {
                    add("identity", &p.name);
                }
                // Service control policies limit every principal here, the root too.
                for p in &self.directory().service_control_policies {
                    add("service control policy", &p.name);
                }
                if let Some(boundary) = self.boundary_of_arn(&record.principal) {
                    add("permissions boundary", &boundary.name);
                }
                for evaluation in &record.evaluations {
                    for name in &evaluation.session_policies {
                        add("session", name);
                    }
                    if let Some(name) = evaluation.resource_policy {
                        add("resource", name);
                    }
                    if let Some(grant) = &evaluation.grant {
                        add("grant", grant);
                    }
                }
                let mut value = serde_json::to_value(&record).unwrap_or_default();
                if let Some(object) = value.as_object_mut() {
                    object.insert("policies".to_owned(), consulted.into());
                }
                value
            })
            .collect()
    }

    /// The permissions boundary of the principal an ARN names (a user, or a role
    /// session).
    fn boundary_of_arn(&self, arn: &str) -> Option<principals::Named> {
        let directory = self.directory();
        if let Some(user) = directory.users.values().find(|u| u.arn == arn) {
            return user.boundary.clone();
        }
        arn.split_once(":assumed-role/")
            .and_then(|(_, rest)| rest.split('/').next())
            .and_then(|name| directory.roles.get(name))
            .and_then(|r| r.boundary.clone())
    }

    /// The identity policies of the principal an ARN names (a user, or a role session).
    fn identity_policies_of_arn(&self, arn: &str) -> Vec<principals::Named> {
        let directory = self.directory();
        if let Some(user) = directory.users.values().find(|u| u.arn == arn) {
            return directory.user_policies(user).into_owned();
        }
        let role = arn
            .split_once(":assumed-role/")
            .and_then(|(_, rest)| rest.split('/').next())
            .and_then(|name| directory.roles.get(name));
        role.map_or_else(Vec::new, |r| r.policies.clone())
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
                    self.directory().users.contains_key(name)
                } else if rest.starts_with("role/") {
                    self.directory().roles.contains_key(name)
                } else {
                    false
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// A change is all or nothing, the next read sees it, and a reset forgets it.
    #[test]
    fn directory_changes_are_whole_and_reset_forgets_them() {
        let iam = Iam::new("123456789012", false, Directory::new());
        let refused: Result<(), &str> = iam.update_directory(|d| {
            d.inactive_keys.insert("AKIAHALF".to_owned());
            Err("refused")
        });
        assert!(refused.is_err());
        assert!(!iam.key_inactive("AKIAHALF"));
        iam.update_directory(|d| {
            d.inactive_keys.insert("AKIAWHOLE".to_owned());
            Ok::<(), ()>(())
        })
        .unwrap();
        assert!(iam.key_inactive("AKIAWHOLE"));
        iam.reset_directory();
        assert!(!iam.key_inactive("AKIAWHOLE"));
    }
    use crate::fixtures::{merge, parse, Fixtures};
    use std::path::Path;

    fn iam(soft: SoftEnforcement) -> Iam {
        let text = r#"
users:
  - name: carol
    access_keys: [{ id: AKIACAROL00000000001, secret: s }]
    policies:
      - name: deny-one
        document:
          Version: "2012-10-17"
          Statement:
            - { Sid: ReadAll, Effect: Allow, Action: "ssm:GetParameter", Resource: "*" }
            - Sid: NoSecrets
              Effect: Deny
              Action: "ssm:GetParameter"
              Resource: "arn:aws:ssm:*:*:parameter/secret/*"
              Condition: { StringEquals: { "aws:PrincipalType": User } }
"#;
        let path = Path::new("t.yaml");
        let mut fixtures = Fixtures::default();
        merge(
            &mut fixtures,
            path,
            parse(path, text).unwrap(),
            "123456789012",
        )
        .unwrap();
        let directory = principals::Directory::from_fixtures(&fixtures, "123456789012").unwrap();
        let mut iam = Iam::new(&Config::default().account, false, directory);
        iam.soft = soft;
        iam
    }

    fn carol(iam: &Iam) -> RequestContext {
        let key = iam.lookup_key("AKIACAROL00000000001").unwrap();
        RequestContext::new(
            "us-east-1",
            "123456789012",
            iam.caller_for(&key).unwrap(),
            None,
        )
    }

    const SECRET: &str = "arn:aws:ssm:us-east-1:123456789012:parameter/secret/x";

    #[test]
    fn a_refusal_is_enforced_and_recorded_with_its_statement_and_keys() {
        let iam = iam(SoftEnforcement::default());
        let ctx = carol(&iam);
        let denied = iam
            .authorize(&ctx, "ssm:GetParameter", SECRET, &[])
            .unwrap_err();
        assert!(denied.explicit);
        let record = iam.decisions.recent(false).pop().unwrap();
        assert_eq!(record.decision(), "ExplicitDeny");
        assert_eq!(
            record.deciding().reason.as_ref().unwrap().sid.as_deref(),
            Some("NoSecrets")
        );
        assert_eq!(
            record.keys(),
            vec![("aws:principaltype".to_owned(), vec!["User".to_owned()])]
        );
    }

    #[test]
    fn soft_enforcement_records_would_deny_and_allows() {
        for soft in [
            SoftEnforcement {
                all: true,
                principals: Vec::new(),
            },
            SoftEnforcement {
                all: false,
                principals: vec!["arn:aws:iam::123456789012:user/carol".to_owned()],
            },
        ] {
            let iam = iam(soft);
            let ctx = carol(&iam);
            iam.authorize(&ctx, "ssm:GetParameter", SECRET, &[])
                .unwrap();
            iam.authorize(&ctx, "ssm:PutParameter", SECRET, &[])
                .unwrap();
            // One request, two actions: one record listing both.
            let records = iam.decisions.recent(true);
            assert_eq!(records.len(), 1);
            let evaluations = &records[0].evaluations;
            assert_eq!(evaluations.len(), 2);
            assert!(evaluations.iter().all(|e| e.decision() == "WouldDeny"));
            let shown = serde_json::to_value(&records[0]).unwrap();
            assert_eq!(shown["decision"], "WouldDeny");
            assert_eq!(shown["wouldBe"], "ExplicitDeny");
            assert_eq!(shown["statement"]["sid"], "NoSecrets");
            assert_eq!(shown["conditionKeys"]["aws:principaltype"], "User");
            assert_eq!(shown["evaluations"][1]["wouldBe"], "ImplicitDeny");
        }
        // Another principal's refusals are enforced.
        let iam = iam(SoftEnforcement {
            all: false,
            principals: vec!["arn:aws:iam::123456789012:user/dave".to_owned()],
        });
        let ctx = carol(&iam);
        assert!(iam
            .authorize(&ctx, "ssm:GetParameter", SECRET, &[])
            .is_err());
    }

    /// A world with service control policies (all but kms:ReEncryptFrom), a user and a
    /// role bounded to SSM, and an unbounded role.
    fn limited_world() -> Iam {
        let text = r#"
service_control_policies:
  - name: all
    document: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "*", Resource: "*" }] }
  - name: no-reencrypt
    document: { Version: "2012-10-17", Statement: [{ Sid: NoReEncrypt, Effect: Deny, Action: "kms:ReEncryptFrom", Resource: "*" }] }
users:
  - name: bounded
    access_keys: [{ id: AKIABOUNDED000000001, secret: s }]
    permissions_boundary: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "ssm:*", Resource: "*" }] }
roles:
  - name: bounded-role
    trust_policy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "sts:AssumeRole" }] }
    permissions_boundary: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "ssm:*", Resource: "*" }] }
  - name: free-role
    trust_policy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "sts:AssumeRole" }] }
"#;
        let path = Path::new("limits.yaml");
        let mut fixtures = Fixtures::default();
        merge(
            &mut fixtures,
            path,
            parse(path, text).unwrap(),
            "123456789012",
        )
        .unwrap();
        let directory = principals::Directory::from_fixtures(&fixtures, "123456789012").unwrap();
        Iam::new(&Config::default().account, false, directory)
    }

    fn session_of(iam: &Iam, role: &str, session_policy: Option<&str>) -> RequestContext {
        let role = iam.directory().roles.get(role).unwrap().clone();
        let policies = session_policy
            .map(|text| principals::Named {
                name: "session policy".to_owned(),
                document: std::sync::Arc::new(PolicyDocument::parse(text).unwrap()),
            })
            .into_iter()
            .collect();
        let key = iam.start_session(
            &role,
            "s",
            3600,
            policies,
            SessionTags::default(),
            OffsetDateTime::now_utc(),
        );
        RequestContext::new(
            "us-east-1",
            "123456789012",
            iam.caller_for(&key).unwrap(),
            None,
        )
    }

    /// KMS grants within the policy types that only limit: as a resource-based permission
    /// naming its grantee (IAM User Guide, "Policy evaluation logic", "Permissions
    /// boundaries for IAM entities", "Session policies"; AWS Organizations, "Service
    /// control policies").
    #[test]
    fn grants_are_limited_as_resource_permissions_naming_their_grantee() {
        let iam = limited_world();
        let key = "arn:aws:kms:us-east-1:123456789012:key/k";
        let role = "arn:aws:iam::123456789012:role/bounded-role";
        let outcome = |ctx: &RequestContext, action: &str, grantee: &str| {
            let decision = iam
                .evaluate_grant(ctx, action, key, "g1", grantee, &no_keys)
                .decision;
            (decision.outcome, decision.kind)
        };
        let user = {
            let key = iam.lookup_key("AKIABOUNDED000000001").unwrap();
            RequestContext::new(
                "us-east-1",
                "123456789012",
                iam.caller_for(&key).unwrap(),
                None,
            )
        };
        let user_arn = user.caller.arn.clone();
        // A grant to the user itself passes its boundary, never an SCP's deny.
        assert_eq!(
            outcome(&user, "kms:Decrypt", &user_arn),
            (Outcome::Allow, PolicyKind::Resource)
        );
        assert_eq!(
            outcome(&user, "kms:ReEncryptFrom", &user_arn),
            (Outcome::ExplicitDeny, PolicyKind::ServiceControl)
        );
        // A grant to a role is held to the role's boundary; one to the session is not.
        let bounded = session_of(&iam, "bounded-role", None);
        assert_eq!(
            outcome(&bounded, "kms:Decrypt", role),
            (Outcome::ImplicitDeny, PolicyKind::PermissionsBoundary)
        );
        let session_arn = bounded.caller.arn.clone();
        assert_eq!(
            outcome(&bounded, "kms:Decrypt", &session_arn),
            (Outcome::Allow, PolicyKind::Resource)
        );
        // Session policies likewise.
        let only_ssm = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:*","Resource":"*"}]}"#;
        let limited = session_of(&iam, "free-role", Some(only_ssm));
        assert_eq!(
            outcome(
                &limited,
                "kms:Decrypt",
                "arn:aws:iam::123456789012:role/free-role"
            ),
            (Outcome::ImplicitDeny, PolicyKind::Session)
        );
        let deny_decrypt = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}]}"#;
        let denied = session_of(&iam, "free-role", Some(deny_decrypt));
        let session_arn = denied.caller.arn.clone();
        assert_eq!(
            outcome(&denied, "kms:Decrypt", &session_arn),
            (Outcome::ExplicitDeny, PolicyKind::Session)
        );
    }

    #[test]
    fn a_grant_turns_an_implicit_deny_into_one_allowed_record_but_never_an_explicit_one() {
        let iam = iam(SoftEnforcement::default());
        let ctx = carol(&iam);
        let key_policy = policy::PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/nobody"},"Action":"kms:*","Resource":"*"}}"#,
        )
        .unwrap();
        let evaluation = iam.evaluate_with_resource_policy(
            &ctx,
            "kms:Decrypt",
            "k",
            "key policy",
            &key_policy,
            &no_keys,
        );
        assert_eq!(evaluation.decision.outcome, Outcome::ImplicitDeny);
        iam.conclude(&ctx, "kms:Decrypt", "k", evaluation, Some("g1"))
            .unwrap();
        let records = iam.decisions.recent(false);
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].decision(), "Allow");
        assert!(records[0].reason_text().contains("grant \"g1\""));
        // An explicit deny is never overridden by a grant.
        let evaluation = iam.evaluate_with_resource_policy(
            &ctx,
            "ssm:GetParameter",
            SECRET,
            "key policy",
            &key_policy,
            &no_keys,
        );
        assert_eq!(evaluation.decision.outcome, Outcome::ExplicitDeny);
        assert!(iam
            .conclude(&ctx, "ssm:GetParameter", SECRET, evaluation, Some("g1"))
            .is_err());
    }
}
