//! Tags (`aws:PrincipalTag/*` of the user's requests and of the role's sessions) and
//! permissions boundaries of users and roles over the IAM API.

use super::{
    authorize, missing_list_member, required, tag_views, tags_member, IamApiError, Owner, Params,
    Result,
};
use crate::context::RequestContext;
use crate::iam::principals::{Directory, Named};
use crate::protocol::query::Output;
use crate::state::EmulatorState;
use std::collections::BTreeMap;

impl Owner {
    /// The owner's tags and boundary, mutable.
    fn attributes_mut<'a>(
        self,
        d: &'a mut Directory,
        name: &str,
    ) -> Result<(&'a mut BTreeMap<String, String>, &'a mut Option<Named>)> {
        match self {
            Owner::User => d
                .users
                .get_mut(name)
                .map(|u| (&mut u.tags, &mut u.boundary)),
            Owner::Role => d
                .roles
                .get_mut(name)
                .map(|r| (&mut r.tags, &mut r.boundary)),
            // Groups have neither (no tag or boundary operation names a group).
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

pub(super) fn tag(
    owner: Owner,
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = owner.name_member(params)?;
    let tags = tags_member(params)?;
    if tags.is_empty() {
        return Err(missing_list_member("tags"));
    }
    let arn = owner.arn(state, name);
    let keys = super::tag_keys(&tags);
    super::authorize_keys(state, ctx, &format!("iam:Tag{}", owner.noun()), &arn, keys)?;
    state.iam.update_directory(|d| {
        let (current, _) = owner.attributes_mut(d, name)?;
        current.extend(tags);
        Ok(())
    })?;
    Ok(Output::of(&()))
}

pub(super) fn untag(
    owner: Owner,
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = owner.name_member(params)?;
    let keys: Vec<String> = params
        .list("TagKeys", "")
        .into_iter()
        .map(|(_, k)| k.to_owned())
        .collect();
    if keys.is_empty() {
        return Err(missing_list_member("tagKeys"));
    }
    let arn = owner.arn(state, name);
    let action = format!("iam:Untag{}", owner.noun());
    super::authorize_keys(
        state,
        ctx,
        &action,
        &arn,
        vec![("aws:TagKeys".to_owned(), keys.clone())],
    )?;
    state.iam.update_directory(|d| {
        let (current, _) = owner.attributes_mut(d, name)?;
        current.retain(|k, _| !keys.contains(k));
        Ok(())
    })?;
    Ok(Output::of(&()))
}

pub(super) fn list_tags(
    owner: Owner,
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = owner.name_member(params)?;
    let arn = owner.arn(state, name);
    authorize(state, ctx, &format!("iam:List{}Tags", owner.noun()), &arn)?;
    let directory = state.iam.directory();
    let tags = match owner {
        Owner::User => directory.users.get(name).map(|u| &u.tags),
        Owner::Role => directory.roles.get(name).map(|r| &r.tags),
        Owner::Group => None,
    }
    .ok_or_else(|| owner.missing(name))?;
    super::paged(params, "Tags", tag_views(tags).unwrap_or_default(), |t| {
        t.key.clone()
    })
}

pub(super) fn put_boundary(
    owner: Owner,
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = owner.name_member(params)?;
    let policy_arn = required(params, "PermissionsBoundary", "permissionsBoundary")?;
    let arn = owner.arn(state, name);
    super::authorize_keys(
        state,
        ctx,
        &format!("iam:Put{}PermissionsBoundary", owner.noun()),
        &arn,
        vec![(
            "iam:PermissionsBoundary".to_owned(),
            vec![policy_arn.to_owned()],
        )],
    )?;
    state.iam.update_directory(|d| {
        // Only the managed policies the emulator knows can be a boundary.
        let policy = d.managed.get(policy_arn).cloned().ok_or_else(|| {
            IamApiError::no_such_entity(format!(
                "Policy {policy_arn} does not exist or is not attachable."
            ))
        })?;
        let (_, boundary) = owner.attributes_mut(d, name)?;
        *boundary = Some(Named {
            name: format!("permissions boundary {}", policy.name),
            document: policy.document,
        });
        Ok(())
    })?;
    Ok(Output::of(&()))
}

pub(super) fn delete_boundary(
    owner: Owner,
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = owner.name_member(params)?;
    let arn = owner.arn(state, name);
    authorize(
        state,
        ctx,
        &format!("iam:Delete{}PermissionsBoundary", owner.noun()),
        &arn,
    )?;
    state.iam.update_directory(|d| {
        let (_, boundary) = owner.attributes_mut(d, name)?;
        *boundary = None;
        Ok(())
    })?;
    Ok(Output::of(&()))
}
