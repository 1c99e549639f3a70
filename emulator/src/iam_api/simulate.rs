//! SimulatePrincipalPolicy and SimulateCustomPolicy: the policy engine's decision and its
//! reasons for actions a principal has not made yet (IAM API Reference,
//! "SimulatePrincipalPolicy", "EvaluationResult"). The simulator evaluates only what
//! it is given: the principal's policies (with its groups' and its permissions
//! boundary), the policies passed in, and the condition keys passed as
//! `ContextEntries`; no key of the simulating request takes part.

use super::positions::Position;
use super::{authorize, req, IamApiError, Page, Paging, Result};
use crate::context::RequestContext;
use crate::generated::iam::{
    self as model, ContextEntry, SimulateCustomPolicyRequest, SimulatePolicyResponse,
    SimulatePrincipalPolicyRequest,
};
use crate::iam::policy::{
    self, ContextKeys, Effect, NamedPolicy, Outcome, PolicyDocument, PolicyKind, Request,
};
use crate::iam::principals::{Directory, Named};
use crate::iam::Iam;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A policy taking part in a simulation, with the id and type its matched statements
/// are reported with (`Statement`'s `SourcePolicyId` and `SourcePolicyType`: user,
/// group, role, aws-managed, user-managed, resource, none).
struct Source {
    id: String,
    kind: &'static str,
    document: Arc<PolicyDocument>,
    /// Its text as sent or kept, where each statement's position is read from.
    text: Option<String>,
}

/// A matched statement: its policy and, when the policy's text is known, where the
/// statement lies in it (kept apart from the answer's `Statement` so that a statement
/// matched for several resources is reported once).
#[derive(Clone, PartialEq)]
struct Matched {
    source_policy_id: String,
    source_policy_type: &'static str,
    span: Option<(Position, Position)>,
}

impl Matched {
    /// The statement as the answer gives it (`Statement`).
    fn answer(&self) -> model::Statement {
        let position = |p: Position| model::Position {
            line: Some(i32::try_from(p.line).unwrap_or(i32::MAX)),
            column: Some(i32::try_from(p.column).unwrap_or(i32::MAX)),
        };
        model::Statement {
            source_policy_id: Some(self.source_policy_id.clone()),
            source_policy_type: Some(self.source_policy_type.to_owned()),
            start_position: self.span.map(|(start, _)| position(start)),
            end_position: self.span.map(|(_, end)| position(end)),
        }
    }
}

/// The statements as the answer lists them (present, possibly empty).
fn statements(matched: &[Matched]) -> Option<Vec<model::Statement>> {
    Some(matched.iter().map(Matched::answer).collect())
}

/// `EvalDecisionDetails`: "If the simulation evaluates policies within the same account
/// and includes a resource ARN, then the parameter is present but the response is
/// empty. If [it] specifies all resources (*), then the parameter is not returned" (IAM
/// API Reference, "EvaluationResult"). Its entries for a cross-account simulation (a
/// summary per policy type, whose names the Reference does not give) are not produced:
/// the member is left out then.
type DecisionDetails = BTreeMap<String, String>;

/// The `EvalDecisionDetails` of a simulation on `resource` by a caller of `account`.
fn decision_details(resource: &str, account: &str) -> Option<DecisionDetails> {
    let owner = resource.split(':').nth(4).unwrap_or("");
    (resource != "*" && (owner.is_empty() || owner == account)).then(DecisionDetails::new)
}

/// The decision's name in the answer (`PolicyEvaluationDecisionType`).
fn decision_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Allow => "allowed",
        Outcome::ExplicitDeny => "explicitDeny",
        Outcome::ImplicitDeny => "implicitDeny",
    }
}

/// How restrictive an outcome is: the aggregate over several resources is the most
/// restrictive one (IAM API Reference, "EvaluationResult").
fn severity(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Allow => 0,
        Outcome::ImplicitDeny => 1,
        Outcome::ExplicitDeny => 2,
    }
}

