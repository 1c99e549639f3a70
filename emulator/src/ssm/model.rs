//! Parameter Store's inputs and outputs: the types generated from the model
//! (`crate::generated::ssm`), gathered here for the operations.

pub use crate::generated::ssm::{
    AddTagsToResourceRequest, AddTagsToResourceResult, DeleteParameterRequest,
    DeleteParameterResult, DeleteParametersRequest, DeleteParametersResult,
    DescribeParametersRequest, DescribeParametersResult, GetParameterHistoryRequest,
    GetParameterHistoryResult, GetParameterRequest, GetParameterResult, GetParametersByPathRequest,
    GetParametersByPathResult, GetParametersRequest, GetParametersResult,
    LabelParameterVersionRequest, LabelParameterVersionResult, ListTagsForResourceRequest,
    ListTagsForResourceResult, Parameter, ParameterHistory, ParameterInlinePolicy,
    ParameterMetadata, ParameterStringFilter, ParametersFilter, PutParameterRequest,
    PutParameterResult, RemoveTagsFromResourceRequest, RemoveTagsFromResourceResult, Tag,
    UnlabelParameterVersionRequest, UnlabelParameterVersionResult,
};
