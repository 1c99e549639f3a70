//! Managed runtimes end to end: a Python function (with `awslambdaric` and boto3) and a
//! Node.js function (with `aws-lambda-ric` and the AWS SDK for JavaScript v3), each
//! deployed as a zip of source files, reading a SecureString as its execution role,
//! refused when its role may not decrypt, and the runtime interface clients' errors
//! (`Runtime.ImportModuleError`, `Runtime.HandlerNotFound`, unhandled exceptions) as
//! Lambda reports them.
//!
//! They need the interpreters and clients on the emulator's machine (`pip install
//! awslambdaric boto3`; `npm install -g aws-lambda-ric @aws-sdk/client-ssm`; see the
//! README). Where a runtime has no interpreter the test says so and skips, unless
//! `EMULATOR_TEST_MANAGED_RUNTIMES=required` (CI sets it): then it fails.

use crate::common::{config_as, endpoint, error_of, unique};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, Runtime};
use aws_sdk_lambda::Client;
use aws_sdk_ssm::types::ParameterType;
use serde_json::{json, Value};
use std::io::Write;

const ADMIN: (&str, &str) = ("AKIAKEYADMINEXAMPLE1", "keyadmin-secret-access-key");
const READER_ROLE: &str = "arn:aws:iam::123456789012:role/ParameterStoreBlogFunctionRoleDev";
const NO_DECRYPT_ROLE: &str = "arn:aws:iam::123456789012:role/lambda-no-decrypt-role";

const PYTHON_HANDLER: &str = r#"import json
import os
import sys

import boto3

ssm = boto3.client("ssm")


def handler(event, context):
    if event.get("raise"):
        raise ValueError(event["raise"])
    value = ssm.get_parameter(Name=event["name"], WithDecryption=True)["Parameter"]["Value"]
    return {
        "value": value,
        "executionEnv": os.environ.get("AWS_EXECUTION_ENV"),
        "taskRootOnPath": os.environ["LAMBDA_TASK_ROOT"] in sys.path,
        "functionName": context.function_name,
        "requestId": context.aws_request_id,
    }
"#;

const NODE_HANDLER: &str = r#"const { SSMClient, GetParameterCommand } = require("@aws-sdk/client-ssm");

const ssm = new SSMClient({});

exports.handler = async (event, context) => {
  if (event.raise) {
    throw new TypeError(event.raise);
  }
  const out = await ssm.send(new GetParameterCommand({ Name: event.name, WithDecryption: true }));
  return {
    value: out.Parameter.Value,
    executionEnv: process.env.AWS_EXECUTION_ENV,
    functionName: context.functionName,
    requestId: context.awsRequestId,
  };
};
"#;

async fn lambda() -> Client {
    endpoint();
    Client::new(&aws_config::load_from_env().await)
}

pub(crate) fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().unix_permissions(0o644);
    for (name, text) in files {
        writer.start_file(*name, options).unwrap();
        writer.write_all(text.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// Whether CI demands these tests run.
fn required() -> bool {
    std::env::var("EMULATOR_TEST_MANAGED_RUNTIMES").is_ok_and(|v| v == "required")
}

/// Creates `name` with the first of `runtimes` the emulator can serve; `None` (after
/// saying why) if it can serve none and they are not required.
async fn create_any(
    client: &Client,
    name: &str,
    runtimes: &[Runtime],
    handler: &str,
    role: &str,
    files: &[(&str, &str)],
) -> Option<Runtime> {
    let mut refusals = Vec::new();
    for runtime in runtimes {
        let created = client
            .create_function()
            .function_name(name)
            .runtime(runtime.clone())
            .role(role)
            .handler(handler)
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(zip_of(files)))
                    .build(),
            )
            .timeout(30)
            .send()
            .await;
        match created {
            Ok(out) => {
                assert_eq!(out.runtime(), Some(runtime));
                return Some(runtime.clone());
            }
            Err(err) => {
                let (code, message) = error_of::<(), _, _>(Err(err));
                assert_eq!(code, "InvalidParameterValueException", "{message}");
                assert!(message.contains("none was found"), "{message}");
                refusals.push(message);
            }
        }
    }
    let why = refusals.join(" / ");
    assert!(
        !required(),
        "EMULATOR_TEST_MANAGED_RUNTIMES=required: {why}"
    );
    eprintln!("skipped: no interpreter for {runtimes:?} on the emulator's machine: {why}");
    None
}

/// Puts a SecureString under the scenario's key, as its key administrator.
async fn secret(name: &str, value: &str) {
    let admin = aws_sdk_ssm::Client::new(&config_as(ADMIN.0, ADMIN.1, None).await);
    admin
        .put_parameter()
        .name(name)
        .value(value)
        .r#type(ParameterType::SecureString)
        .key_id("alias/ParameterStoreBlogKeyDev")
        .overwrite(true)
        .send()
        .await
        .expect("put the secret");
}

