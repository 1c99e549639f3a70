//! What each console page shows, gathered through the services' public reads and put in
//! a template's context (JSON values; the templates escape every string they print).

use super::acting::{self, Decided, Shown};
use crate::iam::managed::MANAGED_POLICIES;
use crate::kms::store::KeyManager;
use crate::ssm::store::{ParameterType, PathScope};
use crate::state::EmulatorState;
use serde_json::{json, Value};
use std::collections::HashMap;

/// A link with its query, percent-encoded.
fn href(path: &str, query: &[(&str, &str)]) -> String {
    let mut out = format!("{}{path}", super::PREFIX);
    if !query.is_empty() {
        out.push('?');
        out.push_str(
            &form_urlencoded::Serializer::new(String::new())
                .extend_pairs(query)
                .finish(),
        );
    }
    out
}

/// A policy document as indented JSON.
fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// A policy document's text as indented JSON (as given when it does not parse).
fn pretty_text(text: &str) -> String {
    serde_json::from_str::<Value>(text)
        .map(|v| pretty(&v))
        .unwrap_or_else(|_| text.to_owned())
}

/// Epoch milliseconds in RFC 3339.
fn when(millis: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// What every page carries: the account, the navigation, the form token and the
/// principals one may act as.
pub struct Base(Value);

impl Base {
    pub fn new(state: &EmulatorState, path: &str) -> Self {
        let nav: Vec<Value> = [
            ("/parameters", "Parameters"),
            ("/keys", "Keys"),
            ("/principals", "Principals"),
            ("/decisions", "Decisions"),
            ("/lambda", "Lambda"),
        ]
        .iter()
        .map(|(p, label)| {
            json!({
                "href": href(p, &[]),
                "label": label,
                "current": path.starts_with(p) || (path == "/" && *p == "/parameters"),
            })
        })
        .collect();
        Base(json!({
            "account": state.config.account,
            "strict": state.iam.strict,
            "nav": nav,
            "token": super::form_token(),
        }))
    }

    /// The base with a page's own values.
    fn with(self, title: &str, page: Value) -> Value {
        let mut context = self.0;
        context["title"] = json!(title);
        if let (Some(context), Value::Object(page)) = (context.as_object_mut(), page) {
            context.extend(page);
        }
        context
    }
}

/// The parameters of every region as a tree by path: folder rows where a path segment
/// begins, then the parameters, indented by depth.
pub fn parameters(state: &EmulatorState, base: Base) -> Value {
    let mut regions = Vec::new();
    for (region, regional) in state.regions.all_named() {
        let all = regional.ssm.page(
            &PathScope::of_path("/", true),
            None,
            usize::MAX,
            |_| true,
            |p| {
                let latest = p.latest();
                (
                    p.name.clone(),
                    latest.kind,
                    latest.version,
                    latest.labels.clone(),
                    p.tags.len(),
                )
            },
        );
        if all.items.is_empty() {
            continue;
        }
        let mut rows = Vec::new();
        let mut open: Vec<String> = Vec::new();
        for (name, kind, version, labels, tags) in all.items {
            let segments: Vec<&str> = name.trim_start_matches('/').split('/').collect();
            let folders = &segments[..segments.len() - 1];
            let common = open
                .iter()
                .zip(folders)
                .take_while(|(a, b)| a == *b)
                .count();
            open.truncate(common);
            for folder in &folders[common..] {
                rows.push(json!({ "folder": format!("{folder}/"), "depth": open.len() }));
                open.push((*folder).to_owned());
            }
            rows.push(json!({
                "name": name,
                "leaf": segments.last().copied().unwrap_or(""),
                "depth": open.len(),
                "type": kind.as_str(),
                "secure": kind == ParameterType::SecureString,
                "version": version,
                "labels": labels,
                "tags": tags,
                "href": href("/parameters/view", &[("region", &region), ("name", &name)]),
            }));
        }
        regions.push(json!({ "name": region, "rows": rows }));
    }
    base.with("Parameters", json!({ "regions": regions }))
}

/// The region a page's `region` query names, only if it exists: a console link never
/// creates one.
fn existing_region<'q>(
    state: &EmulatorState,
    query: &'q HashMap<String, String>,
) -> Option<(&'q String, std::sync::Arc<crate::state::RegionState>)> {
    let region = query.get("region")?;
    let regional = state
        .regions
        .all_named()
        .into_iter()
        .find(|(r, _)| r == region)?
        .1;
    Some((region, regional))
}