/// A list of policy documents passed as input (`PolicyInputList.member.N`), each
/// reported as `LIST.N` of type `none`. A document that is not a policy is
/// InvalidInput: the simulations' errors in the model are InvalidInput, NoSuchEntity and
/// PolicyEvaluation (no MalformedPolicyDocument).
fn input_policies(list: &Option<Vec<String>>, name: &str) -> Result<Vec<Source>> {
    // Each document's length and characters are the model's.
    list.iter()
        .flatten()
        .enumerate()
        .map(|(index, text)| {
            let document = PolicyDocument::parse(text)
                .map_err(|e| IamApiError::InvalidInputException(e.to_string()))?;
            Ok(Source {
                id: format!("{name}.{}", index + 1),
                kind: "none",
                document: Arc::new(document),
                text: Some(text.to_owned()),
            })
        })
        .collect()
}

/// `ContextEntries`: a key, its values and type (the values are compared as the
/// condition operators read them, whatever type is declared; each key's length is the
/// model's).
fn context_entries(entries: &Option<Vec<ContextEntry>>) -> ContextKeys {
    let mut keys = ContextKeys::new();
    for entry in entries.iter().flatten() {
        keys.insert_many(
            req(&entry.context_key_name),
            entry.context_key_values.clone().unwrap_or_default(),
        );
    }
    keys
}

/// The members both simulations share besides their policies.
struct Shared {
    actions: Vec<String>,
    resources: Vec<String>,
    resource_policy: Option<String>,
    caller_arn: Option<String>,
    paging: Paging,
}

/// The shared members of either simulation's input (the two name them alike).
macro_rules! shared {
    ($input:expr) => {
        Shared {
            actions: $input.action_names.unwrap_or_default(),
            resources: $input.resource_arns.unwrap_or_default(),
            resource_policy: $input.resource_policy,
            caller_arn: $input.caller_arn,
            paging: Paging::of(None, $input.marker, $input.max_items),
        }
    };
}

/// The text of a managed policy's default version: the one written over the IAM API,
/// or AWS's built-in one.
fn managed_text(d: &Directory, arn: &str) -> Option<String> {
    match d.policy_versions.get(arn) {
        Some(versions) => versions
            .versions
            .iter()
            .find(|v| v.number == versions.default)
            .map(|v| v.text.clone()),
        None => crate::iam::managed::MANAGED_POLICIES
            .iter()
            .find(|m| m.arn == arn)
            .map(|m| m.document.to_owned()),
    }
}

/// The source of a principal's policy: inline (of the principal's kind, its text kept
/// under the owner's ARN) or managed (by ARN: AWS's or the account's).
fn principal_sources(
    d: &Directory,
    kind: &'static str,
    owner_arn: &str,
    policies: &[Named],
) -> Vec<Source> {
    policies
        .iter()
        .map(|p| {
            let managed = d
                .managed
                .iter()
                .find(|(_, m)| Arc::ptr_eq(&m.document, &p.document));
            match managed {
                Some((arn, _)) => Source {
                    id: arn.clone(),
                    kind: if arn.starts_with("arn:aws:iam::aws:") {
                        "aws-managed"
                    } else {
                        "user-managed"
                    },
                    document: Arc::clone(&p.document),
                    text: managed_text(d, arn),
                },
                None => Source {
                    id: p.name.clone(),
                    kind,
                    document: Arc::clone(&p.document),
                    text: d
                        .documents
                        .get(&(
                            owner_arn.to_owned(),
                            crate::iam::principals::inline_key(&p.name),
                        ))
                        .cloned(),
                },
            }
        })
        .collect()
}

/// Everything one simulation evaluates.
struct Simulation {
    identity: Vec<Source>,
    /// The account's service control policies (SimulatePrincipalPolicy: the simulated
    /// principal's account is in an organization when the fixtures give it some).
    organizations: Vec<Source>,
    boundary: Vec<Source>,
    resource_policy: Option<Source>,
    /// The simulated caller (`CallerArn`, or the principal simulated).
    caller: policy::Principal,
    context: ContextKeys,
}

struct OneResult {
    outcome: Outcome,
    matched: Vec<Matched>,
    missing: Vec<String>,
    organizations: Option<bool>,
    boundary: Option<bool>,
}

/// Whether policies that only limit (a boundary, service control policies) leave the
/// request allowed: some statement allows it and none denies it. `None` when there are
/// none.
fn limit_allows(sources: &[Source], request: &Request<'_>) -> Option<bool> {
    if sources.is_empty() {
        return None;
    }
    let sources: Vec<&Source> = sources.iter().collect();
    let denied = !matching(&sources, Effect::Deny, request).is_empty();
    let allowed = !matching(&sources, Effect::Allow, request).is_empty();
    Some(allowed && !denied)
}

