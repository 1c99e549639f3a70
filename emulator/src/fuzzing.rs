//! Fuzz targets: each takes arbitrary bytes and drives one of the parsers a request or a
//! fixture reaches, checking that bad input gets an answer (never a panic, a hang or a
//! server fault).
//!
//! The same functions serve two runners: the `fuzz/` crate (libFuzzer through `cargo
//! fuzz`, on nightly; `scripts/fuzz.sh`), and the unit tests below, which replay on stable
//! every input committed under `fuzz/corpus/` and `fuzz/regressions/` in `cargo test`, so
//! a crash once found stays fixed. Compiled only for tests and with the `fuzzing`
//! feature: the emulator itself carries none of it.

use crate::config::Config;
use crate::fixtures;
use crate::iam::policy::{
    decide_identity, decide_with_resource_policy, ContextKeys, NamedPolicy, PolicyDocument,
    Principal, Request,
};
use crate::server::{app, AppState};
use crate::state::EmulatorState;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// A fuzz target: it takes any bytes and panics only on a bug.
pub type Target = fn(&[u8]);

/// The fuzz targets by name (the `fuzz/fuzz_targets/NAME.rs` files and corpus folders).
pub const TARGETS: &[(&str, Target)] = &[
    ("http_request", http_request),
    ("sigv4", sigv4),
    ("policy", policy),
    ("kms_ciphertext", kms_ciphertext),
    ("fixture", fixture),
    ("template", template),
];

/// The emulator a fuzzed request reaches: the reference scenario's world (its keys,
/// policies and parameters), without its function (whose fixture builds a crate).
fn emulator() -> &'static AppState {
    static STATE: OnceLock<AppState> = OnceLock::new();
    STATE.get_or_init(|| {
        let config = Config::default();
        let path = Path::new("world.yaml");
        let text = include_str!("../../fixtures/parameter-store-blog/world.yaml");
        let mut world = fixtures::Fixtures::default();
        let parsed = fixtures::parse(path, text).expect("the scenario's world parses");
        fixtures::merge(&mut world, path, parsed, &config.account).expect("it merges");
        Arc::new(EmulatorState::from_fixtures(config, world).expect("it loads")).into()
    })
}

/// A whole HTTP request to every route the emulator serves. The input reads as
/// `METHOD PATH?QUERY`, header lines `name: value`, an empty line, then the body; input
/// that does not make an HTTP request is not one a client could send.
pub fn http_request(data: &[u8]) {
    if let Some(status) = answer(data) {
        // A server fault would be the emulator's bug, not the client's: every input
        // deserves a client error (or an answer).
        assert_ne!(status.as_u16(), 500, "a server fault for a client's input");
    }
}

/// The status the emulator answers an input of [`http_request`] with, if it makes a
/// request.
fn answer(data: &[u8]) -> Option<axum::http::StatusCode> {
    let (request, body) = split_request(data)?;
    // Invocations start processes: the Lambda runtime is fuzzed up to its door.
    if request.uri().path().ends_with("/invocations") {
        return None;
    }
    let request = request.map(|()| axum::body::Body::from(body.to_vec()));
    thread_local! {
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
    }
    let status = RUNTIME.with(|runtime| {
        runtime.block_on(async {
            use tower::ServiceExt;
            let service = app(emulator().clone());
            match service.oneshot(request).await {
                Ok(response) => response.status(),
                Err(never) => match never {},
            }
        })
    });
    Some(status)
}

/// Splits input into a request head and body (see [`http_request`]).
fn split_request(data: &[u8]) -> Option<(axum::http::Request<()>, &[u8])> {
    let (head, body) = match find(data, b"\n\n") {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &data[data.len()..]),
    };
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.lines();
    let (method, target) = lines.next()?.split_once(' ')?;
    let mut builder = axum::http::Request::builder().method(method).uri(target);
    for line in lines {
        let (name, value) = line.split_once(':')?;
        builder = builder.header(name.trim(), value.trim());
    }
    Some((builder.body(()).ok()?, body))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The SigV4 parser (an `Authorization` header, or a presigned URL's query) and, when it
/// parses, the verification of the signature, the time and the scope. The input reads as
/// in [`http_request`].
pub fn sigv4(data: &[u8]) {
    use crate::auth::sigv4::{check_scope, parse, verify, SignedRequest};
    let Some((request, body)) = split_request(data) else {
        return;
    };
    let signed = SignedRequest {
        method: request.method().as_str(),
        path: request.uri().path(),
        query: request.uri().query().unwrap_or(""),
        headers: request.headers(),
        body,
    };
    if let Ok(parts) = parse(&signed) {
        let _ = check_scope(&parts.scope, Some("ssm"));
        let now = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("a time");
        let _ = verify(
            &signed,
            &parts,
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            now,
        );
    }
}

/// The policy grammar and, for a document that parses, its evaluation as an identity
/// policy and as a resource (key) policy, for a role session with some condition keys.
pub fn policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(document) = PolicyDocument::parse(text) else {
        return;
    };
    let principal = Principal {
        arn: "arn:aws:sts::123456789012:assumed-role/app/session".to_owned(),
        account: "123456789012".to_owned(),
        role_arn: Some("arn:aws:iam::123456789012:role/app".to_owned()),
        service: None,
    };
    let mut context = ContextKeys::new();
    context.insert("aws:PrincipalArn", "arn:aws:iam::123456789012:role/app");
    context.insert("aws:SourceIp", "192.0.2.7");
    context.insert("aws:CurrentTime", "2026-11-30T12:00:00Z");
    context.insert("aws:EpochTime", "1796040000");
    context.insert("aws:SecureTransport", "false");
    context.insert_many(
        "kms:EncryptionContextKeys",
        vec!["PARAMETER_ARN".to_owned(), "x".to_owned()],
    );
    let request = Request {
        action: "kms:Decrypt",
        resource: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        principal: &principal,
        context: &context,
    };
    let named = NamedPolicy {
        name: "fuzzed",
        document: &document,
    };
    let identity = decide_identity(std::slice::from_ref(&named), &request, false);
    let resource = decide_with_resource_policy(&[], &named, &request, false);
    // Every decision carries its reason when it allows.
    for decision in [identity, resource] {
        if decision.outcome == crate::iam::policy::Outcome::Allow {
            assert!(decision.reason.is_some(), "an allow without its statement");
        }
    }
}

