//! Shared test helpers: one emulator for the whole test binary, SDK clients configured the
//! way users configure them (only through the standard environment variables), and error
//! code extraction.

use aws_sdk_ssm::error::{ProvideErrorMetadata, SdkError};
use std::fmt::Debug;
use std::sync::OnceLock;

/// The endpoint of the emulator under test.
///
/// When `AWS_ENDPOINT_URL` is set, that running emulator is used (a container, or one
/// started with `cargo run`), and what an SDK needs besides is defaulted if the
/// environment does not give it: `AWS_REGION=us-east-1` (without a region SDK clients
/// cannot sign) and the credentials `test`/`test` (an access key the emulator does not
/// know acts as the account root). Otherwise one emulator is started on `127.0.0.1:0` on
/// a runtime of its own (so it outlives every test's runtime), and the standard variables
/// are set so that SDK clients find it exactly as a user's code would:
/// `AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`.
pub fn endpoint() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT.get_or_init(|| {
        // Set once, before any client reads them; std serialises environment access.
        if let Ok(url) = std::env::var("AWS_ENDPOINT_URL") {
            EXTERNAL.store(true, std::sync::atomic::Ordering::Relaxed);
            let unset = |name: &str| std::env::var_os(name).is_none_or(|v| v.is_empty());
            if unset("AWS_REGION") && unset("AWS_DEFAULT_REGION") {
                std::env::set_var("AWS_REGION", "us-east-1");
            }
            if unset("AWS_ACCESS_KEY_ID") && unset("AWS_PROFILE") {
                std::env::set_var("AWS_ACCESS_KEY_ID", "test");
                std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
            }
            return url;
        }
        let url = start_emulator(false);
        std::env::set_var("AWS_ENDPOINT_URL", &url);
        std::env::set_var("AWS_ACCESS_KEY_ID", "test");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::remove_var("AWS_PROFILE");
        url
    })
}

/// Whether the emulator under test runs in this process (no `AWS_ENDPOINT_URL` was
/// given), so that its processes and logs can be looked at from here.
pub fn in_process() -> bool {
    endpoint();
    !EXTERNAL.load(std::sync::atomic::Ordering::Relaxed)
}

/// For the few tests named `..._in_process_only`: whether to run. Against a running
/// emulator (`AWS_ENDPOINT_URL`) they are skipped, saying why on standard error.
pub fn runs_in_process_only(test: &str, why: &str) -> bool {
    if in_process() {
        return true;
    }
    eprintln!("skipped {test}: {why}; it runs when AWS_ENDPOINT_URL is not set");
    false
}

/// Whether the tests target an emulator this process did not start.
static EXTERNAL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The endpoint of a second, strict emulator (unknown access keys refused), always
/// started in this process.
pub fn strict_endpoint() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT.get_or_init(|| start_emulator(true))
}

/// The fixtures the in-process emulator loads: the reference scenario's world (the
/// emulator's default) and the test principals.
pub fn fixture_paths() -> Vec<std::path::PathBuf> {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    vec![
        here.join("../fixtures/parameter-store-blog/world.yaml"),
        scenario_function_fixture(),
        here.join("fixtures"),
    ]
}

/// A fixture declaring the scenario's function exactly as
/// `fixtures/parameter-store-blog/function.yaml` does, but running the handler binary
/// this test build made (instead of building the `handler` package on first use).
fn scenario_function_fixture() -> std::path::PathBuf {
    let declared = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/parameter-store-blog/function.yaml"),
    )
    .expect("the scenario's function fixture");
    let text = declared.replace(
        "cargo_package: handler",
        &format!("path: {}", env!("CARGO_BIN_EXE_scenario-handler")),
    );
    assert_ne!(text, declared, "function.yaml names the handler package");
    remove_stale_test_files();
    let path = std::env::temp_dir().join(format!(
        "emulator-tests-{}-scenario-function.yaml",
        std::process::id()
    ));
    std::fs::write(&path, text).expect("write the function fixture");
    path
}

/// Removes what earlier test runs left in the temporary directory: files and directories
/// named `emulator-tests-PID-...` whose process is gone. The emulators of a test binary run
/// until it exits (their functions may still use these copies), so a run cannot remove its
/// own; the next one removes them (the handler copies are tens of megabytes each).
pub fn remove_stale_test_files() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Whether a process is alive is read from /proc; without it nothing is removed.
        if !std::path::Path::new("/proc/self").exists() {
            return;
        }
        let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(rest) = name
                .to_str()
                .and_then(|n| n.strip_prefix("emulator-tests-"))
            else {
                continue;
            };
            let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
                continue;
            };
            if pid == std::process::id() || std::path::Path::new(&format!("/proc/{pid}")).exists() {
                continue;
            }
            let path = entry.path();
            let _ = match path.is_dir() {
                true => std::fs::remove_dir_all(&path),
                false => std::fs::remove_file(&path),
            };
        }
    });
}

/// Starts an emulator with the test fixtures on `127.0.0.1:0`, on a runtime of its own (so
/// it outlives every test's runtime), and returns its URL. Tests that change the whole
/// emulator (a reset) start one of their own with this.
pub fn start_emulator(strict: bool) -> String {
    start_emulator_with(emulator::Config {
        strict,
        lambda_runtimes: mapped_runtimes(),
        ..emulator::Config::default()
    })
}

