//! An execution environment: one child process running the function's runtime, in a
//! process group of its own, with its own Runtime API, the environment a real Lambda
//! gives (function settings, role session credentials, `AWS_ENDPOINT_URL` pointing back
//! at the emulator), its output captured into invocation logs, and a supervisor that
//! notices when it exits and kills the whole group when told to.

use super::code::CodePackage;
use super::config::FunctionConfig;
use super::lifeline::Lifeline;
use super::logs::{InvocationLog, LogSink, OutputPipes};

use super::records::{CallTracker, InvocationRecords, SharedRecord};
use super::runtime_api::{self, Dispatch, Dispatched, InitError, Reply};
use axum::body::Bytes;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, watch};

/// How long a new environment's runtime may take to ask for its first event (Lambda's
/// initialisation limit).
pub const INIT_LIMIT: Duration = Duration::from_secs(10);

/// Kills every process of the group whose leader is `pid` (it lives in `lifeline`, the
/// lowest module that kills groups, so that `code` reaches it without `environment`).
pub use super::lifeline::kill_group;

/// The peak resident memory of a process, in MB (from `/proc/PID/status`, `VmHWM`).
pub fn max_memory_mb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.div_ceil(1024))
}

/// How an exit reads in Lambda's messages (`exit status 1`, `signal: killed`).
pub fn describe_exit(status: &std::process::ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                1 => "hangup".to_owned(),
                2 => "interrupt".to_owned(),
                6 => "aborted".to_owned(),
                9 => "killed".to_owned(),
                11 => "segmentation fault".to_owned(),
                15 => "terminated".to_owned(),
                other => other.to_string(),
            };
            return format!("signal: {name}");
        }
    }
    status.to_string()
}

/// What the supervisor saw: the process's end, described as Lambda describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    /// `exit status 3`, `signal: killed`.
    pub description: String,
    /// Whether it exited with status 0.
    pub success: bool,
}

/// The handle through which an environment's process is stopped; shared between the
/// environment and its function's pool (so that shutdown reaches busy environments too).
#[derive(Debug)]
pub struct EnvironmentControl {
    pub id: String,
    pub pid: u32,
    group: Arc<Group>,
    kill: Mutex<Option<oneshot::Sender<()>>>,
    exit: watch::Receiver<Option<Exit>>,
}

/// An environment's process group, killed only while its leader is unreaped: a zombie
/// keeps its pid, and so the group id, from being reused by another process.
#[derive(Debug)]
struct Group {
    pid: u32,
    /// Set, under the lock, just before the leader is reaped: no kill after that.
    reaped: Mutex<bool>,
}

impl Group {
    /// Kills every process of the group, if the leader is not reaped yet.
    fn kill(&self) {
        let reaped = self.reaped.lock().unwrap_or_else(|e| e.into_inner());
        if !*reaped {
            kill_group(self.pid);
        }
    }

    /// Kills the group a last time and allows the leader to be reaped.
    fn kill_and_close(&self) {
        let mut reaped = self.reaped.lock().unwrap_or_else(|e| e.into_inner());
        if !*reaped {
            kill_group(self.pid);
            *reaped = true;
        }
    }
}

/// Tells when process `pid` (a child of the emulator) has exited, without reaping it
/// (`waitid` with `WNOWAIT`, on a small thread of its own: the wait blocks).
#[cfg(unix)]
fn watch_exit(pid: u32) -> std::io::Result<oneshot::Receiver<()>> {
    use nix::sys::wait::{waitid, Id, WaitPidFlag};
    let (tx, rx) = oneshot::channel();
    let raw = i32::try_from(pid).map_err(|_| std::io::Error::other("pid out of range"))?;
    std::thread::Builder::new()
        .name(format!("lambda-exit-{pid}"))
        .stack_size(64 * 1024)
        .spawn(move || {
            let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT;
            while let Err(nix::errno::Errno::EINTR) =
                waitid(Id::Pid(nix::unistd::Pid::from_raw(raw)), flags)
            {}
            let _ = tx.send(());
        })?;
    Ok(rx)
}

impl EnvironmentControl {
    /// Kills the process group (at once) and has the supervisor reap the process.
    pub fn kill(&self) {
        self.group.kill();
        if let Some(kill) = self.kill.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = kill.send(());
        }
    }

    /// How the process ended, once it has.
    pub fn exited(&self) -> Option<Exit> {
        self.exit.borrow().clone()
    }

    /// Waits until the process has ended and been reaped.
    pub async fn wait(&self) -> Option<Exit> {
        let mut exit = self.exit.clone();
        exit.wait_for(Option::is_some)
            .await
            .ok()
            .and_then(|e| e.clone())
    }

    /// Kills and waits, at most `limit`.
    pub async fn stop(&self, limit: Duration) {
        self.kill();
        let _ = tokio::time::timeout(limit, self.wait()).await;
    }
}

