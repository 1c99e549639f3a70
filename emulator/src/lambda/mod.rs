//! AWS Lambda over restJson1: functions (create, read, list, update, delete), versions
//! and aliases, and Invoke, run in execution environments that are real child processes
//! speaking the Lambda Runtime API, as `provided.al2023` runs a `bootstrap` executable
//! (or, for `python3.x` / `nodejs*.x`, an interpreter of the machine running AWS's runtime
//! interface client).
//!
//! - [`routes`]: every operation by method and path; the one table through which the
//!   implemented ones are reached.
//! - [`api`]: decodes a request for its operation and writes the answer.
//! - [`access`]: a request's function name as a target, and the caller's authorisation
//!   for an action on it.
//! - [`functions`]: CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions,
//!   UpdateFunctionConfiguration, UpdateFunctionCode, DeleteFunction.
//! - [`versions`]: PublishVersion, ListVersionsByFunction, the alias operations, and the
//!   resolution of qualifiers.
//! - [`invoke`]: Invoke (RequestResponse, Event, DryRun), payload limits, throttling.
//! - [`managed`]: the managed runtimes' interpreters; [`xray`]: the X-Ray daemon socket
//!   and invocation timelines; [`links`]: GetFunction's download links.
//! - [`execution`]: one invocation in an environment: cold or warm start, the
//!   platform's log lines, timeouts, crashes and initialisation errors as Lambda reports
//!   them.
//! - [`environment`]: a child process in its own process group, its environment
//!   variables and role session credentials, and its supervisor.
//! - [`runtime_api`]: the Runtime API each environment's runtime polls.
//! - [`pool`]: a function's environments (warm reuse, concurrency limit, idle reaping).
//! - [`updates`]: the function's `State` and `LastUpdateStatus` while what it needs is
//!   prepared.
//! - [`store`], [`config`], [`code`], [`names`], [`model`]: functions, their
//!   configuration and code, names and ARNs, and the wire shapes.
//! - [`logs`], [`records`]: invocation logs and the invocation records behind
//!   `/_emulator/lambda/invocations`.
//! - [`error`]: [`LambdaError`], the one place codes and statuses are assigned.
//! - [`fixture`]: functions declared in fixture files.
//! - [`services`]: what Lambda needs from the rest of the emulator (its stores, IAM's
//!   authorisation, role sessions), as small traits the state implements.

/// The name Lambda requests are signed for (the credential scope's service).
pub const SIGNING_NAME: &str = "lambda";

pub mod access;
pub mod api;
pub mod archive;
pub mod code;
pub mod config;
pub mod environment;
pub mod error;
pub mod execution;
pub mod fixture;
pub mod functions;
pub mod invoke;
pub mod lifeline;
pub mod links;
pub mod logs;
pub mod managed;
pub mod model;
pub mod names;
pub mod pool;
pub mod records;
pub mod routes;
pub mod runtime_api;
pub mod services;
pub mod store;
pub mod tags;
pub mod trust;
pub mod updates;
pub mod versions;
pub mod xray;

pub use error::LambdaError;

use crate::config::Config;
use code::WorkDir;
use records::InvocationRecords;
use services::LambdaServices;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The service principal of Lambda (in trust policies).
pub const SERVICE_PRINCIPAL: &str = "lambda.amazonaws.com";

/// The emulator-wide part of Lambda (functions themselves are regional and live in each
/// region's state).
#[derive(Debug, Default)]
pub struct Lambda {
    /// Recent invocations and the environments' call trackers.
    pub records: Arc<InvocationRecords>,
    /// The address the emulator actually listens on (known once it serves).
    endpoint: OnceLock<SocketAddr>,
    /// Where deployment packages are unpacked; created on first use, removed with the
    /// emulator.
    workdir: Mutex<Option<Arc<WorkDir>>>,
    /// Set when the emulator stops: no new environments.
    stopping: AtomicBool,
    /// One permit per execution environment of any function
    /// (`Config::lambda_max_environments_total`), created on first use.
    environments: OnceLock<Arc<Semaphore>>,
    /// Event invocations waiting for an environment, and their payload bytes.
    queued: Arc<Mutex<(usize, usize)>>,
    /// The interpreters of managed runtimes, found on first use.
    runtimes: OnceLock<Arc<managed::Runtimes>>,
    /// GetFunction's download links (`Code.Location`).
    pub code_links: links::CodeLinks,
    /// The invocations waiting for X-Ray segments.
    pub traces: Arc<xray::Traces>,
    /// The X-Ray daemon socket, opened on first use.
    xray: OnceLock<Option<SocketAddr>>,
}

