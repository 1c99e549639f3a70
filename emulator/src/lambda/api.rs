//! A Lambda request, once routed and authenticated: its members read from path, query,
//! headers and body, the operation run, and its answer written in restJson1.

use super::error::LambdaError;
use super::functions;
use super::invoke::{self, InvokeInput};
use super::model;
use super::routes::{Matched, Operation};
use super::services::LambdaServices;
use super::tags;
use super::versions;
use crate::context::RequestContext;
use crate::protocol::rest_json::{self, HttpMembers, Unparsed};
use axum::body::Bytes;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// The largest CreateFunction or UpdateFunctionCode request (a 50 MB package, base64).
pub const MAX_CODE_REQUEST: usize = 69_905_067;

/// How large a request for `operation` may be: code uploads are larger than other bodies.
pub fn body_limit(operation: Option<Operation>, default: usize) -> usize {
    match operation {
        Some(Operation::CreateFunction | Operation::UpdateFunctionCode) => MAX_CODE_REQUEST,
        _ => default,
    }
}

/// The error for a body over `body_limit`.
pub fn too_large(matched: &Matched, limit: usize) -> LambdaError {
    match matched.operation {
        Some(Operation::Invoke) => LambdaError::RequestTooLarge(format!(
            "Request must be smaller than {} bytes for the InvokeFunction operation",
            invoke::MAX_SYNC_PAYLOAD
        )),
        _ => LambdaError::RequestEntityTooLarge(format!(
            "Request must be smaller than {limit} bytes for the {} operation",
            matched.name
        )),
    }
}

/// A Lambda request's members besides the path.
#[derive(Debug)]
pub struct LambdaRequest<'a> {
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: Bytes,
}

/// Decodes a JSON body, refusing other media types.
fn json_body<I: DeserializeOwned>(request: &LambdaRequest<'_>) -> Result<I, LambdaError> {
    let content_type = request
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if !rest_json::accepts_json_content_type(content_type) {
        return Err(LambdaError::UnsupportedMediaType(format!(
            "The content type {} is not supported: send application/json.",
            content_type.unwrap_or("")
        )));
    }
    rest_json::decode(&request.body).map_err(|e| {
        LambdaError::InvalidRequestContent(format!(
            "Could not parse request body into json: Could not parse payload into json: {e}"
        ))
    })
}

fn json<O: serde::Serialize>(ctx: &RequestContext, status: StatusCode, output: &O) -> Response {
    rest_json::success(&ctx.request_id, status, rest_json::encode(output))
}

/// Runs the operation a request was matched to and writes its answer.
pub async fn handle<S: LambdaServices>(
    state: &Arc<S>,
    ctx: &RequestContext,
    matched: &Matched,
    request: LambdaRequest<'_>,
) -> Response {
    // The operations see only Lambda's narrow services; Invoke keeps them alive for
    // the Event invocations it leaves running.
    let services: Arc<dyn LambdaServices> = Arc::clone(state) as Arc<dyn LambdaServices>;
    match run(&services, ctx, matched, request).await {
        Ok(response) => response,
        Err(error) => {
            tracing::debug!(
                operation = matched.name,
                code = crate::protocol::AwsError::code(&error),
                request_id = %ctx.request_id,
                "operation failed"
            );
            rest_json::error(&ctx.request_id, &error)
        }
    }
}

