//! Walks every implemented operation of the tables and checks that each condition key
//! listed for it reaches the policy engine, with the value the table describes: the
//! caller's identity policy reads every listed key (`StringLikeIfExists` on `*`, which
//! never refuses), so the decision log records each key's value for each decision.

use super::{Operation, FUNCTION_SESSION, GLOBAL, IAM, KMS, LAMBDA, SSM, STS};
use crate::config::Config;
use crate::context::RequestContext;
use crate::dispatch::Lookup;
use crate::lambda::api::LambdaRequest;
use crate::state::EmulatorState;
use axum::http::HeaderMap;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

const ACCOUNT: &str = "123456789012";
const USER: &str = "arn:aws:iam::123456789012:user/table-walker";
const FN_ROLE: &str = "arn:aws:iam::123456789012:role/table-fn-role";

/// A key name of the tables made concrete: `${TagKey}` is `team`, `${Key}` is `purpose`.
fn concrete(name: &str) -> String {
    name.replace("${TagKey}", "team")
        .replace("${Key}", "purpose")
}

fn every_key() -> BTreeSet<String> {
    let operations = SSM.iter().chain(KMS).chain(LAMBDA).chain(STS);
    GLOBAL
        .iter()
        .chain(FUNCTION_SESSION)
        .chain(operations.flat_map(|o| o.resource_keys.iter().chain(o.keys)))
        .map(|k| concrete(k.name))
        .collect()
}

fn world() -> Arc<EmulatorState> {
    // Besides the tables' keys, those of KMS called through SSM.
    let extra = [
        "kms:ViaService",
        "kms:EncryptionContext:PARAMETER_ARN",
        "aws:CalledVia",
    ]
    .map(String::from);
    let condition: serde_json::Map<String, Value> = every_key()
        .into_iter()
        .chain(extra)
        .map(|k| (k, json!("*")))
        .collect();
    let reads_every_key = json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"StringLikeIfExists": condition}}]
    });
    let fixture = json!({
        "users": [{
            "name": "table-walker",
            "tags": {"team": "blue"},
            "access_keys": [{"id": "AKIATABLEWALKER00001", "secret": "s"}],
            "policies": [{"name": "reads-every-key", "document": reads_every_key.clone()}]
        }],
        "roles": [
            {"name": "table-fn-role", "policies": [{"name": "reads-every-key", "document": reads_every_key.clone()}], "trust_policy": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}},
            {"name": "table-assumable", "tags": {"team": "green"},
             "policies": [{"name": "reads-every-key", "document": reads_every_key.clone()}],
             "trust_policy": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": USER},
                 "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]}]}}
        ]
    });
    let path = std::path::Path::new("table.json");
    let parsed = crate::fixtures::parse(path, &fixture.to_string()).expect("fixture parses");
    let mut fixtures = crate::fixtures::Fixtures::default();
    crate::fixtures::merge(&mut fixtures, path, parsed, ACCOUNT).expect("fixture merges");
    Arc::new(EmulatorState::from_fixtures(Config::default(), fixtures).expect("world loads"))
}

fn context(state: &EmulatorState) -> RequestContext {
    let key = state.iam.lookup_key("AKIATABLEWALKER00001").expect("key");
    let caller = state.iam.caller_for(&key).expect("caller");
    RequestContext::new(
        "us-east-1",
        ACCOUNT,
        caller,
        Some("203.0.113.9".parse().unwrap()),
    )
}

/// What the walk saw: per operation, the keys (with values) of its decisions.
#[derive(Default)]
struct Seen {
    keys: BTreeMap<&'static str, BTreeMap<String, Vec<String>>>,
}

impl Seen {
    /// Records the keys of the decisions of request `ctx`, checks `expect` against them,
    /// and returns them.
    fn note(
        &mut self,
        state: &EmulatorState,
        operation: &'static str,
        ctx: &RequestContext,
        expect: &[(&str, &str)],
    ) -> BTreeMap<String, Vec<String>> {
        let mut keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let records: Vec<_> = state
            .iam
            .decisions
            .recent(false)
            .into_iter()
            .filter(|r| {
                // The request's own record, and those of the requests a service made on
                // its behalf (SSM's calls to KMS).
                r.request_id == ctx.request_id
                    || r.called_by
                        .as_ref()
                        .is_some_and(|c| c.request_id == ctx.request_id)
            })
            .collect();
        assert!(!records.is_empty(), "{operation}: no decision recorded");
        for record in &records {
            assert_eq!(record.decision(), "Allow", "{operation}: {record:?}");
            for (name, values) in &record.keys() {
                if !values.is_empty() {
                    keys.entry(name.clone()).or_insert_with(|| values.clone());
                }
            }
        }
        for (name, value) in expect {
            let got = keys.get(&name.to_ascii_lowercase()).map(|v| v.join(","));
            assert_eq!(got.as_deref(), Some(*value), "{operation}: {name}");
        }
        let all = self.keys.entry(operation).or_default();
        for (k, v) in &keys {
            all.entry(k.clone()).or_insert_with(|| v.clone());
        }
        keys
    }
}

