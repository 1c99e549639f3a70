//! One invocation, run as Lambda runs it: in a warm environment of the function's current
//! configuration if one is idle, otherwise in a new one (a cold start: the code built if
//! it is a cargo package, the execution role re-checked and a session started for it);
//! framed in the log by `START`, `END` and `REPORT`; timeouts, crashes and failed
//! initialisations answered with the error documents Lambda sends. The emulator-wide
//! environment limit ([`environment_slot`]) and the shutdown ([`stop_all`]) are here too.
//! This layer names no operation (`functions`, `versions`, `invoke`, `api`).

use super::environment::{self, Environment, Exit, Invocation, Launch, LaunchError, Run};
use super::error::LambdaError;
use super::logs::{self, InvocationLog, Report};
use super::pool::EnvironmentPool;
use super::records::{InvocationRecord, SharedRecord};
use super::runtime_api::{Reply, MAX_RESPONSE_BYTES};
use super::services::LambdaServices;
use super::store::{Function, FunctionVersion, Resolved};
use super::trust::{role_trusts_lambda, ROLE_NOT_ASSUMABLE};
use axum::body::Bytes;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::OwnedSemaphorePermit;

/// An environment is retired this long before its credentials expire.
const RETIRE_MARGIN: Duration = Duration::from_secs(300);

/// An invocation to run.
#[derive(Debug, Clone)]
pub struct Request {
    pub request_id: String,
    pub payload: Bytes,
    /// `RequestResponse` or `Event`.
    pub invocation_type: &'static str,
    /// Raw JSON.
    pub client_context: Option<String>,
    pub trace_id: String,
    /// The ARN the caller invoked (with its qualifier, an alias's included), which the
    /// runtime receives as `Lambda-Runtime-Invoked-Function-Arn`.
    pub invoked_arn: String,
}

/// How an invocation ended.
#[derive(Debug)]
pub struct Outcome {
    /// The function's result, or the error document.
    pub payload: Bytes,
    /// `Some("Unhandled")` for a function error.
    pub function_error: Option<&'static str>,
    /// The invocation's log.
    pub log: Arc<InvocationLog>,
}

/// Why a cold start failed.
enum ColdStartError {
    /// The API answers an error (the role cannot be assumed, the emulator is stopping).
    Api(LambdaError),
    /// The runtime cannot be started: a function error `Runtime.InvalidEntrypoint`.
    Entrypoint(String),
}

fn error_document(error_type: &str, message: &str) -> Bytes {
    Bytes::from(serde_json::json!({"errorMessage": message, "errorType": error_type}).to_string())
}

/// The error document of an `/error` post: the runtime's own when it is JSON, else one
/// built from what it sent.
fn posted_error(error_type: Option<&str>, body: &Bytes) -> (Bytes, String) {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body) {
        let kind = map
            .get("errorType")
            .and_then(|t| t.as_str())
            .or(error_type)
            .unwrap_or("Unhandled")
            .to_owned();
        return (body.clone(), kind);
    }
    let kind = error_type.unwrap_or("Unhandled").to_owned();
    (error_document(&kind, &String::from_utf8_lossy(body)), kind)
}

/// `2024-01-02T03:04:05.678Z`.
fn timestamp() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The message of a runtime that exited.
fn exit_message(request_id: &str, exit: &Exit) -> String {
    if exit.success {
        format!("RequestId: {request_id} Error: Runtime exited without providing a reason")
    } else {
        format!(
            "RequestId: {request_id} Error: Runtime exited with error: {}",
            exit.description
        )
    }
}

/// A permit for one more execution environment, emulator-wide: when all are taken, idle
/// environments (of any function, the longest idle first) are stopped to make room;
/// `None` if every environment is busy.
pub fn environment_slot(state: &dyn LambdaServices) -> Option<OwnedSemaphorePermit> {
    let permits = state
        .lambda()
        .environments(state.config().lambda_max_environments_total);
    loop {
        if let Ok(permit) = Arc::clone(&permits).try_acquire_owned() {
            return Some(permit);
        }
        let evicted = state
            .every_region()
            .iter()
            .flat_map(|region| region.all())
            .flat_map(|function| function.pools())
            .filter_map(|pool| pool.oldest_idle_since().map(|t| (pool, t)))
            .min_by_key(|(_, since)| *since)
            .is_some_and(|(pool, _)| pool.evict_oldest_idle());
        if !evicted {
            return Arc::clone(&permits).try_acquire_owned().ok();
        }
    }
}

