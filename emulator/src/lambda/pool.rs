//! A function's execution environments: idle ones kept warm for reuse (most recently used
//! first), at most a configured number at once (each running invocation holds a permit),
//! retired when the configuration or code changes, and reaped after a configured idle
//! time by a background task that ends with the pool.

use super::environment::{Environment, EnvironmentControl};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long shutdown waits for one environment's process to be reaped.
const STOP_LIMIT: Duration = Duration::from_secs(5);

/// A function's environments (a clone is another handle on the same pool).
#[derive(Debug, Clone)]
pub struct EnvironmentPool {
    inner: Arc<PoolInner>,
}

#[derive(Debug)]
struct PoolInner {
    /// One permit per environment that may run at once.
    permits: Arc<Semaphore>,
    /// Environments waiting for an invocation, with the time they became idle; the most
    /// recently used last.
    idle: Mutex<Vec<(Arc<Environment>, Instant)>>,
    /// Every environment started and not yet known to have exited (idle or busy).
    live: Mutex<Vec<Arc<EnvironmentControl>>>,
    /// Whether the reaper task runs.
    reaping: AtomicBool,
    /// Set when the function is deleted.
    closed: AtomicBool,
    idle_timeout: Duration,
}

impl EnvironmentPool {
    /// A new function's pool, with the emulator's configured limits.
    pub fn configured(config: &crate::config::Config) -> Self {
        Self::new(
            config.lambda_max_environments,
            Duration::from_secs(config.lambda_idle_seconds),
        )
    }

    /// A pool of at most `max` environments, each reaped after `idle_timeout` unused.
    pub fn new(max: usize, idle_timeout: Duration) -> Self {
        EnvironmentPool {
            inner: Arc::new(PoolInner {
                permits: Arc::new(Semaphore::new(max.max(1))),
                idle: Mutex::new(Vec::new()),
                live: Mutex::new(Vec::new()),
                reaping: AtomicBool::new(false),
                closed: AtomicBool::new(false),
                idle_timeout,
            }),
        }
    }

