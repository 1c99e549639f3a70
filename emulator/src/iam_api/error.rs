//! IAM's errors: the one place the IAM API's codes and HTTP statuses are assigned (the
//! entity errors' codes and statuses come from botocore's model, `generated::iam`).

use crate::generated::iam::ErrorCode;
use crate::protocol::AwsError;
use axum::http::StatusCode;

/// An IAM API error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IamApiError {
    /// An error the model declares (`NoSuchEntity`, `EntityAlreadyExists`,
    /// `DeleteConflict`, `LimitExceeded`, `MalformedPolicyDocument`, ...).
    #[error("{code}: {1}", code = .0.code())]
    Model(ErrorCode, String),
    /// The caller may not perform the action (403, as every AWS query service).
    #[error("AccessDenied: {0}")]
    AccessDenied(String),
    /// A member fails its constraint in the model (IAM answers `ValidationError`, 400).
    #[error("ValidationError: {0}")]
    Validation(String),
    /// Credentials IAM does not accept for this call (GetSessionToken's without MFA).
    #[error("InvalidClientTokenId: {0}")]
    InvalidClientTokenId(String),
    #[error("MissingAction: {0}")]
    MissingAction(String),
    #[error("InvalidAction: {0}")]
    InvalidAction(String),
    /// A real IAM operation this emulator does not implement.
    #[error("NotImplemented: {0}")]
    NotImplemented(String),
}

impl IamApiError {
    pub fn no_such_entity(message: String) -> Self {
        IamApiError::Model(ErrorCode::NoSuchEntityException, message)
    }
    pub fn already_exists(message: String) -> Self {
        IamApiError::Model(ErrorCode::EntityAlreadyExistsException, message)
    }
    pub fn delete_conflict(message: String) -> Self {
        IamApiError::Model(ErrorCode::DeleteConflictException, message)
    }
    pub fn limit_exceeded(message: String) -> Self {
        IamApiError::Model(ErrorCode::LimitExceededException, message)
    }
    pub fn invalid_input(message: String) -> Self {
        IamApiError::Model(ErrorCode::InvalidInputException, message)
    }
    pub fn malformed_policy(message: String) -> Self {
        IamApiError::Model(ErrorCode::MalformedPolicyDocumentException, message)
    }
}

impl AwsError for IamApiError {
    fn code(&self) -> &str {
        match self {
            IamApiError::Model(code, _) => code.code(),
            IamApiError::AccessDenied(_) => "AccessDenied",
            IamApiError::Validation(_) => "ValidationError",
            IamApiError::InvalidClientTokenId(_) => "InvalidClientTokenId",
            IamApiError::MissingAction(_) => "MissingAction",
            IamApiError::InvalidAction(_) => "InvalidAction",
            IamApiError::NotImplemented(_) => "NotImplemented",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            IamApiError::Model(code, _) => {
                StatusCode::from_u16(code.status()).unwrap_or(StatusCode::BAD_REQUEST)
            }
            IamApiError::AccessDenied(_) | IamApiError::InvalidClientTokenId(_) => {
                StatusCode::FORBIDDEN
            }
            IamApiError::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
            IamApiError::Validation(_)
            | IamApiError::MissingAction(_)
            | IamApiError::InvalidAction(_) => StatusCode::BAD_REQUEST,
        }
    }

    fn message(&self) -> String {
        match self {
            IamApiError::Model(_, m)
            | IamApiError::AccessDenied(m)
            | IamApiError::Validation(m)
            | IamApiError::InvalidClientTokenId(m)
            | IamApiError::MissingAction(m)
            | IamApiError::InvalidAction(m)
            | IamApiError::NotImplemented(m) => m.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_the_models() {
        let cases = [
            (
                IamApiError::no_such_entity(String::new()),
                "NoSuchEntity",
                404,
            ),
            (
                IamApiError::already_exists(String::new()),
                "EntityAlreadyExists",
                409,
            ),
            (
                IamApiError::delete_conflict(String::new()),
                "DeleteConflict",
                409,
            ),
            (
                IamApiError::limit_exceeded(String::new()),
                "LimitExceeded",
                409,
            ),
            (
                IamApiError::malformed_policy(String::new()),
                "MalformedPolicyDocument",
                400,
            ),
            (
                IamApiError::Validation(String::new()),
                "ValidationError",
                400,
            ),
        ];
        for (error, code, status) in cases {
            assert_eq!((error.code(), error.status().as_u16()), (code, status));
        }
    }
}
