//! The principals of the account: users, roles and their policies, and the access keys
//! that authenticate as them (long-term keys from fixtures, temporary keys of role
//! sessions).

use super::managed::MANAGED_POLICIES;
use super::policy::PolicyDocument;
use crate::context::{Caller, CallerKind};
use crate::fixtures::{FixtureError, Fixtures, PolicyFixture};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use time::OffsetDateTime;

/// A policy with its name.
#[derive(Debug, Clone)]
pub struct Named {
    pub name: String,
    pub document: Arc<PolicyDocument>,
}

/// An IAM user.
#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
    pub arn: String,
    /// `AIDA...`
    pub id: String,
    /// Inline and attached managed policies.
    pub policies: Vec<Named>,
    /// Tags (`aws:PrincipalTag/KEY`).
    pub tags: BTreeMap<String, String>,
    /// The permissions boundary: the most the user's identity policies can allow.
    pub boundary: Option<Named>,
    /// The names of the groups the user belongs to, in the order it joined them: their
    /// policies are the user's too (IAM User Guide, "IAM user groups").
    pub groups: Vec<String>,
}

/// An IAM group: policies shared by its members (a group is no principal: nothing
/// authenticates as one).
#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    pub arn: String,
    /// `AGPA...`
    pub id: String,
    /// Inline and attached managed policies.
    pub policies: Vec<Named>,
}

/// The versions of a customer managed policy (IAM User Guide, "Versioning IAM
/// policies"): ids `v1`, `v2`, ... never reused; the default one is the one evaluated.
#[derive(Debug, Clone)]
pub struct PolicyVersions {
    /// The number of the default version.
    pub default: u32,
    /// The number the next version gets.
    pub next: u32,
    /// Number, text as written, parsed document and creation time, oldest first.
    pub versions: Vec<PolicyVersion>,
    /// The policy's description (CreatePolicy `Description`), which never changes.
    pub description: Option<String>,
}

/// One version of a customer managed policy.
#[derive(Debug, Clone)]
pub struct PolicyVersion {
    pub number: u32,
    pub text: String,
    pub document: Arc<PolicyDocument>,
    pub created: OffsetDateTime,
}

/// An instance profile: a container for one role, as EC2 templates name it.
#[derive(Debug, Clone)]
pub struct InstanceProfile {
    pub name: String,
    pub arn: String,
    /// `AIPA...`
    pub id: String,
    /// The name of its role (IAM allows one).
    pub roles: Vec<String>,
    /// Its tags (TagInstanceProfile, CreateInstanceProfile `Tags`).
    pub tags: std::collections::BTreeMap<String, String>,
}

/// An IAM role.
#[derive(Debug, Clone)]
pub struct Role {
    pub name: String,
    pub arn: String,
    /// `AROA...`
    pub id: String,
    pub trust_policy: Arc<PolicyDocument>,
    pub policies: Vec<Named>,
    /// The longest session, in seconds.
    pub max_session_duration: u32,
    /// Tags (`aws:PrincipalTag/KEY` of its sessions).
    pub tags: BTreeMap<String, String>,
    /// The permissions boundary: the most the role's identity policies can allow.
    pub boundary: Option<Named>,
    /// The role's description (CreateRole, UpdateRole), if it has one.
    pub description: Option<String>,
}

/// Whom an access key authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOwner {
    Root,
    User(String),
    RoleSession { role: String, session: String },
}

/// An access key and what it authenticates as. Its `Debug` hides the secret and the
/// session token.
#[derive(Clone)]
pub struct AccessKey {
    pub id: String,
    pub secret: String,
    pub owner: KeyOwner,
    /// The session token a temporary key must be presented with.
    pub session_token: Option<String>,
    /// When a temporary key stops working.
    pub expires: Option<OffsetDateTime>,
    /// A role session's session policies (`Policy` and `PolicyArns` of AssumeRole): the
    /// most the session may do. Empty: no session policy (the role's permissions).
    pub session_policies: Vec<Named>,
    /// A role session's session tags (AssumeRole `Tags`, and the transitive tags it
    /// inherited in a role chain).
    pub session_tags: SessionTags,
}

/// The tags of a role session (IAM User Guide, "Pass session tags in AWS STS"): they are
/// `aws:PrincipalTag/KEY` of its requests, over the role's tags of the same key
/// (compared without case), and the transitive ones pass to the sessions it starts by
/// assuming another role.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionTags {
    /// Key and value, in the order passed, each key once (without case).
    pub tags: Vec<(String, String)>,
    /// The keys (of `tags`) that role chaining carries on.
    pub transitive: Vec<String>,
}