/// The KMS ciphertext blob reader and decryption with a fixed key.
pub fn kms_ciphertext(data: &[u8]) {
    use crate::kms::crypto::{decrypt, read_header, KeyMaterial};
    let Some((_header, nonce_offset)) = read_header(data) else {
        return;
    };
    let material = KeyMaterial([7; 32]);
    let context = std::collections::BTreeMap::from([("k".to_owned(), "v".to_owned())]);
    assert!(
        decrypt(&material, data, nonce_offset, &context).is_none(),
        "a forged blob decrypted"
    );
}

/// The fixture loader: YAML (or JSON) parsed, merged and turned into a world, with every
/// policy, key and parameter in it validated. Files declaring functions stop after the
/// merge (a function fixture may name a crate to build).
pub fn fixture(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzzed.yaml");
    let Ok(parsed) = fixtures::parse(path, text) else {
        return;
    };
    let has_functions = !parsed.functions.is_empty();
    let config = Config::default();
    let mut world = fixtures::Fixtures::default();
    if fixtures::merge(&mut world, path, parsed, &config.account).is_err() || has_functions {
        return;
    }
    let _ = EmulatorState::from_fixtures(config, world);
}

/// A CloudFormation or SAM template body (YAML with short tags, or JSON), through every
/// step that runs before anything is created: parsing, the SAM transform, the whole
/// template's checks, parameters (defaults only; `AWS::SSM::Parameter::Value` types read
/// nothing), conditions and the creation order.
pub fn template(data: &[u8]) {
    use crate::cfn::{error::CfnError, template};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(t) = template::Template::load(text) else {
        return;
    };
    let no_ssm = |name: &str| -> Result<String, CfnError> {
        Err(CfnError::Validation(format!("no parameter {name}")))
    };
    let Ok(values) = template::resolve_parameters(&t, &Default::default(), &no_ssm) else {
        return;
    };
    let mut parameters =
        template::pseudo_parameters("123456789012", "us-east-1", "fuzzed", "stack/fuzzed/1");
    parameters.extend(values.values);
    if let Ok(conditions) = template::evaluate_conditions(&t, &parameters, "us-east-1") {
        let _ = t.creation_order(Some(&conditions));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every committed input of every target: the corpus the fuzzer grew, and each crash
    /// it found (kept as a regression).
    #[test]
    fn every_committed_fuzz_input_is_answered() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
        for (name, target) in TARGETS {
            let mut inputs = 0;
            for folder in ["corpus", "regressions"] {
                let Ok(entries) = std::fs::read_dir(root.join(folder).join(name)) else {
                    continue;
                };
                for entry in entries {
                    let path = entry.expect("a directory entry").path();
                    let data = std::fs::read(&path).expect("a fuzz input");
                    let outcome = std::panic::catch_unwind(|| target(&data));
                    assert!(outcome.is_ok(), "{name}: {} fails", path.display());
                    inputs += 1;
                }
            }
            assert!(
                inputs > 0,
                "{name}: no committed input (fuzz/corpus/{name})"
            );
        }
    }

    #[test]
    fn the_request_seed_reaches_an_operation() {
        // The input format is what the seeds rely on: a well-formed request gets the
        // operation's answer, not a parse failure of the harness.
        let seed = b"POST /\nhost: localhost\ncontent-type: application/x-amz-json-1.1\nx-amz-target: AmazonSSM.GetParameter\n\n{\"Name\":\"/nope\"}";
        let (request, body) = split_request(seed).expect("the seed splits");
        assert_eq!(request.headers()["x-amz-target"], "AmazonSSM.GetParameter");
        assert_eq!(body, b"{\"Name\":\"/nope\"}");
        // ParameterNotFound: the request passed the guard and reached GetParameter.
        assert_eq!(answer(seed).map(|s| s.as_u16()), Some(400));
        let health = b"GET /_emulator/health\nhost: localhost\n\n";
        assert_eq!(answer(health).map(|s| s.as_u16()), Some(200));
    }

    #[test]
    #[should_panic(expected = "a forged blob decrypted")]
    fn the_ciphertext_oracle_can_fail() {
        use crate::kms::crypto::{encrypt, BlobHeader, KeyMaterial};
        let header = BlobHeader {
            key_id: "k".to_owned(),
            material_version: 0,
        };
        let context = std::collections::BTreeMap::from([("k".to_owned(), "v".to_owned())]);
        kms_ciphertext(&encrypt(&KeyMaterial([7; 32]), &header, b"x", &context));
    }
}