fn call_json(state: &EmulatorState, ctx: &RequestContext, target: &str, body: Value) -> Value {
    let handler = if target.starts_with("AmazonSSM.") {
        match crate::ssm::TABLE.lookup(target) {
            Lookup::Found(h) => {
                h(state, ctx, body.to_string().as_bytes()).map_err(|e| format!("{e:?}"))
            }
            _ => panic!("{target} is not in the SSM table"),
        }
    } else {
        match crate::kms::TABLE.lookup(target) {
            Lookup::Found(h) => {
                h(state, ctx, body.to_string().as_bytes()).map_err(|e| format!("{e:?}"))
            }
            _ => panic!("{target} is not in the KMS table"),
        }
    };
    let out = handler.unwrap_or_else(|e| panic!("{target} failed: {e}"));
    serde_json::from_slice(&out).unwrap_or(Value::Null)
}

async fn call_lambda(
    state: &Arc<EmulatorState>,
    ctx: &RequestContext,
    method: &str,
    path: &str,
    query: Option<&str>,
    body: Value,
) -> u16 {
    let matched = crate::lambda::routes::lookup(method, path).expect("a Lambda route");
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    let request = LambdaRequest {
        query,
        headers: &headers,
        body: body.to_string().into(),
    };
    crate::lambda::api::handle(state, ctx, &matched, request)
        .await
        .status()
        .as_u16()
}

