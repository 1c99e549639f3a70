//! Invocation records behind `GET /_emulator/lambda/invocations`: for each invocation,
//! what ran where (cold or warm, durations, outcome) and the AWS calls the function made
//! back into the emulator, recognised by its execution role session's access key.

use crate::context::{Caller, CallerKind};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};

/// How many invocations are kept (oldest dropped first).
const KEPT_INVOCATIONS: usize = 1000;
/// How many calls are kept per invocation.
const KEPT_CALLS: usize = 500;
/// How many invocations' logs are kept for the console (each log keeps at most its last
/// 256 KiB, so this bounds the memory they hold).
const KEPT_LOGS: usize = 50;

/// One segment or subsegment of an invocation's timeline.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TraceEntry {
    /// `segment` or `subsegment`.
    pub kind: &'static str,
    pub name: String,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// Nesting depth under the segment the SDK sent (0 for a document's root).
    pub depth: u32,
    /// Epoch seconds, as X-Ray writes them.
    pub start_time: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<f64>,
    /// `aws` (an AWS call), `remote`, or none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The AWS operation of an `aws` subsegment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// The HTTP status of a downstream call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u64>,
    /// Whether X-Ray would mark it `error` (4xx), `throttle` (429) or `fault` (5xx).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub error: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub throttle: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fault: bool,
}

/// One AWS call a function made.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsCall {
    /// `ssm`, `kms`, `sts`, `lambda`.
    pub service: String,
    /// `GetParametersByPath`.
    pub operation: String,
    /// The HTTP status answered.
    pub status: u16,
    /// The error code, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    pub duration_ms: f64,
    /// The call's own request id.
    pub request_id: String,
}

/// One invocation.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvocationRecord {
    pub request_id: String,
    pub function_name: String,
    pub function_arn: String,
    /// The version that ran (`$LATEST`, or a published version's number).
    pub function_version: String,
    pub region: String,
    /// `RequestResponse` or `Event`.
    pub invocation_type: String,
    /// RFC 3339.
    pub start_time: String,
    /// Whether a new execution environment was started for it.
    pub cold_start: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<String>,
    /// The process id of the environment's runtime.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init_duration_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billed_duration_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_memory_used_mb: Option<u64>,
    /// `Pending`, `Success`, `Unhandled` (a function error) or `Failed` (the invocation
    /// could not run: the API answered an error).
    pub outcome: String,
    /// The function error's `errorType`, or the API error's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// The AWS calls the function made during the invocation (calls made while
    /// initialising belong to the invocation that started the environment).
    pub aws_calls: Vec<AwsCall>,
    /// The X-Ray segments and subsegments the function sent for this invocation's trace,
    /// by start time (`lambda::xray`).
    pub xray: Vec<TraceEntry>,
}

#[cfg(test)]
impl InvocationRecord {
    /// A pending record of function `name`, for tests.
    pub fn for_tests(name: &str) -> Self {
        InvocationRecord {
            request_id: "r".into(),
            function_name: name.into(),
            function_arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{name}"),
            function_version: "$LATEST".into(),
            region: "us-east-1".into(),
            invocation_type: "RequestResponse".into(),
            start_time: String::new(),
            cold_start: true,
            environment_id: None,
            pid: None,
            init_duration_ms: None,
            duration_ms: None,
            billed_duration_ms: None,
            max_memory_used_mb: None,
            outcome: "Pending".into(),
            error_type: None,
            aws_calls: Vec::new(),
            xray: Vec::new(),
        }
    }
}

/// A record being filled in.
pub type SharedRecord = Arc<Mutex<InvocationRecord>>;

/// What an environment's calls are attributed to.
#[derive(Debug, Default)]
pub struct CallTracker {
    current: Mutex<Option<SharedRecord>>,
}

impl CallTracker {
    /// Attributes the following calls to `record`.
    pub fn set(&self, record: SharedRecord) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(record);
    }

    /// Records a call against the current (or last) invocation.
    pub fn record(&self, call: AwsCall) {
        let current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(record) = current.as_ref() {
            let mut record = record.lock().unwrap_or_else(|e| e.into_inner());
            if record.aws_calls.len() < KEPT_CALLS {
                record.aws_calls.push(call);
            }
        }
    }
}

/// Every recent invocation, and the trackers of live environments by access key id.
#[derive(Debug, Default)]
pub struct InvocationRecords {
    records: Mutex<VecDeque<SharedRecord>>,
    trackers: RwLock<HashMap<String, Arc<CallTracker>>>,
    /// The logs of the most recent invocations, by request id.
    logs: Mutex<VecDeque<(String, Arc<super::logs::InvocationLog>)>>,
}

impl InvocationRecords {
    /// Starts a record.
    pub fn begin(&self, record: InvocationRecord) -> SharedRecord {
        let shared = Arc::new(Mutex::new(record));
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        if records.len() == KEPT_INVOCATIONS {
            records.pop_front();
        }
        records.push_back(Arc::clone(&shared));
        shared
    }

