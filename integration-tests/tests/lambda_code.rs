//! GetFunction's `Code.Location`: a link served by the emulator from which the deployment
//! package downloads, as a presigned S3 URL does on Lambda, with the package's real
//! `CodeSize` and `CodeSha256`, for every kind of package (a zip as uploaded, a local
//! executable, a local directory, a cargo package once built: see also `lambda.rs` and
//! `lambda_states.rs`); a link whose secret is wrong downloads nothing.

use crate::common::{endpoint, runs_in_process_only, unique};
use crate::lambda::zipped;
use aws_sdk_lambda::types::Runtime;
use aws_sdk_lambda::Client;
use base64::Engine;
use sha2::{Digest, Sha256};

const ROLE: &str = "arn:aws:iam::123456789012:role/lambda-test-role";
const ECHO: &str = env!("CARGO_BIN_EXE_echo");

/// GETs an absolute `http://HOST:PORT/PATH?QUERY` URL without signing, as `curl` would:
/// the status and the body's bytes.
pub(crate) async fn download(url: &str) -> (u16, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (host, path) = rest.split_at(rest.find('/').expect("a path"));
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, response[split + 4..].to_vec())
}

#[tokio::test]
async fn get_function_gives_a_link_that_downloads_the_package() {
    endpoint();
    let client = Client::new(&aws_config::load_from_env().await);
    let name = unique("located-");
    let code = zipped(ECHO);
    let package = code.zip_file().unwrap().as_ref().to_vec();
    client
        .create_function()
        .function_name(&name)
        .runtime(Runtime::Providedal2023)
        .role(ROLE)
        .handler("bootstrap")
        .code(code)
        .send()
        .await
        .unwrap();
    let got = client
        .get_function()
        .function_name(&name)
        .send()
        .await
        .unwrap();
    let config = got.configuration().unwrap();
    assert_eq!(config.code_size(), package.len() as i64);
    assert_eq!(
        config.code_sha256(),
        Some(
            base64::engine::general_purpose::STANDARD
                .encode(Sha256::digest(&package))
                .as_str()
        )
    );
    let location = got.code().unwrap().location().unwrap().to_owned();
    assert_eq!(got.code().unwrap().repository_type(), Some("S3"));
    assert!(location.starts_with("http://"), "{location}");
    assert!(location.contains("X-Amz-Expires=600"), "{location}");
    let (status, body) = download(&location).await;
    assert_eq!(status, 200);
    assert_eq!(body, package, "the package as uploaded");
    // The link is a capability: the same id with another secret opens nothing.
    let (base, _) = location.split_once("token=").unwrap();
    let (status, body) = download(&format!("{base}token=00000000000000000000000000000000")).await;
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("AccessDenied"));
    client
        .delete_function()
        .function_name(&name)
        .send()
        .await
        .unwrap();
}

/// Downloads GetFunction's `Code.Location` and checks it is the package reported: an
/// `http://` link of the emulator that expires, whose bytes have the `CodeSize` and
/// `CodeSha256` of the configuration. The package's bytes.
pub(crate) async fn check_download(
    got: &aws_sdk_lambda::operation::get_function::GetFunctionOutput,
) -> Vec<u8> {
    let config = got.configuration().unwrap();
    let location = got.code().unwrap().location().unwrap().to_owned();
    assert!(location.starts_with("http://"), "{location}");
    assert!(location.contains("X-Amz-Expires=600"), "{location}");
    let (status, body) = download(&location).await;
    assert_eq!(status, 200);
    assert_eq!(config.code_size(), body.len() as i64);
    assert_eq!(
        config.code_sha256(),
        Some(
            base64::engine::general_purpose::STANDARD
                .encode(Sha256::digest(&body))
                .as_str()
        )
    );
    body
}

#[tokio::test]
async fn a_local_executable_downloads_as_a_zip_of_its_bootstrap_in_process_only() {
    if !runs_in_process_only(
        "a_local_executable_downloads_as_a_zip_of_its_bootstrap_in_process_only",
        "the emulator must see this machine's files",
    ) {
        return;
    }
    let client = Client::new(&aws_config::load_from_env().await);
    let name = unique("located-local-");
    client
        .create_function()
        .function_name(&name)
        .runtime(Runtime::Providedal2023)
        .role(ROLE)
        .handler("bootstrap")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .s3_bucket("__local__")
                .s3_key(ECHO)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let got = client
        .get_function()
        .function_name(&name)
        .send()
        .await
        .unwrap();
    let package = check_download(&got).await;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(package)).unwrap();
    let mut bootstrap = archive.by_name("bootstrap").unwrap();
    assert_eq!(bootstrap.unix_mode().map(|m| m & 0o111), Some(0o111));
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut bootstrap, &mut bytes).unwrap();
    assert_eq!(bytes, std::fs::read(ECHO).unwrap(), "the executable itself");
    drop(bootstrap);
    // The same package every time: a second link downloads the same bytes.
    let again = client
        .get_function()
        .function_name(&name)
        .send()
        .await
        .unwrap();
    check_download(&again).await;
    client
        .delete_function()
        .function_name(&name)
        .send()
        .await
        .unwrap();
}
