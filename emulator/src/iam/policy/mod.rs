//! The IAM policy engine: parses policy documents once and decides, as AWS documents it,
//! whether a request (action, resource, caller, condition keys) is allowed by identity
//! policies alone ([`decide_identity`]) or under a mandatory resource policy such as a KMS
//! key policy or a role's trust policy ([`decide_with_resource_policy`]).
//!
//! The engine is pure: no I/O, no logging, no clock (the time comes in the condition keys
//! `aws:CurrentTime` and `aws:EpochTime`).
//!
//! - [`wildcard`]: `*`/`?` matching (actions, resources, `StringLike`, ARN operators).
//! - `template`: policy variables (`${aws:username}`) and their escapes.
//! - `condition`: condition operators, parsed with their typed values.
//! - `principal`: the `Principal`/`NotPrincipal` elements.
//! - `keys`: [`ContextKeys`], the request's condition keys.
//! - `limits`: [`apply_limits`], the policy types that only limit (service control
//!   policies, permissions boundaries, session policies).

mod condition;
mod keys;
mod limits;
mod principal;
mod template;
pub mod wildcard;

#[cfg(test)]
mod conformance;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use condition::Condition;
pub use keys::ContextKeys;
pub use limits::{apply_limits, Limit};
use principal::PrincipalSet;
use serde_json::Value;
use template::Template;
use wildcard::Case;
pub use wildcard::{wildcard_match, wildcard_match_ignore_case};

/// A malformed policy document, with a message naming what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The text is not JSON.
    #[error("the policy document is not valid JSON: {0}")]
    InvalidJson(String),
    /// The document is not a JSON object.
    #[error("the policy document must be a JSON object")]
    NotAnObject,
    /// `Version` is not one of the two policy language versions.
    #[error(
        "the policy has an unsupported Version {0} (expected \"2012-10-17\" or \"2008-10-17\")"
    )]
    UnsupportedVersion(String),
    /// `Id` is not a string.
    #[error("the policy's Id must be a string")]
    InvalidId,
    /// There is no `Statement`.
    #[error("the policy has no Statement")]
    MissingStatement,
    /// `Statement` is neither an object nor a list.
    #[error("the policy's Statement must be an object or a list of objects")]
    InvalidStatementList,
    /// An element the policy language does not have, at the top level.
    #[error("the policy has an unknown element {0:?} (expected Version, Id and Statement)")]
    UnknownElement(String),
    /// Something wrong in one statement: `index` counts from 0, the message from 1.
    #[error("Statement {}{} {problem}", .index + 1, sid_label(.sid))]
    Statement {
        index: usize,
        sid: Option<String>,
        problem: String,
    },
}

fn sid_label(sid: &Option<String>) -> String {
    match sid {
        Some(sid) => format!(" ({sid:?})"),
        None => String::new(),
    }
}

/// The effect of a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Action`/`NotAction`: patterns matched without regard to ASCII case.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Actions {
    negated: bool,
    patterns: Vec<String>,
}

/// `Resource`/`NotResource`: patterns matched with case, after policy variables.
#[derive(Debug, Clone, PartialEq)]
struct Resources {
    negated: bool,
    patterns: Vec<Template>,
}

/// `Principal`/`NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Principals {
    negated: bool,
    set: PrincipalSet,
}

/// One statement of a policy, ready for evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    sid: Option<String>,
    effect: Effect,
    actions: Actions,
    /// `None`: no `Resource` element (as in a role trust policy): every resource.
    resources: Option<Resources>,
    /// `None`: no `Principal` element (as in an identity policy).
    principals: Option<Principals>,
    conditions: Vec<Condition>,
}

/// A parsed policy document. Parse from JSON text or a `serde_json::Value`.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    version: Option<String>,
    id: Option<String>,
    statements: Vec<Statement>,
}

