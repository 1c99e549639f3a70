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

/// A member that does not parse as its model type (`DurationSeconds=abc`): the request
/// cannot be read, before any constraint is checked.
///
/// How AWS's awsQuery services word this is not documented. The one recorded answer is
/// for a timestamp (Elastic Beanstalk, also awsQuery: `MalformedInput`, "timestamp must
/// follow ISO8601", briandilley/ebs-deploy#33); for numbers and booleans none was found.
/// Services answer it as the validation error it is, in their validation wording
/// ([`Unparsed::message`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unparsed {
    /// The member's key on the wire (`DurationSeconds`, `Tags.member.1.Value`).
    pub key: String,
    /// The text that was sent.
    pub text: String,
    /// What the model wants: `an integer`, `a number`, `a boolean`, `a timestamp`.
    pub expected: &'static str,
}

impl Unparsed {
    /// The path as validation messages write it: each segment's first letter lowered
    /// (`DurationSeconds` -> `durationSeconds`).
    pub fn path(&self) -> String {
        self.key
            .split('.')
            .map(|segment| {
                let mut chars = segment.chars();
                chars
                    .next()
                    .map(|f| f.to_lowercase().collect::<String>() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(".")
    }

    /// The message: `1 validation error detected: Value 'abc' at 'durationSeconds' failed
    /// to satisfy constraint: Member must be an integer`.
    pub fn message(&self) -> String {
        format!(
            "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: Member must be {}",
            self.text,
            self.path(),
            self.expected
        )
    }
}

/// The number types of the models (`integer`, `long`, `double`), with what a value that
/// does not parse is told it must be.
pub trait QueryNumber: std::str::FromStr {
    /// `an integer` or `a number`.
    const EXPECTED: &'static str;
}

impl QueryNumber for i32 {
    const EXPECTED: &'static str = "an integer";
}

impl QueryNumber for i64 {
    const EXPECTED: &'static str = "an integer";
}

impl QueryNumber for f64 {
    const EXPECTED: &'static str = "a number";
}

/// A structure decoded from an awsQuery form (implemented by the generated input types,
/// `crate::generated`): its members under `at` (`""` for an operation's input, `Tags.member.1`
/// for an element).
pub trait FromQuery: Sized {
    /// Decodes the members under `at`; a member not sent stays `None`.
    fn from_query(q: &QueryRequest, at: &str) -> Result<Self, Unparsed>;

    /// Decodes an operation's input from its form.
    fn decode(q: &QueryRequest) -> Result<Self, Unparsed> {
        Self::from_query(q, "")
    }
}

/// The key of member `name` under `at` (`Tags.member.1` + `Key`).
pub fn key(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_owned()
    } else {
        format!("{at}.{name}")
    }
}

impl QueryRequest {
    /// A string (or base64 blob) member.
    pub fn string(&self, key: &str) -> Option<String> {
        self.params.get(key).cloned()
    }

    /// A number member (`integer`, `long`, `double`).
    pub fn number<T: QueryNumber>(&self, key: &str) -> Result<Option<T>, Unparsed> {
        let Some(text) = self.params.get(key) else {
            return Ok(None);
        };
        text.parse().map(Some).map_err(|_| Unparsed {
            key: key.to_owned(),
            text: text.clone(),
            expected: T::EXPECTED,
        })
    }

    /// A boolean member: `true` or `false` (botocore writes them so).
    pub fn boolean(&self, key: &str) -> Result<Option<bool>, Unparsed> {
        match self.params.get(key).map(String::as_str) {
            None => Ok(None),
            Some(t) if t.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(t) if t.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(t) => Err(Unparsed {
                key: key.to_owned(),
                text: t.to_owned(),
                expected: "a boolean",
            }),
        }
    }

    /// A timestamp member: ISO 8601 (botocore's default for awsQuery), or epoch seconds.
    pub fn timestamp(&self, key: &str) -> Result<Option<time::OffsetDateTime>, Unparsed> {
        let Some(text) = self.params.get(key) else {
            return Ok(None);
        };
        let parsed =
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .ok()
                .or_else(|| {
                    text.parse::<f64>()
                        .ok()
                        .filter(|s| s.is_finite())
                        .and_then(|s| {
                            time::OffsetDateTime::from_unix_timestamp_nanos((s * 1e9) as i128).ok()
                        })
                });
        parsed.map(Some).ok_or_else(|| Unparsed {
            key: key.to_owned(),
            text: text.clone(),
            expected: "a timestamp",
        })
    }

    /// Whether any member lies under `at` (a nested structure was sent).
    pub fn has_prefix(&self, at: &str) -> bool {
        self.params
            .keys()
            .any(|k| k.strip_prefix(at).is_some_and(|rest| rest.starts_with('.')))
    }

    /// A nested structure member, when any of its members was sent.
    pub fn structure<T: FromQuery>(&self, at: &str) -> Result<Option<T>, Unparsed> {
        if self.has_prefix(at) {
            T::from_query(self, at).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The indices `N` sent under `prefix` (`Tags.member.` + `N` ...), sorted, once each.
    fn indices(&self, prefix: &str) -> Vec<u32> {
        let mut found: Vec<u32> = self
            .params
            .keys()
            .filter_map(|k| {
                let rest = k.strip_prefix(prefix)?;
                rest.split('.').next()?.parse().ok()
            })
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// A list member: `Name.member.N` (`Name.N` when the model flattens it), in the
    /// order of the indices; `Name=` alone is an empty list (as botocore sends one).
    pub fn list_of<T>(
        &self,
        at: &str,
        member: &str,
        flattened: bool,
        // A function, not a closure type: one copy of this reader per element type
        // rather than one per generated call site.
        item: fn(&Self, &str) -> Result<Option<T>, Unparsed>,
    ) -> Result<Option<Vec<T>>, Unparsed> {
        let prefix = if flattened {
            format!("{at}.")
        } else {
            format!("{at}.{member}.")
        };
        let indices = self.indices(&prefix);
        if indices.is_empty() {
            return Ok(self.params.contains_key(at).then(Vec::new));
        }
        let mut out = Vec::with_capacity(indices.len());
        for i in indices {
            if let Some(value) = item(self, &format!("{prefix}{i}"))? {
                out.push(value);
            }
        }
        Ok(Some(out))
    }

    /// A map member: `Name.entry.N.key` / `Name.entry.N.value` (`Name.N.key` when the
    /// model flattens it; the key and value names as the model gives them).
    pub fn map_of<V>(
        &self,
        at: &str,
        names: (&str, &str),
        flattened: bool,
        // A function, as in `list_of`: one copy per value type.
        value: fn(&Self, &str) -> Result<Option<V>, Unparsed>,
    ) -> Result<Option<std::collections::BTreeMap<String, V>>, Unparsed> {
        let prefix = if flattened {
            format!("{at}.")
        } else {
            format!("{at}.entry.")
        };
        let indices = self.indices(&prefix);
        if indices.is_empty() {
            return Ok(self
                .params
                .contains_key(at)
                .then(std::collections::BTreeMap::new));
        }
        let mut out = std::collections::BTreeMap::new();
        for i in indices {
            let entry = format!("{prefix}{i}");
            let Some(k) = self.string(&key(&entry, names.0)) else {
                continue;
            };
            if let Some(v) = value(self, &key(&entry, names.1))? {
                out.insert(k, v);
            }
        }
        Ok(Some(out))
    }
}

/// Serialises a generated output's timestamp member as awsQuery answers carry it
/// ([`timestamp`]).
pub fn serialize_timestamp<S: serde::Serializer>(
    at: &Option<time::OffsetDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => s.serialize_str(&timestamp(*at)),
        None => s.serialize_none(),
    }
}

/// The member under which a map is carried in an [`Output`]'s tree: its entries, which
/// the writer writes as `<entry><key/><value/></entry>` (awsQuery's map form).
const ENTRIES: &str = "$entries";

/// Serialises a generated output's map member so that it is written in awsQuery's map
/// form.
pub fn serialize_map<S: serde::Serializer, V: Serialize>(
    map: &Option<std::collections::BTreeMap<String, V>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let Some(map) = map else {
        return s.serialize_none();
    };
    #[derive(Serialize)]
    struct Entry<'a, V> {
        key: &'a str,
        value: &'a V,
    }
    let entries: Vec<Entry<'_, V>> = map
        .iter()
        .map(|(key, value)| Entry { key, value })
        .collect();
    let mut out = s.serialize_map(Some(1))?;
    out.serialize_entry(ENTRIES, &entries)?;
    out.end()
}

/// An operation's output as awsQuery writes it: its typed output turned into a tree of
/// members (structure members by name, in the order the type declares them, which for
/// the generated types is the model's; lists as `member` elements).
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// The members as a JSON value (for callers inside the emulator that read an answer).
    value: Value,
    /// The members in declaration order, as they are written.
    tree: Node,
}

/// A serialised output whose structures keep their members' order (`serde_json::Value`
/// sorts them; its `preserve_order` feature would change every JSON map of the emulator).
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Scalar(Value),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl<'de> serde::Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Nodes;
        impl<'de> serde::de::Visitor<'de> for Nodes {
            type Value = Node;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a serialised output")
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Scalar(Value::Null))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Scalar(Value::Bool(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Scalar(Value::from(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Scalar(Value::from(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Scalar(Value::from(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Scalar(Value::String(v.to_owned())))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = a.next_element()? {
                    items.push(item);
                }
                Ok(Node::Array(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut members = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, Node>()? {
                    members.push((k, v));
                }
                Ok(Node::Object(members))
            }
        }
        d.deserialize_any(Nodes)
    }
}

impl Output {
    /// The output of an operation, from its typed result. Members that are `None` are
    /// left out.
    pub fn of<T: Serialize>(result: &T) -> Self {
        // Serialising our own output types cannot fail: they hold only strings, numbers,
        // lists and structures. The text keeps the type's member order, which the tree
        // read back from it keeps too.
        let text = serde_json::to_string(result).unwrap_or_default();
        Output {
            value: serde_json::from_str(&text).unwrap_or(Value::Null),
            tree: serde_json::from_str(&text).unwrap_or(Node::Scalar(Value::Null)),
        }
    }

    /// The output's members, for a caller inside the emulator that reads an answer
    /// (CloudFormation reading the ARN CreateRole answered).
    pub fn value(&self) -> &Value {
        &self.value
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

/// Writes `node` as the content of an element: a structure's members as elements (a
/// map's entries as `entry` elements), a list's items as `<member>` elements, a scalar
/// as escaped text.
fn write_content(out: &mut String, node: &Node) {
    match node {
        Node::Scalar(Value::Null) => {}
        Node::Scalar(Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
        Node::Scalar(Value::Number(n)) => {
            let _ = write!(out, "{n}");
        }
        Node::Scalar(Value::String(s)) => out.push_str(&escape(s)),
        // Serialised outputs hold no other scalar.
        Node::Scalar(other) => out.push_str(&escape(&other.to_string())),
        Node::Array(items) => {
            for item in items {
                write_element(out, "member", item);
            }
        }
        Node::Object(members) => {
            if let [(name, Node::Array(entries))] = members.as_slice() {
                if name == ENTRIES {
                    for entry in entries {
                        write_element(out, "entry", entry);
                    }
                    return;
                }
            }
            for (name, member) in members {
                if *member != Node::Scalar(Value::Null) {
                    write_element(out, name, member);
                }
            }
        }
    }
}

fn write_element(out: &mut String, name: &str, node: &Node) {
    let _ = write!(out, "<{name}>");
    write_content(out, node);
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
    write_element(&mut body, &format!("{action}Result"), &result.tree);
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

    /// The generated inputs read lists, maps, nested members and numbers through these
    /// readers: in index order, an empty list as `Name=`, and a number that does not parse
    /// as an error naming the member as validation messages do.
    #[test]
    fn members_lists_maps_and_numbers_decode_by_the_form_layout() {
        let q = QueryRequest::decode(
            b"Names.member.10=c&Names.member.2=b&Names.member.1=a&Empty=&Attrs.entry.1.key=k&Attrs.entry.1.value=v\
              &Tags.member.1.Key=x&Tags.member.1.Value=y&N=12&Bad=abc&B=true&T=2026-11-30T14%3A00%3A00Z",
        );
        let strings = |q: &QueryRequest, k: &str| Ok(q.string(k));
        assert_eq!(
            q.list_of("Names", "member", false, strings).unwrap(),
            Some(vec!["a".to_owned(), "b".to_owned(), "c".to_owned()])
        );
        assert_eq!(
            q.list_of("Empty", "member", false, strings).unwrap(),
            Some(vec![])
        );
        assert_eq!(
            q.list_of("Missing", "member", false, strings).unwrap(),
            None
        );
        let attrs = q
            .map_of("Attrs", ("key", "value"), false, strings)
            .unwrap()
            .unwrap();
        assert_eq!(attrs.get("k").map(String::as_str), Some("v"));
        let keys = q
            .list_of("Tags", "member", false, |q, k| Ok(q.string(&key(k, "Key"))))
            .unwrap();
        assert_eq!(keys, Some(vec!["x".to_owned()]));
        assert!(q.has_prefix("Tags") && !q.has_prefix("Tag"));
        assert_eq!(q.number::<i32>("N").unwrap(), Some(12));
        assert_eq!(q.boolean("B").unwrap(), Some(true));
        assert_eq!(
            q.timestamp("T").unwrap().map(timestamp).as_deref(),
            Some("2026-11-30T14:00:00Z")
        );
        let bad = q.number::<i32>("Bad").unwrap_err();
        assert_eq!(
            bad.message(),
            "1 validation error detected: Value 'abc' at 'bad' failed to satisfy constraint: Member must be an integer"
        );
        assert_eq!(q.boolean("Bad").unwrap_err().expected, "a boolean");
        assert_eq!(q.number::<f64>("Bad").unwrap_err().expected, "a number");
        assert!(QueryRequest::decode(b"T=NaN").timestamp("T").is_err());
    }

    #[tokio::test]
    async fn maps_are_written_as_entries() {
        #[derive(Serialize)]
        struct WithMap {
            #[serde(rename = "SummaryMap", serialize_with = "serialize_map")]
            map: Option<std::collections::BTreeMap<String, i32>>,
        }
        let mut map = std::collections::BTreeMap::new();
        map.insert("Users".to_owned(), 3);
        let output = Output::of(&WithMap { map: Some(map) });
        let response = success("https://ns/", "Get", "r", &output);
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(
            text.contains(
                "<SummaryMap><entry><key>Users</key><value>3</value></entry></SummaryMap>"
            ),
            "{text}"
        );
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
