//! Creating and deleting a stack's resources: in dependency order, each resolved against
//! what exists so far and created by its provider as the deploying principal; a failure
//! deletes everything already created, in reverse (rollback), so nothing half-created
//! remains. Events and statuses are CloudFormation's (`CREATE_IN_PROGRESS`,
//! `CREATE_FAILED`, `ROLLBACK_IN_PROGRESS`, `ROLLBACK_COMPLETE`, ...).

use super::error::CfnError;
use super::intrinsics::{self, text_of, Resolved, Scope};
use super::providers::Deployer;
use super::stack::{Output, Stack, StackStore};
use super::template::{self, Template};
use serde_json::Value;
use std::collections::BTreeMap;

/// A deployment's inputs, checked before the stack exists.
pub struct Plan {
    pub parameters: BTreeMap<String, Value>,
    pub shown: Vec<(String, String)>,
    pub conditions: BTreeMap<String, bool>,
    pub order: Vec<String>,
}

/// Resolves parameters and conditions and orders the resources (everything that can
/// fail before anything is created).
pub fn plan(
    t: &Template,
    given: &BTreeMap<String, String>,
    stack: &Stack,
    account: &str,
    region: &str,
) -> Result<Plan, CfnError> {
    let values = template::resolve_parameters(t, given)?;
    let mut parameters = template::pseudo_parameters(account, region, &stack.name, &stack.id);
    parameters.extend(values.values);
    let conditions = template::evaluate_conditions(t, &parameters, region)?;
    let order = t.creation_order(Some(&conditions))?;
    Ok(Plan {
        parameters,
        shown: values.shown,
        conditions,
        order,
    })
}

/// Creates the stack's resources (the stack is `CREATE_IN_PROGRESS` in `store`). Returns
/// whether it reached `CREATE_COMPLETE`; otherwise it was rolled back.
pub async fn create(
    d: &Deployer<'_>,
    store: &StackStore,
    stack: &mut Stack,
    t: &Template,
    plan: &Plan,
) -> bool {
    stack.stack_event("CREATE_IN_PROGRESS", Some("User Initiated".to_owned()));
    store.put(stack);
    match create_resources(d, store, stack, t, plan).await {
        Ok(()) => {
            stack.stack_event("CREATE_COMPLETE", None);
            store.put(stack);
            true
        }
        Err(reason) => {
            stack.stack_event("ROLLBACK_IN_PROGRESS", Some(reason));
            store.put(stack);
            let clean = delete_resources(d, store, stack).await;
            stack.stack_event(
                if clean {
                    "ROLLBACK_COMPLETE"
                } else {
                    "ROLLBACK_FAILED"
                },
                None,
            );
            store.put(stack);
            false
        }
    }
}

/// The exports of the other stacks of the region, for `Fn::ImportValue`.
fn exports(store: &StackStore) -> BTreeMap<String, String> {
    store
        .exports()
        .into_iter()
        .map(|(name, value, _)| (name, value))
        .collect()
}

