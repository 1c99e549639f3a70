//! The restJson1 protocol (Lambda): operations chosen by method and path, JSON bodies
//! (or raw payloads), input members in the path, query string and headers, and errors
//! as `{"Type": "User", "message": text}` with the code in `X-Amzn-ErrorType`.

use super::{AwsError, ErrorCode};
use axum::body::Bytes;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The content type of JSON bodies.
pub const CONTENT_TYPE: &str = "application/json";

/// An error of a restJson1 service: besides its code, status and message, the name of
/// the body member holding the message (`message` or `Message`, as the service's model
/// spells it for that error), extra body members and extra headers (`Retry-After`).
pub trait RestJsonError: AwsError {
    /// `message` or `Message`.
    fn message_member(&self) -> &'static str {
        "message"
    }
    /// Further members of the error body, such as a throttling `Reason`.
    fn extra_members(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    /// Headers the error carries, such as `Retry-After`.
    fn headers(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
}

/// A request's members outside its body: the path's labels, the query string, the
/// headers. The generated `bind` of an input reads them by the names the model gives.
#[derive(Debug)]
pub struct HttpMembers<'a> {
    /// `(label, value)` pairs of the matched path template, already decoded.
    pub labels: &'a [(&'static str, String)],
    /// The query string's members, decoded, in order (a list member repeats its name:
    /// `tagKeys=a&tagKeys=b`; a scalar's last value wins).
    pub query: Vec<(String, String)>,
    pub headers: &'a axum::http::HeaderMap,
}

/// A number or boolean outside the body that does not parse: the request cannot be
/// read, before any constraint is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unparsed {
    /// The member's name on the wire (`MaxItems`).
    pub member: &'static str,
    /// The text that was sent.
    pub text: String,
}

impl<'a> HttpMembers<'a> {
    /// Reads a request's members outside the body.
    pub fn new(
        labels: &'a [(&'static str, String)],
        query: Option<&str>,
        headers: &'a axum::http::HeaderMap,
    ) -> Self {
        let query = query
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        Self {
            labels,
            query,
            headers,
        }
    }

    /// A path label.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(label, _)| *label == name)
            .map(|(_, value)| value.as_str())
    }

    /// A query string member.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A list member of the query string: every value of its repeated name, in order
    /// (`None` when the name is absent).
    pub fn query_list(&self, name: &str) -> Option<Vec<String>> {
        let values: Vec<String> = self
            .query
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect();
        (!values.is_empty()).then_some(values)
    }

    /// A header, by its name in any case (one that is not text is treated as absent).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name.to_ascii_lowercase().as_str())
            .and_then(|v| v.to_str().ok())
    }

    fn parsed<T: std::str::FromStr>(
        member: &'static str,
        text: Option<&str>,
    ) -> Result<Option<T>, Unparsed> {
        text.map(|text| {
            text.parse().map_err(|_| Unparsed {
                member,
                text: text.to_owned(),
            })
        })
        .transpose()
    }

    /// A number or boolean in the path.
    pub fn parsed_label<T: std::str::FromStr>(
        &self,
        name: &'static str,
    ) -> Result<Option<T>, Unparsed> {
        Self::parsed(name, self.label(name))
    }

    /// A number or boolean in the query string.
    pub fn parsed_query<T: std::str::FromStr>(
        &self,
        name: &'static str,
    ) -> Result<Option<T>, Unparsed> {
        Self::parsed(name, self.query(name))
    }

    /// A number or boolean in a header.
    pub fn parsed_header<T: std::str::FromStr>(
        &self,
        name: &'static str,
    ) -> Result<Option<T>, Unparsed> {
        Self::parsed(name, self.header(name))
    }
}

/// Decodes a JSON body into an operation's input. An empty body is an empty object.
pub fn decode<I: DeserializeOwned>(body: &[u8]) -> Result<I, String> {
    super::json::decode(body)
}

/// Encodes an output as JSON.
pub fn encode<O: Serialize>(output: &O) -> Vec<u8> {
    super::json::encode(output)
}

/// Whether a request's `Content-Type` can carry a JSON body: absent, or a JSON type (SDKs
/// send `application/json`), or a generic binary type some clients send.
pub fn accepts_json_content_type(content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type else {
        return true;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence.is_empty()
        || essence.ends_with("/json")
        || essence.ends_with("+json")
        || essence.starts_with("application/x-amz-json")
        || essence == "application/octet-stream"
        || essence == "binary/octet-stream"
}

fn with_request_id(mut response: Response, request_id: &str) -> Response {
    if let Ok(id) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-amzn-requestid", id);
    }
    response
}