/// Everything a new environment needs.
pub struct Launch<'a> {
    pub config: &'a FunctionConfig,
    pub code: Arc<CodePackage>,
    pub executable: PathBuf,
    /// The executable's arguments (a managed runtime's interpreter: its client and the
    /// handler).
    pub arguments: Vec<String>,
    /// Variables of the runtime (a managed runtime's `AWS_EXECUTION_ENV`, module path).
    pub runtime_variables: Vec<(String, String)>,
    pub task_root: PathBuf,
    pub generation: u64,
    /// `http://127.0.0.1:PORT` of the emulator.
    pub endpoint: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// When the credentials stop working (the environment is retired before).
    pub expires: Instant,
    /// Where output goes from the start (the log of the invocation that starts it).
    pub log: Arc<InvocationLog>,
    /// The record of the invocation that starts it: calls made while initialising are
    /// attributed to it.
    pub record: SharedRecord,
    pub records: Arc<InvocationRecords>,
    /// Host variables passed to functions besides [`INHERITED_VARIABLES`]
    /// (`--lambda-pass-env`).
    pub pass_env: &'a [String],
    /// Its place among the emulator's environments, held while it lives.
    pub slot: tokio::sync::OwnedSemaphorePermit,
}

/// Why an environment could not be started.
#[derive(Debug)]
pub enum LaunchError {
    /// The executable could not be started (`fork/exec PATH: permission denied`).
    Spawn(String),
    /// The emulator could not set it up (a port, pipes).
    Setup(String),
}

/// A running execution environment.
pub struct Environment {
    pub control: Arc<EnvironmentControl>,
    /// The configuration generation it was started for.
    pub generation: u64,
    /// When its process was started.
    pub started: Instant,
    /// When it must be retired (its credentials expire soon after).
    pub retire_at: Instant,
    pub sink: Arc<LogSink>,
    pub tracker: Arc<CallTracker>,
    api: runtime_api::RuntimeApi,
    pipes: Arc<OutputPipes>,
    pumps: Vec<tokio::task::JoinHandle<()>>,
    access_key_id: String,
    records: Arc<InvocationRecords>,
    /// The last peak memory read, in MB.
    max_memory: AtomicU64,
    /// Keeps the code on disk while the process runs.
    _code: Arc<CodePackage>,
    /// Its place among the emulator's environments (`execution::environment_slot`).
    _slot: tokio::sync::OwnedSemaphorePermit,
}

impl std::fmt::Debug for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Environment")
            .field("id", &self.control.id)
            .field("pid", &self.control.pid)
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl Drop for Environment {
    fn drop(&mut self) {
        self.control.kill();
        for pump in &self.pumps {
            pump.abort();
        }
        self.records.unregister(&self.access_key_id);
    }
}

/// `2024/01/02/[$LATEST]0123456789abcdef0123456789abcdef`.
fn log_stream_name(version: &str) -> String {
    let format = time::macros::format_description!("[year]/[month]/[day]");
    let date = time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default();
    format!("{date}/[{version}]{}", uuid::Uuid::new_v4().simple())
}

/// The variables of the emulator's own environment a function inherits: what a process
/// needs to run at all (`PATH`, `HOME`, `TMPDIR`, dynamic libraries), its locale, and
/// where the system's TLS certificates are (an SDK call over HTTPS needs them). Nothing
/// else reaches a function unless named with `--lambda-pass-env`: a CI runner's tokens,
/// database URLs and the emulator's own settings stay with the emulator. `TZ` is not
/// here: Lambda sets it (`:UTC`).
pub const INHERITED_VARIABLES: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_CTYPE",
    "TMPDIR",
    "LD_LIBRARY_PATH",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
];

/// The host variables a function starts with: the inherited ones and those passed
/// explicitly (`pass`), when the emulator has them. Lambda's variables and the function's
/// own are set after these, so they win.
pub fn host_variables(pass: &[String]) -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
    INHERITED_VARIABLES
        .iter()
        .copied()
        .chain(pass.iter().map(String::as_str))
        .filter_map(|name| std::env::var_os(name).map(|value| (name.into(), value)))
        .collect()
}

