//! X-Ray: the emulator's stand-in for the X-Ray daemon. Every execution environment gets
//! `AWS_XRAY_DAEMON_ADDRESS` (a UDP socket of the emulator on loopback); the segments and
//! subsegments the X-Ray SDKs send there are attached, as a timeline, to the invocation
//! whose trace they belong to (`/_emulator/lambda/invocations`, `xray`).
//!
//! The daemon's wire format (X-Ray Developer Guide, "Sending segment documents to the
//! X-Ray daemon"): one UDP datagram per document, a JSON header line
//! `{"format": "json", "version": 1}`, a newline, then the segment document (a segment,
//! or an independent subsegment with `type: subsegment`, `trace_id` and `parent_id`).
//! As on Lambda, functions sample (and so send) only when their `TracingConfig` is
//! `Active` (or the caller's trace header says `Sampled=1`).
//!
//! Only names, ids, times, namespaces, HTTP statuses and error flags are kept: never a
//! segment's annotations, metadata or SQL (which may hold values), so nothing secret is
//! stored or logged.

use super::records::SharedRecord;
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, Weak};

/// The most timeline entries kept per invocation.
const KEPT_ENTRIES: usize = 1000;
/// The most traces waited for at once (older ones are forgotten first).
const KEPT_TRACES: usize = 4096;
/// The largest datagram read (a UDP datagram's maximum).
const MAX_DATAGRAM: usize = 65_536;

/// One segment or subsegment of an invocation's timeline (kept with the record, which
/// holds the timeline, so that `records` needs nothing of the daemon).
pub use super::records::TraceEntry;

/// A record held only while the invocation records keep it.
type WeakRecord = Weak<Mutex<super::records::InvocationRecord>>;

/// The invocations waiting for segments, by trace id (`1-5759e988-bd862e3fe1be46a994272793`).
#[derive(Debug, Default)]
pub struct Traces {
    open: Mutex<(HashMap<String, WeakRecord>, Vec<String>)>,
}

impl Traces {
    /// Attributes segments of `trace_header`'s root to `record`.
    pub fn expect(&self, trace_header: &str, record: &SharedRecord) {
        let Some(root) = root_of(trace_header) else {
            return;
        };
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let (map, order) = &mut *open;
        if map.len() >= KEPT_TRACES {
            // Forget the oldest half (and any whose record is gone).
            let drop: Vec<String> = order.drain(..order.len() / 2).collect();
            for id in drop {
                map.remove(&id);
            }
            map.retain(|_, r| r.strong_count() > 0);
        }
        if map
            .insert(root.to_owned(), Arc::downgrade(record))
            .is_none()
        {
            order.push(root.to_owned());
        }
    }

    fn record(&self, trace_id: &str) -> Option<SharedRecord> {
        self.open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .get(trace_id)
            .and_then(Weak::upgrade)
    }

    /// Reads one datagram and attaches its document to its invocation, if known.
    pub fn receive(&self, datagram: &[u8]) {
        let Some(document) = parse_datagram(datagram) else {
            return;
        };
        let Some(trace_id) = document.get("trace_id").and_then(Value::as_str) else {
            return;
        };
        let Some(record) = self.record(trace_id) else {
            return;
        };
        let mut entries = Vec::new();
        flatten(&document, None, 0, &mut entries);
        let mut record = record.lock().unwrap_or_else(|e| e.into_inner());
        for entry in entries {
            if record.xray.len() >= KEPT_ENTRIES {
                break;
            }
            // An in-progress document sent again when it ends replaces its first form.
            if let Some(existing) = record.xray.iter_mut().find(|e| e.id == entry.id) {
                *existing = entry;
            } else {
                record.xray.push(entry);
            }
        }
        record
            .xray
            .sort_by(|a, b| a.start_time.total_cmp(&b.start_time));
    }
}

/// A subsegment the platform itself reports (`Initialization`, `Invocation`), between
/// two epoch times in seconds.
pub fn platform_entry(name: &str, start: f64, end: f64) -> TraceEntry {
    TraceEntry {
        kind: "subsegment",
        name: name.to_owned(),
        id: uuid::Uuid::new_v4().simple().to_string()[..16].to_owned(),
        parent_id: None,
        depth: 0,
        start_time: start,
        end_time: Some(end),
        duration_ms: Some(((end - start) * 1_000_000.0).round() / 1000.0),
        namespace: None,
        operation: None,
        http_status: None,
        error: false,
        throttle: false,
        fault: false,
    }
}

/// The `Root` of a trace header (`Root=1-...;Parent=...;Sampled=1`).
pub fn root_of(header: &str) -> Option<&str> {
    header
        .split(';')
        .find_map(|part| part.trim().strip_prefix("Root="))
}

/// The header line, then the JSON document.
fn parse_datagram(datagram: &[u8]) -> Option<Value> {
    let text = std::str::from_utf8(datagram).ok()?;
    let (header, body) = text.split_once('\n')?;
    let header: Value = serde_json::from_str(header).ok()?;
    if header.get("format").and_then(Value::as_str) != Some("json") {
        return None;
    }
    let document: Value = serde_json::from_str(body.trim()).ok()?;
    document.is_object().then_some(document)
}