/// One parameter: its versions (values of SecureStrings hidden), labels, tags and the
/// "Show" form; with what "Show" found, when it was asked.
pub fn parameter(
    state: &EmulatorState,
    base: Base,
    query: &HashMap<String, String>,
    shown: Option<Shown>,
) -> Option<Value> {
    let (region, regional) = existing_region(state, query)?;
    let name = query.get("name")?;
    let key = crate::ssm::names::key_of(name);
    let (stored_name, versions, tags) = regional.ssm.with(&key, |p| {
        let versions: Vec<Value> = p
            .versions
            .iter()
            .rev()
            .map(|v| {
                let secure = v.kind == ParameterType::SecureString;
                json!({
                    "version": v.version,
                    "type": v.kind.as_str(),
                    "secure": secure,
                    "value": if secure { Value::Null } else { json!(v.value) },
                    "key_id": v.key_id,
                    "description": v.description,
                    "tier": v.tier.as_str(),
                    "data_type": v.data_type,
                    "labels": v.labels,
                    "policies": v.policies,
                    "allowed_pattern": v.allowed_pattern.as_ref().map(|p| p.as_str().to_owned()),
                    "last_modified": when(v.last_modified.0),
                    "last_modified_user": v.last_modified_user,
                })
            })
            .collect();
        (p.name.clone(), versions, p.tags.clone())
    })?;
    let mut versions = versions;
    let selected_version = query.get("version");
    for v in &mut versions {
        v["selected"] =
            json!(selected_version.is_some_and(|s| s.parse::<u64>().ok() == v["version"].as_u64()));
    }
    let secure = versions.iter().any(|v| v["secure"] == json!(true));
    let shown = shown.map(|s| {
        let mut value = serde_json::to_value(&s).unwrap_or_default();
        value["request_href"] = json!(href("/decisions/request", &[("id", &s.request_id)]));
        value["stories"] = json!(s
            .decisions
            .iter()
            .map(|r| story_with(state, r))
            .collect::<Vec<_>>());
        value
    });
    Some(base.with(
        &stored_name,
        json!({
            "region": region,
            "name": stored_name,
            "arn": crate::ssm::names::arn(region, &state.config.account, &stored_name),
            "versions": versions,
            "tags": tags,
            "secure": secure,
            "choices": acting::choices(state),
            "shown": shown,
            "selected": query.get("principal"),
        }),
    ))
}

/// The keys of every region: state, spec, aliases, rotation, grants and key policy.
pub fn keys(state: &EmulatorState, base: Base) -> Value {
    let mut keys = Vec::new();
    for (region, regional) in state.regions.all_named() {
        regional.kms.read(|data| {
            for key in data.keys.values() {
                keys.push(key_value(&region, key, data));
            }
        });
    }
    base.with("Keys", json!({ "keys": keys }))
}

fn key_value(
    region: &str,
    key: &crate::kms::store::Key,
    data: &crate::kms::store::KmsData,
) -> Value {
    let aliases: Vec<&String> = data
        .aliases
        .iter()
        .filter(|(_, a)| a.target == key.id)
        .map(|(name, _)| name)
        .collect();
    let grants: Vec<Value> = key
        .grants
        .iter()
        .map(|g| {
            json!({
                "id": g.id,
                "name": g.name,
                "grantee": g.grantee,
                "retiring": g.retiring,
                "operations": g.operations,
                "constraints": g.constraints.as_ref().map(|c| json!({
                    "subset": c.subset, "equals": c.equals,
                })),
                "created": when(g.creation_date.0),
            })
        })
        .collect();
    json!({
        "region": region,
        "id": key.id,
        "arn": key.arn,
        "description": key.description,
        "state": key.state.as_str(),
        "spec": key.spec.name(),
        "aws_managed": key.manager == KeyManager::Aws,
        "aliases": aliases,
        "rotation_enabled": key.rotation_enabled,
        "rotation_period_days": key.rotation_period_days,
        "rotations": key.rotations.iter().map(|t| when(t.0)).collect::<Vec<_>>(),
        "created": when(key.creation_date.0),
        "tags": key.tags,
        "grant_count": grants.len(),
        "grants": grants,
        "policy": pretty_text(&key.policy_text),
        "href": href("/keys/view", &[("region", region), ("id", &key.id)]),
    })
}

