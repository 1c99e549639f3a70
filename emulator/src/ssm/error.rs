//! Parameter Store's errors: each variant is one AWS error code, and this file is the one
//! place that maps it to its code, HTTP status and message.

use crate::protocol::AwsError;
use axum::http::StatusCode;

/// An error answered by a Parameter Store operation. The payload is the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsmError {
    #[error("ValidationException: {0}")]
    Validation(String),
    #[error("SerializationException: {0}")]
    Serialization(String),
    #[error("ParameterNotFound: {0}")]
    ParameterNotFound(String),
    #[error("ParameterAlreadyExists: {0}")]
    ParameterAlreadyExists(String),
    #[error("ParameterVersionNotFound: {0}")]
    ParameterVersionNotFound(String),
    #[error("ParameterMaxVersionLimitExceeded: {0}")]
    ParameterMaxVersionLimitExceeded(String),
    #[error("ParameterLimitExceeded: {0}")]
    ParameterLimitExceeded(String),
    #[error("ParameterVersionLabelLimitExceeded: {0}")]
    ParameterVersionLabelLimitExceeded(String),
    #[error("HierarchyLevelLimitExceededException: {0}")]
    HierarchyLevelLimitExceeded(String),
    #[error("HierarchyTypeMismatchException: {0}")]
    HierarchyTypeMismatch(String),
    #[error("InvalidAllowedPatternException: {0}")]
    InvalidAllowedPattern(String),
    #[error("ParameterPatternMismatchException: {0}")]
    ParameterPatternMismatch(String),
    #[error("UnsupportedParameterType: {0}")]
    UnsupportedParameterType(String),
    #[error("InvalidFilterKey: {0}")]
    InvalidFilterKey(String),
    #[error("InvalidFilterOption: {0}")]
    InvalidFilterOption(String),
    #[error("InvalidFilterValue: {0}")]
    InvalidFilterValue(String),
    #[error("InvalidNextToken: {0}")]
    InvalidNextToken(String),
    #[error("InvalidResourceId: {0}")]
    InvalidResourceId(String),
    #[error("InvalidResourceType: {0}")]
    InvalidResourceType(String),
    #[error("TooManyTagsError: {0}")]
    TooManyTags(String),
    #[error("InvalidKeyId: {0}")]
    InvalidKeyId(String),
    #[error("InvalidPolicyTypeException: {0}")]
    InvalidPolicyType(String),
    #[error("InvalidPolicyAttributeException: {0}")]
    InvalidPolicyAttribute(String),
    #[error("IncompatiblePolicyException: {0}")]
    IncompatiblePolicy(String),
    #[error("PoliciesLimitExceededException: {0}")]
    PoliciesLimitExceeded(String),
    #[error("AccessDeniedException: {0}")]
    AccessDenied(String),
    #[error("InternalServerError: {0}")]
    Internal(String),
}

impl AwsError for SsmError {
    fn code(&self) -> &str {
        match self {
            SsmError::Validation(_) => "ValidationException",
            SsmError::Serialization(_) => "SerializationException",
            SsmError::ParameterNotFound(_) => "ParameterNotFound",
            SsmError::ParameterAlreadyExists(_) => "ParameterAlreadyExists",
            SsmError::ParameterVersionNotFound(_) => "ParameterVersionNotFound",
            SsmError::ParameterMaxVersionLimitExceeded(_) => "ParameterMaxVersionLimitExceeded",
            SsmError::ParameterLimitExceeded(_) => "ParameterLimitExceeded",
            SsmError::ParameterVersionLabelLimitExceeded(_) => "ParameterVersionLabelLimitExceeded",
            SsmError::HierarchyLevelLimitExceeded(_) => "HierarchyLevelLimitExceededException",
            SsmError::HierarchyTypeMismatch(_) => "HierarchyTypeMismatchException",
            SsmError::InvalidAllowedPattern(_) => "InvalidAllowedPatternException",
            SsmError::ParameterPatternMismatch(_) => "ParameterPatternMismatchException",
            SsmError::UnsupportedParameterType(_) => "UnsupportedParameterType",
            SsmError::InvalidFilterKey(_) => "InvalidFilterKey",
            SsmError::InvalidFilterOption(_) => "InvalidFilterOption",
            SsmError::InvalidFilterValue(_) => "InvalidFilterValue",
            SsmError::InvalidNextToken(_) => "InvalidNextToken",
            SsmError::InvalidResourceId(_) => "InvalidResourceId",
            SsmError::InvalidResourceType(_) => "InvalidResourceType",
            SsmError::TooManyTags(_) => "TooManyTagsError",
            SsmError::InvalidKeyId(_) => "InvalidKeyId",
            SsmError::InvalidPolicyType(_) => "InvalidPolicyTypeException",
            SsmError::InvalidPolicyAttribute(_) => "InvalidPolicyAttributeException",
            SsmError::IncompatiblePolicy(_) => "IncompatiblePolicyException",
            SsmError::PoliciesLimitExceeded(_) => "PoliciesLimitExceededException",
            SsmError::AccessDenied(_) => "AccessDeniedException",
            SsmError::Internal(_) => "InternalServerError",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            SsmError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn message(&self) -> String {
        match self {
            SsmError::Validation(m)
            | SsmError::Serialization(m)
            | SsmError::ParameterNotFound(m)
            | SsmError::ParameterAlreadyExists(m)
            | SsmError::ParameterVersionNotFound(m)
            | SsmError::ParameterMaxVersionLimitExceeded(m)
            | SsmError::ParameterLimitExceeded(m)
            | SsmError::ParameterVersionLabelLimitExceeded(m)
            | SsmError::HierarchyLevelLimitExceeded(m)
            | SsmError::HierarchyTypeMismatch(m)
            | SsmError::InvalidAllowedPattern(m)
            | SsmError::ParameterPatternMismatch(m)
            | SsmError::UnsupportedParameterType(m)
            | SsmError::InvalidFilterKey(m)
            | SsmError::InvalidFilterOption(m)
            | SsmError::InvalidFilterValue(m)
            | SsmError::InvalidNextToken(m)
            | SsmError::InvalidResourceId(m)
            | SsmError::InvalidResourceType(m)
            | SsmError::TooManyTags(m)
            | SsmError::InvalidKeyId(m)
            | SsmError::InvalidPolicyType(m)
            | SsmError::InvalidPolicyAttribute(m)
            | SsmError::IncompatiblePolicy(m)
            | SsmError::PoliciesLimitExceeded(m)
            | SsmError::AccessDenied(m)
            | SsmError::Internal(m) => m.clone(),
        }
    }
}

impl From<crate::dispatch::DecodeError> for SsmError {
    fn from(e: crate::dispatch::DecodeError) -> Self {
        SsmError::Serialization(e.0)
    }
}

/// The result of the validator, as an SSM error.
pub fn validated(result: Result<(), String>) -> Result<(), SsmError> {
    result.map_err(SsmError::Validation)
}