impl SessionTags {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// The transitive tags, with their values: what a session started by this one
    /// inherits.
    pub fn inherited(&self) -> SessionTags {
        let transitive = |k: &str| self.transitive.iter().any(|t| t.eq_ignore_ascii_case(k));
        SessionTags {
            tags: self
                .tags
                .iter()
                .filter(|(k, _)| transitive(k))
                .cloned()
                .collect(),
            transitive: self.transitive.clone(),
        }
    }
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::fixtures::REDACTED;
        f.debug_struct("AccessKey")
            .field("id", &self.id)
            .field("secret", &REDACTED)
            .field("owner", &self.owner)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| REDACTED),
            )
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

/// A stable, AWS-looking unique id (`AIDA` + 17 characters) derived from an ARN.
pub fn unique_id(prefix: &str, arn: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let digest = Sha256::digest(arn.as_bytes());
    let tail: String = digest
        .iter()
        .take(17)
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect();
    format!("{prefix}{tail}")
}

/// Random characters from `alphabet`, from the OS random source.
pub fn random_string(alphabet: &[u8], len: usize) -> String {
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in uuid::Uuid::new_v4().as_bytes() {
            if out.len() == len {
                break;
            }
            out.push(alphabet[(*b as usize) % alphabet.len()] as char);
        }
    }
    out
}

fn iam_path(path: &Option<String>) -> Result<String, String> {
    let path = path.clone().unwrap_or_else(|| "/".to_owned());
    if !path.starts_with('/') || !path.ends_with('/') {
        return Err(format!("path {path:?} must begin and end with '/'"));
    }
    Ok(path)
}

fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "name {name:?} must be 1-64 letters, digits or +=,.@_-"
        ))
    }
}

/// The inline-policy quota of a user or a role.
#[derive(Debug, Clone, Copy)]
struct InlineQuota<'a> {
    kind: &'static str,
    name: &'a str,
    limit: usize,
}

/// A policy's size as IAM counts it: characters other than white space, of the document
/// as written (JSON text) or in compact JSON (a mapping).
fn policy_size(value: &serde_json::Value) -> usize {
    let text = match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    text.chars().filter(|c| !c.is_whitespace()).count()
}

/// The key of a role's trust policy in [`Directory::documents`].
pub const TRUST: &str = "trust";

/// The key of an inline policy in [`Directory::documents`].
pub fn inline_key(name: &str) -> String {
    format!("inline:{name}")
}

