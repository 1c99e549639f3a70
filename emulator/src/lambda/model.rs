//! Inputs and outputs of the Lambda operations: the types generated from the botocore
//! model (`lambda/2015-03-31`, in `crate::generated::lambda`), with their validation.
//! Every input member is decoded, so that the emulator can refuse the ones it cannot
//! honour instead of ignoring them.

pub use crate::generated::lambda::{
    AliasConfiguration, AliasRoutingConfiguration, CreateAliasRequest, CreateFunctionRequest,
    DeadLetterConfig, DeleteAliasRequest, DeleteFunctionRequest, Environment, EnvironmentResponse,
    EphemeralStorage, FileSystemConfig, FunctionCode, FunctionCodeLocation, FunctionConfiguration,
    GetAliasRequest, GetFunctionConfigurationRequest, GetFunctionRequest, GetFunctionResponse,
    ImageConfig, InvocationRequest, ListAliasesRequest, ListAliasesResponse, ListFunctionsRequest,
    ListFunctionsResponse, ListTagsRequest, ListTagsResponse, ListVersionsByFunctionRequest,
    ListVersionsByFunctionResponse, LoggingConfig, PublishVersionRequest, SnapStart,
    SnapStartResponse, TagResourceRequest, TracingConfig, TracingConfigResponse,
    UntagResourceRequest, UpdateAliasRequest, UpdateFunctionCodeRequest,
    UpdateFunctionConfigurationRequest,
};
