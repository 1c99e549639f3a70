//! Stacks as CloudFormation reports them (status, events, resources, outputs), and a
//! region's store of them. A stack's deployment runs outside the store's lock on a
//! working copy, which is written back after every step so DescribeStackEvents sees
//! progress.

use super::providers::Created;
use super::template::Template;
use std::sync::Mutex;
use time::OffsetDateTime;

/// One event of a stack (DescribeStackEvents).
#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub logical_id: String,
    pub physical_id: String,
    pub resource_type: String,
    pub status: String,
    pub reason: Option<String>,
    pub at: OffsetDateTime,
}

/// A resource of a stack (DescribeStackResources).
#[derive(Debug, Clone)]
pub struct StackResource {
    pub logical_id: String,
    pub physical_id: String,
    pub resource_type: String,
    pub status: String,
    pub reason: Option<String>,
    pub updated: OffsetDateTime,
    /// How to delete it (empty once deleted, or if it failed before anything existed).
    pub created: Option<Created>,
    /// `DeletionPolicy: Retain`: left in place when the stack goes.
    pub retain: bool,
}

/// An output of a stack.
#[derive(Debug, Clone)]
pub struct Output {
    pub key: String,
    pub value: String,
    pub description: Option<String>,
    pub export_name: Option<String>,
}

/// A stack.
#[derive(Debug, Clone)]
pub struct Stack {
    pub id: String,
    pub name: String,
    pub status: String,
    pub reason: Option<String>,
    pub created: OffsetDateTime,
    pub updated: Option<OffsetDateTime>,
    pub deleted: Option<OffsetDateTime>,
    pub description: Option<String>,
    pub parameters: Vec<(String, String)>,
    pub capabilities: Vec<String>,
    pub role_arn: Option<String>,
    /// A failed create keeps what it made (`OnFailure: DO_NOTHING`).
    pub disable_rollback: bool,
    pub tags: Vec<(String, String)>,
    pub outputs: Vec<Output>,
    pub resources: Vec<StackResource>,
    /// Newest first, as DescribeStackEvents lists them.
    pub events: Vec<Event>,
    pub template: Option<Template>,
    pub template_body: String,
    /// The values the parameters were given (for a change set's `UsePreviousValue`).
    pub given_parameters: std::collections::BTreeMap<String, String>,
}

impl Stack {
    /// A new stack in `REVIEW_IN_PROGRESS` (a change set's) or `CREATE_IN_PROGRESS`.
    pub fn new(region: &str, account: &str, name: &str, status: &str) -> Stack {
        let id = format!(
            "arn:aws:cloudformation:{region}:{account}:stack/{name}/{}",
            uuid::Uuid::new_v4()
        );
        Stack {
            id,
            name: name.to_owned(),
            status: status.to_owned(),
            reason: None,
            created: OffsetDateTime::now_utc(),
            updated: None,
            deleted: None,
            description: None,
            parameters: Vec::new(),
            capabilities: Vec::new(),
            role_arn: None,
            disable_rollback: false,
            tags: Vec::new(),
            outputs: Vec::new(),
            resources: Vec::new(),
            events: Vec::new(),
            template: None,
            template_body: String::new(),
            given_parameters: Default::default(),
        }
    }

    /// Records an event of the stack itself.
    pub fn stack_event(&mut self, status: &str, reason: Option<String>) {
        self.status = status.to_owned();
        self.reason = reason.clone();
        let (id, name) = (self.id.clone(), self.name.clone());
        self.push_event(&name, &id, "AWS::CloudFormation::Stack", status, reason);
    }

    /// Records an event of a resource and sets its status.
    pub fn resource_event(
        &mut self,
        logical: &str,
        physical: &str,
        ty: &str,
        status: &str,
        reason: Option<String>,
    ) {
        let now = OffsetDateTime::now_utc();
        match self.resources.iter_mut().find(|r| r.logical_id == logical) {
            Some(r) => {
                r.status = status.to_owned();
                r.reason = reason.clone();
                r.updated = now;
                if !physical.is_empty() {
                    r.physical_id = physical.to_owned();
                }
            }
            None => self.resources.push(StackResource {
                logical_id: logical.to_owned(),
                physical_id: physical.to_owned(),
                resource_type: ty.to_owned(),
                status: status.to_owned(),
                reason: reason.clone(),
                updated: now,
                created: None,
                retain: false,
            }),
        }
        self.push_event(logical, physical, ty, status, reason);
    }

    fn push_event(
        &mut self,
        logical: &str,
        physical: &str,
        ty: &str,
        status: &str,
        reason: Option<String>,
    ) {
        self.events.insert(
            0,
            Event {
                id: uuid::Uuid::new_v4().to_string(),
                logical_id: logical.to_owned(),
                physical_id: physical.to_owned(),
                resource_type: ty.to_owned(),
                status: status.to_owned(),
                reason,
                at: OffsetDateTime::now_utc(),
            },
        );
    }

    /// Whether the stack is gone (DescribeStacks by name no longer finds it).
    pub fn is_deleted(&self) -> bool {
        self.status == "DELETE_COMPLETE"
    }
}