/// A successful answer with a JSON body.
pub fn success(request_id: &str, status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    with_request_id(response, request_id)
}

/// A successful answer without a body (204 and the like).
pub fn empty(request_id: &str, status: StatusCode) -> Response {
    with_request_id(status.into_response(), request_id)
}

/// A successful answer whose body is a raw payload, with output members in headers
/// (header names and values that cannot be sent are left out).
pub fn payload(
    request_id: &str,
    status: StatusCode,
    headers: &[(&str, String)],
    body: Bytes,
) -> Response {
    let mut response = (status, body).into_response();
    let map = response.headers_mut();
    map.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            map.insert(name, value);
        }
    }
    with_request_id(response, request_id)
}

/// An error answer: `{"Type": "User"|"Service", <message member>: text, ...}`, the code in
/// `X-Amzn-ErrorType`, and the error's own headers.
pub fn error(request_id: &str, err: &dyn RestJsonError) -> Response {
    let mut body = serde_json::Map::new();
    let kind = if err.status().is_server_error() {
        "Service"
    } else {
        "User"
    };
    body.insert("Type".to_owned(), kind.into());
    body.insert(err.message_member().to_owned(), err.message().into());
    for (name, value) in err.extra_members() {
        body.insert(name.to_owned(), value.into());
    }
    let body = serde_json::Value::Object(body).to_string();
    let mut response = success(request_id, err.status(), body.into_bytes());
    let headers = response.headers_mut();
    if let Ok(code) = HeaderValue::from_str(err.code()) {
        headers.insert("x-amzn-errortype", code);
    }
    for (name, value) in err.headers() {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.insert(name, value);
        }
    }
    response
        .extensions_mut()
        .insert(ErrorCode(err.code().to_owned()));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_outside_the_body_are_read_where_the_model_places_them() {
        let labels = [("FunctionName", "my function".to_owned())];
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("x-amz-log-type", HeaderValue::from_static("Tail"));
        let http = HttpMembers::new(&labels, Some("MaxItems=2&Qualifier=%24LATEST"), &headers);
        assert_eq!(http.label("FunctionName"), Some("my function"));
        assert_eq!(http.query("Qualifier"), Some("$LATEST"));
        // Headers by the model's spelling, in any case.
        assert_eq!(http.header("X-Amz-Log-Type"), Some("Tail"));
        assert_eq!(http.parsed_query::<i32>("MaxItems"), Ok(Some(2)));
        assert_eq!(http.parsed_query::<i32>("Marker"), Ok(None));
        let http = HttpMembers::new(&labels, Some("MaxItems=ten"), &headers);
        assert_eq!(
            http.parsed_query::<i32>("MaxItems"),
            Err(Unparsed {
                member: "MaxItems",
                text: "ten".to_owned()
            })
        );
    }

    struct Throttled;
    impl AwsError for Throttled {
        fn code(&self) -> &str {
            "TooManyRequestsException"
        }
        fn status(&self) -> StatusCode {
            StatusCode::TOO_MANY_REQUESTS
        }
        fn message(&self) -> String {
            "Rate Exceeded.".to_owned()
        }
    }
    impl RestJsonError for Throttled {
        fn extra_members(&self) -> Vec<(&'static str, String)> {
            vec![("Reason", "ConcurrentInvocationLimitExceeded".to_owned())]
        }
        fn headers(&self) -> Vec<(&'static str, String)> {
            vec![("Retry-After", "1".to_owned())]
        }
    }

    #[tokio::test]
    async fn errors_carry_type_message_code_and_their_headers() {
        let response = error("req-1", &Throttled);
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        let headers = response.headers();
        assert_eq!(headers["x-amzn-errortype"], "TooManyRequestsException");
        assert_eq!(headers["retry-after"], "1");
        assert_eq!(headers["x-amzn-requestid"], "req-1");
        assert_eq!(
            super::super::error_code_of(&response).as_deref(),
            Some("TooManyRequestsException")
        );
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"Type": "User", "message": "Rate Exceeded.", "Reason": "ConcurrentInvocationLimitExceeded"})
        );
    }

    #[test]
    fn json_content_types_are_told_from_others() {
        assert!(accepts_json_content_type(None));
        assert!(accepts_json_content_type(Some("application/json")));
        assert!(accepts_json_content_type(Some(
            "application/json; charset=utf-8"
        )));
        assert!(accepts_json_content_type(Some(
            "application/x-amz-json-1.1"
        )));
        assert!(!accepts_json_content_type(Some("text/plain")));
        assert!(!accepts_json_content_type(Some(
            "application/x-www-form-urlencoded"
        )));
    }
}
