//! The wire formats. This is the only module that knows how AWS encodes requests,
//! responses and errors; services deal in typed inputs, outputs and errors.

pub mod json;
pub mod query;
pub mod rest_json;
pub mod s3;
pub mod validation;

use axum::http::StatusCode;

/// An error an AWS service answers: the `__type` code, the HTTP status and the message.
/// Each service's error type implements it in one place.
pub trait AwsError {
    /// The error code clients match on, e.g. `ParameterNotFound`.
    fn code(&self) -> &str;
    /// The HTTP status the error is sent with.
    fn status(&self) -> StatusCode;
    /// The human-readable message (may be empty, as some real AWS errors are).
    fn message(&self) -> String;
}

/// The error code of an error answer, kept in the response's extensions (never sent) so
/// that the request path can record what a call came to without parsing its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorCode(pub String);

/// The error code of a response: its extension, else its `X-Amzn-ErrorType` header.
pub fn error_code_of(response: &axum::response::Response) -> Option<String> {
    if let Some(ErrorCode(code)) = response.extensions().get::<ErrorCode>() {
        return Some(code.clone());
    }
    response
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(':').next().unwrap_or(v).to_owned())
}

/// Errors raised before a request reaches a service operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// The `X-Amz-Target` names no operation of any service.
    #[error("unknown operation {0}")]
    UnknownOperation(String),
    /// A real operation of the service that this emulator does not implement.
    #[error("{0} is not implemented by this emulator")]
    NotImplemented(String),
    /// The request body is too large.
    #[error("request body larger than {0} bytes")]
    RequestTooLarge(usize),
    /// Nothing at this path and method.
    #[error("no route for {0}")]
    NotFound(String),
    /// An awsJson request whose `Content-Type` is not its protocol's. AWS answers such a
    /// request (a Kinesis call sent as `application/octet-stream`) with
    /// `UnknownOperationException` (disneystreaming/smithy4s#167).
    #[error("content type {0:?} is not application/x-amz-json-1.1")]
    UnsupportedContentType(String),
    /// Refused by the emulator's own boundaries (an unknown `Host`, a cross-site browser
    /// request, the admin endpoints without a token or an allowed signature).
    #[error("{0}")]
    Refused(String),
    /// [`ProtocolError::Refused`], for an awsQuery (STS) request.
    #[error("{0}")]
    RefusedQuery(String),
    /// The client did not send the request's body in time.
    #[error("request body not received within {0} seconds")]
    RequestTimeout(u64),
    /// A change could not be made durable in the state directory, so it is not
    /// acknowledged. `InternalFailure` (500) is the error every AWS API may answer
    /// ("Common Errors" of the AWS API references).
    #[error("the change could not be made durable: {0}")]
    NotDurable(String),
}

impl AwsError for ProtocolError {
    fn code(&self) -> &str {
        match self {
            ProtocolError::UnknownOperation(_) => "UnknownOperationException",
            ProtocolError::NotImplemented(_) => "NotImplementedException",
            ProtocolError::RequestTooLarge(_) => "RequestEntityTooLargeException",
            ProtocolError::NotFound(_) => "UnknownOperationException",
            ProtocolError::UnsupportedContentType(_) => "UnknownOperationException",
            ProtocolError::Refused(_) => "AccessDeniedException",
            ProtocolError::RefusedQuery(_) => "AccessDenied",
            ProtocolError::RequestTimeout(_) => "RequestTimeoutException",
            ProtocolError::NotDurable(_) => "InternalFailure",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            ProtocolError::UnknownOperation(_) => StatusCode::BAD_REQUEST,
            ProtocolError::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
            ProtocolError::RequestTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ProtocolError::NotFound(_) => StatusCode::NOT_FOUND,
            ProtocolError::UnsupportedContentType(_) => StatusCode::BAD_REQUEST,
            ProtocolError::Refused(_) | ProtocolError::RefusedQuery(_) => StatusCode::FORBIDDEN,
            ProtocolError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ProtocolError::NotDurable(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message(&self) -> String {
        match self {
            ProtocolError::UnknownOperation(op) => format!("Operation {op} is not recognized."),
            ProtocolError::NotImplemented(op) => {
                format!("The operation {op} exists in AWS but is not implemented by this emulator.")
            }
            ProtocolError::RequestTooLarge(limit) => {
                format!("Request body is larger than the {limit} bytes this endpoint accepts.")
            }
            ProtocolError::NotFound(what) => format!("No operation is served at {what}."),
            ProtocolError::UnsupportedContentType(given) => format!(
                "Operation is not recognized: awsJson1.1 requests must be sent with Content-Type application/x-amz-json-1.1 (got {given})."
            ),
            ProtocolError::Refused(why) | ProtocolError::RefusedQuery(why) => why.clone(),
            ProtocolError::RequestTimeout(seconds) => format!(
                "Your socket connection to the server was not read from or written to within the timeout period ({seconds} s)."
            ),
            ProtocolError::NotDurable(why) => format!(
                "The change was made in memory but could not be written to the state directory, so it may not survive a restart: {why}"
            ),
        }
    }
}

impl rest_json::RestJsonError for ProtocolError {}

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// Architecture invariant: only `protocol` knows the wire formats, so no other module
    /// writes XML (no XML declaration, namespace attribute or closing tag in its text).
    #[test]
    fn no_module_outside_protocol_writes_xml() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&root, &mut files);
        let protocol = root.join("protocol");
        // A closing tag, named or formatted (`</Arn>`, `</{name}>`).
        let closing_tag =
            regex::Regex::new(r#""[^"\n]*</([A-Za-z][A-Za-z0-9]*|\{[A-Za-z_]*\})>"#).unwrap();
        let mut offenders = Vec::new();
        // Tests may read answers; only the product's code is held to the rule.
        let product = |f: &&std::path::PathBuf| {
            !f.starts_with(&protocol) && f.file_name().is_some_and(|n| n != "tests.rs")
        };
        for file in files.iter().filter(product) {
            let text = std::fs::read_to_string(file).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for (i, line) in code.lines().enumerate() {
                // (`Xml::` was the element builder STS once used outside protocol.)
                if line.contains("<?xml")
                    || line.contains("xmlns=")
                    || line.contains("Xml::")
                    || closing_tag.is_match(line)
                {
                    offenders.push(format!("{}:{}: {line}", file.display(), i + 1));
                }
            }
        }
        assert!(files.len() > 50, "the sources were not found");
        // The generated types (awsQuery outputs included) are held to the rule too.
        assert!(files.iter().any(|f| f.ends_with("generated/sts.rs")));
        assert!(closing_tag.is_match(r#"format!("</{name}>")"#));
        assert!(
            offenders.is_empty(),
            "XML written outside protocol:\n{}",
            offenders.join("\n")
        );
    }
}
