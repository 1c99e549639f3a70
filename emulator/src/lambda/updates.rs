//! A function's `State` and the status of its last update (`LastUpdateStatus`), as Lambda
//! reports them (Lambda Developer Guide, "Lambda function states"):
//!
//! - A function is `Pending` while what it needs is prepared, then `Active`, or `Failed`
//!   (with `StateReason` and `StateReasonCode`) if it never can run. Here a cargo
//!   package's build (`code::CodeState`) and, for a fixture function of a managed
//!   runtime, the search for its interpreter make it wait.
//! - An update (UpdateFunctionCode, UpdateFunctionConfiguration) is `InProgress` while
//!   the new code or configuration is prepared, then `Successful`, or `Failed` with
//!   `LastUpdateStatusReason` and `LastUpdateStatusReasonCode`: "While a function update
//!   is in progress, invocations go to the function's previous code and configuration"
//!   and on failure "Lambda aborts the update and the function's previous code and
//!   configuration remain available" (same page). What the emulator prepares is the
//!   interpreter of a managed runtime it has not found yet; an update with nothing to
//!   prepare is `Successful` at once.
//! - Another update (or a publication) while one is in progress is refused with
//!   `ResourceConflictException` "The operation cannot be performed at this time. An
//!   update is in progress for resource: ARN" (the message AWS answers, quoted in
//!   claudiajs/claudia#226, hashicorp/terraform#29604 and SeanRoy/lambda-maven-plugin#117).
//!
//! While in progress the configuration reads as updated, with `LastUpdateStatusReason`
//! "The function is being created." and `LastUpdateStatusReasonCode` `Creating`: what
//! AWS answers to an update (UpdateFunctionConfiguration outputs quoted in many public
//! READMEs, e.g. `"Timeout": 10, "LastUpdateStatus": "InProgress",
//! "LastUpdateStatusReasonCode": "Creating"`). `aws lambda wait function-updated` polls
//! GetFunctionConfiguration until `LastUpdateStatus` is `Successful` (or fails on
//! `Failed`), so it works unchanged.

use super::error::LambdaError;
use super::managed::Runtimes;
use super::model::FunctionConfiguration;
use super::store::{Function, FunctionVersion, LastUpdate, Readiness, Status};
use std::sync::{Arc, MutexGuard};

/// `StateReasonCode` / `LastUpdateStatusReasonCode` of a runtime that cannot run here
/// (a value of the botocore model's enums: `InvalidRuntime`).
pub const INVALID_RUNTIME: &str = "InvalidRuntime";
/// The reason Lambda gives while it creates a function, or applies an update.
pub const CREATING_REASON: &str = "The function is being created.";
/// The reason code that goes with it.
pub const CREATING: &str = "Creating";

/// What an update must wait for before it applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preparation {
    /// Nothing: it applies at once.
    None,
    /// The interpreter of this managed runtime, not found yet.
    Runtime(String),
}

impl Preparation {
    /// What a version of `runtime` needs before it can run.
    pub fn for_runtime(runtimes: &Runtimes, runtime: &str) -> Preparation {
        if super::managed::family(runtime).is_some() && !runtimes.is_found(runtime) {
            Preparation::Runtime(runtime.to_owned())
        } else {
            Preparation::None
        }
    }

    /// Runs the preparation (blocking: it may ask interpreters their version).
    fn run(&self, runtimes: &Runtimes) -> Result<(), (String, &'static str)> {
        match self {
            Preparation::None => Ok(()),
            Preparation::Runtime(runtime) => runtimes
                .find(runtime)
                .map(|_| ())
                .map_err(|reason| (reason, INVALID_RUNTIME)),
        }
    }
}

/// Runs `work` off the caller's thread: on tokio's blocking pool when a runtime runs
/// (its handle is returned, to be awaited or not), else on a thread of its own.
fn spawn(work: impl FnOnce() + Send + 'static) -> Option<tokio::task::JoinHandle<()>> {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => Some(handle.spawn_blocking(work)),
        Err(_) => {
            std::thread::spawn(work);
            None
        }
    }
}

