//! Reading and deleting parameters by name: GetParameter, GetParameters,
//! GetParameterHistory, DeleteParameter and DeleteParameters.

use super::error::{validated, SsmError};
use super::model::*;
use super::names::{parse_reference, ParameterRef};
use super::secure;
use super::store::not_found;
use super::token;
use super::{inline_policies, to_parameter};
use crate::context::RequestContext;
use crate::protocol::validation::Validator;
use crate::state::EmulatorState;

/// Resolves a name (or ARN, with selector) that must exist, answering a reference that
/// cannot name a parameter of the request's region and account as `ParameterNotFound`.
fn reference(name: &str, ctx: &RequestContext) -> Result<ParameterRef, SsmError> {
    parse_reference(name, &ctx.region, &ctx.account)?.ok_or_else(|| not_found(name))
}

/// GetParameter.
pub fn get_parameter(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: GetParameterInput,
) -> Result<GetParameterOutput, SsmError> {
    let name = required_name(&input.name)?;
    super::authorize_parameter(state, ctx, "ssm:GetParameter", &name)?;
    // AWS answers a GetParameter miss with an empty message.
    let blank = |e: SsmError| match e {
        SsmError::ParameterNotFound(_) => SsmError::ParameterNotFound(String::new()),
        e => e,
    };
    let r = reference(&name, ctx).map_err(blank)?;
    let region = state.region(&ctx.region);
    let suffix = r.selector.as_ref().map(|s| s.as_suffix());
    // The answer is built under the read lock from the stored version (no copy of it).
    let mut parameter = region
        .ssm
        .with(&r.key, |p| {
            let version = p.select(r.selector.as_ref())?;
            Ok(to_parameter(
                &p.name,
                version,
                &ctx.region,
                &ctx.account,
                suffix,
            ))
        })
        .unwrap_or_else(|| Err(not_found(&r.name)))
        .map_err(blank)?;
    secure::reveal(
        state,
        ctx,
        &mut parameter,
        input.with_decryption.unwrap_or(false),
    )?;
    Ok(GetParameterOutput { parameter })
}

/// Checks a required `Name` member and returns it.
pub(crate) fn required_name(name: &Option<String>) -> Result<String, SsmError> {
    let mut v = Validator::new();
    if let Some(name) = v.required("name", name) {
        v.length("name", name, 1, 2048);
    }
    validated(v.finish())?;
    Ok(name.clone().unwrap_or_default())
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
    for name in &requested {
        super::authorize_parameter(state, ctx, "ssm:GetParameters", name)?;
    }
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
        let found = parse_reference(name, &ctx.region, &ctx.account)
            .ok()
            .flatten()
            .and_then(|r| {
                let (stored, version) =
                    region.ssm.get(&r.key, &r.name, r.selector.as_ref()).ok()?;
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
    let decrypt = input.with_decryption.unwrap_or(false);
    for parameter in &mut output.parameters {
        secure::reveal(state, ctx, parameter, decrypt)?;
    }
    Ok(output)
}

/// DeleteParameter.
pub fn delete_parameter(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: DeleteParameterInput,
) -> Result<Empty, SsmError> {
    let name = required_name(&input.name)?;
    super::authorize_parameter(state, ctx, "ssm:DeleteParameter", &name)?;
    let r = reference(&name, ctx)?;
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
    for name in &requested {
        super::authorize_parameter(state, ctx, "ssm:DeleteParameters", name)?;
    }
    let region = state.region(&ctx.region);
    let mut output = DeleteParametersOutput {
        deleted_parameters: Vec::new(),
        invalid_parameters: Vec::new(),
    };
    for name in requested {
        let deleted = match parse_reference(&name, &ctx.region, &ctx.account) {
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

/// GetParameterHistory: every kept version, oldest first, in pages of up to 50.
pub fn get_parameter_history(
    state: &EmulatorState,
    ctx: &RequestContext,
    input: GetParameterHistoryInput,
) -> Result<GetParameterHistoryOutput, SsmError> {
    let name = required_name(&input.name)?;
    let mut v = Validator::new();
    v.range("maxResults", input.max_results, 1, 50);
    validated(v.finish())?;
    super::authorize_parameter(state, ctx, "ssm:GetParameterHistory", &name)?;
    let r = reference(&name, ctx)?;
    if r.selector.is_some() {
        return Err(not_found(&name));
    }
    let start = match input.next_token.as_deref() {
        Some(t) => token::decode("idx", t)?.parse().map_err(|_| {
            SsmError::InvalidNextToken("The specified token isn't valid.".to_owned())
        })?,
        None => 0,
    };
    let limit = input.max_results.unwrap_or(50) as usize;
    let (mut parameters, total) = state
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
                    allowed_pattern: pv.allowed_pattern.as_ref().map(|p| p.as_str().to_owned()),
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
    if input.with_decryption.unwrap_or(false) {
        // The context the value was encrypted under names the parameter, however the
        // request wrote it (a name or its ARN).
        let arn = super::names::arn(&ctx.region, &ctx.account, &r.name);
        for entry in &mut parameters {
            if entry.kind == super::store::ParameterType::SecureString.as_str() {
                entry.value = secure::decrypt(state, ctx, &arn, &entry.value)?;
            }
        }
    }
    let end = start + parameters.len();
    Ok(GetParameterHistoryOutput {
        parameters,
        next_token: (end < total).then(|| token::encode("idx", &end.to_string())),
    })
}