/// Facts about the caller, used for `Principal`/`NotPrincipal` matching.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Principal {
    /// The caller as AWS reports it: `arn:aws:iam::111122223333:user/alice`,
    /// `arn:aws:sts::111122223333:assumed-role/R/sess`, `arn:aws:iam::111122223333:root`.
    pub arn: String,
    /// The caller's account, `111122223333`.
    pub account: String,
    /// For a role session, the role's ARN (`arn:aws:iam::111122223333:role/R`): a policy
    /// naming the role matches its sessions.
    pub role_arn: Option<String>,
    /// For a service principal, its name (`lambda.amazonaws.com`).
    pub service: Option<String>,
}

impl Principal {
    /// Whether the caller is an account's root user (`arn:PARTITION:iam::ACCOUNT:root`).
    pub fn is_root(&self) -> bool {
        self.service.is_none() && principal::root_account(&self.arn).is_some()
    }
}

/// One authorisation question.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `ssm:GetParameter`.
    pub action: &'a str,
    /// An ARN, or `*`.
    pub resource: &'a str,
    pub principal: &'a Principal,
    /// The condition keys (and the values of policy variables).
    pub context: &'a ContextKeys,
}

/// The result of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

/// How a resource-policy statement's principal matched the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalMatch {
    /// It names the caller: its user ARN, its role's ARN (for a session), its session
    /// ARN, its service, or everyone (`"*"`, `{"AWS": "*"}`); or, by `NotPrincipal`, it
    /// excludes others only.
    Direct,
    /// It names the caller's account (`arn:aws:iam::ACCOUNT:root` or the bare account id):
    /// it delegates to the account's identity policies.
    Account,
}

/// The statement that decided, for the reason shown to users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// The policy's name, as the caller labelled it.
    pub policy: String,
    pub sid: Option<String>,
    /// The statement's index in its policy, from 0.
    pub index: usize,
    /// For a resource-policy statement, how its principal matched.
    pub principal_match: Option<PrincipalMatch>,
}

/// Which kind of policy decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    Identity,
    Resource,
    /// A permissions boundary of the caller's user or role.
    PermissionsBoundary,
    /// A service control policy of the caller's account.
    ServiceControl,
    /// A session policy of the caller's role session.
    Session,
}

impl PolicyKind {
    /// The kind as AWS's refusals name it ("no permissions boundary allows ...").
    pub fn label(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity-based policy",
            PolicyKind::Resource => "resource-based policy",
            PolicyKind::PermissionsBoundary => "permissions boundary",
            PolicyKind::ServiceControl => "service control policy",
            PolicyKind::Session => "session policy",
        }
    }
}

/// A decision, with the statement behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub outcome: Outcome,
    /// The deciding statement; `None` for an implicit deny, and for the account root
    /// allowed without any statement. When a resource policy delegates to IAM (kind
    /// Identity), the identity statement that allowed, or for the account root the
    /// resource-policy statement that delegated.
    pub reason: Option<Reason>,
    /// The kind of policy that decided; for an implicit deny, the kind that lacked an allow.
    pub kind: PolicyKind,
}

impl Decision {
    /// Whether the request is allowed.
    pub fn is_allowed(&self) -> bool {
        self.outcome == Outcome::Allow
    }
}

/// A policy passed to evaluation, with the name its reasons carry.
#[derive(Debug, Clone, Copy)]
pub struct NamedPolicy<'a> {
    pub name: &'a str,
    pub document: &'a PolicyDocument,
}

/// A string or a non-empty list of strings.
fn string_list(value: &Value, element: &str) -> Result<Vec<String>, String> {
    let invalid = || format!("has a {element} that is not a string or a non-empty list of strings");
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned).ok_or_else(invalid))
            .collect(),
        _ => Err(invalid()),
    }
}

fn one_of<'a>(
    object: &'a serde_json::Map<String, Value>,
    element: &str,
    negated: &str,
) -> Result<Option<(bool, &'a Value)>, String> {
    match (object.get(element), object.get(negated)) {
        (Some(_), Some(_)) => Err(format!("has both {element} and {negated}")),
        (Some(v), None) => Ok(Some((false, v))),
        (None, Some(v)) => Ok(Some((true, v))),
        (None, None) => Ok(None),
    }
}

const STATEMENT_ELEMENTS: &[&str] = &[
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
];

