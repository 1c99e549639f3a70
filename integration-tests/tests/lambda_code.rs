//! GetFunction's `Code.Location`: a link served by the emulator from which the deployment
//! package downloads, as a presigned S3 URL does on Lambda, with the package's real
//! `CodeSize` and `CodeSha256`; a link whose secret is wrong downloads nothing.

use crate::common::{endpoint, unique};
use crate::lambda::zipped;
use aws_sdk_lambda::types::Runtime;
use aws_sdk_lambda::Client;
use base64::Engine;
use sha2::{Digest, Sha256};

const ROLE: &str = "arn:aws:iam::123456789012:role/lambda-test-role";
const ECHO: &str = env!("CARGO_BIN_EXE_echo");

/// GETs an absolute `http://HOST:PORT/PATH?QUERY` URL without signing, as `curl` would:
/// the status and the body's bytes.
async fn download(url: &str) -> (u16, Vec<u8>) {
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
