//! Functions declared in fixture files: checked by CreateFunction's rules (the role must
//! exist and trust Lambda), their code unpacked or located at load, cargo packages built
//! on their first invocation.

use super::code::{self, CodeSpec};
use super::config::{self, ConfigInput, FunctionConfig};
use super::model;
use super::names;
use super::pool::EnvironmentPool;
use super::services::LambdaServices;
use super::store::Function;
use super::store::FunctionStore;
use super::trust::SERVICE_PRINCIPAL;
use super::updates::Preparation;
use crate::fixtures::{FixtureError, FunctionFixture};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn relative_to(file: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_owned();
    }
    let base = file.parent().unwrap_or(Path::new("."));
    let joined = base.join(path);
    std::fs::canonicalize(&joined).unwrap_or(joined)
}

/// The code spec of a fixture function.
fn code_spec(file: &Path, fixture: &FunctionFixture) -> Result<CodeSpec, String> {
    let code = &fixture.code;
    let given = [
        code.zip.is_some(),
        code.path.is_some(),
        code.cargo_package.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err("code must give exactly one of zip, path or cargo_package".to_owned());
    }
    if let Some(zip) = &code.zip {
        let path = relative_to(file, zip);
        let bytes = std::fs::read(&path)
            .map_err(|e| format!("cannot read the zip {}: {e}", path.display()))?;
        return Ok(CodeSpec::Zip(bytes));
    }
    if let Some(path) = &code.path {
        return Ok(CodeSpec::Path(relative_to(file, path)));
    }
    let package = code.cargo_package.clone().unwrap_or_default();
    let directory = match &code.directory {
        Some(dir) => relative_to(file, dir),
        None => relative_to(file, Path::new(".")),
    };
    Ok(CodeSpec::Cargo {
        package,
        bin: code.bin.clone(),
        directory,
        release: code.release,
    })
}