/// The words Lambda uses for a function that is not `Active`.
pub fn not_active(state: &str) -> LambdaError {
    LambdaError::ResourceConflict(format!(
        "The operation cannot be performed at this time. The function is currently in the following state: {state}"
    ))
}

impl Function {
    fn status(&self) -> MutexGuard<'_, Status> {
        self.status.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Refuses a change (an update, a publication) while the function is being created or
    /// an update is in progress.
    fn refuse_change(&self, status: &Status) -> Result<(), LambdaError> {
        if status.creation == Readiness::Preparing {
            return Err(not_active("Pending"));
        }
        if matches!(status.update, LastUpdate::InProgress(_)) {
            return Err(LambdaError::ResourceConflict(format!(
                "The operation cannot be performed at this time. An update is in progress for resource: {}",
                self.arn
            )));
        }
        Ok(())
    }

    /// [`Function::refuse_change`] for PublishVersion and the like.
    pub fn refuse_while_changing(&self) -> Result<(), LambdaError> {
        self.refuse_change(&self.status())
    }

    /// Refuses an invocation unless the function itself is ready (its code's state is
    /// checked apart).
    pub fn refuse_unless_ready(&self) -> Result<(), LambdaError> {
        match &self.status().creation {
            Readiness::Ready => Ok(()),
            Readiness::Preparing => Err(not_active("Pending")),
            Readiness::Failed { .. } => Err(not_active("Failed")),
        }
    }

    /// The `$LATEST` that reads report: the updated version while its update is in
    /// progress, else the current one.
    pub fn shown_latest(&self) -> Arc<FunctionVersion> {
        match &self.status().update {
            LastUpdate::InProgress(next) => Arc::clone(next),
            _ => self.current(),
        }
    }

    /// `$LATEST`'s configuration as Lambda reports it: the updated one (with
    /// `InProgress`) while an update is prepared, else the current one with the state and
    /// the last update's status.
    pub fn latest_output(&self) -> FunctionConfiguration {
        let status = self.status();
        let version = match &status.update {
            LastUpdate::InProgress(next) => Arc::clone(next),
            _ => self.current(),
        };
        let mut out = version.config.output(&version.code);
        apply(&status, &mut out);
        out
    }

    /// Starts an update: `change` makes the new configuration and code (refused while
    /// another update is in progress or the function is being created). With nothing to
    /// prepare it applies at once; else it is `InProgress` until `preparation` has run
    /// in the background, and the handle of that work is returned with the answer.
    pub fn begin_update<F>(
        self: &Arc<Self>,
        runtimes: Arc<Runtimes>,
        preparation: Preparation,
        change: F,
    ) -> Result<(FunctionConfiguration, Option<tokio::task::JoinHandle<()>>), LambdaError>
    where
        F: FnOnce(
            &FunctionVersion,
        ) -> Result<
            (super::config::FunctionConfig, Arc<super::code::CodePackage>),
            LambdaError,
        >,
    {
        let mut status = self.status();
        self.refuse_change(&status)?;
        if preparation == Preparation::None {
            let next = self.update(change)?;
            status.update = LastUpdate::Successful;
            // A function that could not run is repaired by an update that applies.
            if matches!(status.creation, Readiness::Failed { .. }) {
                status.creation = Readiness::Ready;
            }
            let mut out = next.config.output(&next.code);
            apply(&status, &mut out);
            return Ok((out, None));
        }
        let next = self.stage(change)?;
        status.update = LastUpdate::InProgress(Arc::clone(&next));
        let mut out = next.config.output(&next.code);
        apply(&status, &mut out);
        drop(status);
        let function = Arc::clone(self);
        let handle = spawn(move || {
            let outcome = preparation.run(&runtimes);
            function.finish_update(&next, outcome);
        });
        Ok((out, handle))
    }