impl Statement {
    fn parse(value: &Value, index: usize, variables: bool) -> Result<Statement, PolicyError> {
        let Value::Object(object) = value else {
            return Err(PolicyError::Statement {
                index,
                sid: None,
                problem: "is not a JSON object".to_owned(),
            });
        };
        let sid = match object.get("Sid") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                return Err(PolicyError::Statement {
                    index,
                    sid: None,
                    problem: "has a Sid that is not a string".to_owned(),
                })
            }
        };
        let fail = |problem: String| PolicyError::Statement {
            index,
            sid: sid.clone(),
            problem,
        };
        if let Some(unknown) = object
            .keys()
            .find(|k| !STATEMENT_ELEMENTS.contains(&k.as_str()))
        {
            return Err(fail(format!(
                "has an unknown element {unknown:?} (expected {})",
                STATEMENT_ELEMENTS.join(", ")
            )));
        }
        let effect = match object.get("Effect") {
            None => return Err(fail("has no Effect".to_owned())),
            Some(Value::String(s)) if s == "Allow" => Effect::Allow,
            Some(Value::String(s)) if s == "Deny" => Effect::Deny,
            Some(other) => {
                return Err(fail(format!(
                    "has an invalid Effect {other} (expected \"Allow\" or \"Deny\")"
                )))
            }
        };
        let actions = match one_of(object, "Action", "NotAction").map_err(&fail)? {
            None => return Err(fail("has neither Action nor NotAction".to_owned())),
            Some((negated, v)) => Actions {
                negated,
                patterns: string_list(v, if negated { "NotAction" } else { "Action" })
                    .map_err(&fail)?,
            },
        };
        let resources = match one_of(object, "Resource", "NotResource").map_err(&fail)? {
            None => None,
            Some((negated, v)) => Some(Resources {
                negated,
                patterns: string_list(v, if negated { "NotResource" } else { "Resource" })
                    .map_err(&fail)?
                    .iter()
                    .map(|s| Template::parse(s, variables))
                    .collect(),
            }),
        };
        let principals = match one_of(object, "Principal", "NotPrincipal").map_err(&fail)? {
            None => None,
            Some((negated, v)) => Some(Principals {
                negated,
                set: PrincipalSet::parse(v).map_err(|problem| {
                    fail(format!(
                        "has a {} that {problem}",
                        if negated { "NotPrincipal" } else { "Principal" }
                    ))
                })?,
            }),
        };
        let mut conditions = Vec::new();
        match object.get("Condition") {
            None => {}
            Some(Value::Object(blocks)) => {
                for (operator, block) in blocks {
                    Condition::parse_block(operator, block, variables, &mut conditions)
                        .map_err(&fail)?;
                }
            }
            Some(_) => {
                return Err(fail(
                    "has a Condition that is not an object of condition operators".to_owned(),
                ))
            }
        }
        Ok(Statement {
            sid,
            effect,
            actions,
            resources,
            principals,
            conditions,
        })
    }

    /// The statement's `Sid`, if any.
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    /// Allow or Deny.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// Whether the statement has a `Principal` or `NotPrincipal` element.
    pub fn has_principal(&self) -> bool {
        self.principals.is_some()
    }

    /// Whether the statement's `Principal` lists the principal `arn` itself (a user's or
    /// a role session's ARN), rather than its role, its account or everyone.
    pub fn names_principal_arn(&self, arn: &str) -> bool {
        self.principals
            .as_ref()
            .is_some_and(|p| !p.negated && p.set.lists_arn(arn))
    }

    /// Whether the statement has a `Resource` or `NotResource` element.
    pub fn has_resource(&self) -> bool {
        self.resources.is_some()
    }

    /// Whether the statement covers the request's action and resource and its conditions
    /// hold, leaving its principal aside (as identity policies do).
    pub fn applies_to(&self, request: &Request<'_>) -> bool {
        self.action_matches(request.action)
            && self.resource_matches(request.resource, request.context)
            && self.conditions.iter().all(|c| c.evaluate(request.context))
    }

    /// How the statement's `Principal`/`NotPrincipal` names the caller; `None` when it
    /// does not, or has neither element (a resource-policy statement then never applies).
    pub fn principal_match(&self, caller: &Principal) -> Option<PrincipalMatch> {
        let principals = self.principals.as_ref()?;
        let matched = principals.set.matches(caller);
        if principals.negated {
            // The caller is covered unless it is listed itself. AWS also evaluates the
            // caller's account, which is why documented NotPrincipal lists name the
            // account too; here a listed account excludes only the account's root user.
            let excluded = match matched {
                Some(PrincipalMatch::Direct) => true,
                Some(PrincipalMatch::Account) => caller.is_root(),
                None => false,
            };
            (!excluded).then_some(PrincipalMatch::Direct)
        } else {
            matched
        }
    }

    fn action_matches(&self, action: &str) -> bool {
        let listed = self
            .actions
            .patterns
            .iter()
            .any(|p| wildcard::matches(p.as_str(), action, Case::AsciiInsensitive));
        listed != self.actions.negated
    }

    fn resource_matches(&self, resource: &str, context: &ContextKeys) -> bool {
        let Some(resources) = &self.resources else {
            return true;
        };
        if resources.negated {
            // A variable that cannot be resolved makes the statement invalid ("If AWS
            // cannot resolve a variable this might cause the entire statement to be
            // invalid", IAM User Guide, "Policy variables with no value"): under
            // NotResource, a pattern that matches nothing would otherwise exclude nothing,
            // and the statement would cover every resource.
            let mut listed = false;
            for template in &resources.patterns {
                match template.pattern(context) {
                    None => return false,
                    Some(p) => listed = listed || p.matches(resource, Case::Sensitive),
                }
            }
            return !listed;
        }
        resources.patterns.iter().any(|t| {
            t.pattern(context)
                .is_some_and(|p| p.matches(resource, Case::Sensitive))
        })
    }
}

