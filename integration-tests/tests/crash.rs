//! Crashes: a storm of concurrent PutParameter calls (String and SecureString, under the
//! AWS managed key and under a customer key) against an emulator process with
//! `--state-dir`, killed with SIGKILL at a random moment, several times, and restarted
//! on the same directory. After each restart: every write whose answer was received is
//! there with the version it was given and its value; every version present is one that
//! a client sent (nothing half-written), versions are contiguous; every SecureString of
//! every earlier life still decrypts, and the customer key still decrypts what it
//! encrypted before the first kill.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_ssm::types::ParameterType;
use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Lives of the emulator, each ended by SIGKILL.
const KILLS: usize = 4;
/// Concurrent writers.
const WRITERS: u64 = 12;
/// Parameter names shared by the writers (so that they race for versions).
const NAMES: u64 = 32;
/// The versions Parameter Store keeps of a parameter (the oldest go first).
const KEPT: usize = 100;
/// The whole test's bound: a hang fails it rather than the suite.
const LIMIT: Duration = Duration::from_secs(50);

/// An emulator process, killed when dropped (a failing assertion leaves nothing behind).
struct Emulator {
    child: Child,
    endpoint: String,
}

impl Emulator {
    fn start(dir: &Path) -> Emulator {
        let mut child = Command::new(env!("CARGO_BIN_EXE_emulator-process"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--no-default-fixtures",
                "--state-dir",
            ])
            .arg(dir)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the emulator starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        // The banner names the bound address: "Emulator ready at http://127.0.0.1:PORT".
        // Standard output is read to its end (a closed pipe would kill the emulator).
        let (found, endpoint) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.trim().strip_prefix("Emulator ready at ") {
                    let _ = found.send(rest.trim().to_owned());
                }
            }
        });
        let endpoint = endpoint
            .recv_timeout(Duration::from_secs(20))
            .expect("the emulator printed its endpoint (did it refuse to start?)");
        Emulator { child, endpoint }
    }

    /// SIGKILL: no shutdown code runs.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL is sent");
        self.child.wait().expect("the process is reaped");
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_ssm::config::SharedCredentialsProvider::new(
            aws_sdk_ssm::config::Credentials::new("test", "test", None, None, "crash-test"),
        ))
        // One attempt: a call cut by the kill must not be sent again to the next life.
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(10))
                .build(),
        )
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build()
}

/// A small deterministic generator per writer (xorshift64).
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % sides
    }
}

#[derive(Default, Clone)]
struct Ledger {
    /// (name, version) → value, of every answered PutParameter.
    acknowledged: BTreeMap<(String, i64), String>,
    /// Every value a client sent, answered or not.
    sent: BTreeSet<String>,
    /// Answered writes, per life.
    per_life: Vec<usize>,
}

fn name_of(n: u64) -> (String, bool) {
    // A third of the names are SecureStrings, half of them under the customer key.
    (format!("/crash/p{n:02}"), n.is_multiple_of(3))
}

