//! Concurrency: many clients at once mixing parameter writes, labels, deletes and path
//! reads, KMS key state changes with Encrypt/Decrypt and SecureStrings under that key, and
//! Lambda invocations beyond the concurrency limit; then the invariants that must hold
//! whatever the interleaving: versions contiguous, each label on one version, no
//! acknowledged write lost or changed, every read consistent with the final history,
//! every ciphertext decrypting, no answer outside the documented errors, no deadlock,
//! and no function process left behind.

use crate::common::{code_of, endpoint, in_process, raw, ssm, unique};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_ssm::types::{ParameterTier, ParameterType};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The bound on the whole storm: long enough for a loaded CI machine, short enough that
/// a deadlock fails the test instead of hanging the suite.
const STORM_LIMIT: Duration = Duration::from_secs(180);

/// A small deterministic generator per task (xorshift64), so a failing interleaving's
/// choices can be read back from the task number.
struct Dice(u64);

impl Dice {
    fn new(task: u64) -> Dice {
        Dice(0x9E37_79B9_7F4A_7C15 ^ (task + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9))
    }

    fn roll(&mut self, sides: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % sides
    }
}

/// What the clients were told and what they saw.
#[derive(Default)]
struct Ledger {
    /// (name, version) → value of every acknowledged PutParameter.
    puts: BTreeMap<(String, i64), String>,
    /// (name, label) → the versions it was acknowledged on.
    labels: BTreeMap<(String, String), BTreeSet<i64>>,
    /// (name, version, value) seen by GetParametersByPath.
    reads: Vec<(String, i64, String)>,
    /// (ciphertext, plaintext) of every acknowledged Encrypt.
    ciphertexts: Vec<(Vec<u8>, Vec<u8>)>,
}

