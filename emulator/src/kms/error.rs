//! KMS's errors: each variant is one AWS error code, and this file is the one place that
//! maps it to its code, HTTP status (from the Smithy model) and message.

use crate::protocol::AwsError;
use axum::http::StatusCode;

/// An error answered by a KMS operation. The payload is the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KmsError {
    #[error("ValidationException: {0}")]
    Validation(String),
    #[error("SerializationException: {0}")]
    Serialization(String),
    #[error("NotFoundException: {0}")]
    NotFound(String),
    #[error("AlreadyExistsException: {0}")]
    AlreadyExists(String),
    #[error("DisabledException: {0}")]
    Disabled(String),
    #[error("KMSInvalidStateException: {0}")]
    InvalidState(String),
    #[error("InvalidCiphertextException: {0}")]
    InvalidCiphertext(String),
    #[error("IncorrectKeyException: {0}")]
    IncorrectKey(String),
    #[error("IncorrectKeyMaterialException: {0}")]
    IncorrectKeyMaterial(String),
    #[error("InvalidImportTokenException: {0}")]
    InvalidImportToken(String),
    #[error("ExpiredImportTokenException: {0}")]
    ExpiredImportToken(String),
    #[error("InvalidKeyUsageException: {0}")]
    InvalidKeyUsage(String),
    #[error("KMSInvalidMacException: {0}")]
    InvalidMac(String),
    #[error("KMSInvalidSignatureException: {0}")]
    InvalidSignature(String),
    #[error("InvalidAliasNameException: {0}")]
    InvalidAliasName(String),
    #[error("InvalidArnException: {0}")]
    InvalidArn(String),
    #[error("InvalidMarkerException: {0}")]
    InvalidMarker(String),
    #[error("InvalidGrantIdException: {0}")]
    InvalidGrantId(String),
    #[error("InvalidGrantTokenException: {0}")]
    InvalidGrantToken(String),
    #[error("LimitExceededException: {0}")]
    LimitExceeded(String),
    #[error("MalformedPolicyDocumentException: {0}")]
    MalformedPolicyDocument(String),
    #[error("TagException: {0}")]
    Tag(String),
    #[error("UnsupportedOperationException: {0}")]
    UnsupportedOperation(String),
    #[error("CustomKeyStoreNotFoundException: {0}")]
    CustomKeyStoreNotFound(String),
    #[error("DryRunOperationException: {0}")]
    DryRunOperation(String),
    #[error("AccessDeniedException: {0}")]
    AccessDenied(String),
    #[error("KMSInternalException: {0}")]
    Internal(String),
}

impl AwsError for KmsError {
    fn code(&self) -> &str {
        match self {
            KmsError::Validation(_) => "ValidationException",
            KmsError::Serialization(_) => "SerializationException",
            KmsError::NotFound(_) => "NotFoundException",
            KmsError::AlreadyExists(_) => "AlreadyExistsException",
            KmsError::Disabled(_) => "DisabledException",
            KmsError::InvalidState(_) => "KMSInvalidStateException",
            KmsError::InvalidCiphertext(_) => "InvalidCiphertextException",
            KmsError::IncorrectKey(_) => "IncorrectKeyException",
            KmsError::IncorrectKeyMaterial(_) => "IncorrectKeyMaterialException",
            KmsError::InvalidImportToken(_) => "InvalidImportTokenException",
            KmsError::ExpiredImportToken(_) => "ExpiredImportTokenException",
            KmsError::InvalidKeyUsage(_) => "InvalidKeyUsageException",
            KmsError::InvalidMac(_) => "KMSInvalidMacException",
            KmsError::InvalidSignature(_) => "KMSInvalidSignatureException",
            KmsError::InvalidAliasName(_) => "InvalidAliasNameException",
            KmsError::InvalidArn(_) => "InvalidArnException",
            KmsError::InvalidMarker(_) => "InvalidMarkerException",
            KmsError::InvalidGrantId(_) => "InvalidGrantIdException",
            KmsError::InvalidGrantToken(_) => "InvalidGrantTokenException",
            KmsError::LimitExceeded(_) => "LimitExceededException",
            KmsError::MalformedPolicyDocument(_) => "MalformedPolicyDocumentException",
            KmsError::Tag(_) => "TagException",
            KmsError::UnsupportedOperation(_) => "UnsupportedOperationException",
            KmsError::CustomKeyStoreNotFound(_) => "CustomKeyStoreNotFoundException",
            KmsError::DryRunOperation(_) => "DryRunOperationException",
            KmsError::AccessDenied(_) => "AccessDeniedException",
            KmsError::Internal(_) => "KMSInternalException",
        }
    }

    fn status(&self) -> StatusCode {
        // The KMS model (botocore `kms/2014-11-01/service-2.json`) gives no exception an
        // `httpStatusCode`, so every client error is a 400 and the faults
        // (`KMSInternalException`) a 500; recorded AWS answers agree (issue 14: a
        // `NotFoundException` comes back as 400, not 404).
        match self {
            KmsError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn message(&self) -> String {
        match self {
            KmsError::Validation(m)
            | KmsError::Serialization(m)
            | KmsError::NotFound(m)
            | KmsError::AlreadyExists(m)
            | KmsError::Disabled(m)
            | KmsError::InvalidState(m)
            | KmsError::InvalidCiphertext(m)
            | KmsError::IncorrectKey(m)
            | KmsError::IncorrectKeyMaterial(m)
            | KmsError::InvalidImportToken(m)
            | KmsError::ExpiredImportToken(m)
            | KmsError::InvalidKeyUsage(m)
            | KmsError::InvalidMac(m)
            | KmsError::InvalidSignature(m)
            | KmsError::InvalidAliasName(m)
            | KmsError::InvalidArn(m)
            | KmsError::InvalidMarker(m)
            | KmsError::InvalidGrantId(m)
            | KmsError::InvalidGrantToken(m)
            | KmsError::LimitExceeded(m)
            | KmsError::MalformedPolicyDocument(m)
            | KmsError::Tag(m)
            | KmsError::UnsupportedOperation(m)
            | KmsError::CustomKeyStoreNotFound(m)
            | KmsError::DryRunOperation(m)
            | KmsError::AccessDenied(m)
            | KmsError::Internal(m) => m.clone(),
        }
    }
}

impl From<crate::dispatch::DecodeError> for KmsError {
    fn from(e: crate::dispatch::DecodeError) -> Self {
        KmsError::Serialization(e.0)
    }
}

/// The result of the validator, as a KMS error.
pub fn validated(result: Result<(), String>) -> Result<(), KmsError> {
    result.map_err(KmsError::Validation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_are_400_and_faults_500() {
        for e in [
            KmsError::NotFound(String::new()),
            KmsError::AlreadyExists(String::new()),
            KmsError::Disabled(String::new()),
            KmsError::InvalidState(String::new()),
            KmsError::DryRunOperation(String::new()),
            KmsError::Tag(String::new()),
        ] {
            assert_eq!(e.status(), StatusCode::BAD_REQUEST, "{e}");
        }
        assert_eq!(
            KmsError::Internal(String::new()).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
