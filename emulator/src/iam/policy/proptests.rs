//! Property tests of the policy engine: a Deny never creates an Allow, an Allow never
//! lifts an explicit deny, and no JSON value (policy-shaped or not) makes parsing or
//! evaluation panic. (Wildcard matching is checked against a regex reference in
//! `wildcard`.)

use super::*;
use proptest::prelude::*;
use serde_json::{json, Map};

const ACTIONS: &[&str] = &[
    "*",
    "ssm:*",
    "ssm:GetParameter",
    "ssm:Get*",
    "SSM:getparameter?",
    "kms:Decrypt",
    "kms:?ncrypt",
    "iam:*",
];

const RESOURCE_PATTERNS: &[&str] = &[
    "*",
    "arn:aws:ssm:us-east-1:123456789012:parameter/a",
    "arn:aws:ssm:*:*:parameter/*",
    "arn:aws:kms:us-east-1:123456789012:key/*",
    "arn:aws:ssm:us-east-1:123456789012:parameter/${aws:username}",
];

const REQUEST_ACTIONS: &[&str] = &[
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:PutParameter",
    "kms:Decrypt",
    "kms:Encrypt",
    "iam:CreateUser",
];

const REQUEST_RESOURCES: &[&str] = &[
    "*",
    "arn:aws:ssm:us-east-1:123456789012:parameter/a",
    "arn:aws:ssm:us-east-1:123456789012:parameter/alice",
    "arn:aws:kms:us-east-1:123456789012:key/k",
];

fn principals() -> Vec<Value> {
    vec![
        json!("*"),
        json!({"AWS": "*"}),
        json!({"AWS": "123456789012"}),
        json!({"AWS": "arn:aws:iam::123456789012:root"}),
        json!({"AWS": ["arn:aws:iam::123456789012:user/alice", "arn:aws:iam::444455556666:root"]}),
        json!({"AWS": "arn:aws:iam::123456789012:role/R"}),
        json!({"Service": "lambda.amazonaws.com"}),
        json!({"Federated": "cognito-identity.amazonaws.com"}),
    ]
}

fn conditions() -> Vec<Value> {
    vec![
        json!({"StringEquals": {"aws:username": "alice"}}),
        json!({"StringNotEquals": {"aws:username": ["bob", "${aws:PrincipalTag/x}"]}}),
        json!({"StringLikeIfExists": {"aws:PrincipalTag/team": "r*"}}),
        json!({"ForAllValues:StringLike": {"aws:TagKeys": ["a*", "b"]}}),
        json!({"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}}),
        json!({"NumericLessThan": {"n": 5}}),
        json!({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}}),
        json!({"Bool": {"aws:SecureTransport": true}}),
        json!({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        json!({"Null": {"aws:TokenIssueTime": "true"}}),
        json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}),
    ]
}

fn pick<T: Clone + std::fmt::Debug + 'static>(items: Vec<T>) -> impl Strategy<Value = T> {
    proptest::sample::select(items)
}

fn strs(items: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    proptest::sample::select(items)
}

/// A statement; `resource_policy` decides whether it has a principal element.
fn statement(effect: &'static str, resource_policy: bool) -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        proptest::collection::vec(strs(ACTIONS), 1..3),
        any::<bool>(),
        proptest::collection::vec(strs(RESOURCE_PATTERNS), 1..3),
        any::<bool>(),
        pick(principals()),
        proptest::collection::vec(pick(conditions()), 0..3),
    )
        .prop_map(
            move |(not_action, actions, not_resource, resources, not_principal, who, conds)| {
                let mut s = Map::new();
                s.insert("Effect".into(), json!(effect));
                s.insert(
                    if not_action { "NotAction" } else { "Action" }.into(),
                    json!(actions),
                );
                s.insert(
                    if not_resource {
                        "NotResource"
                    } else {
                        "Resource"
                    }
                    .into(),
                    json!(resources),
                );
                if resource_policy {
                    s.insert(
                        if not_principal {
                            "NotPrincipal"
                        } else {
                            "Principal"
                        }
                        .into(),
                        who,
                    );
                }
                let mut condition = Map::new();
                for c in conds {
                    if let Value::Object(block) = c {
                        for (op, keys) in block {
                            // Merging keys of the same operator keeps the AND of both.
                            match condition.get_mut(&op) {
                                Some(Value::Object(existing)) => {
                                    if let Value::Object(keys) = keys {
                                        existing.extend(keys);
                                    }
                                }
                                _ => {
                                    condition.insert(op, keys);
                                }
                            }
                        }
                    }
                }
                if !condition.is_empty() {
                    s.insert("Condition".into(), Value::Object(condition));
                }
                Value::Object(s)
            },
        )
}