/// Stops every execution environment of every region and waits until their processes are
/// gone; no environment starts afterwards. Called when the emulator stops.
pub async fn stop_all(state: &dyn LambdaServices) {
    state.lambda().stop();
    let functions: Vec<_> = state
        .every_region()
        .iter()
        .flat_map(|region| region.all())
        .collect();
    for function in &functions {
        for pool in function.pools() {
            pool.stop_all().await;
        }
    }
    if !functions.is_empty() {
        tracing::debug!(
            functions = functions.len(),
            "execution environments stopped"
        );
    }
}

/// Starts a new environment for `version`.
async fn cold_start(
    state: &dyn LambdaServices,
    pool: &EnvironmentPool,
    version: &FunctionVersion,
    log: &Arc<InvocationLog>,
    record: &SharedRecord,
) -> Result<Arc<Environment>, ColdStartError> {
    if state.lambda().is_stopping() {
        return Err(ColdStartError::Api(LambdaError::Service(
            "The emulator is stopping.".to_owned(),
        )));
    }
    let config = &version.config;
    let (mut executable, task_root) = version
        .code
        .entrypoint()
        .await
        .map_err(ColdStartError::Entrypoint)?;
    let mut arguments = Vec::new();
    let mut runtime_variables = Vec::new();
    // Lambda's X-Ray variables (Lambda Developer Guide, "Defined runtime environment
    // variables"): the daemon's address (here the emulator's own socket) and what an SDK
    // does outside a trace.
    if let Some(daemon) = state.lambda().xray_daemon() {
        runtime_variables.push(("AWS_XRAY_DAEMON_ADDRESS".to_owned(), daemon.to_string()));
        runtime_variables.push((
            "AWS_XRAY_CONTEXT_MISSING".to_owned(),
            "LOG_ERROR".to_owned(),
        ));
    }
    if super::managed::family(&config.runtime).is_some() {
        // A managed runtime: its interpreter runs AWS's runtime interface client with the
        // handler (found when the function was created; a fixture's on its first start).
        let runtimes = state.lambda().runtimes(state.config());
        let runtime = config.runtime.clone();
        let interpreter = tokio::task::spawn_blocking(move || runtimes.find(&runtime))
            .await
            .map_err(|e| ColdStartError::Entrypoint(e.to_string()))?
            .map_err(ColdStartError::Entrypoint)?;
        let handler = config.handler.clone().unwrap_or_default();
        let (program, args) = interpreter.command(&handler);
        executable = program;
        arguments = args;
        runtime_variables.extend(interpreter.variables(&config.runtime, &task_root));
    }
    // Lambda assumes the role for every new environment: it must still trust Lambda.
    role_trusts_lambda(state, &config.role, &config.arn).map_err(ColdStartError::Api)?;
    let role_gone = || {
        ColdStartError::Api(LambdaError::InvalidParameterValue(
            ROLE_NOT_ASSUMABLE.to_owned(),
        ))
    };
    let Some(duration) = state.max_session_duration(&config.role) else {
        return Err(role_gone());
    };
    // One more process, if the emulator-wide limit allows (after idle environments of
    // other functions were stopped to make room).
    let slot =
        environment_slot(state).ok_or_else(|| ColdStartError::Api(LambdaError::throttled()))?;
    let Some(session) = state.start_role_session(
        &config.role,
        &config.name,
        &config.arn,
        duration,
        time::OffsetDateTime::now_utc(),
    ) else {
        return Err(role_gone());
    };
    let expires = Instant::now() + Duration::from_secs(u64::from(duration));
    let retire_at = expires.checked_sub(RETIRE_MARGIN).unwrap_or(expires);
    let env = environment::launch(Launch {
        config,
        code: Arc::clone(&version.code),
        executable,
        arguments,
        runtime_variables,
        task_root,
        generation: version.generation,
        endpoint: state.lambda().endpoint_url(state.config()),
        access_key_id: session.access_key_id,
        secret_access_key: session.secret_access_key,
        session_token: session.session_token,
        expires: retire_at,
        log: Arc::clone(log),
        record: Arc::clone(record),
        records: Arc::clone(&state.lambda().records),
        pass_env: &state.config().lambda_pass_env,
        slot,
    })
    .await
    .map_err(|e| match e {
        LaunchError::Spawn(message) => ColdStartError::Entrypoint(message),
        LaunchError::Setup(message) => ColdStartError::Api(LambdaError::Service(message)),
    })?;
    pool.track(Arc::clone(&env.control));
    Ok(Arc::new(env))
}

