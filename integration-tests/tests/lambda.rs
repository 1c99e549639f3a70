//! Lambda end to end, with the official `aws-sdk-lambda` client: functions created from
//! the test functions in `src/bin` (built with `lambda_runtime`), run in real execution
//! environments that call back into the emulator with their role's credentials.

use crate::common::{
    code_of, config_as, endpoint, error_of, fixture_paths, in_process, raw, runs_in_process_only,
    strict_endpoint, unique,
};
use aws_sdk_lambda::client::Waiters;
use aws_sdk_lambda::operation::create_function::CreateFunctionOutput;
use aws_sdk_lambda::operation::RequestId;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Environment, FunctionCode, InvocationType, LastUpdateStatus, LogType, Runtime, State,
    StateReasonCode,
};
use aws_sdk_lambda::Client;
use base64::Engine;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const ACCOUNT: &str = "123456789012";
const ROLE: &str = "arn:aws:iam::123456789012:role/lambda-test-role";
const READER: (&str, &str) = ("AKIALAMBDAREADER0001", "lambda-reader-secret");
const DEPLOYER: (&str, &str) = ("AKIALAMBDADEPLOYER01", "lambda-deployer-secret");

const ECHO: &str = env!("CARGO_BIN_EXE_echo");
const COUNTER: &str = env!("CARGO_BIN_EXE_counter");
const WHOAMI: &str = env!("CARGO_BIN_EXE_whoami");
const SLEEPER: &str = env!("CARGO_BIN_EXE_sleeper");
const PANICKER: &str = env!("CARGO_BIN_EXE_panicker");
const INIT_EXIT: &str = env!("CARGO_BIN_EXE_init-exit");

/// A Lambda client configured only from the environment, as a user's code would be.
async fn lambda() -> Client {
    endpoint();
    Client::new(&aws_config::load_from_env().await)
}

/// A Lambda client signing as a fixture principal.
async fn lambda_as(key: (&str, &str)) -> Client {
    Client::new(&config_as(key.0, key.1, None).await)
}

/// The code of a test function as users deploy it on AWS: a zip holding the binary as
/// `bootstrap`, uploaded in the request, so that it works against an emulator that
/// cannot see this machine's files (a container).
pub(crate) fn zipped(binary: &str) -> FunctionCode {
    FunctionCode::builder()
        .zip_file(Blob::new(bootstrap_zip(binary)))
        .build()
}

/// The emulator's local-executable extension: `S3Bucket` `__local__`, `S3Key` the path.
fn local(binary: &str) -> FunctionCode {
    FunctionCode::builder()
        .s3_bucket("__local__")
        .s3_key(binary)
        .build()
}

async fn create_with(
    client: &Client,
    name: &str,
    code: FunctionCode,
    timeout: i32,
) -> CreateFunctionOutput {
    client
        .create_function()
        .function_name(name)
        .runtime(Runtime::Providedal2023)
        .role(ROLE)
        .handler("bootstrap")
        .code(code)
        .timeout(timeout)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create {name}: {e:?}"))
}

/// Creates a function running `binary`, deployed as a zip.
async fn create(client: &Client, name: &str, binary: &str) -> CreateFunctionOutput {
    create_with(client, name, zipped(binary), 10).await
}

fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}")
}

/// Invokes synchronously; returns the output and its payload as JSON.
async fn invoke(
    client: &Client,
    name: &str,
    payload: Value,
) -> (aws_sdk_lambda::operation::invoke::InvokeOutput, Value) {
    let output = client
        .invoke()
        .function_name(name)
        .payload(Blob::new(payload.to_string()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("invoke {name}: {e:?}"));
    let body = output
        .payload()
        .map(|p| serde_json::from_slice(p.as_ref()).expect("JSON payload"))
        .unwrap_or(Value::Null);
    (output, body)
}

/// The emulator's invocation records of one function.
async fn records(name: &str) -> Vec<Value> {
    let (status, _, body) = raw(
        "GET",
        &format!("/_emulator/lambda/invocations?function={name}"),
        &[],
        b"",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).expect("records JSON");
    body["invocations"].as_array().cloned().unwrap_or_default()
}

/// Whether a process exists (a zombie counts: it was not reaped). Only meaningful for the
/// emulator of this process: a container's process ids are not this machine's.
fn process_exists(pid: u64) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Waits up to `limit` for a process to be gone.
async fn gone_within(pid: u64, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if !process_exists(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    !process_exists(pid)
}

/// A zip holding `binary` as an executable `bootstrap` at its root, as `cargo lambda
/// build --output-format zip` makes it.
pub(crate) fn bootstrap_zip(binary: &str) -> Vec<u8> {
    use std::io::Write;
    // Each binary is zipped once per test run (they are several megabytes).
    static ZIPS: std::sync::Mutex<Vec<(String, Vec<u8>)>> = std::sync::Mutex::new(Vec::new());
    let mut zips = ZIPS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, zip)) = zips.iter().find(|(b, _)| b == binary) {
        return zip.clone();
    }
    let bytes = std::fs::read(binary).expect("read the test function");
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o755);
    writer.start_file("bootstrap", options).unwrap();
    writer.write_all(&bytes).unwrap();
    let zip = writer.finish().unwrap().into_inner();
    zips.push((binary.to_owned(), zip.clone()));
    zip
}