/// Starts an environment: its Runtime API, then its process.
pub async fn launch(launch: Launch<'_>) -> Result<Environment, LaunchError> {
    let config = launch.config;
    let api = runtime_api::start()
        .await
        .map_err(|e| LaunchError::Setup(format!("cannot open a Runtime API port: {e}")))?;
    let mut command = tokio::process::Command::new(&launch.executable);
    command.args(&launch.arguments);
    command.env_clear();
    command.envs(host_variables(launch.pass_env));
    let region = config.region.as_str();
    let task_root = launch.task_root.to_string_lossy().into_owned();
    let memory = config.memory_size.to_string();
    let runtime_api = api.address.to_string();
    let log_stream = log_stream_name(&config.version);
    let mut platform: Vec<(&str, &str)> = vec![
        ("AWS_LAMBDA_FUNCTION_NAME", &config.name),
        ("AWS_LAMBDA_FUNCTION_VERSION", &config.version),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", &memory),
        ("AWS_LAMBDA_LOG_GROUP_NAME", &config.log_group),
        ("AWS_LAMBDA_LOG_STREAM_NAME", &log_stream),
        ("AWS_LAMBDA_RUNTIME_API", &runtime_api),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
        ("AWS_REGION", region),
        ("AWS_DEFAULT_REGION", region),
        ("LAMBDA_TASK_ROOT", &task_root),
        ("LAMBDA_RUNTIME_DIR", &task_root),
        ("TZ", ":UTC"),
        ("AWS_ACCESS_KEY_ID", &launch.access_key_id),
        ("AWS_SECRET_ACCESS_KEY", &launch.secret_access_key),
        ("AWS_SESSION_TOKEN", &launch.session_token),
        ("AWS_ENDPOINT_URL", &launch.endpoint),
    ];
    if let Some(handler) = &config.handler {
        platform.push(("_HANDLER", handler));
    }
    if config.log_format == "JSON" {
        platform.push(("AWS_LAMBDA_LOG_FORMAT", "JSON"));
    }
    command.envs(platform);
    command.envs(launch.runtime_variables.iter().map(|(k, v)| (k, v)));
    // The function's own variables come last: they may override AWS_ENDPOINT_URL (the
    // reserved names were refused when they were configured).
    command.envs(&config.environment);
    command
        .current_dir(&launch.task_root)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    command.process_group(0);
    let sink = Arc::new(LogSink::new(&config.name));
    sink.attach(Arc::clone(&launch.log));
    // Calls the runtime makes from its first instant are attributed to the invocation
    // that started it.
    let tracker = Arc::new(CallTracker::default());
    tracker.set(Arc::clone(&launch.record));
    launch
        .records
        .register(&launch.access_key_id, Arc::clone(&tracker));
    let unregister = |records: &InvocationRecords| records.unregister(&launch.access_key_id);
    let started = Instant::now();
    let spawned = command.spawn();
    if spawned.is_err() {
        unregister(&launch.records);
    }
    let mut child = spawned.map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
            _ => e.to_string(),
        };
        LaunchError::Spawn(format!(
            "fork/exec {}: {reason}",
            launch.executable.display()
        ))
    })?;
    let Some(pid) = child.id() else {
        unregister(&launch.records);
        return Err(LaunchError::Setup("the runtime exited at once".to_owned()));
    };
    // Without it, an emulator killed outright (or a test binary exiting) would leave the
    // runtime running, re-parented to init.
    let lifeline = Lifeline::attach(pid).map_err(|e| {
        kill_group(pid);
        unregister(&launch.records);
        LaunchError::Setup(format!("cannot start the environment's lifeline: {e}"))
    })?;
    let pipes = OutputPipes::new(Arc::clone(&sink), child.stdout.take(), child.stderr.take())
        .map_err(|e| {
            kill_group(pid);
            unregister(&launch.records);
            LaunchError::Setup(format!("cannot read the runtime's output: {e}"))
        })?;
    let pumps = (0..pipes.len())
        .map(|i| tokio::spawn(Arc::clone(&pipes).pump(i)))
        .collect();
    let (kill_tx, kill_rx) = oneshot::channel::<()>();
    let (exit_tx, exit_rx) = watch::channel(None);
    let group = Arc::new(Group {
        pid,
        reaped: Mutex::new(false),
    });
    let exited = match watch_exit(pid) {
        Ok(exited) => exited,
        Err(e) => {
            group.kill();
            unregister(&launch.records);
            return Err(LaunchError::Setup(format!(
                "cannot watch the runtime's process: {e}"
            )));
        }
    };
    tokio::spawn({
        let group = Arc::clone(&group);
        async move {
            tokio::select! {
                _ = exited => {}
                _ = kill_rx => group.kill(),
            }
            // The leader has exited (or was just killed) and is not reaped yet, so its
            // group id is still its own: whatever the runtime left behind in the group
            // (a forked grandchild, a shell's children) is killed with it, and only then
            // is the leader reaped.
            group.kill_and_close();
            let _ = child.start_kill();
            lifeline.close().await;
            let exit = match child.wait().await {
                Ok(status) => Exit {
                    description: describe_exit(&status),
                    success: status.success(),
                },
                Err(_) => Exit {
                    description: "signal: killed".to_owned(),
                    success: false,
                },
            };
            let _ = exit_tx.send(Some(exit));
        }
    });
    let control = Arc::new(EnvironmentControl {
        id: uuid::Uuid::new_v4().simple().to_string()[..12].to_owned(),
        pid,
        group,
        kill: Mutex::new(Some(kill_tx)),
        exit: exit_rx,
    });
    tracing::debug!(
        function = %config.name,
        environment = %control.id,
        pid,
        code = %launch.code.describe(),
        "execution environment started"
    );
    Ok(Environment {
        control,
        generation: launch.generation,
        started,
        retire_at: launch.expires,
        sink,
        tracker,
        api,
        pipes,
        pumps,
        access_key_id: launch.access_key_id,
        records: launch.records,
        max_memory: AtomicU64::new(0),
        _code: launch.code,
        _slot: launch.slot,
    })
}