fn named(sources: &[Source]) -> Vec<NamedPolicy<'_>> {
    sources
        .iter()
        .map(|s| NamedPolicy {
            name: &s.id,
            document: &s.document,
        })
        .collect()
}

/// The statements of `sources` with `effect` that apply to the request, each with its
/// place in its policy's text.
fn matching(sources: &[&Source], effect: Effect, request: &Request<'_>) -> Vec<Matched> {
    let mut out = Vec::new();
    for source in sources {
        let mut spans = None;
        for (index, s) in source.document.statements().iter().enumerate() {
            let applies = s.effect() == effect
                && (s.has_resource() || source.kind == "resource")
                && (source.kind != "resource" || s.principal_match(request.principal).is_some())
                && s.applies_to(request);
            if !applies {
                continue;
            }
            let spans = spans.get_or_insert_with(|| {
                source
                    .text
                    .as_deref()
                    .map(super::positions::statement_spans)
                    .unwrap_or_default()
            });
            let span = spans.get(index);
            out.push(Matched {
                source_policy_id: source.id.clone(),
                source_policy_type: source.kind,
                span: span.copied(),
            });
        }
    }
    out
}

impl Simulation {
    fn evaluate(&self, action: &str, resource: &str) -> OneResult {
        let request = Request {
            action,
            resource,
            principal: &self.caller,
            context: &self.context,
        };
        let identity = named(&self.identity);
        let decision = match &self.resource_policy {
            None => policy::decide_identity(&identity, &request, false),
            Some(source) => policy::decide_with_resource_policy(
                &identity,
                &NamedPolicy {
                    name: &source.id,
                    document: &source.document,
                },
                &request,
                false,
            ),
        };
        // The limiting kinds in AWS's order (service control policies, then the
        // boundary), as a real decision applies them.
        let organizations = named(&self.organizations);
        let boundary = named(&self.boundary);
        let limits: Vec<policy::Limit<'_>> = [
            (PolicyKind::ServiceControl, &organizations),
            (PolicyKind::PermissionsBoundary, &boundary),
        ]
        .into_iter()
        .filter(|(_, policies)| !policies.is_empty())
        .map(|(kind, policies)| policy::Limit { kind, policies })
        .collect();
        let names_caller =
            resource_policy_names_caller(self.resource_policy.as_ref(), &self.caller);
        let decision = policy::apply_limits(decision, &limits, &request, names_caller);
        let all: Vec<&Source> = self
            .identity
            .iter()
            .chain(&self.boundary)
            .chain(self.resource_policy.as_ref())
            .collect();
        // A deny is the only statement reported when one decides (IAM API Reference,
        // "EvaluationResult": "the deny statement is the only entry included in the
        // result"); an allow reports every statement that allows; an implicit deny none.
        let matched = match decision.outcome {
            Outcome::ExplicitDeny => matching(&all, Effect::Deny, &request),
            Outcome::Allow => matching(&all, Effect::Allow, &request),
            Outcome::ImplicitDeny => Vec::new(),
        };
        // Service control policies are reported by OrganizationsDecisionDetail (a
        // statement's source type has no name for them), their keys among the missing.
        let mut missing: Vec<String> = Vec::new();
        let with_organizations = all.iter().copied().chain(&self.organizations);
        for key in with_organizations.flat_map(|s| s.document.condition_keys()) {
            if !self.context.contains_key(key) && !missing.iter().any(|m| m == key) {
                missing.push(key.to_owned());
            }
        }
        OneResult {
            outcome: decision.outcome,
            matched,
            missing,
            organizations: limit_allows(&self.organizations, &request),
            boundary: limit_allows(&self.boundary, &request),
        }
    }

    /// One result per action, over every resource (`*` when none is named).
    fn results(&self, actions: &[String], resources: &[String]) -> Vec<model::EvaluationResult> {
        let star = ["*".to_owned()];
        let resources = if resources.is_empty() {
            &star[..]
        } else {
            resources
        };
        actions
            .iter()
            .map(|action| {
                let each: Vec<(String, OneResult)> = resources
                    .iter()
                    .map(|r| (r.clone(), self.evaluate(action, r)))
                    .collect();
                let worst = each
                    .iter()
                    .map(|(_, r)| r.outcome)
                    .max_by_key(|o| severity(*o))
                    .unwrap_or(Outcome::ImplicitDeny);
                let mut matched: Vec<Matched> = Vec::new();
                let mut missing: Vec<String> = Vec::new();
                let mut boundary: Option<bool> = None;
                let mut organizations: Option<bool> = None;
                for (_, r) in each.iter().filter(|(_, r)| r.outcome == worst) {
                    for m in &r.matched {
                        if !matched.contains(m) {
                            matched.push(m.clone());
                        }
                    }
                }
                for (_, r) in &each {
                    for key in &r.missing {
                        if !missing.contains(key) {
                            missing.push(key.clone());
                        }
                    }
                    if let Some(b) = r.boundary {
                        boundary = Some(boundary.unwrap_or(true) && b);
                    }
                    if let Some(o) = r.organizations {
                        organizations = Some(organizations.unwrap_or(true) && o);
                    }
                }
                let single = each.len() == 1;
                let resource_name = single.then(|| each[0].0.clone());
                let account = &self.caller.account;
                let details = if single {
                    decision_details(&each[0].0, account)
                } else {
                    each.iter()
                        .all(|(name, _)| decision_details(name, account).is_some())
                        .then(DecisionDetails::new)
                };
                let specific = (!single).then(|| {
                    each.into_iter()
                        .map(|(name, r)| model::ResourceSpecificResult {
                            eval_decision_details: decision_details(&name, account),
                            eval_resource_name: Some(name),
                            eval_resource_decision: Some(decision_name(r.outcome).to_owned()),
                            matched_statements: statements(&r.matched),
                            missing_context_values: Some(r.missing),
                            permissions_boundary_decision_detail: r.boundary.map(boundary_detail),
                        })
                        .collect()
                });
                model::EvaluationResult {
                    eval_action_name: Some(action.clone()),
                    eval_resource_name: resource_name,
                    eval_decision: Some(decision_name(worst).to_owned()),
                    matched_statements: statements(&matched),
                    missing_context_values: Some(missing),
                    organizations_decision_detail: organizations.map(|o| {
                        model::OrganizationsDecisionDetail {
                            allowed_by_organizations: Some(o),
                        }
                    }),
                    permissions_boundary_decision_detail: boundary.map(boundary_detail),
                    eval_decision_details: details,
                    resource_specific_results: specific,
                }
            })
            .collect()
    }
}