#[tokio::test]
async fn echo_gets_its_event_and_the_environment_lambda_gives() {
    let client = lambda().await;
    let name = unique("echo-");
    client
        .create_function()
        .function_name(&name)
        .runtime(Runtime::Providedal2023)
        .role(ROLE)
        .handler("bootstrap")
        .code(zipped(ECHO))
        .memory_size(256)
        .environment(Environment::builder().variables("STAGE", "dev").build())
        .send()
        .await
        .unwrap();
    let context = base64::engine::general_purpose::STANDARD
        .encode(json!({"custom": {"tenant": "t1"}}).to_string());
    let output = client
        .invoke()
        .function_name(&name)
        .client_context(context)
        .payload(Blob::new(r#"{"hello":"world","n":[1,2,3]}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(output.status_code(), 200);
    assert_eq!(output.executed_version(), Some("$LATEST"));
    assert_eq!(output.function_error(), None);
    let body: Value = serde_json::from_slice(output.payload().unwrap().as_ref()).unwrap();
    assert_eq!(body["event"], json!({"hello": "world", "n": [1, 2, 3]}));
    // The request id the caller sees is the one the function was given.
    assert_eq!(body["requestId"].as_str(), output.request_id());
    assert_eq!(body["functionArn"], function_arn(&name));
    assert_eq!(body["clientContext"], json!({"tenant": "t1"}));
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let deadline = body["deadlineMs"].as_u64().unwrap();
    assert!(
        deadline > now_ms && deadline < now_ms + 4_000,
        "{deadline} vs {now_ms}"
    );
    assert!(body["traceId"].as_str().unwrap().starts_with("Root=1-"));
    // lambda_runtime sets the trace header of each invocation as `_X_AMZN_TRACE_ID`.
    assert_eq!(body["env"]["_X_AMZN_TRACE_ID"], body["traceId"]);
    let env = &body["env"];
    assert_eq!(env["AWS_LAMBDA_FUNCTION_NAME"], name.as_str());
    assert_eq!(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256");
    assert_eq!(
        env["AWS_LAMBDA_LOG_GROUP_NAME"],
        format!("/aws/lambda/{name}")
    );
    assert!(env["AWS_LAMBDA_LOG_STREAM_NAME"]
        .as_str()
        .unwrap()
        .contains("[$LATEST]"));
    assert!(env["AWS_LAMBDA_RUNTIME_API"]
        .as_str()
        .unwrap()
        .starts_with("127.0.0.1:"));
    assert_eq!(env["AWS_REGION"], "us-east-1");
    assert_eq!(env["AWS_DEFAULT_REGION"], "us-east-1");
    assert_eq!(env["_HANDLER"], "bootstrap");
    assert_eq!(env["STAGE"], "dev");
    // The emulator's own address: the one the tests use when it runs in this process; a
    // container's loopback address otherwise (its port may be published as another).
    if in_process() {
        assert_eq!(env["AWS_ENDPOINT_URL"], endpoint());
    } else {
        assert!(env["AWS_ENDPOINT_URL"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:"));
    }
    assert!(env["LAMBDA_TASK_ROOT"].as_str().unwrap().starts_with('/'));
    // The role session's credentials, not the caller's (the test process has
    // AWS_ACCESS_KEY_ID=test).
    let key = env["AWS_ACCESS_KEY_ID"].as_str().unwrap();
    assert!(key.starts_with("ASIA") && key != "test", "{key}");
    assert_eq!(body["hasSecret"], true);
    assert_eq!(body["hasToken"], true);
    let names: Vec<&str> = body["envNames"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(!names.contains(&"AWS_PROFILE"));
    // An empty payload reaches the function as an empty object.
    let output = client.invoke().function_name(&name).send().await.unwrap();
    let body: Value = serde_json::from_slice(output.payload().unwrap().as_ref()).unwrap();
    assert_eq!(body["event"], json!({}));
}

#[tokio::test]
async fn functions_are_created_read_listed_updated_and_deleted() {
    let client = lambda().await;
    let name = unique("crud-");
    let created = create(&client, &name, ECHO).await;
    assert_eq!(created.function_name(), Some(name.as_str()));
    assert_eq!(created.function_arn(), Some(function_arn(&name).as_str()));
    assert_eq!(created.role(), Some(ROLE));
    assert_eq!(created.runtime(), Some(&Runtime::Providedal2023));
    assert_eq!(created.version(), Some("$LATEST"));
    assert_eq!(created.memory_size(), Some(128));
    assert_eq!(created.timeout(), Some(10));
    assert!(created.code_size() > 0);
    assert!(!created.code_sha256().unwrap_or_default().is_empty());
    assert_eq!(created.state().map(|s| s.as_str()), Some("Active"));

    // The same function by name, by ARN and by partial ARN.
    for reference in [
        name.clone(),
        function_arn(&name),
        format!("{ACCOUNT}:function:{name}"),
    ] {
        let got = client
            .get_function()
            .function_name(&reference)
            .send()
            .await
            .unwrap();
        assert_eq!(
            got.configuration().unwrap().function_name(),
            Some(name.as_str())
        );
        // A zip's location is a download link (tests/lambda_code.rs).
        assert!(got
            .code()
            .unwrap()
            .location()
            .unwrap()
            .starts_with("http://"));
    }
    let config = client
        .get_function_configuration()
        .function_name(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(config.revision_id(), created.revision_id());

    let updated = client
        .update_function_configuration()
        .function_name(&name)
        .timeout(30)
        .memory_size(512)
        .description("updated")
        .environment(Environment::builder().variables("MODE", "x").build())
        .send()
        .await
        .unwrap();
    assert_eq!(updated.timeout(), Some(30));
    assert_eq!(updated.memory_size(), Some(512));
    assert_eq!(updated.description(), Some("updated"));
    assert_ne!(updated.revision_id(), created.revision_id());
    assert_eq!(
        updated.environment().unwrap().variables().unwrap()["MODE"],
        "x"
    );
    // A stale revision is refused.
    let stale = client
        .update_function_configuration()
        .function_name(&name)
        .description("again")
        .revision_id(created.revision_id().unwrap())
        .send()
        .await;
    assert_eq!(code_of(stale), "PreconditionFailedException");

    // Constraints, as Lambda words them.
    let (code, message) = error_of(
        client
            .update_function_configuration()
            .function_name(&name)
            .timeout(901)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(message, "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900");
    let (code, _) = error_of(
        client
            .update_function_configuration()
            .function_name(&name)
            .memory_size(64)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    let (code, message) = error_of(
        client
            .update_function_configuration()
            .function_name(&name)
            .environment(Environment::builder().variables("AWS_REGION", "x").build())
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterValueException");
    assert!(
        message.contains("Reserved keys used in this request: AWS_REGION"),
        "{message}"
    );

    // Listing pages through every function, each once.
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = client
            .list_functions()
            .max_items(2)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        assert!(page.functions().len() <= 2);
        seen.extend(
            page.functions()
                .iter()
                .filter_map(|f| f.function_name().map(str::to_owned)),
        );
        marker = page.next_marker().map(str::to_owned);
        if marker.is_none() {
            break;
        }
    }
    assert_eq!(seen.iter().filter(|n| **n == name).count(), 1);

    // A second function of the same name conflicts.
    let (code, message) = error_of(
        client
            .create_function()
            .function_name(&name)
            .runtime(Runtime::Providedal2023)
            .role(ROLE)
            .handler("bootstrap")
            .code(zipped(ECHO))
            .send()
            .await,
    );
    assert_eq!(code, "ResourceConflictException");
    assert_eq!(message, format!("Function already exist: {name}"));

    client
        .delete_function()
        .function_name(&name)
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(client.get_function().function_name(&name).send().await);
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(
        message,
        format!("Function not found: {}", function_arn(&name))
    );
    let (code, _) = error_of(client.delete_function().function_name(&name).send().await);
    assert_eq!(code, "ResourceNotFoundException");
}

#[tokio::test]
async fn creation_refuses_what_lambda_refuses() {
    let client = lambda().await;
    let name = unique("refused-");
    let (code, message) = error_of(
        client
            .create_function()
            .function_name(&name)
            .runtime(Runtime::Ruby34)
            .role(ROLE)
            .handler("app.handler")
            .code(zipped(ECHO))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterValueException");
    assert!(message.contains("ruby3.4"), "{message}");
    let (code, message) = error_of(
        client
            .create_function()
            .function_name(&name)
            .runtime(Runtime::Providedal2023)
            .role(format!("arn:aws:iam::{ACCOUNT}:role/not-for-lambda"))
            .handler("bootstrap")
            .code(zipped(ECHO))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterValueException");
    assert_eq!(
        message,
        "The role defined for the function cannot be assumed by Lambda."
    );
    let (code, _) = error_of(
        client
            .create_function()
            .function_name(&name)
            .runtime(Runtime::Providedal2023)
            .role(format!("arn:aws:iam::{ACCOUNT}:role/no-such-role"))
            .handler("bootstrap")
            .code(zipped(ECHO))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterValueException");
    let (code, _) = error_of(
        client
            .create_function()
            .function_name(&name)
            .runtime(Runtime::Providedal2023)
            .role(ROLE)
            .handler("bootstrap")
            .code(zipped(ECHO))
            .timeout(0)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    let (code, message) = error_of(
        client
            .create_function()
            .function_name(&name)
            .runtime(Runtime::Providedal2023)
            .role(ROLE)
            .handler("bootstrap")
            .code(local("/no/such/binary"))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterValueException");
    assert!(message.contains("/no/such/binary"), "{message}");
    // Nothing was created by the refused requests.
    let (code, _) = error_of(client.get_function().function_name(&name).send().await);
    assert_eq!(code, "ResourceNotFoundException");
}

#[tokio::test]
async fn model_constraints_are_answered_in_lambdas_words() {
    // The generated validation of CreateFunction's members, worded as Lambda words it:
    // the role pattern as aarondfrancis/sidecar#147 quotes Lambda's answer, the variable
    // names as trek10inc/serverless-secrets#39 quotes it (no value shown for a map).
    let client = lambda().await;
    let name = unique("constrained-");
    let create = || {
        client
            .create_function()
            .function_name(&name)
            .runtime(Runtime::Providedal2023)
            .role(ROLE)
            .handler("bootstrap")
            .code(zipped(ECHO))
    };
    let (code, message) = error_of(create().role("lambdarole").send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        message,
        "1 validation error detected: Value 'lambdarole' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+"
    );
    let (code, message) = error_of(
        create()
            .environment(Environment::builder().variables("a", "x").build())
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        message,
        "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"
    );
    // Every violation in one answer, in the model's member order.
    let (code, message) = error_of(create().timeout(0).memory_size(64).send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        message,
        "2 validation errors detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1; Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"
    );
    // Members outside the body are checked too: a query string member (MaxItems) and a
    // header (X-Amz-Log-Type), each against the model.
    let (code, message) = error_of(client.list_functions().max_items(0).send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        message,
        "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"
    );
    let (code, message) = error_of(
        client
            .invoke()
            .function_name(&name)
            .log_type(LogType::from("Verbose"))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        message,
        "1 validation error detected: Value 'Verbose' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]"
    );
    let (code, _) = error_of(client.get_function().function_name(&name).send().await);
    assert_eq!(code, "ResourceNotFoundException");
}

#[tokio::test]
async fn a_warm_environment_keeps_its_globals_until_the_configuration_changes() {
    let client = lambda().await;
    let name = unique("counter-");
    create(&client, &name, COUNTER).await;
    let (_, first) = invoke(&client, &name, json!({})).await;
    let (_, second) = invoke(&client, &name, json!({})).await;
    let (_, third) = invoke(&client, &name, json!({})).await;
    assert_eq!(
        [&first["count"], &second["count"], &third["count"]],
        [1, 2, 3]
    );
    assert_eq!(first["pid"], third["pid"]);
    client
        .update_function_configuration()
        .function_name(&name)
        .timeout(20)
        .send()
        .await
        .unwrap();
    let (_, after) = invoke(&client, &name, json!({})).await;
    assert_eq!(after["count"], 1, "a new environment after the change");
    assert_ne!(after["pid"], first["pid"]);
    let old = first["pid"].as_u64().unwrap();
    // Its process is visible from here only when the emulator runs in this process.
    if in_process() {
        assert!(
            gone_within(old, Duration::from_secs(3)).await,
            "the retired environment {old} is stopped"
        );
    }
    // A code change retires the environment too.
    client
        .update_function_code()
        .function_name(&name)
        .zip_file(Blob::new(bootstrap_zip(COUNTER)))
        .send()
        .await
        .unwrap();
    let (_, after_code) = invoke(&client, &name, json!({})).await;
    assert_eq!(after_code["count"], 1);

    let records = records(&name).await;
    assert_eq!(records.len(), 5, "{records:#?}");
    let cold: Vec<bool> = records
        .iter()
        .map(|r| r["coldStart"].as_bool().unwrap())
        .collect();
    assert_eq!(cold, [true, false, false, true, true]);
    assert!(records[0]["initDurationMs"].as_f64().is_some());
    assert!(records[1].get("initDurationMs").is_none());
    assert!(records.iter().all(|r| r["outcome"] == "Success"));
}

#[tokio::test]
async fn a_function_calls_sts_as_its_execution_role_and_the_call_is_recorded() {
    let client = lambda().await;
    let name = unique("whoami-");
    create(&client, &name, WHOAMI).await;
    let (output, body) = invoke(&client, &name, json!({})).await;
    assert_eq!(output.function_error(), None, "{body}");
    assert_eq!(
        body["arn"],
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/lambda-test-role/{name}")
    );
    assert_eq!(body["account"], ACCOUNT);
    let (_, again) = invoke(&client, &name, json!({})).await;
    assert_eq!(again["arn"], body["arn"]);

    let records = records(&name).await;
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["coldStart"], true);
    assert_eq!(records[1]["coldStart"], false);
    for record in &records {
        let calls = record["awsCalls"].as_array().unwrap();
        assert_eq!(calls.len(), 1, "{record:#}");
        assert_eq!(calls[0]["service"], "sts");
        assert_eq!(calls[0]["operation"], "GetCallerIdentity");
        assert_eq!(calls[0]["status"], 200);
        assert!(calls[0].get("errorCode").is_none());
    }
    assert_eq!(records[0]["outcome"], "Success");
    assert!(records[0]["pid"].as_u64().is_some());
    assert!(records[1]["durationMs"].as_f64().is_some());
}

#[tokio::test]
async fn a_timed_out_invocation_kills_its_environment() {
    let client = lambda().await;
    let name = unique("sleeper-");
    create_with(&client, &name, zipped(SLEEPER), 1).await;
    let started = Instant::now();
    let output = client
        .invoke()
        .function_name(&name)
        .log_type(LogType::Tail)
        .payload(Blob::new(r#"{"seconds": 5}"#))
        .send()
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(output.status_code(), 200);
    assert_eq!(output.function_error(), Some("Unhandled"));
    let body: Value = serde_json::from_slice(output.payload().unwrap().as_ref()).unwrap();
    assert_eq!(body["errorType"], "Sandbox.Timedout");
    let request_id = output.request_id().unwrap().to_owned();
    assert_eq!(
        body["errorMessage"],
        format!("RequestId: {request_id} Error: Task timed out after 1.00 seconds")
    );
    let log = base64::engine::general_purpose::STANDARD
        .decode(output.log_result().unwrap())
        .unwrap();
    let log = String::from_utf8(log).unwrap();
    assert!(log.contains("sleeping 5 s"), "{log}");
    assert!(
        log.contains(&format!("{request_id} Task timed out after 1.00 seconds")),
        "{log}"
    );
    assert!(
        log.contains(&format!("REPORT RequestId: {request_id}")),
        "{log}"
    );

    let first = records(&name).await;
    let pid = first[0]["pid"].as_u64().unwrap();
    // Its process is visible from here only when the emulator runs in this process.
    if in_process() {
        assert!(
            gone_within(pid, Duration::from_secs(3)).await,
            "{pid} still runs"
        );
    }
    // The next invocation starts a new environment.
    let output = client
        .invoke()
        .function_name(&name)
        .payload(Blob::new(r#"{"seconds": 0.01}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(output.function_error(), None);
    let records = records(&name).await;
    assert_eq!(records[1]["coldStart"], true);
    assert_eq!(records[0]["errorType"], "Sandbox.Timedout");
}

#[tokio::test]
async fn a_panic_is_an_unhandled_function_error_and_the_environment_lives_on() {
    let client = lambda().await;
    let name = unique("panicker-");
    create(&client, &name, PANICKER).await;
    let (output, body) = invoke(&client, &name, json!({})).await;
    assert_eq!(output.status_code(), 200);
    assert_eq!(output.function_error(), Some("Unhandled"));
    let message = body["errorMessage"].as_str().unwrap();
    assert!(message.starts_with("Lambda panicked"), "{body}");
    assert!(message.contains("the handler gave up"), "{body}");
    let (output, calm) = invoke(&client, &name, json!({"calm": true})).await;
    assert_eq!(output.function_error(), None);
    let records = records(&name).await;
    assert_eq!(records[0]["outcome"], "Unhandled");
    assert_eq!(records[1]["coldStart"], false);
    assert_eq!(records[1]["pid"], calm["pid"]);
}

#[tokio::test]
async fn a_function_that_exits_while_initialising_fails_with_runtime_exit_error() {
    let client = lambda().await;
    let name = unique("init-exit-");
    create(&client, &name, INIT_EXIT).await;
    let output = client
        .invoke()
        .function_name(&name)
        .log_type(LogType::Tail)
        .send()
        .await
        .unwrap();
    assert_eq!(output.status_code(), 200);
    assert_eq!(output.function_error(), Some("Unhandled"));
    let body: Value = serde_json::from_slice(output.payload().unwrap().as_ref()).unwrap();
    let request_id = output.request_id().unwrap();
    assert_eq!(body["errorType"], "Runtime.ExitError");
    assert_eq!(
        body["errorMessage"],
        format!("RequestId: {request_id} Error: Runtime exited with error: exit status 3")
    );
    let log = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(output.log_result().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert!(log.contains("required configuration is missing"), "{log}");
    assert!(log.contains("INIT_REPORT Init Duration"), "{log}");
    assert!(log.contains("Error Type: Runtime.ExitError"), "{log}");
    let records = records(&name).await;
    assert_eq!(records[0]["errorType"], "Runtime.ExitError");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_invocations_get_their_own_environments() {
    let client = lambda().await;
    let name = unique("parallel-");
    create(&client, &name, ECHO).await;
    let started = Instant::now();
    let calls: Vec<_> = (0..3)
        .map(|_| {
            let client = client.clone();
            let name = name.clone();
            tokio::spawn(async move { invoke(&client, &name, json!({"sleep_ms": 1000})).await.1 })
        })
        .collect();
    let mut pids = Vec::new();
    for call in calls {
        pids.push(call.await.unwrap()["pid"].as_u64().unwrap());
    }
    // Run one after another they would take 3 s.
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
    pids.sort_unstable();
    pids.dedup();
    assert_eq!(pids.len(), 3, "three environments");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invocations_beyond_the_environment_limit_are_throttled() {
    endpoint();
    let config = aws_config::load_from_env().await;
    let client = Client::from_conf(
        aws_sdk_lambda::config::Builder::from(&config)
            .retry_config(aws_sdk_lambda::config::retry::RetryConfig::disabled())
            .build(),
    );
    let name = unique("throttled-");
    create(&client, &name, ECHO).await;
    // The emulator's limit of environments per function (4 by default).
    let (_, _, health) = raw("GET", "/_emulator/health", &[], b"").await;
    let health: Value = serde_json::from_str(&health).unwrap();
    let limit = health["lambda"]["maxEnvironments"].as_u64().unwrap() as usize;
    let calls: Vec<_> = (0..limit + 2)
        .map(|_| {
            let client = client.clone();
            let name = name.clone();
            tokio::spawn(async move {
                client
                    .invoke()
                    .function_name(&name)
                    .payload(Blob::new(r#"{"sleep_ms": 1500}"#))
                    .send()
                    .await
            })
        })
        .collect();
    let mut throttled = 0;
    let mut succeeded = 0;
    for call in calls {
        match call.await.unwrap() {
            Ok(_) => succeeded += 1,
            Err(e) => {
                let service = e.as_service_error().expect("a service error");
                assert!(service.is_too_many_requests_exception(), "{service:?}");
                let raw = e.raw_response().unwrap();
                assert_eq!(raw.status().as_u16(), 429);
                assert_eq!(raw.headers().get("retry-after"), Some("1"));
                throttled += 1;
            }
        }
    }
    assert_eq!(succeeded, limit);
    assert_eq!(throttled, 2);
}

#[tokio::test]
async fn event_invocations_run_in_the_background_and_dry_runs_only_check() {
    let client = lambda().await;
    let name = unique("event-");
    create(&client, &name, ECHO).await;
    let output = client
        .invoke()
        .function_name(&name)
        .invocation_type(InvocationType::Event)
        .payload(Blob::new(r#"{"sleep_ms": 200}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(output.status_code(), 202);
    let request_id = output.request_id().unwrap().to_owned();
    let mut done = None;
    for _ in 0..200 {
        let records = records(&name).await;
        if let Some(r) = records
            .into_iter()
            .find(|r| r["requestId"] == request_id.as_str() && r["outcome"] != "Pending")
        {
            done = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let done = done.expect("the event ran");
    assert_eq!(done["invocationType"], "Event");
    assert_eq!(done["outcome"], "Success");

    let output = client
        .invoke()
        .function_name(&name)
        .invocation_type(InvocationType::DryRun)
        .send()
        .await
        .unwrap();
    assert_eq!(output.status_code(), 204);
    assert_eq!(records(&name).await.len(), 1, "a dry run runs nothing");

    // Event payloads are limited to 256 KB, synchronous ones to 6 MB.
    let big = format!("\"{}\"", "x".repeat(300 * 1024));
    let (code, message) = error_of(
        client
            .invoke()
            .function_name(&name)
            .invocation_type(InvocationType::Event)
            .payload(Blob::new(big.clone()))
            .send()
            .await,
    );
    assert_eq!(code, "RequestTooLargeException");
    assert!(message.contains("262144"), "{message}");
    let huge = format!("\"{}\"", "x".repeat(6 * 1024 * 1024));
    let (code, message) = error_of(
        client
            .invoke()
            .function_name(&name)
            .payload(Blob::new(huge))
            .send()
            .await,
    );
    assert_eq!(code, "RequestTooLargeException");
    assert_eq!(
        message,
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    );
    let (code, _) = error_of(
        client
            .invoke()
            .function_name(&name)
            .payload(Blob::new("{not json"))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidRequestContentException");
}

#[tokio::test]
async fn the_log_tail_holds_the_platform_lines_and_the_functions_output() {
    let client = lambda().await;
    let name = unique("tail-");
    create(&client, &name, ECHO).await;
    for cold in [true, false] {
        let output = client
            .invoke()
            .function_name(&name)
            .log_type(LogType::Tail)
            .payload(Blob::new(r#"{"print": "hello from the function"}"#))
            .send()
            .await
            .unwrap();
        let id = output.request_id().unwrap();
        let log = String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(output.log_result().expect("X-Amz-Log-Result"))
                .unwrap(),
        )
        .unwrap();
        let lines: Vec<&str> = log.lines().collect();
        let start = lines
            .iter()
            .position(|l| *l == format!("START RequestId: {id} Version: $LATEST"))
            .unwrap_or_else(|| panic!("{log}"));
        let printed = lines
            .iter()
            .position(|l| *l == "hello from the function")
            .unwrap_or_else(|| panic!("{log}"));
        let end = lines
            .iter()
            .position(|l| *l == format!("END RequestId: {id}"))
            .unwrap_or_else(|| panic!("{log}"));
        assert!(start < printed && printed < end, "{log}");
        let report = lines[end + 1];
        assert!(
            report.starts_with(&format!("REPORT RequestId: {id}\tDuration: ")),
            "{report}"
        );
        assert!(report.contains("\tBilled Duration: "), "{report}");
        assert!(report.contains("\tMemory Size: 128 MB\t"), "{report}");
        assert!(report.contains("\tMax Memory Used: "), "{report}");
        assert_eq!(report.contains("\tInit Duration: "), cold, "{report}");
        assert!(log.len() <= 4096);
    }
    // Without Tail, no log comes back.
    let output = client.invoke().function_name(&name).send().await.unwrap();
    assert_eq!(output.log_result(), None);
}

#[tokio::test]
async fn a_zip_with_bootstrap_at_its_root_deploys_and_bad_packages_are_refused() {
    let client = lambda().await;
    let name = unique("zipped-");
    let zip = bootstrap_zip(ECHO);
    let created = create_with(
        &client,
        &name,
        FunctionCode::builder()
            .zip_file(Blob::new(zip.clone()))
            .build(),
        10,
    )
    .await;
    assert_eq!(created.code_size(), zip.len() as i64);
    let (output, body) = invoke(&client, &name, json!({"from": "zip"})).await;
    assert_eq!(output.function_error(), None, "{body}");
    assert_eq!(body["event"], json!({"from": "zip"}));
    assert!(body["env"]["LAMBDA_TASK_ROOT"]
        .as_str()
        .unwrap()
        .starts_with('/'));

    // New code from a zip: the next invocation runs it in a new environment.
    let counter_zip = bootstrap_zip(COUNTER);
    let updated = client
        .update_function_code()
        .function_name(&name)
        .zip_file(Blob::new(counter_zip))
        .send()
        .await
        .unwrap();
    assert_ne!(updated.code_sha256(), created.code_sha256());
    let (_, body) = invoke(&client, &name, json!({})).await;
    assert_eq!(body["count"], 1);

    let bad = unique("badzip-");
    let (code, message) = error_of(
        client
            .create_function()
            .function_name(&bad)
            .runtime(Runtime::Providedal2023)
            .role(ROLE)
            .handler("bootstrap")
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(b"this is no zip".to_vec()))
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterValueException");
    assert_eq!(
        message,
        "Could not unzip uploaded file. Please check your file, then try to upload again."
    );
    let no_bootstrap = {
        use std::io::Write;
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        writer
            .start_file(
                "main",
                zip::write::SimpleFileOptions::default().unix_permissions(0o755),
            )
            .unwrap();
        writer.write_all(b"#!/bin/sh\n").unwrap();
        writer.finish().unwrap().into_inner()
    };
    let (code, message) = error_of(
        client
            .create_function()
            .function_name(&bad)
            .runtime(Runtime::Providedal2023)
            .role(ROLE)
            .handler("bootstrap")
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(no_bootstrap))
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterValueException");
    assert!(message.contains("bootstrap"), "{message}");

    // A bootstrap without its executable bit deploys, and fails to start as on AWS.
    let not_executable = {
        use std::io::Write;
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        writer
            .start_file(
                "bootstrap",
                zip::write::SimpleFileOptions::default().unix_permissions(0o644),
            )
            .unwrap();
        writer.write_all(b"#!/bin/sh\n").unwrap();
        writer.finish().unwrap().into_inner()
    };
    create_with(
        &client,
        &bad,
        FunctionCode::builder()
            .zip_file(Blob::new(not_executable))
            .build(),
        3,
    )
    .await;
    let (output, body) = invoke(&client, &bad, json!({})).await;
    assert_eq!(output.function_error(), Some("Unhandled"));
    assert_eq!(body["errorType"], "Runtime.InvalidEntrypoint");
    let message = body["errorMessage"].as_str().unwrap();
    assert!(
        message.ends_with("/bootstrap: permission denied"),
        "{message}"
    );
}

#[tokio::test]
async fn unknown_functions_are_not_found() {
    let client = lambda().await;
    let name = unique("missing-");
    let (code, message) = error_of(client.invoke().function_name(&name).send().await);
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(
        message,
        format!("Function not found: {}", function_arn(&name))
    );
    let (code, message) = error_of(
        client
            .invoke()
            .function_name(&name)
            .qualifier("7")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(
        message,
        format!("Function not found: {}:7", function_arn(&name))
    );
    let (code, message) = error_of(
        client
            .invoke()
            .function_name(format!(
                "arn:aws:lambda:eu-west-1:{ACCOUNT}:function:{name}"
            ))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterValueException");
    assert!(message.contains("'eu-west-1'"), "{message}");
    // The wire shape: the code in X-Amzn-ErrorType, `Message` for this error.
    let (status, headers, body) = raw(
        "POST",
        &format!("/2015-03-31/functions/{name}/invocations"),
        &[],
        b"{}",
    )
    .await;
    assert_eq!(status, 404);
    assert!(headers
        .iter()
        .any(|(n, v)| n == "x-amzn-errortype" && v == "ResourceNotFoundException"));
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["Type"], "User");
    assert_eq!(
        body["Message"],
        format!("Function not found: {}", function_arn(&name))
    );
}

#[tokio::test]
async fn invoking_needs_lambda_invoke_function_and_creating_needs_pass_role() {
    let admin = lambda().await;
    let name = unique("guarded-");
    create(&admin, &name, ECHO).await;
    let reader = lambda_as(READER).await;
    let got = reader
        .get_function()
        .function_name(&name)
        .send()
        .await
        .unwrap();
    assert!(got.configuration().is_some());
    let (code, message) = error_of(reader.invoke().function_name(&name).send().await);
    assert_eq!(code, "AccessDeniedException");
    assert_eq!(
        message,
        format!(
            "User: arn:aws:iam::{ACCOUNT}:user/lambda-reader is not authorized to perform: lambda:InvokeFunction on resource: {} because no identity-based policy allows the lambda:InvokeFunction action",
            function_arn(&name)
        )
    );
    // Refused before anything is looked up: a missing function is refused the same way.
    let (code, _) = error_of(
        reader
            .invoke()
            .function_name(unique("nothing-"))
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
    assert!(records(&name).await.is_empty());

    let deployer = lambda_as(DEPLOYER).await;
    let (code, message) = error_of(
        deployer
            .create_function()
            .function_name(unique("deployed-"))
            .runtime(Runtime::Providedal2023)
            .role(ROLE)
            .handler("bootstrap")
            .code(zipped(ECHO))
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
    assert!(
        message.contains(&format!("iam:PassRole on resource: {ROLE}")),
        "{message}"
    );
}

#[tokio::test]
async fn lambda_answers_authentication_failures_and_unimplemented_operations_in_its_shape() {
    let strict = Client::new(
        &aws_config::from_env()
            .endpoint_url(strict_endpoint())
            .credentials_provider(aws_sdk_lambda::config::Credentials::new(
                "AKIAUNKNOWN000000000",
                "secret",
                None,
                None,
                "test",
            ))
            .load()
            .await,
    );
    let result = strict.list_functions().send().await;
    let err = result.unwrap_err();
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 403);
    let service = err.into_service_error();
    assert_eq!(
        aws_sdk_lambda::error::ProvideErrorMetadata::code(&service),
        Some("UnrecognizedClientException")
    );
    let client = lambda().await;
    let (code, message) = error_of(client.get_policy().function_name("any").send().await);
    assert_eq!(code, "NotImplementedException");
    assert!(message.contains("GetPolicy"), "{message}");
}

/// An emulator of this test's own, stopped by the test.
struct OwnEmulator {
    url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    served: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn own_emulator(extra_fixture: &str) -> OwnEmulator {
    let dir = std::env::temp_dir().join(unique("lambda-fixture-"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("functions.yaml");
    std::fs::write(&file, extra_fixture).unwrap();
    let mut paths = fixture_paths();
    paths.push(file);
    let config = emulator::Config::default();
    let fixtures = emulator::fixtures::load(&paths, &config.account).expect("fixtures load");
    let state = emulator::state::EmulatorState::from_fixtures(config, fixtures)
        .expect("fixtures are valid");
    let _ = std::fs::remove_dir_all(&dir);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(emulator::serve(
        listener,
        std::sync::Arc::new(state),
        async move {
            let _ = stopped.await;
        },
    ));
    OwnEmulator { url, stop, served }
}

/// A cargo package of its own (no dependencies, so it builds in a second, offline) whose
/// binary speaks the Runtime API with the standard library alone.
const STD_RUNTIME: &str = r##"
use std::io::{Read, Write};
use std::net::TcpStream;

fn exchange(api: &str, request: String) -> String {
    let mut stream = TcpStream::connect(api).expect("connect to the Runtime API");
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("receive");
    response
}

fn main() {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API").expect("AWS_LAMBDA_RUNTIME_API");
    let mut count = 0;
    loop {
        let next = exchange(&api, format!(
            "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: {api}\r\nConnection: close\r\n\r\n"
        ));
        let (head, event) = next.split_once("\r\n\r\n").expect("an HTTP answer");
        let id = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("lambda-runtime-aws-request-id:"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_owned())
            .expect("a request id");
        count += 1;
        let answer = format!(r#"{{"built":true,"count":{count},"event":{event}}}"#);
        exchange(&api, format!(
            "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nHost: {api}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{answer}",
            answer.len()
        ));
    }
}
"##;

/// A cargo package `name` of its own in a new temporary directory, with `main` as its
/// source. Each test names its own package: with `CARGO_TARGET_DIR` set, packages share
/// one target directory, where two of the same name would overwrite each other's binary.
fn cargo_package(name: &str, main: &str) -> std::path::PathBuf {
    let package = std::env::temp_dir().join(unique(&format!("{name}-")));
    std::fs::create_dir_all(package.join("src")).unwrap();
    std::fs::write(
        package.join("Cargo.toml"),
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n"),
    )
    .unwrap();
    std::fs::write(package.join("src/main.rs"), main).unwrap();
    package
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cargo_package_fixture_is_pending_until_built_then_active_in_process_only() {
    if !runs_in_process_only(
        "a_cargo_package_fixture_is_pending_until_built_then_active_in_process_only",
        "it starts an emulator of its own, with a fixture naming a package on this machine",
    ) {
        return;
    }
    let package = cargo_package("std-runtime", STD_RUNTIME);
    let fixture = format!(
        "functions:\n  - name: fixture-cargo\n    role: lambda-test-role\n    code: {{ cargo_package: std-runtime, directory: {} }}\n",
        package.display()
    );
    let emulator = own_emulator(&fixture).await;
    endpoint();
    let client = Client::new(
        &aws_config::from_env()
            .endpoint_url(&emulator.url)
            .load()
            .await,
    );
    // The build started when the fixture was loaded; until it ends the function is
    // Pending, and Invoke is refused as Lambda refuses it.
    let config = client
        .get_function_configuration()
        .function_name("fixture-cargo")
        .send()
        .await
        .unwrap();
    assert_eq!(config.state(), Some(&State::Pending));
    assert_eq!(config.state_reason_code(), Some(&StateReasonCode::Creating));
    assert!(config
        .state_reason()
        .unwrap()
        .starts_with("The function is being created."));
    assert_eq!(config.last_update_status(), None);
    let (code, message) = error_of(
        client
            .invoke()
            .function_name("fixture-cargo")
            .payload(Blob::new("{}"))
            .send()
            .await,
    );
    assert_eq!(code, "ResourceConflictException");
    assert_eq!(
        message,
        "The operation cannot be performed at this time. The function is currently in the following state: Pending"
    );
    // So is a change of its configuration, or a publication.
    let (code, message) = error_of(
        client
            .update_function_configuration()
            .function_name("fixture-cargo")
            .timeout(5)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceConflictException");
    assert!(message.ends_with("state: Pending"), "{message}");
    let (code, _) = error_of(
        client
            .publish_version()
            .function_name("fixture-cargo")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceConflictException");
    // The SDK's waiter (what `aws lambda wait function-active-v2` runs) sees it Active.
    client
        .wait_until_function_active_v2()
        .function_name("fixture-cargo")
        .wait(Duration::from_secs(120))
        .await
        .expect("built and Active within 2 minutes");
    let config = client
        .get_function_configuration()
        .function_name("fixture-cargo")
        .send()
        .await
        .unwrap();
    assert_eq!(config.state(), Some(&State::Active));
    assert_eq!(config.state_reason(), None);
    assert_eq!(
        config.last_update_status(),
        Some(&LastUpdateStatus::Successful)
    );
    let (output, body) = invoke(&client, "fixture-cargo", json!({"n": 1})).await;
    assert_eq!(output.function_error(), None, "{body}");
    assert_eq!(body, json!({"built": true, "count": 1, "event": {"n": 1}}));
    let (_, body) = invoke(&client, "fixture-cargo", json!({"n": 2})).await;
    assert_eq!(body["count"], 2, "the built binary runs warm");
    // Built, it is a package like any other: GetFunction's link downloads it as a zip
    // holding the binary as `bootstrap`, of the CodeSize and CodeSha256 reported.
    let got = client
        .get_function()
        .function_name("fixture-cargo")
        .send()
        .await
        .unwrap();
    let downloaded = crate::lambda_code::check_download(&got).await;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(downloaded)).unwrap();
    assert_eq!(archive.len(), 1);
    assert!(archive.by_name("bootstrap").unwrap().size() > 0);
    let _ = emulator.stop.send(());
    emulator.served.await.unwrap().unwrap();
    let _ = std::fs::remove_dir_all(&package);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cargo_package_that_does_not_build_is_failed_with_its_reason_in_process_only() {
    if !runs_in_process_only(
        "a_cargo_package_that_does_not_build_is_failed_with_its_reason_in_process_only",
        "it starts an emulator of its own, with a fixture naming a package on this machine",
    ) {
        return;
    }
    let package = cargo_package("broken-runtime", "fn main() { this does not compile }\n");
    let fixture = format!(
        "functions:\n  - name: fixture-broken\n    role: lambda-test-role\n    code: {{ cargo_package: broken-runtime, directory: {} }}\n",
        package.display()
    );
    let emulator = own_emulator(&fixture).await;
    endpoint();
    let client = Client::new(
        &aws_config::from_env()
            .endpoint_url(&emulator.url)
            .load()
            .await,
    );
    let waited = client
        .wait_until_function_active_v2()
        .function_name("fixture-broken")
        .wait(Duration::from_secs(120))
        .await;
    assert!(waited.is_err(), "the waiter stops at Failed: {waited:?}");
    let config = client
        .get_function_configuration()
        .function_name("fixture-broken")
        .send()
        .await
        .unwrap();
    assert_eq!(config.state(), Some(&State::Failed));
    assert_eq!(
        config.state_reason_code(),
        Some(&StateReasonCode::FunctionError)
    );
    let reason = config.state_reason().unwrap();
    assert!(
        reason.contains("cargo build -p broken-runtime failed"),
        "{reason}"
    );
    let (code, message) = error_of(
        client
            .invoke()
            .function_name("fixture-broken")
            .payload(Blob::new("{}"))
            .send()
            .await,
    );
    assert_eq!(code, "ResourceConflictException");
    assert_eq!(
        message,
        "The operation cannot be performed at this time. The function is currently in the following state: Failed"
    );
    let _ = emulator.stop.send(());
    emulator.served.await.unwrap().unwrap();
    let _ = std::fs::remove_dir_all(&package);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixture_functions_run_and_stopping_the_emulator_leaves_no_process_behind_in_process_only()
{
    if !runs_in_process_only(
        "fixture_functions_run_and_stopping_the_emulator_leaves_no_process_behind_in_process_only",
        "it stops an emulator of its own and looks for its processes on this machine",
    ) {
        return;
    }
    let fixture = format!(
        "functions:\n  - name: fixture-echo\n    role: lambda-test-role\n    code: {{ path: {ECHO} }}\n    environment: {{ STAGE: fixture }}\n    timeout: 5\n    memory_size: 256\n  - name: fixture-sleeper\n    role: arn:aws:iam::{ACCOUNT}:role/lambda-test-role\n    code: {{ path: {SLEEPER} }}\n"
    );
    let emulator = own_emulator(&fixture).await;
    endpoint();
    let client = Client::new(
        &aws_config::from_env()
            .endpoint_url(&emulator.url)
            .load()
            .await,
    );
    let config = client
        .get_function_configuration()
        .function_name("fixture-echo")
        .send()
        .await
        .unwrap();
    assert_eq!(config.timeout(), Some(5));
    assert_eq!(config.memory_size(), Some(256));
    assert_eq!(config.runtime(), Some(&Runtime::Providedal2023));
    let (_, body) = invoke(&client, "fixture-echo", json!({"from": "fixture"})).await;
    assert_eq!(body["env"]["STAGE"], "fixture");
    assert_eq!(body["env"]["AWS_ENDPOINT_URL"], emulator.url.as_str());
    let idle = body["pid"].as_u64().unwrap();
    // One environment idle, one busy when the emulator stops.
    let busy_client = client.clone();
    let busy = tokio::spawn(async move {
        busy_client
            .invoke()
            .function_name("fixture-sleeper")
            .payload(Blob::new(r#"{"seconds": 30}"#))
            .send()
            .await
    });
    let mut busy_pid = None;
    for _ in 0..200 {
        let text = get_from(
            &emulator.url,
            "/_emulator/lambda/invocations?function=fixture-sleeper",
        )
        .await;
        let records: Value = serde_json::from_str(&text).unwrap();
        if let Some(pid) = records["invocations"][0]["pid"].as_u64() {
            busy_pid = Some(pid);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let busy_pid = busy_pid.expect("the sleeper started");
    assert!(process_exists(idle) && process_exists(busy_pid));
    let _ = emulator.stop.send(());
    tokio::time::timeout(Duration::from_secs(10), emulator.served)
        .await
        .expect("the emulator stops within 10 s")
        .unwrap()
        .unwrap();
    // Checked, not assumed: both processes are gone (killed and reaped).
    assert!(!process_exists(idle), "idle environment {idle} left behind");
    assert!(
        !process_exists(busy_pid),
        "busy environment {busy_pid} left behind"
    );
    // The invocation in flight ended with the environment.
    if let Ok(Ok(output)) = busy.await {
        assert_eq!(output.function_error(), Some("Unhandled"));
    }
}

/// A GET to an emulator other than the shared one.
async fn get_from(url: &str, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    text.split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default()
}
