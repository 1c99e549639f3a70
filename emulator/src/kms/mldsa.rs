//! ML-DSA (FIPS 204) signing keys: `ML_DSA_44`, `ML_DSA_65` and `ML_DSA_87` with the one
//! signing algorithm `ML_DSA_SHAKE_256` (KMS Developer Guide, "Key spec reference"), from
//! RustCrypto's `ml-dsa`. A RAW message is signed as pure ML-DSA with an empty context; an
//! EXTERNAL_MU message is the 64-byte message representative μ the caller computed
//! (FIPS 204, Algorithm 7, line 6), signed as is. Signatures are hedged (randomised), as
//! FIPS 204 recommends. The private key is its 32-byte seed; `Debug` never shows it.

use super::crypto::random_bytes;
use super::error::KmsError;
use ml_dsa::{MlDsa44, MlDsa65, MlDsa87, MlDsaParams, Seed, Signature, SigningKey};

/// One of ML-DSA's three parameter sets (FIPS 204, section 4). A key spec names one
/// (`specs` converts `ML_DSA_44`, ...): this module sits below the key specs, so it takes
/// anything that converts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterSet {
    MlDsa44,
    MlDsa65,
    MlDsa87,
}

/// An ML-DSA private key of one of the three parameter sets.
#[derive(Clone)]
pub enum MlDsaKey {
    L44(Box<SigningKey<MlDsa44>>),
    L65(Box<SigningKey<MlDsa65>>),
    L87(Box<SigningKey<MlDsa87>>),
}

impl std::fmt::Debug for MlDsaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MlDsaKey(** redacted **)")
    }
}

/// Runs `$body` with `$key` bound to the key of whichever parameter set it is.
macro_rules! each {
    ($key:expr, |$k:ident| $body:expr) => {
        match $key {
            MlDsaKey::L44($k) => $body,
            MlDsaKey::L65($k) => $body,
            MlDsaKey::L87($k) => $body,
        }
    };
}

/// The length of μ, the message representative an EXTERNAL_MU message is.
pub const MU_LEN: usize = 64;

fn sign_with<P: MlDsaParams>(
    key: &SigningKey<P>,
    message_type: &str,
    message: &[u8],
) -> Result<Vec<u8>, KmsError> {
    use ml_dsa::SignatureEncoding;
    use sha2::digest::common::getrandom::SysRng;
    let failed = |_| KmsError::KMSInternalException("signing failed".to_owned());
    let signature = if message_type == "EXTERNAL_MU" {
        let mu = message
            .try_into()
            .map_err(|_| KmsError::KMSInternalException("μ is not 64 bytes".to_owned()))?;
        key.expanded_key()
            .sign_mu_randomized(&mu, &mut SysRng)
            .map_err(failed)?
    } else {
        key.expanded_key()
            .sign_randomized(message, &[], &mut SysRng)
            .map_err(failed)?
    };
    Ok(signature.to_bytes().to_vec())
}

fn verify_with<P: MlDsaParams>(
    key: &SigningKey<P>,
    message_type: &str,
    message: &[u8],
    signature: &[u8],
) -> bool {
    use ml_dsa::Keypair;
    let Ok(signature) = Signature::<P>::try_from(signature) else {
        return false;
    };
    let public = key.verifying_key();
    if message_type == "EXTERNAL_MU" {
        match message.try_into() {
            Ok(mu) => public.verify_mu(&mu, &signature),
            Err(_) => false,
        }
    } else {
        public.verify_with_context(message, &[], &signature)
    }
}

impl MlDsaKey {
    /// The key of an ML-DSA spec (or parameter set) from its 32-byte seed (`None` for
    /// another spec or length).
    pub fn from_seed(spec: impl TryInto<ParameterSet>, seed: &[u8]) -> Option<Self> {
        let set = spec.try_into().ok()?;
        let seed = Seed::try_from(seed).ok()?;
        Some(match set {
            ParameterSet::MlDsa44 => MlDsaKey::L44(Box::new(SigningKey::from_seed(&seed))),
            ParameterSet::MlDsa65 => MlDsaKey::L65(Box::new(SigningKey::from_seed(&seed))),
            ParameterSet::MlDsa87 => MlDsaKey::L87(Box::new(SigningKey::from_seed(&seed))),
        })
    }

