//! Crashes: a storm of concurrent PutParameter calls (String and SecureString, under the
//! AWS managed key and under a customer key) against an emulator process with
//! `--state-dir`, killed with SIGKILL at a random moment, several times, and restarted
//! on the same directory. After each restart: every write whose answer was received is
//! there with the version it was given and its value; every version present is one that
//! a client sent (nothing half-written), versions are contiguous; every SecureString of
//! every earlier life still decrypts, and the customer key still decrypts what it
//! encrypted before the first kill. Then what else the directory keeps: a user, its
//! policy and access key created through the IAM API (signing under `--strict` after the
//! kill), an alias and a deletion schedule, labels, a Lambda function with a version
//! and an alias (invoked after the kill); and a reset that empties it.

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
        Emulator::start_with(dir, &[])
    }

    fn start_with(dir: &Path, args: &[&std::ffi::OsStr]) -> Emulator {
        let mut child = Command::new(env!("CARGO_BIN_EXE_emulator-process"))
            .args(["--listen", "127.0.0.1:0", "--no-default-fixtures"])
            .args(args)
            .arg("--state-dir")
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
    sdk_config_as(endpoint, "test", "test")
}

fn sdk_config_as(endpoint: &str, key: &str, secret: &str) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_ssm::config::SharedCredentialsProvider::new(
            aws_sdk_ssm::config::Credentials::new(key, secret, None, None, "crash-test"),
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
        // The kill comes 200 to 1,000 ms after the life's first answered write (waited
        // for, so that a slow disk cannot leave a life without any).
        let delay = Duration::from_millis(200 + Dice(seed).roll(800));
        seed = seed.rotate_left(17) ^ 0xA076_1D64_78BD_642F;
        let endpoint = running.endpoint.clone();
        let writers = tokio::spawn({
            let ledger = Arc::clone(&ledger);
            let key_id = key_id.clone();
            async move { storm(&endpoint, life, &key_id, &ledger).await }
        });
        let first_answer = Instant::now();
        while ledger.lock().unwrap().per_life[life] == 0 {
            assert!(
                first_answer.elapsed() < Duration::from_secs(20),
                "no write was answered in life {life}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
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

/// The operator of the strict emulator below (its only fixture).
const OPERATOR_FIXTURE: &str = r#"
account: "123456789012"
users:
  - name: operator
    access_keys:
      - { id: AKIADURABLEOPERATOR1, secret: durable-operator-secret }
    policies:
      - name: everything
        document:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: "*"
              Resource: "*"
roles:
  - name: durable-fn-role
    trust_policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: { Service: lambda.amazonaws.com }
          Action: sts:AssumeRole
"#;

/// A fresh directory `NAME-PID` under the system's temporary directory holding
/// `OPERATOR_FIXTURE`: (the directory, the fixture file).
fn operator_world(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("fixtures")).unwrap();
    let fixtures = dir.join("fixtures/operator.yaml");
    std::fs::write(&fixtures, OPERATOR_FIXTURE).unwrap();
    (dir, fixtures)
}

/// The arguments of a strict emulator with an admin token that loads `fixtures`.
fn operator_args(fixtures: &Path) -> [&std::ffi::OsStr; 5] {
    [
        "--strict".as_ref(),
        "--admin-token".as_ref(),
        "durable-admin-token".as_ref(),
        "--fixtures".as_ref(),
        fixtures.as_os_str(),
    ]
}

/// SDK configuration signing as the operator `OPERATOR_FIXTURE` declares.
fn operator(endpoint: &str) -> aws_config::SdkConfig {
    sdk_config_as(endpoint, "AKIADURABLEOPERATOR1", "durable-operator-secret")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn principals_keys_and_labels_survive_a_kill_and_a_reset_empties_them() {
    let (dir, fixtures) = operator_world("emulator-durable");
    let state = dir.join("state");
    let args = operator_args(&fixtures);

    // First life: a user and its access key through the IAM API, a key with an alias
    // and then scheduled for deletion, a parameter with a label on its first version.
    let first = Emulator::start_with(&state, &args);
    let config = operator(&first.endpoint);
    let iam = aws_sdk_iam::Client::new(&config);
    iam.create_user()
        .user_name("reader")
        .send()
        .await
        .expect("CreateUser");
    iam.put_user_policy()
        .user_name("reader")
        .policy_name("read")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"*"}]}"#,
        )
        .send()
        .await
        .expect("PutUserPolicy");
    let created = iam
        .create_access_key()
        .user_name("reader")
        .send()
        .await
        .expect("CreateAccessKey");
    let access_key = created.access_key().expect("a key");
    let (reader_id, reader_secret) = (
        access_key.access_key_id().to_owned(),
        access_key.secret_access_key().to_owned(),
    );
    let kms = aws_sdk_kms::Client::new(&config);
    let doomed = kms
        .create_key()
        .send()
        .await
        .expect("CreateKey")
        .key_metadata()
        .expect("metadata")
        .key_id()
        .to_owned();
    kms.create_alias()
        .alias_name("alias/durable")
        .target_key_id(&doomed)
        .send()
        .await
        .expect("CreateAlias");
    kms.schedule_key_deletion()
        .key_id(&doomed)
        .pending_window_in_days(7)
        .send()
        .await
        .expect("ScheduleKeyDeletion");
    let ssm = aws_sdk_ssm::Client::new(&config);
    for value in ["first", "second"] {
        ssm.put_parameter()
            .name("/durable/p")
            .value(value)
            .r#type(ParameterType::SecureString)
            .overwrite(true)
            .send()
            .await
            .expect("PutParameter");
    }
    ssm.label_parameter_version()
        .name("/durable/p")
        .parameter_version(1)
        .labels("stable")
        .send()
        .await
        .expect("LabelParameterVersion");
    // A function deployed as a zip, a published version, a later configuration change
    // and an alias on the version.
    let lambda = aws_sdk_lambda::Client::new(&config);
    let created = lambda
        .create_function()
        .function_name("durable-echo")
        .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
        .role("arn:aws:iam::123456789012:role/durable-fn-role")
        .handler("bootstrap")
        .code(crate::lambda::zipped(env!("CARGO_BIN_EXE_echo")))
        .send()
        .await
        .expect("CreateFunction");
    let sha = created.code_sha256().expect("a CodeSha256").to_owned();
    lambda
        .publish_version()
        .function_name("durable-echo")
        .send()
        .await
        .expect("PublishVersion");
    lambda
        .update_function_configuration()
        .function_name("durable-echo")
        .description("changed after version 1")
        .send()
        .await
        .expect("UpdateFunctionConfiguration");
    lambda
        .create_alias()
        .function_name("durable-echo")
        .name("live")
        .function_version("1")
        .send()
        .await
        .expect("CreateAlias");
    first.kill();

    // Second life, same directory: all of it is there, and the new user's key signs.
    let second = Emulator::start_with(&state, &args);
    let reader =
        aws_sdk_ssm::Client::new(&sdk_config_as(&second.endpoint, &reader_id, &reader_secret));
    let labelled = reader
        .get_parameter()
        .name("/durable/p:stable")
        .with_decryption(true)
        .send()
        .await
        .expect("the API-created user's key authenticates after the kill (--strict)");
    let parameter = labelled.parameter().expect("a parameter");
    assert_eq!((parameter.version(), parameter.value()), (1, Some("first")));
    let config = operator(&second.endpoint);
    let kms = aws_sdk_kms::Client::new(&config);
    let described = kms
        .describe_key()
        .key_id("alias/durable")
        .send()
        .await
        .expect("the alias still names the key");
    let metadata = described.key_metadata().expect("metadata");
    assert_eq!(metadata.key_id(), doomed);
    assert_eq!(
        metadata.key_state(),
        Some(&aws_sdk_kms::types::KeyState::PendingDeletion)
    );
    assert!(metadata.deletion_date().is_some());
    let policy = aws_sdk_iam::Client::new(&config)
        .get_user_policy()
        .user_name("reader")
        .policy_name("read")
        .send()
        .await
        .expect("the inline policy is kept");
    // IAM answers the document URL-encoded.
    assert!(policy.policy_document().contains("GetParameter"));

    let lambda = aws_sdk_lambda::Client::new(&config);
    let function = lambda
        .get_function()
        .function_name("durable-echo")
        .send()
        .await
        .expect("the function is kept");
    let configuration = function.configuration().expect("a configuration");
    assert_eq!(configuration.code_sha256(), Some(sha.as_str()));
    assert_eq!(configuration.description(), Some("changed after version 1"));
    let alias = lambda
        .get_alias()
        .function_name("durable-echo")
        .name("live")
        .send()
        .await
        .expect("the alias is kept");
    assert_eq!(alias.function_version(), Some("1"));
    let invoked = lambda
        .invoke()
        .function_name("durable-echo")
        .qualifier("live")
        .payload(aws_sdk_lambda::primitives::Blob::new(r#"{"kept":true}"#))
        .send()
        .await
        .expect("the kept version runs");
    assert_eq!(invoked.function_error(), None);
    let payload: serde_json::Value =
        serde_json::from_slice(invoked.payload().expect("a payload").as_ref()).unwrap();
    assert_eq!(payload["event"]["kept"], true, "{payload}");
    assert_eq!(
        payload["env"]["AWS_LAMBDA_FUNCTION_VERSION"], "1",
        "{payload}"
    );

    // A reset goes back to the fixtures, in the directory too.
    let client = post_with_token(&second.endpoint, "/_emulator/reset", "durable-admin-token").await;
    assert!(client.starts_with("HTTP/1.1 200"), "{client}");
    second.kill();
    let third = Emulator::start_with(&state, &args);
    let ssm = aws_sdk_ssm::Client::new(&operator(&third.endpoint));
    let gone = ssm.get_parameter().name("/durable/p").send().await;
    assert!(
        gone.as_ref()
            .err()
            .and_then(|e| e.as_service_error())
            .is_some_and(|e| e.is_parameter_not_found()),
        "after a reset and a restart the parameter is gone: {gone:?}"
    );
    let iam = aws_sdk_iam::Client::new(&operator(&third.endpoint));
    assert!(iam.get_user().user_name("reader").send().await.is_err());
    let lambda = aws_sdk_lambda::Client::new(&operator(&third.endpoint));
    assert!(lambda
        .get_function()
        .function_name("durable-echo")
        .send()
        .await
        .is_err());
    drop(third);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A bodiless POST with a bearer token over a plain socket; the status line and headers.
async fn post_with_token(endpoint: &str, path: &str, token: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    answer
}

/// A request with a bearer token over a plain socket; the status line and headers, and
/// the body (admin answers carry a length, never chunks).
async fn admin_request(endpoint: &str, method: &str, path: &str, token: &str) -> (String, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete answer");
    (
        String::from_utf8_lossy(&answer[..split]).into_owned(),
        answer[split + 4..].to_vec(),
    )
}

/// A stack whose parameter is read back, and its export.
const STACK_TEMPLATE: &str = r#"
Resources:
  Kept:
    Type: AWS::SSM::Parameter
    Properties: { Name: /stacked/p, Type: String, Value: made-by-the-stack }
Outputs:
  Name:
    Value: !Ref Kept
    Export: { Name: stacked-name }
"#;

/// The stack grown by a second parameter: the template of a change set proposed and not
/// yet executed when the emulator stops.
fn grown_template() -> String {
    format!(
        "{STACK_TEMPLATE}  Grown:\n    Value: !Ref Added\n"
    )
    .replace(
        "Outputs:",
        "  Added:\n    Type: AWS::SSM::Parameter\n    Properties: { Name: /stacked/added, Type: String, Value: proposed }\nOutputs:",
    )
}

/// The change set `grow` of the stack: its status and execution status.
async fn change_set_view(cfn: &aws_sdk_cloudformation::Client) -> (String, String) {
    let set = cfn
        .describe_change_set()
        .stack_name("kept-stack")
        .change_set_name("grow")
        .send()
        .await
        .expect("DescribeChangeSet finds the change set");
    (
        set.status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        set.execution_status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
    )
}

/// The stack's status, its export and the physical id of its parameter.
async fn stack_view(cfn: &aws_sdk_cloudformation::Client) -> (String, String, String) {
    let described = cfn
        .describe_stacks()
        .stack_name("kept-stack")
        .send()
        .await
        .expect("DescribeStacks finds the stack");
    let stack = &described.stacks()[0];
    let output = &stack.outputs()[0];
    let resources = cfn
        .list_stack_resources()
        .stack_name("kept-stack")
        .send()
        .await
        .expect("ListStackResources");
    let summary = &resources.stack_resource_summaries()[0];
    (
        stack.stack_status().expect("a status").as_str().to_owned(),
        format!(
            "{}={}",
            output.export_name().unwrap_or_default(),
            output.output_value().unwrap_or_default()
        ),
        summary
            .physical_resource_id()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// Whether `/stacked/p` is gone.
async fn parameter_gone(ssm: &aws_sdk_ssm::Client) -> bool {
    ssm.get_parameter()
        .name("/stacked/p")
        .send()
        .await
        .err()
        .and_then(|e| {
            e.into_service_error()
                .is_parameter_not_found()
                .then_some(())
        })
        .is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stacks_and_api_made_principals_survive_a_restart_and_a_snapshot_restore() {
    let (dir, fixtures) = operator_world("emulator-durable-cfn");
    let args = operator_args(&fixtures);

    // First life: a user with a policy and a key through the IAM API, and a stack.
    let first = Emulator::start_with(&dir.join("state"), &args);
    let config = operator(&first.endpoint);
    let iam = aws_sdk_iam::Client::new(&config);
    iam.create_user()
        .user_name("snap-reader")
        .send()
        .await
        .expect("CreateUser");
    iam.put_user_policy()
        .user_name("snap-reader")
        .policy_name("read")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"*"}]}"#,
        )
        .send()
        .await
        .expect("PutUserPolicy");
    let created = iam
        .create_access_key()
        .user_name("snap-reader")
        .send()
        .await
        .expect("CreateAccessKey");
    let key = created.access_key().expect("a key");
    let (reader_id, reader_secret) = (
        key.access_key_id().to_owned(),
        key.secret_access_key().to_owned(),
    );
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    cfn.create_stack()
        .stack_name("kept-stack")
        .template_body(STACK_TEMPLATE)
        .send()
        .await
        .expect("CreateStack");
    let before = stack_view(&cfn).await;
    assert_eq!(before.0, "CREATE_COMPLETE", "{before:?}");
    assert_eq!(before.1, "stacked-name=/stacked/p");
    assert_eq!(before.2, "/stacked/p");
    // A change set proposed and not executed: it survives the restart and the snapshot.
    cfn.create_change_set()
        .stack_name("kept-stack")
        .change_set_name("grow")
        .template_body(grown_template())
        .send()
        .await
        .expect("CreateChangeSet");
    let proposed = change_set_view(&cfn).await;
    assert_eq!(
        proposed,
        ("CREATE_COMPLETE".to_owned(), "AVAILABLE".to_owned())
    );
    let (head, snapshot) = admin_request(
        &first.endpoint,
        "GET",
        "/_emulator/snapshot",
        "durable-admin-token",
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let snapshot_file = dir.join("world.snapshot");
    std::fs::write(&snapshot_file, &snapshot).unwrap();
    first.kill();

    // Second life on the same directory: the stack answers as before, and DeleteStack
    // removes the parameter it made.
    let second = Emulator::start_with(&dir.join("state"), &args);
    let cfn = aws_sdk_cloudformation::Client::new(&operator(&second.endpoint));
    assert_eq!(stack_view(&cfn).await, before);
    // The change set is there as proposed, and executing it applies it.
    assert_eq!(change_set_view(&cfn).await, proposed);
    cfn.execute_change_set()
        .stack_name("kept-stack")
        .change_set_name("grow")
        .send()
        .await
        .expect("ExecuteChangeSet after the restart");
    assert_eq!(stack_view(&cfn).await.0, "UPDATE_COMPLETE");
    let ssm = aws_sdk_ssm::Client::new(&operator(&second.endpoint));
    let added = ssm
        .get_parameter()
        .name("/stacked/added")
        .send()
        .await
        .expect("the change set's parameter was made");
    assert_eq!(added.parameter().and_then(|p| p.value()), Some("proposed"));
    cfn.delete_stack()
        .stack_name("kept-stack")
        .send()
        .await
        .expect("DeleteStack");
    let ssm = aws_sdk_ssm::Client::new(&operator(&second.endpoint));
    assert!(
        parameter_gone(&ssm).await,
        "the restored stack's resource is deleted"
    );
    drop(second);

    // A new emulator on another directory, started on the snapshot: the user's key signs
    // and its policy decides; the stack is there and deletes what it made.
    let snapshot_args: Vec<&std::ffi::OsStr> = args
        .iter()
        .copied()
        .chain(["--load-snapshot".as_ref(), snapshot_file.as_os_str()])
        .collect();
    let third = Emulator::start_with(&dir.join("other-state"), &snapshot_args);
    let reader =
        aws_sdk_ssm::Client::new(&sdk_config_as(&third.endpoint, &reader_id, &reader_secret));
    let read = reader
        .get_parameter()
        .name("/stacked/p")
        .send()
        .await
        .expect("the API-made user's key signs after the restore, and its policy allows");
    assert_eq!(
        read.parameter().and_then(|p| p.value()),
        Some("made-by-the-stack")
    );
    let refused = reader
        .put_parameter()
        .name("/stacked/other")
        .value("x")
        .r#type(ParameterType::String)
        .send()
        .await
        .expect_err("its policy allows reading only");
    assert_eq!(
        aws_sdk_ssm::error::ProvideErrorMetadata::code(&refused),
        Some("AccessDeniedException")
    );
    let cfn = aws_sdk_cloudformation::Client::new(&operator(&third.endpoint));
    assert_eq!(stack_view(&cfn).await, before);
    assert_eq!(change_set_view(&cfn).await, proposed);
    cfn.delete_stack()
        .stack_name("kept-stack")
        .send()
        .await
        .expect("DeleteStack");
    let ssm = aws_sdk_ssm::Client::new(&operator(&third.endpoint));
    assert!(parameter_gone(&ssm).await);
    drop(third);
    let _ = std::fs::remove_dir_all(&dir);
}
