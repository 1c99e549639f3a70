//! The awsQuery protocol (STS; IAM and CloudFormation speak it too): form-encoded
//! `Action=...&Version=...` requests, decoded once into a [`QueryRequest`]; answers
//! `<{Action}Response xmlns=...><{Action}Result>...` written from the operation's typed
//! output; errors `<ErrorResponse><Error><Type/><Code/><Message/></Error>`. No module
//! outside `protocol` writes XML.

use super::AwsError;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt::Write;

/// An awsQuery request's parameters, decoded once from the form body.
#[derive(Debug, Clone, Default)]
pub struct QueryRequest {
    params: HashMap<String, String>,
}

impl QueryRequest {
    /// Decodes a form-encoded body (the last of repeated keys wins).
    pub fn decode(body: &[u8]) -> Self {
        QueryRequest {
            params: form_urlencoded::parse(body).into_owned().collect(),
        }
    }

    /// A request built from its members (the calls CloudFormation makes to IAM on a
    /// deployer's behalf go through the same operations as a client's).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        QueryRequest {
            params: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The `Action` parameter, when present and not empty.
    pub fn action(&self) -> Option<&str> {
        self.get("Action").filter(|a| !a.is_empty())
    }

    /// The member `name` (`RoleArn`), if sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// The members of the list `name`, in the order of their index: awsQuery writes a
    /// list as `NAME.member.N` + `suffix` (`Tags.member.1.Key` with suffix `.Key`,
    /// `TransitiveTagKeys.member.1` with none).
    pub fn list(&self, name: &str, suffix: &str) -> Vec<(u32, &str)> {
        let mut members: Vec<(u32, &str)> = self
            .params
            .iter()
            .filter_map(|(key, value)| {
                let index = key
                    .strip_prefix(name)?
                    .strip_prefix(".member.")?
                    .strip_suffix(suffix)?
                    .parse()
                    .ok()?;
                Some((index, value.as_str()))
            })
            .collect();
        members.sort();
        members
    }
}

/// An operation's output as awsQuery writes it: its typed output turned into a tree of
/// members (structure members by name, lists as `member` elements).
#[derive(Debug, Clone, PartialEq)]
pub struct Output(Value);

impl Output {
    /// The output of an operation, from its typed result. Members that are `None` are
    /// left out.
    pub fn of<T: Serialize>(result: &T) -> Self {
        // Serialising our own output types cannot fail: they hold only strings, numbers,
        // lists and structures.
        Output(serde_json::to_value(result).unwrap_or(Value::Null))
    }

    /// The output's members, for a caller inside the emulator that reads an answer
    /// (CloudFormation reading the ARN CreateRole answered).
    pub fn value(&self) -> &Value {
        &self.0
    }
}

/// A timestamp as awsQuery answers carry it: ISO 8601 in UTC, whole seconds
/// (`2026-11-30T14:00:00Z`).
pub fn timestamp(at: time::OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Escapes text for an XML element (for the other XML answers of `protocol` too).
pub(crate) fn escape_text(text: &str) -> String {
    escape(text)
}

/// A policy document as IAM's answers carry it: URL-encoded (RFC 3986: every character
/// but the unreserved ones percent-encoded; IAM API Reference, "GetRolePolicy": "The
/// policy document returned in this structure is URL-encoded compliant with RFC 3986").
pub fn url_encode_document(text: &str) -> String {
    const RESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(text, RESERVED).to_string()
}

/// Escapes text for an XML element.
fn escape(text: &str) -> String {
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

/// Writes `value` as the content of an element: a structure's members as elements, a
/// list's items as `<member>` elements, a scalar as escaped text.
fn write_content(out: &mut String, value: &Value) {
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => out.push_str(&escape(s)),
        Value::Array(items) => {
            for item in items {
                write_element(out, "member", item);
            }
        }
        Value::Object(members) => {
            for (name, member) in members {
                if !member.is_null() {
                    write_element(out, name, member);
                }
            }
        }
    }
}

fn write_element(out: &mut String, name: &str, value: &Value) {
    let _ = write!(out, "<{name}>");
    write_content(out, value);
    let _ = write!(out, "</{name}>");
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
pub fn success(namespace: &str, action: &str, request_id: &str, result: &Output) -> Response {
    let mut body = format!("<{action}Response xmlns=\"{}\">", escape(namespace));
    write_element(&mut body, &format!("{action}Result"), &result.0);
    let _ = write!(
        body,
        "<ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{action}Response>",
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
        "<ErrorResponse xmlns=\"{}\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
        escape(namespace),
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
    fn forms_decode_once_into_members_and_lists() {
        let form = QueryRequest::decode(
            b"Action=AssumeRole&RoleSessionName=a%2Bb&Version=2011-06-15&Tags.member.2.Key=b&Tags.member.1.Key=a&Tags.member.1.Value=x",
        );
        assert_eq!(form.action(), Some("AssumeRole"));
        assert_eq!(form.get("RoleSessionName"), Some("a+b"));
        assert_eq!(form.list("Tags", ".Key"), vec![(1, "a"), (2, "b")]);
        assert_eq!(QueryRequest::decode(b"Action=").action(), None);
    }

    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Out {
        arn: String,
        names: Vec<String>,
        missing: Option<String>,
    }

    #[tokio::test]
    async fn outputs_are_written_as_escaped_elements() {
        let output = Output::of(&Out {
            arn: "a<b".to_owned(),
            names: vec!["x".to_owned(), "y&z".to_owned()],
            missing: None,
        });
        let response = success("https://ns/", "Get", "req-1", &output);
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        assert_eq!(
            String::from_utf8(body.to_vec()).unwrap(),
            "<GetResponse xmlns=\"https://ns/\"><GetResult><Arn>a&lt;b</Arn><Names><member>x</member><member>y&amp;z</member></Names></GetResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></GetResponse>"
        );
    }

    #[test]
    fn timestamps_are_iso_8601_whole_seconds() {
        let at = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap()
            + time::Duration::milliseconds(250);
        assert_eq!(timestamp(at), "2023-11-14T22:13:20Z");
    }
}
