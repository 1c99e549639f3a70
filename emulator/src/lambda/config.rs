//! A function's configuration: what CreateFunction and UpdateFunctionConfiguration may
//! set, checked as Lambda checks it (model constraints as `ValidationException`, the
//! service's own rules as `InvalidParameterValueException`), and its `FunctionConfiguration`
//! answer.

use super::code::{CodePackage, CodeState};
use super::error::LambdaError;
use super::model::{
    self, EnvironmentResponse, FunctionConfiguration, SnapStartResponse, TracingConfigResponse,
};
use super::names::LATEST;
use crate::protocol::validation::{Validate, Validator};
use std::collections::BTreeMap;

/// The OS-only runtimes the emulator runs, whose code is a `bootstrap` executable (the
/// managed ones are in `managed::ACCEPTED`).
pub const SUPPORTED_RUNTIMES: &[&str] = &["provided.al2023", "provided.al2", "provided"];

/// Variables Lambda sets itself, which a function's configuration may not.
pub const RESERVED_VARIABLES: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// The defaults of a new function.
pub const DEFAULT_TIMEOUT: u32 = 3;
pub const DEFAULT_MEMORY: u32 = 128;
const MAX_TIMEOUT: i64 = 900;
const MAX_MEMORY: i64 = 10240;

/// A function's configuration (its code is kept beside it, in a [`CodePackage`]).
// Serialised whole into snapshots and state directories.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct FunctionConfig {
    pub name: String,
    pub arn: String,
    pub region: String,
    pub runtime: String,
    /// The execution role's ARN.
    pub role: String,
    pub handler: Option<String>,
    pub description: String,
    pub timeout: u32,
    pub memory_size: u32,
    /// The function's own environment variables.
    pub environment: BTreeMap<String, String>,
    pub architectures: Vec<String>,
    pub tracing_mode: String,
    pub ephemeral_storage: u32,
    pub log_format: String,
    pub log_group: String,
    pub kms_key_arn: Option<String>,
    pub dead_letter_target: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// `2024-01-02T03:04:05.678+0000`.
    pub last_modified: String,
    /// Changes with every change of configuration or code.
    pub revision_id: String,
    /// `$LATEST`, or the number of a published version (whose configuration never
    /// changes).
    pub version: String,
}

impl std::fmt::Debug for FunctionConfig {
    // Environment values may be secrets: only their names are shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionConfig")
            .field("arn", &self.arn)
            .field("runtime", &self.runtime)
            .field("role", &self.role)
            .field("timeout", &self.timeout)
            .field("memory_size", &self.memory_size)
            .field("environment", &self.environment.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Checked changes to a configuration, from CreateFunction, UpdateFunctionConfiguration
/// or a fixture. `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct ConfigChanges {
    pub runtime: Option<String>,
    pub role: Option<String>,
    pub handler: Option<String>,
    pub description: Option<String>,
    pub timeout: Option<u32>,
    pub memory_size: Option<u32>,
    pub environment: Option<BTreeMap<String, String>>,
    pub architectures: Option<Vec<String>>,
    pub tracing_mode: Option<String>,
    pub ephemeral_storage: Option<u32>,
    pub log_format: Option<String>,
    pub log_group: Option<String>,
    pub kms_key_arn: Option<String>,
    pub dead_letter_target: Option<String>,
}

/// The members of a create or update request that configure a function.
#[derive(Debug, Clone, Default)]
pub struct ConfigInput<'a> {
    pub runtime: Option<&'a str>,
    pub role: Option<&'a str>,
    pub handler: Option<&'a str>,
    pub description: Option<&'a str>,
    pub timeout: Option<i64>,
    pub memory_size: Option<i64>,
    pub environment: Option<&'a model::Environment>,
    pub architectures: Option<&'a [String]>,
    pub tracing_config: Option<&'a model::TracingConfig>,
    pub ephemeral_storage: Option<&'a model::EphemeralStorage>,
    pub logging_config: Option<&'a model::LoggingConfig>,
    pub kms_key_arn: Option<&'a str>,
    pub dead_letter_config: Option<&'a model::DeadLetterConfig>,
    pub layers: Option<&'a [String]>,
    pub file_system_configs: Option<&'a [model::FileSystemConfig]>,
    pub image_config: Option<&'a model::ImageConfig>,
    pub snap_start: Option<&'a model::SnapStart>,
}

