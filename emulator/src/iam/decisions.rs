//! The log of recent authorisation decisions, readable at `/_emulator/decisions` so a user
//! can see why a call was allowed or refused.
//!
//! Recording is on every request's path, so a record keeps the decision as the engine
//! gave it (outcome, kind, deciding statement) and the clock reading; its time and reason
//! are put in words only when the log is read.

use super::policy::{Outcome, PolicyKind, Reason};
pub use crate::context::CalledBy;
use crate::context::DecisionSlot;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use std::collections::VecDeque;
use std::sync::Mutex;
use time::OffsetDateTime;

/// How many decisions are kept.
pub const CAPACITY: usize = 500;

/// One action's decision within a request.
#[derive(Debug, Clone)]
pub struct ActionEvaluation {
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
    /// The session policies that limited the decision (names), when the caller's session
    /// has any.
    pub session_policies: Vec<String>,
    /// A refusal AWS makes by a rule of its own rather than a policy statement (a root
    /// user assuming a role, a role that does not exist), in words.
    pub rule: Option<String>,
    /// The condition keys the consulted policies read, with the request's values (an
    /// empty list: the key was absent); empty when no policy reads condition keys.
    pub keys: super::EvaluatedKeys,
    /// Whether a refusal was enforced (`false`: soft enforcement let it through).
    pub enforced: bool,
}

impl ActionEvaluation {
    /// `Allow`, `ExplicitDeny` or `ImplicitDeny`; `WouldDeny` for a refusal soft
    /// enforcement let through.
    pub fn decision(&self) -> &'static str {
        if !self.enforced && self.outcome != Outcome::Allow {
            return "WouldDeny";
        }
        outcome_name(self.outcome)
    }

    /// Which policy, statement, grant or rule decided, or what was missing, in words.
    pub fn reason_text(&self) -> String {
        if let Some(rule) = &self.rule {
            return format!("denied by AWS's rule: {rule}");
        }
        if let Some(grant) = &self.grant {
            return format!(
                "allowed by grant {grant:?} ({})",
                reason_text(&self.action, Outcome::ImplicitDeny, self.kind, None)
            );
        }
        reason_text(&self.action, self.outcome, self.kind, self.reason.as_ref())
    }

    fn refused(&self) -> bool {
        self.outcome != Outcome::Allow
    }
}

/// The decisions of one request: every action it authorised, in order, and its final
/// outcome.
#[derive(Debug, Clone)]
pub struct DecisionRecord {
    /// When the request's first decision was made (shown in RFC 3339).
    pub time: OffsetDateTime,
    pub request_id: String,
    pub principal: String,
    /// Set when another service made this request on the caller's behalf.
    pub called_by: Option<CalledBy>,
    /// One per action authorised, in the order they were decided (never empty).
    pub evaluations: Vec<ActionEvaluation>,
}

impl DecisionRecord {
    /// The evaluation that decided the request: the first enforced refusal (the request
    /// stops there), else the first refusal soft enforcement let through, else the first
    /// action's.
    pub fn deciding(&self) -> &ActionEvaluation {
        self.evaluations
            .iter()
            .find(|e| e.refused() && e.enforced)
            .or_else(|| self.evaluations.iter().find(|e| e.refused()))
            .unwrap_or(&self.evaluations[0])
    }

    /// The request's final outcome: `Allow`, `ExplicitDeny` or `ImplicitDeny`;
    /// `WouldDeny` when soft enforcement let a refusal through.
    pub fn decision(&self) -> &'static str {
        self.deciding().decision()
    }

    /// Whether any action was refused (enforced or not).
    pub fn refused(&self) -> bool {
        self.evaluations.iter().any(ActionEvaluation::refused)
    }

    /// The deciding evaluation's reason, in words.
    pub fn reason_text(&self) -> String {
        self.deciding().reason_text()
    }

    /// The condition keys read across the request's actions (each once, first value).
    pub fn keys(&self) -> super::EvaluatedKeys {
        let mut keys: super::EvaluatedKeys = Vec::new();
        for evaluation in &self.evaluations {
            for (name, values) in &evaluation.keys {
                match keys.iter_mut().find(|(n, _)| n == name) {
                    Some((_, known)) if known.is_empty() => known.clone_from(values),
                    Some(_) => {}
                    None => keys.push((name.clone(), values.clone())),
                }
            }
        }
        keys
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

/// The condition keys as JSON: a value, a list of values, or `null` when absent.
fn keys_json(keys: &super::EvaluatedKeys) -> serde_json::Map<String, serde_json::Value> {
    keys.iter()
        .map(|(name, values)| {
            let value = match values.as_slice() {
                [] => serde_json::Value::Null,
                [one] => serde_json::Value::from(one.as_str()),
                many => serde_json::Value::from(many.to_vec()),
            };
            (name.clone(), value)
        })
        .collect()
}

fn statement_json(reason: Option<&Reason>) -> serde_json::Value {
    reason.map_or(serde_json::Value::Null, |r| {
        serde_json::json!({
            "policy": r.policy,
            "sid": r.sid,
            "index": r.index,
        })
    })
}

impl Serialize for ActionEvaluation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut record = serializer.serialize_struct("ActionEvaluation", 9)?;
        record.serialize_field("action", &self.action)?;
        record.serialize_field("resource", &self.resource)?;
        record.serialize_field("decision", self.decision())?;
        record.serialize_field("reason", &self.reason_text())?;
        record.serialize_field("statement", &statement_json(self.reason.as_ref()))?;
        record.serialize_field("resourcePolicy", &self.resource_policy)?;
        record.serialize_field("grant", &self.grant)?;
        record.serialize_field("conditionKeys", &keys_json(&self.keys))?;
        if !self.enforced && self.refused() {
            record.serialize_field("wouldBe", outcome_name(self.outcome))?;
        }
        record.end()
    }
}