    /// Keeps an invocation's log (as it is being written) for [`Self::log_of`]; only the
    /// most recent [`KEPT_LOGS`] are kept.
    pub fn keep_log(&self, request_id: &str, log: Arc<super::logs::InvocationLog>) {
        let mut logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        let dropped = if logs.len() == KEPT_LOGS {
            logs.pop_front()
        } else {
            None
        };
        logs.push_back((request_id.to_owned(), log));
        drop(logs);
        drop(dropped);
    }

    /// The log of a recent invocation, if still kept.
    pub fn log_of(&self, request_id: &str) -> Option<Arc<super::logs::InvocationLog>> {
        let logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        logs.iter()
            .rev()
            .find(|(id, _)| id == request_id)
            .map(|(_, log)| Arc::clone(log))
    }

    /// The records, oldest first, of one function or of all.
    pub fn list(&self, function: Option<&str>) -> Vec<InvocationRecord> {
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        records
            .iter()
            .map(|r| r.lock().unwrap_or_else(|e| e.into_inner()).clone())
            .filter(|r| function.is_none_or(|f| r.function_name == f || r.function_arn == f))
            .collect()
    }

    /// Registers the tracker of an environment whose credentials have `access_key_id`.
    pub fn register(&self, access_key_id: &str, tracker: Arc<CallTracker>) {
        self.trackers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(access_key_id.to_owned(), tracker);
    }

    /// Forgets an environment's tracker.
    pub fn unregister(&self, access_key_id: &str) {
        self.trackers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(access_key_id);
    }

    /// The tracker of the environment a caller is, if the caller is a role session of a
    /// live environment (one hash lookup, only for role sessions).
    pub fn tracker_for(&self, caller: &Caller) -> Option<Arc<CallTracker>> {
        if !matches!(caller.kind, CallerKind::AssumedRole { .. }) {
            return None;
        }
        let key = caller.access_key_id.as_deref()?;
        self.trackers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }
}

/// The service and operation of an AWS call, from its `X-Amz-Target` (`AmazonSSM.X`,
/// `TrentService.X`), its STS `Action`, or Lambda's operation name.
pub fn service_of_target(target: &str) -> (String, String) {
    let (prefix, operation) = target.split_once('.').unwrap_or(("", target));
    let service = match prefix {
        "AmazonSSM" => "ssm",
        "TrentService" => "kms",
        other => other,
    };
    (service.to_owned(), operation.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str) -> InvocationRecord {
        InvocationRecord::for_tests(name)
    }

    #[test]
    fn only_the_most_recent_logs_are_kept() {
        let records = InvocationRecords::default();
        for n in 0..=KEPT_LOGS {
            let log = Arc::new(crate::lambda::logs::InvocationLog::default());
            log.push_line(&format!("line of {n}"));
            records.keep_log(&format!("r{n}"), log);
        }
        assert!(records.log_of("r0").is_none(), "the oldest is forgotten");
        let last = records
            .log_of(&format!("r{KEPT_LOGS}"))
            .expect("the newest is kept");
        assert!(last.text().contains(&format!("line of {KEPT_LOGS}")));
    }

    #[test]
    fn calls_of_a_registered_session_land_in_its_current_invocation() {
        let records = InvocationRecords::default();
        let shared = records.begin(record("f"));
        let tracker = Arc::new(CallTracker::default());
        tracker.set(Arc::clone(&shared));
        records.register("ASIAEXAMPLE", Arc::clone(&tracker));
        let session = Caller {
            arn: "arn:aws:sts::123456789012:assumed-role/r/f".into(),
            account: "123456789012".into(),
            user_id: "AROA:f".into(),
            kind: CallerKind::AssumedRole {
                role_name: "r".into(),
                role_arn: "arn:aws:iam::123456789012:role/r".into(),
                session_name: "f".into(),
            },
            access_key_id: Some("ASIAEXAMPLE".into()),
        };
        let found = records.tracker_for(&session).unwrap();
        found.record(AwsCall {
            service: "sts".into(),
            operation: "GetCallerIdentity".into(),
            status: 200,
            error_code: None,
            duration_ms: 1.0,
            request_id: "x".into(),
        });
        records.begin(record("g"));
        assert_eq!(records.list(Some("f"))[0].aws_calls.len(), 1);
        assert_eq!(records.list(None).len(), 2);
        records.unregister("ASIAEXAMPLE");
        assert!(records.tracker_for(&session).is_none());
        let root = Caller::account_root("123456789012", Some("ASIAEXAMPLE".into()));
        assert!(records.tracker_for(&root).is_none());
    }

    #[test]
    fn targets_name_their_service() {
        assert_eq!(
            service_of_target("AmazonSSM.GetParametersByPath"),
            ("ssm".to_owned(), "GetParametersByPath".to_owned())
        );
        assert_eq!(service_of_target("TrentService.Decrypt").0, "kms");
    }
}