fn number_violation(v: &mut Validator, field: &str, value: Option<i64>, min: i64, max: i64) {
    if let Some(n) = value {
        let quoted = format!("'{n}'");
        if n < min {
            v.violation(
                field,
                &quoted,
                &format!("Member must have value greater than or equal to {min}"),
            );
        } else if n > max {
            v.violation(
                field,
                &quoted,
                &format!("Member must have value less than or equal to {max}"),
            );
        }
    }
}

/// The environment variables' size as Lambda measures it: their JSON text.
fn measured(variables: &BTreeMap<String, String>) -> String {
    serde_json::to_string(variables).unwrap_or_default()
}

/// Checks a request against the model: every modelled constraint of its members (the
/// generated validation), all of them in one `ValidationException` as Lambda words it.
/// Lambda answers in the same words as the JSON services, quoting the model's pattern:
/// "1 validation error detected: Value 'lambdarole' at 'role' failed to satisfy
/// constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::..."
/// (aarondfrancis/sidecar#147), and `Value at 'environment.variables' ... Map keys must
/// satisfy constraint: [...]` without a value for a map (trek10inc/serverless-secrets#39).
pub fn check_model<T: Validate>(input: &T) -> Result<(), LambdaError> {
    input.check().map_err(LambdaError::Validation)
}

/// Checks the configuring members of a request once the model's constraints hold
/// (`check_model`): Lambda's own rules.
pub fn check(input: &ConfigInput<'_>) -> Result<ConfigChanges, LambdaError> {
    // The model's bounds (`Timeout` up to 5400, `MemorySize` and `EphemeralStorageSize` up
    // to 32768) cover every kind of function; a function of the standard kind is held to
    // 900 s, 10240 MB and 10240 MB of /tmp (Lambda Developer Guide, "Lambda quotas":
    // "Function timeout 900 seconds (15 minutes)", "Function memory allocation 128 MB to
    // 10,240 MB", "Function ephemeral storage 512 MB to 10,240 MB"), and Lambda refuses more
    // in the model's words.
    let mut v = Validator::new();
    number_violation(&mut v, "timeout", input.timeout, 1, MAX_TIMEOUT);
    number_violation(&mut v, "memorySize", input.memory_size, 128, MAX_MEMORY);
    if let Some(storage) = input.ephemeral_storage {
        let size = storage.size.map(i64::from);
        number_violation(&mut v, "ephemeralStorage.size", size, 512, 10240);
    }
    v.finish().map_err(LambdaError::Validation)?;
    let variables = input
        .environment
        .map(|e| e.variables.clone().unwrap_or_default());

    // Lambda's own rules.
    if let Some(runtime) = input.runtime {
        if let Some(message) = super::managed::deprecated_message(runtime) {
            return Err(LambdaError::InvalidParameterValue(message));
        }
        if !SUPPORTED_RUNTIMES.contains(&runtime) && super::managed::family(runtime).is_none() {
            return Err(LambdaError::InvalidParameterValue(format!(
                "The runtime parameter of {runtime} is not supported by this emulator, which runs OS-only runtimes ({}) and the managed runtimes {}.",
                SUPPORTED_RUNTIMES.join(", "),
                super::managed::ACCEPTED.join(", ")
            )));
        }
    }
    if input.layers.is_some_and(|l| !l.is_empty()) {
        return Err(LambdaError::InvalidParameterValue(
            "Layers are not supported by this emulator.".to_owned(),
        ));
    }
    if input.file_system_configs.is_some_and(|f| !f.is_empty()) {
        return Err(LambdaError::InvalidParameterValue(
            "File system configurations are not supported by this emulator.".to_owned(),
        ));
    }
    if input.image_config.is_some() {
        return Err(LambdaError::InvalidParameterValue(
            "ImageConfig applies to container images, which this emulator does not run.".to_owned(),
        ));
    }
    let snap_start_on = input
        .snap_start
        .and_then(|s| s.apply_on.as_deref())
        .is_some_and(|a| a != "None");
    if snap_start_on {
        return Err(LambdaError::InvalidParameterValue(
            "SnapStart is not supported by this emulator.".to_owned(),
        ));
    }
    if let Some(variables) = &variables {
        let reserved: Vec<&str> = variables
            .keys()
            .map(String::as_str)
            .filter(|k| RESERVED_VARIABLES.contains(k))
            .collect();
        if !reserved.is_empty() {
            return Err(LambdaError::InvalidParameterValue(format!(
                "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {}",
                reserved.join(", ")
            )));
        }
        let text = measured(variables);
        if text.len() > 4096 {
            return Err(LambdaError::InvalidParameterValue(format!(
                "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {text}"
            )));
        }
    }
    let to_u32 = |n: Option<i64>| n.and_then(|n| u32::try_from(n).ok());
    Ok(ConfigChanges {
        runtime: input.runtime.map(str::to_owned),
        role: input.role.map(str::to_owned),
        handler: input.handler.map(str::to_owned),
        description: input.description.map(str::to_owned),
        timeout: to_u32(input.timeout),
        memory_size: to_u32(input.memory_size),
        environment: variables,
        architectures: input.architectures.map(<[String]>::to_vec),
        tracing_mode: input.tracing_config.and_then(|t| t.mode.clone()),
        ephemeral_storage: to_u32(input.ephemeral_storage.and_then(|s| s.size).map(i64::from)),
        log_format: input.logging_config.and_then(|l| l.log_format.clone()),
        log_group: input.logging_config.and_then(|l| l.log_group.clone()),
        kms_key_arn: input.kms_key_arn.map(str::to_owned),
        dead_letter_target: input.dead_letter_config.and_then(|d| d.target_arn.clone()),
    })
}