fn update(record: &SharedRecord, change: impl FnOnce(&mut InvocationRecord)) {
    change(&mut record.lock().unwrap_or_else(|e| e.into_inner()));
}

/// What the log and the record say of a finished invocation.
struct Finish<'a> {
    request_id: &'a str,
    memory_mb: u32,
    duration: Duration,
    init: Option<Duration>,
    max_memory_mb: u64,
    /// Whether the invocation's trace is sampled: the platform's own subsegments then
    /// join the function's in the record's X-Ray timeline.
    traced: bool,
}

fn report(sink_line: &dyn Fn(&str), record: &SharedRecord, finish: &Finish<'_>) {
    let duration_ms = millis(finish.duration);
    let init_ms = finish.init.map(millis);
    let billed = logs::billed_ms(duration_ms, init_ms);
    sink_line(&logs::end_line(finish.request_id));
    sink_line(&logs::report_line(&Report {
        request_id: finish.request_id,
        duration_ms,
        billed_ms: billed,
        memory_mb: finish.memory_mb,
        max_memory_used_mb: finish.max_memory_mb,
        init_duration_ms: init_ms,
    }));
    if finish.traced {
        // The subsegments Lambda's function segment shows: `Initialization` (a cold
        // start's init phase), then `Invocation` (the handler).
        let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as f64 / 1e9;
        let invocation_start = now - finish.duration.as_secs_f64();
        let mut platform = Vec::new();
        if let Some(init) = finish.init {
            platform.push(super::xray::platform_entry(
                "Initialization",
                invocation_start - init.as_secs_f64(),
                invocation_start,
            ));
        }
        platform.push(super::xray::platform_entry(
            "Invocation",
            invocation_start,
            now,
        ));
        update(record, |r| {
            r.xray.extend(platform);
            r.xray.sort_by(|a, b| a.start_time.total_cmp(&b.start_time));
        });
    }
    update(record, |r| {
        r.duration_ms = Some((duration_ms * 100.0).round() / 100.0);
        r.init_duration_ms = init_ms.map(|ms| (ms * 100.0).round() / 100.0);
        r.billed_duration_ms = Some(billed);
        r.max_memory_used_mb = Some(finish.max_memory_mb);
    });
}

