//! A lifeline for each execution environment: a watcher process inside the environment's
//! process group that kills the group when the emulator goes away, however it goes.
//!
//! An environment is normally killed by its supervisor (a timeout, a reset, shutdown,
//! the `Environment` dropped). None of that runs when the emulator process ends without
//! unwinding: `SIGKILL`, a crash, or a test binary that calls `exit` while emulators it
//! started still run on their threads. The kernel still closes every descriptor of a
//! dead process, so the watcher reads a pipe whose only writer is the emulator: end of
//! file means the emulator is gone, and the watcher kills its own group, the
//! environment's, with every process the function left in it. (`PR_SET_PDEATHSIG` would
//! need code run between fork and exec, which needs `unsafe`; the workspace forbids it.)
//!
//! The watcher is a member of the group, so it dies with the group when the supervisor
//! kills it, and while it lives the group id cannot be reused by another process: its
//! `kill -KILL 0` can only reach the environment's own processes.

use std::process::Stdio;

/// Reads the lifeline until end of file, then kills the caller's whole process group.
/// `read` returns at end of file (or on a line, which the emulator never writes).
const WATCHER: &str = "read -r line; kill -KILL 0";

/// The watcher of one environment. Dropping it (or the emulator's death) closes the
/// lifeline, and the watcher then kills the environment's group.
#[derive(Debug)]
pub struct Lifeline {
    watcher: tokio::process::Child,
}

impl Lifeline {
    /// Starts the watcher of the group whose leader is `leader` (an unreaped child of
    /// this process, so the group still exists).
    #[cfg(unix)]
    pub fn attach(leader: u32) -> std::io::Result<Lifeline> {
        let group = i32::try_from(leader).map_err(|_| std::io::Error::other("pid out of range"))?;
        let watcher = tokio::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(WATCHER)
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(group)
            // The emulator holds the write end in `watcher.stdin`; a dropped handle is
            // the signal, so the handle must not kill the watcher first.
            .kill_on_drop(false)
            .spawn()?;
        Ok(Lifeline { watcher })
    }

    #[cfg(not(unix))]
    pub fn attach(_leader: u32) -> std::io::Result<Lifeline> {
        Err(std::io::Error::other(
            "execution environments need a Unix process group",
        ))
    }

    /// Waits for the watcher to end and reaps it. Called once the group has been
    /// killed; if it has not, closing the lifeline here makes the watcher kill it.
    pub async fn close(mut self) {
        drop(self.watcher.stdin.take());
        let _ = self.watcher.wait().await;
    }
}

/// Kills every process of the group whose leader is `pid`.
#[cfg(unix)]
pub fn kill_group(pid: u32) {
    if let Ok(pid) = i32::try_from(pid) {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

#[cfg(not(unix))]
pub fn kill_group(_pid: u32) {}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Starts `sh -c 'sleep 60'` as the leader of a group of its own.
    fn sleeper() -> tokio::process::Child {
        tokio::process::Command::new("/bin/sh")
            .arg("-c")
            .arg("sleep 60 & sleep 60")
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("spawn a sleeper")
    }

    #[tokio::test]
    async fn losing_the_lifeline_kills_the_whole_group() {
        let mut leader = sleeper();
        let pid = leader.id().expect("pid");
        let lifeline = Lifeline::attach(pid).expect("attach");
        // What the kernel does when the emulator dies: the write end closes, and nothing
        // else of the emulator runs (the lifeline is forgotten, not closed or waited).
        let Lifeline { mut watcher } = lifeline;
        drop(watcher.stdin.take());
        let status = tokio::time::timeout(Duration::from_secs(10), leader.wait())
            .await
            .expect("the leader dies once the lifeline is gone")
            .expect("wait");
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "killed by SIGKILL: {status:?}");
        let _ = watcher.wait().await;
        // The background `sleep` of the leader was in the group too (once killed, init
        // reaps it: give it a moment).
        let mut alive = true;
        for _ in 0..50 {
            let probe = std::process::Command::new("/bin/sh")
                .arg("-c")
                .arg(format!(
                    "kill -0 -{pid} 2>/dev/null && echo alive || echo gone"
                ))
                .output()
                .expect("probe the group");
            alive = String::from_utf8_lossy(&probe.stdout).trim() == "alive";
            if !alive {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(!alive, "no process of the group is left");
    }

    #[tokio::test]
    async fn a_held_lifeline_leaves_the_group_alone_and_closing_it_reaps_the_watcher() {
        let mut leader = sleeper();
        let pid = leader.id().expect("pid");
        let lifeline = Lifeline::attach(pid).expect("attach");
        let early = tokio::time::timeout(Duration::from_millis(300), leader.wait()).await;
        assert!(early.is_err(), "the group lives while the lifeline is held");
        kill_group(pid);
        let _ = leader.wait().await;
        tokio::time::timeout(Duration::from_secs(10), lifeline.close())
            .await
            .expect("the watcher died with its group and is reaped");
    }
}