async fn create_resources(
    d: &Deployer<'_>,
    store: &StackStore,
    stack: &mut Stack,
    t: &Template,
    plan: &Plan,
) -> Result<(), String> {
    let exports = exports(store);
    let mut resolved: BTreeMap<String, Resolved> = BTreeMap::new();
    for logical in &plan.order {
        let declaration = &t.resources()[logical];
        let ty = declaration
            .get("Type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let place = format!("Resources.{logical}.Properties");
        let scope = Scope {
            parameters: &plan.parameters,
            mappings: t.mappings(),
            conditions: &plan.conditions,
            resources: &resolved,
            exports: &exports,
            region: &d.ctx.region,
        };
        stack.resource_event(logical, "", &ty, "CREATE_IN_PROGRESS", None);
        store.put(stack);
        let properties = match declaration.get("Properties") {
            Some(p) => intrinsics::resolve(p, &scope, &place),
            None => Ok(Some(Value::Object(Default::default()))),
        };
        let result = match properties {
            Ok(p) => {
                let p = p.and_then(|p| p.as_object().cloned()).unwrap_or_default();
                d.create(logical, &ty, &p, declaration.get("Metadata"))
                    .await
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(created) => {
                let physical = created.resolved.physical_id.clone();
                resolved.insert(logical.clone(), created.resolved.clone());
                let retain =
                    declaration.get("DeletionPolicy").and_then(Value::as_str) == Some("Retain");
                stack.resource_event(logical, &physical, &ty, "CREATE_COMPLETE", None);
                if let Some(r) = stack
                    .resources
                    .iter_mut()
                    .find(|r| &r.logical_id == logical)
                {
                    r.created = Some(created);
                    r.retain = retain;
                }
                store.put(stack);
            }
            Err(e) => {
                tracing::info!(stack = %stack.name, resource = %logical, error = %e, "resource failed to create; rolling back");
                stack.resource_event(logical, "", &ty, "CREATE_FAILED", Some(e.to_string()));
                store.put(stack);
                return Err(format!("The following resource(s) failed to create: [{logical}]. Rollback requested by user."));
            }
        }
    }
    let scope = Scope {
        parameters: &plan.parameters,
        mappings: t.mappings(),
        conditions: &plan.conditions,
        resources: &resolved,
        exports: &exports,
        region: &d.ctx.region,
    };
    let mut outputs = Vec::new();
    let taken = store.exports();
    for (key, output) in t.outputs() {
        let place = format!("Outputs.{key}");
        if let Some(c) = output.get("Condition").and_then(Value::as_str) {
            if !plan.conditions.get(c).copied().unwrap_or(false) {
                continue;
            }
        }
        let value = intrinsics::resolve_value(&output["Value"], &scope, &place)
            .map_err(|e| e.to_string())?;
        let value = match value {
            Value::Array(items) => items
                .iter()
                .filter_map(text_of)
                .collect::<Vec<_>>()
                .join(","),
            other => text_of(&other).ok_or_else(|| format!("{place}.Value must be a string"))?,
        };
        let export_name = match output.get("Export").and_then(|e| e.get("Name")) {
            Some(n) => Some(
                intrinsics::resolve_value(n, &scope, &format!("{place}.Export.Name"))
                    .ok()
                    .and_then(|v| text_of(&v))
                    .ok_or_else(|| format!("{place}.Export.Name must be a string"))?,
            ),
            None => None,
        };
        if let Some(name) = &export_name {
            if let Some((_, _, other)) = taken.iter().find(|(n, _, s)| n == name && *s != stack.id)
            {
                return Err(format!(
                    "Export with name {name} is already exported by stack {other}"
                ));
            }
        }
        outputs.push(Output {
            key: key.clone(),
            value,
            description: output.get("Description").and_then(text_of),
            export_name,
        });
    }
    stack.outputs = outputs;
    Ok(())
}

/// Deletes the stack's resources in reverse order of creation (those with
/// `DeletionPolicy: Retain` are left). Returns whether every one went.
pub async fn delete_resources(d: &Deployer<'_>, store: &StackStore, stack: &mut Stack) -> bool {
    let mut clean = true;
    let created: Vec<_> = stack
        .resources
        .iter()
        .rev()
        .filter(|r| r.created.is_some() || r.status == "CREATE_FAILED")
        .map(|r| {
            (
                r.logical_id.clone(),
                r.physical_id.clone(),
                r.resource_type.clone(),
                r.created.clone(),
                r.retain,
            )
        })
        .collect();
    for (logical, physical, ty, created, retain) in created {
        let Some(created) = created else {
            // Failed before it existed: nothing to delete.
            stack.resource_event(&logical, &physical, &ty, "DELETE_COMPLETE", None);
            continue;
        };
        if retain {
            stack.resource_event(&logical, &physical, &ty, "DELETE_SKIPPED", None);
            continue;
        }
        stack.resource_event(&logical, &physical, &ty, "DELETE_IN_PROGRESS", None);
        store.put(stack);
        let mut failure = None;
        for call in &created.delete {
            if let Err(e) = d.run(call).await {
                failure = Some(e.to_string());
                break;
            }
        }
        match failure {
            None => {
                stack.resource_event(&logical, &physical, &ty, "DELETE_COMPLETE", None);
                if let Some(r) = stack.resources.iter_mut().find(|r| r.logical_id == logical) {
                    r.created = None;
                }
            }
            Some(reason) => {
                clean = false;
                stack.resource_event(&logical, &physical, &ty, "DELETE_FAILED", Some(reason));
            }
        }
        store.put(stack);
    }
    clean
}

/// Deletes a stack: `DELETE_IN_PROGRESS`, its resources, then `DELETE_COMPLETE` (or
/// `DELETE_FAILED`, keeping what could not be deleted).
pub async fn delete(d: &Deployer<'_>, store: &StackStore, stack: &mut Stack) -> bool {
    stack.stack_event("DELETE_IN_PROGRESS", Some("User Initiated".to_owned()));
    store.put(stack);
    let clean = delete_resources(d, store, stack).await;
    if clean {
        stack.deleted = Some(time::OffsetDateTime::now_utc());
        stack.outputs.clear();
        stack.stack_event("DELETE_COMPLETE", None);
    } else {
        stack.stack_event(
            "DELETE_FAILED",
            Some("The following resource(s) failed to delete. ".to_owned()),
        );
    }
    store.put(stack);
    clean
}
