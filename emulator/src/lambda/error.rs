//! `LambdaError`: every error the Lambda API answers. Each variant names its code in the
//! generated `ErrorCode` (the model's code, HTTP status and message member, plus the two
//! codes real Lambda answers that the model omits, from `codegen/data/overrides.json`);
//! this file adds the variants' fields and the answers that are not the model's.

use crate::generated::lambda::ErrorCode;
use crate::protocol::rest_json::RestJsonError;
use crate::protocol::AwsError;
use axum::http::StatusCode;

/// An error of the Lambda API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LambdaError {
    /// `ResourceNotFoundException` (404): `Function not found: ARN`.
    #[error("{0}")]
    ResourceNotFound(String),
    /// `ResourceConflictException` (409): the function already exists, or is not
    /// `Active` (still `Pending`, or `Failed`) when invoked.
    #[error("{0}")]
    ResourceConflict(String),
    /// `InvalidParameterValueException` (400): a value the service refuses (role, code,
    /// runtime, environment variables).
    #[error("{0}")]
    InvalidParameterValue(String),
    /// `InvalidRequestContentException` (400): a body that is not the JSON expected.
    #[error("{0}")]
    InvalidRequestContent(String),
    /// `ValidationException` (400): a member outside the model's constraints. Real Lambda
    /// answers this code (not in the model) for constraint violations.
    #[error("{0}")]
    Validation(String),
    /// `RequestTooLargeException` (413).
    #[error("{0}")]
    RequestTooLarge(String),
    /// `RequestEntityTooLargeException` (413): a CreateFunction or UpdateFunctionCode
    /// request larger than Lambda accepts.
    #[error("{0}")]
    RequestEntityTooLarge(String),
    /// `CodeStorageExceededException` (400): the region's code storage quota is used up.
    #[error("{0}")]
    CodeStorageExceeded(String),
    /// `PreconditionFailedException` (412): the `RevisionId` given is not the current one.
    #[error("{0}")]
    PreconditionFailed(String),
    /// `UnsupportedMediaTypeException` (415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// `TooManyRequestsException` (429) with `Retry-After` and the throttling reason.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_seconds: u32,
        reason: &'static str,
    },
    /// `AccessDeniedException` (403): IAM refused the caller.
    #[error("{0}")]
    AccessDenied(String),
    /// The request's signature or credentials were refused (403), with the code
    /// authentication chose (`UnrecognizedClientException`, `InvalidSignatureException`,
    /// ...).
    #[error("{message}")]
    Unauthenticated { code: &'static str, message: String },
    /// `ServiceException` (500): a fault of the emulator itself.
    #[error("{0}")]
    Service(String),
    /// A real Lambda operation this emulator does not implement (501).
    #[error("{0}")]
    NotImplemented(String),
    /// No Lambda operation has this method and path (404).
    #[error("{0}")]
    UnknownOperation(String),
}

impl LambdaError {
    /// `Function not found: ARN`, as Lambda words a missing function.
    pub fn function_not_found(arn: &str) -> Self {
        LambdaError::ResourceNotFound(format!("Function not found: {arn}"))
    }
}

impl LambdaError {
    /// The region's code storage quota is used up, in the words of Lambda's documentation
    /// of its limits ("Code storage limit exceeded", docs.aws.amazon.com/lambda/latest/dg/limits.html).
    pub fn code_storage_exceeded() -> Self {
        LambdaError::CodeStorageExceeded("Code storage limit exceeded.".to_owned())
    }

    /// An invocation beyond the concurrency available: 429 with `Retry-After`, in the
    /// words and reason Lambda uses for its concurrency throttles.
    pub fn throttled() -> Self {
        LambdaError::TooManyRequests {
            message: "Rate Exceeded.".to_owned(),
            retry_after_seconds: 1,
            reason: "ConcurrentInvocationLimitExceeded",
        }
    }
}