/// A change set (CreateChangeSet).
#[derive(Debug, Clone)]
pub struct ChangeSet {
    pub id: String,
    pub name: String,
    pub stack_id: String,
    pub stack_name: String,
    pub kind: String,
    pub status: String,
    pub execution_status: String,
    pub reason: Option<String>,
    pub created: OffsetDateTime,
    pub description: Option<String>,
    pub template: Template,
    pub template_body: String,
    pub parameters: std::collections::BTreeMap<String, String>,
    pub capabilities: Vec<String>,
    pub role_arn: Option<String>,
    pub tags: Vec<(String, String)>,
    /// (action, logical id, physical id, type, replacement)
    pub changes: Vec<(String, String, String, String, String)>,
}

/// A region's stacks and change sets.
#[derive(Debug, Default)]
pub struct StackStore {
    stacks: Mutex<Vec<Stack>>,
    change_sets: Mutex<Vec<ChangeSet>>,
}

impl StackStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Stack>> {
        self.stacks.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every stack (deleted ones included), oldest first.
    pub fn all(&self) -> Vec<Stack> {
        self.lock().clone()
    }

    /// The live stack named (or with the id) `name`; by id, a deleted one too.
    pub fn find(&self, name: &str) -> Option<Stack> {
        self.lock()
            .iter()
            .rev()
            .find(|s| s.id == name || (s.name == name && !s.is_deleted()))
            .cloned()
    }

    /// Adds a stack unless a live one has its name.
    pub fn insert(&self, stack: Stack) -> bool {
        let mut stacks = self.lock();
        if stacks
            .iter()
            .any(|s| s.name == stack.name && !s.is_deleted())
        {
            return false;
        }
        stacks.push(stack);
        true
    }

    /// Replaces every stack and change set (a restored snapshot or state directory).
    pub fn replace_all(&self, stacks: Vec<Stack>, change_sets: Vec<ChangeSet>) {
        *self.lock() = stacks;
        *self.sets() = change_sets;
    }

    /// Every change set, oldest first.
    pub fn all_change_sets(&self) -> Vec<ChangeSet> {
        self.sets().clone()
    }

    /// Writes a stack's working copy back.
    pub fn put(&self, stack: &Stack) {
        let mut stacks = self.lock();
        if let Some(s) = stacks.iter_mut().find(|s| s.id == stack.id) {
            *s = stack.clone();
        } else {
            stacks.push(stack.clone());
        }
    }

    /// Moves stack `id` to `status` if `allowed` accepts its current status, in one step,
    /// so that two operations on one stack cannot both start. On refusal, the current
    /// status.
    pub fn claim(
        &self,
        id: &str,
        allowed: impl Fn(&str) -> bool,
        status: &str,
    ) -> Result<(), String> {
        let mut stacks = self.lock();
        let stack = stacks
            .iter_mut()
            .find(|s| s.id == id)
            .ok_or_else(|| "DELETE_COMPLETE".to_owned())?;
        if !allowed(&stack.status) {
            return Err(stack.status.clone());
        }
        stack.status = status.to_owned();
        Ok(())
    }

    /// The exports of every live stack: name → (value, exporting stack id).
    pub fn exports(&self) -> Vec<(String, String, String)> {
        self.lock()
            .iter()
            .filter(|s| !s.is_deleted())
            .flat_map(|s| {
                s.outputs
                    .iter()
                    .filter_map(|o| Some((o.export_name.clone()?, o.value.clone(), s.id.clone())))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn sets(&self) -> std::sync::MutexGuard<'_, Vec<ChangeSet>> {
        self.change_sets.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn add_change_set(&self, set: ChangeSet) {
        self.sets().push(set);
    }

    /// The change set named by ARN, or by name within `stack`.
    pub fn change_set(&self, name: &str, stack: Option<&str>) -> Option<ChangeSet> {
        self.sets()
            .iter()
            .find(|c| {
                c.id == name
                    || (c.name == name
                        && stack.is_some_and(|s| s == c.stack_name || s == c.stack_id))
            })
            .cloned()
    }

    pub fn put_change_set(&self, set: &ChangeSet) {
        if let Some(c) = self.sets().iter_mut().find(|c| c.id == set.id) {
            *c = set.clone();
        }
    }

    pub fn remove_change_set(&self, id: &str) {
        self.sets().retain(|c| c.id != id);
    }

    /// The change sets of a stack.
    pub fn change_sets_of(&self, stack_id: &str) -> Vec<ChangeSet> {
        self.sets()
            .iter()
            .filter(|c| c.stack_id == stack_id)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_operation_at_a_time_claims_a_stack() {
        let store = StackStore::default();
        let stack = Stack::new("us-east-1", "123456789012", "s", "CREATE_COMPLETE");
        assert!(store.insert(stack.clone()));
        assert!(!store.insert(Stack::new(
            "us-east-1",
            "123456789012",
            "s",
            "CREATE_IN_PROGRESS"
        )));
        let idle = |s: &str| !s.ends_with("_IN_PROGRESS");
        assert_eq!(store.claim(&stack.id, idle, "UPDATE_IN_PROGRESS"), Ok(()));
        assert_eq!(
            store.claim(&stack.id, idle, "DELETE_IN_PROGRESS"),
            Err("UPDATE_IN_PROGRESS".to_owned())
        );
        assert_eq!(store.find("s").unwrap().status, "UPDATE_IN_PROGRESS");
    }
}