const EXPIRATION: &str = r#"[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2035-01-01T00:00:00.000Z"}}]"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_storm_of_mixed_operations_keeps_every_invariant() {
    endpoint();
    let config = aws_config::load_from_env().await;
    let ssm_client = ssm().await;
    let kms = aws_sdk_kms::Client::new(&config);
    let prefix = unique("/e2e/storm/");
    // Parameters that are only written (their history is checked whole), parameters that
    // are also deleted (their answers are checked), and SecureStrings under a key whose
    // state changes meanwhile.
    let kept: Vec<String> = (0..3).map(|i| format!("{prefix}/kept/p{i}")).collect();
    let churned: Vec<String> = (0..2).map(|i| format!("{prefix}/churn/p{i}")).collect();
    let secret = format!("{prefix}/secret");
    let key = kms
        .create_key()
        .description("concurrency test key")
        .send()
        .await
        .expect("create key")
        .key_metadata
        .expect("metadata")
        .key_id;
    let ledger = Arc::new(Mutex::new(Ledger::default()));

    let tasks: Vec<_> = (0..12u64)
        .map(|task| {
            let ssm_client = ssm_client.clone();
            let kms = kms.clone();
            let (kept, churned, secret, key, prefix) = (
                kept.clone(),
                churned.clone(),
                secret.clone(),
                key.clone(),
                prefix.clone(),
            );
            let ledger = Arc::clone(&ledger);
            tokio::spawn(async move {
                let mut dice = Dice::new(task);
                for step in 0..20u64 {
                    let value = format!("t{task}s{step}");
                    match dice.roll(8) {
                        // Overwrite a kept parameter, a third of the time with a policy.
                        0 | 1 => {
                            let name = &kept[dice.roll(kept.len() as u64) as usize];
                            let mut put = ssm_client
                                .put_parameter()
                                .name(name)
                                .value(&value)
                                .r#type(ParameterType::String)
                                .tier(ParameterTier::Advanced)
                                .overwrite(true);
                            if dice.roll(3) == 0 {
                                put = put.policies(EXPIRATION);
                            }
                            let out = put.send().await.unwrap_or_else(|e| {
                                panic!("task {task} step {step}: put {name}: {e:?}")
                            });
                            let mut ledger = ledger.lock().unwrap();
                            let previous = ledger.puts.insert((name.clone(), out.version), value);
                            assert!(
                                previous.is_none(),
                                "version {} of {name} given twice",
                                out.version
                            );
                        }
                        // Move a label onto a version this task saw acknowledged.
                        2 => {
                            let name = &kept[dice.roll(kept.len() as u64) as usize];
                            let known: Vec<i64> = ledger
                                .lock()
                                .unwrap()
                                .puts
                                .keys()
                                .filter(|(n, _)| n == name)
                                .map(|(_, v)| *v)
                                .collect();
                            if known.is_empty() {
                                continue;
                            }
                            let version = known[dice.roll(known.len() as u64) as usize];
                            let label = format!("L{}", dice.roll(3));
                            let out = ssm_client
                                .label_parameter_version()
                                .name(name)
                                .parameter_version(version)
                                .labels(&label)
                                .send()
                                .await
                                .unwrap_or_else(|e| {
                                    panic!("task {task} step {step}: label {name}:{version}: {e:?}")
                                });
                            assert!(out.invalid_labels().is_empty(), "{out:?}");
                            ledger
                                .lock()
                                .unwrap()
                                .labels
                                .entry((name.clone(), label))
                                .or_default()
                                .insert(version);
                        }
                        // Create, overwrite or delete a churned parameter.
                        3 => {
                            let name = &churned[dice.roll(churned.len() as u64) as usize];
                            if dice.roll(2) == 0 {
                                ssm_client
                                    .put_parameter()
                                    .name(name)
                                    .value(&value)
                                    .r#type(ParameterType::String)
                                    .overwrite(true)
                                    .send()
                                    .await
                                    .unwrap_or_else(|e| panic!("put {name}: {e:?}"));
                            } else {
                                let deleted = ssm_client.delete_parameter().name(name).send().await;
                                if let Err(e) = &deleted {
                                    assert_eq!(
                                        e.as_service_error().and_then(|e| e.meta().code()),
                                        Some("ParameterNotFound"),
                                        "{e:?}"
                                    );
                                }
                            }
                        }
                        // Read the whole tree.
                        4 => {
                            let pages: Vec<_> = ssm_client
                                .get_parameters_by_path()
                                .path(&prefix)
                                .recursive(true)
                                .into_paginator()
                                .send()
                                .collect::<Vec<_>>()
                                .await;
                            let mut ledger = ledger.lock().unwrap();
                            for page in pages {
                                let page = page.unwrap_or_else(|e| panic!("by path: {e:?}"));
                                for p in page.parameters() {
                                    let name = p.name().unwrap_or_default().to_owned();
                                    if kept.contains(&name) {
                                        let value = p.value().unwrap_or_default().to_owned();
                                        ledger.reads.push((name, p.version(), value));
                                    }
                                }
                            }
                        }
                        // Change the key's state.
                        5 => {
                            if dice.roll(2) == 0 {
                                let disabled = kms.disable_key().key_id(&key).send().await;
                                disabled.unwrap_or_else(|e| panic!("disable: {e:?}"));
                            } else {
                                let enabled = kms.enable_key().key_id(&key).send().await;
                                enabled.unwrap_or_else(|e| panic!("enable: {e:?}"));
                            }
                        }
                        // Encrypt under the key, which may be disabled just now.
                        6 => {
                            let plaintext = value.clone().into_bytes();
                            match kms
                                .encrypt()
                                .key_id(&key)
                                .plaintext(Blob::new(plaintext.clone()))
                                .send()
                                .await
                            {
                                Ok(out) => {
                                    let blob = out.ciphertext_blob.expect("ciphertext");
                                    ledger
                                        .lock()
                                        .unwrap()
                                        .ciphertexts
                                        .push((blob.into_inner(), plaintext));
                                }
                                Err(e) => assert!(
                                    e.as_service_error()
                                        .is_some_and(|e| e.is_disabled_exception()),
                                    "encrypt: {e:?}"
                                ),
                            }
                        }
                        // A SecureString under the key, which may be disabled just now.
                        _ => {
                            let put = ssm_client
                                .put_parameter()
                                .name(&secret)
                                .value(&value)
                                .r#type(ParameterType::SecureString)
                                .key_id(&key)
                                .overwrite(true)
                                .send()
                                .await;
                            match put {
                                Ok(out) => {
                                    let mut ledger = ledger.lock().unwrap();
                                    let previous =
                                        ledger.puts.insert((secret.clone(), out.version), value);
                                    assert!(previous.is_none(), "version {} twice", out.version);
                                }
                                // SSM's answer when the key is disabled.
                                Err(e) => assert_eq!(
                                    code_of(Err::<(), _>(e)),
                                    "InvalidKeyId",
                                    "a SecureString put fails only for the disabled key"
                                ),
                            }
                        }
                    }
                }
            })
        })
        .collect();
    let lambda_storm = tokio::spawn(lambda_at_its_limit());
    tokio::time::timeout(STORM_LIMIT, async {
        for task in tasks {
            task.await.expect("a client task panicked");
        }
    })
    .await
    .expect("the storm ends: no deadlock");
    let leftover = tokio::time::timeout(STORM_LIMIT, lambda_storm)
        .await
        .expect("the Lambda storm ends: no deadlock")
        .expect("the Lambda storm panicked");

    // Every acknowledged write is there, unchanged, in contiguous versions.
    kms.enable_key().key_id(&key).send().await.expect("enable");
    // Every task has ended: the ledger is ours alone.
    let ledger = std::mem::take(&mut *ledger.lock().unwrap());
    // The dice gave every kind of operation its share (the storm did happen).
    assert!(ledger.puts.len() >= 40, "{} puts", ledger.puts.len());
    assert!(ledger.labels.len() >= 3, "{} labels", ledger.labels.len());
    assert!(ledger.reads.len() >= 10, "{} reads", ledger.reads.len());
    assert!(!ledger.ciphertexts.is_empty(), "no ciphertext");
    let mut names: Vec<String> = kept.clone();
    names.push(secret.clone());
    for name in &names {
        let history = history(&ssm_client, name).await;
        let versions: Vec<i64> = history.iter().map(|(v, ..)| *v).collect();
        let expected: Vec<i64> = (1..=versions.len() as i64).collect();
        assert_eq!(versions, expected, "{name}: versions contiguous from 1");
        let acknowledged = ledger.puts.keys().filter(|(n, _)| n == name).count();
        assert_eq!(
            versions.len(),
            acknowledged,
            "{name}: one version per acknowledged put"
        );
        for (version, value, labels) in &history {
            assert_eq!(
                ledger.puts.get(&(name.clone(), *version)),
                Some(value),
                "{name}:{version} holds what its put was told"
            );
            for label in labels {
                let acknowledged = &ledger.labels[&(name.clone(), label.clone())];
                assert!(
                    acknowledged.contains(version),
                    "{name}: {label} on {version}"
                );
            }
        }
        // Each label on exactly one version.
        let mut seen = BTreeSet::new();
        for (_, _, labels) in &history {
            for label in labels {
                assert!(
                    seen.insert(label.clone()),
                    "{name}: {label} on two versions"
                );
            }
        }
        for (n, label) in ledger.labels.keys() {
            if n == name {
                assert!(seen.contains(label), "{name}: acknowledged {label} kept");
            }
        }
    }
    for (name, version, value) in &ledger.reads {
        assert_eq!(
            ledger.puts.get(&(name.clone(), *version)),
            Some(value),
            "a read of {name}:{version} saw an acknowledged value"
        );
    }
    for (blob, plaintext) in &ledger.ciphertexts {
        let out = kms
            .decrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .send()
            .await
            .expect("every acknowledged ciphertext decrypts");
        assert_eq!(
            out.plaintext.expect("plaintext").as_ref(),
            plaintext.as_slice()
        );
    }
    for name in &churned {
        if let Ok(history) = try_history(&ssm_client, name).await {
            let versions: Vec<i64> = history.iter().map(|(v, ..)| *v).collect();
            let expected: Vec<i64> = (1..=versions.len() as i64).collect();
            assert_eq!(versions, expected, "{name}: versions contiguous from 1");
        }
    }
    assert!(leftover.is_empty(), "function processes left: {leftover:?}");
}

