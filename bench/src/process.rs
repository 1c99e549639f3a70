//! The emulator as a child process: started on `127.0.0.1:0` (its address read from its
//! "emulator listening" log line), its resident memory and CPU time read from `/proc`,
//! and stopped when dropped.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The emulator binary next to the bench's own (`target/release/emulator`), or the one
/// built in the workspace.
pub fn default_emulator_path() -> PathBuf {
    if let Some(sibling) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("emulator")))
        .filter(|p| p.is_file())
    {
        return sibling;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/emulator")
}

/// A running emulator.
pub struct Emulator {
    child: Child,
    pub addr: SocketAddr,
    /// When the process was spawned.
    pub started: Instant,
}

/// Why the emulator could not be started.
fn fail(binary: &Path, problem: impl std::fmt::Display) -> String {
    format!("cannot run {}: {problem}", binary.display())
}

impl Emulator {
    /// Starts `binary` with `fixtures` and waits (at most `timeout`) for its listening
    /// line. Its standard error is drained in a thread for as long as it runs, so that
    /// its logging never blocks it.
    pub fn start(binary: &Path, fixtures: &[PathBuf], timeout: Duration) -> Result<Self, String> {
        Self::start_with(binary, fixtures, &[], timeout)
    }

    /// [`Emulator::start`] with more arguments (`--state-dir DIR`).
    pub fn start_with(
        binary: &Path,
        fixtures: &[PathBuf],
        args: &[&std::ffi::OsStr],
        timeout: Duration,
    ) -> Result<Self, String> {
        let mut command = Command::new(binary);
        command
            .args(args)
            .arg("--listen")
            .arg("127.0.0.1:0")
            .env("RUST_LOG", "info")
            .env_remove("EMULATOR_FIXTURES")
            .env_remove("EMULATOR_LISTEN")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if !fixtures.is_empty() {
            let list: Vec<String> = fixtures.iter().map(|p| p.display().to_string()).collect();
            command.arg("--fixtures").arg(list.join(","));
        }
        let started = Instant::now();
        let mut child = command.spawn().map_err(|e| fail(binary, e))?;
        let stderr = child
            .stderr
            .take()
            .ok_or_else(|| fail(binary, "no stderr"))?;
        let (tx, rx) = std::sync::mpsc::channel::<Result<SocketAddr, String>>();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stderr);
            let mut line = String::new();
            let mut tx = Some(tx);
            let mut early = String::new();
            loop {
                line.clear();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                let Some(sender) = tx.as_ref() else {
                    continue; // draining
                };
                if line.contains("emulator listening") {
                    let addr = line
                        .split("http://")
                        .nth(1)
                        .and_then(|rest| rest.split_whitespace().next())
                        .and_then(|a| a.trim_end_matches(['"', ',']).parse().ok());
                    let _ = sender.send(addr.ok_or_else(|| format!("unreadable line {line:?}")));
                    tx = None;
                } else if early.len() < 4000 {
                    early.push_str(&line);
                }
            }
            if let Some(sender) = tx {
                let _ = sender.send(Err(format!("it exited before listening:\n{early}")));
            }
        });
        let mut emulator = Emulator {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            started,
        };
        match rx.recv_timeout(timeout) {
            Ok(Ok(addr)) => {
                emulator.addr = addr;
                Ok(emulator)
            }
            Ok(Err(problem)) => Err(fail(binary, problem)),
            Err(_) => Err(fail(binary, format!("not listening after {timeout:?}"))),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Emulator {
    /// Stops the emulator as a user would (SIGTERM: it then stops the processes it
    /// started itself, such as Lambda environments or a function's build), and kills it
    /// if it is still there after a few seconds.
    fn drop(&mut self) {
        let terminated = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if terminated {
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if matches!(self.child.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The resident memory of a process, in bytes (`VmRSS` of `/proc/PID/status`).
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The CPU time (user + system) a process has used, from `/proc/PID/stat`.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; the fields after its ')' are fixed.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of the whole line: utime and stime, in clock ticks.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_secs_f64(
        (utime + stime) as f64 / clock_ticks() as f64,
    ))
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux).
fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .filter(|&t| t > 0)
            .unwrap_or(100)
    })
}

/// The machine: core count and CPU model.
pub fn machine() -> (usize, String) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    (cores, model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_own_process() {
        let pid = std::process::id();
        assert!(rss_bytes(pid).unwrap() > 0);
        assert!(cpu_time(pid).is_some());
        assert!(machine().0 > 0);
    }
}