/// `2024-01-02T03:04:05.678+0000`, as Lambda writes `LastModified`.
pub fn last_modified_now() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]+0000"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

impl FunctionConfig {
    /// A new function's configuration: `changes` over Lambda's defaults. The runtime,
    /// role and handler must have been checked present.
    pub fn new(name: &str, arn: &str, region: &str, changes: ConfigChanges) -> Self {
        let mut config = FunctionConfig {
            name: name.to_owned(),
            arn: arn.to_owned(),
            region: region.to_owned(),
            runtime: String::new(),
            role: String::new(),
            handler: None,
            description: String::new(),
            timeout: DEFAULT_TIMEOUT,
            memory_size: DEFAULT_MEMORY,
            environment: BTreeMap::new(),
            architectures: vec!["x86_64".to_owned()],
            tracing_mode: "PassThrough".to_owned(),
            ephemeral_storage: 512,
            log_format: "Text".to_owned(),
            log_group: format!("/aws/lambda/{name}"),
            kms_key_arn: None,
            dead_letter_target: None,
            tags: BTreeMap::new(),
            last_modified: String::new(),
            revision_id: String::new(),
            version: LATEST.to_owned(),
        };
        config.apply(changes);
        config
    }

    /// Applies checked changes, and marks the configuration modified.
    pub fn apply(&mut self, changes: ConfigChanges) {
        let ConfigChanges {
            runtime,
            role,
            handler,
            description,
            timeout,
            memory_size,
            environment,
            architectures,
            tracing_mode,
            ephemeral_storage,
            log_format,
            log_group,
            kms_key_arn,
            dead_letter_target,
        } = changes;
        if let Some(v) = runtime {
            self.runtime = v;
        }
        if let Some(v) = role {
            self.role = v;
        }
        if let Some(v) = handler {
            self.handler = Some(v);
        }
        if let Some(v) = description {
            self.description = v;
        }
        if let Some(v) = timeout {
            self.timeout = v;
        }
        if let Some(v) = memory_size {
            self.memory_size = v;
        }
        if let Some(v) = environment {
            self.environment = v;
        }
        if let Some(v) = architectures {
            self.architectures = v;
        }
        if let Some(v) = tracing_mode {
            self.tracing_mode = v;
        }
        if let Some(v) = ephemeral_storage {
            self.ephemeral_storage = v;
        }
        if let Some(v) = log_format {
            self.log_format = v;
        }
        if let Some(v) = log_group {
            self.log_group = v;
        }
        if let Some(v) = kms_key_arn {
            self.kms_key_arn = (!v.is_empty()).then_some(v);
        }
        if let Some(v) = dead_letter_target {
            self.dead_letter_target = (!v.is_empty()).then_some(v);
        }
        self.touch();
    }

