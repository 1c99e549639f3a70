//! The awsJson1.1 protocol: `POST /` with `X-Amz-Target: Prefix.Operation`, JSON bodies,
//! and errors as `{"__type": code, "message": text}`.

use super::AwsError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The content type of every awsJson1.1 request and response.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// A blob member: bytes, carried as base64 text in awsJson bodies. Text that is not
/// base64 fails the body's decoding (`SerializationException`), before any rule.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Blob(pub Vec<u8>);

impl Blob {
    /// The number of bytes (what the model's length constraints count).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it holds no byte.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Blob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Blobs may be plaintexts or key material: never print their bytes.
        write!(f, "Blob({} bytes)", self.0.len())
    }
}

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD
            .decode(text.as_bytes())
            .map(Blob)
            .map_err(|_| serde::de::Error::custom("Blob is not valid base64"))
    }
}

/// Decodes an operation's input. An empty body is an empty object, as SDKs may send.
pub fn decode<I: DeserializeOwned>(body: &[u8]) -> Result<I, String> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| e.to_string())
}

/// Encodes an operation's output.
pub fn encode<O: Serialize>(output: &O) -> Vec<u8> {
    // Serialising our own output types cannot fail: they hold only strings, numbers,
    // maps with string keys and lists.
    serde_json::to_vec(output).unwrap_or_else(|_| b"{}".to_vec())
}

fn with_common_headers(mut response: Response, request_id: &str) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", id);
    }
    response
}

/// A successful answer carrying `body`.
pub fn success(request_id: &str, body: Vec<u8>) -> Response {
    with_common_headers((StatusCode::OK, body).into_response(), request_id)
}

/// The body of an error: `{"__type": code, "message": text}`.
#[derive(Serialize)]
struct ErrorBody<'a> {
    #[serde(rename = "__type")]
    code: &'a str,
    message: String,
}

/// An error answer in AWS's shape, with the code also in `X-Amzn-ErrorType`.
pub fn error(request_id: &str, err: &dyn AwsError) -> Response {
    let body = encode(&ErrorBody {
        code: err.code(),
        message: err.message(),
    });
    let mut response = with_common_headers((err.status(), body).into_response(), request_id);
    if let Ok(code) = HeaderValue::from_str(err.code()) {
        response.headers_mut().insert("x-amzn-errortype", code);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(rename_all = "PascalCase")]
    struct Input {
        name: Option<String>,
    }

    #[test]
    fn empty_body_is_an_empty_object() {
        let input: Input = decode(b"").unwrap();
        assert!(input.name.is_none());
    }

    #[test]
    fn malformed_and_mistyped_bodies_are_refused() {
        assert!(decode::<Input>(b"{not json").is_err());
        assert!(decode::<Input>(b"{\"Name\": 5}").is_err());
        assert!(decode::<Input>(b"[]").is_err());
    }
}
