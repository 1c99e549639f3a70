//! Lambda's trust boundaries, attacked as a deployer or a function would: deployment
//! packages whose links lead out of their directory, functions that read the emulator's
//! environment, flood their output, fork, ignore SIGTERM, never ask for their event or
//! answer twice, and the emulator-wide limits (code storage, environments, queued
//! events). Runaway functions are `provided.al2023` packages whose `bootstrap` is a shell
//! script written here (speaking the Runtime API with `curl`).

use crate::common::{captured_logs, code_of, endpoint, error_of, raw, unique};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionCode, InvocationType, LogType, Runtime};
use aws_sdk_lambda::Client;
use base64::Engine;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const ROLE: &str = "arn:aws:iam::123456789012:role/lambda-test-role";
const ECHO: &str = env!("CARGO_BIN_EXE_echo");
/// How Lambda answers an archive it cannot unzip (the emulator adds its reason after).
const UNZIP_FAILED: &str =
    "Could not unzip uploaded file. Please check your file, then try to upload again.";

/// An entry of a hand-made archive.
enum Entry<'a> {
    File(&'a str, &'a [u8], u32),
    Link(&'a str, &'a str),
}

fn zip_of(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for entry in entries {
        match entry {
            Entry::File(name, content, mode) => {
                writer
                    .start_file(
                        *name,
                        zip::write::SimpleFileOptions::default().unix_permissions(*mode),
                    )
                    .unwrap();
                writer.write_all(content).unwrap();
            }
            Entry::Link(name, target) => writer
                .add_symlink(*name, *target, zip::write::SimpleFileOptions::default())
                .unwrap(),
        }
    }
    writer.finish().unwrap().into_inner()
}

/// A package whose `bootstrap` is `script`.
fn script_zip(script: &str) -> Vec<u8> {
    zip_of(&[Entry::File("bootstrap", script.as_bytes(), 0o755)])
}

async fn lambda() -> Client {
    endpoint();
    Client::new(&aws_config::load_from_env().await)
}

async fn lambda_at(url: &str) -> Client {
    endpoint();
    Client::new(&aws_config::from_env().endpoint_url(url).load().await)
}

async fn create_zip(
    client: &Client,
    name: &str,
    zip: Vec<u8>,
    timeout: i32,
) -> Result<
    aws_sdk_lambda::operation::create_function::CreateFunctionOutput,
    aws_sdk_lambda::error::SdkError<
        aws_sdk_lambda::operation::create_function::CreateFunctionError,
    >,
> {
    client
        .create_function()
        .function_name(name)
        .runtime(Runtime::Providedal2023)
        .role(ROLE)
        .handler("bootstrap")
        .code(FunctionCode::builder().zip_file(Blob::new(zip)).build())
        .timeout(timeout)
        .send()
        .await
}

/// Creates a function whose bootstrap is `script`.
async fn create_script(client: &Client, name: &str, script: &str, timeout: i32) {
    create_zip(client, name, script_zip(script), timeout)
        .await
        .unwrap_or_else(|e| panic!("create {name}: {e:?}"));
}