/// Invokes; the function error header and the payload.
async fn invoke(client: &Client, name: &str, event: Value) -> (Option<String>, Value) {
    let out = client
        .invoke()
        .function_name(name)
        .payload(Blob::new(event.to_string()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("invoke {name}: {e:?}"));
    let body = serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap_or(Value::Null);
    (out.function_error().map(str::to_owned), body)
}

/// The shared body of the two languages' tests.
async fn reads_its_secret_as_its_role(
    prefix: &str,
    runtimes: &[Runtime],
    file: &str,
    source: &str,
    module: &str,
) {
    let client = lambda().await;
    let parameter = format!("/dev/parameterStoreBlog/{}", unique(prefix));
    secret(&parameter, "s3cr3t-for-the-function").await;

    let name = unique(prefix);
    let handler = format!("{module}.handler");
    let Some(runtime) = create_any(
        &client,
        &name,
        runtimes,
        &handler,
        READER_ROLE,
        &[(file, source)],
    )
    .await
    else {
        return;
    };
    let (error, body) = invoke(&client, &name, json!({"name": parameter})).await;
    assert_eq!(error, None, "{body}");
    assert_eq!(body["value"], "s3cr3t-for-the-function");
    assert_eq!(
        body["executionEnv"],
        format!("AWS_Lambda_{}", runtime.as_str())
    );
    assert_eq!(body["functionName"], name);
    // Warm: the module stays loaded.
    let (error, _) = invoke(&client, &name, json!({"name": parameter})).await;
    assert_eq!(error, None);

    // An unhandled exception: errorType, errorMessage and stackTrace, as Lambda reports it.
    let (error, body) = invoke(&client, &name, json!({"raise": "bad input"})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(body["errorMessage"], "bad input", "{body}");
    assert!(
        ["ValueError", "TypeError"].contains(&body["errorType"].as_str().unwrap_or("")),
        "{body}"
    );
    // Python's client names the frames `stackTrace`, Node.js's `trace`, as each
    // runtime does on Lambda.
    assert!(
        body["stackTrace"].is_array() || body["trace"].is_array(),
        "{body}"
    );

    // The same code as a role that may read the parameter but not decrypt it.
    let denied = unique(prefix);
    create_any(
        &client,
        &denied,
        std::slice::from_ref(&runtime),
        &handler,
        NO_DECRYPT_ROLE,
        &[(file, source)],
    )
    .await
    .expect("the runtime served above");
    let (error, body) = invoke(&client, &denied, json!({"name": parameter})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"), "{body}");
    assert_eq!(body["errorType"], "AccessDeniedException", "{body}");
    let message = body["errorMessage"].as_str().unwrap_or("");
    assert!(message.contains("lambda-no-decrypt-role"), "{body}");
    assert!(!message.contains("s3cr3t"), "{body}");

    // A handler module that does not exist, and a module without the handler.
    let missing = unique(prefix);
    create_any(
        &client,
        &missing,
        std::slice::from_ref(&runtime),
        "nowhere.handler",
        READER_ROLE,
        &[(file, source)],
    )
    .await
    .expect("served");
    let (error, body) = invoke(&client, &missing, json!({})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"), "{body}");
    assert_eq!(body["errorType"], "Runtime.ImportModuleError", "{body}");
    let no_handler = unique(prefix);
    create_any(
        &client,
        &no_handler,
        std::slice::from_ref(&runtime),
        &format!("{module}.nope"),
        READER_ROLE,
        &[(file, source)],
    )
    .await
    .expect("served");
    let (error, body) = invoke(&client, &no_handler, json!({})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"), "{body}");
    assert_eq!(body["errorType"], "Runtime.HandlerNotFound", "{body}");

    for function in [&name, &denied, &missing, &no_handler] {
        client
            .delete_function()
            .function_name(function)
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_function_reads_its_secret_as_its_role_with_boto3() {
    reads_its_secret_as_its_role(
        "py-",
        &[Runtime::Python312, Runtime::Python313, Runtime::Python314],
        "app.py",
        PYTHON_HANDLER,
        "app",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nodejs_function_reads_its_secret_as_its_role_with_the_sdk_v3() {
    reads_its_secret_as_its_role(
        "node-",
        &[Runtime::Nodejs22x, Runtime::Nodejs24x],
        "index.js",
        NODE_HANDLER,
        "index",
    )
    .await;
}

#[tokio::test]
async fn deprecated_and_unknown_runtimes_are_refused_as_lambda_refuses_them() {
    let client = lambda().await;
    let (code, message) = error_of(
        client
            .create_function()
            .function_name(unique("old-"))
            .runtime(Runtime::Python39)
            .role(READER_ROLE)
            .handler("app.handler")
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(zip_of(&[("app.py", "")])))
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterValueException");
    assert_eq!(
        message,
        "The runtime parameter of python3.9 is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (python3.14) while creating or updating functions."
    );
    let (code, message) = error_of(
        client
            .create_function()
            .function_name(unique("java-"))
            .runtime(Runtime::Java21)
            .role(READER_ROLE)
            .handler("a.B::handle")
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(zip_of(&[("a", "")])))
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterValueException");
    assert!(message.contains("java21"), "{message}");
}

/// The reference blog post's function shape: boto3 patched by the X-Ray SDK, reading a
/// SecureString.
const TRACED_HANDLER: &str = r#"import boto3
from aws_xray_sdk.core import patch_all, xray_recorder

patch_all()
ssm = boto3.client("ssm")


def handler(event, context):
    with xray_recorder.in_subsegment("load-config"):
        value = ssm.get_parameter(Name=event["name"], WithDecryption=True)["Parameter"]["Value"]
    return {"length": len(value)}
"#;

/// The invocation record of a function whose tracing is `Active` holds the segments its
/// X-Ray SDK sent (the handler's own subsegment and the SSM call inside it); with
/// `PassThrough` nothing is sampled, so nothing is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn active_tracing_attaches_the_functions_xray_subsegments_to_its_invocation() {
    let client = lambda().await;
    let parameter = format!("/dev/parameterStoreBlog/{}", unique("traced-"));
    secret(&parameter, "traced-secret").await;
    let name = unique("traced-");
    let runtimes = [Runtime::Python312, Runtime::Python313, Runtime::Python314];
    let Some(runtime) = create_any(
        &client,
        &name,
        &runtimes,
        "app.handler",
        READER_ROLE,
        &[("app.py", TRACED_HANDLER)],
    )
    .await
    else {
        return;
    };
    let (error, body) = invoke(&client, &name, json!({"name": parameter})).await;
    if body["errorType"] == "Runtime.ImportModuleError" {
        assert!(!required(), "aws-xray-sdk is missing: {body}");
        eprintln!("skipped: aws-xray-sdk is not installed for {runtime:?} ({body})");
        return;
    }
    assert_eq!(error, None, "{body}");
    let untraced = records_of(&name).await;
    assert!(
        untraced[0]["xray"].as_array().unwrap().is_empty(),
        "{untraced:?}"
    );

    client
        .update_function_configuration()
        .function_name(&name)
        .tracing_config(
            aws_sdk_lambda::types::TracingConfig::builder()
                .mode(aws_sdk_lambda::types::TracingMode::Active)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let (error, body) = invoke(&client, &name, json!({"name": parameter})).await;
    assert_eq!(error, None, "{body}");
    // Segments arrive over UDP as the SDK ends them: wait a little for the last.
    let mut timeline = Vec::new();
    for _ in 0..50 {
        let records = records_of(&name).await;
        timeline = records[1]["xray"].as_array().cloned().unwrap_or_default();
        if timeline.iter().any(|e| e["namespace"] == "aws") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let load = timeline
        .iter()
        .find(|e| e["name"] == "load-config")
        .unwrap_or_else(|| panic!("no handler subsegment in {timeline:?}"));
    let call = timeline
        .iter()
        .find(|e| e["namespace"] == "aws")
        .unwrap_or_else(|| panic!("no AWS call subsegment in {timeline:?}"));
    assert!(
        call["name"]
            .as_str()
            .unwrap_or("")
            .eq_ignore_ascii_case("ssm"),
        "{call}"
    );
    assert_eq!(call["operation"], "GetParameter", "{call}");
    assert_eq!(call["httpStatus"], 200, "{call}");
    assert_eq!(call["parentId"], load["id"], "{timeline:?}");
    assert!(call["durationMs"].as_f64().is_some(), "{call}");
    // The platform's own subsegments frame the handler's.
    let invocation = timeline
        .iter()
        .find(|e| e["name"] == "Invocation")
        .unwrap_or_else(|| panic!("no Invocation subsegment in {timeline:?}"));
    assert!(
        invocation["startTime"].as_f64().unwrap() <= load["startTime"].as_f64().unwrap() + 0.05,
        "{timeline:?}"
    );
    assert!(
        !serde_json::to_string(&timeline)
            .unwrap()
            .contains("traced-secret"),
        "no value is kept"
    );
    client
        .delete_function()
        .function_name(&name)
        .send()
        .await
        .unwrap();
}

/// The emulator's invocation records of one function, oldest first.
pub(crate) async fn records_of(name: &str) -> Vec<Value> {
    let (status, _, body) = crate::common::raw(
        "GET",
        &format!("/_emulator/lambda/invocations?function={name}"),
        &[],
        b"",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    body["invocations"].as_array().cloned().unwrap_or_default()
}