fn boundary_detail(allowed: bool) -> model::PermissionsBoundaryDecisionDetail {
    model::PermissionsBoundaryDecisionDetail {
        allowed_by_permissions_boundary: Some(allowed),
    }
}

/// Whether the resource policy grants to the simulated caller's own ARN (a boundary
/// then does not limit its grant, as in a real decision).
fn resource_policy_names_caller(source: Option<&Source>, caller: &policy::Principal) -> bool {
    source.is_some_and(|s| {
        s.document
            .statements()
            .iter()
            .any(|st| st.names_principal_arn(&caller.arn))
    })
}

/// The members both simulations share, and the answer.
fn simulate(
    shared: Shared,
    mut simulation: Simulation,
    extra_boundary: Vec<Source>,
) -> Result<SimulatePolicyResponse> {
    let Shared {
        actions,
        resources,
        resource_policy,
        caller_arn,
        paging,
    } = shared;
    // A boundary passed in is simulated in place of the principal's own (IAM API
    // Reference, "SimulatePrincipalPolicy", PermissionsBoundaryPolicyInputList: "the new
    // permissions boundary policy is used for the simulation").
    if !extra_boundary.is_empty() {
        simulation.boundary = extra_boundary;
    }
    if let Some(text) = resource_policy {
        let document = PolicyDocument::parse(&text)
            .map_err(|e| IamApiError::InvalidInputException(e.to_string()))?;
        simulation.resource_policy = Some(Source {
            id: "ResourcePolicy".to_owned(),
            kind: "resource",
            document: Arc::new(document),
            text: Some(text.to_owned()),
        });
    }
    if let Some(arn) = caller_arn {
        simulation.caller.arn = arn;
    }
    let results = simulation.results(&actions, &resources);
    // In the order of ActionNames: the key is the position.
    let numbered: Vec<(usize, model::EvaluationResult)> = results.into_iter().enumerate().collect();
    let page = Page::of(&paging, numbered, |(i, _)| format!("{i:05}"));
    Ok(SimulatePolicyResponse {
        evaluation_results: Some(page.items.into_iter().map(|(_, r)| r).collect()),
        is_truncated: Some(page.is_truncated),
        marker: page.marker,
    })
}