impl Serialize for DecisionRecord {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let time = self
            .time
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let deciding = self.deciding();
        let mut record = serializer.serialize_struct("DecisionRecord", 15)?;
        record.serialize_field("time", &time)?;
        record.serialize_field("requestId", &self.request_id)?;
        record.serialize_field("principal", &self.principal)?;
        // The action and resource of the deciding evaluation (the request's own first
        // action when everything was allowed); `actions` lists them all.
        record.serialize_field("action", &deciding.action)?;
        record.serialize_field("resource", &deciding.resource)?;
        let actions: Vec<&str> = self.evaluations.iter().map(|e| e.action.as_str()).collect();
        record.serialize_field("actions", &actions)?;
        record.serialize_field("decision", self.decision())?;
        record.serialize_field("reason", &self.reason_text())?;
        record.serialize_field("statement", &statement_json(deciding.reason.as_ref()))?;
        record.serialize_field("resourcePolicy", &deciding.resource_policy)?;
        let grant = self.evaluations.iter().find_map(|e| e.grant.as_ref());
        record.serialize_field("grant", &grant)?;
        record.serialize_field("conditionKeys", &keys_json(&self.keys()))?;
        if !deciding.enforced && deciding.refused() {
            record.serialize_field("wouldBe", outcome_name(deciding.outcome))?;
        }
        if let Some(called_by) = &self.called_by {
            record.serialize_field(
                "calledBy",
                &serde_json::json!({
                    "service": called_by.service,
                    "requestId": called_by.request_id,
                }),
            )?;
        }
        record.serialize_field("evaluations", &self.evaluations)?;
        record.end()
    }
}

/// The records, oldest first, and the sequence number of the oldest.
#[derive(Debug)]
struct Entries {
    records: VecDeque<DecisionRecord>,
    /// The sequence number of `records[0]` (every record ever made has one, so a request
    /// finds its record again in O(1), or learns that it was forgotten).
    first: u64,
}

/// A bounded log of decisions, one record per request, newest last.
#[derive(Debug)]
pub struct DecisionLog {
    entries: Mutex<Entries>,
}

impl Default for DecisionLog {
    fn default() -> Self {
        DecisionLog {
            // Allocated once: recording never grows the log.
            entries: Mutex::new(Entries {
                records: VecDeque::with_capacity(CAPACITY),
                first: 0,
            }),
        }
    }
}

