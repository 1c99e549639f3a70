//! LabelParameterVersion and UnlabelParameterVersion.

use super::error::{validated, SsmError};
use super::model::*;
use super::names::parse_reference;
use super::params::required_name;
use super::store::not_found;
use crate::context::RequestContext;
use crate::protocol::validation::Validator;
use crate::state::EmulatorState;

/// Checks the members both label operations share, authorises `action` on the parameter
/// and returns the parameter's key, name and labels.
fn check(
    state: &EmulatorState,
    ctx: &RequestContext,
    action: &str,
    input: &ParameterLabelsInput,
    version_required: bool,
) -> Result<(String, String, Vec<String>), SsmError> {
    let name = required_name(&input.name)?;
    let mut v = Validator::new();
    if version_required {
        v.required("parameterVersion", &input.parameter_version);
    }
    if let Some(list) = v.required("labels", &input.labels) {
        v.list_length("labels", list, 1, 10);
        for label in list {
            v.length("labels", label, 1, 100);
        }
    }
    validated(v.finish())?;
    super::authorize_parameter(state, ctx, action, &name)?;
    let r = parse_reference(&name, &ctx.region, &ctx.account)?
        .filter(|r| r.selector.is_none())
        .ok_or_else(|| not_found(&name))?;
    Ok((r.key, name, input.labels.clone().unwrap_or_default()))
}

/// A version number from the request; one that cannot exist is a missing version.
fn version_number(version: i64, name: &str) -> Result<u64, SsmError> {
    u64::try_from(version).map_err(|_| {
        SsmError::ParameterVersionNotFound(format!(
            "Systems Manager could not find version {version} of {name}. Verify the version and try again."
        ))
    })
}

/// LabelParameterVersion: attaches labels to a version (the newest by default), moving
/// them from other versions; invalid labels come back in `InvalidLabels`.
pub fn label_parameter_version(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: LabelParameterVersionInput,
) -> Result<LabelParameterVersionOutput, SsmError> {
    let (key, name, labels) = check(state, ctx, "ssm:LabelParameterVersion", &input, false)?;
    let version = input
        .parameter_version
        .map(|v| version_number(v, &name))
        .transpose()?;
    let (invalid_labels, parameter_version) = state
        .region(&ctx.region)
        .ssm
        .label(&key, &name, version, &labels)?;
    Ok(LabelParameterVersionOutput {
        invalid_labels,
        parameter_version,
    })
}

/// UnlabelParameterVersion: removes labels from a version; labels not on it come back in
/// `InvalidLabels`.
pub fn unlabel_parameter_version(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: UnlabelParameterVersionInput,
) -> Result<UnlabelParameterVersionOutput, SsmError> {
    let (key, name, labels) = check(state, ctx, "ssm:UnlabelParameterVersion", &input, true)?;
    let version = version_number(input.parameter_version.unwrap_or_default(), &name)?;
    let (removed_labels, invalid_labels) = state
        .region(&ctx.region)
        .ssm
        .unlabel(&key, &name, version, &labels)?;
    Ok(UnlabelParameterVersionOutput {
        removed_labels,
        invalid_labels,
    })
}