fn caller_of(iam: &Iam, arn: &str) -> policy::Principal {
    policy::Principal {
        arn: arn.to_owned(),
        account: iam.account.clone(),
        role_arn: None,
        service: None,
    }
}

pub(super) fn simulate_principal_policy(
    iam: &Iam,
    ctx: &RequestContext,
    input: SimulatePrincipalPolicyRequest,
) -> Result<SimulatePolicyResponse> {
    let source = req(&input.policy_source_arn);
    authorize(iam, ctx, "iam:SimulatePrincipalPolicy", source)?;
    let directory = iam.directory();
    let mut identity;
    let boundary;
    let mut caller = caller_of(iam, source);
    if let Some(user) = directory.users.values().find(|u| u.arn == source) {
        identity = principal_sources(&directory, "user", &user.arn, &user.policies);
        for group in user.groups.iter().filter_map(|g| directory.groups.get(g)) {
            identity.extend(principal_sources(
                &directory,
                "group",
                &group.arn,
                &group.policies,
            ));
        }
        boundary = user.boundary.iter().cloned().collect::<Vec<_>>();
    } else if let Some(role) = directory.roles.values().find(|r| r.arn == source) {
        identity = principal_sources(&directory, "role", &role.arn, &role.policies);
        boundary = role.boundary.iter().cloned().collect();
        caller.role_arn = Some(role.arn.clone());
    } else if let Some(group) = directory.groups.values().find(|g| g.arn == source) {
        identity = principal_sources(&directory, "group", &group.arn, &group.policies);
        boundary = Vec::new();
    } else {
        // The entity's own not-found message, by the kind its ARN names.
        let name = source.rsplit('/').next().unwrap_or(source);
        return Err(if source.contains(":role/") {
            super::no_such_role(name)
        } else if source.contains(":group/") {
            super::groups::no_such_group(name)
        } else {
            super::no_such_user(name)
        });
    }
    identity.extend(input_policies(&input.policy_input_list, "PolicyInputList")?);
    let boundary = boundary
        .into_iter()
        .map(|b| {
            let arn = directory
                .managed
                .iter()
                .find(|(_, m)| Arc::ptr_eq(&m.document, &b.document))
                .map(|(arn, _)| arn.clone());
            Source {
                text: arn.as_deref().and_then(|a| managed_text(&directory, a)),
                id: arn.unwrap_or_else(|| b.name.clone()),
                kind: "none",
                document: b.document,
            }
        })
        .collect();
    let extra = input_policies(
        &input.permissions_boundary_policy_input_list,
        "PermissionsBoundaryPolicyInputList",
    )?;
    let organizations = directory
        .service_control_policies
        .iter()
        .map(|p| Source {
            id: p.name.clone(),
            kind: "none",
            document: Arc::clone(&p.document),
            text: None,
        })
        .collect();
    let context = context_entries(&input.context_entries);
    simulate(
        shared!(input),
        Simulation {
            identity,
            organizations,
            boundary,
            resource_policy: None,
            caller,
            context,
        },
        extra,
    )
}

