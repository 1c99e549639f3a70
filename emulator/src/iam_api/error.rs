//! IAM's errors. The type, its codes and their HTTP statuses are generated from the
//! model (`crate::generated::iam::IamError`, with the common errors the model omits
//! listed in `codegen/data/overrides.json`); this file adds only how a form that does
//! not decode and a validator's result become errors.

pub use crate::generated::iam::IamError as IamApiError;

use crate::protocol::query::Unparsed;

impl From<Unparsed> for IamApiError {
    fn from(e: Unparsed) -> Self {
        IamApiError::ValidationError(e.message())
    }
}

/// The result of the validator, as IAM words it (`ValidationError`, 400).
pub fn validated(result: std::result::Result<(), String>) -> std::result::Result<(), IamApiError> {
    result.map_err(IamApiError::ValidationError)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::AwsError;

    #[test]
    fn statuses_are_the_models() {
        let cases = [
            (
                IamApiError::NoSuchEntityException(String::new()),
                "NoSuchEntity",
                404,
            ),
            (
                IamApiError::EntityAlreadyExistsException(String::new()),
                "EntityAlreadyExists",
                409,
            ),
            (
                IamApiError::DeleteConflictException(String::new()),
                "DeleteConflict",
                409,
            ),
            (
                IamApiError::LimitExceededException(String::new()),
                "LimitExceeded",
                409,
            ),
            (
                IamApiError::MalformedPolicyDocumentException(String::new()),
                "MalformedPolicyDocument",
                400,
            ),
            (
                IamApiError::ValidationError(String::new()),
                "ValidationError",
                400,
            ),
            (
                IamApiError::AccessDenied(String::new()),
                "AccessDenied",
                403,
            ),
            (
                IamApiError::InvalidClientTokenId(String::new()),
                "InvalidClientTokenId",
                403,
            ),
            (
                IamApiError::NotImplemented(String::new()),
                "NotImplemented",
                501,
            ),
        ];
        for (error, code, status) in cases {
            assert_eq!((error.code(), error.status().as_u16()), (code, status));
        }
    }
}
