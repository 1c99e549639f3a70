//! Reading and deleting parameters by name: GetParameter, GetParameters,
//! GetParameterHistory, DeleteParameter and DeleteParameters.

use super::error::{validated, SsmError};
use super::model::*;
use super::names::{parse_reference, ParameterRef};
use super::store::not_found;
use super::{inline_policies, to_parameter};
use crate::context::RequestContext;
use crate::protocol::validation::Validator;
use crate::state::EmulatorState;
use base64::Engine;

/// Resolves a name (or ARN, with selector) that must exist, answering a reference that
/// cannot name a parameter as `ParameterNotFound`.
fn reference(name: &str) -> Result<ParameterRef, SsmError> {
    parse_reference(name)?.ok_or_else(|| not_found(name))
}

/// GetParameter.
pub fn get_parameter(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: GetParameterInput,
) -> Result<GetParameterOutput, SsmError> {
    let mut v = Validator::new();
    if let Some(name) = v.required("name", &input.name) {
        v.length("name", name, 1, 2048);
    }
    validated(v.finish())?;
    let name = input.name.unwrap_or_default();
    // AWS answers a GetParameter miss with an empty message.
    let blank = |e: SsmError| match e {
        SsmError::ParameterNotFound(_) => SsmError::ParameterNotFound(String::new()),
        e => e,
    };
    let r = reference(&name).map_err(blank)?;
    let region = state.region(&ctx.region);
    let (stored_name, version) = region
        .ssm
        .get(&r.key, &r.name, r.selector.as_ref())
        .map_err(blank)?;
    Ok(GetParameterOutput {
        parameter: to_parameter(
            &stored_name,
            &version,
            &ctx.region,
            &ctx.account,
            r.selector.map(|s| s.as_suffix()),
        ),
    })
}

fn check_names(field: &str, names: &Option<Vec<String>>) -> Result<Vec<String>, SsmError> {
    let mut v = Validator::new();
    if let Some(list) = v.required(field, names) {
        v.list_length(field, list, 1, 10);
        for name in list {
            v.length(field, name, 1, 2048);
        }
    }
    validated(v.finish())?;
    Ok(names.clone().unwrap_or_default())
}

/// GetParameters: found parameters, sorted by name; the rest in `InvalidParameters`.
pub fn get_parameters(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: GetParametersInput,
) -> Result<GetParametersOutput, SsmError> {
    let requested = check_names("names", &input.names)?;
    let region = state.region(&ctx.region);
    let mut output = GetParametersOutput {
        parameters: Vec::new(),
        invalid_parameters: Vec::new(),
    };
    let mut seen: Vec<&str> = Vec::with_capacity(requested.len());
    for name in &requested {
        if seen.contains(&name.as_str()) {
            continue;
        }
        seen.push(name);
        let found = parse_reference(name).ok().flatten().and_then(|r| {
            let (stored, version) = region.ssm.get(&r.key, &r.name, r.selector.as_ref()).ok()?;
            Some(to_parameter(
                &stored,
                &version,
                &ctx.region,
                &ctx.account,
                r.selector.map(|s| s.as_suffix()),
            ))
        });
        match found {
            Some(parameter) => output.parameters.push(parameter),
            None => output.invalid_parameters.push(name.clone()),
        }
    }
    output.parameters.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(output)
}

/// DeleteParameter.
pub fn delete_parameter(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: DeleteParameterInput,
) -> Result<Empty, SsmError> {
    let mut v = Validator::new();
    if let Some(name) = v.required("name", &input.name) {
        v.length("name", name, 1, 2048);
    }
    validated(v.finish())?;
    let name = input.name.unwrap_or_default();
    let r = reference(&name)?;
    if r.selector.is_some() || !state.region(&ctx.region).ssm.delete(&r.key) {
        return Err(not_found(&name));
    }
    Ok(Empty {})
}

/// DeleteParameters: deleted names, and those that named no parameter.
pub fn delete_parameters(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: DeleteParametersInput,
) -> Result<DeleteParametersOutput, SsmError> {
    let requested = check_names("names", &input.names)?;
    let region = state.region(&ctx.region);
    let mut output = DeleteParametersOutput {
        deleted_parameters: Vec::new(),
        invalid_parameters: Vec::new(),
    };
    for name in requested {
        let deleted = match parse_reference(&name) {
            Ok(Some(r)) if r.selector.is_none() => region.ssm.delete(&r.key),
            _ => false,
        };
        if deleted {
            output.deleted_parameters.push(name);
        } else if !output.invalid_parameters.contains(&name)
            && !output.deleted_parameters.contains(&name)
        {
            output.invalid_parameters.push(name);
        }
    }
    Ok(output)
}

/// Encodes a position in a list as an opaque NextToken.
pub(crate) fn index_token(index: usize) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("idx:{index}"))
}

/// Decodes a token made by [`index_token`].
pub(crate) fn parse_index_token(token: &str) -> Result<usize, SsmError> {
    base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("idx:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| SsmError::InvalidNextToken("The specified token isn't valid.".to_owned()))
}

/// GetParameterHistory: every kept version, oldest first, in pages of up to 50.
pub fn get_parameter_history(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: GetParameterHistoryInput,
) -> Result<GetParameterHistoryOutput, SsmError> {
    let mut v = Validator::new();
    if let Some(name) = v.required("name", &input.name) {
        v.length("name", name, 1, 2048);
    }
    v.range("maxResults", input.max_results, 1, 50);
    validated(v.finish())?;
    let name = input.name.unwrap_or_default();
    let r = reference(&name)?;
    if r.selector.is_some() {
        return Err(not_found(&name));
    }
    let start = input
        .next_token
        .as_deref()
        .map(parse_index_token)
        .transpose()?
        .unwrap_or(0);
    let limit = input.max_results.unwrap_or(50) as usize;
    let (parameters, total) = state
        .region(&ctx.region)
        .ssm
        .with(&r.key, |p| {
            let page = p
                .versions
                .iter()
                .skip(start)
                .take(limit)
                .map(|pv| ParameterHistory {
                    name: p.name.clone(),
                    kind: pv.kind.as_str(),
                    key_id: pv.key_id.clone(),
                    last_modified_date: pv.last_modified,
                    last_modified_user: pv.last_modified_user.clone(),
                    description: pv.description.clone(),
                    value: pv.value.clone(),
                    allowed_pattern: pv.allowed_pattern.clone(),
                    version: pv.version,
                    labels: pv.labels.clone(),
                    tier: pv.tier.as_str(),
                    policies: inline_policies(pv),
                    data_type: pv.data_type.clone(),
                })
                .collect::<Vec<_>>();
            (page, p.versions.len())
        })
        .ok_or_else(|| not_found(&name))?;
    let end = start + parameters.len();
    Ok(GetParameterHistoryOutput {
        parameters,
        next_token: (end < total).then(|| index_token(end)),
    })
}