/// One invocation, as the environment runs it.
#[derive(Debug)]
pub struct Invocation {
    pub request_id: String,
    pub payload: Bytes,
    pub timeout: Duration,
    pub function_arn: String,
    pub trace_id: String,
    pub client_context: Option<String>,
}

/// What became of an invocation in an environment.
#[derive(Debug)]
pub enum Run {
    /// The runtime answered.
    Replied {
        reply: Reply,
        dispatched: Dispatched,
        finished: Instant,
    },
    /// The runtime did not answer in time (the environment must be killed).
    TimedOut { dispatched: Dispatched },
    /// The process exited while it held the invocation.
    Exited { exit: Exit, dispatched: Dispatched },
    /// The process exited before it took the invocation (initialisation failed).
    InitExited { exit: Exit },
    /// The runtime reported a failed initialisation.
    InitFailed { error: InitError },
    /// The runtime did not ask for the event within the initialisation limit.
    InitTimedOut,
}

impl Environment {
    /// Whether the process is still running.
    pub fn alive(&self) -> bool {
        self.control.exited().is_none()
    }

    /// The peak memory of the runtime process so far, in MB.
    pub fn max_memory_mb(&self) -> u64 {
        if let Some(mb) = max_memory_mb(self.control.pid) {
            self.max_memory.fetch_max(mb, Ordering::Relaxed);
        }
        self.max_memory.load(Ordering::Relaxed)
    }

    /// Reads all output the process has written so far into the logs.
    pub fn drain_output(&self) {
        self.pipes.drain();
    }

