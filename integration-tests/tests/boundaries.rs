//! The emulator's trust boundaries, tried as an attacker would: requests for another
//! `Host` (DNS rebinding), cross-site browser requests, JSON bodies without their content
//! type, the admin endpoints without a token or an allowed signature, large unsigned
//! bodies under `--strict`; and the limits, the atomic reset, and secrets that never reach
//! a log, a record or an error.

use crate::common::{
    captured_logs, code_of, config_as, endpoint, error_of, fixture_paths, start_emulator,
    start_emulator_with, strict_endpoint, unique,
};
use aws_sdk_ssm::types::ParameterType;
use serde_json::Value;
use std::time::Duration;

const JSON: (&str, &str) = ("Content-Type", "application/x-amz-json-1.1");
const ADMIN: (&str, &str) = ("AKIAEMULATORADMIN001", "emulator-admin-secret");
const EXPORTER: (&str, &str) = ("AKIAEMULATOREXPORT01", "emulator-exporter-secret");
const READER: (&str, &str) = ("AKIADEVREADER0000001", "dev-reader-secret");
/// The scenario function role's fixed session: the credentials a function holds.
const FUNCTION_ROLE: (&str, &str, &str) = (
    "ASIAFUNCTIONROLETEST",
    "function-role-test-secret",
    "function-role-test-session-token",
);
const APP_CONFIG: &str = "/dev/parameterStoreBlog/appConfig";

/// One HTTP/1.1 exchange with the emulator at `url`, written byte for byte as given
/// (`Host` is the emulator's address unless `headers` name one). Returns the status and
/// the body.
async fn send(
    url: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: {address}\r\n"));
    }
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-length"))
    {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    stream.write_all(body).await.expect("write body");
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut response))
        .await
        .expect("an answer within 20 s")
        .expect("read");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// The headers of `method url` signed by `key` (id, secret, session token) with the
