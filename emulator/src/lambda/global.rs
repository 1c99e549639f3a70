//! Lambda's emulator-wide part ([`Lambda`]): invocation records, X-Ray, download links,
//! the work directory, the Event queue, the environment permits and the stop flag.
//! Functions themselves are regional (each region's `store`). It sits below the function
//! store's traits (`services` hands it out) and names no operation or execution module,
//! so the layers above reach it without a cycle.

use super::code::WorkDir;
use super::error::LambdaError;
use super::records::InvocationRecords;
use super::{links, managed, xray};
use crate::config::Config;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::Semaphore;

/// How many Event invocations may wait for an environment, emulator-wide.
pub const MAX_QUEUED_EVENTS: usize = 10_000;

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
    /// [`MAX_QUEUED_EVENTS`] invocations and `max_bytes` bytes.
    pub fn queue_event(&self, bytes: usize, max_bytes: usize) -> Option<QueuedEvent> {
        let mut queued = self.queued.lock().unwrap_or_else(|e| e.into_inner());
        if queued.0 >= MAX_QUEUED_EVENTS || queued.1.saturating_add(bytes) > max_bytes {
            return None;
        }
        queued.0 += 1;
        queued.1 += bytes;
        Some(QueuedEvent {
            queued: Arc::clone(&self.queued),
            bytes,
        })
    }

    /// The permits for execution environments, emulator-wide: `total` of them (at least
    /// one), fixed on first use.
    pub fn environments(&self, total: usize) -> Arc<Semaphore> {
        Arc::clone(
            self.environments
                .get_or_init(|| Arc::new(Semaphore::new(total.max(1)))),
        )
    }

    /// Marks the emulator as stopping: no environment starts afterwards.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
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