/// An operation's input: its JSON body if it has one, then its members outside the body
/// (labels, query string, headers) from where the model places them.
trait Bound: Default + DeserializeOwned {
    fn bind(&mut self, http: &HttpMembers<'_>) -> Result<(), Unparsed>;
}

macro_rules! bound {
    ($($input:ident),* $(,)?) => {
        $(impl Bound for model::$input {
            fn bind(&mut self, http: &HttpMembers<'_>) -> Result<(), Unparsed> {
                model::$input::bind(self, http)
            }
        })*
    };
}

bound!(
    CreateAliasRequest,
    DeleteAliasRequest,
    DeleteFunctionRequest,
    GetAliasRequest,
    GetFunctionConfigurationRequest,
    GetFunctionRequest,
    InvocationRequest,
    ListAliasesRequest,
    ListFunctionsRequest,
    ListTagsRequest,
    ListVersionsByFunctionRequest,
    PublishVersionRequest,
    TagResourceRequest,
    UntagResourceRequest,
    UpdateAliasRequest,
    UpdateFunctionCodeRequest,
    UpdateFunctionConfigurationRequest,
);

/// Reads an input without a body.
fn members<I: Bound>(http: &HttpMembers<'_>) -> Result<I, LambdaError> {
    let mut input = I::default();
    bind(&mut input, http)?;
    Ok(input)
}

/// Reads an input with a JSON body.
fn with_body<I: Bound>(
    request: &LambdaRequest<'_>,
    http: &HttpMembers<'_>,
) -> Result<I, LambdaError> {
    let mut input: I = json_body(request)?;
    bind(&mut input, http)?;
    Ok(input)
}

fn bind<I: Bound>(input: &mut I, http: &HttpMembers<'_>) -> Result<(), LambdaError> {
    input.bind(http).map_err(|e| {
        LambdaError::InvalidRequestContent(format!(
            "Could not parse request: {} '{}' is not an integer.",
            e.member, e.text
        ))
    })
}

async fn run(
    state: &Arc<dyn LambdaServices>,
    ctx: &RequestContext,
    matched: &Matched,
    request: LambdaRequest<'_>,
) -> Result<Response, LambdaError> {
    let Some(operation) = matched.operation else {
        return Err(LambdaError::NotImplemented(format!(
            "The operation {} exists in AWS Lambda but is not implemented by this emulator.",
            matched.name
        )));
    };
    let name = matched.member("FunctionName").unwrap_or("");
    let http = HttpMembers::new(&matched.members, request.query, request.headers);
    Ok(match operation {
        Operation::CreateFunction => {
            // CreateFunction has no member outside its body.
            let input = json_body(&request)?;
            let output = functions::create(&**state, ctx, input).await?;
            json(ctx, StatusCode::CREATED, &output)
        }
        Operation::GetFunction => {
            let host = http.header(header::HOST.as_str());
            let output = functions::get(&**state, ctx, members(&http)?, host)?;
            json(ctx, StatusCode::OK, &output)
        }
        Operation::GetFunctionConfiguration => {
            let output = functions::get_configuration(&**state, ctx, members(&http)?)?;
            json(ctx, StatusCode::OK, &output)
        }
        Operation::ListFunctions => {
            let output = functions::list(&**state, ctx, members(&http)?)?;
            json(ctx, StatusCode::OK, &output)
        }
        Operation::UpdateFunctionConfiguration => {
            let output =
                functions::update_configuration(&**state, ctx, name, with_body(&request, &http)?)?;
            json(ctx, StatusCode::OK, &output)
        }
        Operation::UpdateFunctionCode => {
            let input = with_body(&request, &http)?;
            let output = functions::update_code(&**state, ctx, name, input).await?;
            json(ctx, StatusCode::OK, &output)
        }
        Operation::DeleteFunction => {
            functions::delete(&**state, ctx, members(&http)?)?;
            rest_json::empty(&ctx.request_id, StatusCode::NO_CONTENT)
        }
        Operation::PublishVersion => {
            let input = with_body(&request, &http)?;
            let output = versions::publish_version(&**state, ctx, name, input)?;
            json(ctx, StatusCode::CREATED, &output)
        }
        Operation::ListVersionsByFunction => {
            let output = versions::list_versions(&**state, ctx, members(&http)?)?;
            json(ctx, StatusCode::OK, &output)
        }
        Operation::CreateAlias => {
            let input = with_body(&request, &http)?;
            let output = versions::create_alias(&**state, ctx, name, input)?;
            json(ctx, StatusCode::CREATED, &output)
        }
        Operation::GetAlias => {
            let output = versions::get_alias(&**state, ctx, members(&http)?)?;
            json(ctx, StatusCode::OK, &output)
        }
        Operation::UpdateAlias => {
            let alias = matched.member("Name").unwrap_or("");
            let input = with_body(&request, &http)?;
            let output = versions::update_alias(&**state, ctx, name, alias, input)?;
            json(ctx, StatusCode::OK, &output)
        }
        Operation::DeleteAlias => {
            versions::delete_alias(&**state, ctx, members(&http)?)?;
            rest_json::empty(&ctx.request_id, StatusCode::NO_CONTENT)
        }
        Operation::ListAliases => {
            let output = versions::list_aliases(&**state, ctx, members(&http)?)?;
            json(ctx, StatusCode::OK, &output)
        }
        Operation::TagResource => {
            tags::tag_resource(&**state, ctx, with_body(&request, &http)?)?;
            rest_json::empty(&ctx.request_id, StatusCode::NO_CONTENT)
        }
        Operation::UntagResource => {
            tags::untag_resource(&**state, ctx, members(&http)?)?;
            rest_json::empty(&ctx.request_id, StatusCode::NO_CONTENT)
        }
        Operation::ListTags => {
            let output = tags::list_tags(&**state, ctx, members(&http)?)?;
            json(ctx, StatusCode::OK, &output)
        }
        Operation::Invoke => {
            let output = invoke::invoke(
                state,
                ctx,
                InvokeInput {
                    request: members(&http)?,
                    headers: request.headers,
                    payload: request.body,
                },
            )
            .await?;
            let mut headers: Vec<(&str, String)> = Vec::new();
            if let Some(error) = output.function_error {
                headers.push(("x-amz-function-error", error.to_owned()));
            }
            if let Some(log) = output.log_result {
                headers.push(("x-amz-log-result", log));
            }
            if let Some(version) = output.executed_version {
                headers.push(("x-amz-executed-version", version));
            }
            rest_json::payload(&ctx.request_id, output.status, &headers, output.payload)
        }
    })
}
