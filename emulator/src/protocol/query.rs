//! The awsQuery protocol (STS): form-encoded `Action=...&Version=...` requests, XML
//! answers, and XML errors `<ErrorResponse><Error><Type/><Code/><Message/></Error>`.

use super::AwsError;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::fmt::Write;

/// Decodes a form-encoded body into its parameters (the last of repeated keys wins).
pub fn decode(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// Escapes text for an XML element.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Builds XML elements in order.
#[derive(Debug, Default)]
pub struct Xml {
    out: String,
}

impl Xml {
    /// Opens `<name>`.
    pub fn open(&mut self, name: &str) -> &mut Self {
        let _ = write!(self.out, "<{name}>");
        self
    }
    /// Closes `</name>`.
    pub fn close(&mut self, name: &str) -> &mut Self {
        let _ = write!(self.out, "</{name}>");
        self
    }
    /// `<name>text</name>`, escaped.
    pub fn leaf(&mut self, name: &str, text: &str) -> &mut Self {
        let _ = write!(self.out, "<{name}>{}</{name}>", escape(text));
        self
    }
    /// The XML text.
    pub fn finish(self) -> String {
        self.out
    }
}

fn xml_response(status: axum::http::StatusCode, request_id: &str, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", id);
    }
    response
}

/// A successful answer: `<{Action}Response xmlns=...><{Action}Result>result</...>`.
pub fn success(namespace: &str, action: &str, request_id: &str, result: &str) -> Response {
    let body = format!(
        "<{action}Response xmlns=\"{namespace}\"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{action}Response>",
        escape(request_id)
    );
    xml_response(axum::http::StatusCode::OK, request_id, body)
}

/// An error answer, with `Type` Sender for 4xx and Receiver for 5xx.
pub fn error(namespace: &str, request_id: &str, err: &dyn AwsError) -> Response {
    let kind = if err.status().is_server_error() {
        "Receiver"
    } else {
        "Sender"
    };
    let body = format!(
        "<ErrorResponse xmlns=\"{namespace}\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
        escape(err.code()),
        escape(&err.message()),
        escape(request_id)
    );
    let mut response = xml_response(err.status(), request_id, body);
    response
        .extensions_mut()
        .insert(super::ErrorCode(err.code().to_owned()));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_and_xml_escapes() {
        let form = decode(b"Action=AssumeRole&RoleSessionName=a%2Bb&Version=2011-06-15");
        assert_eq!(form["Action"], "AssumeRole");
        assert_eq!(form["RoleSessionName"], "a+b");
        assert_eq!(escape("<a & 'b'>"), "&lt;a &amp; &apos;b&apos;&gt;");
        let mut xml = Xml::default();
        xml.open("A").leaf("B", "x<y").close("A");
        assert_eq!(xml.finish(), "<A><B>x&lt;y</B></A>");
    }
}