/// An Event invocation's place in the queue, given back when it is dropped.
#[derive(Debug)]
pub struct QueuedEvent {
    queued: Arc<Mutex<(usize, usize)>>,
    bytes: usize,
}

impl Drop for QueuedEvent {
    fn drop(&mut self) {
        let mut queued = self.queued.lock().unwrap_or_else(|e| e.into_inner());
        queued.0 = queued.0.saturating_sub(1);
        queued.1 = queued.1.saturating_sub(self.bytes);
    }
}

impl Lambda {
    /// Records the address the emulator listens on.
    pub fn set_endpoint(&self, address: SocketAddr) {
        let _ = self.endpoint.set(address);
    }

    /// The URL functions reach the emulator at (`AWS_ENDPOINT_URL`): the listening
    /// address, with a wildcard address replaced by loopback.
    pub fn endpoint_url(&self, config: &Config) -> String {
        let mut address = self.endpoint.get().copied().unwrap_or(config.listen);
        if address.ip().is_unspecified() {
            address.set_ip(match address.ip() {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
            });
        }
        format!("http://{address}")
    }

    /// The work directory, created on first use.
    pub fn workdir(&self) -> Result<Arc<WorkDir>, LambdaError> {
        let mut workdir = self.workdir.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(dir) = workdir.as_ref() {
            return Ok(Arc::clone(dir));
        }
        let dir = Arc::new(WorkDir::create().map_err(|e| {
            LambdaError::Service(format!(
                "Cannot create the emulator's Lambda work directory: {e}"
            ))
        })?);
        *workdir = Some(Arc::clone(&dir));
        Ok(dir)
    }

    /// A place in the Event queue for a payload of `bytes`, if the queue stays within
    /// [`invoke::MAX_QUEUED_EVENTS`] invocations and `max_bytes` bytes.
    pub fn queue_event(&self, bytes: usize, max_bytes: usize) -> Option<QueuedEvent> {
        let mut queued = self.queued.lock().unwrap_or_else(|e| e.into_inner());
        if queued.0 >= invoke::MAX_QUEUED_EVENTS || queued.1.saturating_add(bytes) > max_bytes {
            return None;
        }
        queued.0 += 1;
        queued.1 += bytes;
        Some(QueuedEvent {
            queued: Arc::clone(&self.queued),
            bytes,
        })
    }

    /// Whether the emulator is stopping.
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }

    /// The emulator's X-Ray daemon address (its UDP socket is opened on first use, from
    /// within the runtime).
    pub fn xray_daemon(&self) -> Option<SocketAddr> {
        xray::daemon_address(&self.xray, &self.traces)
    }

    /// The managed runtimes' interpreters (mapped in `config`, or found).
    pub fn runtimes(&self, config: &Config) -> Arc<managed::Runtimes> {
        Arc::clone(
            self.runtimes
                .get_or_init(|| Arc::new(managed::Runtimes::new(&config.lambda_runtimes))),
        )
    }
}

/// A permit for one more execution environment, emulator-wide: when all are taken, idle
/// environments (of any function, the longest idle first) are stopped to make room;
/// `None` if every environment is busy.
pub fn environment_slot(state: &dyn LambdaServices) -> Option<OwnedSemaphorePermit> {
    let permits = state.lambda().environments.get_or_init(|| {
        Arc::new(Semaphore::new(
            state.config().lambda_max_environments_total.max(1),
        ))
    });
    loop {
        if let Ok(permit) = Arc::clone(permits).try_acquire_owned() {
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
            return Arc::clone(permits).try_acquire_owned().ok();
        }
    }
}

/// Stops every execution environment of every region and waits until their processes are
/// gone; no environment starts afterwards. Called when the emulator stops.
pub async fn stop_all(state: &dyn LambdaServices) {
    state.lambda().stopping.store(true, Ordering::Release);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_given_to_functions_is_the_listening_address_on_loopback() {
        let lambda = Lambda::default();
        let config = Config::default();
        assert_eq!(lambda.endpoint_url(&config), "http://127.0.0.1:4566");
        lambda.set_endpoint("0.0.0.0:5000".parse().unwrap());
        assert_eq!(lambda.endpoint_url(&config), "http://127.0.0.1:5000");
    }
}
