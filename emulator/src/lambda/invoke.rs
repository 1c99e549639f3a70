//! Invoke: `POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=]` with
//! `X-Amz-Invocation-Type` RequestResponse (200, the function's answer), Event (202, run
//! in the background, queued while the function is at its concurrency limit) or DryRun
//! (204), `X-Amz-Log-Type: Tail`, `X-Amz-Client-Context`, Lambda's payload limits, and
//! `TooManyRequestsException` when a synchronous invocation finds every environment busy.

use super::access::{authorize, target, Target};
use super::error::LambdaError;
use super::execution::{self, Request};
use super::model::InvocationRequest;
use super::services::LambdaServices;
use crate::context::RequestContext;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use std::sync::Arc;

/// The largest synchronous payload.
pub const MAX_SYNC_PAYLOAD: usize = 6 * 1024 * 1024;
/// The largest asynchronous (Event) payload.
pub const MAX_EVENT_PAYLOAD: usize = 256 * 1024;
/// The longest `X-Amz-Client-Context`.
pub const MAX_CLIENT_CONTEXT: usize = 3583;

/// Invoke's answer: a status, the payload and the output headers.
#[derive(Debug)]
pub struct InvokeOutput {
    pub status: StatusCode,
    pub payload: Bytes,
    /// `X-Amz-Function-Error`.
    pub function_error: Option<&'static str>,
    /// `X-Amz-Log-Result`: the last 4 KB of the log, base64.
    pub log_result: Option<String>,
    /// `X-Amz-Executed-Version`.
    pub executed_version: Option<String>,
}

/// Invoke's input: its members from the path, query and headers (the generated type),
/// the raw payload, and the headers the model does not list (`X-Amzn-Trace-Id`).
#[derive(Debug)]
pub struct InvokeInput<'a> {
    pub request: InvocationRequest,
    pub headers: &'a HeaderMap,
    pub payload: Bytes,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The client context as the runtime receives it: the decoded JSON object, compact.
fn client_context(encoded: &str) -> Result<String, LambdaError> {
    if encoded.len() > MAX_CLIENT_CONTEXT {
        return Err(LambdaError::InvalidParameterValue(format!(
            "Client context must be at most {MAX_CLIENT_CONTEXT} bytes of base64."
        )));
    }
    let invalid = || {
        LambdaError::InvalidRequestContent(
            "Client context must be a valid Base64-encoded JSON object.".to_owned(),
        )
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| invalid())?;
    match serde_json::from_slice::<serde_json::Value>(&decoded) {
        Ok(value @ serde_json::Value::Object(_)) => Ok(value.to_string()),
        _ => Err(invalid()),
    }
}

/// The function an Invoke names, after authorisation.
fn resolve(
    state: &dyn LambdaServices,
    ctx: &RequestContext,
    input: &InvokeInput<'_>,
) -> Result<(Target, Arc<super::store::Function>), LambdaError> {
    let name = input.request.function_name.as_deref().unwrap_or_default();
    let target = target(ctx, name, 256)?;
    let target = Target {
        reference: target
            .reference
            .clone()
            .with_qualifier(input.request.qualifier.as_deref())?,
        ..target
    };
    authorize(
        state,
        ctx,
        "lambda:InvokeFunction",
        &target.qualified_arn(),
        &target.account,
    )?;
    let function = state
        .functions(&ctx.region)
        .get(&target.reference.name)
        .ok_or_else(|| LambdaError::function_not_found(&target.qualified_arn()))?;
    Ok((target, function))
}

/// Lambda invokes only `Active` functions. Its words for the others, as the AWS CLI shows
/// them: "The operation cannot be performed at this time. The function is currently in
/// the following state: Pending" (remotion-dev/remotion#1186, quoting an Invoke right
/// after CreateFunction), and the same with `Failed` (LocalStack's documentation of its
/// Lambda, which copies AWS's answer).
fn refuse_unless_active(code: &super::code::CodePackage) -> Result<(), LambdaError> {
    let state = match code.state() {
        super::code::CodeState::Active => return Ok(()),
        super::code::CodeState::Pending => {
            // Its build normally started when it was loaded; if nothing could start it
            // then (no runtime), it starts now.
            code.start_build();
            "Pending"
        }
        super::code::CodeState::Failed(_) => "Failed",
    };
    Err(super::updates::not_active(state))
}