    /// A permit to run one invocation now, if an environment is free or may be started.
    pub fn try_permit(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.inner.permits).try_acquire_owned().ok()
    }

    /// A permit to run one invocation, waiting for one (`None` once the function is
    /// deleted).
    pub async fn permit(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.inner.permits).acquire_owned().await.ok()
    }

    /// A warm environment of configuration `generation`, if one is idle. Idle
    /// environments of other generations, exited ones and ones due for retirement are
    /// dropped (which kills them).
    pub fn take_idle(&self, generation: u64) -> Option<Arc<Environment>> {
        let now = Instant::now();
        let mut idle = self.inner.idle.lock().unwrap_or_else(|e| e.into_inner());
        let mut stale = Vec::new();
        let mut found = None;
        while let Some((env, since)) = idle.pop() {
            if env.generation == generation && env.alive() && env.retire_at > now {
                found = Some(env);
                break;
            }
            stale.push((env, since));
        }
        drop(idle);
        drop(stale);
        found
    }

    /// Tracks a newly started environment (and starts the reaper if it is not running).
    pub fn track(&self, control: Arc<EnvironmentControl>) {
        {
            let mut live = self.inner.live.lock().unwrap_or_else(|e| e.into_inner());
            live.retain(|c| c.exited().is_none());
            live.push(control);
        }
        if !self.inner.reaping.swap(true, Ordering::AcqRel) {
            let weak = Arc::downgrade(&self.inner);
            let interval = (self.inner.idle_timeout / 4)
                .clamp(Duration::from_millis(50), Duration::from_secs(5));
            tokio::spawn(reap(weak, interval));
        }
    }

    /// Returns an environment after an invocation: kept warm if it still runs, is of the
    /// current `generation` and the function still exists; otherwise dropped (killed).
    pub fn release(&self, env: Arc<Environment>, generation: u64) {
        let keep = env.alive()
            && env.generation == generation
            && !self.inner.closed.load(Ordering::Acquire)
            && env.retire_at > Instant::now();
        if keep {
            self.inner
                .idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((env, Instant::now()));
        }
    }

    /// Drops idle environments of other generations than `generation` (a configuration
    /// or code change: the next invocation starts cold).
    pub fn retire_other_generations(&self, generation: u64) {
        let stale: Vec<(Arc<Environment>, Instant)> = {
            let mut idle = self.inner.idle.lock().unwrap_or_else(|e| e.into_inner());
            let (keep, stale) = std::mem::take(&mut *idle)
                .into_iter()
                .partition(|(env, _)| env.generation == generation);
            *idle = keep;
            stale
        };
        drop(stale);
    }

    /// The function is deleted: no new invocations, idle environments dropped, busy ones
    /// dropped when they finish.
    pub fn close(&self) {
        self.inner.closed.store(true, Ordering::Release);
        self.inner.permits.close();
        let idle = std::mem::take(&mut *self.inner.idle.lock().unwrap_or_else(|e| e.into_inner()));
        drop(idle);
    }

    /// Kills every environment, idle or busy, and waits for their processes to be reaped.
    pub async fn stop_all(&self) {
        let idle = std::mem::take(&mut *self.inner.idle.lock().unwrap_or_else(|e| e.into_inner()));
        drop(idle);
        let live: Vec<Arc<EnvironmentControl>> =
            std::mem::take(&mut *self.inner.live.lock().unwrap_or_else(|e| e.into_inner()));
        for control in &live {
            control.kill();
        }
        for control in &live {
            control.stop(STOP_LIMIT).await;
        }
    }

    /// Since when the longest-idle environment has been idle, if any is.
    pub fn oldest_idle_since(&self) -> Option<Instant> {
        let idle = self.inner.idle.lock().unwrap_or_else(|e| e.into_inner());
        idle.iter().map(|(_, since)| *since).min()
    }

    /// Stops the longest-idle environment (to make room for another function's);
    /// `false` if none is idle.
    pub fn evict_oldest_idle(&self) -> bool {
        let evicted = {
            let mut idle = self.inner.idle.lock().unwrap_or_else(|e| e.into_inner());
            let oldest = idle
                .iter()
                .enumerate()
                .min_by_key(|(_, (_, since))| *since)
                .map(|(i, _)| i);
            oldest.map(|i| idle.remove(i))
        };
        // Dropped outside the lock: dropping kills the process group.
        evicted.is_some()
    }

    /// How many environments are idle.
    pub fn idle_count(&self) -> usize {
        self.inner
            .idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }
}

impl PoolInner {
    /// Drops environments idle for longer than the idle timeout, or due for retirement;
    /// returns whether any environment still lives.
    fn reap_idle(&self) -> bool {
        let now = Instant::now();
        let expired: Vec<(Arc<Environment>, Instant)> = {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            let (expired, keep) =
                std::mem::take(&mut *idle)
                    .into_iter()
                    .partition(|(env, since)| {
                        now.duration_since(*since) >= self.idle_timeout
                            || env.retire_at <= now
                            || !env.alive()
                    });
            *idle = keep;
            expired
        };
        for (env, _) in &expired {
            tracing::debug!(environment = %env.control.id, "idle execution environment reaped");
        }
        drop(expired);
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        live.retain(|c| c.exited().is_none());
        if live.is_empty() {
            // Decided under the lock `track` takes, so a new environment restarts it.
            self.reaping.store(false, Ordering::Release);
            return false;
        }
        true
    }
}

/// The reaper: every `interval`, drops environments idle for too long; ends when the pool
/// is gone or has no environment left.
async fn reap(pool: Weak<PoolInner>, interval: Duration) {
    loop {
        tokio::time::sleep(interval).await;
        let Some(pool) = pool.upgrade() else { return };
        if !pool.reap_idle() {
            return;
        }
    }
}