    /// Runs one invocation: hands it to the runtime, then waits for its answer, the
    /// process's exit or the deadline. `cold` applies the initialisation limit to the
    /// wait for the runtime to take the event. When it takes it, the output written so
    /// far (its initialisation's) is read into the log, then `start_line`: whatever the
    /// function writes while handling the event comes after it.
    pub async fn run(&self, invocation: Invocation, cold: bool, start_line: String) -> Run {
        let (dispatched_tx, dispatched_rx) = oneshot::channel();
        let (reply_tx, reply_rx) = oneshot::channel();
        let timeout = invocation.timeout;
        let dispatch = Dispatch {
            request_id: invocation.request_id,
            payload: invocation.payload,
            timeout,
            function_arn: invocation.function_arn,
            trace_id: invocation.trace_id,
            client_context: invocation.client_context,
            cognito_identity: None,
            dispatched: dispatched_tx,
            reply: reply_tx,
            on_take: Some(Box::new({
                let pipes = Arc::clone(&self.pipes);
                let sink = Arc::clone(&self.sink);
                move || {
                    pipes.drain();
                    sink.platform_line(&start_line);
                }
            })),
        };
        let mut exit = self.control.exit.clone();
        let mut init_error = self.api.init_error.clone();
        if self.api.queue.send(dispatch).await.is_err() {
            return Run::InitExited {
                exit: Exit {
                    description: "the Runtime API stopped".to_owned(),
                    success: false,
                },
            };
        }
        let waiting_since = Instant::now();
        let first_wait = if cold { INIT_LIMIT } else { timeout };
        let dispatched = tokio::select! {
            biased;
            dispatched = dispatched_rx => match dispatched {
                Ok(dispatched) => dispatched,
                Err(_) => return Run::InitExited { exit: wait_exit(&mut exit).await },
            },
            error = wait_init_error(&mut init_error) => return Run::InitFailed { error },
            exit = wait_exit(&mut exit) => return Run::InitExited { exit },
            () = tokio::time::sleep(first_wait) => {
                return if cold {
                    Run::InitTimedOut
                } else {
                    Run::TimedOut {
                        dispatched: Dispatched { at: waiting_since, deadline_ms: 0 },
                    }
                };
            }
        };
        let deadline = tokio::time::Instant::from_std(dispatched.at + timeout);
        tokio::select! {
            biased;
            reply = reply_rx => match reply {
                Ok(reply) => Run::Replied { reply, dispatched, finished: Instant::now() },
                Err(_) => Run::Exited { exit: wait_exit(&mut exit).await, dispatched },
            },
            exit = wait_exit(&mut exit) => Run::Exited { exit, dispatched },
            () = tokio::time::sleep_until(deadline) => Run::TimedOut { dispatched },
        }
    }
}

/// Waits for an initialisation error to be posted (forever if the Runtime API is gone:
/// its process's exit is noticed instead).
async fn wait_init_error(posted: &mut watch::Receiver<Option<InitError>>) -> InitError {
    let error = match posted.wait_for(Option::is_some).await {
        Ok(error) => error.clone(),
        Err(_) => None,
    };
    match error {
        Some(error) => error,
        None => std::future::pending().await,
    }
}

async fn wait_exit(exit: &mut watch::Receiver<Option<Exit>>) -> Exit {
    match exit.wait_for(Option::is_some).await {
        Ok(exit) => exit.clone().unwrap_or_else(|| Exit {
            description: "signal: killed".to_owned(),
            success: false,
        }),
        // The supervisor is gone: the process was killed with the emulator's runtime.
        Err(_) => Exit {
            description: "signal: killed".to_owned(),
            success: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lambda::names::LATEST;

    #[test]
    fn exits_read_as_lambda_words_them() {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            describe_exit(&std::process::ExitStatus::from_raw(3 << 8)),
            "exit status 3"
        );
        assert_eq!(
            describe_exit(&std::process::ExitStatus::from_raw(9)),
            "signal: killed"
        );
    }

    #[test]
    fn only_the_allow_list_and_named_variables_reach_a_function() {
        // PATH is set in every test process; the others are this test's own.
        std::env::set_var("EMULATOR_UNIT_CANARY_SECRET", "s3cr3t");
        std::env::set_var("UNIT_CANARY_PASSED", "passed");
        let names = |pass: &[String]| -> Vec<String> {
            host_variables(pass)
                .into_iter()
                .map(|(n, _)| n.to_string_lossy().into_owned())
                .collect()
        };
        let plain = names(&[]);
        assert!(plain.contains(&"PATH".to_owned()), "{plain:?}");
        assert!(!plain.iter().any(|n| n.contains("CANARY")), "{plain:?}");
        assert!(!plain.iter().any(|n| n.starts_with("AWS_")), "{plain:?}");
        let passed = names(&["UNIT_CANARY_PASSED".to_owned(), "UNSET_NAME_X".to_owned()]);
        assert!(passed.contains(&"UNIT_CANARY_PASSED".to_owned()));
        assert!(!passed.contains(&"UNSET_NAME_X".to_owned()));
        assert!(!passed.contains(&"EMULATOR_UNIT_CANARY_SECRET".to_owned()));
    }

    #[test]
    fn trace_ids_and_log_streams_are_shaped_as_lambdas() {
        let trace = crate::lambda::xray::new_trace_id();
        assert!(trace.starts_with("Root=1-"), "{trace}");
        assert_eq!(trace.split(';').count(), 3);
        let stream = log_stream_name(LATEST);
        assert!(stream.contains("/[$LATEST]"), "{stream}");
        assert_eq!(max_memory_mb(u32::MAX), None);
        assert!(max_memory_mb(std::process::id()).is_some_and(|mb| mb > 0));
    }
}
