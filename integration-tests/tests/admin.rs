//! The emulator's own endpoints for test suites: reset to the fixtures, and export of the
//! current state in the fixture format. They run against an emulator of their own, so a
//! reset cannot disturb the other tests.

use crate::common::{config_as, error_of, runs_in_process_only, start_emulator};
use aws_sdk_ssm::types::ParameterType;

async fn client(url: &str) -> aws_sdk_ssm::Client {
    let config = config_as("test", "test", None).await;
    aws_sdk_ssm::Client::from_conf(
        aws_sdk_ssm::config::Builder::from(&config)
            .endpoint_url(url)
            .build(),
    )
}

pub(crate) async fn http(url: &str, method: &str, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or("");
    (status, body.to_owned())
}

#[tokio::test]
async fn reset_returns_to_the_fixtures_and_export_writes_fixtures_in_process_only() {
    if !runs_in_process_only(
        "reset_returns_to_the_fixtures_and_export_writes_fixtures_in_process_only",
        "it resets an emulator of its own, which would disturb the tests sharing a running one",
    ) {
        return;
    }
    let url = start_emulator(false);
    let ssm = client(&url).await;
    ssm.put_parameter()
        .name("/added/after/start")
        .value("temporary")
        .r#type(ParameterType::String)
        .send()
        .await
        .unwrap();
    ssm.put_parameter()
        .name("/added/secret")
        .value("exported-in-plain-text")
        .r#type(ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    ssm.put_parameter()
        .name("/dev/parameterStoreBlog/appConfig")
        .value(r#"{"changed": "yes"}"#)
        .overwrite(true)
        .send()
        .await
        .unwrap();
    ssm.put_parameter()
        .name("/dev/parameterStoreBlog/appSecrets")
        .value(r#"{"secretKey": "not-for-the-root"}"#)
        .r#type(ParameterType::SecureString)
        .key_id("alias/ParameterStoreBlogKeyDev")
        .send()
        .await
        .expect_err("the root may not encrypt under the scenario key");

    // SecureString values only when asked for.
    let (status, exported) = http(&url, "GET", "/_emulator/export").await;
    assert_eq!(status, 200);
    assert!(exported.contains("/added/after/start"), "{exported}");
    assert!(!exported.contains("exported-in-plain-text"), "{exported}");
    assert!(
        exported.contains("# Not exported (SecureString; export with ?include_secure_values=true): us-east-1 /added/secret"),
        "{exported}"
    );
    let (status, exported) =
        http(&url, "GET", "/_emulator/export?include_secure_values=true").await;
    assert_eq!(status, 200);
    assert!(exported.contains("/added/after/start"), "{exported}");
    assert!(exported.contains("exported-in-plain-text"), "{exported}");
    assert!(exported.contains("alias/ParameterStoreBlogKeyDev"));
    assert!(
        !exported.contains("key_material"),
        "key material is never exported"
    );
    let parsed = emulator::fixtures::parse(std::path::Path::new("export.yaml"), &exported)
        .expect("the export is a fixture file");
    assert!(parsed
        .parameters
        .iter()
        .any(|p| p.name == "/added/secret" && p.kind.as_deref() == Some("SecureString")));

    let (status, answer) = http(&url, "POST", "/_emulator/reset").await;
    assert_eq!(status, 200, "{answer}");
    let (code, _) = error_of(ssm.get_parameter().name("/added/after/start").send().await);
    assert_eq!(code, "ParameterNotFound");
    let config = ssm
        .get_parameter()
        .name("/dev/parameterStoreBlog/appConfig")
        .send()
        .await
        .unwrap();
    assert_eq!(config.parameter().unwrap().version(), 1);
    assert_eq!(
        config.parameter().unwrap().value(),
        Some(r#"{"key1": "value1","key2": "value2","key3": "value3"}"#)
    );
}