impl DecisionLog {
    /// Records one action's decision in the record of its request: `slot` (the request's)
    /// says which record that is; the first decision of a request makes its record (with
    /// `request_id`, `principal` and `called_by`), dropping the oldest past [`CAPACITY`].
    pub fn record(
        &self,
        slot: &DecisionSlot,
        request: impl FnOnce() -> (String, String, Option<CalledBy>),
        evaluation: ActionEvaluation,
    ) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(seq) = slot.get() {
            if let Some(index) = seq.checked_sub(entries.first) {
                if let Some(record) = entries.records.get_mut(index as usize) {
                    record.evaluations.push(evaluation);
                    return;
                }
            }
        }
        let (request_id, principal, called_by) = request();
        let dropped = if entries.records.len() == CAPACITY {
            entries.first += 1;
            entries.records.pop_front()
        } else {
            None
        };
        slot.set(entries.first + entries.records.len() as u64);
        entries.records.push_back(DecisionRecord {
            time: OffsetDateTime::now_utc(),
            request_id,
            principal,
            called_by,
            evaluations: vec![evaluation],
        });
        drop(entries);
        // The oldest record's strings are freed outside the lock.
        drop(dropped);
    }

    /// Forgets every decision.
    pub fn clear(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.first += entries.records.len() as u64;
        entries.records.clear();
    }

    /// The recent requests' records, oldest first; only those with a refusal when
    /// `denied_only`.
    pub fn recent(&self, denied_only: bool) -> Vec<DecisionRecord> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .records
            .iter()
            .filter(|r| !denied_only || r.refused())
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evaluation(action: &str, outcome: Outcome) -> ActionEvaluation {
        ActionEvaluation {
            action: action.to_owned(),
            resource: String::new(),
            outcome,
            kind: PolicyKind::Identity,
            reason: None,
            resource_policy: None,
            grant: None,
            session_policies: Vec::new(),
            rule: None,
            keys: Vec::new(),
            enforced: true,
        }
    }

    fn add(log: &DecisionLog, slot: &DecisionSlot, id: usize, evaluation: ActionEvaluation) {
        log.record(slot, || (id.to_string(), String::new(), None), evaluation);
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
            add(
                &log,
                &DecisionSlot::default(),
                n,
                evaluation("ssm:GetParameter", outcome),
            );
        }
        let all = log.recent(false);
        assert_eq!(all.len(), CAPACITY);
        assert_eq!(all[0].request_id, "3");
        assert!(log.recent(true).iter().all(|r| r.decision() != "Allow"));
    }

    /// Every action a request authorises lands in its one record, found again by the
    /// request's slot even after other requests' records, and the request's outcome is
    /// its first enforced refusal.
    #[test]
    fn one_record_per_request_whatever_its_actions() {
        let log = DecisionLog::default();
        let first = DecisionSlot::default();
        add(
            &log,
            &first,
            1,
            evaluation("sts:AssumeRole", Outcome::Allow),
        );
        add(
            &log,
            &DecisionSlot::default(),
            2,
            evaluation("ssm:GetParameter", Outcome::Allow),
        );
        let mut soft = evaluation("sts:SetSourceIdentity", Outcome::ImplicitDeny);
        soft.enforced = false;
        add(&log, &first, 1, soft);
        let records = log.recent(false);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].evaluations.len(), 2);
        assert_eq!(records[0].decision(), "WouldDeny");
        assert_eq!(records[0].deciding().action, "sts:SetSourceIdentity");
        add(
            &log,
            &first,
            1,
            evaluation("sts:TagSession", Outcome::ExplicitDeny),
        );
        let record = &log.recent(true)[0];
        assert_eq!(record.decision(), "ExplicitDeny");
        assert_eq!(record.deciding().action, "sts:TagSession");
        let shown = serde_json::to_value(record).unwrap();
        assert_eq!(
            shown["actions"],
            serde_json::json!(["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"])
        );
        assert_eq!(shown["action"], "sts:TagSession");
        assert_eq!(shown["evaluations"][1]["decision"], "WouldDeny");
        // A request whose record was forgotten (reset) starts a new one.
        log.clear();
        add(
            &log,
            &first,
            1,
            evaluation("sts:AssumeRole", Outcome::Allow),
        );
        assert_eq!(log.recent(false).len(), 1);
    }

    #[test]
    fn records_are_shown_in_words() {
        let mut allowed = evaluation("ssm:GetParameter", Outcome::Allow);
        allowed.reason = Some(Reason {
            policy: "ReadDev".to_owned(),
            sid: None,
            index: 2,
            principal_match: None,
        });
        let record = DecisionRecord {
            time: OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap(),
            request_id: "1".to_owned(),
            principal: String::new(),
            called_by: None,
            evaluations: vec![allowed],
        };
        let shown = serde_json::to_value(&record).unwrap();
        let evaluation_shown = serde_json::json!({
            "action": "ssm:GetParameter",
            "resource": "",
            "decision": "Allow",
            "reason": "allowed by policy \"ReadDev\", statement \"#2\"",
            "statement": {"policy": "ReadDev", "sid": null, "index": 2},
            "resourcePolicy": null,
            "grant": null,
            "conditionKeys": {},
        });
        assert_eq!(
            shown,
            serde_json::json!({
                "time": "2023-11-14T22:13:20.123456789Z",
                "requestId": "1",
                "principal": "",
                "action": "ssm:GetParameter",
                "resource": "",
                "actions": ["ssm:GetParameter"],
                "decision": "Allow",
                "reason": "allowed by policy \"ReadDev\", statement \"#2\"",
                "statement": {"policy": "ReadDev", "sid": null, "index": 2},
                "resourcePolicy": null,
                "grant": null,
                "conditionKeys": {},
                "evaluations": [evaluation_shown],
            })
        );
        let mut refused = evaluation("ssm:GetParameter", Outcome::ImplicitDeny);
        refused.kind = PolicyKind::Resource;
        assert_eq!(
            serde_json::to_value(&refused).unwrap()["reason"],
            "no resource-based policy allows ssm:GetParameter"
        );
    }
}
