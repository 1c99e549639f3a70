//! X-Ray end to end with the reference scenario's own function (`handler/`): with tracing
//! `Active`, the invocation record shows the subsegments the function sent to the
//! emulator's X-Ray daemon (`load_config` with its SSM call, measured at initialisation
//! and reported with the first invocation; `lambda_handler` for each invocation) beside
//! the platform's `Initialization` and `Invocation`.

use crate::common::{endpoint, runs_in_process_only, unique};
use crate::lambda_managed::records_of;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, FunctionCode, Runtime, TracingConfig, TracingMode};
use aws_sdk_lambda::Client;
use serde_json::Value;

const SCENARIO_ROLE: &str = "arn:aws:iam::123456789012:role/ParameterStoreBlogFunctionRoleDev";
const HANDLER: &str = env!("CARGO_BIN_EXE_scenario-handler");

/// The timeline of the `index`th invocation of `name`, once it holds an entry named
/// `wanted` (segments arrive over UDP, a moment after the answer).
async fn timeline(name: &str, index: usize, wanted: &str) -> Vec<Value> {
    let mut entries = Vec::new();
    for _ in 0..50 {
        let records = records_of(name).await;
        entries = records
            .get(index)
            .and_then(|r| r["xray"].as_array().cloned())
            .unwrap_or_default();
        if entries.iter().any(|e| e["name"] == wanted) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    entries
}

fn named<'a>(entries: &'a [Value], name: &str) -> &'a Value {
    entries
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {entries:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_function_reports_its_subsegments_when_tracing_is_active_in_process_only() {
    if !runs_in_process_only(
        "the_reference_function_reports_its_subsegments_when_tracing_is_active_in_process_only",
        "it deploys the handler binary of this build from its path",
    ) {
        return;
    }
    endpoint();
    let client = Client::new(&aws_config::load_from_env().await);
    let name = unique("traced-reference-");
    client
        .create_function()
        .function_name(&name)
        .runtime(Runtime::Providedal2023)
        .role(SCENARIO_ROLE)
        .handler("bootstrap")
        .code(
            FunctionCode::builder()
                .s3_bucket("__local__")
                .s3_key(HANDLER)
                .build(),
        )
        .environment(
            Environment::builder()
                .variables("ENV", "dev")
                .variables("APP_CONFIG_PATH", "parameterStoreBlog")
                .build(),
        )
        .tracing_config(TracingConfig::builder().mode(TracingMode::Active).build())
        .send()
        .await
        .unwrap();
    for _ in 0..2 {
        let out = client
            .invoke()
            .function_name(&name)
            .payload(Blob::new("{}"))
            .send()
            .await
            .unwrap();
        assert_eq!(out.function_error(), None);
        let body = String::from_utf8_lossy(out.payload().unwrap().as_ref()).into_owned();
        assert!(body.contains("MyApp config is"), "{body}");
    }
    // The first invocation: the initialisation's work and the handler's.
    let first = timeline(&name, 0, "SSM").await;
    let load = named(&first, "load_config");
    let call = named(&first, "SSM");
    assert_eq!(call["namespace"], "aws", "{call}");
    assert_eq!(call["operation"], "GetParametersByPath", "{call}");
    assert_eq!(call["httpStatus"], 200, "{call}");
    assert_eq!(call["parentId"], load["id"], "{first:?}");
    assert!(call["durationMs"].as_f64().is_some(), "{call}");
    named(&first, "lambda_handler");
    // The platform's own subsegments frame them: the initialisation holds load_config.
    let init = named(&first, "Initialization");
    assert!(
        init["startTime"].as_f64().unwrap() <= load["startTime"].as_f64().unwrap() + 0.05,
        "{first:?}"
    );
    named(&first, "Invocation");
    // A warm invocation reports only the handler's work.
    let second = timeline(&name, 1, "lambda_handler").await;
    named(&second, "lambda_handler");
    assert!(
        second.iter().all(|e| e["name"] != "load_config"),
        "{second:?}"
    );
    // Nothing of the configuration's values is kept.
    let all = serde_json::to_string(&first).unwrap();
    assert!(!all.contains("value1"), "{all}");
    client
        .delete_function()
        .function_name(&name)
        .send()
        .await
        .unwrap();
}

/// The reference scenario's function is declared with `tracing: Active`, as the blog
/// post's template declares it: every invocation's record shows the handler's subsegment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_fixture_function_is_traced() {
    use aws_sdk_lambda::operation::RequestId;
    endpoint();
    let client = Client::new(&aws_config::load_from_env().await);
    let name = "ParameterStoreBlogFunctionDev";
    let config = client
        .get_function_configuration()
        .function_name(name)
        .send()
        .await
        .unwrap();
    assert_eq!(
        config.tracing_config().and_then(|t| t.mode()),
        Some(&TracingMode::Active)
    );
    let out = client
        .invoke()
        .function_name(name)
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.function_error(), None);
    let request_id = out.request_id().unwrap_or_default().to_owned();
    let mut entries = Vec::new();
    for _ in 0..50 {
        entries = records_of(name)
            .await
            .into_iter()
            .find(|r| r["requestId"] == request_id.as_str())
            .and_then(|r| r["xray"].as_array().cloned())
            .unwrap_or_default();
        if entries.iter().any(|e| e["name"] == "lambda_handler") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    named(&entries, "lambda_handler");
    named(&entries, "Invocation");
}