/// One key, with the form that decides an action for a principal (and its answer).
pub fn key(
    state: &EmulatorState,
    base: Base,
    query: &HashMap<String, String>,
    decided: Option<Decided>,
) -> Option<Value> {
    let (region, regional) = existing_region(state, query)?;
    let id = query.get("id")?;
    let key = regional
        .kms
        .read(|data| data.keys.get(id).map(|k| key_value(region, k, data)))?;
    let decided = decided.map(|d| {
        let mut value = serde_json::to_value(&d).unwrap_or_default();
        value["stories"] = json!(d
            .decisions
            .iter()
            .map(|r| story_with(state, r))
            .collect::<Vec<_>>());
        value
    });
    Some(base.with(
        &format!("Key {id}"),
        json!({
            "key": key,
            "choices": acting::choices(state),
            "actions": acting::KEY_ACTIONS,
            "decided": decided,
            "selected": query.get("principal"),
            "selected_action": query.get("action"),
        }),
    ))
}

/// A policy named in a fixture, or an AWS managed policy by ARN, as indented JSON.
fn policy_entries(
    inline: &[crate::fixtures::PolicyFixture],
    managed: &[String],
    boundary: Option<&Value>,
) -> Vec<Value> {
    let mut out: Vec<Value> = inline
        .iter()
        .map(|p| json!({"kind": "inline", "name": p.name, "document": pretty(&p.document)}))
        .collect();
    for arn in managed {
        let document = MANAGED_POLICIES
            .iter()
            .find(|m| m.arn == arn)
            .map(|m| pretty_text(m.document))
            .unwrap_or_default();
        out.push(json!({"kind": "managed", "name": arn, "document": document}));
    }
    if let Some(boundary) = boundary {
        let document = match boundary.as_str() {
            Some(arn) => MANAGED_POLICIES
                .iter()
                .find(|m| m.arn == arn)
                .map(|m| pretty_text(m.document))
                .unwrap_or_else(|| arn.to_owned()),
            None => pretty(boundary),
        };
        out.push(json!({"kind": "permissions boundary", "name": "boundary", "document": document}));
    }
    out
}

/// Users and roles with their policies and trust policies, as the fixtures declare them.
pub fn principals(state: &EmulatorState, base: Base) -> Value {
    let directory = state.iam.directory();
    let users: Vec<Value> = state
        .fixtures
        .users
        .iter()
        .map(|(file, u)| {
            json!({
                "name": u.name,
                "arn": directory.users.get(&u.name).map(|d| d.arn.clone()),
                "file": file.display().to_string(),
                "keys": u.access_keys.iter().map(|k| k.id.clone()).collect::<Vec<_>>(),
                "tags": u.tags,
                "policies": policy_entries(&u.policies, &u.managed_policies, u.permissions_boundary.as_ref()),
            })
        })
        .collect();
    let roles: Vec<Value> = state
        .fixtures
        .roles
        .iter()
        .map(|(file, r)| {
            json!({
                "name": r.name,
                "arn": directory.roles.get(&r.name).map(|d| d.arn.clone()),
                "file": file.display().to_string(),
                "tags": r.tags,
                "trust_policy": pretty(&r.trust_policy),
                "policies": policy_entries(&r.policies, &r.managed_policies, r.permissions_boundary.as_ref()),
            })
        })
        .collect();
    let scps: Vec<Value> = state
        .fixtures
        .service_control_policies
        .iter()
        .map(|(_, p)| json!({"name": p.name, "document": pretty(&p.document)}))
        .collect();
    base.with(
        "Principals",
        json!({ "users": users, "roles": roles, "scps": scps }),
    )
}

/// Whether a decision matches the filter's text for `field` (case-insensitive part).
fn matches(record: &Value, field: &str, filter: Option<&String>) -> bool {
    let Some(filter) = filter.filter(|f| !f.is_empty()) else {
        return true;
    };
    let value = record[field].as_str().unwrap_or("");
    value.to_lowercase().contains(&filter.to_lowercase())
}

/// The decision log, newest first, filtered by principal, action, resource and outcome.
pub fn decisions(state: &EmulatorState, base: Base, query: &HashMap<String, String>) -> Value {
    let records: Vec<Value> = state
        .iam
        .decision_log(false, None)
        .into_iter()
        .rev()
        .filter(|r| {
            matches(r, "principal", query.get("principal"))
                && matches(r, "action", query.get("action"))
                && matches(r, "resource", query.get("resource"))
                && matches(r, "decision", query.get("outcome"))
        })
        .map(|mut r| {
            let id = r["requestId"].as_str().unwrap_or("").to_owned();
            r["href"] = json!(href("/decisions/request", &[("id", &id)]));
            r["allowed"] = json!(r["decision"] == json!("Allow"));
            r
        })
        .collect();
    let filters: Vec<(&str, &str)> = ["principal", "action", "resource", "outcome"]
        .iter()
        .filter_map(|f| query.get(*f).map(|v| (*f, v.as_str())))
        .collect();
    base.with(
        "Decisions",
        json!({
            "records": records,
            "filter": {
                "principal": query.get("principal"),
                "action": query.get("action"),
                "resource": query.get("resource"),
                "outcome": query.get("outcome"),
            },
            "rows_href": href("/decisions/rows", &filters),
        }),
    )
}