pub(super) fn simulate_custom_policy(
    iam: &Iam,
    ctx: &RequestContext,
    input: SimulateCustomPolicyRequest,
) -> Result<SimulatePolicyResponse> {
    // SimulateCustomPolicy names no resource type (Service Authorization Reference).
    authorize(iam, ctx, "iam:SimulateCustomPolicy", "*")?;
    let identity = input_policies(&input.policy_input_list, "PolicyInputList")?;
    let extra = input_policies(
        &input.permissions_boundary_policy_input_list,
        "PermissionsBoundaryPolicyInputList",
    )?;
    let caller = caller_of(iam, &format!("arn:aws:iam::{}:root", iam.account));
    let context = context_entries(&input.context_entries);
    simulate(
        shared!(input),
        // A custom simulation has no principal, so no account's organization: only
        // the policies given take part.
        Simulation {
            identity,
            organizations: Vec::new(),
            boundary: Vec::new(),
            resource_policy: None,
            caller,
            context,
        },
        extra,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::query::QueryRequest;

    fn source(id: &str, kind: &'static str, json: &str) -> Source {
        Source {
            id: id.to_owned(),
            kind,
            document: Arc::new(PolicyDocument::parse(json).unwrap()),
            text: Some(json.to_owned()),
        }
    }

    fn simulation(identity: Vec<Source>, boundary: Vec<Source>) -> Simulation {
        Simulation {
            identity,
            organizations: Vec::new(),
            boundary,
            resource_policy: None,
            caller: policy::Principal {
                arn: "arn:aws:iam::123456789012:user/u".to_owned(),
                account: "123456789012".to_owned(),
                role_arn: None,
                service: None,
            },
            context: ContextKeys::new(),
        }
    }

    const READ_ALL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"*"}]}"#;
    const DENY_B: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ssm:*","Resource":"arn:aws:ssm:*:*:parameter/b"}]}"#;

    /// Over several resources the result is the most restrictive one, each resource's
    /// own in ResourceSpecificResults; a deny is the only statement reported.
    #[test]
    fn results_aggregate_over_resources_with_each_resources_own() {
        let sim = simulation(
            vec![
                source("read-all", "user", READ_ALL),
                source("no-b", "group", DENY_B),
            ],
            Vec::new(),
        );
        let resources = [
            "arn:aws:ssm:us-east-1:1:parameter/a",
            "arn:aws:ssm:us-east-1:1:parameter/b",
        ]
        .map(str::to_owned);
        let results = sim.results(&["ssm:GetParameter".to_owned()], &resources);
        let result = &results[0];
        assert_eq!(result.eval_decision.as_deref(), Some("explicitDeny"));
        assert_eq!(result.eval_resource_name, None);
        let matched = result.matched_statements.as_ref().unwrap();
        assert_eq!(matched.len(), 1);
        assert_eq!(matched[0].source_policy_id.as_deref(), Some("no-b"));
        let each = result.resource_specific_results.as_ref().unwrap();
        assert_eq!(each[0].eval_resource_decision.as_deref(), Some("allowed"));
        let matched = each[0].matched_statements.as_ref().unwrap();
        assert_eq!(matched[0].source_policy_id.as_deref(), Some("read-all"));
        assert_eq!(
            each[1].eval_resource_decision.as_deref(),
            Some("explicitDeny")
        );
        // One resource: its name, no resource-specific list.
        let single = sim.results(&["ssm:PutParameter".to_owned()], &[]);
        assert_eq!(single[0].eval_resource_name.as_deref(), Some("*"));
        assert_eq!(single[0].eval_decision.as_deref(), Some("implicitDeny"));
        assert!(single[0].resource_specific_results.is_none());
    }

    /// A boundary limits, and says whether it allowed; condition keys not given are
    /// named as missing, and given they decide.
    #[test]
    fn boundaries_and_context_entries_take_part() {
        let boundary = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:Describe*","Resource":"*"}]}"#;
        let sim = simulation(
            vec![source("read-all", "user", READ_ALL)],
            vec![source("boundary", "none", boundary)],
        );
        let result = &sim.results(&["ssm:GetParameter".to_owned()], &[])[0];
        assert_eq!(result.eval_decision.as_deref(), Some("implicitDeny"));
        let detail = result
            .permissions_boundary_decision_detail
            .as_ref()
            .unwrap();
        assert_eq!(detail.allowed_by_permissions_boundary, Some(false));
        let tagged = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}]}"#;
        let mut sim = simulation(
            vec![source("PolicyInputList.1", "none", tagged)],
            Vec::new(),
        );
        let result = &sim.results(&["ssm:GetParameter".to_owned()], &[])[0];
        assert_eq!(result.eval_decision.as_deref(), Some("implicitDeny"));
        assert_eq!(
            result.missing_context_values.as_deref(),
            Some(&["aws:principaltag/team".to_owned()][..])
        );
        let params = QueryRequest::decode(
            b"ContextEntries.member.1.ContextKeyName=aws%3APrincipalTag%2Fteam&ContextEntries.member.1.ContextKeyValues.member.1=blue&ContextEntries.member.1.ContextKeyType=string",
        );
        let input =
            <SimulateCustomPolicyRequest as crate::protocol::query::FromQuery>::decode(&params)
                .unwrap();
        sim.context = context_entries(&input.context_entries);
        let result = &sim.results(&["ssm:GetParameter".to_owned()], &[])[0];
        assert_eq!(result.eval_decision.as_deref(), Some("allowed"));
        assert_eq!(result.missing_context_values.as_deref(), Some(&[][..]));
    }

    /// The account's service control policies limit the simulation as a real decision,
    /// reported by OrganizationsDecisionDetail.
    #[test]
    fn service_control_policies_limit_and_are_reported() {
        let mut sim = simulation(vec![source("read-all", "user", READ_ALL)], Vec::new());
        sim.organizations = vec![source("scp", "none", DENY_B)];
        let resources = ["arn:aws:ssm:us-east-1:1:parameter/b".to_owned()];
        let result = &sim.results(&["ssm:GetParameter".to_owned()], &resources)[0];
        assert_eq!(result.eval_decision.as_deref(), Some("explicitDeny"));
        assert_eq!(
            result.matched_statements.as_deref().map(<[_]>::len),
            Some(0)
        );
        let detail = result.organizations_decision_detail.as_ref().unwrap();
        assert_eq!(detail.allowed_by_organizations, Some(false));
        // An SCP with no allow for the action refuses it too.
        let result = &sim.results(&["ssm:GetParameter".to_owned()], &[])[0];
        assert_eq!(result.eval_decision.as_deref(), Some("implicitDeny"));
    }

    /// A resource policy naming the caller allows without an identity policy.
    #[test]
    fn a_resource_policy_naming_the_caller_allows() {
        let mut sim = simulation(Vec::new(), Vec::new());
        sim.resource_policy = Some(source(
            "ResourcePolicy",
            "resource",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/u"},"Action":"kms:Decrypt","Resource":"*"}]}"#,
        ));
        let result = &sim.results(&["kms:Decrypt".to_owned()], &[])[0];
        assert_eq!(result.eval_decision.as_deref(), Some("allowed"));
        let matched = result.matched_statements.as_ref().unwrap();
        assert_eq!(matched[0].source_policy_type.as_deref(), Some("resource"));
    }

    /// The answer is the model's `SimulatePolicyResponse`, written in the model's member
    /// order (`EvaluationResult`: ..., `MissingContextValues`,
    /// `PermissionsBoundaryDecisionDetail`, `EvalDecisionDetails`), the empty lists of
    /// statements and missing keys present, as they were before the generated type.
    #[tokio::test]
    async fn the_answer_is_the_models_type_in_the_models_order() {
        let boundary = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:Describe*","Resource":"*"}]}"#;
        let sim = simulation(
            vec![source("read-all", "user", READ_ALL)],
            vec![source("boundary", "none", boundary)],
        );
        let shared = Shared {
            actions: vec!["ssm:GetParameter".to_owned()],
            resources: vec!["arn:aws:ssm:us-east-1:123456789012:parameter/a".to_owned()],
            resource_policy: None,
            caller_arn: None,
            paging: Paging::of(None, None, None),
        };
        let answer: SimulatePolicyResponse = simulate(shared, sim, Vec::new()).unwrap();
        let output = crate::protocol::query::Output::of(&answer);
        let response =
            crate::protocol::query::success("https://ns/", "SimulateCustomPolicy", "r", &output);
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        let order = [
            "<EvaluationResults><member><EvalActionName>ssm:GetParameter</EvalActionName>",
            "<EvalResourceName>arn:aws:ssm:us-east-1:123456789012:parameter/a</EvalResourceName>",
            "<EvalDecision>implicitDeny</EvalDecision>",
            "<MatchedStatements></MatchedStatements>",
            "<MissingContextValues></MissingContextValues>",
            "<PermissionsBoundaryDecisionDetail><AllowedByPermissionsBoundary>false</AllowedByPermissionsBoundary></PermissionsBoundaryDecisionDetail>",
            "<EvalDecisionDetails></EvalDecisionDetails>",
            "</member></EvaluationResults><IsTruncated>false</IsTruncated>",
        ];
        let mut from = 0;
        for part in order {
            let at = text[from..]
                .find(part)
                .unwrap_or_else(|| panic!("{part} not after {from} in {text}"));
            from += at + part.len();
        }
    }
}