/// One life's storm: writers until the kill, which comes at a random moment.
async fn storm(endpoint: &str, life: usize, key_id: &str, ledger: &Arc<Mutex<Ledger>>) {
    let ssm = aws_sdk_ssm::Client::new(&sdk_config(endpoint));
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let (ssm, ledger, key_id) = (ssm.clone(), Arc::clone(ledger), key_id.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ ((life as u64) << 32 | (writer + 1)));
            let mut sequence = 0u64;
            // Until the kill: it cuts the calls in flight and refuses the next ones.
            loop {
                let n = dice.roll(NAMES);
                let (name, secure) = name_of(n);
                let value = format!("life{life}-w{writer}-s{sequence}");
                sequence += 1;
                ledger.lock().unwrap().sent.insert(value.clone());
                let mut put = ssm
                    .put_parameter()
                    .name(&name)
                    .value(&value)
                    .overwrite(true);
                put = if secure {
                    let put = put.r#type(ParameterType::SecureString);
                    if n.is_multiple_of(2) {
                        put.key_id(&key_id)
                    } else {
                        put
                    }
                } else {
                    put.r#type(ParameterType::String)
                };
                match put.send().await {
                    Ok(answer) => {
                        let mut ledger = ledger.lock().unwrap();
                        ledger.acknowledged.insert((name, answer.version()), value);
                        *ledger.per_life.last_mut().unwrap() += 1;
                    }
                    Err(_) => break,
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("a writer does not panic");
    }
}

/// Every version of a parameter, oldest first, decrypted.
async fn history(ssm: &aws_sdk_ssm::Client, name: &str) -> Vec<(i64, String)> {
    let mut versions = Vec::new();
    let mut token = None;
    loop {
        let page = ssm
            .get_parameter_history()
            .name(name)
            .with_decryption(true)
            .set_next_token(token)
            .send()
            .await;
        let page = match page {
            Ok(page) => page,
            // Never written, or every write lost (the caller tells which).
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_parameter_not_found()) =>
            {
                return Vec::new()
            }
            Err(e) => panic!("the history of {name} reads and decrypts: {e:?}"),
        };
        for p in page.parameters() {
            versions.push((p.version(), p.value().unwrap_or_default().to_owned()));
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    versions
}

/// What must hold after a restart.
async fn check(endpoint: &str, ledger: &Ledger, life: usize) {
    let ssm = aws_sdk_ssm::Client::new(&sdk_config(endpoint));
    for n in 0..NAMES {
        let (name, _) = name_of(n);
        let versions = history(&ssm, &name).await;
        let expected: Vec<(&i64, &String)> = ledger
            .acknowledged
            .range((name.clone(), i64::MIN)..=(name.clone(), i64::MAX))
            .map(|((_, version), value)| (version, value))
            .collect();
        if versions.is_empty() {
            assert!(
                expected.is_empty(),
                "{name}: acknowledged writes lost whole (life {life})"
            );
            continue;
        }
        // From version 1, unless the oldest were dropped to keep 100.
        assert!(
            versions[0].0 == 1 || versions.len() == KEPT,
            "{name}: the history starts at version {} with {} versions",
            versions[0].0,
            versions.len()
        );
        for pair in versions.windows(2) {
            assert_eq!(pair[1].0, pair[0].0 + 1, "{name}: versions are contiguous");
        }
        for (version, value) in &versions {
            assert!(
                ledger.sent.contains(value),
                "{name} v{version}: {value:?} is not a value any client sent (half-written?)"
            );
        }
        for (version, value) in expected {
            if *version < versions[0].0 {
                continue;
            }
            let found = versions.iter().find(|(v, _)| v == version);
            assert_eq!(
                found.map(|(_, v)| v),
                Some(value),
                "{name} v{version}: an acknowledged write is missing or changed after kill {life}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_sigkill_and_restart() {
    let started = Instant::now();
    let dir = std::env::temp_dir().join(format!("emulator-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    // Before the first kill: a customer key, and a ciphertext made under it.
    let emulator = Emulator::start(&dir);
    let kms = aws_sdk_kms::Client::new(&sdk_config(&emulator.endpoint));
    let key_id = kms
        .create_key()
        .send()
        .await
        .expect("CreateKey")
        .key_metadata()
        .expect("metadata")
        .key_id()
        .to_owned();
    let plaintext = b"made before the first kill".to_vec();
    let ciphertext = kms
        .encrypt()
        .key_id(&key_id)
        .plaintext(Blob::new(plaintext.clone()))
        .send()
        .await
        .expect("Encrypt")
        .ciphertext_blob()
        .expect("a ciphertext")
        .clone();
    let mut emulator = Some(emulator);
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    for life in 0..KILLS {
        let running = emulator.take().unwrap_or_else(|| Emulator::start(&dir));
        ledger.lock().unwrap().per_life.push(0);
        // The kill comes 300 to 1,100 ms into the storm.
        let delay = Duration::from_millis(300 + Dice(seed).roll(800));
        seed = seed.rotate_left(17) ^ 0xA076_1D64_78BD_642F;
        let endpoint = running.endpoint.clone();
        let writers = tokio::spawn({
            let ledger = Arc::clone(&ledger);
            let key_id = key_id.clone();
            async move { storm(&endpoint, life, &key_id, &ledger).await }
        });
        tokio::time::sleep(delay).await;
        running.kill();
        tokio::time::timeout(Duration::from_secs(20), writers)
            .await
            .expect("the writers stop once the emulator is gone")
            .expect("the storm does not panic");
        // Restart on the same directory and check everything acknowledged so far.
        let restarted = Emulator::start(&dir);
        let seen = ledger.lock().unwrap().clone();
        check(&restarted.endpoint, &seen, life).await;
        let kms = aws_sdk_kms::Client::new(&sdk_config(&restarted.endpoint));
        let decrypted = kms
            .decrypt()
            .ciphertext_blob(ciphertext.clone())
            .send()
            .await
            .expect("a ciphertext of the first life decrypts after a kill");
        assert_eq!(
            decrypted.plaintext().map(|b| b.as_ref()),
            Some(&plaintext[..])
        );
        emulator = Some(restarted);
        assert!(
            started.elapsed() < LIMIT,
            "the crash test exceeded its bound"
        );
    }
    drop(emulator);
    let ledger = ledger.lock().unwrap();
    // Every life wrote something before its kill, or the test proved nothing.
    assert!(
        ledger.per_life.iter().all(|&n| n > 0),
        "a life ended before any write was answered: {:?}",
        ledger.per_life
    );
    eprintln!(
        "crash test: {} kills, {} acknowledged writes ({:?} per life), {} sent, {:.1} s",
        KILLS,
        ledger.acknowledged.len(),
        ledger.per_life,
        ledger.sent.len(),
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
