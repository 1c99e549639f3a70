//! The log of recent authorisation decisions, readable at `/_emulator/decisions` so a user
//! can see why a call was allowed or refused.

use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Mutex;

/// How many decisions are kept.
pub const CAPACITY: usize = 500;

/// One decision, as the endpoint shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionRecord {
    /// When, in RFC 3339.
    pub time: String,
    pub request_id: String,
    pub principal: String,
    pub action: String,
    pub resource: String,
    /// `Allow`, `ExplicitDeny` or `ImplicitDeny`.
    pub decision: &'static str,
    /// Which policy and statement decided, or what was missing.
    pub reason: String,
}

/// A bounded log of decisions, newest last.
#[derive(Debug, Default)]
pub struct DecisionLog {
    entries: Mutex<VecDeque<DecisionRecord>>,
}

impl DecisionLog {
    /// Records a decision, dropping the oldest past [`CAPACITY`].
    pub fn record(&self, record: DecisionRecord) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() == CAPACITY {
            entries.pop_front();
        }
        entries.push_back(record);
    }

    /// The recent decisions, oldest first; only refusals when `denied_only`.
    pub fn recent(&self, denied_only: bool) -> Vec<DecisionRecord> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .iter()
            .filter(|r| !denied_only || r.decision != "Allow")
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: usize, decision: &'static str) -> DecisionRecord {
        DecisionRecord {
            time: String::new(),
            request_id: n.to_string(),
            principal: String::new(),
            action: String::new(),
            resource: String::new(),
            decision,
            reason: String::new(),
        }
    }

    #[test]
    fn keeps_the_newest_and_filters_refusals() {
        let log = DecisionLog::default();
        for n in 0..CAPACITY + 3 {
            log.record(record(n, if n % 2 == 0 { "Allow" } else { "ImplicitDeny" }));
        }
        let all = log.recent(false);
        assert_eq!(all.len(), CAPACITY);
        assert_eq!(all[0].request_id, "3");
        assert!(log.recent(true).iter().all(|r| r.decision != "Allow"));
    }
}
