//! Inputs and outputs of the Lambda operations, named as in the botocore model
//! (`lambda/2015-03-31`). The inputs (and the shapes they reach) are generated from the
//! model with their validation (`crate::generated::lambda`); every member is decoded, so
//! that the emulator can refuse the ones it cannot honour instead of ignoring them. The
//! outputs below are still written by hand.

use serde::Serialize;
use std::collections::BTreeMap;

pub use crate::generated::lambda::{
    AliasRoutingConfiguration, CreateAliasRequest, CreateFunctionRequest, DeadLetterConfig,
    DeleteAliasRequest, DeleteFunctionRequest, Environment, EphemeralStorage, FileSystemConfig,
    FunctionCode, GetAliasRequest, GetFunctionConfigurationRequest, GetFunctionRequest,
    ImageConfig, InvocationRequest, ListAliasesRequest, ListFunctionsRequest,
    ListVersionsByFunctionRequest, LoggingConfig, PublishVersionRequest, SnapStart, TracingConfig,
    UpdateAliasRequest, UpdateFunctionCodeRequest, UpdateFunctionConfigurationRequest,
};

/// `EnvironmentResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnvironmentResponse {
    pub variables: BTreeMap<String, String>,
}

/// `TracingConfigResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TracingConfigResponse {
    pub mode: String,
}

/// `EphemeralStorage` as answered.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EphemeralStorageResponse {
    pub size: u32,
}

/// `SnapStartResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnapStartResponse {
    pub apply_on: &'static str,
    pub optimization_status: &'static str,
}

/// `LoggingConfig` as answered.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfigResponse {
    pub log_format: String,
    pub log_group: String,
}

/// `FunctionConfiguration`: what CreateFunction, GetFunctionConfiguration and the updates
/// answer, and what GetFunction and ListFunctions list.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionConfiguration {
    pub function_name: String,
    pub function_arn: String,
    pub runtime: String,
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    pub code_size: u64,
    pub description: String,
    pub timeout: u32,
    pub memory_size: u32,
    pub last_modified: String,
    pub code_sha256: String,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<EnvironmentResponse>,
    #[serde(rename = "KMSKeyArn", skip_serializing_if = "Option::is_none")]
    pub kms_key_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dead_letter_config: Option<DeadLetterConfig>,
    pub tracing_config: TracingConfigResponse,
    pub revision_id: String,
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_update_status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_update_status_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_update_status_reason_code: Option<&'static str>,
    pub package_type: &'static str,
    pub architectures: Vec<String>,
    pub ephemeral_storage: EphemeralStorageResponse,
    pub snap_start: SnapStartResponse,
    pub logging_config: LoggingConfigResponse,
}

/// `FunctionCodeLocation`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionCodeLocation {
    pub repository_type: &'static str,
    pub location: String,
}

/// `GetFunctionResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetFunctionOutput {
    pub configuration: FunctionConfiguration,
    pub code: FunctionCodeLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// `ListFunctionsResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListFunctionsOutput {
    pub functions: Vec<FunctionConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

/// `ListVersionsByFunctionResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListVersionsOutput {
    pub versions: Vec<FunctionConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}

/// `AliasConfiguration`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasConfiguration {
    pub alias_arn: String,
    pub name: String,
    pub function_version: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_config: Option<AliasRoutingConfiguration>,
    pub revision_id: String,
}

/// `ListAliasesResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAliasesOutput {
    pub aliases: Vec<AliasConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
}
