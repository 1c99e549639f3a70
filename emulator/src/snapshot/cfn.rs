//! A region's CloudFormation stacks as one record of the state directory (`cfn/REGION`)
//! and as part of a snapshot: each stack with its status, parameters, tags, outputs and
//! exports, template (as sent and as transformed), events, and every resource with its
//! physical id and the calls that delete it, so that DescribeStacks answers as before
//! and DeleteStack removes what the stack made after a restart or a restore.
//!
//! Change sets are kept too (`cfn-sets/REGION`, and beside the stacks in a snapshot), so
//! that one created and not yet executed can be described and executed after a restart
//! or a restore. The state
//! directory is rewritten after a stack operation has run to its end; a snapshot taken
//! while one runs holds the stack's working copy as last written (an `_IN_PROGRESS`
//! status), restored as it is.

use crate::cfn::intrinsics::Resolved;
use crate::cfn::providers::{Call, Created};
use crate::cfn::stack::{ChangeSet, Event, Output, Stack, StackResource};
use crate::cfn::template::Template;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use time::OffsetDateTime;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StackSnap {
    id: String,
    name: String,
    status: String,
    reason: Option<String>,
    /// Epoch milliseconds, as every time below.
    created: i64,
    updated: Option<i64>,
    deleted: Option<i64>,
    description: Option<String>,
    parameters: Vec<(String, String)>,
    capabilities: Vec<String>,
    role_arn: Option<String>,
    disable_rollback: bool,
    tags: Vec<(String, String)>,
    outputs: Vec<OutputSnap>,
    resources: Vec<ResourceSnap>,
    events: Vec<EventSnap>,
    /// The template as sent and after the SAM transform; `None` for a stack that never
    /// got one (a change set's stack under review).
    template: Option<(Value, Value)>,
    template_body: String,
    given_parameters: BTreeMap<String, String>,
}

/// A change set: what CreateChangeSet checked and proposed, to describe, execute or
/// delete later.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangeSetSnap {
    id: String,
    name: String,
    stack_id: String,
    stack_name: String,
    kind: String,
    status: String,
    execution_status: String,
    reason: Option<String>,
    /// Epoch milliseconds.
    created: i64,
    description: Option<String>,
    /// The template as sent and after the SAM transform.
    template: (Value, Value),
    template_body: String,
    parameters: BTreeMap<String, String>,
    capabilities: Vec<String>,
    role_arn: Option<String>,
    tags: Vec<(String, String)>,
    /// (action, logical id, physical id, type, replacement)
    changes: Vec<(String, String, String, String, String)>,
}

/// A change set as a record.
pub(crate) fn set_record(set: &ChangeSet) -> ChangeSetSnap {
    ChangeSetSnap {
        id: set.id.clone(),
        name: set.name.clone(),
        stack_id: set.stack_id.clone(),
        stack_name: set.stack_name.clone(),
        kind: set.kind.clone(),
        status: set.status.clone(),
        execution_status: set.execution_status.clone(),
        reason: set.reason.clone(),
        created: millis(set.created),
        description: set.description.clone(),
        template: (
            set.template.original.clone(),
            set.template.processed.clone(),
        ),
        template_body: set.template_body.clone(),
        parameters: set.parameters.clone(),
        capabilities: set.capabilities.clone(),
        role_arn: set.role_arn.clone(),
        tags: set.tags.clone(),
        changes: set.changes.clone(),
    }
}