fn flatten(node: &Value, parent: Option<&str>, depth: u32, out: &mut Vec<TraceEntry>) {
    if out.len() >= KEPT_ENTRIES {
        return;
    }
    let text = |key: &str| node.get(key).and_then(Value::as_str).map(str::to_owned);
    let id = text("id").unwrap_or_default();
    let start = node
        .get("start_time")
        .and_then(Value::as_f64)
        .unwrap_or(0.0);
    let end = node.get("end_time").and_then(Value::as_f64);
    let kind = if depth == 0 && text("type").as_deref() != Some("subsegment") {
        "segment"
    } else {
        "subsegment"
    };
    out.push(TraceEntry {
        kind,
        name: text("name").unwrap_or_default(),
        id: id.clone(),
        parent_id: parent.map(str::to_owned).or_else(|| text("parent_id")),
        depth,
        start_time: start,
        end_time: end,
        duration_ms: end.map(|e| ((e - start) * 1_000_000.0).round() / 1000.0),
        namespace: text("namespace"),
        operation: node
            .get("aws")
            .and_then(|a| a.get("operation"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        http_status: node
            .get("http")
            .and_then(|h| h.get("response"))
            .and_then(|r| r.get("status"))
            .and_then(Value::as_u64),
        error: node.get("error").and_then(Value::as_bool).unwrap_or(false),
        throttle: node
            .get("throttle")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        fault: node.get("fault").and_then(Value::as_bool).unwrap_or(false),
    });
    if let Some(children) = node.get("subsegments").and_then(Value::as_array) {
        for child in children {
            flatten(child, Some(&id), depth + 1, out);
        }
    }
}

/// Binds the daemon socket on loopback and serves it for the emulator's life.
pub fn start(traces: Arc<Traces>) -> std::io::Result<SocketAddr> {
    let socket = std::net::UdpSocket::bind(("127.0.0.1", 0))?;
    socket.set_nonblocking(true)?;
    let address = socket.local_addr()?;
    let socket = tokio::net::UdpSocket::from_std(socket)?;
    tokio::spawn(async move {
        let mut buffer = vec![0u8; MAX_DATAGRAM];
        while let Ok(n) = socket.recv(&mut buffer).await {
            traces.receive(&buffer[..n]);
        }
    });
    Ok(address)
}

/// The emulator's X-Ray daemon address, started on first use (within a tokio runtime).
pub fn daemon_address(
    cell: &std::sync::OnceLock<Option<SocketAddr>>,
    traces: &Arc<Traces>,
) -> Option<SocketAddr> {
    *cell.get_or_init(|| match start(Arc::clone(traces)) {
        Ok(address) => Some(address),
        Err(e) => {
            tracing::warn!(error = %e, "no X-Ray daemon socket: segments will not be recorded");
            None
        }
    })
}

/// Makes a trace header for a new invocation: sampled when tracing is `Active`.
pub fn header_for(given: Option<&str>, active: bool) -> String {
    match given {
        Some(header) if root_of(header).is_some() => header.to_owned(),
        _ => {
            let header = new_trace_id();
            if active {
                header.replace("Sampled=0", "Sampled=1")
            } else {
                header
            }
        }
    }
}

/// `Root=1-XXXXXXXX-YYYYYYYYYYYYYYYYYYYYYYYY;Parent=ZZZZZZZZZZZZZZZZ;Sampled=0`, a new X-Ray
/// trace header.
pub fn new_trace_id() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let random = uuid::Uuid::new_v4().simple().to_string();
    let parent = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "Root=1-{seconds:08x}-{};Parent={};Sampled=0",
        &random[..24],
        &parent[..16]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lambda::records::InvocationRecord;

    fn record() -> SharedRecord {
        Arc::new(Mutex::new(InvocationRecord::for_tests("f")))
    }

    #[test]
    fn segments_of_a_known_trace_become_its_timeline() {
        let traces = Traces::default();
        let shared = record();
        traces.expect(
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            &shared,
        );
        let document = serde_json::json!({
            "trace_id": "1-5759e988-bd862e3fe1be46a994272793",
            "id": "aaaa", "name": "handler", "start_time": 10.0, "end_time": 10.5,
            "type": "subsegment", "parent_id": "53995c3f42cd8ad8",
            "annotations": {"secret": "never kept"},
            "subsegments": [{"id": "bbbb", "name": "SSM", "namespace": "aws",
                "start_time": 10.1, "end_time": 10.2,
                "aws": {"operation": "GetParametersByPath"},
                "http": {"response": {"status": 200}}}]
        });
        let datagram = format!("{{\"format\": \"json\", \"version\": 1}}\n{document}");
        traces.receive(datagram.as_bytes());
        // Unknown traces and junk are ignored.
        traces.receive(b"not a datagram");
        traces.receive(b"{\"format\":\"json\"}\n{\"trace_id\":\"1-0-0\",\"id\":\"x\"}");
        let record = shared.lock().unwrap();
        assert_eq!(record.xray.len(), 2);
        assert_eq!(record.xray[0].name, "handler");
        assert_eq!(record.xray[0].duration_ms, Some(500.0));
        assert_eq!(
            record.xray[1].operation.as_deref(),
            Some("GetParametersByPath")
        );
        assert_eq!(record.xray[1].parent_id.as_deref(), Some("aaaa"));
        assert_eq!(record.xray[1].depth, 1);
        assert!(!serde_json::to_string(&record.xray)
            .unwrap()
            .contains("never kept"));
    }

    #[test]
    fn active_tracing_samples_new_traces_and_keeps_given_ones() {
        assert!(header_for(None, true).ends_with("Sampled=1"));
        assert!(header_for(None, false).ends_with("Sampled=0"));
        assert_eq!(
            header_for(Some("Root=1-a-b;Sampled=0"), true),
            "Root=1-a-b;Sampled=0"
        );
        assert_eq!(root_of("Root=1-a-b;Parent=c"), Some("1-a-b"));
    }
}