impl PolicyDocument {
    /// Whether evaluating this policy may read the request's condition keys: some
    /// statement has a condition, or a policy variable in its `Resource`. A policy that
    /// does not decides the same whatever the keys are.
    pub fn reads_context(&self) -> bool {
        self.statements.iter().any(|s| {
            !s.conditions.is_empty()
                || s.resources
                    .as_ref()
                    .is_some_and(|r| r.patterns.iter().any(Template::is_dynamic))
        })
    }

    /// The condition keys the statements read: those of their conditions and of the
    /// policy variables in their `Resource`/`NotResource` and condition values
    /// (lower-cased, in document order, repeated when read more than once): what a
    /// decision log shows the values of.
    pub fn condition_keys(&self) -> impl Iterator<Item = &str> {
        self.statements.iter().flat_map(|s| {
            let resources = s
                .resources
                .iter()
                .flat_map(|r| r.patterns.iter().flat_map(Template::variables));
            s.conditions
                .iter()
                .flat_map(Condition::keys)
                .chain(resources)
        })
    }

    /// Checks the rules IAM applies to an identity-based policy when it is written (a
    /// user's or role's policy, a managed policy, a session policy, a permissions
    /// boundary): every statement names its resources, and none names a principal. The
    /// problems are worded as IAM's `MalformedPolicyDocument` words them ("Policy
    /// statement must contain resources.", terraform-aws-modules/terraform-aws-iam#603;
    /// "Policy document should not specify a principal.").
    pub fn check_identity_policy(&self) -> Result<(), PolicyError> {
        for (index, statement) in self.statements.iter().enumerate() {
            let problem = if statement.resources.is_none() {
                "has neither Resource nor NotResource: Policy statement must contain resources."
            } else if statement.principals.is_some() {
                "has a Principal or NotPrincipal: Policy document should not specify a principal."
            } else {
                continue;
            };
            return Err(PolicyError::Statement {
                index,
                sid: statement.sid.clone(),
                problem: problem.to_owned(),
            });
        }
        Ok(())
    }

    /// Whether every statement names a principal (`Principal` or `NotPrincipal`), as KMS
    /// requires of a key policy ("Each statement in the key policy must contain one or
    /// more principals", KMS API Reference, PutKeyPolicy).
    pub fn every_statement_names_a_principal(&self) -> bool {
        self.statements.iter().all(|s| s.principals.is_some())
    }