    /// Marks the configuration (or code) changed: a new `LastModified` and `RevisionId`.
    pub fn touch(&mut self) {
        self.last_modified = last_modified_now();
        self.revision_id = uuid::Uuid::new_v4().to_string();
    }

    /// The ARN of this version: a published version's ARN carries its number; `$LATEST`
    /// is reported with the unqualified ARN (as GetFunction answers for a bare name).
    pub fn version_arn(&self) -> String {
        if self.version == LATEST {
            self.arn.clone()
        } else {
            format!("{}:{}", self.arn, self.version)
        }
    }

    /// The `FunctionConfiguration` answer.
    pub fn output(&self, code: &CodePackage) -> FunctionConfiguration {
        // Lambda's function states (docs: "Lambda function states", functions-states.md of
        // the Lambda developer guide): `Pending` with reason code `Creating` until the
        // function can run, then `Active`; `Failed` if it never can. Only a cargo
        // package's build makes a function wait here. The reason codes are the botocore
        // model's `StateReasonCode` values; a failed build is the function's own fault,
        // `FunctionError`. `LastUpdateStatus` reports updates, so a function still being
        // created (or whose creation failed) has none.
        let (state, state_reason, state_reason_code, last_update_status) = match code.state() {
            CodeState::Active => ("Active", None, None, Some("Successful")),
            CodeState::Pending => (
                "Pending",
                Some(format!(
                    "The function is being created. Its {} is being built; cargo's progress is in the emulator's log.",
                    code.describe()
                )),
                Some("Creating"),
                None,
            ),
            CodeState::Failed(reason) => ("Failed", Some(reason), Some("FunctionError"), None),
        };
        FunctionConfiguration {
            function_name: Some(self.name.clone()),
            function_arn: Some(self.version_arn()),
            runtime: Some(self.runtime.clone()),
            role: Some(self.role.clone()),
            handler: self.handler.clone(),
            code_size: Some(i64::try_from(code.size()).unwrap_or(i64::MAX)),
            description: Some(self.description.clone()),
            timeout: Some(i32::try_from(self.timeout).unwrap_or(i32::MAX)),
            memory_size: Some(i32::try_from(self.memory_size).unwrap_or(i32::MAX)),
            last_modified: Some(self.last_modified.clone()),
            code_sha256: Some(code.sha256()),
            version: Some(self.version.clone()),
            environment: (!self.environment.is_empty()).then(|| EnvironmentResponse {
                variables: Some(self.environment.clone()),
                error: None,
            }),
            kms_key_arn: self.kms_key_arn.clone(),
            dead_letter_config: self.dead_letter_target.clone().map(|target| {
                model::DeadLetterConfig {
                    target_arn: Some(target),
                }
            }),
            tracing_config: Some(TracingConfigResponse {
                mode: Some(self.tracing_mode.clone()),
            }),
            revision_id: Some(self.revision_id.clone()),
            state: Some(state.to_owned()),
            state_reason,
            state_reason_code: state_reason_code.map(str::to_owned),
            last_update_status: last_update_status.map(str::to_owned),
            package_type: Some("Zip".to_owned()),
            architectures: Some(self.architectures.clone()),
            ephemeral_storage: Some(model::EphemeralStorage {
                size: Some(i32::try_from(self.ephemeral_storage).unwrap_or(i32::MAX)),
            }),
            snap_start: Some(SnapStartResponse {
                apply_on: Some("None".to_owned()),
                optimization_status: Some("Off".to_owned()),
            }),
            logging_config: Some(model::LoggingConfig {
                log_format: Some(self.log_format.clone()),
                log_group: Some(self.log_group.clone()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The model's constraints (the generated validation, as the operations run it),
    /// then Lambda's own rules.
    fn err(input: ConfigInput<'_>) -> LambdaError {
        let number = |n: Option<i64>| n.map(|n| i32::try_from(n).unwrap_or(i32::MAX));
        let request = model::UpdateFunctionConfigurationRequest {
            function_name: Some("f".to_owned()),
            role: input.role.map(str::to_owned),
            handler: input.handler.map(str::to_owned),
            description: input.description.map(str::to_owned),
            timeout: number(input.timeout),
            memory_size: number(input.memory_size),
            environment: input.environment.cloned(),
            runtime: input.runtime.map(str::to_owned),
            ..Default::default()
        };
        check_model(&request)
            .and_then(|()| check(&input).map(|_| ()))
            .unwrap_err()
    }

    #[test]
    fn model_constraints_are_validation_errors_in_aws_words() {
        let e = err(ConfigInput {
            timeout: Some(901),
            ..ConfigInput::default()
        });
        assert_eq!(
            e,
            LambdaError::Validation("1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900".into())
        );
        let e = err(ConfigInput {
            timeout: Some(0),
            memory_size: Some(127),
            ..ConfigInput::default()
        });
        assert!(e
            .to_string()
            .starts_with("2 validation errors detected: Value '0' at 'timeout'"));
        assert!(e.to_string().contains(
            "Value '127' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"
        ));
        let e = err(ConfigInput {
            role: Some("not-an-arn"),
            ..ConfigInput::default()
        });
        assert!(matches!(e, LambdaError::Validation(_)), "{e}");
        let e = err(ConfigInput {
            runtime: Some("cobol"),
            ..ConfigInput::default()
        });
        assert!(e.to_string().contains("Member must satisfy enum value set"));
    }

    #[test]
    fn unsupported_runtimes_and_reserved_variables_are_invalid_parameters() {
        let e = err(ConfigInput {
            runtime: Some("java21"),
            ..ConfigInput::default()
        });
        assert!(matches!(e, LambdaError::InvalidParameterValue(_)));
        assert!(e.to_string().contains("java21"), "{e}");
        let e = err(ConfigInput {
            runtime: Some("python3.9"),
            ..ConfigInput::default()
        });
        assert!(e.to_string().contains("no longer supported"), "{e}");
        assert!(check(&ConfigInput {
            runtime: Some("python3.12"),
            ..ConfigInput::default()
        })
        .is_ok());
        let env = model::Environment {
            variables: Some(BTreeMap::from([
                ("AWS_REGION".to_owned(), "x".to_owned()),
                ("OK".to_owned(), "y".to_owned()),
            ])),
        };
        let e = err(ConfigInput {
            environment: Some(&env),
            ..ConfigInput::default()
        });
        assert!(e
            .to_string()
            .ends_with("Reserved keys used in this request: AWS_REGION"));
        let big = model::Environment {
            variables: Some(BTreeMap::from([("BIG".to_owned(), "x".repeat(5000))])),
        };
        let e = err(ConfigInput {
            environment: Some(&big),
            ..ConfigInput::default()
        });
        assert!(e.to_string().contains("exceeded the 4KB limit"));
    }

    #[test]
    fn valid_changes_apply_over_the_defaults() {
        let env = model::Environment {
            variables: Some(BTreeMap::from([("STAGE".to_owned(), "dev".to_owned())])),
        };
        let changes = check(&ConfigInput {
            runtime: Some("provided.al2023"),
            role: Some("arn:aws:iam::123456789012:role/service-role/r"),
            handler: Some("bootstrap"),
            timeout: Some(30),
            environment: Some(&env),
            ..ConfigInput::default()
        })
        .unwrap();
        let config = FunctionConfig::new(
            "f",
            "arn:aws:lambda:us-east-1:123456789012:function:f",
            "us-east-1",
            changes,
        );
        assert_eq!(config.timeout, 30);
        assert_eq!(config.memory_size, DEFAULT_MEMORY);
        assert_eq!(config.log_group, "/aws/lambda/f");
        assert_eq!(config.environment["STAGE"], "dev");
        assert_eq!(config.last_modified.len(), 28, "{}", config.last_modified);
        assert!(!format!("{config:?}").contains("dev"));
    }
}
