//! What a KMS key records of its imported material (`Origin: EXTERNAL`): whether material
//! is present, until when, its fingerprint and the latest import parameters; and the
//! state error of a key without material. Plain data below the key store, so the store
//! names no operation module (the import operations themselves are in `import`).

use super::error::KmsError;
use crate::time::Timestamp;
use std::sync::Arc;

/// What an `EXTERNAL` key knows about its imported material.
#[derive(Clone, Default)]
pub struct Imported {
    /// Whether the key holds material now.
    pub present: bool,
    /// When the present material expires (`None`: it does not, or there is none).
    pub valid_to: Option<Timestamp>,
    /// SHA-256 of the first material imported: a later import must bring the same
    /// material ("it is not the same key material that was previously imported",
    /// IncorrectKeyMaterialException). A digest of 256 random bits reveals nothing of them.
    pub fingerprint: Option<[u8; 32]>,
    /// The latest GetParametersForImport answer's private wrapping key and token.
    pub parameters: Option<Arc<ImportParameters>>,
}

impl std::fmt::Debug for Imported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The fingerprint is a digest of (possibly low-entropy, user-chosen) material:
        // not printed either.
        f.debug_struct("Imported")
            .field("present", &self.present)
            .field("valid_to", &self.valid_to)
            .field("fingerprint", &self.fingerprint.map(|_| "** redacted **"))
            .field("parameters", &self.parameters)
            .finish()
    }
}

impl Imported {
    /// When the present material expires.
    pub fn expires_at(&self) -> Option<Timestamp> {
        self.valid_to.filter(|_| self.present)
    }

    /// `KeyMetadata.ExpirationModel` once material has been imported.
    pub fn expiration_model(&self) -> Option<&'static str> {
        self.fingerprint.map(|_| match self.valid_to {
            Some(_) => "KEY_MATERIAL_EXPIRES",
            None => "KEY_MATERIAL_DOES_NOT_EXPIRE",
        })
    }

    /// A replica's record of a primary's import: the same material will be required,
    /// but none is there yet.
    pub fn without_material(&self) -> Self {
        Imported {
            present: false,
            valid_to: None,
            fingerprint: self.fingerprint,
            parameters: None,
        }
    }
}

/// One GetParametersForImport answer, kept until the next.
#[derive(Clone)]
pub struct ImportParameters {
    pub token: Vec<u8>,
    pub wrapping_key: rsa::PrivateKey,
    pub algorithm: &'static str,
    pub valid_to: Timestamp,
}

impl std::fmt::Debug for ImportParameters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The wrapping key protects material in transit: never printed.
        write!(
            f,
            "ImportParameters({}, valid to {:?})",
            self.algorithm, self.valid_to
        )
    }
}

/// `<ARN> is pending import.`: the state error of a key without material. The wording
/// follows AWS's "<ARN> is pending deletion." and is not confirmed by a recorded answer.
pub fn pending_import(arn: &str) -> KmsError {
    KmsError::KMSInvalidStateException(format!("{arn} is pending import."))
}