    /// Whether any statement names a resource (`Resource` or `NotResource`), which IAM
    /// refuses in a role's trust policy ("Has prohibited field Resource").
    pub fn any_statement_names_a_resource(&self) -> bool {
        self.statements.iter().any(|s| s.resources.is_some())
    }

    /// The policy as KMS applies it as a key policy: a statement without `Resource` "has
    /// no effect" (KMS API Reference, PutKeyPolicy: the request succeeds, the statement is
    /// ineffective), rather than covering every resource as a trust policy's statements
    /// do.
    pub fn into_key_policy(mut self) -> Self {
        self.statements.retain(|s| s.resources.is_some());
        self
    }

    /// A policy without statements: what a resource without a resource policy has.
    pub fn empty() -> Self {
        PolicyDocument {
            version: Some("2012-10-17".to_owned()),
            id: None,
            statements: Vec::new(),
        }
    }

    /// Parses a policy document from JSON text.
    pub fn parse(json: &str) -> Result<Self, PolicyError> {
        let value: Value =
            serde_json::from_str(json).map_err(|e| PolicyError::InvalidJson(e.to_string()))?;
        Self::from_value(&value)
    }

    /// Parses a policy document from a JSON value.
    pub fn from_value(value: &Value) -> Result<Self, PolicyError> {
        let Value::Object(object) = value else {
            return Err(PolicyError::NotAnObject);
        };
        if let Some(unknown) = object
            .keys()
            .find(|k| !matches!(k.as_str(), "Version" | "Id" | "Statement"))
        {
            return Err(PolicyError::UnknownElement(unknown.clone()));
        }
        let version = match object.get("Version") {
            None => None,
            Some(Value::String(v)) if v == "2012-10-17" || v == "2008-10-17" => Some(v.clone()),
            Some(other) => return Err(PolicyError::UnsupportedVersion(other.to_string())),
        };
        let id = match object.get("Id") {
            None => None,
            Some(Value::String(id)) => Some(id.clone()),
            Some(_) => return Err(PolicyError::InvalidId),
        };
        // Policy variables exist in the 2012-10-17 language only; before, `${...}` is text.
        let variables = version.as_deref() == Some("2012-10-17");
        let statements = match object.get("Statement") {
            None => return Err(PolicyError::MissingStatement),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(index, item)| Statement::parse(item, index, variables))
                .collect::<Result<Vec<_>, _>>()?,
            Some(item @ Value::Object(_)) => vec![Statement::parse(item, 0, variables)?],
            Some(_) => return Err(PolicyError::InvalidStatementList),
        };
        Ok(PolicyDocument {
            version,
            id,
            statements,
        })
    }

    /// The statements, in document order.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// The `Version`, if given.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The `Id`, if given.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

fn reason(
    policy: &NamedPolicy<'_>,
    statement: &Statement,
    index: usize,
    principal_match: Option<PrincipalMatch>,
) -> Reason {
    Reason {
        policy: policy.name.to_owned(),
        sid: statement.sid.clone(),
        index,
        principal_match,
    }
}

/// What the identity policies say: the first matching Deny and the first matching Allow.
struct IdentityScan {
    deny: Option<Reason>,
    allow: Option<Reason>,
}

