//! Parameter Store's errors. The type, its codes and their HTTP statuses are generated
//! from the model (`crate::generated::ssm`); this file adds only what the model cannot
//! say: how a body that does not decode and a validator's result become errors.

pub use crate::generated::ssm::SsmError;

impl From<crate::dispatch::DecodeError> for SsmError {
    fn from(e: crate::dispatch::DecodeError) -> Self {
        SsmError::SerializationException(e.0)
    }
}

/// The result of the validator, as an SSM error.
pub fn validated(result: Result<(), String>) -> Result<(), SsmError> {
    result.map_err(SsmError::ValidationException)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::AwsError;

    #[test]
    fn codes_and_statuses_come_from_the_model() {
        let e = SsmError::ParameterNotFound(String::new());
        assert_eq!((e.code(), e.status().as_u16()), ("ParameterNotFound", 400));
        let e = SsmError::HierarchyLevelLimitExceededException("m".into());
        assert_eq!(e.code(), "HierarchyLevelLimitExceededException");
        let e = SsmError::InternalServerError("m".into());
        assert_eq!((e.status().as_u16(), e.message()), (500, "m".to_owned()));
        assert_eq!(
            SsmError::ValidationException("x".into()).to_string(),
            "ValidationException: x"
        );
    }
}