fn any_statement(resource_policy: bool) -> impl Strategy<Value = Value> {
    prop_oneof![
        statement("Allow", resource_policy),
        statement("Deny", resource_policy)
    ]
}

fn policy(resource_policy: bool) -> impl Strategy<Value = Vec<Value>> {
    proptest::collection::vec(any_statement(resource_policy), 0..4)
}

fn to_document(statements: &[Value]) -> PolicyDocument {
    let value = json!({"Version": "2012-10-17", "Statement": statements});
    match PolicyDocument::from_value(&value) {
        Ok(doc) => doc,
        Err(e) => panic!("generated policy does not parse: {e}: {value}"),
    }
}

/// A caller and its condition keys.
#[derive(Debug, Clone)]
struct Scenario {
    action: &'static str,
    resource: &'static str,
    caller: Principal,
    keys: ContextKeys,
    root_allows_all: bool,
}

fn caller() -> impl Strategy<Value = Principal> {
    let account = "123456789012".to_owned();
    pick(vec![
        Principal {
            arn: "arn:aws:iam::123456789012:user/alice".into(),
            account: account.clone(),
            role_arn: None,
            service: None,
        },
        Principal {
            arn: "arn:aws:sts::123456789012:assumed-role/R/s".into(),
            account: account.clone(),
            role_arn: Some("arn:aws:iam::123456789012:role/R".into()),
            service: None,
        },
        Principal {
            arn: "arn:aws:iam::123456789012:root".into(),
            account,
            role_arn: None,
            service: None,
        },
        Principal {
            arn: "lambda.amazonaws.com".into(),
            account: String::new(),
            role_arn: None,
            service: Some("lambda.amazonaws.com".into()),
        },
        Principal {
            arn: "arn:aws:iam::444455556666:user/eve".into(),
            account: "444455556666".into(),
            role_arn: None,
            service: None,
        },
    ])
}

fn keys() -> impl Strategy<Value = ContextKeys> {
    let entries: Vec<(&'static str, Vec<&'static str>)> = vec![
        ("aws:username", vec!["alice", "bob", "*"]),
        ("aws:PrincipalTag/team", vec!["red", "blue"]),
        ("aws:PrincipalTag/x", vec!["bob"]),
        ("aws:TagKeys", vec!["a", "b", "c", "ab"]),
        ("n", vec!["1", "5", "9", "x"]),
        (
            "aws:CurrentTime",
            vec!["2019-06-01T00:00:00Z", "2021-06-01T00:00:00Z", "bad"],
        ),
        ("aws:SecureTransport", vec!["true", "false"]),
        ("aws:SourceIp", vec!["10.1.2.3", "192.0.2.1", "::1"]),
        ("aws:TokenIssueTime", vec!["2020-01-01T00:00:00Z"]),
        (
            "aws:PrincipalArn",
            vec![
                "arn:aws:iam::123456789012:role/R",
                "arn:aws:iam::123456789012:user/alice",
            ],
        ),
    ];
    proptest::collection::vec(
        (0..entries.len(), proptest::collection::vec(0usize..4, 0..3)),
        0..6,
    )
    .prop_map(move |picks| {
        let mut keys = ContextKeys::new();
        for (entry, values) in picks {
            let (name, pool) = &entries[entry];
            let chosen: Vec<String> = values
                .iter()
                .map(|i| pool[i % pool.len()].to_owned())
                .collect();
            keys.insert_many(name, chosen);
        }
        keys
    })
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        strs(REQUEST_ACTIONS),
        strs(REQUEST_RESOURCES),
        caller(),
        keys(),
        any::<bool>(),
    )
        .prop_map(
            |(action, resource, caller, keys, root_allows_all)| Scenario {
                action,
                resource,
                caller,
                keys,
                root_allows_all,
            },
        )
}

