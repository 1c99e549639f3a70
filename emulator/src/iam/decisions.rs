//! The log of recent authorisation decisions, readable at `/_emulator/decisions` so a user
//! can see why a call was allowed or refused.
//!
//! Recording is on every request's path, so a record keeps the decision as the engine
//! gave it (outcome, kind, deciding statement) and the clock reading; its time and reason
//! are put in words only when the log is read.

use super::policy::{Outcome, PolicyKind, Reason};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use std::collections::VecDeque;
use std::sync::Mutex;
use time::OffsetDateTime;

/// How many decisions are kept.
pub const CAPACITY: usize = 500;

/// One decision.
#[derive(Debug, Clone)]
pub struct DecisionRecord {
    /// When (shown in RFC 3339).
    pub time: OffsetDateTime,
    pub request_id: String,
    pub principal: String,
    pub action: String,
    pub resource: String,
    pub outcome: Outcome,
    /// Which kind of policy decided (or was missing).
    pub kind: PolicyKind,
    /// The statement that decided; `None` when nothing allowed.
    pub reason: Option<Reason>,
    /// The resource policy consulted besides the caller's identity policies
    /// (`key policy`, `trust policy`).
    pub resource_policy: Option<&'static str>,
    /// The KMS grant that allowed what no policy did.
    pub grant: Option<String>,
    /// The condition keys the consulted policies read, with the request's values (an
    /// empty list: the key was absent); empty when no policy reads condition keys.
    pub keys: super::EvaluatedKeys,
    /// Whether a refusal was enforced (`false`: soft enforcement let it through).
    pub enforced: bool,
}

impl DecisionRecord {
    /// `Allow`, `ExplicitDeny` or `ImplicitDeny`; `WouldDeny` for a refusal soft
    /// enforcement let through.
    pub fn decision(&self) -> &'static str {
        if !self.enforced && self.outcome != Outcome::Allow {
            return "WouldDeny";
        }
        outcome_name(self.outcome)
    }

    /// Which policy, statement or grant decided, or what was missing, in words.
    pub fn reason_text(&self) -> String {
        if let Some(grant) = &self.grant {
            return format!(
                "allowed by grant {grant:?} ({})",
                reason_text(&self.action, Outcome::ImplicitDeny, self.kind, None)
            );
        }
        reason_text(&self.action, self.outcome, self.kind, self.reason.as_ref())
    }
}

