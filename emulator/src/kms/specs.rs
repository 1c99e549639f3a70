//! Key specs beyond `SYMMETRIC_DEFAULT`: what each spec is for (its key usage and
//! algorithms) and the secret material of HMAC keys, which never leaves `kms`.

use super::crypto::random_bytes;
use super::error::KmsError;

/// A key's `KeySpec`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySpec {
    SymmetricDefault,
    Hmac224,
    Hmac256,
    Hmac384,
    Hmac512,
    EccNistP256,
}

impl KeySpec {
    /// The spec a `KeySpec` member names, if this emulator creates it.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "SYMMETRIC_DEFAULT" => KeySpec::SymmetricDefault,
            "HMAC_224" => KeySpec::Hmac224,
            "HMAC_256" => KeySpec::Hmac256,
            "HMAC_384" => KeySpec::Hmac384,
            "HMAC_512" => KeySpec::Hmac512,
            "ECC_NIST_P256" => KeySpec::EccNistP256,
            _ => return None,
        })
    }

    /// The model's name of the spec.
    pub fn name(self) -> &'static str {
        match self {
            KeySpec::SymmetricDefault => "SYMMETRIC_DEFAULT",
            KeySpec::Hmac224 => "HMAC_224",
            KeySpec::Hmac256 => "HMAC_256",
            KeySpec::Hmac384 => "HMAC_384",
            KeySpec::Hmac512 => "HMAC_512",
            KeySpec::EccNistP256 => "ECC_NIST_P256",
        }
    }

    /// The one key usage a key of this spec has.
    pub fn usage(self) -> &'static str {
        match self {
            KeySpec::SymmetricDefault => "ENCRYPT_DECRYPT",
            // KEY_AGREEMENT (ECDH) is not emulated: ECC keys here are for signing.
            KeySpec::EccNistP256 => "SIGN_VERIFY",
            _ => "GENERATE_VERIFY_MAC",
        }
    }

    /// The MAC algorithm of an HMAC spec (the KMS Developer Guide's "Key spec
    /// reference": each HMAC key spec supports exactly one algorithm).
    pub fn mac_algorithm(self) -> Option<&'static str> {
        match self {
            KeySpec::SymmetricDefault | KeySpec::EccNistP256 => None,
            KeySpec::Hmac224 => Some("HMAC_SHA_224"),
            KeySpec::Hmac256 => Some("HMAC_SHA_256"),
            KeySpec::Hmac384 => Some("HMAC_SHA_384"),
            KeySpec::Hmac512 => Some("HMAC_SHA_512"),
        }
    }

    /// The length of an HMAC key's secret: as many bits as the spec names (KMS
    /// Developer Guide, "HMAC keys in AWS KMS").
    fn mac_key_len(self) -> Option<usize> {
        match self {
            KeySpec::SymmetricDefault | KeySpec::EccNistP256 => None,
            KeySpec::Hmac224 => Some(28),
            KeySpec::Hmac256 => Some(32),
            KeySpec::Hmac384 => Some(48),
            KeySpec::Hmac512 => Some(64),
        }
    }

    /// The signing algorithm of a signing spec (KMS Developer Guide, "Key spec
    /// reference": ECC_NIST_P256 signs with ECDSA_SHA_256 only).
    pub fn signing_algorithm(self) -> Option<&'static str> {
        match self {
            KeySpec::EccNistP256 => Some("ECDSA_SHA_256"),
            _ => None,
        }
    }

    /// A new private key for a signing spec (`None` for other specs).
    pub fn generate_sign_key(self) -> Option<SignKey> {
        match self {
            KeySpec::EccNistP256 => loop {
                // A random 32-byte string is a valid P-256 scalar except with negligible
                // probability (zero or above the group order); draw again then.
                if let Ok(key) = p256::ecdsa::SigningKey::from_slice(&random_bytes(32)) {
                    break Some(SignKey(key));
                }
            },
            _ => None,
        }
    }

    /// A new HMAC secret for this spec (`None` for other specs).
    pub fn generate_mac_key(self) -> Option<MacKey> {
        self.mac_key_len().map(|len| MacKey(random_bytes(len)))
    }
}

/// An HMAC key's secret. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct MacKey(pub Vec<u8>);

impl std::fmt::Debug for MacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MacKey(** redacted **)")
    }
}

/// An asymmetric signing key's private key. `Debug` never shows it.
#[derive(Clone)]
pub struct SignKey(pub p256::ecdsa::SigningKey);

impl std::fmt::Debug for SignKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignKey(** redacted **)")
    }
}

/// `InvalidKeyUsageException` for a key used by an operation its usage does not allow,
/// in LocalStack's wording, which its tests record against AWS
/// (`localstack/services/kms/provider.py`: "<ARN> key usage is <USAGE> which is not
/// valid for <Operation>.").
pub fn wrong_usage(arn: &str, spec: KeySpec, operation: &str) -> KmsError {
    KmsError::InvalidKeyUsage(format!(
        "{arn} key usage is {} which is not valid for {operation}.",
        spec.usage()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_round_trip_and_hmac_secrets_are_redacted() {
        for name in [
            "SYMMETRIC_DEFAULT",
            "HMAC_224",
            "HMAC_256",
            "HMAC_384",
            "HMAC_512",
        ] {
            assert_eq!(KeySpec::parse(name).unwrap().name(), name);
        }
        assert!(KeySpec::parse("RSA_2048").is_none());
        let secret = KeySpec::Hmac384.generate_mac_key().unwrap();
        assert_eq!(secret.0.len(), 48);
        assert_eq!(format!("{secret:?}"), "MacKey(** redacted **)");
        assert!(KeySpec::SymmetricDefault.generate_mac_key().is_none());
    }
}