/// Evaluates identity policies (and a resource policy, if given) for a scenario.
fn evaluate(identity: &[Vec<Value>], resource: Option<&[Value]>, s: &Scenario) -> Outcome {
    let docs: Vec<PolicyDocument> = identity.iter().map(|p| to_document(p)).collect();
    let named: Vec<NamedPolicy<'_>> = docs
        .iter()
        .map(|document| NamedPolicy {
            name: "p",
            document,
        })
        .collect();
    let request = Request {
        action: s.action,
        resource: s.resource,
        principal: &s.caller,
        context: &s.keys,
    };
    match resource {
        None => decide_identity(&named, &request, s.root_allows_all).outcome,
        Some(statements) => {
            let doc = to_document(statements);
            let resource_policy = NamedPolicy {
                name: "r",
                document: &doc,
            };
            decide_with_resource_policy(&named, &resource_policy, &request, s.root_allows_all)
                .outcome
        }
    }
}

/// Adds `statement` to policy `target` (modulo one past the end: a new policy).
fn with_statement(policies: &[Vec<Value>], target: usize, statement: Value) -> Vec<Vec<Value>> {
    let mut out = policies.to_vec();
    let index = target % (out.len() + 1);
    match out.get_mut(index) {
        Some(policy) => policy.push(statement),
        None => out.push(vec![statement]),
    }
    out
}

const ELEMENT_NAMES: &[&str] = &[
    "Version",
    "Id",
    "Statement",
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
    "AWS",
    "Service",
    "Federated",
    "StringEquals",
    "StringLike",
    "ForAllValues:StringNotLikeIfExists",
    "ForAnyValue:NumericLessThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "ArnLike",
    "Null",
    "aws:username",
    "aws:SourceIp",
];

const STRING_VALUES: &[&str] = &[
    "2012-10-17",
    "2008-10-17",
    "Allow",
    "Deny",
    "*",
    "?",
    "ssm:*",
    "arn:aws:iam::123456789012:root",
    "arn:aws:iam::123456789012:user/alice",
    "123456789012",
    "lambda.amazonaws.com",
    "${aws:username}",
    "${",
    "${aws:x, 'd'}",
    "${*}",
    "10.0.0.0/8",
    "::1",
    "2020-01-01T00:00:00Z",
    "true",
    "5",
    "",
    "QQ==",
];

fn json_string() -> impl Strategy<Value = String> {
    prop_oneof![strs(STRING_VALUES).prop_map(str::to_owned), ".{0,10}",]
}

fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => strs(ELEMENT_NAMES).prop_map(str::to_owned),
        1 => ".{0,8}",
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        json_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((json_key(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// A value shaped like a policy, with arbitrary parts.
fn policy_shaped_value() -> impl Strategy<Value = Value> {
    let statement = proptest::collection::vec((json_key(), json_value()), 0..8)
        .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>()));
    (
        proptest::option::of(json_value()),
        proptest::collection::vec(statement, 0..4),
    )
        .prop_map(|(version, statements)| {
            let mut doc = Map::new();
            if let Some(version) = version {
                doc.insert("Version".into(), version);
            }
            doc.insert("Statement".into(), Value::Array(statements));
            Value::Object(doc)
        })
}

/// Parses and, when the value is a policy, evaluates it every way; must not panic.
fn exercise(value: &Value, s: &Scenario) {
    let parsed = PolicyDocument::from_value(value);
    let reparsed = PolicyDocument::parse(&value.to_string());
    assert_eq!(parsed.is_ok(), reparsed.is_ok());
    if let Err(e) = &parsed {
        assert!(!e.to_string().is_empty());
    }
    if let Ok(doc) = parsed {
        let named = NamedPolicy {
            name: "arbitrary",
            document: &doc,
        };
        let request = Request {
            action: s.action,
            resource: s.resource,
            principal: &s.caller,
            context: &s.keys,
        };
        let _ = decide_identity(&[named], &request, s.root_allows_all);
        let _ = decide_with_resource_policy(&[named], &named, &request, s.root_allows_all);
        let _ = decide_with_resource_policy(&[], &named, &request, s.root_allows_all);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// (a) Adding a Deny statement never turns a non-Allow into an Allow (identity-only):
    /// the outcome stays, or becomes an explicit deny.
    #[test]
    fn a_deny_never_creates_an_allow(
        identity in proptest::collection::vec(policy(false), 0..3),
        deny in statement("Deny", false),
        target in 0usize..4,
        s in scenario(),
    ) {
        let before = evaluate(&identity, None, &s);
        let after = evaluate(&with_statement(&identity, target, deny), None, &s);
        prop_assert!(after == before || after == Outcome::ExplicitDeny, "{before:?} -> {after:?}");
    }

    /// (a) The same with a mandatory resource policy, the Deny going to an identity
    /// policy or to the resource policy.
    #[test]
    fn a_deny_never_creates_an_allow_under_a_resource_policy(
        identity in proptest::collection::vec(policy(false), 0..3),
        resource in policy(true),
        to_resource in any::<bool>(),
        deny_identity in statement("Deny", false),
        deny_resource in statement("Deny", true),
        target in 0usize..4,
        s in scenario(),
    ) {
        let before = evaluate(&identity, Some(&resource), &s);
        let after = if to_resource {
            let mut resource = resource.clone();
            resource.push(deny_resource);
            evaluate(&identity, Some(&resource), &s)
        } else {
            evaluate(&with_statement(&identity, target, deny_identity), Some(&resource), &s)
        };
        prop_assert!(after == before || after == Outcome::ExplicitDeny, "{before:?} -> {after:?}");
    }

    /// (b) Adding an Allow statement never overrides an explicit deny.
    #[test]
    fn an_allow_never_lifts_an_explicit_deny(
        identity in proptest::collection::vec(policy(false), 0..3),
        resource in policy(true),
        with_resource in any::<bool>(),
        to_resource in any::<bool>(),
        allow_identity in statement("Allow", false),
        allow_resource in statement("Allow", true),
        target in 0usize..4,
        s in scenario(),
    ) {
        let resource_policy = with_resource.then_some(resource.as_slice());
        let before = evaluate(&identity, resource_policy, &s);
        let after = if with_resource && to_resource {
            let mut resource = resource.clone();
            resource.push(allow_resource);
            evaluate(&identity, Some(&resource), &s)
        } else {
            evaluate(&with_statement(&identity, target, allow_identity), resource_policy, &s)
        };
        if before == Outcome::ExplicitDeny {
            prop_assert_eq!(after, Outcome::ExplicitDeny);
        }
    }

    /// (c) Parsing and evaluating never panic on arbitrary JSON values.
    /// Policies that do not read the request's condition keys (the emulator then skips
    /// gathering them) decide the same whatever the keys are; ones that do, read them.
    #[test]
    fn policies_that_read_no_context_ignore_it(
        identity in proptest::collection::vec(policy(false), 0..3),
        resource in proptest::option::of(policy(true)),
        s in scenario(),
    ) {
        let reads = identity
            .iter()
            .chain(resource.iter())
            .any(|statements| to_document(statements).reads_context());
        let without_keys = Scenario { keys: ContextKeys::new(), ..s.clone() };
        let with_keys = evaluate(&identity, resource.as_deref(), &s);
        if !reads {
            prop_assert_eq!(with_keys, evaluate(&identity, resource.as_deref(), &without_keys));
        }
        for statements in identity.iter().chain(resource.iter()) {
            let has_condition = statements.iter().any(|st| st.get("Condition").is_some());
            if has_condition {
                prop_assert!(to_document(statements).reads_context());
            }
        }
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value(), s in scenario()) {
        exercise(&value, &s);
    }

    /// (c) ... nor on values shaped like policies with arbitrary parts.
    #[test]
    fn policy_shaped_json_never_panics(value in policy_shaped_value(), s in scenario()) {
        exercise(&value, &s);
    }

    /// (c) ... nor on arbitrary text.
    #[test]
    fn arbitrary_text_never_panics(text in ".{0,64}") {
        let _ = PolicyDocument::parse(&text);
    }
}

/// The generators reach every outcome, so the properties above are not vacuous.
#[test]
fn generated_cases_reach_every_outcome() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = (
        proptest::collection::vec(policy(false), 0..3),
        policy(true),
        scenario(),
    );
    let mut identity_seen = Vec::new();
    let mut resource_seen = Vec::new();
    for _ in 0..400 {
        let Ok(tree) = strategy.new_tree(&mut runner) else {
            continue;
        };
        let (identity, resource, s) = tree.current();
        identity_seen.push(evaluate(&identity, None, &s));
        resource_seen.push(evaluate(&identity, Some(&resource), &s));
    }
    for outcome in [Outcome::Allow, Outcome::ExplicitDeny, Outcome::ImplicitDeny] {
        assert!(identity_seen.contains(&outcome), "identity: no {outcome:?}");
        assert!(resource_seen.contains(&outcome), "resource: no {outcome:?}");
    }
}
