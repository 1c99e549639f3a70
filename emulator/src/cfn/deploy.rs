//! Creating and deleting a stack's resources: in dependency order, each resolved against
//! what exists so far and created by its provider as the deploying principal; a failure
//! deletes everything already created, in reverse (rollback), so nothing half-created
//! remains. Events and statuses are CloudFormation's (`CREATE_IN_PROGRESS`,
//! `CREATE_FAILED`, `ROLLBACK_IN_PROGRESS`, `ROLLBACK_COMPLETE`, ...).

use super::error::CfnError;
use super::intrinsics::{self, text_of, Resolved, Scope};
use super::providers::{self, Created, Deployer};
use super::stack::{Output, Stack, StackStore};
use super::template::{self, Template};
use serde_json::{Map, Value};
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
    ssm: &dyn Fn(&str) -> Result<String, CfnError>,
) -> Result<Plan, CfnError> {
    let values = template::resolve_parameters(t, given, ssm)?;
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
/// What a failed create does (CreateStack's `OnFailure`; `DisableRollback` is
/// `DoNothing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnFailure {
    /// Delete what was created: `ROLLBACK_COMPLETE`.
    #[default]
    Rollback,
    /// Roll back, then delete the stack: `DELETE_COMPLETE`.
    Delete,
    /// Keep what was created: `CREATE_FAILED`.
    DoNothing,
}

