//! A lean awsJson1.1 and restJson1 client: one keep-alive HTTP/1.1 connection (hyper) per
//! worker, and a fresh SigV4 signature (aws-sigv4) for every request, as the SDKs sign.

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::time::SystemTime;
use tokio::net::TcpStream;

/// The region every request is signed for.
pub const REGION: &str = "us-east-1";

/// Where requests go and who signs them.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub addr: SocketAddr,
    /// The `Host` header (and the authority signed): `127.0.0.1:PORT`.
    pub host: String,
}

impl Endpoint {
    /// Parses `http://127.0.0.1:PORT` (loopback only).
    pub fn parse(url: &str) -> Result<Self, String> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("endpoint {url:?} must start with http://"))?;
        let host = rest.trim_end_matches('/');
        let addr: SocketAddr = host
            .parse()
            .map_err(|_| format!("endpoint {url:?} must be http://IP:PORT"))?;
        if !addr.ip().is_loopback() {
            return Err(format!("endpoint {url:?} is not a loopback address"));
        }
        Ok(Endpoint {
            addr,
            host: host.to_owned(),
        })
    }

    /// The endpoint at `addr`.
    pub fn at(addr: SocketAddr) -> Self {
        Endpoint {
            addr,
            host: addr.to_string(),
        }
    }
}

/// Long-term credentials of a principal.
#[derive(Clone, Debug)]
pub struct Signer {
    credentials: Credentials,
}

impl Signer {
    pub fn new(access_key_id: &str, secret: &str) -> Self {
        Signer {
            credentials: Credentials::new(access_key_id, secret, None, None, "bench"),
        }
    }
}

/// One call, signed for `service` (the signing name: `ssm`, `kms`, `lambda`): an
/// awsJson1.1 call (`POST /` with an `X-Amz-Target`) or a restJson1 one (method and path).
#[derive(Clone, Debug)]
pub struct Call {
    pub service: &'static str,
    /// The awsJson1.1 target; `None` for a restJson1 call.
    pub target: Option<&'static str>,
    pub method: &'static str,
    /// Path and query, as sent and signed.
    pub path: String,
    pub body: Bytes,
}

impl Call {
    /// An awsJson1.1 call: `POST /` with `X-Amz-Target: target`.
    pub fn json(service: &'static str, target: &'static str, body: Bytes) -> Self {
        Call {
            service,
            target: Some(target),
            method: "POST",
            path: "/".to_owned(),
            body,
        }
    }

    /// A restJson1 call: `method path` with a JSON (or empty) body.
    pub fn rest(
        service: &'static str,
        method: &'static str,
        path: impl Into<String>,
        body: Bytes,
    ) -> Self {
        Call {
            service,
            target: None,
            method,
            path: path.into(),
            body,
        }
    }

    /// What error reports call it: the target, or the method and path.
    pub fn name(&self) -> String {
        self.target
            .map_or_else(|| format!("{} {}", self.method, self.path), str::to_owned)
    }
}

/// An answer: status, error type (`X-Amzn-ErrorType` or `__type`), Lambda's function
/// error (`X-Amz-Function-Error`) and body.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub error_type: Option<String>,
    pub function_error: Option<String>,
    pub body: Bytes,
}

impl Answer {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// A short description for error reports.
    pub fn describe(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let text: String = text.chars().take(300).collect();
        format!("HTTP {} {}", self.status.as_u16(), text)
    }
}

/// Signs `call` for `endpoint` now, and builds the request.
fn signed_request(
    endpoint: &Endpoint,
    signer: &Signer,
    call: &Call,
) -> Result<Request<Full<Bytes>>, String> {
    let length = call.body.len().to_string();
    let mut headers = vec![("host", endpoint.host.as_str())];
    match call.target {
        Some(target) => headers.extend([
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", target),
        ]),
        None => headers.push(("content-type", "application/json")),
    }
    headers.push(("content-length", length.as_str()));
    let identity = signer.credentials.clone().into();
    let params: aws_sigv4::http_request::SigningParams<'_> =
        aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(REGION)
            .name(call.service)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| format!("signing parameters: {e}"))?
            .into();
    let url = format!("http://{}{}", endpoint.host, call.path);
    let signable = SignableRequest::new(
        call.method,
        &url,
        headers.iter().copied(),
        SignableBody::Bytes(&call.body),
    )
    .map_err(|e| format!("signable request: {e}"))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| format!("signing: {e}"))?
        .into_parts();
    let mut builder = Request::builder().method(call.method).uri(&call.path);
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    for (name, value) in instructions.headers() {
        builder = builder.header(name, value);
    }
    builder
        .body(Full::new(call.body.clone()))
        .map_err(|e| format!("request: {e}"))
}

