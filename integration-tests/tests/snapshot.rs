//! Snapshots: the whole state taken from one emulator with `GET /_emulator/snapshot` and
//! restored into a new one with `POST /_emulator/snapshot`; ciphertexts made before
//! decrypt after, parameter versions and labels are identical, Lambda functions come
//! along with their code, versions and aliases, and a damaged or foreign file is refused
//! without changing anything.

use crate::common::{config_as, runs_in_process_only, start_emulator};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_ssm::types::ParameterType;

async fn clients(url: &str) -> (aws_sdk_ssm::Client, aws_sdk_kms::Client) {
    let config = config_as("test", "test", None).await;
    let ssm = aws_sdk_ssm::Client::from_conf(
        aws_sdk_ssm::config::Builder::from(&config)
            .endpoint_url(url)
            .build(),
    );
    let kms = aws_sdk_kms::Client::from_conf(
        aws_sdk_kms::config::Builder::from(&config)
            .endpoint_url(url)
            .build(),
    );
    (ssm, kms)
}

/// One HTTP/1.1 request with a body; the status and the body of the answer.
async fn http(url: &str, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete answer");
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "the admin answers carry a length"
    );
    (status, response[split + 4..].to_vec())
}

#[tokio::test]
async fn a_snapshot_restored_into_a_new_emulator_keeps_versions_labels_and_ciphertexts() {
    if !runs_in_process_only(
        "a_snapshot_restored_into_a_new_emulator_keeps_versions_labels_and_ciphertexts",
        "it restores into emulators of its own",
    ) {
        return;
    }
    let first = start_emulator(false);
    let (ssm, kms) = clients(&first).await;
    // A key made through the API (random material), rotated once: a blob made under
    // each material version must decrypt after the restore.
    let key = kms
        .create_key()
        .description("snapshot test")
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    kms.create_alias()
        .alias_name("alias/snapshot-test")
        .target_key_id(&key)
        .send()
        .await
        .unwrap();
    let old_blob = kms
        .encrypt()
        .key_id(&key)
        .plaintext(Blob::new("before rotation"))
        .send()
        .await
        .unwrap()
        .ciphertext_blob
        .unwrap();
    kms.rotate_key_on_demand()
        .key_id(&key)
        .send()
        .await
        .unwrap();
    let new_blob = kms
        .encrypt()
        .key_id("alias/snapshot-test")
        .plaintext(Blob::new("after rotation"))
        .encryption_context("purpose", "snapshot")
        .send()
        .await
        .unwrap()
        .ciphertext_blob
        .unwrap();
    // Three versions, a label on the second, tags, and SecureStrings under the API key
    // and under aws/ssm.
    for value in ["one", "two", "three"] {
        ssm.put_parameter()
            .name("/snapshot/plain")
            .value(value)
            .r#type(ParameterType::String)
            .overwrite(true)
            .send()
            .await
            .unwrap();
    }
    ssm.label_parameter_version()
        .name("/snapshot/plain")
        .parameter_version(2)
        .labels("stable")
        .send()
        .await
        .unwrap();
    ssm.add_tags_to_resource()
        .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::Parameter)
        .resource_id("/snapshot/plain")
        .tags(
            aws_sdk_ssm::types::Tag::builder()
                .key("team")
                .value("core")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    ssm.put_parameter()
        .name("/snapshot/secret-own-key")
        .value("under the API key")
        .r#type(ParameterType::SecureString)
        .key_id(&key)
        .send()
        .await
        .unwrap();
    ssm.put_parameter()
        .name("/snapshot/secret-default")
        .value("under aws/ssm")
        .r#type(ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    let history_before = ssm
        .get_parameter_history()
        .name("/snapshot/plain")
        .send()
        .await
        .unwrap()
        .parameters
        .unwrap();

    // A function deployed as a zip, with a published version and an alias on it.
    let lambda_client = |url: &str| {
        let url = url.to_owned();
        async move {
            let config = config_as("test", "test", None).await;
            aws_sdk_lambda::Client::from_conf(
                aws_sdk_lambda::config::Builder::from(&config)
                    .endpoint_url(url)
                    .build(),
            )
        }
    };
    let lambda = lambda_client(&first).await;
    let created = lambda
        .create_function()
        .function_name("snapshot-echo")
        .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
        .role("arn:aws:iam::123456789012:role/lambda-test-role")
        .handler("bootstrap")
        .code(crate::lambda::zipped(env!("CARGO_BIN_EXE_echo")))
        .publish(true)
        .send()
        .await
        .unwrap();
    lambda
        .create_alias()
        .function_name("snapshot-echo")
        .name("live")
        .function_version("1")
        .send()
        .await
        .unwrap();

    let (status, snapshot) = http(&first, "GET", "/_emulator/snapshot", b"").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&snapshot));
    let document: serde_json::Value = serde_json::from_slice(&snapshot).unwrap();
    assert_eq!(document["format"], "emulator-snapshot");
    assert_eq!(document["version"], 4);

    // A second emulator, which has never seen the key: restored, it decrypts.
    let second = start_emulator(false);
    let (ssm2, kms2) = clients(&second).await;
    assert!(kms2.describe_key().key_id(&key).send().await.is_err());
    let (status, body) = http(&second, "POST", "/_emulator/snapshot", &snapshot).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));

    let plain = kms2
        .decrypt()
        .ciphertext_blob(old_blob.clone())
        .send()
        .await
        .unwrap()
        .plaintext
        .unwrap();
    assert_eq!(plain.as_ref(), b"before rotation");
    let plain = kms2
        .decrypt()
        .ciphertext_blob(new_blob)
        .encryption_context("purpose", "snapshot")
        .send()
        .await
        .unwrap()
        .plaintext
        .unwrap();
    assert_eq!(plain.as_ref(), b"after rotation");
    // The function came along, with its code, version and alias, and runs there.
    let lambda2 = lambda_client(&second).await;
    let alias = lambda2
        .get_alias()
        .function_name("snapshot-echo")
        .name("live")
        .send()
        .await
        .unwrap();
    assert_eq!(alias.function_version(), Some("1"));
    let configuration = lambda2
        .get_function_configuration()
        .function_name("snapshot-echo")
        .qualifier("1")
        .send()
        .await
        .unwrap();
    assert_eq!(configuration.code_sha256(), created.code_sha256());
    let invoked = lambda2
        .invoke()
        .function_name("snapshot-echo")
        .qualifier("live")
        .payload(Blob::new(r#"{"restored":1}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(invoked.function_error(), None);
    let payload: serde_json::Value =
        serde_json::from_slice(invoked.payload().unwrap().as_ref()).unwrap();
    assert_eq!(payload["event"]["restored"], 1, "{payload}");
    let rotations = kms2
        .list_key_rotations()
        .key_id(&key)
        .send()
        .await
        .unwrap()
        .rotations
        .unwrap_or_default();
    assert_eq!(rotations.len(), 1, "rotation history kept");
    for (name, expected) in [
        ("/snapshot/secret-own-key", "under the API key"),
        ("/snapshot/secret-default", "under aws/ssm"),
    ] {
        let value = ssm2
            .get_parameter()
            .name(name)
            .with_decryption(true)
            .send()
            .await
            .unwrap()
            .parameter
            .unwrap()
            .value
            .unwrap();
        assert_eq!(value, expected);
    }
    let history_after = ssm2
        .get_parameter_history()
        .name("/snapshot/plain")
        .send()
        .await
        .unwrap()
        .parameters
        .unwrap();
    assert_eq!(
        history_before, history_after,
        "versions and labels identical"
    );
    let labelled = ssm2
        .get_parameter()
        .name("/snapshot/plain:stable")
        .send()
        .await
        .unwrap()
        .parameter
        .unwrap();
    assert_eq!(labelled.value.as_deref(), Some("two"));
    let tags = ssm2
        .list_tags_for_resource()
        .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::Parameter)
        .resource_id("/snapshot/plain")
        .send()
        .await
        .unwrap()
        .tag_list
        .unwrap();
    assert_eq!(tags.len(), 1);
    // The next write continues the version sequence.
    let next = ssm2
        .put_parameter()
        .name("/snapshot/plain")
        .value("four")
        .overwrite(true)
        .send()
        .await
        .unwrap();
    assert_eq!(next.version, 4);

    // A damaged snapshot (one byte of the state changed), a foreign document and a
    // newer version are refused, and the restored world stays as it was.
    let text = String::from_utf8(snapshot.clone()).unwrap();
    let damaged = text.replacen("\"two\"", "\"twO\"", 1);
    assert_ne!(damaged, text);
    let mut newer = document.clone();
    newer["version"] = serde_json::json!(5);
    for (bad, why) in [
        (damaged.into_bytes(), "corrupt"),
        (b"{\"keys\": []}".to_vec(), "not an emulator snapshot"),
        (b"not json at all".to_vec(), "not an emulator snapshot"),
        (serde_json::to_vec(&newer).unwrap(), "format version 5"),
    ] {
        let (status, body) = http(&second, "POST", "/_emulator/snapshot", &bad).await;
        let body = String::from_utf8_lossy(&body);
        assert_eq!(status, 400, "{body}");
        assert!(body.contains(why), "{why}: {body}");
    }
    let still = kms2
        .decrypt()
        .ciphertext_blob(old_blob)
        .send()
        .await
        .unwrap()
        .plaintext
        .unwrap();
    assert_eq!(still.as_ref(), b"before rotation");
}

#[tokio::test]
async fn snapshots_need_the_admin_boundary_when_it_is_on() {
    if !runs_in_process_only(
        "snapshots_need_the_admin_boundary_when_it_is_on",
        "it starts a strict emulator of its own",
    ) {
        return;
    }
    let url = start_emulator(true);
    let (status, _) = http(&url, "GET", "/_emulator/snapshot", b"").await;
    assert_eq!(
        status, 403,
        "a snapshot holds key material: never open under --strict"
    );
    let (status, _) = http(&url, "POST", "/_emulator/snapshot", b"{}").await;
    assert_eq!(status, 403);
}
