//! CloudFormation's errors: the one place their codes and HTTP statuses are assigned
//! (codes from botocore's `cloudformation/2010-05-15` model; a template problem is a
//! `ValidationError`, 400, as CloudFormation answers "Template format error: ...").

use crate::generated::cloudformation::ErrorCode;
use crate::protocol::AwsError;
use axum::http::StatusCode;

/// A CloudFormation error: a template that cannot be deployed, or an API error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CfnError {
    /// A template, parameter or request problem (`ValidationError`, 400).
    #[error("{0}")]
    Validation(String),
    /// A stack of that name exists (`AlreadyExistsException`, 400).
    #[error("{0}")]
    AlreadyExists(String),
    /// The template creates IAM resources and the capability was not acknowledged.
    #[error("{0}")]
    InsufficientCapabilities(String),
    /// No change set of that name (`ChangeSetNotFound`, 404).
    #[error("{0}")]
    ChangeSetNotFound(String),
    /// The change set cannot be executed in its state (`InvalidChangeSetStatus`, 400).
    #[error("{0}")]
    InvalidChangeSetStatus(String),
    /// The caller may not perform a CloudFormation action (403).
    #[error("{0}")]
    AccessDenied(String),
    /// A resource could not be created or deleted: the operation's own error, named
    /// with the resource (it becomes the resource's status reason).
    #[error("{0}")]
    Resource(String),
    /// A real CloudFormation operation this emulator does not implement.
    #[error("{0}")]
    NotImplemented(String),
    /// An awsQuery request without a known `Action`.
    #[error("{0}")]
    InvalidAction(String),
}

impl AwsError for CfnError {
    fn code(&self) -> &str {
        match self {
            CfnError::Validation(_) | CfnError::Resource(_) => "ValidationError",
            CfnError::AlreadyExists(_) => ErrorCode::AlreadyExistsException.code(),
            CfnError::InsufficientCapabilities(_) => {
                ErrorCode::InsufficientCapabilitiesException.code()
            }
            CfnError::ChangeSetNotFound(_) => ErrorCode::ChangeSetNotFoundException.code(),
            CfnError::InvalidChangeSetStatus(_) => {
                ErrorCode::InvalidChangeSetStatusException.code()
            }
            CfnError::AccessDenied(_) => "AccessDenied",
            CfnError::NotImplemented(_) => "NotImplemented",
            CfnError::InvalidAction(_) => "InvalidAction",
        }
    }

    fn status(&self) -> StatusCode {
        let model = |code: ErrorCode| {
            StatusCode::from_u16(code.status()).unwrap_or(StatusCode::BAD_REQUEST)
        };
        match self {
            CfnError::AlreadyExists(_) => model(ErrorCode::AlreadyExistsException),
            CfnError::InsufficientCapabilities(_) => {
                model(ErrorCode::InsufficientCapabilitiesException)
            }
            CfnError::ChangeSetNotFound(_) => model(ErrorCode::ChangeSetNotFoundException),
            CfnError::InvalidChangeSetStatus(_) => {
                model(ErrorCode::InvalidChangeSetStatusException)
            }
            CfnError::AccessDenied(_) => StatusCode::FORBIDDEN,
            CfnError::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn message(&self) -> String {
        self.to_string()
    }
}

/// A template format error at `place` (`Resources.MyQueue.Type`), worded as
/// CloudFormation words them ("Template format error: ...").
pub fn template(place: &str, problem: impl std::fmt::Display) -> CfnError {
    CfnError::Validation(format!("Template format error: {place}: {problem}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses_are_the_models() {
        let cases = [
            (CfnError::Validation(String::new()), "ValidationError", 400),
            (
                CfnError::InsufficientCapabilities(String::new()),
                "InsufficientCapabilitiesException",
                400,
            ),
            (
                CfnError::AlreadyExists(String::new()),
                "AlreadyExistsException",
                400,
            ),
            (
                CfnError::ChangeSetNotFound(String::new()),
                "ChangeSetNotFound",
                404,
            ),
        ];
        for (error, code, status) in cases {
            assert_eq!((error.code(), error.status().as_u16()), (code, status));
        }
    }
}
