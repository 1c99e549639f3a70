//! Tags over the IAM API (of users and roles, where they are also the
//! `aws:PrincipalTag/*` of the user's requests and of the role's sessions, of customer
//! managed policies and of instance profiles) and permissions boundaries of users and
//! roles.

use super::{authorize, tag_views, IamApiError, Owner, Page, Paging, Result};
use crate::context::RequestContext;
use crate::generated::iam::Tag;
use crate::iam::principals::{Directory, Named};
use crate::iam::Iam;
use std::collections::BTreeMap;

impl Owner {
    /// The owner's boundary, mutable.
    fn boundary_mut<'a>(self, d: &'a mut Directory, name: &str) -> Result<&'a mut Option<Named>> {
        match self {
            Owner::User => d.users.get_mut(name).map(|u| &mut u.boundary),
            Owner::Role => d.roles.get_mut(name).map(|r| &mut r.boundary),
            // Groups have no boundary (no boundary operation names a group).
            Owner::Group => None,
        }
        .ok_or_else(|| self.missing(name))
    }

    fn noun(self) -> &'static str {
        match self {
            Owner::User => "User",
            Owner::Role => "Role",
            Owner::Group => "Group",
        }
    }
}

/// What IAM's tag operations name: users and roles (whose tags are also their
/// `aws:PrincipalTag/*`), customer managed policies and instance profiles. Groups carry
/// no tags: the IAM API has no TagGroup, and its `Group` shape no `Tags` member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Taggable {
    User,
    Role,
    Policy,
    InstanceProfile,
}

impl Taggable {
    /// The noun of its actions (`iam:TagUser`, `iam:ListPolicyTags`, ...).
    fn noun(self) -> &'static str {
        match self {
            Taggable::User => "User",
            Taggable::Role => "Role",
            Taggable::Policy => "Policy",
            Taggable::InstanceProfile => "InstanceProfile",
        }
    }

    /// The ARN the operation is authorised on.
    fn arn(self, iam: &Iam, id: &str) -> String {
        match self {
            Taggable::User => Owner::User.arn(iam, id),
            Taggable::Role => Owner::Role.arn(iam, id),
            Taggable::Policy => id.to_owned(),
            Taggable::InstanceProfile => super::profiles::named_profile(iam, id),
        }
    }

    fn missing(self, id: &str) -> IamApiError {
        match self {
            Taggable::User => Owner::User.missing(id),
            Taggable::Role => Owner::Role.missing(id),
            Taggable::Policy => super::managed::no_such_policy(id),
            Taggable::InstanceProfile => super::profiles::no_such_profile(id),
        }
    }

    /// The resource's tags. A policy must be a customer managed one of the account
    /// (AWS's own cannot be tagged); it has tags only once given some.
    fn tags<'a>(self, d: &'a Directory, id: &str) -> Result<Option<&'a BTreeMap<String, String>>> {
        match self {
            Taggable::User => d.users.get(id).map(|u| Some(&u.tags)),
            Taggable::Role => d.roles.get(id).map(|r| Some(&r.tags)),
            Taggable::Policy => d
                .managed
                .contains_key(id)
                .then(|| d.policy_tags.get(id))
                .filter(|_| !id.starts_with("arn:aws:iam::aws:")),
            Taggable::InstanceProfile => d.instance_profiles.get(id).map(|p| Some(&p.tags)),
        }
        .ok_or_else(|| self.missing(id))
    }

    /// Replaces the resource's tags with what `change` makes of them.
    fn retag(
        self,
        d: &mut Directory,
        id: &str,
        change: impl FnOnce(&mut BTreeMap<String, String>),
    ) -> Result<()> {
        let current = match self {
            Taggable::User => d.users.get_mut(id).map(|u| &mut u.tags),
            Taggable::Role => d.roles.get_mut(id).map(|r| &mut r.tags),
            Taggable::Policy => {
                self.tags(d, id)?;
                Some(d.policy_tags.entry(id.to_owned()).or_default())
            }
            Taggable::InstanceProfile => d.instance_profiles.get_mut(id).map(|p| &mut p.tags),
        }
        .ok_or_else(|| self.missing(id))?;
        change(current);
        if self == Taggable::Policy && d.policy_tags.get(id).is_some_and(BTreeMap::is_empty) {
            d.policy_tags.remove(id);
        }
        Ok(())
    }
}

