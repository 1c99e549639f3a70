//! The function's X-Ray subsegments, as the blog post's function gets them from the X-Ray
//! SDK for Python (its own work, and each AWS call inside it with its operation and
//! HTTP status), sent to the X-Ray daemon at `AWS_XRAY_DAEMON_ADDRESS` the way the daemon
//! protocol defines (X-Ray Developer Guide, "Sending segment documents to the X-Ray
//! daemon": one UDP datagram per document, the header line
//! `{"format": "json", "version": 1}`, a newline, then the document), as independent
//! subsegments (`type: subsegment` with the invocation's `trace_id` and the function
//! segment's id as `parent_id`, both from the trace header Lambda gives each invocation,
//! `_X_AMZN_TRACE_ID`). Only sampled invocations (`Sampled=1`: the function's tracing is
//! `Active`) send anything, as the SDKs do. Sending is best effort, as the SDKs' emitters
//! are: a lost datagram never fails the function.
//!
//! Documents carry names, ids, times, operations and statuses only: never a value.

use serde_json::{json, Value};
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

/// Now, in epoch seconds (as X-Ray writes times).
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// A new subsegment id: 16 hexadecimal digits, random (std's hasher keys are random per
/// process; the counter makes each id differ).
fn new_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u64(now().to_bits());
    format!("{:016x}", hasher.finish())
}

/// An AWS call made inside a subsegment.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsCall {
    /// The service, as the SDKs name the subsegment (`SSM`).
    pub service: &'static str,
    pub operation: &'static str,
    /// The HTTP status of the answer, if one came.
    pub status: Option<u16>,
    pub request_id: Option<String>,
}

/// A timed piece of the function's work: a subsegment, with what it contains.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub name: String,
    pub start: f64,
    pub end: f64,
    /// Set when the span is an AWS call.
    pub aws: Option<AwsCall>,
    pub children: Vec<Span>,
}

impl Span {
    /// A span of `name` that started at `start` and ends now.
    pub fn ended(name: &str, start: f64, children: Vec<Span>) -> Span {
        Span {
            name: name.to_owned(),
            start,
            end: now(),
            aws: None,
            children,
        }
    }

    /// The subsegment document (X-Ray Developer Guide, "AWS X-Ray segment documents":
    /// an AWS call's subsegment is named after the service, in namespace `aws`, with the
    /// operation, and `error` (4xx), `throttle` (429) or `fault` (5xx) set from the
    /// status).
    fn document(&self) -> Value {
        let mut doc = json!({
            "id": new_id(),
            "name": self.name,
            "start_time": self.start,
            "end_time": self.end,
        });
        if let Some(call) = &self.aws {
            doc["namespace"] = json!("aws");
            doc["aws"] = json!({ "operation": call.operation });
            if let Some(id) = &call.request_id {
                doc["aws"]["request_id"] = json!(id);
            }
            match call.status {
                Some(status) => {
                    doc["http"] = json!({ "response": { "status": status } });
                    if status == 429 {
                        doc["throttle"] = json!(true);
                    }
                    if (400..500).contains(&status) {
                        doc["error"] = json!(true);
                    }
                    if status >= 500 {
                        doc["fault"] = json!(true);
                    }
                }
                // No answer at all: a fault on the way.
                None => doc["fault"] = json!(true),
            }
        }
        if !self.children.is_empty() {
            doc["subsegments"] = Value::Array(self.children.iter().map(Span::document).collect());
        }
        doc
    }
}

/// A sampled invocation's trace: its root and the function segment's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    pub root: String,
    pub parent: Option<String>,
}

/// The trace of a `Root=...;Parent=...;Sampled=1` header, if it is sampled.
pub fn sampled(header: &str) -> Option<Trace> {
    let field = |key: &str| {
        header
            .split(';')
            .find_map(|part| part.trim().strip_prefix(key).map(str::to_owned))
    };
    if field("Sampled=").as_deref() != Some("1") {
        return None;
    }
    Some(Trace {
        root: field("Root=")?,
        parent: field("Parent="),
    })
}

/// The datagram carrying `span` as an independent subsegment of `trace`.
pub fn datagram(trace: &Trace, span: &Span) -> String {
    let mut doc = span.document();
    doc["type"] = json!("subsegment");
    doc["trace_id"] = json!(trace.root);
    if let Some(parent) = &trace.parent {
        doc["parent_id"] = json!(parent);
    }
    format!("{{\"format\": \"json\", \"version\": 1}}\n{doc}")
}

/// The daemon's UDP address: `AWS_XRAY_DAEMON_ADDRESS` is `host:port`, or
/// `udp:host:port tcp:host:port` (X-Ray Developer Guide, the SDKs' daemon address
/// setting).
fn daemon_address() -> Option<String> {
    let value = std::env::var("AWS_XRAY_DAEMON_ADDRESS").ok()?;
    let parts: Vec<&str> = value.split_whitespace().collect();
    parts
        .iter()
        .find_map(|part| part.strip_prefix("udp:"))
        .or_else(|| parts.iter().copied().find(|part| !part.starts_with("tcp:")))
        .map(str::to_owned)
}

/// Sends each span as a subsegment of `trace` to the daemon.
pub fn send(trace: &Trace, spans: &[Span]) {
    let Some(address) = daemon_address() else {
        return;
    };
    let Ok(socket) = std::net::UdpSocket::bind(("0.0.0.0", 0)) else {
        return;
    };
    for span in spans {
        let _ = socket.send_to(datagram(trace, span).as_bytes(), address.as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sampled_headers_have_a_trace() {
        assert_eq!(
            sampled("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"),
            Some(Trace {
                root: "1-5759e988-bd862e3fe1be46a994272793".to_owned(),
                parent: Some("53995c3f42cd8ad8".to_owned()),
            })
        );
        assert_eq!(sampled("Root=1-a-b;Parent=c;Sampled=0"), None);
        assert_eq!(sampled("Sampled=1"), None);
    }

    #[test]
    fn a_datagram_is_the_header_line_and_a_subsegment_document() {
        let trace = Trace {
            root: "1-5759e988-bd862e3fe1be46a994272793".to_owned(),
            parent: Some("53995c3f42cd8ad8".to_owned()),
        };
        let call = Span {
            name: "SSM".to_owned(),
            start: 10.1,
            end: 10.2,
            aws: Some(AwsCall {
                service: "SSM",
                operation: "GetParametersByPath",
                status: Some(400),
                request_id: Some("r-1".to_owned()),
            }),
            children: Vec::new(),
        };
        let span = Span {
            name: "load_config".to_owned(),
            start: 10.0,
            end: 10.5,
            aws: None,
            children: vec![call],
        };
        let text = datagram(&trace, &span);
        let (header, body) = text.split_once('\n').unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(header).unwrap(),
            json!({"format": "json", "version": 1})
        );
        let doc: Value = serde_json::from_str(body).unwrap();
        assert_eq!(doc["type"], "subsegment");
        assert_eq!(doc["trace_id"], "1-5759e988-bd862e3fe1be46a994272793");
        assert_eq!(doc["parent_id"], "53995c3f42cd8ad8");
        assert_eq!(doc["name"], "load_config");
        assert_eq!(doc["id"].as_str().unwrap().len(), 16);
        let child = &doc["subsegments"][0];
        assert_eq!(child["namespace"], "aws");
        assert_eq!(child["aws"]["operation"], "GetParametersByPath");
        assert_eq!(child["http"]["response"]["status"], 400);
        assert_eq!(child["error"], true);
        assert_ne!(child["id"], doc["id"]);
    }
}