/// A change set built again from its record.
pub(crate) fn restore_set(s: ChangeSetSnap) -> Result<ChangeSet, String> {
    let (original, processed) = s.template;
    Ok(ChangeSet {
        created: time_of(&format!("change set {}", s.id), s.created)?,
        id: s.id,
        name: s.name,
        stack_id: s.stack_id,
        stack_name: s.stack_name,
        kind: s.kind,
        status: s.status,
        execution_status: s.execution_status,
        reason: s.reason,
        description: s.description,
        template: Template {
            original,
            processed,
        },
        template_body: s.template_body,
        parameters: s.parameters,
        capabilities: s.capabilities,
        role_arn: s.role_arn,
        tags: s.tags,
        changes: s.changes,
    })
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputSnap {
    key: String,
    value: String,
    description: Option<String>,
    export_name: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventSnap {
    id: String,
    logical_id: String,
    physical_id: String,
    resource_type: String,
    status: String,
    reason: Option<String>,
    at: i64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceSnap {
    logical_id: String,
    physical_id: String,
    resource_type: String,
    status: String,
    reason: Option<String>,
    updated: i64,
    created: Option<CreatedSnap>,
    retain: bool,
}

/// What a created resource resolves to and the calls that delete it.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreatedSnap {
    physical_id: String,
    attributes: BTreeMap<String, Value>,
    properties: Map<String, Value>,
    delete: Vec<CallSnap>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum CallSnap {
    Iam {
        action: String,
        members: Vec<(String, String)>,
    },
    Json {
        target: String,
        input: Value,
    },
    DeleteFunction {
        function: String,
    },
    DeleteAlias {
        function: String,
        alias: String,
    },
}

fn millis(t: OffsetDateTime) -> i64 {
    // Milliseconds hold every date CloudFormation shows (its answers carry milliseconds).
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn time_of(what: &str, millis: i64) -> Result<OffsetDateTime, String> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .map_err(|e| format!("stack {what}: a time out of range ({e})"))
}

/// A stack as a record holds it.
pub(crate) fn record(stack: &Stack) -> StackSnap {
    StackSnap {
        id: stack.id.clone(),
        name: stack.name.clone(),
        status: stack.status.clone(),
        reason: stack.reason.clone(),
        created: millis(stack.created),
        updated: stack.updated.map(millis),
        deleted: stack.deleted.map(millis),
        description: stack.description.clone(),
        parameters: stack.parameters.clone(),
        capabilities: stack.capabilities.clone(),
        role_arn: stack.role_arn.clone(),
        disable_rollback: stack.disable_rollback,
        tags: stack.tags.clone(),
        outputs: stack
            .outputs
            .iter()
            .map(|o| OutputSnap {
                key: o.key.clone(),
                value: o.value.clone(),
                description: o.description.clone(),
                export_name: o.export_name.clone(),
            })
            .collect(),
        resources: stack
            .resources
            .iter()
            .map(|r| ResourceSnap {
                logical_id: r.logical_id.clone(),
                physical_id: r.physical_id.clone(),
                resource_type: r.resource_type.clone(),
                status: r.status.clone(),
                reason: r.reason.clone(),
                updated: millis(r.updated),
                created: r.created.as_ref().map(|c| CreatedSnap {
                    physical_id: c.resolved.physical_id.clone(),
                    attributes: c.resolved.attributes.clone(),
                    properties: c.properties.clone(),
                    delete: c.delete.iter().map(call_snap).collect(),
                }),
                retain: r.retain,
            })
            .collect(),
        events: stack
            .events
            .iter()
            .map(|e| EventSnap {
                id: e.id.clone(),
                logical_id: e.logical_id.clone(),
                physical_id: e.physical_id.clone(),
                resource_type: e.resource_type.clone(),
                status: e.status.clone(),
                reason: e.reason.clone(),
                at: millis(e.at),
            })
            .collect(),
        template: stack
            .template
            .as_ref()
            .map(|t| (t.original.clone(), t.processed.clone())),
        template_body: stack.template_body.clone(),
        given_parameters: stack.given_parameters.clone(),
    }
}

fn call_snap(call: &Call) -> CallSnap {
    match call {
        Call::Iam(action, members) => CallSnap::Iam {
            action: action.clone(),
            members: members.clone(),
        },
        Call::Json(target, input) => CallSnap::Json {
            target: target.clone(),
            input: input.clone(),
        },
        Call::DeleteFunction(function) => CallSnap::DeleteFunction {
            function: function.clone(),
        },
        Call::DeleteAlias(function, alias) => CallSnap::DeleteAlias {
            function: function.clone(),
            alias: alias.clone(),
        },
    }
}

fn call_of(call: CallSnap) -> Call {
    match call {
        CallSnap::Iam { action, members } => Call::Iam(action, members),
        CallSnap::Json { target, input } => Call::Json(target, input),
        CallSnap::DeleteFunction { function } => Call::DeleteFunction(function),
        CallSnap::DeleteAlias { function, alias } => Call::DeleteAlias(function, alias),
    }
}

/// A stack built again from its record. The template is taken back as it was checked
/// when the stack was made (not transformed again: a later emulator's transform could
/// differ from what the stack's resources were made from).
pub(crate) fn restore(s: StackSnap) -> Result<Stack, String> {
    let what = s.id.clone();
    let resources = s
        .resources
        .into_iter()
        .map(|r| {
            Ok(StackResource {
                logical_id: r.logical_id,
                physical_id: r.physical_id,
                resource_type: r.resource_type,
                status: r.status,
                reason: r.reason,
                updated: time_of(&what, r.updated)?,
                created: r.created.map(|c| Created {
                    resolved: Resolved {
                        physical_id: c.physical_id,
                        attributes: c.attributes,
                    },
                    properties: c.properties,
                    delete: c.delete.into_iter().map(call_of).collect(),
                }),
                retain: r.retain,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let events = s
        .events
        .into_iter()
        .map(|e| {
            Ok(Event {
                id: e.id,
                logical_id: e.logical_id,
                physical_id: e.physical_id,
                resource_type: e.resource_type,
                status: e.status,
                reason: e.reason,
                at: time_of(&what, e.at)?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    if !s.id.starts_with("arn:aws:cloudformation:") {
        return Err(format!("stack {what}: not a stack ARN"));
    }
    Ok(Stack {
        id: s.id,
        name: s.name,
        status: s.status,
        reason: s.reason,
        created: time_of(&what, s.created)?,
        updated: s.updated.map(|t| time_of(&what, t)).transpose()?,
        deleted: s.deleted.map(|t| time_of(&what, t)).transpose()?,
        description: s.description,
        parameters: s.parameters,
        capabilities: s.capabilities,
        role_arn: s.role_arn,
        disable_rollback: s.disable_rollback,
        tags: s.tags,
        outputs: s
            .outputs
            .into_iter()
            .map(|o| Output {
                key: o.key,
                value: o.value,
                description: o.description,
                export_name: o.export_name,
            })
            .collect(),
        resources,
        events,
        template: s.template.map(|(original, processed)| Template {
            original,
            processed,
        }),
        template_body: s.template_body,
        given_parameters: s.given_parameters,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stack_with_resources_outputs_and_events_survives_a_round_trip() {
        let mut stack = Stack::new("eu-west-1", "123456789012", "app", "CREATE_IN_PROGRESS");
        stack.template_body = "Resources: {}".to_owned();
        stack.template = Some(Template {
            original: serde_json::json!({"Resources": {"P": {"Type": "AWS::SSM::Parameter"}}}),
            processed: serde_json::json!({"Resources": {"P": {"Type": "AWS::SSM::Parameter"}}}),
        });
        stack.parameters = vec![("Env".into(), "dev".into())];
        stack.given_parameters = BTreeMap::from([("Env".into(), "dev".into())]);
        stack.resource_event(
            "P",
            "/app/p",
            "AWS::SSM::Parameter",
            "CREATE_COMPLETE",
            None,
        );
        stack.resources[0].created = Some(Created {
            resolved: Resolved {
                physical_id: "/app/p".into(),
                attributes: BTreeMap::from([("Value".into(), serde_json::json!("v"))]),
            },
            properties: Map::new(),
            delete: vec![
                Call::Json(
                    "AmazonSSM.DeleteParameter".into(),
                    serde_json::json!({"Name": "/app/p"}),
                ),
                Call::Iam("DeleteUser".into(), vec![("UserName".into(), "u".into())]),
                Call::DeleteFunction("f".into()),
                Call::DeleteAlias("f".into(), "live".into()),
            ],
        });
        stack.outputs.push(Output {
            key: "Name".into(),
            value: "/app/p".into(),
            description: None,
            export_name: Some("app-p".into()),
        });
        stack.stack_event("CREATE_COMPLETE", None);
        let json = serde_json::to_vec(&record(&stack)).unwrap();
        let back = restore(serde_json::from_slice(&json).unwrap()).unwrap();
        assert_eq!(back.id, stack.id);
        assert_eq!(back.status, "CREATE_COMPLETE");
        assert_eq!(back.parameters, stack.parameters);
        assert_eq!(back.given_parameters, stack.given_parameters);
        assert_eq!(back.outputs[0].export_name.as_deref(), Some("app-p"));
        assert_eq!(back.events.len(), stack.events.len());
        assert_eq!(back.events[0].id, stack.events[0].id);
        assert_eq!(millis(back.created), millis(stack.created));
        let (a, b) = (
            stack.resources[0].created.as_ref().unwrap(),
            back.resources[0].created.as_ref().unwrap(),
        );
        assert_eq!(a.delete, b.delete);
        assert_eq!(a.resolved, b.resolved);
        assert_eq!(back.resources[0].physical_id, "/app/p");
        assert_eq!(
            back.template.as_ref().map(|t| &t.processed),
            stack.template.as_ref().map(|t| &t.processed)
        );
    }

    #[test]
    fn a_record_that_is_not_a_stack_is_refused() {
        let stack = Stack::new("eu-west-1", "123456789012", "app", "CREATE_COMPLETE");
        let mut value = serde_json::to_value(record(&stack)).unwrap();
        value["id"] = serde_json::json!("not-an-arn");
        assert!(restore(serde_json::from_value(value.clone()).unwrap()).is_err());
        value["id"] = serde_json::json!(stack.id);
        value["created"] = serde_json::json!(i64::MAX);
        assert!(restore(serde_json::from_value(value.clone()).unwrap()).is_err());
    }
}