/// A policy text's size as IAM counts it against its quotas: characters other than
/// white space.
pub fn policy_text_size(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

/// Whether a policy of a user or role is a managed policy attached (the same document
/// as one of `managed`) rather than an inline one.
pub fn is_managed(managed: &HashMap<String, Named>, policy: &Named) -> bool {
    managed
        .values()
        .any(|m| Arc::ptr_eq(&m.document, &policy.document))
}

fn text_of(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Parses a policy document from a fixture value (a mapping, or JSON text).
pub fn document_of(value: &serde_json::Value) -> Result<PolicyDocument, String> {
    let result = match value {
        serde_json::Value::String(text) => PolicyDocument::parse(text),
        other => PolicyDocument::from_value(other),
    };
    result.map_err(|e| e.to_string())
}

/// The principals of one account.
#[derive(Debug, Default, Clone)]
pub struct Directory {
    /// The long-term keys made Inactive (UpdateAccessKey): they authenticate no request.
    pub inactive_keys: std::collections::HashSet<String>,
    /// The long-term keys deleted (DeleteAccessKey): refused even where unknown keys act
    /// as the account root, so that deleting a key never gives it more power.
    pub deleted_keys: std::collections::HashSet<String>,
    /// When each user, role (by ARN) and long-term key (by id) was created: at start for
    /// those of the fixtures.
    pub created: HashMap<String, OffsetDateTime>,
    /// The text of each policy as written, by owner ARN and [`TRUST`] or
    /// [`inline_key`]: what the IAM API answers (Get*Policy, GetRole) and counts
    /// against the size quotas.
    pub documents: HashMap<(String, String), String>,
    pub users: HashMap<String, User>,
    pub roles: HashMap<String, Role>,
    /// Groups, by name.
    pub groups: HashMap<String, Group>,
    /// The versions of the customer managed policies created over the IAM API, by ARN
    /// (AWS's managed policies and those of fixtures have one version, `v1`, not held
    /// here).
    pub policy_versions: HashMap<String, PolicyVersions>,
    /// Instance profiles, by name.
    pub instance_profiles: HashMap<String, InstanceProfile>,
    /// Long-term access keys, by id.
    pub keys: HashMap<String, AccessKey>,
    /// Managed policies, by ARN.
    pub managed: HashMap<String, Named>,
    /// The tags of customer managed policies, by ARN (TagPolicy, CreatePolicy `Tags`);
    /// a policy without tags has no entry.
    pub policy_tags: HashMap<String, std::collections::BTreeMap<String, String>>,
    /// The service control policies in effect for the account; empty when the account
    /// is in no organization (nothing then limits it).
    pub service_control_policies: Vec<Named>,
}

impl Directory {
    /// The built-in managed policies only.
    pub fn new() -> Self {
        let mut directory = Directory::default();
        for def in MANAGED_POLICIES {
            // The built-in documents are fixed text and are checked by a test.
            if let Ok(document) = PolicyDocument::parse(def.document) {
                directory.managed.insert(
                    def.arn.to_owned(),
                    Named {
                        name: def.name.to_owned(),
                        document: Arc::new(document),
                    },
                );
            }
        }
        directory
    }

    fn policies(
        &self,
        file: &Path,
        entry: &str,
        inline: &[PolicyFixture],
        managed: &[String],
        owner: InlineQuota<'_>,
    ) -> Result<Vec<Named>, FixtureError> {
        // IAM caps the inline policies of a user at 2,048 characters and of a role at
        // 10,240, all of them together and white space not counted; over it, PutUserPolicy
        // and PutRolePolicy fail with LimitExceeded "Maximum policy size of 2048 bytes
        // exceeded for user NAME" (IAM User Guide, "IAM and AWS STS quotas";
        // kubernetes/kops#12558).
        let size: usize = inline.iter().map(|p| policy_size(&p.document)).sum();
        if size > owner.limit {
            return Err(FixtureError::new(
                file,
                entry,
                format!(
                    "Maximum policy size of {} bytes exceeded for {} {} (its inline policies have {size} characters, white space not counted)",
                    owner.limit, owner.kind, owner.name
                ),
            ));
        }
        let mut policies = Vec::new();
        for p in inline {
            let document = Self::identity_document(
                file,
                &format!("{entry}: policy {:?}", p.name),
                &p.document,
            )?;
            policies.push(Named {
                name: p.name.clone(),
                document: Arc::new(document),
            });
        }
        for arn in managed {
            policies.push(self.managed_policy(file, entry, arn)?);
        }
        Ok(policies)
    }

    fn add_key(
        &mut self,
        file: &Path,
        entry: &str,
        id: &str,
        secret: &str,
        owner: KeyOwner,
    ) -> Result<(), FixtureError> {
        let valid = (16..=128).contains(&id.len())
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(FixtureError::new(
                file,
                entry,
                format!("access key id {id:?} must be 16-128 letters or digits"),
            ));
        }
        if secret.is_empty() {
            return Err(FixtureError::new(file, entry, "empty secret access key"));
        }
        if self.keys.contains_key(id) {
            return Err(FixtureError::new(
                file,
                entry,
                format!("access key id {id} is declared twice"),
            ));
        }
        self.keys.insert(
            id.to_owned(),
            AccessKey {
                id: id.to_owned(),
                secret: secret.to_owned(),
                owner,
                session_token: None,
                expires: None,
                session_policies: Vec::new(),
                session_tags: SessionTags::default(),
            },
        );
        Ok(())
    }

    /// A managed policy by ARN, with the list of those known when it is not one.
    fn managed_policy(&self, file: &Path, entry: &str, arn: &str) -> Result<Named, FixtureError> {
        self.managed.get(arn).cloned().ok_or_else(|| {
            FixtureError::new(
                file,
                entry,
                format!(
                    "unknown managed policy {arn}; known: {}",
                    MANAGED_POLICIES
                        .iter()
                        .map(|d| d.arn)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
    }

    /// An identity-style policy written in a fixture (inline policy, permissions
    /// boundary, service control policy): parsed and checked as IAM checks it when it is
    /// written.
    fn identity_document(
        file: &Path,
        entry: &str,
        value: &serde_json::Value,
    ) -> Result<PolicyDocument, FixtureError> {
        document_of(value)
            .and_then(|d| {
                d.check_identity_policy()
                    .map(|()| d)
                    .map_err(|e| format!("{e} (IAM refuses this policy)"))
            })
            .map_err(|e| FixtureError::new(file, entry, e))
    }

    /// A permissions boundary: a managed policy's ARN, or a policy document.
    fn boundary_fixture(
        &self,
        file: &Path,
        entry: &str,
        value: &Option<serde_json::Value>,
    ) -> Result<Option<Named>, FixtureError> {
        let entry = format!("{entry}: permissions_boundary");
        Ok(match value {
            None => None,
            Some(serde_json::Value::String(arn)) if arn.starts_with("arn:") => {
                let policy = self.managed_policy(file, &entry, arn)?;
                Some(Named {
                    name: format!("permissions boundary {}", policy.name),
                    document: policy.document,
                })
            }
            Some(document) => Some(Named {
                name: "permissions boundary".to_owned(),
                document: Arc::new(Self::identity_document(file, &entry, document)?),
            }),
        })
    }

    /// Builds the directory of `account` from fixtures.
    pub fn from_fixtures(fixtures: &Fixtures, account: &str) -> Result<Self, FixtureError> {
        let mut directory = Directory::new();
        for (i, (file, scp)) in fixtures.service_control_policies.iter().enumerate() {
            let entry = format!("service_control_policies[{i}] ({})", scp.name);
            let document = Self::identity_document(file, &entry, &scp.document)?;
            directory.service_control_policies.push(Named {
                name: format!("service control policy {}", scp.name),
                document: Arc::new(document),
            });
        }
        for (file, key) in &fixtures.root_keys {
            directory.add_key(file, "root", &key.id, &key.secret, KeyOwner::Root)?;
        }
        for (i, (file, user)) in fixtures.users.iter().enumerate() {
            let entry = format!("users[{i}] ({})", user.name);
            check_name(&user.name).map_err(|e| FixtureError::new(file, &entry, e))?;
            let path = iam_path(&user.path).map_err(|e| FixtureError::new(file, &entry, e))?;
            if directory.users.contains_key(&user.name) {
                return Err(FixtureError::new(file, &entry, "user declared twice"));
            }
            let arn = format!("arn:aws:iam::{account}:user{path}{}", user.name);
            let quota = InlineQuota {
                kind: "user",
                name: &user.name,
                limit: 2048,
            };
            let policies =
                directory.policies(file, &entry, &user.policies, &user.managed_policies, quota)?;
            let boundary = directory.boundary_fixture(file, &entry, &user.permissions_boundary)?;
            for key in &user.access_keys {
                directory.add_key(
                    file,
                    &entry,
                    &key.id,
                    &key.secret,
                    KeyOwner::User(user.name.clone()),
                )?;
            }
            for p in &user.policies {
                directory
                    .documents
                    .insert((arn.clone(), inline_key(&p.name)), text_of(&p.document));
            }
            directory.users.insert(
                user.name.clone(),
                User {
                    name: user.name.clone(),
                    id: unique_id("AIDA", &arn),
                    arn,
                    policies,
                    tags: user.tags.clone(),
                    boundary,
                    groups: Vec::new(),
                },
            );
        }
        for (i, (file, role)) in fixtures.roles.iter().enumerate() {
            let entry = format!("roles[{i}] ({})", role.name);
            check_name(&role.name).map_err(|e| FixtureError::new(file, &entry, e))?;
            let path = iam_path(&role.path).map_err(|e| FixtureError::new(file, &entry, e))?;
            if directory.roles.contains_key(&role.name) {
                return Err(FixtureError::new(file, &entry, "role declared twice"));
            }
            let trust = document_of(&role.trust_policy)
                .map_err(|e| FixtureError::new(file, format!("{entry}: trust_policy"), e))?;
            let max = role.max_session_duration.unwrap_or(3600);
            if !(3600..=43200).contains(&max) {
                return Err(FixtureError::new(
                    file,
                    &entry,
                    format!("max_session_duration {max} must be between 3600 and 43200"),
                ));
            }
            let arn = format!("arn:aws:iam::{account}:role{path}{}", role.name);
            let quota = InlineQuota {
                kind: "role",
                name: &role.name,
                limit: 10_240,
            };
            let policies =
                directory.policies(file, &entry, &role.policies, &role.managed_policies, quota)?;
            let boundary = directory.boundary_fixture(file, &entry, &role.permissions_boundary)?;

            for p in &role.policies {
                directory
                    .documents
                    .insert((arn.clone(), inline_key(&p.name)), text_of(&p.document));
            }
            directory
                .documents
                .insert((arn.clone(), TRUST.to_owned()), text_of(&role.trust_policy));
            directory.roles.insert(
                role.name.clone(),
                Role {
                    name: role.name.clone(),
                    id: unique_id("AROA", &arn),
                    arn,
                    trust_policy: Arc::new(trust),
                    policies,
                    max_session_duration: max,
                    tags: role.tags.clone(),
                    boundary,
                    description: None,
                },
            );
        }
        let now = OffsetDateTime::now_utc();
        let created: Vec<String> = (directory.users.values().map(|u| u.arn.clone()))
            .chain(directory.roles.values().map(|r| r.arn.clone()))
            .chain(directory.keys.keys().cloned())
            .collect();
        directory
            .created
            .extend(created.into_iter().map(|name| (name, now)));
        for (i, (file, session)) in fixtures.role_sessions.iter().enumerate() {
            let entry = format!("role_sessions[{i}] ({}/{})", session.role, session.name);
            if !directory.roles.contains_key(&session.role) {
                return Err(FixtureError::new(
                    file,
                    &entry,
                    format!("no role named {:?} in the fixtures", session.role),
                ));
            }
            if !(2..=64).contains(&session.name.len()) || session.session_token.is_empty() {
                return Err(FixtureError::new(
                    file,
                    &entry,
                    "a session needs a 2-64 character name and a session token",
                ));
            }
            directory.add_key(
                file,
                &entry,
                &session.access_key_id,
                &session.secret,
                KeyOwner::RoleSession {
                    role: session.role.clone(),
                    session: session.name.clone(),
                },
            )?;
            if let Some(key) = directory.keys.get_mut(&session.access_key_id) {
                key.session_token = Some(session.session_token.clone());
            }
        }
        Ok(directory)
    }

    /// The role an ARN names.
    pub fn role_by_arn(&self, arn: &str) -> Option<&Role> {
        let name = arn.rsplit('/').next()?;
        self.roles.get(name).filter(|r| r.arn == arn)
    }

    /// The caller an access key authenticates as (`None` if its user or role is gone).
    pub fn caller_for(&self, key: &AccessKey, account: &str) -> Option<Caller> {
        let access_key_id = Some(key.id.clone());
        Some(match &key.owner {
            KeyOwner::Root => Caller::account_root(account, access_key_id),
            KeyOwner::User(name) => {
                let user = self.users.get(name)?;
                Caller {
                    arn: user.arn.clone(),
                    account: account.to_owned(),
                    user_id: user.id.clone(),
                    kind: CallerKind::User { name: name.clone() },
                    access_key_id,
                }
            }
            KeyOwner::RoleSession { role, session } => {
                let role = self.roles.get(role)?;
                Caller {
                    arn: format!(
                        "arn:aws:sts::{account}:assumed-role/{}/{session}",
                        role.name
                    ),
                    account: account.to_owned(),
                    user_id: format!("{}:{session}", role.id),
                    kind: CallerKind::AssumedRole {
                        role_name: role.name.clone(),
                        role_arn: role.arn.clone(),
                        session_name: session.clone(),
                    },
                    access_key_id,
                }
            }
        })
    }

    /// The tags of a caller's user or role (none for root).
    pub fn principal_tags(&self, caller: &Caller) -> Option<&BTreeMap<String, String>> {
        match &caller.kind {
            CallerKind::Root => None,
            CallerKind::User { name } => self.users.get(name).map(|u| &u.tags),
            CallerKind::AssumedRole { role_name, .. } => self.roles.get(role_name).map(|r| &r.tags),
        }
    }

    /// The permissions boundary of a caller's user or role, if it has one.
    pub fn boundary(&self, caller: &Caller) -> Option<&Named> {
        match &caller.kind {
            CallerKind::Root => None,
            CallerKind::User { name } => self.users.get(name)?.boundary.as_ref(),
            CallerKind::AssumedRole { role_name, .. } => {
                self.roles.get(role_name)?.boundary.as_ref()
            }
        }
    }

    /// The identity policies of a user: its own, then those of its groups. Borrowed
    /// (nothing copied on the request path) when it belongs to no group.
    pub fn user_policies<'a>(&'a self, user: &'a User) -> Cow<'a, [Named]> {
        if user.groups.is_empty() {
            return Cow::Borrowed(&user.policies);
        }
        let groups = user.groups.iter().filter_map(|g| self.groups.get(g));
        Cow::Owned(
            user.policies
                .iter()
                .chain(groups.flat_map(|g| &g.policies))
                .cloned()
                .collect(),
        )
    }

    /// The identity policies of a caller (none for root, which IAM allows everything):
    /// a user's with its groups', a role session's role's.
    pub fn identity_policies(&self, caller: &Caller) -> Cow<'_, [Named]> {
        match &caller.kind {
            CallerKind::Root => Cow::Borrowed(&[]),
            CallerKind::User { name } => self
                .users
                .get(name)
                .map_or(Cow::Borrowed(&[][..]), |u| self.user_policies(u)),
            CallerKind::AssumedRole { role_name, .. } => Cow::Borrowed(
                self.roles
                    .get(role_name)
                    .map_or(&[][..], |r| r.policies.as_slice()),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_managed_policies_all_parse() {
        let directory = Directory::new();
        assert_eq!(directory.managed.len(), MANAGED_POLICIES.len());
    }

    fn fixtures(yaml: &str) -> Fixtures {
        let mut fixtures = Fixtures::default();
        let file = crate::fixtures::parse(Path::new("t.yaml"), yaml).unwrap();
        crate::fixtures::merge(&mut fixtures, Path::new("t.yaml"), file, "123456789012").unwrap();
        fixtures
    }

    #[test]
    fn inline_policies_are_held_to_iams_quota_and_boundaries_load() {
        let statement = r#"{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"arn:aws:ssm:*:*:parameter/a-rather-long-path-to-fill-the-quota/*"}"#;
        let many = vec![statement; 30].join(",");
        let yaml = format!(
            "users:\n  - name: big\n    policies:\n      - name: p\n        document: '{{\"Version\":\"2012-10-17\",\"Statement\":[{many}]}}'\n"
        );
        let error = Directory::from_fixtures(&fixtures(&yaml), "123456789012").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("Maximum policy size of 2048 bytes exceeded for user big"),
            "{error}"
        );
        let yaml = "users:\n  - name: b\n    permissions_boundary: arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess\nroles:\n  - name: r\n    trust_policy: {Version: \"2012-10-17\", Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: \"sts:AssumeRole\"}]}\n    permissions_boundary: {Version: \"2012-10-17\", Statement: [{Effect: Allow, Action: \"ssm:*\"}]}\n";
        let error = Directory::from_fixtures(&fixtures(yaml), "123456789012").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("Policy statement must contain resources."),
            "{error}"
        );
        let yaml = yaml.replace("Action: \"ssm:*\"}", "Action: \"ssm:*\", Resource: \"*\"}");
        let directory = Directory::from_fixtures(&fixtures(&yaml), "123456789012").unwrap();
        assert!(directory.users["b"].boundary.is_some());
        assert!(directory.roles["r"].boundary.is_some());
    }

    /// A user's identity policies are its own, then its groups'; borrowed when it has
    /// no group.
    #[test]
    fn a_users_policies_include_its_groups() {
        let yaml = "users:\n  - name: u\n    policies:\n      - name: own\n        document: {Version: \"2012-10-17\", Statement: [{Effect: Allow, Action: \"ssm:GetParameter\", Resource: \"*\"}]}\n";
        let mut directory = Directory::from_fixtures(&fixtures(yaml), "123456789012").unwrap();
        assert!(matches!(
            directory.user_policies(&directory.users["u"]),
            Cow::Borrowed(_)
        ));
        let shared = directory.users["u"].policies[0].clone();
        directory.groups.insert(
            "g".to_owned(),
            Group {
                name: "g".to_owned(),
                arn: "arn:aws:iam::123456789012:group/g".to_owned(),
                id: "AGPA".to_owned(),
                policies: vec![Named {
                    name: "shared".to_owned(),
                    document: shared.document,
                }],
            },
        );
        if let Some(user) = directory.users.get_mut("u") {
            user.groups.push("g".to_owned());
        }
        let names: Vec<String> = directory
            .user_policies(&directory.users["u"])
            .iter()
            .map(|p| p.name.clone())
            .collect();
        assert_eq!(names, ["own", "shared"]);
    }

    #[test]
    fn unique_ids_are_stable_and_aws_shaped() {
        let a = unique_id("AIDA", "arn:aws:iam::1:user/a");
        assert_eq!(a, unique_id("AIDA", "arn:aws:iam::1:user/a"));
        assert_ne!(a, unique_id("AIDA", "arn:aws:iam::1:user/b"));
        assert_eq!(a.len(), 21);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
    }
}