/// The statement at `index` of a policy document (`Statement` an object or a list).
fn statement_of(document: &Value, index: usize) -> Option<String> {
    match &document["Statement"] {
        Value::Array(list) => list.get(index).map(pretty),
        object @ Value::Object(_) if index == 0 => Some(pretty(object)),
        _ => None,
    }
}

/// The deciding statement's text, found where the decision names it: the key policy of
/// the resource (a key ARN), or an identity policy of the principal's fixture (inline by
/// name, or managed).
fn deciding_statement(state: &EmulatorState, record: &Value) -> Option<String> {
    let statement = &record["statement"];
    let policy = statement["policy"].as_str()?;
    let index = usize::try_from(statement["index"].as_u64()?).ok()?;
    if record["resourcePolicy"].as_str() == Some(policy) && policy == "key policy" {
        let text = key_policy_of(state, record)?;
        return statement_of(&serde_json::from_str(&text).ok()?, index);
    }
    if let Some(managed) = MANAGED_POLICIES
        .iter()
        .find(|m| m.arn == policy || m.name == policy)
    {
        return statement_of(&serde_json::from_str(managed.document).ok()?, index);
    }
    let principal = record["principal"].as_str().unwrap_or("");
    let inline = state
        .fixtures
        .users
        .iter()
        .filter(|(_, u)| principal.ends_with(&format!(":user/{}", u.name)))
        .flat_map(|(_, u)| u.policies.iter())
        .chain(
            state
                .fixtures
                .roles
                .iter()
                .filter(|(_, r)| principal.contains(&format!(":assumed-role/{}/", r.name)))
                .flat_map(|(_, r)| r.policies.iter()),
        )
        .find(|p| p.name == policy)?;
    statement_of(&inline.document, index)
}

/// The text of the key policy a decision consulted (its resource is the key's ARN).
fn key_policy_of(state: &EmulatorState, record: &Value) -> Option<String> {
    if record["resourcePolicy"].as_str() != Some("key policy") {
        return None;
    }
    let resource = record["resource"].as_str()?;
    state
        .regions
        .all_named()
        .into_iter()
        .find_map(|(_, regional)| {
            regional.kms.read(|data| {
                data.keys
                    .values()
                    .find(|k| k.arn == resource)
                    .map(|k| pretty_text(&k.policy_text))
            })
        })
}

/// One decision as the full story: who, what, on which resource, the outcome and its
/// reason, the policies consulted, the deciding statement's text and the condition keys
/// with their values; and the record itself.
fn story_with(state: &EmulatorState, record: &Value) -> Value {
    let mut value = story(record);
    value["statement_text"] = json!(deciding_statement(state, record));
    value["key_policy"] = json!(key_policy_of(state, record));
    value
}