/// Loads fixture function `index` of `file` into `store`, the function store of `region`.
pub fn load_function(
    state: &dyn LambdaServices,
    store: &FunctionStore,
    region: &str,
    file: &Path,
    index: usize,
    fixture: &FunctionFixture,
) -> Result<(), FixtureError> {
    let entry = format!("functions[{index}] ({})", fixture.name);
    let fail = |problem: String| FixtureError::new(file, &entry, problem);
    if !names::valid_name(&fixture.name) {
        return Err(fail(
            "name must be 1-64 letters, digits, hyphens or underscores".to_owned(),
        ));
    }
    let account = &state.config().account;
    let role_arn = if fixture.role.starts_with("arn:") {
        fixture.role.clone()
    } else {
        state
            .role_arn_by_name(&fixture.role)
            .ok_or_else(|| fail(format!("no role named {:?} in the fixtures", fixture.role)))?
    };
    let arn = names::function_arn(region, account, &fixture.name);
    if !state.service_may_assume_role(&role_arn, SERVICE_PRINCIPAL, &arn) {
        return Err(fail(format!(
            "the role {role_arn} does not exist or its trust policy does not let {SERVICE_PRINCIPAL} assume it"
        )));
    }
    let environment = model::Environment {
        variables: Some(fixture.environment.clone()),
    };
    let tracing = fixture.tracing.as_ref().map(|mode| model::TracingConfig {
        mode: Some(mode.clone()),
    });
    let runtime = fixture.runtime.as_deref().unwrap_or("provided.al2023");
    let handler = fixture.handler.as_deref().unwrap_or(code::BOOTSTRAP);
    // A fixture's settings hold to the model's constraints as an
    // UpdateFunctionConfiguration of them would (a number beyond `i32` is out of every
    // range the model states).
    let number = |n: Option<i64>| n.map(|n| i32::try_from(n).unwrap_or(i32::MAX));
    config::check_model(&model::UpdateFunctionConfigurationRequest {
        function_name: Some(fixture.name.clone()),
        role: Some(role_arn.clone()),
        handler: Some(handler.to_owned()),
        description: fixture.description.clone(),
        timeout: number(fixture.timeout),
        memory_size: number(fixture.memory_size),
        environment: Some(environment.clone()),
        runtime: Some(runtime.to_owned()),
        tracing_config: tracing.clone(),
        ..Default::default()
    })
    .map_err(|e| fail(e.to_string()))?;
    let changes = config::check(&ConfigInput {
        runtime: Some(runtime),
        role: Some(&role_arn),
        handler: Some(handler),
        description: fixture.description.as_deref(),
        timeout: fixture.timeout,
        memory_size: fixture.memory_size,
        environment: Some(&environment),
        tracing_config: tracing.as_ref(),
        ..ConfigInput::default()
    })
    .map_err(|e| fail(e.to_string()))?;
    let spec = code_spec(file, fixture).map_err(fail)?;
    let workdir = state.lambda().workdir().map_err(|e| fail(e.to_string()))?;
    let managed = super::managed::family(runtime).is_some();
    let package = code::build_for(&workdir, &spec, managed).map_err(|e| fail(e.to_string()))?;
    let config = FunctionConfig::new(&fixture.name, &arn, region, changes);
    let function = Arc::new(Function::new(
        config,
        Arc::new(package),
        EnvironmentPool::configured(state.config()),
    ));
    if !store.insert(Arc::clone(&function)) {
        return Err(fail(format!(
            "a function named {} is declared twice in region {region}",
            fixture.name
        )));
    }
    // A managed runtime's interpreter is looked for now, in the background: the function
    // is `Pending` meanwhile, then `Active`, or `Failed` (`InvalidRuntime`) with the
    // reason, never a hang at Invoke.
    let runtimes = state.lambda().runtimes(state.config());
    let preparation = Preparation::for_runtime(&runtimes, runtime);
    function.prepare_creation(runtimes, preparation);
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::fixtures::{merge, parse, Fixtures};
    use crate::state::EmulatorState;
    use std::path::Path;

    const ROLES: &str = r#"
roles:
  - name: fn-role
    trust_policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: { Service: lambda.amazonaws.com }
          Action: sts:AssumeRole
          Condition:
            ArnLike: { "aws:SourceArn": "arn:aws:lambda:*:123456789012:function:allowed-*" }
  - name: user-role
    trust_policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: { AWS: "arn:aws:iam::123456789012:root" }
          Action: sts:AssumeRole
"#;

    fn load(functions: &str) -> Result<EmulatorState, String> {
        let mut fixtures = Fixtures::default();
        let file = Path::new("/fixtures/world.yaml");
        let text = format!("{ROLES}\n{functions}");
        let parsed = parse(file, &text).map_err(|e| e.to_string())?;
        merge(&mut fixtures, file, parsed, "123456789012").map_err(|e| e.to_string())?;
        EmulatorState::from_fixtures(Config::default(), fixtures).map_err(|e| e.to_string())
    }

    fn function(name: &str, role: &str, code: &str) -> String {
        format!("functions:\n  - name: {name}\n    role: {role}\n    code: {code}\n")
    }

    #[test]
    fn fixture_functions_load_with_their_defaults() {
        let state = load(&function(
            "allowed-one",
            "fn-role",
            "{ cargo_package: my-fn, release: true }",
        ))
        .unwrap();
        let function = state.region("us-east-1").lambda.get("allowed-one").unwrap();
        let current = function.current();
        assert_eq!(current.config.runtime, "provided.al2023");
        assert_eq!(current.config.handler.as_deref(), Some("bootstrap"));
        assert_eq!(current.config.timeout, 3);
        assert_eq!(
            current.config.role,
            "arn:aws:iam::123456789012:role/fn-role"
        );
        assert!(current.code.location().starts_with("file:///fixtures"));
        assert_eq!(current.config.tracing_mode, "PassThrough");
        let traced = load(&format!(
            "{}    tracing: Active\n",
            self::function("allowed-one", "fn-role", "{ cargo_package: my-fn }")
        ))
        .unwrap();
        let traced = traced
            .region("us-east-1")
            .lambda
            .get("allowed-one")
            .unwrap();
        assert_eq!(traced.current().config.tracing_mode, "Active");
    }

    #[test]
    fn fixture_functions_are_checked_as_create_function_checks() {
        let cases = [
            (
                function("allowed-x", "user-role", "{ cargo_package: p }"),
                "does not let lambda.amazonaws.com assume it",
            ),
            (
                // The trust policy's aws:SourceArn condition names other functions.
                function("other", "fn-role", "{ cargo_package: p }"),
                "does not let lambda.amazonaws.com assume it",
            ),
            (
                function("allowed-x", "nobody", "{ cargo_package: p }"),
                "no role named \"nobody\"",
            ),
            (
                function(
                    "allowed-x",
                    "fn-role",
                    "{ cargo_package: p, path: /bin/true }",
                ),
                "exactly one of zip, path or cargo_package",
            ),
            (
                function("allowed-x", "fn-role", "{ path: relative/missing }"),
                "Cannot read the local code path",
            ),
            (
                format!(
                    "{}    runtime: java21\n",
                    function("allowed-x", "fn-role", "{ cargo_package: p }")
                ),
                "java21",
            ),
            (
                format!(
                    "{}    timeout: 901\n",
                    function("allowed-x", "fn-role", "{ cargo_package: p }")
                ),
                "Member must have value less than or equal to 900",
            ),
            (
                format!(
                    "{}    tracing: Sometimes\n",
                    function("allowed-x", "fn-role", "{ cargo_package: p }")
                ),
                "tracingConfig.mode",
            ),
            (
                format!(
                    "{}  - name: allowed-x\n    role: fn-role\n    code: {{ cargo_package: q }}\n",
                    function("allowed-x", "fn-role", "{ cargo_package: p }")
                ),
                "declared twice",
            ),
        ];
        for (text, expected) in cases {
            let err = load(&text)
                .err()
                .unwrap_or_else(|| panic!("loaded: {text}"));
            assert!(err.starts_with("/fixtures/world.yaml: functions["), "{err}");
            assert!(err.contains(expected), "{err}\nexpected: {expected}");
        }
    }

    #[test]
    fn a_pending_function_refuses_configuration_updates() {
        // Outside a tokio runtime the cargo build never starts: the function stays Pending.
        let state = load(&function(
            "allowed-pending",
            "fn-role",
            "{ cargo_package: my-fn }",
        ))
        .unwrap();
        let ctx = crate::context::RequestContext::new(
            "us-east-1",
            "123456789012",
            crate::context::Caller::account_root("123456789012", None),
            None,
        );
        let config = super::super::functions::get_configuration(
            &state,
            &ctx,
            super::super::model::GetFunctionConfigurationRequest {
                function_name: Some("allowed-pending".to_owned()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(config.state.as_deref(), Some("Pending"));
        assert_eq!(config.state_reason_code.as_deref(), Some("Creating"));
        let refused = super::super::functions::update_configuration(
            &state,
            &ctx,
            "allowed-pending",
            super::super::model::UpdateFunctionConfigurationRequest {
                timeout: Some(10),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            refused,
            super::super::LambdaError::ResourceConflict(
                "The operation cannot be performed at this time. The function is currently in the following state: Pending".to_owned()
            )
        );
        let current = state
            .region("us-east-1")
            .lambda
            .get("allowed-pending")
            .unwrap();
        assert_eq!(current.current().config.timeout, 3, "nothing changed");
    }
}