/// Tag{User,Role,Policy,InstanceProfile}: adds or overwrites tags, authorised with the
/// request's `aws:RequestTag/*` and `aws:TagKeys` and the resource's tags.
pub(super) fn tag(
    taggable: Taggable,
    iam: &Iam,
    ctx: &RequestContext,
    id: &str,
    tags: &Option<Vec<Tag>>,
) -> Result<()> {
    let tags = super::tag_map(tags);
    let arn = taggable.arn(iam, id);
    let keys = super::tag_keys(&tags);
    super::authorize_keys(iam, ctx, &format!("iam:Tag{}", taggable.noun()), &arn, keys)?;
    iam.update_directory(|d| {
        let current = taggable.tags(d, id)?.cloned().unwrap_or_default();
        let added = tags.keys().filter(|k| !current.contains_key(*k)).count();
        if current.len() + added > MAX_TAGS {
            return Err(too_many_tags());
        }
        taggable.retag(d, id, |current| current.extend(tags.clone()))
    })
}

/// The most tags an IAM resource carries (IAM User Guide, "IAM and AWS STS quotas":
/// "Tags per IAM resource: 50").
pub(super) const MAX_TAGS: usize = 50;

/// IAM's refusal of a 51st tag: `LimitExceeded` (the IAM API Reference lists it for every
/// Tag* operation: "The request was rejected because it attempted to create resources
/// beyond the current AWS account limits"). IAM's exact words are not documented; the
/// message states the quota.
fn too_many_tags() -> IamApiError {
    IamApiError::LimitExceededException(format!(
        "The number of tags exceeds the quota of {MAX_TAGS} tags per IAM resource."
    ))
}

/// Untag{User,Role,Policy,InstanceProfile}: removes the keys given (absent ones are
/// ignored), authorised with `aws:TagKeys`.
pub(super) fn untag(
    taggable: Taggable,
    iam: &Iam,
    ctx: &RequestContext,
    id: &str,
    keys: Vec<String>,
) -> Result<()> {
    let arn = taggable.arn(iam, id);
    let action = format!("iam:Untag{}", taggable.noun());
    super::authorize_keys(
        iam,
        ctx,
        &action,
        &arn,
        vec![("aws:TagKeys".to_owned(), keys.clone())],
    )?;
    iam.update_directory(|d| {
        taggable.retag(d, id, |current| current.retain(|k, _| !keys.contains(k)))
    })
}

/// List{User,Role,Policy,InstanceProfile}Tags, paged by key.
pub(super) fn list_tags(
    taggable: Taggable,
    iam: &Iam,
    ctx: &RequestContext,
    id: &str,
    paging: &Paging,
) -> Result<Page<Tag>> {
    let arn = taggable.arn(iam, id);
    authorize(iam, ctx, &format!("iam:List{}Tags", taggable.noun()), &arn)?;
    let directory = iam.directory();
    let tags = taggable.tags(&directory, id)?;
    Ok(Page::of(
        paging,
        tags.and_then(tag_views).unwrap_or_default(),
        |t| t.key.clone().unwrap_or_default(),
    ))
}

pub(super) fn put_boundary(
    owner: Owner,
    iam: &Iam,
    ctx: &RequestContext,
    name: &str,
    policy_arn: &str,
) -> Result<()> {
    let arn = owner.arn(iam, name);
    super::authorize_keys(
        iam,
        ctx,
        &format!("iam:Put{}PermissionsBoundary", owner.noun()),
        &arn,
        vec![(
            "iam:PermissionsBoundary".to_owned(),
            vec![policy_arn.to_owned()],
        )],
    )?;
    iam.update_directory(|d| {
        // Only the managed policies the emulator knows can be a boundary.
        let policy = d.managed.get(policy_arn).cloned().ok_or_else(|| {
            IamApiError::NoSuchEntityException(format!(
                "Policy {policy_arn} does not exist or is not attachable."
            ))
        })?;
        let boundary = owner.boundary_mut(d, name)?;
        *boundary = Some(Named {
            name: format!("permissions boundary {}", policy.name),
            document: policy.document,
        });
        Ok(())
    })
}

pub(super) fn delete_boundary(
    owner: Owner,
    iam: &Iam,
    ctx: &RequestContext,
    name: &str,
) -> Result<()> {
    let arn = owner.arn(iam, name);
    authorize(
        iam,
        ctx,
        &format!("iam:Delete{}PermissionsBoundary", owner.noun()),
        &arn,
    )?;
    iam.update_directory(|d| {
        *owner.boundary_mut(d, name)? = None;
        Ok(())
    })
}