/// [`story_with`] without the statement's text.
fn story(record: &Value) -> Value {
    let keys: Vec<Value> = record["conditionKeys"]
        .as_object()
        .map(|keys| {
            keys.iter()
                .map(|(name, value)| {
                    let shown = match value {
                        Value::Null => "(absent)".to_owned(),
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    json!({"name": name, "value": shown})
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "time": record["time"],
        "request_id": record["requestId"],
        "principal": record["principal"],
        "action": record["action"],
        "resource": record["resource"],
        "decision": record["decision"],
        "allowed": record["decision"] == json!("Allow"),
        "reason": record["reason"],
        "statement": record["statement"],
        "resource_policy": record["resourcePolicy"],
        "grant": record["grant"],
        "policies": record["policies"],
        "keys": keys,
        "raw": pretty(record),
        "href": href(
            "/decisions/request",
            &[("id", record["requestId"].as_str().unwrap_or(""))]
        ),
    })
}

/// Every decision one request recorded, each as its full story.
pub fn decision(state: &EmulatorState, base: Base, query: &HashMap<String, String>) -> Value {
    let id = query.get("id").cloned().unwrap_or_default();
    let stories: Vec<Value> = state
        .iam
        .decision_log(false, Some(&id))
        .iter()
        .map(|r| story_with(state, r))
        .collect();
    base.with("Decision", json!({ "request_id": id, "stories": stories }))
}

/// An invocation's X-Ray segments as timeline rows: each entry's start relative to the
/// first one, its duration, its nesting, and what it was (an AWS operation, a remote call).
fn timeline(entries: &[crate::lambda::xray::TraceEntry]) -> Value {
    let Some(origin) = entries
        .iter()
        .map(|e| e.start_time)
        .min_by(|a, b| a.total_cmp(b))
    else {
        return Value::Null;
    };
    let total = entries
        .iter()
        .filter_map(|e| e.end_time)
        .fold(origin, f64::max)
        - origin;
    let percent = |seconds: f64| {
        if total > 0.0 {
            (seconds / total * 100.0).clamp(0.0, 100.0)
        } else {
            0.0
        }
    };
    let rows: Vec<Value> = entries
        .iter()
        .map(|e| {
            let offset = e.start_time - origin;
            let duration = e.end_time.map(|end| end - e.start_time);
            let status = if e.fault {
                "fault"
            } else if e.throttle {
                "throttle"
            } else if e.error {
                "error"
            } else {
                "ok"
            };
            json!({
                "name": e.name,
                "kind": e.kind,
                "depth": e.depth,
                // Nesting as a class (the page's CSP allows no inline style).
                "depthClass": format!("depth-{}", e.depth.min(6)),
                "operation": e.operation,
                "namespace": e.namespace,
                "httpStatus": e.http_status,
                "offsetMs": format!("{:.1}", offset * 1000.0),
                "durationMs": duration.map(|d| format!("{:.1}", d * 1000.0)),
                "left": format!("{:.1}", percent(offset)),
                "width": format!("{:.1}", duration.map(percent).unwrap_or(0.0).max(0.5)),
                "status": status,
            })
        })
        .collect();
    Value::Array(rows)
}

/// Whether a process is alive (Linux: its `/proc` entry).
fn alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Functions with their configuration and environments, and the recent invocations
/// (newest first) with the calls each made.
pub fn lambda(state: &EmulatorState, base: Base) -> Value {
    let invocations = state.lambda.records.list(None);
    let mut functions = Vec::new();
    for (region, regional) in state.regions.all_named() {
        let mut all = regional.lambda.all();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        for function in all {
            let current = function.current();
            let config = &current.config;
            // The environments this function's invocations ran in, newest first: a
            // process still alive and running an invocation is busy, alive otherwise warm.
            let mut environments: Vec<Value> = Vec::new();
            for record in invocations
                .iter()
                .rev()
                .filter(|r| r.function_arn == function.arn)
            {
                let (Some(id), Some(pid)) = (&record.environment_id, record.pid) else {
                    continue;
                };
                if environments.iter().any(|e| e["id"] == json!(id)) {
                    continue;
                }
                let running = invocations
                    .iter()
                    .any(|r| r.environment_id.as_ref() == Some(id) && r.outcome == "Pending");
                let status = match (alive(pid), running) {
                    (false, _) => "stopped",
                    (true, true) => "busy",
                    (true, false) => "warm",
                };
                environments.push(json!({"id": id, "pid": pid, "status": status}));
            }
            functions.push(json!({
                "region": region,
                "name": function.name,
                "arn": function.arn,
                "runtime": config.runtime,
                "handler": config.handler,
                "role": config.role,
                "timeout": config.timeout,
                "memory": config.memory_size,
                "tracing": config.tracing_mode,
                "environment": config.environment,
                "idle": function.pool.idle_count(),
                "environments": environments,
                "last_modified": config.last_modified,
            }));
        }
    }
    let invocations: Vec<Value> = invocations
        .iter()
        .rev()
        .take(50)
        .map(|r| {
            let mut value = serde_json::to_value(r).unwrap_or_default();
            // The log's last 4 KB, as Lambda's `LogResult` holds it: the page is
            // re-rendered every two seconds while it is open.
            value["log"] = json!(state.lambda.records.log_of(&r.request_id).map(|l| l.tail()));
            value["timeline"] = timeline(&r.xray);
            if let Some(calls) = value["awsCalls"].as_array_mut() {
                for call in calls {
                    let id = call["requestId"].as_str().unwrap_or("").to_owned();
                    call["href"] = json!(href("/decisions/request", &[("id", &id)]));
                }
            }
            value
        })
        .collect();
    base.with(
        "Lambda",
        json!({
            "functions": functions,
            "invocations": invocations,
            "live_href": href("/lambda/live", &[]),
        }),
    )
}
