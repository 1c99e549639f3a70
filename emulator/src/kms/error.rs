//! KMS's errors. The type, its codes and their HTTP statuses are generated from the
//! model (`crate::generated::kms`; the codes every awsJson service answers but the model
//! omits are in `codegen/data/overrides.json`); this file adds only what the model cannot
//! say: how a body that does not decode and a validator's result become errors.

pub use crate::generated::kms::KmsError;

impl From<crate::dispatch::DecodeError> for KmsError {
    fn from(e: crate::dispatch::DecodeError) -> Self {
        KmsError::SerializationException(e.0)
    }
}

/// The result of the validator, as a KMS error.
pub fn validated(result: Result<(), String>) -> Result<(), KmsError> {
    result.map_err(KmsError::ValidationException)
}

/// A member the model leaves optional but the operation cannot do without (the model's
/// later additions made some alternatives optional), answered as a missing required
/// member is.
pub fn required<T>(field: &str, value: &Option<T>) -> Result<(), KmsError> {
    let mut v = crate::protocol::validation::Validator::new();
    v.required(field, value);
    validated(v.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::AwsError;
    use axum::http::StatusCode;

    #[test]
    fn client_errors_are_400_and_faults_500() {
        // The KMS model (botocore `kms/2014-11-01`) gives no exception an
        // `httpStatusCode`: every client error is a 400, `NotFoundException` included
        // (issue 14: recorded AWS answers agree), and the faults a 500.
        for e in [
            KmsError::NotFoundException(String::new()),
            KmsError::AlreadyExistsException(String::new()),
            KmsError::DisabledException(String::new()),
            KmsError::KMSInvalidStateException(String::new()),
            KmsError::DryRunOperationException(String::new()),
            KmsError::TagException(String::new()),
            KmsError::AccessDeniedException(String::new()),
            KmsError::ValidationException(String::new()),
            KmsError::SerializationException(String::new()),
        ] {
            assert_eq!(e.status(), StatusCode::BAD_REQUEST, "{e}");
        }
        let e = KmsError::KMSInternalException("m".into());
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            (e.code(), e.message()),
            ("KMSInternalException", "m".to_owned())
        );
        assert_eq!(
            KmsError::NotFoundException("x".into()).to_string(),
            "NotFoundException: x"
        );
    }
}