    /// Ends the update that staged `next`: it becomes current, or the update failed and
    /// the previous version stays.
    fn finish_update(
        &self,
        next: &Arc<FunctionVersion>,
        outcome: Result<(), (String, &'static str)>,
    ) {
        let mut status = self.status();
        let LastUpdate::InProgress(staged) = &status.update else {
            return;
        };
        if !Arc::ptr_eq(staged, next) {
            return;
        }
        match outcome {
            Ok(()) => {
                self.install(next);
                status.update = LastUpdate::Successful;
                if matches!(status.creation, Readiness::Failed { .. }) {
                    status.creation = Readiness::Ready;
                }
                tracing::info!(function = %self.arn, "function update applied: LastUpdateStatus Successful");
            }
            Err((reason, code)) => {
                tracing::warn!(function = %self.arn, "function update failed, the previous code and configuration stay: {reason}");
                status.update = LastUpdate::Failed { reason, code };
            }
        }
    }

    /// For a function made without CreateFunction's checks (a fixture): `Pending` until
    /// `preparation` has run in the background, then `Active` or `Failed`.
    pub fn prepare_creation(self: &Arc<Self>, runtimes: Arc<Runtimes>, preparation: Preparation) {
        if preparation == Preparation::None {
            return;
        }
        self.status().creation = Readiness::Preparing;
        let function = Arc::clone(self);
        spawn(move || {
            let readiness = match preparation.run(&runtimes) {
                Ok(()) => Readiness::Ready,
                Err((reason, code)) => {
                    tracing::warn!(function = %function.arn, "function cannot run: its state is Failed: {reason}");
                    Readiness::Failed { reason, code }
                }
            };
            function.status().creation = readiness;
        });
    }
}

/// Puts the function's state and last update into a configuration of `$LATEST` whose code
/// is ready (a cargo build's own state comes first).
fn apply(status: &Status, out: &mut FunctionConfiguration) {
    if out.state.as_deref() != Some("Active") {
        return;
    }
    match &status.creation {
        Readiness::Ready => {}
        Readiness::Preparing => {
            out.state = Some("Pending".to_owned());
            out.state_reason = Some(CREATING_REASON.to_owned());
            out.state_reason_code = Some(CREATING.to_owned());
            out.last_update_status = None;
            return;
        }
        Readiness::Failed { reason, code } => {
            out.state = Some("Failed".to_owned());
            out.state_reason = Some(reason.clone());
            out.state_reason_code = Some((*code).to_owned());
            out.last_update_status = None;
            return;
        }
    }
    match &status.update {
        LastUpdate::Successful => {}
        LastUpdate::InProgress(_) => {
            out.last_update_status = Some("InProgress".to_owned());
            out.last_update_status_reason = Some(CREATING_REASON.to_owned());
            out.last_update_status_reason_code = Some(CREATING.to_owned());
        }
        LastUpdate::Failed { reason, code } => {
            out.last_update_status = Some("Failed".to_owned());
            out.last_update_status_reason = Some(reason.clone());
            out.last_update_status_reason_code = Some((*code).to_owned());
        }
    }
}

/// Lambda refuses to change a function that is still `Pending` (Lambda Developer Guide,
/// "Lambda function states": while Pending, "invocations or other API actions that
/// operate on the function" fail), in the words it uses for Invoke (see
/// `invoke::refuse_unless_active`). A `Failed` function may be updated: that is how it
/// is repaired.
pub fn refuse_while_pending(code: &super::code::CodePackage) -> Result<(), LambdaError> {
    match code.state() {
        super::code::CodeState::Pending => Err(LambdaError::ResourceConflict(
            "The operation cannot be performed at this time. The function is currently in the following state: Pending".to_owned(),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lambda::code;
    use crate::lambda::config::{self, ConfigInput, FunctionConfig};
    use crate::lambda::pool::EnvironmentPool;
    use std::path::{Path, PathBuf};
    use std::time::{Duration, Instant};

    const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";

    fn function() -> Arc<Function> {
        let changes = config::check(&ConfigInput {
            runtime: Some("provided.al2023"),
            role: Some("arn:aws:iam::123456789012:role/r"),
            handler: Some("bootstrap"),
            ..ConfigInput::default()
        })
        .unwrap();
        let config = FunctionConfig::new("f", ARN, "us-east-1", changes);
        let workdir = Arc::new(code::WorkDir::create().unwrap());
        let package = code::from_path(&workdir, Path::new("/bin/true")).unwrap();
        Arc::new(Function::new(
            config,
            Arc::new(package),
            EnvironmentPool::new(1, Duration::from_secs(60)),
        ))
    }

    /// Runtimes whose `python3.13` is an interpreter that does not exist.
    fn missing() -> Arc<Runtimes> {
        Arc::new(Runtimes::new(&[(
            "python3.13".to_owned(),
            PathBuf::from("/nonexistent/python3.13"),
        )]))
    }

    fn until(check: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !check() {
            assert!(Instant::now() < deadline, "never happened");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn an_update_that_fails_keeps_the_previous_version_and_says_why() {
        let function = function();
        let runtimes = missing();
        let preparation = Preparation::for_runtime(&runtimes, "python3.13");
        assert_eq!(preparation, Preparation::Runtime("python3.13".to_owned()));
        let (answer, _) = function
            .begin_update(Arc::clone(&runtimes), preparation, |current| {
                let mut config = current.config.clone();
                config.runtime = "python3.13".to_owned();
                Ok((config, Arc::clone(&current.code)))
            })
            .unwrap();
        assert_eq!(answer.runtime.as_deref(), Some("python3.13"));
        assert_eq!(answer.last_update_status.as_deref(), Some("InProgress"));
        assert_eq!(
            answer.last_update_status_reason_code.as_deref(),
            Some(CREATING)
        );
        // The function still runs its previous version meanwhile.
        assert_eq!(function.current().config.runtime, "provided.al2023");
        until(|| function.latest_output().last_update_status.as_deref() != Some("InProgress"));
        let out = function.latest_output();
        assert_eq!(out.last_update_status.as_deref(), Some("Failed"));
        assert_eq!(
            out.last_update_status_reason_code.as_deref(),
            Some(INVALID_RUNTIME)
        );
        assert!(out
            .last_update_status_reason
            .unwrap()
            .contains("/nonexistent/python3.13 did not run"));
        assert_eq!(out.runtime.as_deref(), Some("provided.al2023"));
        assert_eq!(out.state.as_deref(), Some("Active"));
        // An update with nothing to prepare applies at once, and clears the failure.
        let (answer, handle) = function
            .begin_update(runtimes, Preparation::None, |current| {
                Ok((current.config.clone(), Arc::clone(&current.code)))
            })
            .unwrap();
        assert!(handle.is_none());
        assert_eq!(answer.last_update_status.as_deref(), Some("Successful"));
        assert_eq!(answer.last_update_status_reason, None);
    }

    #[test]
    fn a_change_during_an_update_is_refused_in_lambdas_words() {
        let function = function();
        // A preparation that takes a while: an interpreter that sleeps.
        let dir = std::env::temp_dir().join(format!("updates-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let slow = dir.join("python");
        std::fs::write(&slow, "#!/bin/sh\nsleep 1\nexit 1\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&slow, std::fs::Permissions::from_mode(0o755)).unwrap();
        let runtimes = Arc::new(Runtimes::new(&[("python3.13".to_owned(), slow)]));
        let keep =
            |current: &FunctionVersion| Ok((current.config.clone(), Arc::clone(&current.code)));
        function
            .begin_update(
                Arc::clone(&runtimes),
                Preparation::Runtime("python3.13".to_owned()),
                keep,
            )
            .unwrap();
        let refused = function
            .begin_update(Arc::clone(&runtimes), Preparation::None, keep)
            .unwrap_err();
        assert_eq!(
            refused,
            LambdaError::ResourceConflict(format!(
                "The operation cannot be performed at this time. An update is in progress for resource: {ARN}"
            ))
        );
        assert!(function.refuse_while_changing().is_err());
        // Invocations are not refused: they run the previous version.
        assert!(function.refuse_unless_ready().is_ok());
        until(|| function.refuse_while_changing().is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_fixture_function_without_interpreter_is_failed() {
        let function = function();
        function.prepare_creation(missing(), Preparation::Runtime("python3.13".to_owned()));
        until(|| function.latest_output().state.as_deref() != Some("Pending"));
        let out = function.latest_output();
        assert_eq!(out.state.as_deref(), Some("Failed"));
        assert_eq!(out.state_reason_code.as_deref(), Some(INVALID_RUNTIME));
        assert_eq!(out.last_update_status.as_deref(), None);
        assert_eq!(
            function.refuse_unless_ready().unwrap_err(),
            not_active("Failed")
        );
    }
}