type History = Vec<(i64, String, Vec<String>)>;

/// A parameter's whole history, decrypted: (version, value, labels).
async fn history(client: &aws_sdk_ssm::Client, name: &str) -> History {
    try_history(client, name)
        .await
        .unwrap_or_else(|e| panic!("history of {name}: {e}"))
}

async fn try_history(client: &aws_sdk_ssm::Client, name: &str) -> Result<History, String> {
    let pages: Vec<_> = client
        .get_parameter_history()
        .name(name)
        .with_decryption(true)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    let mut history = Vec::new();
    for page in pages {
        let page = page.map_err(|e| format!("{e:?}"))?;
        for p in page.parameters() {
            history.push((
                p.version(),
                p.value().unwrap_or_default().to_owned(),
                p.labels().to_vec(),
            ));
        }
    }
    history.sort_by_key(|(v, ..)| *v);
    Ok(history)
}

/// Invokes one function with more callers than it has environments, three rounds; each
/// call succeeds or is throttled (429), nothing else. Then deletes the function and
/// returns the processes of it still running a moment later (only looked at when the
/// emulator runs in this process).
async fn lambda_at_its_limit() -> Vec<u64> {
    let config = aws_config::load_from_env().await;
    let client = aws_sdk_lambda::Client::from_conf(
        aws_sdk_lambda::config::Builder::from(&config)
            .retry_config(aws_sdk_lambda::config::retry::RetryConfig::disabled())
            .build(),
    );
    let name = unique("storm-");
    client
        .create_function()
        .function_name(&name)
        .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
        .role("arn:aws:iam::123456789012:role/lambda-test-role")
        .handler("bootstrap")
        .code(crate::lambda::zipped(env!("CARGO_BIN_EXE_echo")))
        .send()
        .await
        .expect("create the storm's function");
    let (_, _, health) = raw("GET", "/_emulator/health", &[], b"").await;
    let health: Value = serde_json::from_str(&health).expect("health JSON");
    let limit = health["lambda"]["maxEnvironments"].as_u64().expect("limit") as usize;
    let mut pids = BTreeSet::new();
    let mut succeeded = 0;
    for _round in 0..3 {
        let calls: Vec<_> = (0..limit * 2)
            .map(|_| {
                let client = client.clone();
                let name = name.clone();
                tokio::spawn(async move {
                    client
                        .invoke()
                        .function_name(&name)
                        .payload(aws_sdk_lambda::primitives::Blob::new(
                            r#"{"sleep_ms": 200}"#,
                        ))
                        .send()
                        .await
                })
            })
            .collect();
        for call in calls {
            match call.await.expect("invoke task") {
                Ok(out) => {
                    assert_eq!(out.function_error(), None, "{out:?}");
                    let body: Value =
                        serde_json::from_slice(out.payload().expect("payload").as_ref())
                            .expect("JSON payload");
                    pids.insert(body["pid"].as_u64().expect("pid"));
                    succeeded += 1;
                }
                Err(e) => assert!(
                    e.as_service_error()
                        .is_some_and(|e| e.is_too_many_requests_exception()),
                    "invoke: {e:?}"
                ),
            }
        }
    }
    assert!(
        succeeded >= limit,
        "at least one round's worth ran: {succeeded}"
    );
    assert!(
        pids.len() <= limit,
        "never more environments than the limit: {pids:?}"
    );
    client
        .delete_function()
        .function_name(&name)
        .send()
        .await
        .expect("delete the storm's function");
    if !in_process() {
        return Vec::new();
    }
    // Deleting stops idle environments; give the supervisor a moment to reap them.
    for _ in 0..100 {
        let left: Vec<u64> = pids
            .iter()
            .copied()
            .filter(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists())
            .collect();
        if left.is_empty() {
            return left;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    pids.into_iter()
        .filter(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists())
        .collect()
}