/// The evaluated condition keys in words: `key=value`, `key=[a, b]`, `key absent`.
pub fn keys_text(keys: &super::EvaluatedKeys) -> String {
    keys.iter()
        .map(|(name, values)| match values.as_slice() {
            [] => format!("{name} absent"),
            [one] => format!("{name}={one:?}"),
            many => format!("{name}={many:?}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The name of an outcome, as the log and the refusal log line show it.
pub fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Allow => "Allow",
        Outcome::ExplicitDeny => "ExplicitDeny",
        Outcome::ImplicitDeny => "ImplicitDeny",
    }
}

/// The reason of a decision, in words.
pub fn reason_text(
    action: &str,
    outcome: Outcome,
    kind: PolicyKind,
    reason: Option<&Reason>,
) -> String {
    match reason {
        Some(reason) => {
            let statement = reason
                .sid
                .clone()
                .unwrap_or_else(|| format!("#{}", reason.index));
            let verb = match outcome {
                Outcome::Allow => "allowed by",
                _ => "denied by",
            };
            format!("{verb} policy {:?}, statement {statement:?}", reason.policy)
        }
        // Only the account root user is allowed without a statement.
        None if outcome == Outcome::Allow => {
            format!("allowed: the account root user may perform {action} (no policy denies it)")
        }
        None => format!("no {} allows {action}", kind.label()),
    }
}

impl Serialize for DecisionRecord {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let time = self
            .time
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let mut record = serializer.serialize_struct("DecisionRecord", 12)?;
        record.serialize_field("time", &time)?;
        record.serialize_field("requestId", &self.request_id)?;
        record.serialize_field("principal", &self.principal)?;
        record.serialize_field("action", &self.action)?;
        record.serialize_field("resource", &self.resource)?;
        record.serialize_field("decision", self.decision())?;
        record.serialize_field("reason", &self.reason_text())?;
        let statement = self.reason.as_ref().map(|r| {
            serde_json::json!({
                "policy": r.policy,
                "sid": r.sid,
                "index": r.index,
            })
        });
        record.serialize_field("statement", &statement)?;
        record.serialize_field("resourcePolicy", &self.resource_policy)?;
        record.serialize_field("grant", &self.grant)?;
        let keys: serde_json::Map<String, serde_json::Value> = self
            .keys
            .iter()
            .map(|(name, values)| {
                let value = match values.as_slice() {
                    [] => serde_json::Value::Null,
                    [one] => serde_json::Value::from(one.as_str()),
                    many => serde_json::Value::from(many.to_vec()),
                };
                (name.clone(), value)
            })
            .collect();
        record.serialize_field("conditionKeys", &keys)?;
        if !self.enforced && self.outcome != Outcome::Allow {
            record.serialize_field("wouldBe", outcome_name(self.outcome))?;
        }
        record.end()
    }
}

/// A bounded log of decisions, newest last.
#[derive(Debug)]
pub struct DecisionLog {
    entries: Mutex<VecDeque<DecisionRecord>>,
}

impl Default for DecisionLog {
    fn default() -> Self {
        DecisionLog {
            // Allocated once: recording never grows the log.
            entries: Mutex::new(VecDeque::with_capacity(CAPACITY)),
        }
    }
}

impl DecisionLog {
    /// Records a decision, dropping the oldest past [`CAPACITY`].
    pub fn record(&self, record: DecisionRecord) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let dropped = if entries.len() == CAPACITY {
            entries.pop_front()
        } else {
            None
        };
        entries.push_back(record);
        drop(entries);
        // The oldest record's strings are freed outside the lock.
        drop(dropped);
    }

    /// Forgets every decision.
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// The recent decisions, oldest first; only refusals when `denied_only`.
    pub fn recent(&self, denied_only: bool) -> Vec<DecisionRecord> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .iter()
            .filter(|r| !denied_only || r.outcome != Outcome::Allow)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: usize, outcome: Outcome) -> DecisionRecord {
        DecisionRecord {
            time: OffsetDateTime::UNIX_EPOCH,
            request_id: n.to_string(),
            principal: String::new(),
            action: "ssm:GetParameter".to_owned(),
            resource: String::new(),
            outcome,
            kind: PolicyKind::Identity,
            reason: None,
            resource_policy: None,
            grant: None,
            keys: Vec::new(),
            enforced: true,
        }
    }

    #[test]
    fn keeps_the_newest_and_filters_refusals() {
        let log = DecisionLog::default();
        for n in 0..CAPACITY + 3 {
            let outcome = if n % 2 == 0 {
                Outcome::Allow
            } else {
                Outcome::ImplicitDeny
            };
            log.record(record(n, outcome));
        }
        let all = log.recent(false);
        assert_eq!(all.len(), CAPACITY);
        assert_eq!(all[0].request_id, "3");
        assert!(log.recent(true).iter().all(|r| r.decision() != "Allow"));
    }

    #[test]
    fn records_are_shown_in_words() {
        let mut allowed = record(1, Outcome::Allow);
        allowed.time =
            OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap();
        allowed.reason = Some(Reason {
            policy: "ReadDev".to_owned(),
            sid: None,
            index: 2,
            principal_match: None,
        });
        let shown = serde_json::to_value(&allowed).unwrap();
        assert_eq!(
            shown,
            serde_json::json!({
                "time": "2023-11-14T22:13:20.123456789Z",
                "requestId": "1",
                "principal": "",
                "action": "ssm:GetParameter",
                "resource": "",
                "decision": "Allow",
                "reason": "allowed by policy \"ReadDev\", statement \"#2\"",
                "statement": {"policy": "ReadDev", "sid": null, "index": 2},
                "resourcePolicy": null,
                "grant": null,
                "conditionKeys": {},
            })
        );
        let mut refused = record(2, Outcome::ImplicitDeny);
        refused.kind = PolicyKind::Resource;
        assert_eq!(
            serde_json::to_value(&refused).unwrap()["reason"],
            "no resource-based policy allows ssm:GetParameter"
        );
    }
}