/// One keep-alive connection, reopened when the server closes it.
pub struct Connection {
    endpoint: Endpoint,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Connection {
    /// A connection to `endpoint` (opened on first use, or now with [`Self::open`]).
    pub fn new(endpoint: &Endpoint) -> Self {
        Connection {
            endpoint: endpoint.clone(),
            sender: None,
        }
    }

    /// Opens the TCP connection now (so that a measurement does not include it).
    pub async fn open(&mut self) -> Result<(), String> {
        let stream = TcpStream::connect(self.endpoint.addr)
            .await
            .map_err(|e| format!("connect {}: {e}", self.endpoint.addr))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(async move {
            // Ends when the server closes the connection or the sender is dropped.
            let _ = connection.await;
        });
        self.sender = Some(sender);
        Ok(())
    }

    /// Signs and sends `call` as `signer`, and reads the whole answer. A connection the
    /// server closed is reopened once.
    pub async fn call(&mut self, signer: &Signer, call: &Call) -> Result<Answer, String> {
        let mut last_error = String::new();
        for _attempt in 0..2 {
            if self.sender.as_ref().is_none_or(SendRequest::is_closed) {
                self.open().await?;
            }
            let Some(sender) = self.sender.as_mut() else {
                continue;
            };
            if sender.ready().await.is_err() {
                self.sender = None;
                continue;
            }
            let request = signed_request(&self.endpoint, signer, call)?;
            let response = match sender.send_request(request).await {
                Ok(response) => response,
                Err(e) => {
                    last_error = format!("send: {e}");
                    self.sender = None;
                    continue;
                }
            };
            let (parts, body) = response.into_parts();
            let closing = parts.version < hyper::Version::HTTP_11
                || parts
                    .headers
                    .get(hyper::header::CONNECTION)
                    .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
            let body = body
                .collect()
                .await
                .map_err(|e| format!("reading the answer: {e}"))?
                .to_bytes();
            if closing {
                self.sender = None;
            }
            let mut error_type = parts
                .headers
                .get("x-amzn-errortype")
                .and_then(|v| v.to_str().ok())
                .map(|v| v.split(':').next().unwrap_or(v).to_owned());
            if error_type.is_none() && !parts.status.is_success() {
                error_type = serde_json::from_slice::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v.get("__type").and_then(|t| t.as_str()).map(str::to_owned))
                    .map(|t| t.rsplit('#').next().unwrap_or(&t).to_owned());
            }
            let function_error = parts
                .headers
                .get("x-amz-function-error")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            return Ok(Answer {
                status: parts.status,
                error_type,
                function_error,
                body,
            });
        }
        Err(if last_error.is_empty() {
            "the server closed the connection".to_owned()
        } else {
            last_error
        })
    }
}

/// One call on a fresh connection (setup steps, start-up probes).
pub async fn call_once(
    endpoint: &Endpoint,
    signer: &Signer,
    call: &Call,
) -> Result<Answer, String> {
    Connection::new(endpoint).call(signer, call).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_loopback_only() {
        assert!(Endpoint::parse("http://127.0.0.1:4566").is_ok());
        assert!(Endpoint::parse("http://127.0.0.1:4566/").is_ok());
        assert!(Endpoint::parse("http://[::1]:4566").is_ok());
        assert!(Endpoint::parse("http://10.0.0.1:4566").is_err());
        assert!(Endpoint::parse("https://127.0.0.1:4566").is_err());
        assert!(Endpoint::parse("http://localhost:4566").is_err());
    }

    #[test]
    fn requests_carry_a_fresh_signature_over_the_signed_headers() {
        let endpoint = Endpoint::parse("http://127.0.0.1:4566").unwrap();
        let signer = Signer::new("AKIABENCH00000000001", "secret");
        let call = Call::json(
            "ssm",
            "AmazonSSM.GetParameter",
            Bytes::from_static(b"{\"Name\":\"/a\"}"),
        );
        let request = signed_request(&endpoint, &signer, &call).unwrap();
        let auth = request.headers()["authorization"].to_str().unwrap();
        assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIABENCH00000000001/"));
        assert!(auth.contains("/us-east-1/ssm/aws4_request"));
        assert!(
            auth.contains("SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-target")
        );
        assert!(request.headers().contains_key("x-amz-date"));
        assert_eq!(request.headers()["host"], "127.0.0.1:4566");
    }

    #[test]
    fn rest_calls_are_signed_for_their_service_method_and_path() {
        let endpoint = Endpoint::parse("http://127.0.0.1:4566").unwrap();
        let signer = Signer::new("AKIABENCH00000000001", "secret");
        let call = Call::rest(
            "lambda",
            "POST",
            "/2015-03-31/functions/f/invocations",
            Bytes::from_static(b"{}"),
        );
        let request = signed_request(&endpoint, &signer, &call).unwrap();
        let auth = request.headers()["authorization"].to_str().unwrap();
        assert!(auth.contains("/us-east-1/lambda/aws4_request"));
        assert!(auth.contains("SignedHeaders=content-length;content-type;host;x-amz-date,"));
        assert_eq!(request.method(), "POST");
        assert_eq!(request.uri(), "/2015-03-31/functions/f/invocations");
        assert!(!request.headers().contains_key("x-amz-target"));
        assert_eq!(call.name(), "POST /2015-03-31/functions/f/invocations");
    }
}
