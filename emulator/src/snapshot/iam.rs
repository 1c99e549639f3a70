//! The IAM directory as one record (the state directory's `iam`, a snapshot's `iam`):
//! the users, roles, access keys and customer managed policies the IAM API created or
//! changed, with their inline policies, attachments, boundaries, tags and key states,
//! so that principals created through the API survive a restart.
//!
//! Policies are kept as the text IAM answers with (the directory's `documents`) and
//! parsed again at load; an attached managed policy is kept by ARN (AWS's own are built
//! in). What the emulator holds without its text (a fixture's inline-document
//! permissions boundary, a fixture's role-session key) is taken back from the fixtures
//! by name; if the fixtures no longer declare it, the start stops with that reason.

use crate::iam::policy::PolicyDocument;
use crate::iam::principals::{
    inline_key, AccessKey, Directory, Group, InstanceProfile, KeyOwner, Named, PolicyVersion,
    PolicyVersions, Role, SessionTags, User, TRUST,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// A policy of a user or a role.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum PolicyRef {
    /// An attached managed policy (the account's or AWS's).
    Managed { arn: String, name: String },
    /// An inline policy (its text is in `documents`).
    Inline { name: String },
    /// Held only as parsed from the fixtures: the same principal's policy of that name
    /// there.
    Fixture { name: String },
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserRecord {
    name: String,
    arn: String,
    id: String,
    policies: Vec<PolicyRef>,
    tags: BTreeMap<String, String>,
    boundary: Option<PolicyRef>,
    /// The names of its groups.
    #[serde(default)]
    groups: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupRecord {
    name: String,
    arn: String,
    id: String,
    policies: Vec<PolicyRef>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct InstanceProfileRecord {
    name: String,
    arn: String,
    id: String,
    roles: Vec<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionRecord {
    number: u32,
    text: String,
    /// Epoch milliseconds.
    created: i64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleRecord {
    name: String,
    arn: String,
    id: String,
    policies: Vec<PolicyRef>,
    max_session_duration: u32,
    tags: BTreeMap<String, String>,
    boundary: Option<PolicyRef>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyRecord {
    id: String,
    /// `None`: a fixture's role-session key, taken from the fixtures by id.
    secret: Option<String>,
    /// The user it belongs to; `None`: the account root.
    user: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManagedRecord {
    arn: String,
    name: String,
    /// Its versions, when it was created over the IAM API (oldest first), the default
    /// one's number, the next number and its description.
    #[serde(default)]
    versions: Vec<VersionRecord>,
    #[serde(default)]
    default_version: u32,
    #[serde(default)]
    next_version: u32,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// The record.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IamRecord {
    users: Vec<UserRecord>,
    roles: Vec<RoleRecord>,
    keys: Vec<KeyRecord>,
    inactive_keys: Vec<String>,
    deleted_keys: Vec<String>,
    /// Creation times, epoch milliseconds, by ARN or key id.
    created: BTreeMap<String, i64>,
    /// (owner ARN, document key, text): inline and trust policies, managed versions.
    documents: Vec<(String, String, String)>,
    /// Managed policies that are not AWS's built-in ones.
    managed: Vec<ManagedRecord>,
    #[serde(default)]
    groups: Vec<GroupRecord>,
    #[serde(default)]
    instance_profiles: Vec<InstanceProfileRecord>,
}

/// The managed policy whose document `policy` shares, if any.
fn managed_arn<'a>(d: &'a Directory, policy: &Named) -> Option<&'a String> {
    d.managed
        .iter()
        .find(|(_, m)| Arc::ptr_eq(&m.document, &policy.document))
        .map(|(arn, _)| arn)
}

fn policy_ref(d: &Directory, owner: &str, policy: &Named) -> PolicyRef {
    if let Some(arn) = managed_arn(d, policy) {
        return PolicyRef::Managed {
            arn: arn.clone(),
            name: policy.name.clone(),
        };
    }
    if d.documents
        .contains_key(&(owner.to_owned(), inline_key(&policy.name)))
    {
        PolicyRef::Inline {
            name: policy.name.clone(),
        }
    } else {
        PolicyRef::Fixture {
            name: policy.name.clone(),
        }
    }
}

/// The directory as a record.
pub(crate) fn record(d: &Directory) -> IamRecord {
    let builtin = Directory::new();
    let millis = |t: &time::OffsetDateTime| (t.unix_timestamp_nanos() / 1_000_000) as i64;
    let mut users: Vec<UserRecord> = d
        .users
        .values()
        .map(|u| UserRecord {
            name: u.name.clone(),
            arn: u.arn.clone(),
            id: u.id.clone(),
            policies: u
                .policies
                .iter()
                .map(|p| policy_ref(d, &u.arn, p))
                .collect(),
            tags: u.tags.clone(),
            boundary: u.boundary.as_ref().map(|b| policy_ref(d, &u.arn, b)),
            groups: u.groups.clone(),
        })
        .collect();
    users.sort_by(|a, b| a.name.cmp(&b.name));
    let mut roles: Vec<RoleRecord> = d
        .roles
        .values()
        .map(|r| RoleRecord {
            name: r.name.clone(),
            arn: r.arn.clone(),
            id: r.id.clone(),
            policies: r
                .policies
                .iter()
                .map(|p| policy_ref(d, &r.arn, p))
                .collect(),
            max_session_duration: r.max_session_duration,
            tags: r.tags.clone(),
            boundary: r.boundary.as_ref().map(|b| policy_ref(d, &r.arn, b)),
            description: r.description.clone(),
        })
        .collect();
    roles.sort_by(|a, b| a.name.cmp(&b.name));
    let mut keys: Vec<KeyRecord> = d
        .keys
        .values()
        .map(|k| match &k.owner {
            KeyOwner::Root if k.session_token.is_none() => KeyRecord {
                id: k.id.clone(),
                secret: Some(k.secret.clone()),
                user: None,
            },
            KeyOwner::User(user) if k.session_token.is_none() => KeyRecord {
                id: k.id.clone(),
                secret: Some(k.secret.clone()),
                user: Some(user.clone()),
            },
            _ => KeyRecord {
                id: k.id.clone(),
                secret: None,
                user: None,
            },
        })
        .collect();
    keys.sort_by(|a, b| a.id.cmp(&b.id));
    let mut documents: Vec<(String, String, String)> = d
        .documents
        .iter()
        .map(|((owner, key), text)| (owner.clone(), key.clone(), text.clone()))
        .collect();
    documents.sort();
    let mut managed: Vec<ManagedRecord> = d
        .managed
        .iter()
        .filter(|(arn, _)| !builtin.managed.contains_key(*arn))
        .map(|(arn, m)| {
            let versions = d.policy_versions.get(arn);
            ManagedRecord {
                arn: arn.clone(),
                name: m.name.clone(),
                versions: versions.map_or_else(Vec::new, |v| {
                    v.versions
                        .iter()
                        .map(|v| VersionRecord {
                            number: v.number,
                            text: v.text.clone(),
                            created: millis(&v.created),
                        })
                        .collect()
                }),
                default_version: versions.map_or(0, |v| v.default),
                next_version: versions.map_or(0, |v| v.next),
                description: versions.and_then(|v| v.description.clone()),
                tags: d.policy_tags.get(arn).cloned().unwrap_or_default(),
            }
        })
        .collect();
    managed.sort_by(|a, b| a.arn.cmp(&b.arn));
    let mut groups: Vec<GroupRecord> = d
        .groups
        .values()
        .map(|g| GroupRecord {
            name: g.name.clone(),
            arn: g.arn.clone(),
            id: g.id.clone(),
            policies: g
                .policies
                .iter()
                .map(|p| policy_ref(d, &g.arn, p))
                .collect(),
        })
        .collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    let mut instance_profiles: Vec<InstanceProfileRecord> = d
        .instance_profiles
        .values()
        .map(|p| InstanceProfileRecord {
            name: p.name.clone(),
            arn: p.arn.clone(),
            id: p.id.clone(),
            roles: p.roles.clone(),
            tags: p.tags.clone(),
        })
        .collect();
    instance_profiles.sort_by(|a, b| a.name.cmp(&b.name));
    let sorted = |set: &std::collections::HashSet<String>| {
        let mut list: Vec<String> = set.iter().cloned().collect();
        list.sort();
        list
    };
    IamRecord {
        users,
        roles,
        keys,
        inactive_keys: sorted(&d.inactive_keys),
        deleted_keys: sorted(&d.deleted_keys),
        created: d
            .created
            .iter()
            .map(|(k, t)| (k.clone(), millis(t)))
            .collect(),
        documents,
        managed,
        groups,
        instance_profiles,
    }
}

fn parse(what: &str, text: &str) -> Result<Arc<PolicyDocument>, String> {
    PolicyDocument::parse(text)
        .map(Arc::new)
        .map_err(|e| format!("{what}: {e}"))
}

/// Builds the directory a record describes. `fixtures` is the directory the fixtures
/// built (for what is held only from them, and the service control policies).
pub(crate) fn restore(record: IamRecord, fixtures: &Directory) -> Result<Directory, String> {
    let mut d = Directory::new();
    d.service_control_policies = fixtures.service_control_policies.clone();
    d.documents = record
        .documents
        .into_iter()
        .map(|(owner, key, text)| ((owner, key), text))
        .collect::<HashMap<_, _>>();
    let time_of = |what: &str, millis: i64| {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
            .map_err(|e| format!("creation time of {what}: {e}"))
    };
    for m in record.managed {
        if !m.tags.is_empty() {
            d.policy_tags.insert(m.arn.clone(), m.tags.clone());
        }
        if !m.versions.is_empty() {
            // Created over the IAM API: its versions, the default one evaluated (the
            // same document everywhere it is attached, as `managed::set_default` expects).
            let mut versions = Vec::with_capacity(m.versions.len());
            for v in m.versions {
                versions.push(PolicyVersion {
                    number: v.number,
                    document: parse(&format!("{} v{}", m.arn, v.number), &v.text)?,
                    text: v.text,
                    created: time_of(&m.arn, v.created)?,
                });
            }
            let document = versions
                .iter()
                .find(|v| v.number == m.default_version)
                .map(|v| Arc::clone(&v.document))
                .ok_or_else(|| format!("managed policy {} has no default version", m.arn))?;
            d.policy_versions.insert(
                m.arn.clone(),
                PolicyVersions {
                    default: m.default_version,
                    next: m.next_version,
                    versions,
                    description: m.description,
                },
            );
            d.managed.insert(
                m.arn,
                Named {
                    name: m.name,
                    document,
                },
            );
            continue;
        }
        // The text of its one version (`version:v1`, as the IAM API kept it before
        // versions).
        let text = d
            .documents
            .iter()
            .find(|((owner, key), _)| *owner == m.arn && key.starts_with("version:"))
            .map(|(_, text)| text);
        let document = match text {
            Some(text) => parse(&m.arn, text)?,
            None => fixtures
                .managed
                .get(&m.arn)
                .map(|f| Arc::clone(&f.document))
                .ok_or_else(|| format!("managed policy {} has no text", m.arn))?,
        };
        d.managed.insert(
            m.arn,
            Named {
                name: m.name,
                document,
            },
        );
    }
    let resolve = |d: &Directory,
                   owner: &str,
                   fixture: Option<(&[Named], Option<&Named>)>,
                   boundary: bool,
                   r: PolicyRef|
     -> Result<Named, String> {
        match r {
            PolicyRef::Managed { arn, name } => d
                .managed
                .get(&arn)
                .map(|m| Named {
                    name,
                    document: Arc::clone(&m.document),
                })
                .ok_or_else(|| format!("{owner}: managed policy {arn} does not exist")),
            PolicyRef::Inline { name } => {
                let text = d
                    .documents
                    .get(&(owner.to_owned(), inline_key(&name)))
                    .ok_or_else(|| format!("{owner}: inline policy {name} has no text"))?;
                Ok(Named {
                    document: parse(&format!("{owner}: {name}"), text)?,
                    name,
                })
            }
            PolicyRef::Fixture { name } => {
                let found = fixture.and_then(|(policies, b)| {
                    if boundary {
                        b.filter(|b| b.name == name).cloned()
                    } else {
                        policies.iter().find(|p| p.name == name).cloned()
                    }
                });
                found.ok_or_else(|| {
                    format!(
                        "{owner}: policy {name} came from the fixtures, which no longer declare it"
                    )
                })
            }
        }
    };
    for u in record.users {
        let base = fixtures
            .users
            .get(&u.name)
            .map(|f| (f.policies.as_slice(), f.boundary.as_ref()));
        let policies = u
            .policies
            .into_iter()
            .map(|p| resolve(&d, &u.arn, base, false, p))
            .collect::<Result<Vec<_>, _>>()?;
        let boundary = u
            .boundary
            .map(|b| resolve(&d, &u.arn, base, true, b))
            .transpose()?;
        d.users.insert(
            u.name.clone(),
            User {
                name: u.name,
                arn: u.arn,
                id: u.id,
                policies,
                tags: u.tags,
                boundary,
                groups: u.groups,
            },
        );
    }
    for r in record.roles {
        let base = fixtures
            .roles
            .get(&r.name)
            .map(|f| (f.policies.as_slice(), f.boundary.as_ref()));
        let trust = match d.documents.get(&(r.arn.clone(), TRUST.to_owned())) {
            Some(text) => parse(&format!("{}: trust policy", r.arn), text)?,
            None => fixtures
                .roles
                .get(&r.name)
                .map(|f| Arc::clone(&f.trust_policy))
                .ok_or_else(|| format!("{}: the trust policy has no text", r.arn))?,
        };
        let policies = r
            .policies
            .into_iter()
            .map(|p| resolve(&d, &r.arn, base, false, p))
            .collect::<Result<Vec<_>, _>>()?;
        let boundary = r
            .boundary
            .map(|b| resolve(&d, &r.arn, base, true, b))
            .transpose()?;
        d.roles.insert(
            r.name.clone(),
            Role {
                name: r.name,
                arn: r.arn,
                id: r.id,
                trust_policy: trust,
                policies,
                max_session_duration: r.max_session_duration,
                tags: r.tags,
                boundary,
                description: r.description,
            },
        );
    }
    for k in record.keys {
        let key = match k.secret {
            Some(secret) => AccessKey {
                id: k.id.clone(),
                secret,
                owner: k.user.map_or(KeyOwner::Root, KeyOwner::User),
                session_token: None,
                expires: None,
                session_policies: Vec::new(),
                session_tags: SessionTags::default(),
            },
            None => fixtures.keys.get(&k.id).cloned().ok_or_else(|| {
                format!(
                    "access key {} came from the fixtures, which no longer declare it",
                    k.id
                )
            })?,
        };
        d.keys.insert(k.id, key);
    }
    for g in record.groups {
        let policies = g
            .policies
            .into_iter()
            .map(|p| resolve(&d, &g.arn, None, false, p))
            .collect::<Result<Vec<_>, _>>()?;
        d.groups.insert(
            g.name.clone(),
            Group {
                name: g.name,
                arn: g.arn,
                id: g.id,
                policies,
            },
        );
    }
    for p in record.instance_profiles {
        d.instance_profiles.insert(
            p.name.clone(),
            InstanceProfile {
                name: p.name,
                arn: p.arn,
                id: p.id,
                roles: p.roles,
                tags: p.tags,
            },
        );
    }
    d.inactive_keys = record.inactive_keys.into_iter().collect();
    d.deleted_keys = record.deleted_keys.into_iter().collect();
    for (name, millis) in record.created {
        let time = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
            .map_err(|e| format!("creation time of {name}: {e}"))?;
        d.created.insert(name, time);
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_keys_policies_and_attachments_survive_a_round_trip() {
        let mut d = Directory::new();
        let account = "123456789012";
        let arn = format!("arn:aws:iam::{account}:user/alice");
        let inline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"*"}]}"#;
        d.documents
            .insert((arn.clone(), inline_key("read")), inline.to_owned());
        let policy_arn = format!("arn:aws:iam::{account}:policy/mine");
        d.documents.insert(
            (policy_arn.clone(), "version:v1".to_owned()),
            inline.to_owned(),
        );
        let managed = Named {
            name: "mine".to_owned(),
            document: Arc::new(PolicyDocument::parse(inline).unwrap()),
        };
        d.managed.insert(policy_arn.clone(), managed.clone());
        let builtin_arn = "arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess";
        let builtin = d.managed.get(builtin_arn).cloned();
        let mut policies = vec![
            Named {
                name: "read".to_owned(),
                document: Arc::new(PolicyDocument::parse(inline).unwrap()),
            },
            managed,
        ];
        policies.extend(builtin);
        d.users.insert(
            "alice".to_owned(),
            User {
                name: "alice".to_owned(),
                arn: arn.clone(),
                id: "AIDAEXAMPLE".to_owned(),
                policies,
                tags: BTreeMap::from([("team".to_owned(), "a".to_owned())]),
                boundary: None,
                groups: vec!["devs".to_owned()],
            },
        );
        d.keys.insert(
            "AKIAEXAMPLE".to_owned(),
            AccessKey {
                id: "AKIAEXAMPLE".to_owned(),
                secret: "s3cr3t".to_owned(),
                owner: KeyOwner::User("alice".to_owned()),
                session_token: None,
                expires: None,
                session_policies: Vec::new(),
                session_tags: SessionTags::default(),
            },
        );
        d.inactive_keys.insert("AKIAEXAMPLE".to_owned());
        d.created
            .insert(arn.clone(), time::OffsetDateTime::UNIX_EPOCH);
        // A group with the managed policy attached and an inline one, the policy with two
        // versions (the first the default), and an instance profile.
        let group_arn = format!("arn:aws:iam::{account}:group/devs");
        d.documents.insert(
            (group_arn.clone(), inline_key("group-read")),
            inline.to_owned(),
        );
        d.groups.insert(
            "devs".to_owned(),
            Group {
                name: "devs".to_owned(),
                arn: group_arn,
                id: "AGPADEVS".to_owned(),
                policies: vec![
                    d.managed[&policy_arn].clone(),
                    Named {
                        name: "group-read".to_owned(),
                        document: Arc::new(PolicyDocument::parse(inline).unwrap()),
                    },
                ],
            },
        );
        let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#;
        d.policy_versions.insert(
            policy_arn.clone(),
            PolicyVersions {
                default: 1,
                next: 3,
                versions: vec![
                    PolicyVersion {
                        number: 1,
                        text: inline.to_owned(),
                        document: Arc::clone(&d.managed[&policy_arn].document),
                        created: time::OffsetDateTime::UNIX_EPOCH,
                    },
                    PolicyVersion {
                        number: 2,
                        text: deny.to_owned(),
                        document: Arc::new(PolicyDocument::parse(deny).unwrap()),
                        created: time::OffsetDateTime::UNIX_EPOCH,
                    },
                ],
                description: Some("mine".to_owned()),
            },
        );
        d.instance_profiles.insert(
            "web".to_owned(),
            InstanceProfile {
                name: "web".to_owned(),
                arn: format!("arn:aws:iam::{account}:instance-profile/web"),
                id: "AIPAWEB".to_owned(),
                roles: vec!["app".to_owned()],
                tags: BTreeMap::from([("tier".to_owned(), "web".to_owned())]),
            },
        );
        d.policy_tags.insert(
            policy_arn.clone(),
            BTreeMap::from([("owner".to_owned(), "ops".to_owned())]),
        );
        let json = serde_json::to_vec(&record(&d)).unwrap();
        let back = restore(serde_json::from_slice(&json).unwrap(), &Directory::new()).unwrap();
        let alice = &back.users["alice"];
        assert_eq!(alice.policies.len(), d.users["alice"].policies.len());
        // Attachments still share the managed policy's document (what attachment
        // counts and detaching rely on).
        assert!(Arc::ptr_eq(
            &alice.policies[1].document,
            &back.managed[&policy_arn].document
        ));
        if d.managed.contains_key(builtin_arn) {
            assert!(Arc::ptr_eq(
                &alice.policies[2].document,
                &back.managed[builtin_arn].document
            ));
        }
        assert_eq!(back.keys["AKIAEXAMPLE"].secret, "s3cr3t");
        assert!(back.inactive_keys.contains("AKIAEXAMPLE"));
        assert_eq!(back.created[&arn], time::OffsetDateTime::UNIX_EPOCH);
        assert_eq!(alice.tags, d.users["alice"].tags);
        assert_eq!(alice.groups, vec!["devs".to_owned()]);
        let devs = &back.groups["devs"];
        assert_eq!(devs.policies.len(), 2);
        assert!(Arc::ptr_eq(
            &devs.policies[0].document,
            &back.managed[&policy_arn].document
        ));
        let versions = &back.policy_versions[&policy_arn];
        assert_eq!((versions.default, versions.next), (1, 3));
        assert_eq!(versions.versions.len(), 2);
        assert!(Arc::ptr_eq(
            &versions.versions[0].document,
            &back.managed[&policy_arn].document
        ));
        assert_eq!(back.instance_profiles["web"].roles, vec!["app".to_owned()]);
        assert_eq!(back.instance_profiles["web"].tags["tier"], "web");
        assert_eq!(back.policy_tags[&policy_arn]["owner"], "ops");
        // The record again is the same record.
        assert_eq!(serde_json::to_vec(&record(&back)).unwrap(), json);
    }

    #[test]
    fn a_policy_held_only_from_fixtures_that_are_gone_stops_the_load() {
        let mut d = Directory::new();
        let inline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        d.users.insert(
            "bob".to_owned(),
            User {
                name: "bob".to_owned(),
                arn: "arn:aws:iam::123456789012:user/bob".to_owned(),
                id: "AIDABOB".to_owned(),
                policies: Vec::new(),
                tags: BTreeMap::new(),
                boundary: Some(Named {
                    name: "permissions boundary".to_owned(),
                    document: Arc::new(PolicyDocument::parse(inline).unwrap()),
                }),
                groups: Vec::new(),
            },
        );
        let json = serde_json::to_vec(&record(&d)).unwrap();
        // With the fixtures that declared it, the boundary comes back.
        let back = restore(serde_json::from_slice(&json).unwrap(), &d).unwrap();
        assert!(back.users["bob"].boundary.is_some());
        // Without them, the load is refused with the reason.
        let error = restore(serde_json::from_slice(&json).unwrap(), &Directory::new())
            .err()
            .unwrap();
        assert!(error.contains("no longer declare"), "{error}");
    }
}
