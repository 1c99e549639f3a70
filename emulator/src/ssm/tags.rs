//! AddTagsToResource, RemoveTagsFromResource and ListTagsForResource, for parameters.

use super::error::{validated, SsmError};
use super::model::*;
use super::names::parse_reference;
use super::put::check_tags;
use crate::context::RequestContext;
use crate::protocol::validation::Validator;
use crate::state::EmulatorState;

/// The resource types the tagging operations accept.
const RESOURCE_TYPES: [&str; 10] = [
    "Document",
    "ManagedInstance",
    "MaintenanceWindow",
    "Parameter",
    "PatchBaseline",
    "OpsItem",
    "OpsMetadata",
    "Automation",
    "Association",
    "CloudConnector",
];

fn invalid_resource_id() -> SsmError {
    SsmError::InvalidResourceId(
        "The resource ID isn't valid. Verify that you entered the correct ID and try again."
            .to_owned(),
    )
}

/// Checks the resource members and returns the store key of the parameter they name.
/// Only parameters exist in this emulator, so any other resource is not found.
fn resource_key(
    state: &EmulatorState,
    ctx: &RequestContext,
    action: &str,
    v: &mut Validator,
    resource_type: &Option<String>,
    resource_id: &Option<String>,
    extra: &dyn Fn(&mut crate::iam::policy::ContextKeys),
) -> Result<String, SsmError> {
    let kind = v.required("resourceType", resource_type).cloned();
    v.one_of("resourceType", kind.as_deref(), &RESOURCE_TYPES);
    let id = v.required("resourceId", resource_id).cloned();
    validated(std::mem::take(v).finish())?;
    if kind.as_deref() != Some("Parameter") {
        return Err(invalid_resource_id());
    }
    let id = id.unwrap_or_default();
    super::authorize_parameter_with(state, ctx, action, &id, extra)?;
    match parse_reference(&id, &ctx.region, &ctx.account) {
        Ok(Some(r)) if r.selector.is_none() => Ok(r.key),
        _ => Err(invalid_resource_id()),
    }
}

/// AddTagsToResource: adds tags, replacing the value of keys already present.
pub fn add_tags_to_resource(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: AddTagsToResourceInput,
) -> Result<Empty, SsmError> {
    let mut v = Validator::new();
    if let Some(tags) = v.required("tags", &input.tags) {
        check_tags(&mut v, tags);
    }
    let tags: Vec<(String, String)> = input
        .tags
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|t| (t.key.unwrap_or_default(), t.value.unwrap_or_default()))
        .collect();
    let key = resource_key(
        state,
        ctx,
        "ssm:AddTagsToResource",
        &mut v,
        &input.resource_type,
        &input.resource_id,
        &|keys| super::request_tag_keys(keys, &tags),
    )?;
    state
        .region(&ctx.region)
        .ssm
        .add_tags(&key, &tags)
        .map(|()| Empty {})
}

/// RemoveTagsFromResource: removes tags by key; absent keys are ignored.
pub fn remove_tags_from_resource(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: RemoveTagsFromResourceInput,
) -> Result<Empty, SsmError> {
    let mut v = Validator::new();
    if let Some(keys) = v.required("tagKeys", &input.tag_keys) {
        for key in keys {
            v.length("tagKeys", key, 1, 128);
        }
    }
    let removed = input.tag_keys.clone().unwrap_or_default();
    let key = resource_key(
        state,
        ctx,
        "ssm:RemoveTagsFromResource",
        &mut v,
        &input.resource_type,
        &input.resource_id,
        &|keys| keys.insert_many("aws:TagKeys", removed.clone()),
    )?;
    state
        .region(&ctx.region)
        .ssm
        .remove_tags(&key, &input.tag_keys.unwrap_or_default())
        .map(|()| Empty {})
}

/// ListTagsForResource: the tags, sorted by key.
pub fn list_tags_for_resource(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: ListTagsForResourceInput,
) -> Result<ListTagsForResourceOutput, SsmError> {
    let mut v = Validator::new();
    let key = resource_key(
        state,
        ctx,
        "ssm:ListTagsForResource",
        &mut v,
        &input.resource_type,
        &input.resource_id,
        &crate::iam::no_keys,
    )?;
    let tag_list = state
        .region(&ctx.region)
        .ssm
        .with(&key, |p| {
            p.tags
                .iter()
                .map(|(k, v)| Tag {
                    key: Some(k.clone()),
                    value: Some(v.clone()),
                })
                .collect()
        })
        .ok_or_else(invalid_resource_id)?;
    Ok(ListTagsForResourceOutput { tag_list })
}
