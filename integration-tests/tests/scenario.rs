//! The reference scenario end to end (`fixtures/parameter-store-blog/README.md` rows 5,
//! 7 and 8; rows 1–4, 6, 9 and 10 are in `securestring.rs`): the real handler runs as
//! `ParameterStoreBlogFunctionDev` under the emulator's Lambda, as its execution role.

use crate::common::{config_as, endpoint, raw, ssm};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_ssm::types::ParameterType;
use serde_json::Value;

const FUNCTION: &str = "ParameterStoreBlogFunctionDev";
const ADMIN: (&str, &str) = ("AKIAKEYADMINEXAMPLE1", "keyadmin-secret-access-key");
const SECRETS: &str = "/dev/parameterStoreBlog/appSecrets";
const NEW_SECTION: &str = "/dev/parameterStoreBlog/newSection";

async fn lambda_as_admin() -> aws_sdk_lambda::Client {
    aws_sdk_lambda::Client::new(&config_as(ADMIN.0, ADMIN.1, None).await)
}

/// Invokes the function and returns the sections its answer lists.
async fn invoke(client: &aws_sdk_lambda::Client) -> serde_json::Map<String, Value> {
    let out = client
        .invoke()
        .function_name(FUNCTION)
        .payload(Blob::new("{}"))
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.function_error(), None, "{:?}", out.payload());
    let payload: Value =
        serde_json::from_slice(out.payload().expect("payload").as_ref()).expect("JSON");
    let text = payload.as_str().expect("the function answers a string");
    let sections = text
        .strip_prefix("MyApp config is ")
        .unwrap_or_else(|| panic!("unexpected answer: {text}"));
    match serde_json::from_str(sections).expect("sections are JSON") {
        Value::Object(map) => map,
        other => panic!("sections: {other}"),
    }
}

/// Changes the function's configuration (its timeout), which retires its warm
/// environments: the next invocation starts cold.
async fn change_configuration(client: &aws_sdk_lambda::Client, timeout: i32) {
    client
        .update_function_configuration()
        .function_name(FUNCTION)
        .timeout(timeout)
        .send()
        .await
        .expect("update configuration");
}

/// The function's invocation records, newest last.
async fn records() -> Vec<Value> {
    let (status, _, body) = raw(
        "GET",
        &format!("/_emulator/lambda/invocations?function={FUNCTION}"),
        &[],
        b"",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).expect("records are JSON");
    let list = body
        .get("invocations")
        .or(Some(&body))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_else(|| panic!("no invocation list in {body}"));
    list
}

fn ssm_calls(record: &Value) -> Vec<String> {
    record["awsCalls"]
        .as_array()
        .map(|calls| {
            calls
                .iter()
                .filter(|c| c["service"] == "ssm")
                .filter_map(|c| c["operation"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn rows_5_7_8_the_function_reads_its_secret_warm_then_cold() {
    endpoint();
    let root = ssm().await;
    // A known world: appConfig from the fixtures; no newSection yet.
    let _ = root.delete_parameter().name(NEW_SECTION).send().await;
    // Row 1: the key administrator creates the secret under the scenario's key.
    let admin_ssm = aws_sdk_ssm::Client::new(&config_as(ADMIN.0, ADMIN.1, None).await);
    admin_ssm
        .put_parameter()
        .name(SECRETS)
        .value(r#"{"secretKey": "secretValue"}"#)
        .r#type(ParameterType::SecureString)
        .key_id("alias/ParameterStoreBlogKeyDev")
        .overwrite(true)
        .send()
        .await
        .expect("row 1");
    let lambda = lambda_as_admin().await;
    change_configuration(&lambda, 5).await;

    // Row 5: the administrator invokes; the function, as its role, decrypts the secret.
    let first = invoke(&lambda).await;
    assert_eq!(
        first["appConfig"],
        serde_json::json!({"key1": "value1", "key2": "value2", "key3": "value3"})
    );
    assert_eq!(
        first["appSecrets"],
        serde_json::json!({"secretKey": "secretValue"})
    );
    // Row 8: the second invocation reuses the environment and calls nothing.
    let second = invoke(&lambda).await;
    assert_eq!(second, first);
    let recorded = records().await;
    let (cold, warm) = (&recorded[recorded.len() - 2], &recorded[recorded.len() - 1]);
    assert_eq!(cold["coldStart"], true, "{cold}");
    assert!(cold["initDurationMs"].as_f64().is_some(), "{cold}");
    assert_eq!(ssm_calls(cold), ["GetParametersByPath"], "{cold}");
    assert_eq!(warm["coldStart"], false, "{warm}");
    assert!(warm["initDurationMs"].is_null(), "{warm}");
    assert!(ssm_calls(warm).is_empty(), "{warm}");
    let cold_total =
        cold["initDurationMs"].as_f64().unwrap() + cold["durationMs"].as_f64().unwrap_or(0.0);
    let warm_total = warm["durationMs"].as_f64().unwrap_or(f64::MAX);
    assert!(
        warm_total < cold_total,
        "warm {warm_total} ms vs cold {cold_total} ms"
    );

    // The function decrypted as its role: the decision log names the role session.
    let (_, _, decisions) = raw("GET", "/_emulator/decisions", &[], b"").await;
    assert!(
        decisions.contains(
            "arn:aws:sts::123456789012:assumed-role/ParameterStoreBlogFunctionRoleDev/ParameterStoreBlogFunctionDev"
        ),
        "the role session's decisions are recorded"
    );

    // Row 7: a parameter added now is not seen by the warm environment...
    root.put_parameter()
        .name(NEW_SECTION)
        .value(r#"{"added": "later"}"#)
        .r#type(ParameterType::String)
        .send()
        .await
        .unwrap();
    let still_warm = invoke(&lambda).await;
    assert!(!still_warm.contains_key("newSection"));
    // ...until a configuration change makes the next invocation start cold.
    change_configuration(&lambda, 6).await;
    let fresh = invoke(&lambda).await;
    assert_eq!(fresh["newSection"], serde_json::json!({"added": "later"}));
    assert_eq!(
        fresh["appSecrets"],
        serde_json::json!({"secretKey": "secretValue"})
    );
    let recorded = records().await;
    assert_eq!(recorded[recorded.len() - 1]["coldStart"], true);
    root.delete_parameter()
        .name(NEW_SECTION)
        .send()
        .await
        .unwrap();
}