/// Invoke.
pub async fn invoke(
    state: &Arc<dyn LambdaServices>,
    ctx: &RequestContext,
    input: InvokeInput<'_>,
) -> Result<InvokeOutput, LambdaError> {
    super::config::check_model(&input.request)?;
    let invocation_type = input.request.invocation_type.as_deref();
    let log_type = input.request.log_type.as_deref();
    let context = input
        .request
        .client_context
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(client_context)
        .transpose()?;
    let (target, function) = resolve(&**state, ctx, &input)?;
    // An alias picks its version here, by its weights, once per invocation.
    let resolved = super::versions::resolve(&function, &target, true)?;
    let snapshot = resolved.snapshot(&function);
    refuse_unless_active(&snapshot.code)?;
    function.refuse_unless_ready()?;
    let executed_version = snapshot.config.version.clone();
    let tracing_active = snapshot.config.tracing_mode == "Active";
    drop(snapshot);
    let invocation_type = invocation_type.unwrap_or("RequestResponse");
    let (limit, operation) = if invocation_type == "Event" {
        (MAX_EVENT_PAYLOAD, "InvokeAsync")
    } else {
        (MAX_SYNC_PAYLOAD, "InvokeFunction")
    };
    if input.payload.len() > limit {
        return Err(LambdaError::RequestTooLarge(format!(
            "Request must be smaller than {limit} bytes for the {operation} operation"
        )));
    }
    let payload = if input.payload.iter().all(u8::is_ascii_whitespace) {
        Bytes::from_static(b"{}")
    } else {
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&input.payload) {
            return Err(LambdaError::InvalidRequestContent(format!(
                "Could not parse request body into json: Could not parse payload into json: {e}"
            )));
        }
        input.payload
    };
    // `Tracing: Active` samples every invocation (its SDKs then send segments); a
    // caller's trace header is passed through as it is.
    let trace_id = super::xray::header_for(
        header(input.headers, "x-amzn-trace-id").filter(|t| t.starts_with("Root=")),
        tracing_active,
    );
    let request = Request {
        request_id: ctx.request_id.clone(),
        payload,
        invocation_type: if invocation_type == "Event" {
            "Event"
        } else {
            "RequestResponse"
        },
        client_context: context,
        trace_id,
        invoked_arn: target.qualified_arn(),
    };
    match invocation_type {
        "DryRun" => Ok(InvokeOutput {
            status: StatusCode::NO_CONTENT,
            payload: Bytes::new(),
            function_error: None,
            log_result: None,
            executed_version: None,
        }),
        "Event" => {
            // Bounded in number and in bytes: a caller cannot queue more than
            // `lambda_max_queued_event_bytes` of payloads behind a busy function.
            let Some(queued) = state.lambda().queue_event(
                request.payload.len(),
                state.config().lambda_max_queued_event_bytes,
            ) else {
                return Err(LambdaError::throttled());
            };
            let state = Arc::clone(state);
            tokio::spawn(async move {
                let permit = resolved.pool(&function).permit().await;
                drop(queued);
                let Some(_permit) = permit else {
                    tracing::info!(function = %function.arn, request_id = %request.request_id, "event dropped: the function was deleted");
                    return;
                };
                let request_id = request.request_id.clone();
                match execution::execute(&*state, &function, &resolved, request).await {
                    Ok(outcome) => {
                        if outcome.function_error.is_some() {
                            tracing::info!(function = %function.arn, request_id = %request_id, "event invocation failed with a function error");
                        }
                    }
                    Err(error) => {
                        tracing::info!(function = %function.arn, request_id = %request_id, error = %error, "event invocation could not run");
                    }
                }
            });
            Ok(InvokeOutput {
                status: StatusCode::ACCEPTED,
                payload: Bytes::new(),
                function_error: None,
                log_result: None,
                executed_version: None,
            })
        }
        _ => {
            let Some(permit) = resolved.pool(&function).try_permit() else {
                return Err(LambdaError::throttled());
            };
            // As on AWS, an invocation runs to its end even if the caller hangs up.
            let state = Arc::clone(state);
            let outcome = tokio::spawn(async move {
                let _permit = permit;
                execution::execute(&*state, &function, &resolved, request).await
            })
            .await
            .map_err(|e| LambdaError::Service(format!("The invocation failed: {e}")))??;
            let log_result = (log_type == Some("Tail"))
                .then(|| base64::engine::general_purpose::STANDARD.encode(outcome.log.tail()));
            Ok(InvokeOutput {
                status: StatusCode::OK,
                payload: outcome.payload,
                function_error: outcome.function_error,
                log_result,
                executed_version: Some(executed_version),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_contexts_must_be_base64_json_objects_within_the_limit() {
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(r#"{ "custom": {"k": "v"} }"#);
        assert_eq!(client_context(&encoded).unwrap(), r#"{"custom":{"k":"v"}}"#);
        assert!(matches!(
            client_context("%%%"),
            Err(LambdaError::InvalidRequestContent(_))
        ));
        let array = base64::engine::general_purpose::STANDARD.encode("[1]");
        assert!(client_context(&array).is_err());
        assert!(matches!(
            client_context(&"A".repeat(MAX_CLIENT_CONTEXT + 1)),
            Err(LambdaError::InvalidParameterValue(_))
        ));
    }
}