/// real SigV4 signer.
fn signed(
    url: &str,
    method: &str,
    path: &str,
    key: (&str, &str, Option<&str>),
) -> Vec<(String, String)> {
    use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let identity = aws_credential_types::Credentials::new(
        key.0,
        key.1,
        key.2.map(str::to_owned),
        None,
        "test",
    )
    .into();
    let params: aws_sigv4::http_request::SigningParams<'_> =
        aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name("emulator")
            .time(std::time::SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .unwrap()
            .into();
    let headers = [("host", host)];
    let full = format!("http://{host}{path}");
    let signable = SignableRequest::new(
        method,
        &full,
        headers.iter().copied(),
        SignableBody::Bytes(b""),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    instructions
        .headers()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

async fn send_signed(
    url: &str,
    method: &str,
    path: &str,
    key: (&str, &str, Option<&str>),
) -> (u16, String) {
    let headers = signed(url, method, path, key);
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    send(url, method, path, &pairs, b"").await
}

async fn ssm_at(
    url: &str,
    key: (&str, &str, Option<&str>),
    region: &'static str,
) -> aws_sdk_ssm::Client {
    let config = config_as(key.0, key.1, key.2).await;
    aws_sdk_ssm::Client::from_conf(
        aws_sdk_ssm::config::Builder::from(&config)
            .endpoint_url(url)
            .region(aws_sdk_ssm::config::Region::new(region))
            .build(),
    )
}

async fn kms_at(
    url: &str,
    key: (&str, &str, Option<&str>),
    region: &'static str,
) -> aws_sdk_kms::Client {
    let config = config_as(key.0, key.1, key.2).await;
    aws_sdk_kms::Client::from_conf(
        aws_sdk_kms::config::Builder::from(&config)
            .endpoint_url(url)
            .region(aws_sdk_kms::config::Region::new(region))
            .build(),
    )
}

const ROOT: (&str, &str, Option<&str>) = ("test", "test", None);

#[tokio::test]
async fn requests_for_another_host_are_refused() {
    let url = endpoint();
    let get = format!(r#"{{"Name":"{APP_CONFIG}"}}"#);
    let target = ("X-Amz-Target", "AmazonSSM.GetParameter");
    // DNS rebinding: the page's own name, now resolving to 127.0.0.1.
    for host in [
        "evil.example",
        "evil.example:4566",
        "localhost.evil.example",
    ] {
        let (status, body) = send(
            url,
            "POST",
            "/",
            &[("Host", host), JSON, target],
            get.as_bytes(),
        )
        .await;
        assert_eq!(status, 403, "{host}: {body}");
        assert_eq!(json(&body)["__type"], "AccessDeniedException", "{body}");
        assert!(!body.contains("value1"), "{body}");
    }
    let (status, _) = send(
        url,
        "GET",
        "/_emulator/health",
        &[("Host", "evil.example")],
        b"",
    )
    .await;
    assert_eq!(status, 403);
    // This machine's names, with any port.
    let port = url.rsplit(':').next().unwrap();
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        "[::1]:1".to_owned(),
    ] {
        let (status, body) = send(
            url,
            "POST",
            "/",
            &[("Host", &host), JSON, target],
            get.as_bytes(),
        )
        .await;
        assert_eq!(status, 200, "{host}: {body}");
    }
}

#[tokio::test]
async fn cross_site_browser_requests_are_refused() {
    let url = endpoint();
    let get = format!(r#"{{"Name":"{APP_CONFIG}"}}"#);
    let target = ("X-Amz-Target", "AmazonSSM.GetParameter");
    for header in [
        ("Origin", "https://evil.example"),
        ("Origin", "null"),
        ("Sec-Fetch-Site", "cross-site"),
    ] {
        let (status, body) = send(url, "POST", "/", &[JSON, target, header], get.as_bytes()).await;
        assert_eq!(status, 403, "{header:?}: {body}");
        assert!(json(&body)["message"]
            .as_str()
            .unwrap()
            .contains("other sites"));
    }
    // STS's form-encoded requests are what a page can send without a preflight.
    let (status, body) = send(
        url,
        "POST",
        "/",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", "https://evil.example"),
        ],
        b"Action=GetCallerIdentity&Version=2011-06-15",
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");
    // Lambda's paths too.
    let (status, _) = send(
        url,
        "POST",
        "/2015-03-31/functions/ParameterStoreBlogFunctionDev/invocations",
        &[
            ("Content-Type", "text/plain"),
            ("Origin", "https://evil.example"),
        ],
        b"{}",
    )
    .await;
    assert_eq!(status, 403);
    // A page of this machine, and requests without an Origin, are served.
    let port = url.rsplit(':').next().unwrap();
    let local = format!("http://localhost:{port}");
    for headers in [
        vec![
            JSON,
            target,
            ("Origin", local.as_str()),
            ("Sec-Fetch-Site", "same-origin"),
        ],
        vec![JSON, target],
    ] {
        let (status, body) = send(url, "POST", "/", &headers, get.as_bytes()).await;
        assert_eq!(status, 200, "{headers:?}: {body}");
    }
}

#[tokio::test]
async fn json_requests_without_their_content_type_are_refused() {
    let url = endpoint();
    let name = unique("/drive-by/created");
    let put = format!(r#"{{"Name":"{name}","Value":"pwned","Type":"String"}}"#);
    let target = ("X-Amz-Target", "AmazonSSM.PutParameter");
    // What `fetch(url, {method: "POST", mode: "no-cors", body})` sends: no content type,
    // or text/plain; neither needs a preflight.
    for headers in [
        vec![target],
        vec![target, ("Content-Type", "text/plain;charset=UTF-8")],
    ] {
        let (status, body) = send(url, "POST", "/", &headers, put.as_bytes()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(json(&body)["__type"], "UnknownOperationException", "{body}");
    }
    let ssm = ssm_at(url, ROOT, "us-east-1").await;
    assert_eq!(
        code_of(ssm.get_parameter().name(&name).send().await),
        "ParameterNotFound"
    );
}

#[tokio::test]
async fn admin_endpoints_need_a_token_or_an_allowed_signature_under_strict() {
    let token = "admin-token-for-tests-0123456789";
    let url = start_emulator_with(emulator::Config {
        strict: true,
        admin_token: emulator::config::AdminToken::new(token),
        ..emulator::Config::default()
    });
    let url = url.as_str();
    // Health checks stay open.
    let (status, _) = send(url, "GET", "/_emulator/health", &[], b"").await;
    assert_eq!(status, 200);
    // Nobody else, unsigned or with another token.
    for (method, path) in [
        ("GET", "/_emulator/export"),
        ("GET", "/_emulator/export?include_secure_values=true"),
        ("GET", "/_emulator/decisions"),
        ("GET", "/_emulator/lambda/invocations"),
        ("POST", "/_emulator/reset"),
    ] {
        let (status, body) = send(url, method, path, &[], b"").await;
        assert_eq!(status, 403, "{method} {path}: {body}");
        assert_eq!(json(&body)["__type"], "AccessDeniedException");
        let (status, _) = send(url, method, path, &[("Authorization", "Bearer guess")], b"").await;
        assert_eq!(status, 403, "{method} {path}");
        // An unknown key cannot act as the root here.
        let (status, _) = send_signed(url, method, path, ("AKIAUNKNOWN000000001", "x", None)).await;
        assert_eq!(status, 403, "{method} {path}");
    }
    let bearer = format!("Bearer {token}");
    let (status, body) = send(
        url,
        "GET",
        "/_emulator/decisions",
        &[("Authorization", bearer.as_str())],
        b"",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // A principal allowed emulator:* may; one allowed Export may export, not secrets.
    let (status, body) =
        send_signed(url, "GET", "/_emulator/decisions", (ADMIN.0, ADMIN.1, None)).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send_signed(
        url,
        "GET",
        "/_emulator/export",
        (EXPORTER.0, EXPORTER.1, None),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send_signed(
        url,
        "GET",
        "/_emulator/export?include_secure_values=true",
        (EXPORTER.0, EXPORTER.1, None),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("emulator:ExportSecureValues"), "{body}");
    let (status, body) =
        send_signed(url, "POST", "/_emulator/reset", (READER.0, READER.1, None)).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("is not authorized to perform: emulator:Reset"),
        "{body}"
    );
    // The refusal was decided by the policy engine, and recorded.
    let (_, decisions) = send(
        url,
        "GET",
        "/_emulator/decisions?denied=true",
        &[("Authorization", bearer.as_str())],
        b"",
    )
    .await;
    assert!(decisions.contains("emulator:Reset"), "{decisions}");
}

#[tokio::test]
async fn a_function_cannot_read_secrets_through_the_export() {
    // A function holds its role's session credentials and AWS_ENDPOINT_URL. The scenario
    // role may decrypt the scenario's secrets through SSM, but is allowed no emulator
    // action: neither signed nor unsigned can it export them.
    let url = strict_endpoint();
    let secret = format!("only-for-the-function-{}", unique("v"));
    let name = unique("/dev/parameterStoreBlog/exportTest");
    let role = (FUNCTION_ROLE.0, FUNCTION_ROLE.1, Some(FUNCTION_ROLE.2));
    let kms = kms_at(url, role, "us-east-1").await;
    let blob = kms
        .encrypt()
        .key_id("alias/ParameterStoreBlogKeyDev")
        .plaintext(aws_sdk_kms::primitives::Blob::new(secret.as_bytes()))
        .send()
        .await
        .expect("the role may encrypt");
    assert!(blob.ciphertext_blob().is_some());
    let keyadmin = ssm_at(
        url,
        ("AKIAKEYADMINEXAMPLE1", "keyadmin-secret-access-key", None),
        "us-east-1",
    )
    .await;
    keyadmin
        .put_parameter()
        .name(&name)
        .value(&secret)
        .r#type(ParameterType::SecureString)
        .key_id("alias/ParameterStoreBlogKeyDev")
        .send()
        .await
        .expect("keyadmin may write under the scenario key");
    for path in [
        "/_emulator/export?include_secure_values=true",
        "/_emulator/export",
    ] {
        let (status, body) = send_signed(url, "GET", path, role).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert!(!body.contains(&secret));
        let (status, body) = send(url, "GET", path, &[], b"").await;
        assert_eq!(status, 403, "{path}: {body}");
        assert!(!body.contains(&secret));
    }
    // In open mode the export holds no SecureString value unless asked for, not even
    // one the root may decrypt.
    let open = ssm_at(endpoint(), ROOT, "us-east-1").await;
    let name = unique("/export/secure");
    open.put_parameter()
        .name(&name)
        .value(&secret)
        .r#type(ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    let (status, body) = send(endpoint(), "GET", "/_emulator/export", &[], b"").await;
    assert_eq!(status, 200);
    assert!(!body.contains(&secret), "{body}");
    assert!(
        body.contains(&format!(
            "export with ?include_secure_values=true): us-east-1 {name}"
        )),
        "{body}"
    );
}

#[tokio::test]
async fn strict_emulator_refuses_unsigned_bodies_before_reading_them() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let url = strict_endpoint();
    let address = url.trim_start_matches("http://");
    for path in ["/", "/2015-03-31/functions/any/invocations"] {
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        // Announces 600 KB, sends 10 bytes, and waits: the emulator must answer now
        // rather than wait for the rest.
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AmazonSSM.GetParameter\r\nContent-Length: 600000\r\n\r\n{{\"Name\":\"x"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut answer = vec![0u8; 4096];
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
            .await
            .expect("answered before the body arrived");
        let n = read.unwrap();
        let text = String::from_utf8_lossy(&answer[..n]);
        assert!(
            text.starts_with("HTTP/1.1 400") || text.starts_with("HTTP/1.1 403"),
            "{path}: {text}"
        );
        assert!(
            text.contains("MissingAuthenticationToken"),
            "{path}: {text}"
        );
    }
}

/// A client that announces a body and then trickles nothing more cannot hold a request
/// open: past the body read timeout the emulator answers `408 RequestTimeoutException`
/// (before the fix, a body was read without any deadline).
#[tokio::test]
async fn a_body_that_never_arrives_is_answered_at_the_body_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let url = start_emulator_with(emulator::Config {
        body_read_timeout: Duration::from_secs(1),
        ..emulator::Config::default()
    });
    let address = url.trim_start_matches("http://").to_owned();
    for path in ["/", "/2015-03-31/functions/any/invocations"] {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: AmazonSSM.GetParameter\r\nContent-Length: 1000\r\n\r\n{{\"Name\":\"x"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut answer = vec![0u8; 4096];
        // Generous: the answer is due after one second; this bounds a hang, it times
        // nothing.
        let read = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut answer))
            .await
            .expect("answered once the body timeout passed");
        let n = read.unwrap();
        let text = String::from_utf8_lossy(&answer[..n]);
        assert!(text.starts_with("HTTP/1.1 408"), "{path}: {text}");
        assert!(text.contains("RequestTimeoutException"), "{path}: {text}");
    }
}

#[tokio::test]
async fn parameter_and_key_quotas_are_enforced() {
    let url = start_emulator_with(emulator::Config {
        max_standard_parameters: 3,
        max_advanced_parameters: 1,
        max_keys: 2,
        ..emulator::Config::default()
    });
    let ssm = ssm_at(&url, ROOT, "eu-west-3").await;
    for i in 0..3 {
        ssm.put_parameter()
            .name(format!("/quota/p{i}"))
            .value("v")
            .r#type(ParameterType::String)
            .send()
            .await
            .unwrap();
    }
    let (code, message) = error_of(
        ssm.put_parameter()
            .name("/quota/p3")
            .value("v")
            .r#type(ParameterType::String)
            .send()
            .await,
    );
    assert_eq!(code, "ParameterLimitExceeded", "{message}");
    // Overwriting is not a new parameter; deleting frees a place.
    ssm.put_parameter()
        .name("/quota/p0")
        .value("w")
        .overwrite(true)
        .send()
        .await
        .unwrap();
    ssm.delete_parameter()
        .name("/quota/p1")
        .send()
        .await
        .unwrap();
    ssm.put_parameter()
        .name("/quota/p3")
        .value("v")
        .r#type(ParameterType::String)
        .send()
        .await
        .unwrap();
    let kms = kms_at(&url, ROOT, "eu-west-3").await;
    kms.create_key().send().await.unwrap();
    kms.create_key().send().await.unwrap();
    assert_eq!(
        code_of(kms.create_key().send().await),
        "LimitExceededException"
    );
}

#[tokio::test]
async fn ciphertexts_stay_valid_across_resets_and_restarts() {
    let url = start_emulator(false);
    let role = (FUNCTION_ROLE.0, FUNCTION_ROLE.1, Some(FUNCTION_ROLE.2));
    let kms = kms_at(&url, role, "us-east-1").await;
    let blob = kms
        .encrypt()
        .key_id("alias/ParameterStoreBlogKeyDev")
        .plaintext(aws_sdk_kms::primitives::Blob::new("survives".as_bytes()))
        .send()
        .await
        .unwrap()
        .ciphertext_blob()
        .unwrap()
        .clone();
    let (status, body) = send(&url, "POST", "/_emulator/reset", &[], b"").await;
    assert_eq!(status, 200, "{body}");
    let plain = kms
        .decrypt()
        .ciphertext_blob(blob.clone())
        .send()
        .await
        .expect("decrypts after a reset");
    assert_eq!(plain.plaintext().unwrap().as_ref(), b"survives");
    let restarted = start_emulator(false);
    let kms = kms_at(&restarted, role, "us-east-1").await;
    let plain = kms
        .decrypt()
        .ciphertext_blob(blob)
        .send()
        .await
        .expect("decrypts after a restart on the same fixtures");
    assert_eq!(plain.plaintext().unwrap().as_ref(), b"survives");
}

#[tokio::test]
async fn requests_during_a_reset_never_see_a_half_loaded_world() {
    let url = start_emulator(false);
    let ssm = ssm_at(&url, ROOT, "us-east-1").await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let stop = std::sync::Arc::clone(&stop);
        tokio::spawn(async move {
            let mut missing = 0;
            let mut reads = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                reads += 1;
                if ssm.get_parameter().name(APP_CONFIG).send().await.is_err() {
                    missing += 1;
                }
            }
            (missing, reads)
        })
    };
    for _ in 0..30 {
        let (status, body) = send(&url, "POST", "/_emulator/reset", &[], b"").await;
        assert_eq!(status, 200, "{body}");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (missing, reads) = reader.await.unwrap();
    assert!(reads > 0);
    assert_eq!(missing, 0, "{missing} of {reads} reads found no parameter");
}

/// Every secret the fixtures hold: secret access keys, session secrets and tokens, and
/// SecureString values.
fn fixture_secrets() -> Vec<String> {
    let fixtures = emulator::fixtures::load(&fixture_paths(), "123456789012").unwrap();
    let mut secrets = Vec::new();
    for (_, user) in &fixtures.users {
        secrets.extend(user.access_keys.iter().map(|k| k.secret.clone()));
    }
    for (_, session) in &fixtures.role_sessions {
        secrets.push(session.secret.clone());
        secrets.push(session.session_token.clone());
    }
    for (_, parameter) in &fixtures.parameters {
        if parameter.kind.as_deref() == Some("SecureString") {
            secrets.push(parameter.value.clone());
        }
    }
    secrets
}

#[tokio::test]
async fn no_secret_reaches_a_log_a_record_or_an_error_in_process_only() {
    if !crate::common::runs_in_process_only(
        "no_secret_reaches_a_log_a_record_or_an_error_in_process_only",
        "it reads the emulator's trace-level log, which only an emulator in this process writes here",
    ) {
        return;
    }
    let url = start_emulator(false);
    let mut seen = String::new();
    // A secret the root may read, which the export must still not write unasked.
    let root_secret = unique("root-readable-secret-");
    ssm_at(&url, ROOT, "us-east-1")
        .await
        .put_parameter()
        .name("/secrets-test/root-readable")
        .value(&root_secret)
        .r#type(ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    // The reference scenario: the key admin stores a secret the function reads.
    let plaintext = format!("{{\"secretKey\": \"{}\"}}", unique("never-logged-"));
    let keyadmin_key = ("AKIAKEYADMINEXAMPLE1", "keyadmin-secret-access-key", None);
    let keyadmin = ssm_at(&url, keyadmin_key, "us-east-1").await;
    keyadmin
        .put_parameter()
        .name("/dev/parameterStoreBlog/appSecrets")
        .value(&plaintext)
        .r#type(ParameterType::SecureString)
        .key_id("alias/ParameterStoreBlogKeyDev")
        .overwrite(true)
        .send()
        .await
        .unwrap();
    // Refused reads (the key admin may not decrypt) and allowed ones.
    let (code, message) = error_of(
        keyadmin
            .get_parameter()
            .name("/dev/parameterStoreBlog/appSecrets")
            .with_decryption(true)
            .send()
            .await,
    );
    seen.push_str(&format!("{code} {message}\n"));
    let role = ssm_at(
        &url,
        (FUNCTION_ROLE.0, FUNCTION_ROLE.1, Some(FUNCTION_ROLE.2)),
        "us-east-1",
    )
    .await;
    let read = role
        .get_parameter()
        .name("/dev/parameterStoreBlog/appSecrets")
        .with_decryption(true)
        .send()
        .await
        .unwrap();
    assert_eq!(read.parameter().unwrap().value(), Some(plaintext.as_str()));
    // A session the emulator issues, used, then presented with a wrong token and a
    // wrong secret.
    let sts_config = config_as("AKIAASSUMER000000001", "assumer-secret", None).await;
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(&sts_config)
            .endpoint_url(&url)
            .build(),
    );
    let assumed = sts
        .assume_role()
        .role_arn("arn:aws:iam::123456789012:role/app-role")
        .role_session_name("secrets-test")
        .send()
        .await
        .unwrap();
    let credentials = assumed.credentials().unwrap().clone();
    let session = ssm_at(
        &url,
        (
            credentials.access_key_id(),
            credentials.secret_access_key(),
            Some(credentials.session_token()),
        ),
        "us-east-1",
    )
    .await;
    let (code, message) = error_of(session.get_parameter().name("/other/denied").send().await);
    seen.push_str(&format!("{code} {message}\n"));
    let wrong = ssm_at(
        &url,
        (
            credentials.access_key_id(),
            "wrong-secret",
            Some(credentials.session_token()),
        ),
        "us-east-1",
    )
    .await;
    let (code, message) = error_of(wrong.get_parameter().name(APP_CONFIG).send().await);
    seen.push_str(&format!("{code} {message}\n"));
    let (code, message) = error_of(
        ssm_at(
            &url,
            (
                credentials.access_key_id(),
                credentials.secret_access_key(),
                Some("forged"),
            ),
            "us-east-1",
        )
        .await
        .get_parameter()
        .name(APP_CONFIG)
        .send()
        .await,
    );
    seen.push_str(&format!("{code} {message}\n"));
    // The function runs, as its role, and reads the secret.
    let lambda_config = config_as(keyadmin_key.0, keyadmin_key.1, None).await;
    let lambda = aws_sdk_lambda::Client::from_conf(
        aws_sdk_lambda::config::Builder::from(&lambda_config)
            .endpoint_url(&url)
            .build(),
    );
    let out = lambda
        .invoke()
        .function_name("ParameterStoreBlogFunctionDev")
        .payload(aws_sdk_lambda::primitives::Blob::new("{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.function_error(), None, "{:?}", out.payload());
    // Everything the emulator wrote: its records, its logs at trace level, the export.
    for path in [
        "/_emulator/decisions",
        "/_emulator/lambda/invocations",
        "/_emulator/export",
    ] {
        let (status, body) = send(&url, "GET", path, &[], b"").await;
        assert_eq!(status, 200, "{path}");
        seen.push_str(&body);
    }
    let logs = captured_logs().expect("the tests' own emulators log into this process");
    assert!(
        logs.contains("TRACE") || logs.contains("DEBUG"),
        "logs are captured"
    );
    let mut secrets = fixture_secrets();
    secrets.push(plaintext.clone());
    secrets.push(root_secret.clone());
    secrets.push(credentials.secret_access_key().to_owned());
    secrets.push(credentials.session_token().to_owned());
    for secret in &secrets {
        assert!(!secret.is_empty());
        assert!(
            !seen.contains(secret.as_str()),
            "a secret in a record or error: {secret}"
        );
        assert!(
            !logs.contains(secret.as_str()),
            "a secret in the log: {secret}"
        );
    }
}
