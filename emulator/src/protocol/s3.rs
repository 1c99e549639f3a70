//! The S3 REST-XML answers the emulator gives where AWS answers from S3: GetFunction's
//! `Code.Location` is a presigned S3 URL on AWS, so a download link the emulator serves
//! answers a refusal in S3's XML error shape.

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::Response;

/// S3's 403 for a presigned URL that has expired or whose signature is wrong.
pub fn access_denied(message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>{}</Message></Error>",
        super::query::escape_text(message)
    );
    Response::builder()
        .status(StatusCode::FORBIDDEN)
        .header(header::CONTENT_TYPE, "application/xml")
        .body(Body::from(body))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn refusals_are_s3_errors() {
        let response = super::access_denied("a < b");
        assert_eq!(response.status(), 403);
        assert_eq!(response.headers()["content-type"], "application/xml");
    }
}
