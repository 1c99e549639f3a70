//! Customer managed policies over the IAM API (one version each: v1) and the attachment
//! of managed policies, the account's and AWS's, to users and roles.

use super::{
    authorize, document_member, name_member, path_member, required, IamApiError, Owner, Params,
    Result,
};
use crate::context::RequestContext;
use crate::iam::principals::{self, Directory, Named};
use crate::protocol::query::{self, Output};
use crate::state::EmulatorState;
use serde::Serialize;
use std::sync::Arc;

/// A managed policy's size (IAM User Guide, "IAM and AWS STS quotas": managed policy
/// size cannot exceed 6,144 characters, white space not counted).
const MANAGED_POLICY_LIMIT: usize = 6144;
/// Managed policies attached to one user or role (IAM User Guide, "IAM and AWS STS
/// quotas": 10 by default).
const ATTACHED_LIMIT: usize = 10;
/// The only version of a policy created here.
const VERSION: &str = "v1";

fn version_key() -> String {
    format!("version:{VERSION}")
}

fn no_such_policy(arn: &str) -> IamApiError {
    IamApiError::no_such_entity(format!("Policy {arn} does not exist or is not attachable."))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyView {
    policy_name: String,
    policy_id: String,
    arn: String,
    path: String,
    default_version_id: &'static str,
    attachment_count: usize,
    is_attachable: bool,
    create_date: String,
    update_date: String,
}

fn attachments(d: &Directory, policy: &Named) -> usize {
    let attached = |p: &Named| Arc::ptr_eq(&p.document, &policy.document);
    d.users
        .values()
        .filter(|u| u.policies.iter().any(attached))
        .count()
        + d.roles
            .values()
            .filter(|r| r.policies.iter().any(attached))
            .count()
}

fn policy_view(d: &Directory, arn: &str, policy: &Named) -> PolicyView {
    let created = query::timestamp(
        d.created
            .get(arn)
            .copied()
            .unwrap_or_else(time::OffsetDateTime::now_utc),
    );
    let path = arn
        .split_once(":policy/")
        .and_then(|(_, rest)| rest.rfind('/').map(|i| format!("/{}", &rest[..=i])))
        .unwrap_or_else(|| "/".to_owned());
    PolicyView {
        policy_name: policy.name.clone(),
        policy_id: principals::unique_id("ANPA", arn),
        arn: arn.to_owned(),
        path,
        default_version_id: VERSION,
        attachment_count: attachments(d, policy),
        is_attachable: true,
        update_date: created.clone(),
        create_date: created,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyResult {
    policy: PolicyView,
}

pub(super) fn create_policy(
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = name_member(params, "PolicyName", "policyName", 128)?;
    let path = path_member(params)?;
    let (text, document) = document_member(params, "PolicyDocument", "policyDocument")?;
    document
        .check_identity_policy()
        .map_err(|e| IamApiError::malformed_policy(e.to_string()))?;
    if principals::policy_text_size(&text) > MANAGED_POLICY_LIMIT {
        return Err(IamApiError::limit_exceeded(format!(
            "Cannot exceed quota for PolicySize: {MANAGED_POLICY_LIMIT}"
        )));
    }
    let arn = format!("arn:aws:iam::{}:policy{path}{name}", state.iam.account);
    authorize(state, ctx, "iam:CreatePolicy", &arn)?;
    let directory = state.iam.update_directory(|d| {
        let prefix = format!("arn:aws:iam::{}:policy/", state.iam.account);
        let taken = d
            .managed
            .keys()
            .any(|a| a.starts_with(&prefix) && a.rsplit('/').next() == Some(name));
        if taken {
            return Err(IamApiError::already_exists(format!(
                "A policy called {name} already exists. Duplicate names are not allowed."
            )));
        }
        d.created
            .insert(arn.clone(), time::OffsetDateTime::now_utc());
        d.documents.insert((arn.clone(), version_key()), text);
        d.managed.insert(
            arn.clone(),
            Named {
                name: name.to_owned(),
                document: Arc::new(document),
            },
        );
        Ok(d.clone())
    })?;
    Ok(Output::of(&PolicyResult {
        policy: policy_view(&directory, &arn, &directory.managed[&arn]),
    }))
}

pub(super) fn get_policy(
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let arn = required(params, "PolicyArn", "policyArn")?;
    authorize(state, ctx, "iam:GetPolicy", arn)?;
    let directory = state.iam.directory();
    let policy = directory
        .managed
        .get(arn)
        .ok_or_else(|| no_such_policy(arn))?;
    Ok(Output::of(&PolicyResult {
        policy: policy_view(&directory, arn, policy),
    }))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct VersionView {
    /// URL-encoded, as IAM answers it.
    document: String,
    version_id: &'static str,
    is_default_version: bool,
    create_date: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyVersionResult {
    policy_version: VersionView,
}

pub(super) fn get_policy_version(
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let arn = required(params, "PolicyArn", "policyArn")?;
    let version = required(params, "VersionId", "versionId")?;
    authorize(state, ctx, "iam:GetPolicyVersion", arn)?;
    let directory = state.iam.directory();
    // AWS's own managed policies are built in without their text here.
    let text = directory
        .documents
        .get(&(arn.to_owned(), version_key()))
        .filter(|_| version == VERSION)
        .ok_or_else(|| {
            IamApiError::no_such_entity(format!(
                "Policy {arn} version {version} does not exist or is not attachable."
            ))
        })?;
    Ok(Output::of(&PolicyVersionResult {
        policy_version: VersionView {
            document: query::url_encode_document(text),
            version_id: VERSION,
            is_default_version: true,
            create_date: query::timestamp(
                directory
                    .created
                    .get(arn)
                    .copied()
                    .unwrap_or_else(time::OffsetDateTime::now_utc),
            ),
        },
    }))
}

pub(super) fn delete_policy(
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let arn = required(params, "PolicyArn", "policyArn")?;
    authorize(state, ctx, "iam:DeletePolicy", arn)?;
    state.iam.update_directory(|d| {
        if !d.documents.contains_key(&(arn.to_owned(), version_key())) {
            return Err(no_such_policy(arn));
        }
        let policy = d.managed.get(arn).ok_or_else(|| no_such_policy(arn))?;
        // IAM API Reference, "DeletePolicy": the policy must first be detached from every
        // user, group and role.
        if attachments(d, policy) > 0 {
            return Err(IamApiError::delete_conflict(
                "Cannot delete a policy attached to entities.".to_owned(),
            ));
        }
        d.managed.remove(arn);
        d.created.remove(arn);
        d.documents.retain(|(owner, _), _| owner != arn);
        Ok(())
    })?;
    Ok(Output::of(&()))
}

pub(super) fn attach(
    owner: Owner,
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = owner.name_member(params)?;
    let policy_arn = required(params, "PolicyArn", "policyArn")?;
    let arn = owner.arn(state, name);
    authorize(state, ctx, &owner.action("Attach"), &arn)?;
    state.iam.update_directory(|d| {
        let policy = d
            .managed
            .get(policy_arn)
            .cloned()
            .ok_or_else(|| no_such_policy(policy_arn))?;
        let managed = d.managed.clone();
        let (_, policies) = owner.policies_mut(d, name)?;
        if policies
            .iter()
            .any(|p| Arc::ptr_eq(&p.document, &policy.document))
        {
            return Ok(());
        }
        let attached = policies
            .iter()
            .filter(|p| principals::is_managed(&managed, p))
            .count();
        if attached >= ATTACHED_LIMIT {
            let quota = match owner {
                Owner::User => "PoliciesPerUser",
                Owner::Role => "PoliciesPerRole",
            };
            return Err(IamApiError::limit_exceeded(format!(
                "Cannot exceed quota for {quota}: {ATTACHED_LIMIT}"
            )));
        }
        policies.push(policy);
        Ok(())
    })?;
    Ok(Output::of(&()))
}

pub(super) fn detach(
    owner: Owner,
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = owner.name_member(params)?;
    let policy_arn = required(params, "PolicyArn", "policyArn")?;
    let arn = owner.arn(state, name);
    authorize(state, ctx, &owner.action("Detach"), &arn)?;
    state.iam.update_directory(|d| {
        let policy = d
            .managed
            .get(policy_arn)
            .cloned()
            .ok_or_else(|| no_such_policy(policy_arn))?;
        let (_, policies) = owner.policies_mut(d, name)?;
        let before = policies.len();
        policies.retain(|p| !Arc::ptr_eq(&p.document, &policy.document));
        if policies.len() == before {
            return Err(IamApiError::no_such_entity(format!(
                "Policy {policy_arn} was not found."
            )));
        }
        Ok(())
    })?;
    Ok(Output::of(&()))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AttachedView {
    policy_name: String,
    policy_arn: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ListAttachedResult {
    attached_policies: Vec<AttachedView>,
    is_truncated: bool,
}

pub(super) fn list_attached(
    owner: Owner,
    state: &EmulatorState,
    ctx: &RequestContext,
    params: &Params,
) -> Result<Output> {
    let name = owner.name_member(params)?;
    let arn = owner.arn(state, name);
    let action = match owner {
        Owner::User => "iam:ListAttachedUserPolicies",
        Owner::Role => "iam:ListAttachedRolePolicies",
    };
    authorize(state, ctx, action, &arn)?;
    let directory = state.iam.directory();
    let policies = match owner {
        Owner::User => directory.users.get(name).map(|u| &u.policies),
        Owner::Role => directory.roles.get(name).map(|r| &r.policies),
    }
    .ok_or_else(|| owner.missing(name))?;
    let mut attached: Vec<AttachedView> = policies
        .iter()
        .filter_map(|p| {
            directory
                .managed
                .iter()
                .find(|(_, m)| Arc::ptr_eq(&m.document, &p.document))
                .map(|(arn, m)| AttachedView {
                    policy_name: m.name.clone(),
                    policy_arn: arn.clone(),
                })
        })
        .collect();
    attached.sort_by(|a, b| a.policy_arn.cmp(&b.policy_arn));
    Ok(Output::of(&ListAttachedResult {
        attached_policies: attached,
        is_truncated: false,
    }))
}