fn scan_identity(policies: &[NamedPolicy<'_>], request: &Request<'_>) -> IdentityScan {
    let mut allow = None;
    for policy in policies {
        for (index, statement) in policy.document.statements.iter().enumerate() {
            // Once an allow is found, only a deny can change the outcome.
            if statement.effect == Effect::Allow && allow.is_some() {
                continue;
            }
            // An identity statement without Resource is refused when written (see
            // `check_identity_policy`); should one get here, it covers nothing rather than
            // every resource.
            if statement.resources.is_none() {
                continue;
            }
            if !statement.applies_to(request) {
                continue;
            }
            let found = reason(policy, statement, index, None);
            match statement.effect {
                Effect::Deny => {
                    return IdentityScan {
                        deny: Some(found),
                        allow,
                    }
                }
                Effect::Allow => allow = Some(found),
            }
        }
    }
    IdentityScan { deny: None, allow }
}

/// Identity-based evaluation only (IAM identity policies, no resource policy): an explicit
/// deny wins, then any allow, else an implicit deny. With `root_allows_all`, the account
/// root user (see [`Principal::is_root`]) is allowed every action without a policy, still
/// subject to explicit denies. `Principal` elements in identity policies are ignored.
pub fn decide_identity(
    policies: &[NamedPolicy<'_>],
    request: &Request<'_>,
    root_allows_all: bool,
) -> Decision {
    let scan = scan_identity(policies, request);
    let kind = PolicyKind::Identity;
    if let Some(deny) = scan.deny {
        return Decision {
            outcome: Outcome::ExplicitDeny,
            reason: Some(deny),
            kind,
        };
    }
    if scan.allow.is_some() || (root_allows_all && request.principal.is_root()) {
        return Decision {
            outcome: Outcome::Allow,
            reason: scan.allow,
            kind,
        };
    }
    Decision {
        outcome: Outcome::ImplicitDeny,
        reason: None,
        kind,
    }
}

/// Evaluation where a resource policy is mandatory (the KMS key-policy rule, also used
/// for IAM role trust policies):
/// - an explicit Deny in an identity policy (checked first) or in the resource policy
///   gives ExplicitDeny, of that kind;
/// - a resource-policy Allow naming the caller directly gives Allow (kind Resource), with
///   no identity policy needed;
/// - a resource-policy Allow naming only the caller's account (delegating to IAM) gives
///   Allow only if the identity policies allow too, or `root_allows_all` and the caller is
///   the account root (kind Identity); otherwise ImplicitDeny of kind Identity;
/// - otherwise ImplicitDeny of kind Resource, whatever the identity policies say.
///
/// Resource-policy statements without `Principal`/`NotPrincipal` never apply.
pub fn decide_with_resource_policy(
    identity: &[NamedPolicy<'_>],
    resource_policy: &NamedPolicy<'_>,
    request: &Request<'_>,
    root_allows_all: bool,
) -> Decision {
    let scan = scan_identity(identity, request);
    if let Some(deny) = scan.deny {
        return Decision {
            outcome: Outcome::ExplicitDeny,
            reason: Some(deny),
            kind: PolicyKind::Identity,
        };
    }
    let mut direct: Option<Reason> = None;
    let mut delegated: Option<Reason> = None;
    for (index, statement) in resource_policy.document.statements.iter().enumerate() {
        if statement.effect == Effect::Allow && direct.is_some() {
            continue;
        }
        let Some(matched) = statement.principal_match(request.principal) else {
            continue;
        };
        if statement.effect == Effect::Allow
            && matched == PrincipalMatch::Account
            && delegated.is_some()
        {
            continue;
        }
        if !statement.applies_to(request) {
            continue;
        }
        let found = reason(resource_policy, statement, index, Some(matched));
        match (statement.effect, matched) {
            (Effect::Deny, _) => {
                return Decision {
                    outcome: Outcome::ExplicitDeny,
                    reason: Some(found),
                    kind: PolicyKind::Resource,
                }
            }
            (Effect::Allow, PrincipalMatch::Direct) => direct = Some(found),
            (Effect::Allow, PrincipalMatch::Account) => delegated = Some(found),
        }
    }
    if direct.is_some() {
        return Decision {
            outcome: Outcome::Allow,
            reason: direct,
            kind: PolicyKind::Resource,
        };
    }
    if delegated.is_none() {
        return Decision {
            outcome: Outcome::ImplicitDeny,
            reason: None,
            kind: PolicyKind::Resource,
        };
    }
    if scan.allow.is_some() || (root_allows_all && request.principal.is_root()) {
        return Decision {
            outcome: Outcome::Allow,
            reason: scan.allow.or(delegated),
            kind: PolicyKind::Identity,
        };
    }
    Decision {
        outcome: Outcome::ImplicitDeny,
        reason: None,
        kind: PolicyKind::Identity,
    }
}