/// Every key listed for an operation was seen in one of its decisions.
fn check_listed(seen: &Seen, service: &str, table: &[Operation]) {
    for operation in table {
        if operation.actions.is_empty() {
            continue;
        }
        let keys = seen
            .keys
            .get(operation.name)
            .unwrap_or_else(|| panic!("{service} {} was not walked", operation.name));
        for listed in operation.resource_keys.iter().chain(operation.keys) {
            let name = concrete(listed.name).to_ascii_lowercase();
            assert!(
                keys.contains_key(&name),
                "{service} {}: {} never reached the engine (seen: {:?})",
                operation.name,
                listed.name,
                keys.keys().collect::<Vec<_>>()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_listed_key_reaches_the_engine_for_every_operation() {
    let state = world();
    let mut seen = Seen::default();
    macro_rules! ssm {
        ($op:literal, $body:expr, $expect:expr) => {{
            let ctx = context(&state);
            let out = call_json(&state, &ctx, concat!("AmazonSSM.", $op), $body);
            seen.note(&state, $op, &ctx, $expect);
            out
        }};
    }
    macro_rules! kms {
        ($op:literal, $body:expr, $expect:expr) => {{
            let ctx = context(&state);
            let out = call_json(&state, &ctx, concat!("TrentService.", $op), $body);
            seen.note(&state, $op, &ctx, $expect);
            out
        }};
    }

    // SSM.
    let tagged = [{ json!({"Key": "team", "Value": "red"}) }];
    ssm!(
        "PutParameter",
        json!({"Name": "/t/p", "Value": "v", "Type": "String", "Tags": tagged}),
        &[
            ("ssm:Overwrite", "false"),
            ("ssm:Policies", "false"),
            ("aws:RequestTag/team", "red"),
            ("aws:TagKeys", "team")
        ]
    );
    ssm!(
        "PutParameter",
        json!({"Name": "/t/q", "Value": "v", "Type": "String", "Tags": tagged}),
        &[]
    );
    let keys = ssm!(
        "PutParameter",
        json!({"Name": "/t/p", "Value": "w", "Overwrite": true}),
        &[
            ("ssm:Overwrite", "true"),
            ("aws:ResourceTag/team", "red"),
            ("ssm:resourceTag/team", "red")
        ]
    );
    let _ = keys;
    ssm!(
        "GetParameter",
        json!({"Name": "/t/p"}),
        &[
            ("aws:ResourceTag/team", "red"),
            ("ssm:resourceTag/team", "red")
        ]
    );
    // The global keys, once.
    {
        let ctx = context(&state);
        call_json(
            &state,
            &ctx,
            "AmazonSSM.GetParameter",
            json!({"Name": "/t/p"}),
        );
        let keys = seen.note(
            &state,
            "GetParameter",
            &ctx,
            &[
                ("aws:PrincipalArn", USER),
                ("aws:PrincipalAccount", ACCOUNT),
                ("aws:PrincipalType", "User"),
                ("aws:username", "table-walker"),
                ("aws:PrincipalTag/team", "blue"),
                ("aws:PrincipalIsAWSService", "false"),
                ("aws:ViaAWSService", "false"),
                ("aws:RequestedRegion", "us-east-1"),
                ("aws:SecureTransport", "false"),
                ("aws:SourceIp", "203.0.113.9"),
                ("aws:ResourceAccount", ACCOUNT),
            ],
        );
        for global in GLOBAL {
            let name = concrete(global.name).to_ascii_lowercase();
            assert!(
                keys.contains_key(&name),
                "global key {} never reached the engine",
                global.name
            );
        }
        assert!(keys["aws:userid"][0].starts_with("AIDA"));
        assert!(keys["aws:epochtime"][0].parse::<i64>().is_ok());
        assert!(keys["aws:currenttime"][0].ends_with('Z'));
    }
    ssm!(
        "GetParameters",
        json!({"Names": ["/t/p"]}),
        &[("aws:ResourceTag/team", "red")]
    );
    ssm!(
        "GetParameterHistory",
        json!({"Name": "/t/p"}),
        &[("aws:ResourceTag/team", "red")]
    );
    ssm!(
        "LabelParameterVersion",
        json!({"Name": "/t/p", "Labels": ["l1"]}),
        &[("aws:ResourceTag/team", "red")]
    );
    ssm!(
        "UnlabelParameterVersion",
        json!({"Name": "/t/p", "ParameterVersion": 2, "Labels": ["l1"]}),
        &[("aws:ResourceTag/team", "red")]
    );
    ssm!(
        "ListTagsForResource",
        json!({"ResourceType": "Parameter", "ResourceId": "/t/p"}),
        &[("ssm:resourceTag/team", "red")]
    );
    ssm!(
        "AddTagsToResource",
        json!({"ResourceType": "Parameter", "ResourceId": "/t/p", "Tags": tagged}),
        &[
            ("aws:RequestTag/team", "red"),
            ("aws:TagKeys", "team"),
            ("aws:ResourceTag/team", "red")
        ]
    );
    ssm!(
        "RemoveTagsFromResource",
        json!({"ResourceType": "Parameter", "ResourceId": "/t/p", "TagKeys": ["other", "x"]}),
        &[("aws:TagKeys", "other,x")]
    );
    ssm!(
        "GetParametersByPath",
        json!({"Path": "/t", "Recursive": true}),
        &[("ssm:Recursive", "true")]
    );
    ssm!("DescribeParameters", json!({}), &[]);
    ssm!(
        "DeleteParameters",
        json!({"Names": ["/t/q"]}),
        &[("aws:ResourceTag/team", "red")]
    );
    ssm!(
        "DeleteParameter",
        json!({"Name": "/t/p"}),
        &[("aws:ResourceTag/team", "red")]
    );
    check_listed(&seen, "SSM", SSM);

    // KMS.
    let created = kms!(
        "CreateKey",
        json!({"Description": "t", "Tags": [{"TagKey": "team", "TagValue": "red"}]}),
        &[
            ("kms:KeySpec", "SYMMETRIC_DEFAULT"),
            ("kms:KeyUsage", "ENCRYPT_DECRYPT"),
            ("kms:KeyOrigin", "AWS_KMS"),
            ("kms:MultiRegion", "false"),
            ("kms:BypassPolicyLockoutSafetyCheck", "false"),
            ("aws:RequestTag/team", "red"),
            ("aws:TagKeys", "team"),
            ("kms:CallerAccount", ACCOUNT)
        ]
    );
    let key = created["KeyMetadata"]["KeyId"]
        .as_str()
        .expect("key id")
        .to_owned();
    let other = kms!(
        "CreateKey",
        json!({"Tags": [{"TagKey": "team", "TagValue": "red"}]}),
        &[]
    )["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let on_key = [
        ("aws:ResourceTag/team", "red"),
        ("kms:KeySpec", "SYMMETRIC_DEFAULT"),
        ("kms:KeyUsage", "ENCRYPT_DECRYPT"),
        ("kms:KeyOrigin", "AWS_KMS"),
        ("kms:MultiRegion", "false"),
        ("kms:CallerAccount", ACCOUNT),
    ];
    kms!(
        "CreateAlias",
        json!({"AliasName": "alias/table", "TargetKeyId": key}),
        &on_key
    );
    // A key's second alias: the first is then among its kms:ResourceAliases.
    kms!(
        "CreateAlias",
        json!({"AliasName": "alias/table-2", "TargetKeyId": key}),
        &[("kms:ResourceAliases", "alias/table")]
    );
    let grant = kms!(
        "CreateGrant",
        json!({"KeyId": key, "GranteePrincipal": USER, "RetiringPrincipal": FN_ROLE,
        "Operations": ["Decrypt", "Encrypt"], "Constraints": {"EncryptionContextSubset": {"purpose": "t"}}}),
        &[
            ("kms:GrantOperations", "Decrypt,Encrypt"),
            ("kms:GranteePrincipal", USER),
            ("kms:RetiringPrincipal", FN_ROLE),
            ("kms:GrantIsForAWSResource", "false"),
            ("kms:GrantConstraintType", "EncryptionContextSubset"),
            ("kms:ResourceAliases", "alias/table,alias/table-2")
        ]
    );
    let grant_id = grant["GrantId"].as_str().unwrap().to_owned();
    let crypto = [
        ("kms:EncryptionContext:purpose", "t"),
        ("kms:EncryptionContextKeys", "purpose"),
        ("kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT"),
        ("kms:RequestAlias", "alias/table"),
        ("kms:ResourceAliases", "alias/table,alias/table-2"),
    ];
    let blob = kms!(
        "Encrypt",
        json!({"KeyId": "alias/table", "Plaintext": "aGk=", "EncryptionContext": {"purpose": "t"}}),
        &crypto
    )["CiphertextBlob"]
        .as_str()
        .unwrap()
        .to_owned();
    kms!(
        "Decrypt",
        json!({"KeyId": "alias/table", "CiphertextBlob": blob, "EncryptionContext": {"purpose": "t"}}),
        &crypto
    );
    kms!(
        "GenerateDataKey",
        json!({"KeyId": "alias/table", "KeySpec": "AES_256", "EncryptionContext": {"purpose": "t"}}),
        &crypto
    );
    kms!(
        "GenerateDataKeyWithoutPlaintext",
        json!({"KeyId": "alias/table", "KeySpec": "AES_256", "EncryptionContext": {"purpose": "t"}}),
        &crypto
    );
    let mut pair = crypto.to_vec();
    pair.push(("kms:DataKeyPairSpec", "ECC_NIST_P256"));
    kms!(
        "GenerateDataKeyPair",
        json!({"KeyId": "alias/table", "KeyPairSpec": "ECC_NIST_P256", "EncryptionContext": {"purpose": "t"}}),
        &pair
    );
    kms!(
        "GenerateDataKeyPairWithoutPlaintext",
        json!({"KeyId": "alias/table", "KeyPairSpec": "ECC_NIST_P256", "EncryptionContext": {"purpose": "t"}}),
        &pair
    );
    kms!(
        "ReEncrypt",
        json!({"CiphertextBlob": blob, "SourceKeyId": "alias/table", "SourceEncryptionContext": {"purpose": "t"},
        "DestinationKeyId": "alias/table", "DestinationEncryptionContext": {"purpose": "t"}}),
        &crypto
    );
    kms!(
        "DescribeKey",
        json!({"KeyId": "alias/table"}),
        &[("kms:RequestAlias", "alias/table")]
    );
    let policy = kms!(
        "GetKeyPolicy",
        json!({"KeyId": key, "PolicyName": "default"}),
        &on_key
    )["Policy"]
        .as_str()
        .unwrap()
        .to_owned();
    kms!(
        "PutKeyPolicy",
        json!({"KeyId": key, "PolicyName": "default", "Policy": policy, "BypassPolicyLockoutSafetyCheck": true}),
        &[("kms:BypassPolicyLockoutSafetyCheck", "true")]
    );
    kms!("ListKeyPolicies", json!({"KeyId": key}), &on_key);
    kms!("GetKeyRotationStatus", json!({"KeyId": key}), &on_key);
    kms!(
        "EnableKeyRotation",
        json!({"KeyId": key, "RotationPeriodInDays": 180}),
        &[("kms:RotationPeriodInDays", "180")]
    );
    kms!("ListKeyRotations", json!({"KeyId": key}), &on_key);
    kms!("RotateKeyOnDemand", json!({"KeyId": key}), &on_key);
    kms!("DisableKeyRotation", json!({"KeyId": key}), &on_key);
    kms!(
        "ListGrants",
        json!({"KeyId": key, "GranteePrincipal": USER}),
        &[
            ("kms:GranteePrincipal", USER),
            ("kms:GrantIsForAWSResource", "false")
        ]
    );
    kms!("ListResourceTags", json!({"KeyId": key}), &on_key);
    kms!(
        "TagResource",
        json!({"KeyId": key, "Tags": [{"TagKey": "team", "TagValue": "red"}]}),
        &[("aws:RequestTag/team", "red"), ("aws:TagKeys", "team")]
    );
    kms!(
        "UntagResource",
        json!({"KeyId": key, "TagKeys": ["x"]}),
        &[("aws:TagKeys", "x")]
    );
    kms!(
        "UpdateKeyDescription",
        json!({"KeyId": key, "Description": "u"}),
        &on_key
    );
    kms!("DisableKey", json!({"KeyId": key}), &on_key);
    kms!("EnableKey", json!({"KeyId": key}), &on_key);
    kms!(
        "RevokeGrant",
        json!({"KeyId": key, "GrantId": grant_id}),
        &on_key
    );
    // A grant that names neither the walker nor lets it retire: RetireGrant goes to IAM.
    let other_grant = kms!(
        "CreateGrant",
        json!({"KeyId": key, "GranteePrincipal": FN_ROLE, "Operations": ["Decrypt"]}),
        &[]
    )["GrantId"]
        .as_str()
        .unwrap()
        .to_owned();
    kms!(
        "RetireGrant",
        json!({"KeyId": key, "GrantId": other_grant}),
        &[]
    );
    kms!(
        "ScheduleKeyDeletion",
        json!({"KeyId": key, "PendingWindowInDays": 7}),
        &[("kms:ScheduleKeyDeletionPendingWindowInDays", "7")]
    );
    kms!("CancelKeyDeletion", json!({"KeyId": key}), &on_key);
    kms!(
        "UpdateAlias",
        json!({"AliasName": "alias/table", "TargetKeyId": other}),
        &on_key
    );
    kms!("DeleteAlias", json!({"AliasName": "alias/table"}), &on_key);
    // An HMAC key, named by an alias of its own.
    let mac_key = kms!(
        "CreateKey",
        json!({"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC",
        "Tags": [{"TagKey": "team", "TagValue": "red"}]}),
        &[
            ("kms:KeySpec", "HMAC_256"),
            ("kms:KeyUsage", "GENERATE_VERIFY_MAC")
        ]
    )["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    kms!(
        "CreateAlias",
        json!({"AliasName": "alias/mac", "TargetKeyId": mac_key}),
        &[]
    );
    let on_mac_key = [
        ("aws:ResourceTag/team", "red"),
        ("kms:KeySpec", "HMAC_256"),
        ("kms:KeyUsage", "GENERATE_VERIFY_MAC"),
        ("kms:MacAlgorithm", "HMAC_SHA_256"),
        ("kms:RequestAlias", "alias/mac"),
        ("kms:ResourceAliases", "alias/mac"),
    ];
    let mac = kms!(
        "GenerateMac",
        json!({"KeyId": "alias/mac", "Message": "aGk=", "MacAlgorithm": "HMAC_SHA_256"}),
        &on_mac_key
    )["Mac"]
        .as_str()
        .unwrap()
        .to_owned();
    kms!(
        "VerifyMac",
        json!({"KeyId": "alias/mac", "Message": "aGk=", "MacAlgorithm": "HMAC_SHA_256", "Mac": mac}),
        &on_mac_key
    );
    // An ECC signing key, named by an alias of its own.
    let sign_key = kms!(
        "CreateKey",
        json!({"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY",
        "Tags": [{"TagKey": "team", "TagValue": "red"}]}),
        &[
            ("kms:KeySpec", "ECC_NIST_P256"),
            ("kms:KeyUsage", "SIGN_VERIFY")
        ]
    )["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    kms!(
        "CreateAlias",
        json!({"AliasName": "alias/sign", "TargetKeyId": sign_key}),
        &[]
    );
    let on_sign_key = [
        ("aws:ResourceTag/team", "red"),
        ("kms:KeySpec", "ECC_NIST_P256"),
        ("kms:KeyUsage", "SIGN_VERIFY"),
        ("kms:SigningAlgorithm", "ECDSA_SHA_256"),
        ("kms:MessageType", "RAW"),
        ("kms:RequestAlias", "alias/sign"),
        ("kms:ResourceAliases", "alias/sign"),
    ];
    let signature = kms!(
        "Sign",
        json!({"KeyId": "alias/sign", "Message": "aGk=", "SigningAlgorithm": "ECDSA_SHA_256"}),
        &on_sign_key
    )["Signature"]
        .as_str()
        .unwrap()
        .to_owned();
    kms!(
        "Verify",
        json!({"KeyId": "alias/sign", "Message": "aGk=", "SigningAlgorithm": "ECDSA_SHA_256", "Signature": signature}),
        &on_sign_key
    );
    kms!(
        "GetPublicKey",
        json!({"KeyId": "alias/sign"}),
        &[
            ("kms:RequestAlias", "alias/sign"),
            ("kms:KeySpec", "ECC_NIST_P256")
        ]
    );
    // An ECDH key agreement key, named by an alias of its own; the peer's public key is
    // the signing key's (same curve).
    let agreement_key = kms!(
        "CreateKey",
        json!({"KeySpec": "ECC_NIST_P256", "KeyUsage": "KEY_AGREEMENT",
        "Tags": [{"TagKey": "team", "TagValue": "blue"}]}),
        &[("kms:KeyUsage", "KEY_AGREEMENT")]
    )["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    kms!(
        "CreateAlias",
        json!({"AliasName": "alias/agree", "TargetKeyId": agreement_key}),
        &[]
    );
    let peer = kms!("GetPublicKey", json!({"KeyId": "alias/sign"}), &[])["PublicKey"]
        .as_str()
        .unwrap()
        .to_owned();
    kms!(
        "DeriveSharedSecret",
        json!({"KeyId": "alias/agree", "KeyAgreementAlgorithm": "ECDH", "PublicKey": peer}),
        &[
            ("aws:ResourceTag/team", "blue"),
            ("kms:KeyAgreementAlgorithm", "ECDH"),
            ("kms:KeyUsage", "KEY_AGREEMENT"),
            ("kms:RequestAlias", "alias/agree")
        ]
    );
    kms!("ListKeys", json!({}), &[("kms:CallerAccount", ACCOUNT)]);
    kms!("ListAliases", json!({}), &[("kms:CallerAccount", ACCOUNT)]);
    kms!(
        "GenerateRandom",
        json!({"NumberOfBytes": 8}),
        &[("kms:CallerAccount", ACCOUNT)]
    );
    // A multi-Region key, its replica in eu-west-1, which then becomes the primary.
    let mrk = kms!(
        "CreateKey",
        json!({"MultiRegion": true, "Tags": [{"TagKey": "team", "TagValue": "red"}]}),
        &[("kms:MultiRegion", "true")]
    )["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    kms!(
        "CreateAlias",
        json!({"AliasName": "alias/mrk", "TargetKeyId": mrk}),
        &[]
    );
    kms!(
        "ReplicateKey",
        json!({"KeyId": mrk, "ReplicaRegion": "eu-west-1",
        "Tags": [{"TagKey": "team", "TagValue": "red"}]}),
        &[
            ("kms:ReplicaRegion", "eu-west-1"),
            ("kms:MultiRegion", "true"),
            ("aws:RequestTag/team", "red")
        ]
    );
    kms!(
        "UpdatePrimaryRegion",
        json!({"KeyId": mrk, "PrimaryRegion": "eu-west-1"}),
        &[
            ("kms:PrimaryRegion", "eu-west-1"),
            ("kms:MultiRegion", "true")
        ]
    );
    // A key for imported material: parameters, an import (wrapped here with the
    // wrapping key's public half), and the material's deletion.
    let external = kms!(
        "CreateKey",
        json!({"Origin": "EXTERNAL", "Tags": [{"TagKey": "team", "TagValue": "red"}]}),
        &[("kms:KeyOrigin", "EXTERNAL")]
    )["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    kms!(
        "CreateAlias",
        json!({"AliasName": "alias/external", "TargetKeyId": external}),
        &[]
    );
    let params = kms!(
        "GetParametersForImport",
        json!({"KeyId": external, "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"}),
        &[
            ("kms:WrappingAlgorithm", "RSAES_OAEP_SHA_256"),
            ("kms:WrappingKeySpec", "RSA_2048"),
            ("kms:KeyOrigin", "EXTERNAL")
        ]
    );
    let wrapped = {
        use base64::Engine;
        use rsa::pkcs8::DecodePublicKey;
        let b64 = base64::engine::general_purpose::STANDARD;
        let der = b64.decode(params["PublicKey"].as_str().unwrap()).unwrap();
        let public = rsa::PublicKey::from_public_key_der(&der).unwrap();
        b64.encode(public.oaep_encrypt::<sha2::Sha256>(&[7u8; 32]).unwrap())
    };
    let valid_to = crate::time::Timestamp::now().0 / 1000 + 3600;
    let valid_to_text = valid_to.to_string();
    kms!(
        "ImportKeyMaterial",
        json!({"KeyId": external, "ImportToken": params["ImportToken"], "EncryptedKeyMaterial": wrapped,
        "ExpirationModel": "KEY_MATERIAL_EXPIRES", "ValidTo": valid_to}),
        &[
            ("kms:ExpirationModel", "KEY_MATERIAL_EXPIRES"),
            ("kms:ValidTo", valid_to_text.as_str())
        ]
    );
    kms!(
        "DeleteImportedKeyMaterial",
        json!({"KeyId": external}),
        &[("kms:KeyOrigin", "EXTERNAL")]
    );
    kms!(
        "ListRetirableGrants",
        json!({"RetiringPrincipal": FN_ROLE}),
        &[("kms:CallerAccount", ACCOUNT)]
    );
    // The aliases were taken by the alias operations above; ResourceAliases was checked
    // on the cryptographic operations while the alias existed.
    check_listed(&seen, "KMS", KMS);

    // SecureString through SSM: KMS sees the call as made through SSM.
    {
        let ctx = context(&state);
        call_json(
            &state,
            &ctx,
            "AmazonSSM.PutParameter",
            json!({"Name": "/t/secret", "Value": "s", "Type": "SecureString", "KeyId": other}),
        );
        let record = state
            .iam
            .decisions
            .recent(false)
            .into_iter()
            .find(|r| {
                r.called_by
                    .as_ref()
                    .is_some_and(|c| c.request_id == ctx.request_id)
                    && r.evaluations[0].action == "kms:Encrypt"
            })
            .expect("KMS's decision for SSM, a request of its own linked to SSM's");
        let value = |name: &str| {
            record
                .keys()
                .into_iter()
                .find(|(n, _)| n == &name.to_ascii_lowercase())
                .map(|(_, v)| v.join(","))
        };
        for (name, expected) in [
            ("kms:ViaService", "ssm.us-east-1.amazonaws.com"),
            ("aws:ViaAWSService", "true"),
            (
                "kms:EncryptionContext:PARAMETER_ARN",
                "arn:aws:ssm:us-east-1:123456789012:parameter/t/secret",
            ),
        ] {
            assert_eq!(value(name).as_deref(), Some(expected), "{name}");
        }
        // SSM is not among the services that set aws:CalledVia.
        assert_eq!(value("aws:CalledVia").as_deref(), Some(""), "aws:CalledVia");
    }

    // Lambda.
    macro_rules! lambda {
        ($op:literal, $method:literal, $path:expr, $query:expr, $body:expr, $expect:expr) => {{
            let ctx = context(&state);
            let status = call_lambda(&state, &ctx, $method, $path, $query, $body).await;
            seen.note(&state, $op, &ctx, $expect);
            status
        }};
    }
    let fn_arn = "arn:aws:lambda:us-east-1:123456789012:function:table-fn";
    lambda!(
        "CreateFunction",
        "POST",
        "/2015-03-31/functions",
        None,
        json!({"FunctionName": "table-fn", "Role": FN_ROLE, "Runtime": "provided.al2023", "Handler": "h",
               "Code": {"S3Bucket": "__local__", "S3Key": "/bin/true"}, "Tags": {"team": "red"}}),
        &[
            ("aws:RequestTag/team", "red"),
            ("aws:TagKeys", "team"),
            ("iam:PassedToService", "lambda.amazonaws.com"),
            ("iam:AssociatedResourceArn", fn_arn)
        ]
    );
    let tag = [("aws:ResourceTag/team", "red")];
    lambda!(
        "GetFunction",
        "GET",
        "/2015-03-31/functions/table-fn",
        None,
        json!({}),
        &tag
    );
    lambda!(
        "GetFunctionConfiguration",
        "GET",
        "/2015-03-31/functions/table-fn/configuration",
        None,
        json!({}),
        &tag
    );
    lambda!(
        "UpdateFunctionConfiguration",
        "PUT",
        "/2015-03-31/functions/table-fn/configuration",
        None,
        json!({"Role": FN_ROLE, "Description": "d"}),
        &[
            ("aws:ResourceTag/team", "red"),
            ("iam:PassedToService", "lambda.amazonaws.com"),
            ("iam:AssociatedResourceArn", fn_arn)
        ]
    );
    lambda!(
        "UpdateFunctionCode",
        "PUT",
        "/2015-03-31/functions/table-fn/code",
        None,
        json!({"S3Bucket": "__local__", "S3Key": "/bin/true"}),
        &tag
    );
    let mut dry_run = HeaderMap::new();
    dry_run.insert("x-amz-invocation-type", "DryRun".parse().unwrap());
    {
        let ctx = context(&state);
        let matched =
            crate::lambda::routes::lookup("POST", "/2015-03-31/functions/table-fn/invocations")
                .unwrap();
        let request = LambdaRequest {
            query: None,
            headers: &dry_run,
            body: "{}".into(),
        };
        crate::lambda::api::handle(&state, &ctx, &matched, request).await;
        seen.note(&state, "Invoke", &ctx, &tag);
    }
    lambda!(
        "ListFunctions",
        "GET",
        "/2015-03-31/functions",
        None,
        json!({}),
        &[]
    );
    lambda!(
        "PublishVersion",
        "POST",
        "/2015-03-31/functions/table-fn/versions",
        None,
        json!({}),
        &tag
    );
    lambda!(
        "ListVersionsByFunction",
        "GET",
        "/2015-03-31/functions/table-fn/versions",
        None,
        json!({}),
        &tag
    );
    lambda!(
        "CreateAlias",
        "POST",
        "/2015-03-31/functions/table-fn/aliases",
        None,
        json!({"Name": "live", "FunctionVersion": "1"}),
        &tag
    );
    lambda!(
        "GetAlias",
        "GET",
        "/2015-03-31/functions/table-fn/aliases/live",
        None,
        json!({}),
        &tag
    );
    lambda!(
        "UpdateAlias",
        "PUT",
        "/2015-03-31/functions/table-fn/aliases/live",
        None,
        json!({"Description": "d"}),
        &tag
    );
    lambda!(
        "ListAliases",
        "GET",
        "/2015-03-31/functions/table-fn/aliases",
        None,
        json!({}),
        &tag
    );
    let tags_path = format!("/2017-03-31/tags/{fn_arn}");
    lambda!("ListTags", "GET", &tags_path, None, json!({}), &tag);
    lambda!(
        "UntagResource",
        "DELETE",
        &tags_path,
        Some("tagKeys=team&tagKeys=absent"),
        json!({}),
        &[
            ("aws:ResourceTag/team", "red"),
            ("aws:TagKeys", "team,absent")
        ]
    );
    lambda!(
        "TagResource",
        "POST",
        &tags_path,
        None,
        json!({"Tags": {"team": "red"}}),
        &[("aws:RequestTag/team", "red"), ("aws:TagKeys", "team")]
    );
    lambda!(
        "TagResource",
        "POST",
        &tags_path,
        None,
        json!({"Tags": {"team": "red"}}),
        &[
            ("aws:ResourceTag/team", "red"),
            ("aws:RequestTag/team", "red")
        ]
    );
    lambda!(
        "DeleteAlias",
        "DELETE",
        "/2015-03-31/functions/table-fn/aliases/live",
        None,
        json!({}),
        &tag
    );
    lambda!(
        "DeleteFunction",
        "DELETE",
        "/2015-03-31/functions/table-fn",
        None,
        json!({}),
        &tag
    );
    check_listed(&seen, "Lambda", LAMBDA);

    // STS.
    {
        let ctx = context(&state);
        let body = "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Ftable-assumable&RoleSessionName=walk\
            &ExternalId=partner-7&SourceIdentity=walker\
            &Tags.member.1.Key=team&Tags.member.1.Value=red&TransitiveTagKeys.member.1=team";
        let response = crate::sts::handle(
            &state.iam,
            &ctx,
            &crate::protocol::query::QueryRequest::decode(body.as_bytes()),
        );
        assert_eq!(response.status(), 200);
        seen.note(
            &state,
            "AssumeRole",
            &ctx,
            &[
                ("sts:RoleSessionName", "walk"),
                ("sts:ExternalId", "partner-7"),
                ("sts:SourceIdentity", "walker"),
                ("aws:RequestTag/team", "red"),
                ("aws:TagKeys", "team"),
                ("sts:TransitiveTagKeys", "team"),
            ],
        );
        let actions: BTreeSet<String> = state
            .iam
            .decisions
            .recent(false)
            .into_iter()
            .filter(|r| r.request_id == ctx.request_id)
            .flat_map(|r| r.evaluations)
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            BTreeSet::from(
                ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"].map(String::from)
            )
        );
        // The session's aws:PrincipalTag/team is the session tag, not the role's.
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let xml = String::from_utf8_lossy(&body);
        let between = |open: &str, close: &str| {
            let start = xml.find(open).unwrap() + open.len();
            xml[start..start + xml[start..].find(close).unwrap()].to_owned()
        };
        let key_id = between("<AccessKeyId>", "</AccessKeyId>");
        let session = state.iam.lookup_key(&key_id).unwrap();
        let caller = state.iam.caller_for(&session).unwrap();
        let session_ctx = RequestContext::new("us-east-1", ACCOUNT, caller, None);
        crate::ssm::authorize(
            &*state,
            &session_ctx,
            "ssm:GetParameter",
            "arn:aws:ssm:us-east-1:123456789012:parameter/x",
        )
        .unwrap();
        seen.note(
            &state,
            "a tagged session's call",
            &session_ctx,
            &[("aws:PrincipalTag/team", "red")],
        );
    }
    {
        let ctx = context(&state);
        let body = "Action=GetAccessKeyInfo&Version=2011-06-15&AccessKeyId=AKIATABLEWALKER00001";
        let response = crate::sts::handle(
            &state.iam,
            &ctx,
            &crate::protocol::query::QueryRequest::decode(body.as_bytes()),
        );
        assert_eq!(response.status(), 200);
        seen.note(&state, "GetAccessKeyInfo", &ctx, &[]);
    }
    check_listed(&seen, "STS", STS);

    // A function's execution environment: its calls carry lambda:SourceFunctionArn.
    {
        let role = state.iam.directory().role_by_arn(FN_ROLE).unwrap().clone();
        let session = state.iam.start_function_session(
            &role,
            "table-fn",
            fn_arn,
            3600,
            time::OffsetDateTime::now_utc(),
        );
        let caller = state.iam.caller_for(&session).unwrap();
        let ctx = RequestContext::new("us-east-1", ACCOUNT, caller, None);
        crate::ssm::authorize(
            &*state,
            &ctx,
            "ssm:GetParameter",
            "arn:aws:ssm:us-east-1:123456789012:parameter/x",
        )
        .unwrap();
        let keys = seen.note(
            &state,
            "a function's call",
            &ctx,
            &[("lambda:SourceFunctionArn", fn_arn)],
        );
        assert_eq!(keys["aws:principaltype"], ["AssumedRole"]);
        // Other callers' requests do not carry it.
        let ctx = context(&state);
        crate::ssm::authorize(
            &*state,
            &ctx,
            "ssm:GetParameter",
            "arn:aws:ssm:us-east-1:123456789012:parameter/x",
        )
        .unwrap();
        let keys = seen.note(&state, "a user's call", &ctx, &[]);
        assert!(!keys.contains_key("lambda:sourcefunctionarn"));
    }
}

/// The tables name every implemented operation, and nothing else.
#[test]
fn the_tables_cover_every_implemented_operation() {
    let names = |table: &[Operation]| table.iter().map(|o| o.name).collect::<BTreeSet<_>>();
    let ssm: BTreeSet<&str> = crate::ssm::TABLE
        .operations
        .iter()
        .map(|(n, _)| n.trim_start_matches("AmazonSSM."))
        .collect();
    assert_eq!(names(SSM), ssm);
    let kms: BTreeSet<&str> = crate::kms::TABLE
        .operations
        .iter()
        .map(|(n, _)| n.trim_start_matches("TrentService."))
        .collect();
    assert_eq!(names(KMS), kms);
    let lambda: BTreeSet<&str> = crate::lambda::routes::ROUTES
        .iter()
        .filter(|r| r.operation.is_some())
        .map(|r| r.name)
        .collect();
    assert_eq!(names(LAMBDA), lambda);
    assert_eq!(
        names(STS),
        BTreeSet::from([
            "AssumeRole",
            "GetAccessKeyInfo",
            "GetCallerIdentity",
            "GetSessionToken"
        ])
    );
    let iam: BTreeSet<&str> = crate::iam_api::TABLE
        .operations
        .iter()
        .map(|(n, _)| n.trim_start_matches("IAM."))
        .collect();
    assert_eq!(names(IAM), iam);
    for operation in IAM {
        assert_eq!(operation.actions, [format!("iam:{}", operation.name)]);
    }
}