    /// A new key of an ML-DSA spec (or parameter set).
    pub fn generate(spec: impl TryInto<ParameterSet>) -> Option<Self> {
        Self::from_seed(spec, &random_bytes(32))
    }

    /// The seed, the private key's standard serialisation (kept in snapshots).
    pub fn seed(&self) -> Vec<u8> {
        each!(self, |k| k.to_seed().to_vec())
    }

    /// The signature of a RAW message (up to 4096 bytes) or of an EXTERNAL_MU μ (64
    /// bytes; the caller checks the length first).
    pub fn sign(&self, message_type: &str, message: &[u8]) -> Result<Vec<u8>, KmsError> {
        each!(self, |k| sign_with(k, message_type, message))
    }

    /// Whether `signature` is this key's signature of the message.
    pub fn verify(&self, message_type: &str, message: &[u8], signature: &[u8]) -> bool {
        each!(self, |k| verify_with(k, message_type, message, signature))
    }

    /// The public key as a DER SubjectPublicKeyInfo (RFC 5280, the ML-DSA algorithm
    /// identifiers of RFC 9881), as GetPublicKey answers.
    pub fn public_key_der(&self) -> Result<Vec<u8>, KmsError> {
        use ml_dsa::signature::Keypair;
        use p256::pkcs8::EncodePublicKey;
        each!(self, |k| k
            .verifying_key()
            .to_public_key_der()
            .map(|d| d.as_bytes().to_vec())
            .map_err(|_| KmsError::KMSInternalException(
                "public key encoding failed".to_owned()
            )))
    }

    /// The private key as DER PKCS #8 (the seed form of RFC 9881).
    pub fn to_pkcs8_der(&self) -> Result<Vec<u8>, KmsError> {
        use p256::pkcs8::EncodePrivateKey;
        each!(self, |k| k
            .to_pkcs8_der()
            .map(|d| d.as_bytes().to_vec())
            .map_err(|_| KmsError::KMSInternalException(
                "private key encoding failed".to_owned()
            )))
    }

    /// A key of an ML-DSA spec (or parameter set) from PKCS #8 PEM.
    pub fn from_pkcs8_pem(spec: impl TryInto<ParameterSet>, pem: &str) -> Option<Self> {
        use p256::pkcs8::DecodePrivateKey;
        Some(match spec.try_into().ok()? {
            ParameterSet::MlDsa44 => MlDsaKey::L44(Box::new(SigningKey::from_pkcs8_pem(pem).ok()?)),
            ParameterSet::MlDsa65 => MlDsaKey::L65(Box::new(SigningKey::from_pkcs8_pem(pem).ok()?)),
            ParameterSet::MlDsa87 => MlDsaKey::L87(Box::new(SigningKey::from_pkcs8_pem(pem).ok()?)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::specs::KeySpec;
    use super::*;

    /// Each parameter set signs RAW messages and μ values that it verifies, and not
    /// others; its seed gives back the same key; its debug output hides it.
    #[test]
    fn every_parameter_set_signs_and_verifies() {
        for (spec, len) in [
            (KeySpec::MlDsa44, 2420),
            (KeySpec::MlDsa65, 3309),
            (KeySpec::MlDsa87, 4627),
        ] {
            let key = MlDsaKey::generate(spec).unwrap();
            assert_eq!(format!("{key:?}"), "MlDsaKey(** redacted **)");
            let signature = key.sign("RAW", b"firmware").unwrap();
            assert_eq!(signature.len(), len, "{spec:?}");
            assert!(key.verify("RAW", b"firmware", &signature));
            assert!(!key.verify("RAW", b"firmwarf", &signature));
            let mu = [9u8; MU_LEN];
            let over_mu = key.sign("EXTERNAL_MU", &mu).unwrap();
            assert!(key.verify("EXTERNAL_MU", &mu, &over_mu));
            assert!(!key.verify("RAW", &mu, &over_mu));
            let again = MlDsaKey::from_seed(spec, &key.seed()).unwrap();
            assert!(again.verify("RAW", b"firmware", &signature));
            assert_eq!(
                again.public_key_der().unwrap(),
                key.public_key_der().unwrap()
            );
        }
        assert!(MlDsaKey::from_seed(KeySpec::EccNistP256, &[0u8; 32]).is_none());
        assert!(MlDsaKey::from_seed(KeySpec::MlDsa44, &[0u8; 31]).is_none());
    }
}