/// The managed runtimes mapped to interpreters with `EMULATOR_LAMBDA_RUNTIMES`
/// (`nodejs22.x=/usr/bin/node,...`), as the emulator's `--runtime` reads it.
pub fn mapped_runtimes() -> Vec<(String, std::path::PathBuf)> {
    std::env::var("EMULATOR_LAMBDA_RUNTIMES")
        .unwrap_or_default()
        .split(',')
        .filter(|m| !m.trim().is_empty())
        .map(|m| {
            emulator::lambda::managed::parse_mapping(m.trim())
                .unwrap_or_else(|e| panic!("EMULATOR_LAMBDA_RUNTIMES: {e}"))
        })
        .collect()
}

/// Starts an emulator with the test fixtures and these settings (see [`start_emulator`]).
pub fn start_emulator_with(config: emulator::Config) -> String {
    start_emulator_with_fixtures(config, Vec::new())
}

/// [`start_emulator_with`], loading these fixture files besides the test fixtures.
pub fn start_emulator_with_fixtures(
    config: emulator::Config,
    extra: Vec<std::path::PathBuf>,
) -> String {
    capture_logs();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("test runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind 127.0.0.1:0");
            let address = listener.local_addr().expect("local address");
            let paths: Vec<_> = fixture_paths().into_iter().chain(extra).collect();
            let fixtures =
                emulator::fixtures::load(&paths, &config.account).expect("test fixtures load");
            let state = emulator::state::EmulatorState::from_fixtures(config, fixtures)
                .expect("test fixtures are valid");
            tx.send(address).expect("report address");
            emulator::serve(listener, std::sync::Arc::new(state), std::future::pending())
                .await
                .expect("serve");
        });
    });
    let address = rx.recv().expect("emulator started");
    format!("http://{address}")
}

/// SDK configuration from the environment, with other credentials (a fixture
/// principal's, or a role session's).
pub async fn config_as(
    access_key_id: &str,
    secret: &str,
    session_token: Option<&str>,
) -> aws_config::SdkConfig {
    endpoint();
    aws_config::from_env()
        .credentials_provider(aws_sdk_ssm::config::Credentials::new(
            access_key_id,
            secret,
            session_token.map(str::to_owned),
            None,
            "test",
        ))
        .load()
        .await
}

/// The account of the test fixtures' principals.
pub const ACCOUNT: &str = "123456789012";

/// An IAM client as the account root (the environment's unknown key `test`).
pub async fn iam() -> aws_sdk_iam::Client {
    endpoint();
    aws_sdk_iam::Client::new(&aws_config::load_from_env().await)
}

/// An IAM client signing as the given credentials.
pub async fn iam_as(access_key_id: &str, secret: &str) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::new(&config_as(access_key_id, secret, None).await)
}

/// A CloudFormation client as the account root.
pub async fn cloudformation() -> aws_sdk_cloudformation::Client {
    endpoint();
    aws_sdk_cloudformation::Client::new(&aws_config::load_from_env().await)
}

/// An identity policy that allows `ssm:GetParameter` on `resource` and nothing else.
pub fn get_only(resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"{resource}"}}]}}"#
    )
}

/// An SSM client signing as the given credentials.
pub async fn ssm_as(access_key_id: &str, secret: &str) -> aws_sdk_ssm::Client {
    aws_sdk_ssm::Client::new(&config_as(access_key_id, secret, None).await)
}

/// An SSM client configured only from the environment, as a user's code would be.
pub async fn ssm() -> aws_sdk_ssm::Client {
    endpoint();
    let config = aws_config::load_from_env().await;
    aws_sdk_ssm::Client::new(&config)
}

/// An SSM client for another region (the region selects the emulator's state).
pub async fn ssm_in(region: &'static str) -> aws_sdk_ssm::Client {
    endpoint();
    let config = aws_config::from_env()
        .region(aws_config::Region::new(region))
        .load()
        .await;
    aws_sdk_ssm::Client::new(&config)
}

/// A name unique to this test run, so tests sharing one emulator never collide.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}{n}x{nanos}")
}

/// The AWS error code and message of a failed call; panics if the call succeeded.
pub fn error_of<T: Debug, E: ProvideErrorMetadata + Debug, R: Debug>(
    result: Result<T, SdkError<E, R>>,
) -> (String, String) {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(err) => {
            let service = err
                .as_service_error()
                .unwrap_or_else(|| panic!("not a service error: {err:?}"));
            (
                service.code().unwrap_or_default().to_owned(),
                service.message().unwrap_or_default().to_owned(),
            )
        }
    }
}

/// The AWS error code of a failed call.
pub fn code_of<T: Debug, E: ProvideErrorMetadata + Debug, R: Debug>(
    result: Result<T, SdkError<E, R>>,
) -> String {
    error_of(result).0
}

/// A raw HTTP/1.1 exchange with the emulator, for what SDKs cannot send (bad JSON,
/// unknown targets). Returns the status, the headers (lower-cased names) and the body.
pub async fn raw(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<(String, String)>, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = endpoint()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    stream.write_all(body).await.expect("write body");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

/// Everything the in-process emulators have logged (at trace level and above, so that a
/// test can check that no secret reaches even the most detailed log).
static LOGS: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

/// A log writer appending to [`LOGS`].
struct Capture;

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Routes the emulator's logs (trace and above) into [`LOGS`], once per test binary.
fn capture_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("emulator=trace"))
            .with_ansi(false)
            .with_writer(|| Capture)
            .try_init();
    });
}

/// The logs captured so far; `None` when the tests target an external emulator, whose
/// logs this process cannot see.
pub fn captured_logs() -> Option<String> {
    if !in_process() {
        return None;
    }
    Some(String::from_utf8_lossy(&LOGS.lock().unwrap_or_else(|e| e.into_inner())).into_owned())
}
