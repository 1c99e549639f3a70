//! Test function: answers with its event and what Lambda told it (request id, deadline,
//! function ARN, trace id, client context, environment, process id). `{"sleep_ms": N}`
//! makes it wait, `{"print": TEXT}` writes a line to its log, `{"fail": MESSAGE}` makes
//! it return a function error.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Map, Value};
use std::time::Duration;

/// The variables whose values the answer shows (never the secret key or the token).
const SHOWN: &[&str] = &[
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "_HANDLER",
    "LAMBDA_TASK_ROOT",
    "_X_AMZN_TRACE_ID",
    "STAGE",
];

async fn handle(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let (payload, context) = event.into_parts();
    if let Some(ms) = payload.get("sleep_ms").and_then(Value::as_u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if let Some(text) = payload.get("print").and_then(Value::as_str) {
        println!("{text}");
    }
    if let Some(message) = payload.get("fail").and_then(Value::as_str) {
        return Err(message.into());
    }
    let mut env = Map::new();
    for name in SHOWN {
        if let Ok(value) = std::env::var(name) {
            env.insert((*name).to_owned(), Value::String(value));
        }
    }
    let names: Vec<String> = std::env::vars().map(|(name, _)| name).collect();
    Ok(json!({
        "event": payload,
        "requestId": context.request_id,
        "functionArn": context.invoked_function_arn,
        "deadlineMs": context.deadline,
        "traceId": context.xray_trace_id,
        "clientContext": context.client_context.map(|c| c.custom),
        "pid": std::process::id(),
        "env": env,
        "envNames": names,
        "hasSecret": std::env::var("AWS_SECRET_ACCESS_KEY").is_ok_and(|s| !s.is_empty() && s != "test"),
        "hasToken": std::env::var("AWS_SESSION_TOKEN").is_ok_and(|s| !s.is_empty()),
    }))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handle)).await
}