/// Deploys `entries` and expects Lambda's refusal of an archive it cannot unzip.
async fn refused(client: &Client, entries: &[Entry<'_>]) -> String {
    let name = unique("evil-");
    let (code, message) = error_of(create_zip(client, &name, zip_of(entries), 3).await);
    assert_eq!(code, "InvalidParameterValueException", "{message}");
    assert!(message.starts_with(UNZIP_FAILED), "{message}");
    message
}

/// The package directories of this process's emulators' work directories.
fn work_directories() -> Vec<PathBuf> {
    let prefix = format!("aws-emulator-lambda-{}-", std::process::id());
    std::fs::read_dir(std::env::temp_dir())
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

/// The process group of every process on the machine that is in group `pgid`.
fn group_members(pgid: u64) -> Vec<u64> {
    let mut members = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return members;
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u64>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid pgrp ...`: the command may hold spaces and parentheses.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let group = rest.split_whitespace().nth(2).and_then(|g| g.parse().ok());
        if group == Some(pgid) {
            members.push(pid);
        }
    }
    members
}

/// Waits up to `limit` for process group `pgid` to have no process left (zombies
/// included: a process not reaped is left behind too).
///
/// Against a running emulator (`AWS_ENDPOINT_URL`, a container) the pids its records give
/// are of another pid namespace, so nothing can be seen from here: the check holds
/// vacuously there and is made by the in-process run.
async fn group_gone_within(pgid: u64, limit: Duration) -> bool {
    if !crate::common::in_process() {
        return true;
    }
    let start = Instant::now();
    while start.elapsed() < limit {
        if group_members(pgid).is_empty() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    group_members(pgid).is_empty()
}

/// The emulator's invocation records of one function (newest first) at `url`'s emulator.
async fn records_at(url: Option<&str>, name: &str) -> Vec<Value> {
    let path = format!("/_emulator/lambda/invocations?function={name}");
    let body = match url {
        None => {
            let (status, _, body) = raw("GET", &path, &[], b"").await;
            assert_eq!(status, 200, "{body}");
            body
        }
        Some(url) => get_from(url, &path).await,
    };
    let body: Value = serde_json::from_str(&body).expect("records JSON");
    body["invocations"].as_array().cloned().unwrap_or_default()
}

/// The process id of the environment that ran (or runs) `name`'s latest invocation.
async fn environment_pid(url: Option<&str>, name: &str) -> u64 {
    for _ in 0..400 {
        if let Some(pid) = records_at(url, name)
            .await
            .first()
            .and_then(|r| r["pid"].as_u64())
        {
            return pid;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no environment started for {name}");
}

async fn get_from(url: &str, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    text.split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default()
}

fn log_of(output: &aws_sdk_lambda::operation::invoke::InvokeOutput) -> String {
    let log = base64::engine::general_purpose::STANDARD
        .decode(output.log_result().expect("a log tail"))
        .unwrap();
    String::from_utf8(log).unwrap()
}

fn payload_of(output: &aws_sdk_lambda::operation::invoke::InvokeOutput) -> String {
    String::from_utf8_lossy(output.payload().map(|p| p.as_ref()).unwrap_or_default()).into_owned()
}

/// An emulator of a test's own, with `change` applied to the default settings and only
/// the Lambda test principals loaded (no function); stopped with `shut`.
struct OwnEmulator {
    url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    served: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn own_emulator(change: impl FnOnce(&mut emulator::Config)) -> OwnEmulator {
    let mut config = emulator::Config::default();
    change(&mut config);
    let principals = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/lambda.yaml");
    let fixtures = emulator::fixtures::load(&[principals], &config.account).expect("fixtures");
    let state = emulator::state::EmulatorState::from_fixtures(config, fixtures).expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(emulator::serve(
        listener,
        std::sync::Arc::new(state),
        async move {
            let _ = stopped.await;
        },
    ));
    OwnEmulator { url, stop, served }
}

impl OwnEmulator {
    async fn shut(self) {
        let _ = self.stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(10), self.served).await;
    }
}

// ---------------------------------------------------------------------------------------
// Deployment packages

#[tokio::test]
async fn a_chain_of_links_cannot_carry_a_file_out_of_the_package() {
    let client = lambda().await;
    let escaped = format!("{}.txt", unique("escaped-"));
    // `a` is the package itself, so `b` (`a/..`) is its parent: the work directory.
    let file = format!("b/{escaped}");
    let message = refused(
        &client,
        &[
            Entry::File("bootstrap", b"#!/bin/sh\n", 0o755),
            Entry::Link("a", "."),
            Entry::Link("b", "a/.."),
            Entry::File(&file, b"escaped", 0o644),
        ],
    )
    .await;
    assert!(message.contains("\"b/"), "{message}");
    for dir in work_directories() {
        assert!(!dir.join(&escaped).exists(), "written in {}", dir.display());
    }
    assert!(!std::env::temp_dir().join(&escaped).exists());
    // The links alone are refused too: `b` leads outside the package.
    let message = refused(
        &client,
        &[
            Entry::File("bootstrap", b"#!/bin/sh\n", 0o755),
            Entry::Link("a", "."),
            Entry::Link("b", "a/.."),
        ],
    )
    .await;
    assert!(
        message.contains("\"b\" points outside the package"),
        "{message}"
    );
}

#[tokio::test]
async fn a_longer_chain_to_the_root_neither_creates_nor_truncates_nor_chmods_a_file() {
    use std::os::unix::fs::PermissionsExt;
    let client = lambda().await;
    // Where packages are unpacked: `<temporary directory>/aws-emulator-lambda-PID-ID/<id>`
    // (SECURITY.md), the emulator's temporary directory being this machine's (or a
    // container's `/tmp`, as deep as this one's usually is).
    let package = std::env::temp_dir()
        .join("aws-emulator-lambda-0-workdir")
        .join("package");
    let depth = package.components().count() - 1;
    // l0 -> ., l1 -> l0/.., ...: l{depth} is `/`.
    let names: Vec<String> = (0..=depth).map(|i| format!("l{i}")).collect();
    let targets: Vec<String> = (0..=depth)
        .map(|i| {
            if i == 0 {
                ".".to_owned()
            } else {
                format!("l{}/..", i - 1)
            }
        })
        .collect();
    let temp = std::env::temp_dir();
    let temp_relative = temp.strip_prefix("/").unwrap().display().to_string();
    let victim_name = unique("victim-");
    let victim = temp.join(&victim_name);
    std::fs::write(&victim, b"keep").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).unwrap();
    let created_name = unique("created-");
    let through_root = format!("{}/{temp_relative}/{victim_name}", names[depth]);
    let new_file = format!("{}/{temp_relative}/{created_name}", names[depth]);
    let mut entries = vec![Entry::File("bootstrap", b"#!/bin/sh\n", 0o755)];
    entries.extend(names.iter().zip(&targets).map(|(n, t)| Entry::Link(n, t)));
    // A link to the victim, then a file of the same name (truncate and chmod 777 through
    // the link), then a new file under `/`.
    entries.push(Entry::Link("c", &through_root));
    entries.push(Entry::File("./c", b"owned", 0o777));
    entries.push(Entry::File(&new_file, b"created", 0o644));
    refused(&client, &entries).await;
    let kept = std::fs::read(&victim).unwrap();
    let mode = std::fs::metadata(&victim).unwrap().permissions().mode() & 0o777;
    let created = temp.join(&created_name).exists();
    let _ = std::fs::remove_file(&victim);
    let _ = std::fs::remove_file(temp.join(&created_name));
    assert_eq!(kept, b"keep", "the victim was truncated through a link");
    assert_eq!(mode, 0o600, "the victim was chmodded through a link");
    assert!(!created, "a file was created outside the package");
    // The same chain, as links only (no write through them): refused whole.
    let mut links = vec![Entry::File("bootstrap", b"#!/bin/sh\n", 0o755)];
    links.extend(names.iter().zip(&targets).map(|(n, t)| Entry::Link(n, t)));
    let message = refused(&client, &links).await;
    assert!(message.contains("points outside the package"), "{message}");
}

#[tokio::test]
async fn absolute_parent_and_duplicate_entries_are_refused() {
    let client = lambda().await;
    let absolute = std::env::temp_dir().join(unique("absolute-"));
    let absolute_name = absolute.display().to_string();
    for name in [absolute_name.as_str(), "../x", "lib/../../x"] {
        let message = refused(
            &client,
            &[
                Entry::File("bootstrap", b"#!/bin/sh\n", 0o755),
                Entry::File(name, b"x", 0o644),
            ],
        )
        .await;
        assert!(message.contains("outside the package"), "{name}: {message}");
    }
    assert!(!absolute.exists());
    let message = refused(
        &client,
        &[
            Entry::File("bootstrap", b"#!/bin/sh\n", 0o755),
            Entry::File("./bootstrap", b"#!/bin/sh\nexit 9\n", 0o755),
        ],
    )
    .await;
    assert!(message.contains("more than once"), "{message}");
    let message = refused(
        &client,
        &[
            Entry::File("bootstrap", b"#!/bin/sh\n", 0o755),
            Entry::Link("etc", "/etc"),
        ],
    )
    .await;
    assert!(message.contains("points outside the package"), "{message}");
}

// ---------------------------------------------------------------------------------------
// The function's environment

/// The echo function as users deploy it (a zip in the request), so that the test also
/// runs against an emulator that cannot see this machine's files.
fn echo_code() -> FunctionCode {
    crate::lambda::zipped(ECHO)
}

async fn env_names(client: &Client, name: &str) -> Vec<String> {
    client
        .create_function()
        .function_name(name)
        .runtime(Runtime::Providedal2023)
        .role(ROLE)
        .handler("bootstrap")
        .code(echo_code())
        .send()
        .await
        .unwrap();
    let output = client
        .invoke()
        .function_name(name)
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(output.payload().unwrap().as_ref()).unwrap();
    body["envNames"]
        .as_array()
        .expect("envNames")
        .iter()
        .map(|n| n.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_function_inherits_only_the_allow_listed_host_variables() {
    // What a CI runner holds: a token in the environment of the process that runs the
    // emulator. Named for this process only (tests share the process environment).
    let canary = format!("CANARY_TOKEN_{}", std::process::id());
    std::env::set_var(&canary, "ghp_do-not-leak");
    let client = lambda().await;
    let names = env_names(&client, &unique("env-")).await;
    assert!(!names.contains(&canary), "{names:?}");
    assert!(names.contains(&"PATH".to_owned()), "{names:?}");
    assert!(names.contains(&"AWS_LAMBDA_RUNTIME_API".to_owned()));
    for name in &names {
        let allowed = name.starts_with("AWS_")
            || name.starts_with("LAMBDA_")
            || name.starts_with('_')
            || [
                "PATH", "HOME", "USER", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE",
            ]
            .contains(&name.as_str())
            || [
                "TMPDIR",
                "LD_LIBRARY_PATH",
                "SSL_CERT_FILE",
                "SSL_CERT_DIR",
                "TZ",
            ]
            .contains(&name.as_str());
        assert!(allowed, "{name} reached the function: {names:?}");
    }
}

#[tokio::test]
async fn a_variable_named_with_lambda_pass_env_reaches_functions() {
    let passed = format!("CANARY_PASSED_{}", std::process::id());
    let secret = format!("CANARY_SECRET_{}", std::process::id());
    std::env::set_var(&passed, "wanted");
    std::env::set_var(&secret, "unwanted");
    let own = own_emulator(|c| c.lambda_pass_env = vec![passed.clone()]).await;
    let client = lambda_at(&own.url).await;
    let names = env_names(&client, "pass-env").await;
    own.shut().await;
    assert!(names.contains(&passed), "{names:?}");
    assert!(!names.contains(&secret), "{names:?}");
}

// ---------------------------------------------------------------------------------------
// Runaway functions

/// Takes one event, then floods its standard output.
const FLOOD: &str = "#!/bin/sh\ncurl -s -o /dev/null \"http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next\"\nexec yes\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_flooding_its_output_times_out_with_a_bounded_log_and_leaves_nothing() {
    let client = lambda().await;
    let name = unique("flood-");
    create_script(&client, &name, FLOOD, 2).await;
    // The emulator keeps answering while the function floods.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let health = tokio::spawn({
        let done = std::sync::Arc::clone(&done);
        async move {
            let mut answered = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let (status, _, _) = raw("GET", "/_emulator/health", &[], b"").await;
                assert_eq!(status, 200);
                answered += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            answered
        }
    });
    let output = client
        .invoke()
        .function_name(&name)
        .log_type(LogType::Tail)
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(health.await.unwrap() > 0);
    assert_eq!(output.function_error(), Some("Unhandled"));
    let body: Value = serde_json::from_str(&payload_of(&output)).unwrap();
    assert_eq!(body["errorType"], "Sandbox.Timedout");
    let log = log_of(&output);
    assert!(
        log.contains("bytes of output dropped: a function may write at most"),
        "{log}"
    );
    assert!(log.contains("Task timed out after 2.00 seconds"), "{log}");
    let pid = environment_pid(None, &name).await;
    assert!(
        group_gone_within(pid, Duration::from_secs(3)).await,
        "left behind: {:?}",
        group_members(pid)
    );
    // What reached the emulator's own log is bounded: at most the line budget.
    if let Some(logs) = captured_logs() {
        let mention = format!("function={name}");
        let lines = logs.lines().filter(|l| l.contains(&mention)).count();
        assert!(lines <= 10_000 + 20, "{lines} lines of {name} in the log");
    }
}

#[tokio::test]
async fn a_function_that_forks_ignores_sigterm_and_hangs_is_killed_whole_at_its_timeout() {
    let client = lambda().await;
    let name = unique("stubborn-");
    let script = "#!/bin/sh\ntrap '' TERM HUP\nsh -c \"trap '' TERM HUP; sleep 300\" &\ncurl -s -o /dev/null \"http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next\"\nsleep 300\n";
    create_script(&client, &name, script, 1).await;
    let output = client
        .invoke()
        .function_name(&name)
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    let body: Value = serde_json::from_str(&payload_of(&output)).unwrap();
    assert_eq!(body["errorType"], "Sandbox.Timedout", "{body}");
    let pid = environment_pid(None, &name).await;
    assert!(
        group_gone_within(pid, Duration::from_secs(3)).await,
        "left behind: {:?}",
        group_members(pid)
    );
}

#[tokio::test]
async fn a_runtime_that_exits_leaving_a_grandchild_leaves_no_process() {
    let client = lambda().await;
    let name = unique("orphaner-");
    let script = "#!/bin/sh\nsh -c \"trap '' TERM HUP; sleep 300\" &\ncurl -s -o /dev/null \"http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next\"\nexit 3\n";
    create_script(&client, &name, script, 5).await;
    let output = client
        .invoke()
        .function_name(&name)
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    let body: Value = serde_json::from_str(&payload_of(&output)).unwrap();
    assert_eq!(body["errorType"], "Runtime.ExitError", "{body}");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("Runtime exited with error: exit status 3"),
        "{body}"
    );
    let pid = environment_pid(None, &name).await;
    assert!(
        group_gone_within(pid, Duration::from_secs(3)).await,
        "left behind: {:?}",
        group_members(pid)
    );
}

#[tokio::test]
async fn a_runtime_that_never_asks_for_its_event_times_out_at_the_init_limit() {
    let client = lambda().await;
    let name = unique("silent-");
    create_script(
        &client,
        &name,
        "#!/bin/sh\nsleep 300 &\nexec sleep 300\n",
        30,
    )
    .await;
    let started = Instant::now();
    let output = client
        .invoke()
        .function_name(&name)
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(20));
    let body: Value = serde_json::from_str(&payload_of(&output)).unwrap();
    assert_eq!(body["errorType"], "Sandbox.Timedout", "{body}");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("Task timed out after 10.00 seconds"),
        "{body}"
    );
    let pid = environment_pid(None, &name).await;
    assert!(
        group_gone_within(pid, Duration::from_secs(3)).await,
        "left behind: {:?}",
        group_members(pid)
    );
}

/// Answers its first event twice, and each later event with what the second answer got.
const ANSWERS_TWICE: &str = r#"#!/bin/sh
api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
headers="$(mktemp)"
second=""
while true; do
  curl -s -D "$headers" -o /dev/null "$api/invocation/next"
  id=$(grep -i '^lambda-runtime-aws-request-id:' "$headers" | cut -d: -f2 | tr -d ' \r')
  if [ -z "$second" ]; then
    curl -s -o /dev/null -X POST --data-binary '"first"' "$api/invocation/$id/response"
    second=$(curl -s -w ' %{http_code}' -X POST --data-binary '"again"' "$api/invocation/$id/response")
  else
    curl -s -o /dev/null -X POST --data-binary "$second" "$api/invocation/$id/response"
  fi
done
"#;

#[tokio::test]
async fn a_second_answer_is_refused_as_the_runtime_api_refuses_it() {
    let client = lambda().await;
    let name = unique("twice-");
    create_script(&client, &name, ANSWERS_TWICE, 5).await;
    let invoke = || async {
        client
            .invoke()
            .function_name(&name)
            .payload(Blob::new("{}"))
            .send()
            .await
            .unwrap()
    };
    let first = invoke().await;
    assert_eq!(first.function_error(), None);
    assert_eq!(payload_of(&first), "\"first\"");
    // What the runtime got for its second answer to the first event.
    let second = payload_of(&invoke().await);
    let (body, status) = second.rsplit_once(' ').unwrap();
    assert_eq!(status, "403", "{second}");
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["errorType"], "InvalidStateTransition");
    assert_eq!(
        body["errorMessage"],
        "State transition from RuntimeResponseSentState to InvocationResponse failed for runtime. Error: State transition is not allowed"
    );
}

// ---------------------------------------------------------------------------------------
// Limits

#[tokio::test]
async fn code_beyond_the_regions_storage_quota_is_refused() {
    let package = script_zip("#!/bin/sh\n");
    let size = package.len() as u64;
    let own = own_emulator(|c| c.lambda_code_storage_bytes = 2 * size).await;
    let client = lambda_at(&own.url).await;
    create_zip(&client, "first", package.clone(), 3)
        .await
        .unwrap();
    create_zip(&client, "second", package.clone(), 3)
        .await
        .unwrap();
    let (code, message) = error_of(create_zip(&client, "third", package.clone(), 3).await);
    assert_eq!(code, "CodeStorageExceededException");
    assert_eq!(message, "Code storage limit exceeded.");
    // A bigger package in place of an existing one is refused too.
    let bigger = script_zip(&format!("#!/bin/sh\n# {}\n", "x".repeat(200)));
    let update = client
        .update_function_code()
        .function_name("second")
        .zip_file(Blob::new(bigger))
        .send()
        .await;
    assert_eq!(code_of(update), "CodeStorageExceededException");
    // Deleting a function frees its storage.
    client
        .delete_function()
        .function_name("first")
        .send()
        .await
        .unwrap();
    create_zip(&client, "third", package, 3).await.unwrap();
    own.shut().await;
}

/// Takes an event, sleeps `seconds`, answers `{}`; forever. Long enough for a test's next
/// steps to run while it is busy, even on a loaded machine.
fn slow(seconds: u32) -> String {
    format!(
        r#"#!/bin/sh
api="http://${{AWS_LAMBDA_RUNTIME_API}}/2018-06-01/runtime"
headers="$(mktemp)"
while true; do
  curl -s -D "$headers" -o /dev/null "$api/invocation/next"
  id=$(grep -i '^lambda-runtime-aws-request-id:' "$headers" | cut -d: -f2 | tr -d ' \r')
  sleep {seconds}
  curl -s -o /dev/null -X POST --data-binary '{{}}' "$api/invocation/$id/response"
done
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environments_beyond_the_emulator_wide_limit_are_throttled_and_idle_ones_make_room() {
    let own = own_emulator(|c| c.lambda_max_environments_total = 1).await;
    let client = lambda_at(&own.url).await;
    create_script(&client, "busy", &slow(6), 10).await;
    create_script(&client, "other", &slow(0), 10).await;
    let busy_client = client.clone();
    let busy = tokio::spawn(async move {
        busy_client
            .invoke()
            .function_name("busy")
            .payload(Blob::new("{}"))
            .send()
            .await
    });
    let busy_pid = environment_pid(Some(&own.url), "busy").await;
    let throttled = client
        .invoke()
        .function_name("other")
        .payload(Blob::new("{}"))
        .send()
        .await;
    let (code, message) = error_of(throttled);
    assert_eq!(code, "TooManyRequestsException");
    assert_eq!(message, "Rate Exceeded.");
    // Once `busy` is idle, its environment is stopped to make room for `other`.
    busy.await.unwrap().unwrap();
    let output = client
        .invoke()
        .function_name("other")
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(output.function_error(), None);
    assert!(group_gone_within(busy_pid, Duration::from_secs(3)).await);
    own.shut().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_event_bytes_are_bounded() {
    let own = own_emulator(|c| {
        c.lambda_max_environments = 1;
        c.lambda_max_queued_event_bytes = 300 * 1024;
    })
    .await;
    let client = lambda_at(&own.url).await;
    create_script(&client, "queue", &slow(8), 10).await;
    let busy_client = client.clone();
    let busy = tokio::spawn(async move {
        busy_client
            .invoke()
            .function_name("queue")
            .payload(Blob::new("{}"))
            .send()
            .await
    });
    environment_pid(Some(&own.url), "queue").await;
    let payload = json!({ "pad": "x".repeat(200 * 1024) }).to_string();
    let event = || {
        client
            .invoke()
            .function_name("queue")
            .invocation_type(InvocationType::Event)
            .payload(Blob::new(payload.clone()))
            .send()
    };
    assert_eq!(event().await.unwrap().status_code(), 202);
    let (code, _) = error_of(event().await);
    assert_eq!(code, "TooManyRequestsException");
    busy.await.unwrap().unwrap();
    own.shut().await;
}