/// Runs one invocation of `function` at `resolved` (`$LATEST` or a published version,
/// each with environments of its own; the caller holds a permit of that pool).
pub async fn execute(
    state: &dyn LambdaServices,
    function: &Arc<Function>,
    resolved: &Resolved,
    request: Request,
) -> Result<Outcome, LambdaError> {
    let version = resolved.snapshot(function);
    let pool = resolved.pool(function);
    let config = &version.config;
    let log = Arc::new(InvocationLog::default());
    let record = state.lambda().records.begin(InvocationRecord {
        request_id: request.request_id.clone(),
        function_name: config.name.clone(),
        function_arn: config.arn.clone(),
        function_version: config.version.clone(),
        region: config.region.clone(),
        invocation_type: request.invocation_type.to_owned(),
        start_time: timestamp(),
        cold_start: false,
        environment_id: None,
        pid: None,
        init_duration_ms: None,
        duration_ms: None,
        billed_duration_ms: None,
        max_memory_used_mb: None,
        outcome: "Pending".to_owned(),
        error_type: None,
        aws_calls: Vec::new(),
        xray: Vec::new(),
    });
    state
        .lambda()
        .records
        .keep_log(&request.request_id, Arc::clone(&log));
    // Segments the function sends for this invocation's trace land in its record.
    state.lambda().traces.expect(&request.trace_id, &record);
    let traced = request.trace_id.contains("Sampled=1");
    let request_id = request.request_id.as_str();
    let started = Instant::now();
    let warm = pool.take_idle(version.generation);
    let cold = warm.is_none();
    let env = match warm {
        Some(env) => {
            env.sink.attach(Arc::clone(&log));
            env
        }
        None => match cold_start(state, pool, &version, &log, &record).await {
            Ok(env) => env,
            Err(ColdStartError::Api(error)) => {
                update(&record, |r| {
                    r.cold_start = true;
                    r.outcome = "Failed".to_owned();
                    r.error_type = Some(crate::protocol::AwsError::code(&error).to_owned());
                });
                return Err(error);
            }
            Err(ColdStartError::Entrypoint(message)) => {
                // Nothing ran: the platform's lines alone.
                let line = |text: &str| {
                    tracing::info!(target: "emulator::lambda::function", function = %config.name, "{text}");
                    log.push_line(text);
                };
                let message = format!("RequestId: {request_id} Error: {message}");
                line(&logs::start_line(request_id, &config.version));
                line(&message);
                line("Runtime.InvalidEntrypoint");
                report(
                    &line,
                    &record,
                    &Finish {
                        request_id,
                        memory_mb: config.memory_size,
                        duration: started.elapsed(),
                        init: None,
                        max_memory_mb: 0,
                        traced,
                    },
                );
                update(&record, |r| {
                    r.cold_start = true;
                    r.outcome = "Unhandled".to_owned();
                    r.error_type = Some("Runtime.InvalidEntrypoint".to_owned());
                });
                return Ok(Outcome {
                    payload: error_document("Runtime.InvalidEntrypoint", &message),
                    function_error: Some("Unhandled"),
                    log,
                });
            }
        },
    };
    env.tracker.set(Arc::clone(&record));
    update(&record, |r| {
        r.cold_start = cold;
        r.environment_id = Some(env.control.id.clone());
        r.pid = Some(env.control.pid);
    });
    let sink = Arc::clone(&env.sink);
    let line = |text: &str| sink.platform_line(text);
    let timeout = Duration::from_secs(u64::from(config.timeout));
    let start_line = logs::start_line(request_id, &config.version);
    let run = env
        .run(
            Invocation {
                request_id: request.request_id.clone(),
                payload: request.payload,
                timeout,
                function_arn: request.invoked_arn.clone(),
                trace_id: request.trace_id,
                client_context: request.client_context,
            },
            cold,
            start_line.clone(),
        )
        .await;
    env.drain_output();
    let now = Instant::now();
    let memory = env.max_memory_mb();
    let finish = |duration: Duration, init: Option<Duration>| Finish {
        request_id,
        memory_mb: config.memory_size,
        duration,
        init,
        max_memory_mb: memory,
        traced,
    };
    // A failed initialisation is reported before START; a warm environment that died
    // while idle has no initialisation to report.
    let init_report = |status: &str, error_type: Option<&str>| {
        if cold {
            let mut text = format!(
                "INIT_REPORT Init Duration: {} ms\tPhase: init\tStatus: {status}",
                logs::millis(millis(now.duration_since(env.started)))
            );
            if let Some(kind) = error_type {
                text.push_str(&format!("\tError Type: {kind}"));
            }
            line(&text);
        }
        line(&start_line);
    };
    let (payload, error_type, keep) = match run {
        Run::Replied {
            reply,
            dispatched,
            finished,
        } => {
            let init = cold.then(|| dispatched.at.duration_since(env.started));
            let (payload, error_type) = match reply {
                Reply::Response(body) => (body, None),
                Reply::Error { error_type, body } => {
                    let (document, kind) = posted_error(error_type.as_deref(), &body);
                    (document, Some(kind))
                }
                Reply::ResponseTooLarge => {
                    let kind = "Function.ResponseSizeTooLarge";
                    (
                        error_document(
                            kind,
                            &format!("Response payload size exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."),
                        ),
                        Some(kind.to_owned()),
                    )
                }
            };
            report(
                &line,
                &record,
                &finish(finished.duration_since(dispatched.at), init),
            );
            (payload, error_type, true)
        }
        Run::TimedOut { dispatched } => {
            let seconds = format!("{:.2}", timeout.as_secs_f64());
            line(&format!(
                "{} {request_id} Task timed out after {seconds} seconds",
                timestamp()
            ));
            let init = cold.then(|| dispatched.at.duration_since(env.started));
            report(
                &line,
                &record,
                &finish(now.duration_since(dispatched.at), init),
            );
            let kind = "Sandbox.Timedout";
            let message =
                format!("RequestId: {request_id} Error: Task timed out after {seconds} seconds");
            (error_document(kind, &message), Some(kind.to_owned()), false)
        }
        Run::Exited { exit, dispatched } => {
            let message = exit_message(request_id, &exit);
            let kind = "Runtime.ExitError";
            line(&message);
            line(kind);
            let init = cold.then(|| dispatched.at.duration_since(env.started));
            report(
                &line,
                &record,
                &finish(now.duration_since(dispatched.at), init),
            );
            (error_document(kind, &message), Some(kind.to_owned()), false)
        }
        Run::InitExited { exit } => {
            let message = exit_message(request_id, &exit);
            let kind = "Runtime.ExitError";
            init_report("error", Some(kind));
            line(&message);
            line(kind);
            report(&line, &record, &finish(now.duration_since(started), None));
            (error_document(kind, &message), Some(kind.to_owned()), false)
        }
        Run::InitFailed { error } => {
            let (document, kind) = posted_error(error.error_type.as_deref(), &error.body);
            init_report("error", Some(&kind));
            report(&line, &record, &finish(now.duration_since(started), None));
            (document, Some(kind), false)
        }
        Run::InitTimedOut => {
            let seconds = format!("{:.2}", environment::INIT_LIMIT.as_secs_f64());
            init_report("timeout", None);
            line(&format!(
                "{} {request_id} Task timed out after {seconds} seconds",
                timestamp()
            ));
            report(&line, &record, &finish(now.duration_since(started), None));
            let kind = "Sandbox.Timedout";
            let message =
                format!("RequestId: {request_id} Error: Task timed out after {seconds} seconds");
            (error_document(kind, &message), Some(kind.to_owned()), false)
        }
    };
    env.sink.detach();
    update(&record, |r| {
        r.outcome = if error_type.is_some() {
            "Unhandled".to_owned()
        } else {
            "Success".to_owned()
        };
        r.error_type = error_type.clone();
    });
    if keep {
        pool.release(env, resolved.generation(function));
    } else {
        // Dropping the last handle kills the process group.
        drop(env);
    }
    Ok(Outcome {
        payload,
        function_error: error_type.map(|_| "Unhandled"),
        log,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_documents_follow_the_runtime_or_are_built() {
        let (doc, kind) = posted_error(
            Some("Header"),
            &Bytes::from_static(br#"{"errorType":"Body","errorMessage":"m"}"#),
        );
        assert_eq!(kind, "Body");
        assert_eq!(&doc[..], br#"{"errorType":"Body","errorMessage":"m"}"#);
        let (doc, kind) = posted_error(Some("Header"), &Bytes::from_static(b"plain text"));
        assert_eq!(kind, "Header");
        let doc: serde_json::Value = serde_json::from_slice(&doc).unwrap();
        assert_eq!(doc["errorMessage"], "plain text");
        assert_eq!(
            exit_message(
                "id",
                &Exit {
                    description: "exit status 101".into(),
                    success: false
                }
            ),
            "RequestId: id Error: Runtime exited with error: exit status 101"
        );
        assert_eq!(
            exit_message(
                "id",
                &Exit {
                    description: "exit status 0".into(),
                    success: true
                }
            ),
            "RequestId: id Error: Runtime exited without providing a reason"
        );
    }
}