impl LambdaError {
    /// The model's error code of the variant (statuses and body members come from it);
    /// `None` for the answers that are the emulator's or authentication's own.
    fn kind(&self) -> Option<ErrorCode> {
        Some(match self {
            LambdaError::ResourceNotFound(_) => ErrorCode::ResourceNotFoundException,
            LambdaError::ResourceConflict(_) => ErrorCode::ResourceConflictException,
            LambdaError::InvalidParameterValue(_) => ErrorCode::InvalidParameterValueException,
            LambdaError::InvalidRequestContent(_) => ErrorCode::InvalidRequestContentException,
            LambdaError::Validation(_) => ErrorCode::ValidationException,
            LambdaError::RequestTooLarge(_) => ErrorCode::RequestTooLargeException,
            LambdaError::RequestEntityTooLarge(_) => ErrorCode::RequestEntityTooLargeException,
            LambdaError::PreconditionFailed(_) => ErrorCode::PreconditionFailedException,
            LambdaError::CodeStorageExceeded(_) => ErrorCode::CodeStorageExceededException,
            LambdaError::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaTypeException,
            LambdaError::TooManyRequests { .. } => ErrorCode::TooManyRequestsException,
            LambdaError::AccessDenied(_) => ErrorCode::AccessDeniedException,
            LambdaError::Service(_) => ErrorCode::ServiceException,
            LambdaError::Unauthenticated { .. }
            | LambdaError::NotImplemented(_)
            | LambdaError::UnknownOperation(_) => return None,
        })
    }
}

impl AwsError for LambdaError {
    fn code(&self) -> &str {
        match (self.kind(), self) {
            (Some(kind), _) => kind.code(),
            (None, LambdaError::Unauthenticated { code, .. }) => code,
            (None, LambdaError::NotImplemented(_)) => "NotImplementedException",
            (None, _) => "UnknownOperationException",
        }
    }

    fn status(&self) -> StatusCode {
        let status = match (self.kind(), self) {
            (Some(kind), _) => kind.status(),
            // Authentication's refusals are 403 in every service.
            (None, LambdaError::Unauthenticated { .. }) => 403,
            (None, LambdaError::NotImplemented(_)) => 501,
            // No operation has this method and path.
            (None, _) => 404,
        };
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn message(&self) -> String {
        self.to_string()
    }
}

impl RestJsonError for LambdaError {
    fn message_member(&self) -> &'static str {
        // The model spells it `Message` for some errors, `message` for the others.
        self.kind().map_or("message", ErrorCode::message_member)
    }

    fn extra_members(&self) -> Vec<(&'static str, String)> {
        match self {
            LambdaError::TooManyRequests { reason, .. } => vec![("Reason", (*reason).to_owned())],
            _ => Vec::new(),
        }
    }

    fn headers(&self) -> Vec<(&'static str, String)> {
        match self {
            LambdaError::TooManyRequests {
                retry_after_seconds,
                ..
            } => vec![("Retry-After", retry_after_seconds.to_string())],
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_statuses_and_message_members_follow_the_model() {
        let cases: Vec<(LambdaError, &str, u16, &str)> = vec![
            (
                LambdaError::function_not_found("arn:aws:lambda:us-east-1:1:function:f"),
                "ResourceNotFoundException",
                404,
                "Message",
            ),
            (
                LambdaError::ResourceConflict("x".into()),
                "ResourceConflictException",
                409,
                "message",
            ),
            (
                LambdaError::InvalidParameterValue("x".into()),
                "InvalidParameterValueException",
                400,
                "message",
            ),
            (
                LambdaError::RequestTooLarge("x".into()),
                "RequestTooLargeException",
                413,
                "message",
            ),
            (
                LambdaError::UnsupportedMediaType("x".into()),
                "UnsupportedMediaTypeException",
                415,
                "message",
            ),
            (
                LambdaError::CodeStorageExceeded("x".into()),
                "CodeStorageExceededException",
                400,
                "message",
            ),
            (
                LambdaError::Service("x".into()),
                "ServiceException",
                500,
                "Message",
            ),
        ];
        for (err, code, status, member) in cases {
            assert_eq!(err.code(), code);
            assert_eq!(err.status().as_u16(), status);
            assert_eq!(err.message_member(), member);
        }
        let throttled = LambdaError::TooManyRequests {
            message: "Rate Exceeded.".into(),
            retry_after_seconds: 1,
            reason: "ConcurrentInvocationLimitExceeded",
        };
        assert_eq!(throttled.status().as_u16(), 429);
        assert_eq!(throttled.headers(), vec![("Retry-After", "1".to_owned())]);
    }
}