pub async fn create(
    d: &Deployer<'_>,
    store: &StackStore,
    stack: &mut Stack,
    t: &Template,
    plan: &Plan,
    on_failure: OnFailure,
) -> bool {
    stack.stack_event("CREATE_IN_PROGRESS", Some("User Initiated".to_owned()));
    store.put(stack);
    match create_resources(d, store, stack, t, plan).await {
        Ok(()) => {
            stack.stack_event("CREATE_COMPLETE", None);
            store.put(stack);
            true
        }
        Err(reason) if on_failure == OnFailure::DoNothing => {
            stack.stack_event("CREATE_FAILED", Some(reason));
            store.put(stack);
            false
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
            if clean && on_failure == OnFailure::Delete {
                delete(d, store, stack).await;
            }
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

/// Resolves a resource's properties against what exists and creates it.
async fn create_one(
    d: &Deployer<'_>,
    logical: &str,
    declaration: &Value,
    scope: &Scope<'_>,
) -> Result<Created, CfnError> {
    let ty = declaration
        .get("Type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let place = format!("Resources.{logical}.Properties");
    let properties = match declaration.get("Properties") {
        Some(p) => intrinsics::resolve(p, scope, &place)?,
        None => None,
    };
    let properties = properties
        .and_then(|p| p.as_object().cloned())
        .unwrap_or_default();
    let mut created = d
        .create(logical, ty, &properties, declaration.get("Metadata"))
        .await?;
    created.properties = properties;
    Ok(created)
}

/// The properties a resource would be created with now, if they can be resolved.
fn resolved_properties(
    logical: &str,
    declaration: &Value,
    scope: &Scope<'_>,
) -> Option<Map<String, Value>> {
    let place = format!("Resources.{logical}.Properties");
    match declaration.get("Properties") {
        Some(p) => intrinsics::resolve(p, scope, &place)
            .ok()?
            .and_then(|p| p.as_object().cloned()),
        None => Some(Map::new()),
    }
}

fn mark_created(stack: &mut Stack, logical: &str, created: Created, declaration: &Value) {
    let retain = declaration.get("DeletionPolicy").and_then(Value::as_str) == Some("Retain");
    if let Some(r) = stack.resources.iter_mut().find(|r| r.logical_id == logical) {
        r.created = Some(created);
        r.retain = retain;
    }
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
        match create_one(d, logical, declaration, &scope).await {
            Ok(created) => {
                let physical = created.resolved.physical_id.clone();
                resolved.insert(logical.clone(), created.resolved.clone());
                stack.resource_event(logical, &physical, &ty, "CREATE_COMPLETE", None);
                mark_created(stack, logical, created, declaration);
                store.put(stack);
            }
            Err(e) => {
                tracing::debug!(stack = %stack.name, resource = %logical, error = %e, "resource failed to create; rolling back");
                stack.resource_event(logical, "", &ty, "CREATE_FAILED", Some(e.to_string()));
                store.put(stack);
                return Err(format!("The following resource(s) failed to create: [{logical}]. Rollback requested by user."));
            }
        }
    }
    stack.outputs = outputs(
        t,
        plan,
        &resolved,
        &exports,
        store,
        &stack.id,
        &d.ctx.region,
    )?;
    Ok(())
}

/// The stack's outputs, resolved; an export another stack already has is an error.
fn outputs(
    t: &Template,
    plan: &Plan,
    resolved: &BTreeMap<String, Resolved>,
    exports: &BTreeMap<String, String>,
    store: &StackStore,
    stack_id: &str,
    region: &str,
) -> Result<Vec<Output>, String> {
    let scope = Scope {
        parameters: &plan.parameters,
        mappings: t.mappings(),
        conditions: &plan.conditions,
        resources: resolved,
        exports,
        region,
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
            if let Some((_, _, other)) = taken.iter().find(|(n, _, s)| n == name && s != stack_id) {
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
    Ok(outputs)
}

/// Updates a stack to a new template and parameters: unchanged resources are kept,
/// changed ones replaced (the old one deleted, a new one created from the new
/// properties), new ones created, removed ones deleted once everything else succeeded
/// (`UPDATE_COMPLETE_CLEANUP_IN_PROGRESS`). A failure rolls back
/// (`UPDATE_ROLLBACK_IN_PROGRESS`): what the update created is deleted and what it
/// replaced is created again from its previous properties. Returns whether the update
/// completed.
pub async fn update(
    d: &Deployer<'_>,
    store: &StackStore,
    stack: &mut Stack,
    t: &Template,
    plan: &Plan,
) -> bool {
    let previous = stack.clone();
    stack.stack_event("UPDATE_IN_PROGRESS", Some("User Initiated".to_owned()));
    store.put(stack);
    let exports = exports(store);
    let mut resolved: BTreeMap<String, Resolved> = BTreeMap::new();
    let mut added: Vec<String> = Vec::new();
    let mut replaced: Vec<super::stack::StackResource> = Vec::new();
    let mut modified: Vec<super::stack::StackResource> = Vec::new();
    let mut failure = None;
    for logical in &plan.order {
        let declaration = &t.resources()[logical];
        let ty = declaration
            .get("Type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let scope = Scope {
            parameters: &plan.parameters,
            mappings: t.mappings(),
            conditions: &plan.conditions,
            resources: &resolved,
            exports: &exports,
            region: &d.ctx.region,
        };
        let old = previous
            .resources
            .iter()
            .find(|r| &r.logical_id == logical && r.created.is_some())
            .cloned();
        if let Some(old) = &old {
            let same_type = old.resource_type == ty;
            let new_properties = resolved_properties(logical, declaration, &scope);
            let unchanged =
                same_type && new_properties.as_ref() == old.created.as_ref().map(|c| &c.properties);
            if unchanged {
                if let Some(c) = &old.created {
                    resolved.insert(logical.clone(), c.resolved.clone());
                }
                continue;
            }
            if let (true, Some(new_properties), Some(current)) =
                (same_type, &new_properties, &old.created)
            {
                let changed = providers::changed_properties(&current.properties, new_properties);
                if !providers::requires_replacement(&ty, &changed) {
                    stack.resource_event(
                        logical,
                        &old.physical_id,
                        &ty,
                        "UPDATE_IN_PROGRESS",
                        None,
                    );
                    store.put(stack);
                    match d.update_in_place(&ty, current, new_properties).await {
                        Ok(next) => {
                            resolved.insert(logical.clone(), next.resolved.clone());
                            stack.resource_event(
                                logical,
                                &old.physical_id,
                                &ty,
                                "UPDATE_COMPLETE",
                                None,
                            );
                            if let Some(r) = stack
                                .resources
                                .iter_mut()
                                .find(|r| &r.logical_id == logical)
                            {
                                r.created = Some(next);
                            }
                            modified.push(old.clone());
                            store.put(stack);
                            continue;
                        }
                        Err(e) => {
                            stack.resource_event(
                                logical,
                                &old.physical_id,
                                &ty,
                                "UPDATE_FAILED",
                                Some(e.to_string()),
                            );
                            store.put(stack);
                            failure = Some(logical.clone());
                            break;
                        }
                    }
                }
            }
            stack.resource_event(logical, &old.physical_id, &ty, "UPDATE_IN_PROGRESS", Some("Requested update requires the creation of a new physical resource; hence creating one.".to_owned()));
            store.put(stack);
            let mut deleted = true;
            for call in old.created.iter().flat_map(|c| c.delete.iter()) {
                if let Err(e) = d.run(call).await {
                    stack.resource_event(
                        logical,
                        &old.physical_id,
                        &ty,
                        "UPDATE_FAILED",
                        Some(e.to_string()),
                    );
                    deleted = false;
                    break;
                }
            }
            if !deleted {
                failure = Some(logical.clone());
                break;
            }
            replaced.push(old.clone());
            if let Some(r) = stack
                .resources
                .iter_mut()
                .find(|r| &r.logical_id == logical)
            {
                r.created = None;
            }
        } else {
            stack.resource_event(logical, "", &ty, "CREATE_IN_PROGRESS", None);
            store.put(stack);
        }
        match create_one(d, logical, declaration, &scope).await {
            Ok(created) => {
                let physical = created.resolved.physical_id.clone();
                resolved.insert(logical.clone(), created.resolved.clone());
                let status = if old.is_some() {
                    "UPDATE_COMPLETE"
                } else {
                    "CREATE_COMPLETE"
                };
                if let Some(r) = stack
                    .resources
                    .iter_mut()
                    .find(|r| &r.logical_id == logical)
                {
                    r.resource_type = ty.clone();
                }
                stack.resource_event(logical, &physical, &ty, status, None);
                mark_created(stack, logical, created, declaration);
                added.push(logical.clone());
                store.put(stack);
            }
            Err(e) => {
                let status = if old.is_some() {
                    "UPDATE_FAILED"
                } else {
                    "CREATE_FAILED"
                };
                stack.resource_event(logical, "", &ty, status, Some(e.to_string()));
                store.put(stack);
                failure = Some(logical.clone());
                break;
            }
        }
    }
    let outputs = match failure {
        None => outputs(
            t,
            plan,
            &resolved,
            &exports,
            store,
            &stack.id,
            &d.ctx.region,
        )
        .map_err(|e| (String::new(), e)),
        Some(logical) => Err((logical, String::new())),
    };
    match outputs {
        Ok(outputs) => {
            stack.outputs = outputs;
            stack.stack_event("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", None);
            store.put(stack);
            let removed: Vec<_> = previous
                .resources
                .iter()
                .rev()
                .filter(|r| r.created.is_some() && !plan.order.contains(&r.logical_id))
                .cloned()
                .collect();
            for r in removed {
                remove_resource(d, store, stack, &r).await;
                stack
                    .resources
                    .retain(|x| x.logical_id != r.logical_id || x.created.is_some());
            }
            stack.updated = Some(time::OffsetDateTime::now_utc());
            stack.template = Some(t.clone());
            stack.parameters = plan.shown.clone();
            stack.stack_event("UPDATE_COMPLETE", None);
            store.put(stack);
            true
        }
        Err((logical, why)) => {
            let reason = if logical.is_empty() {
                why
            } else {
                format!("The following resource(s) failed to update: [{logical}]. ")
            };
            stack.stack_event("UPDATE_ROLLBACK_IN_PROGRESS", Some(reason));
            store.put(stack);
            for logical in added.iter().rev() {
                if let Some(r) = stack
                    .resources
                    .iter()
                    .find(|r| &r.logical_id == logical)
                    .cloned()
                {
                    remove_resource(d, store, stack, &r).await;
                }
            }
            // What was updated in place goes back to its previous properties.
            for old in modified.iter().rev() {
                let (Some(before), Some(current)) = (
                    &old.created,
                    stack
                        .resources
                        .iter()
                        .find(|r| r.logical_id == old.logical_id)
                        .and_then(|r| r.created.clone()),
                ) else {
                    continue;
                };
                stack.resource_event(
                    &old.logical_id,
                    &old.physical_id,
                    &old.resource_type,
                    "UPDATE_IN_PROGRESS",
                    None,
                );
                match d
                    .update_in_place(&old.resource_type, &current, &before.properties)
                    .await
                {
                    Ok(back) => {
                        stack.resource_event(
                            &old.logical_id,
                            &old.physical_id,
                            &old.resource_type,
                            "UPDATE_COMPLETE",
                            None,
                        );
                        if let Some(r) = stack
                            .resources
                            .iter_mut()
                            .find(|r| r.logical_id == old.logical_id)
                        {
                            r.created = Some(back);
                        }
                    }
                    Err(e) => {
                        stack.resource_event(
                            &old.logical_id,
                            &old.physical_id,
                            &old.resource_type,
                            "UPDATE_FAILED",
                            Some(e.to_string()),
                        );
                    }
                }
                store.put(stack);
            }
            let old_template = previous.template.clone();
            for old in replaced {
                let Some(created) = &old.created else {
                    continue;
                };
                let metadata = old_template
                    .as_ref()
                    .and_then(|t| t.resources().get(&old.logical_id))
                    .and_then(|r| r.get("Metadata"));
                stack.resource_event(
                    &old.logical_id,
                    "",
                    &old.resource_type,
                    "UPDATE_IN_PROGRESS",
                    None,
                );
                match d
                    .create(
                        &old.logical_id,
                        &old.resource_type,
                        &created.properties,
                        metadata,
                    )
                    .await
                {
                    Ok(mut again) => {
                        again.properties = created.properties.clone();
                        let physical = again.resolved.physical_id.clone();
                        stack.resource_event(
                            &old.logical_id,
                            &physical,
                            &old.resource_type,
                            "UPDATE_COMPLETE",
                            None,
                        );
                        if let Some(r) = stack
                            .resources
                            .iter_mut()
                            .find(|r| r.logical_id == old.logical_id)
                        {
                            r.created = Some(again);
                            r.retain = old.retain;
                        }
                    }
                    Err(e) => {
                        stack.resource_event(
                            &old.logical_id,
                            "",
                            &old.resource_type,
                            "UPDATE_FAILED",
                            Some(e.to_string()),
                        );
                    }
                }
                store.put(stack);
            }
            stack.resources.retain(|r| {
                r.created.is_some()
                    || previous
                        .resources
                        .iter()
                        .any(|p| p.logical_id == r.logical_id)
            });
            stack.stack_event("UPDATE_ROLLBACK_COMPLETE", None);
            store.put(stack);
            false
        }
    }
}

/// Deletes one resource of a stack (its events recorded).
async fn remove_resource(
    d: &Deployer<'_>,
    store: &StackStore,
    stack: &mut Stack,
    r: &super::stack::StackResource,
) {
    let Some(created) = &r.created else { return };
    if r.retain {
        stack.resource_event(
            &r.logical_id,
            &r.physical_id,
            &r.resource_type,
            "DELETE_SKIPPED",
            None,
        );
    } else {
        stack.resource_event(
            &r.logical_id,
            &r.physical_id,
            &r.resource_type,
            "DELETE_IN_PROGRESS",
            None,
        );
        store.put(stack);
        let mut failure = None;
        for call in &created.delete {
            if let Err(e) = d.run(call).await {
                failure = Some(e.to_string());
                break;
            }
        }
        let status = if failure.is_some() {
            "DELETE_FAILED"
        } else {
            "DELETE_COMPLETE"
        };
        stack.resource_event(
            &r.logical_id,
            &r.physical_id,
            &r.resource_type,
            status,
            failure,
        );
    }
    if let Some(x) = stack
        .resources
        .iter_mut()
        .find(|x| x.logical_id == r.logical_id)
    {
        x.created = None;
    }
    store.put(stack);
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
