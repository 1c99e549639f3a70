//! The tagging operations: TagResource, UntagResource and ListTags. Tags belong to the
//! function, not to its versions or aliases (Lambda Developer Guide, "Using tags on
//! Lambda functions": "Tags apply at the function level, not to versions or aliases"), so
//! they are kept with `$LATEST`'s configuration and every read of a function's tags
//! (GetFunction with any qualifier, `aws:ResourceTag/*`) reads them there.
//!
//! Lambda's answers where the API Reference gives no wording (the limit, a qualified
//! ARN, an empty `Tags`, a missing resource, the new `RevisionId` after a change) are as
//! recorded against AWS in LocalStack's snapshot tests
//! (`tests/aws/services/lambda_/test_lambda_api.snapshot.json`, `TestLambdaTag` and
//! `TestLambdaTags`).

use super::access::{authorize_with, target, Target};
use super::config::check_model;
use super::error::LambdaError;
use super::model::{ListTagsRequest, ListTagsResponse, TagResourceRequest, UntagResourceRequest};
use super::services::LambdaServices;
use super::store::Function;
use crate::context::RequestContext;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The most tags a function may carry (Tagging AWS Resources, "Tag naming limits and
/// requirements": 50 user tags per resource).
pub const MAX_TAGS: usize = 50;

/// Lambda's refusal of more than [`MAX_TAGS`] tags (on TagResource and CreateFunction).
pub fn too_many_tags() -> LambdaError {
    LambdaError::InvalidParameterValue("Number of tags exceeds resource tag limit.".to_owned())
}

/// The function a `Resource` member names, once the model's pattern has held: another
/// kind of Lambda resource is not found (the emulator has none of them), a version or an
/// alias cannot carry tags.
fn function_target(ctx: &RequestContext, resource: &str) -> Result<Target, LambdaError> {
    // arn:PARTITION:lambda:REGION:ACCOUNT:KIND:NAME[:QUALIFIER]
    let kind = resource.split(':').nth(5).unwrap_or("");
    match kind {
        "function" => {}
        "event-source-mapping" => {
            return Err(LambdaError::ResourceNotFound(format!(
                "Event source mapping not found: {resource}"
            )))
        }
        "capacity-provider" => {
            return Err(LambdaError::ResourceNotFound(format!(
                "Capacity provider not found: {resource}"
            )))
        }
        _ => {
            return Err(LambdaError::ResourceNotFound(format!(
                "Resource not found: {resource}"
            )))
        }
    }
    let target = target(ctx, resource, 256)?;
    if target.reference.qualifier.is_some() {
        return Err(LambdaError::InvalidParameterValue(
            "Tags on function aliases and versions are not supported. Please specify a function ARN."
                .to_owned(),
        ));
    }
    Ok(target)
}

/// The function a target names in this account and region.
fn find(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    target: &Target,
) -> Result<Arc<Function>, LambdaError> {
    if target.account != ctx.account {
        return Err(LambdaError::function_not_found(&target.arn));
    }
    state
        .functions(&ctx.region)
        .get(&target.reference.name)
        .ok_or_else(|| LambdaError::function_not_found(&target.arn))
}

/// TagResource: adds or overwrites tags, within [`MAX_TAGS`]; authorised as
/// `lambda:TagResource` on the function with the request's tags as `aws:RequestTag/*`
/// and `aws:TagKeys` (Service Authorization Reference, "Actions, resources, and condition
/// keys for AWS Lambda").
pub fn tag_resource(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    input: TagResourceRequest,
) -> Result<(), LambdaError> {
    check_model(&input)?;
    let resource = input.resource.as_deref().unwrap_or_default();
    let target = function_target(ctx, resource)?;
    let tags = input.tags.unwrap_or_default();
    authorize_with(
        state,
        ctx,
        "lambda:TagResource",
        &target.arn,
        &target.account,
        &|keys| request_tag_keys(keys, &tags),
    )?;
    if tags.is_empty() {
        return Err(LambdaError::InvalidParameterValue(
            "An error occurred and the request cannot be processed.".to_owned(),
        ));
    }
    let function = find(state, ctx, &target)?;
    function.refuse_while_changing()?;
    function.retag(|current| {
        let mut next = current.clone();
        next.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        if next.len() > MAX_TAGS {
            return Err(too_many_tags());
        }
        Ok(next)
    })?;
    tracing::debug!(function = %target.arn, request_id = %ctx.request_id, "function tagged");
    Ok(())
}

/// UntagResource: removes the keys given (absent ones are ignored); authorised as
/// `lambda:UntagResource` with `aws:TagKeys`.
pub fn untag_resource(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    input: UntagResourceRequest,
) -> Result<(), LambdaError> {
    check_model(&input)?;
    let resource = input.resource.as_deref().unwrap_or_default();
    let target = function_target(ctx, resource)?;
    let keys_removed = input.tag_keys.unwrap_or_default();
    authorize_with(
        state,
        ctx,
        "lambda:UntagResource",
        &target.arn,
        &target.account,
        &|keys| keys.insert_many("aws:TagKeys", keys_removed.clone()),
    )?;
    let function = find(state, ctx, &target)?;
    function.refuse_while_changing()?;
    function.retag(|current| {
        let mut next = current.clone();
        for key in &keys_removed {
            next.remove(key);
        }
        Ok(next)
    })?;
    tracing::debug!(function = %target.arn, request_id = %ctx.request_id, "function untagged");
    Ok(())
}

/// ListTags: the function's tags (an empty map when it has none).
pub fn list_tags(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    input: ListTagsRequest,
) -> Result<ListTagsResponse, LambdaError> {
    check_model(&input)?;
    let resource = input.resource.as_deref().unwrap_or_default();
    let target = function_target(ctx, resource)?;
    authorize_with(
        state,
        ctx,
        "lambda:ListTags",
        &target.arn,
        &target.account,
        &|_| {},
    )?;
    let function = find(state, ctx, &target)?;
    Ok(ListTagsResponse {
        tags: Some(function.current().config.tags.clone()),
    })
}

/// A request's tags as `aws:RequestTag/KEY` and `aws:TagKeys`.
pub fn request_tag_keys(
    keys: &mut crate::iam::policy::ContextKeys,
    tags: &BTreeMap<String, String>,
) {
    for (k, v) in tags {
        keys.insert(&format!("aws:RequestTag/{k}"), v.as_str());
    }
    keys.insert_many("aws:TagKeys", tags.keys().cloned().collect());
}
