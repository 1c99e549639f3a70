//! RSA encryption keys (`RSA_2048`, `RSA_3072`, `RSA_4096` with KeyUsage
//! ENCRYPT_DECRYPT): Encrypt, Decrypt and ReEncrypt with RSAES_OAEP_SHA_1 and
//! RSAES_OAEP_SHA_256 (the `rsa` crate's OAEP, the same hash for OAEP and MGF1, no
//! label, as KMS uses them). The ciphertext is the bare OAEP ciphertext, as long as the
//! modulus, so that data encrypted outside KMS with the public key from GetPublicKey
//! decrypts through Decrypt, as on AWS.

use super::access::{authorize_with, Via};
use super::error::KmsError;
use super::services::KmsServices;
use super::specs::{KeyUsage, SignKey};
use super::store::KeySnapshot;
use crate::context::RequestContext;

/// Whether `key` is an RSA key for encryption (its ciphertexts are bare OAEP).
pub(crate) fn is_rsa_encryption_key(key: &KeySnapshot) -> bool {
    key.usage == KeyUsage::EncryptDecrypt && key.spec.rsa_modulus_len().is_some()
}

/// The algorithm a request asks of an RSA encryption key. Without one, KMS assumes
/// SYMMETRIC_DEFAULT, which no RSA key supports; AWS then answers
/// `InvalidKeyUsageException: Algorithm SYMMETRIC_DEFAULT is incompatible with key spec
/// RSA_4096.` (as recorded in zalando/spring-cloud-config-aws-kms#82 and
/// getsops/sops#684).
pub(crate) fn rsa_algorithm(
    key: &KeySnapshot,
    requested: Option<&str>,
) -> Result<&'static str, KmsError> {
    let requested = requested.unwrap_or("SYMMETRIC_DEFAULT");
    key.usage
        .encryption_algorithms(key.spec)
        .iter()
        .find(|a| **a == requested)
        .copied()
        .ok_or_else(|| {
            KmsError::InvalidKeyUsageException(format!(
                "Algorithm {requested} is incompatible with key spec {}.",
                key.spec.name()
            ))
        })
}

/// The longest plaintext an RSA key encrypts with `algorithm`: the modulus length less
/// twice the hash length and two (RFC 8017, 7.1.1), which are the limits the KMS API
/// reference lists for Encrypt (RSA_2048: 214 bytes with SHA-1, 190 with SHA-256;
/// RSA_3072: 342 and 318; RSA_4096: 470 and 446).
pub(crate) fn max_plaintext(key: &KeySnapshot, algorithm: &str) -> usize {
    let modulus = key.spec.rsa_modulus_len().unwrap_or(0);
    let hash = if algorithm == "RSAES_OAEP_SHA_1" {
        20
    } else {
        32
    };
    modulus.saturating_sub(2 * hash + 2)
}

fn rsa_private_key(key: &KeySnapshot) -> Result<&rsa::PrivateKey, KmsError> {
    match &key.sign_key {
        Some(SignKey::Rsa(private)) => Ok(private),
        _ => Err(KmsError::KMSInternalException(
            "RSA key has no RSA private key".to_owned(),
        )),
    }
}

/// Authorises `action` on an RSA encryption key with its `kms:EncryptionAlgorithm`, and
/// checks that the key is usable and supports the algorithm asked. The encryption
/// context plays no part: KMS's asymmetric algorithms do not support one (API
/// reference, Decrypt `EncryptionContext`).
pub(crate) fn check_rsa_request(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    key: &KeySnapshot,
    action: &str,
    requested: Option<&str>,
) -> Result<&'static str, KmsError> {
    let named = requested.unwrap_or("SYMMETRIC_DEFAULT");
    authorize_with(state, ctx, key, action, None, Via::Direct, &|keys| {
        keys.insert("kms:EncryptionAlgorithm", named);
    })?;
    key.check_usable()?;
    rsa_algorithm(key, requested)
}

/// Encrypts `plaintext` with the public key of an RSA encryption key, once the request
/// passed [`check_rsa_request`]. A plaintext over the algorithm's limit is refused with
/// `ValidationException`, in LocalStack's wording (`localstack/services/kms/provider.py`,
/// whose limits and messages its tests record against AWS).
pub(crate) fn rsa_encrypt(
    key: &KeySnapshot,
    algorithm: &str,
    plaintext: &[u8],
) -> Result<Vec<u8>, KmsError> {
    let max = max_plaintext(key, algorithm);
    if plaintext.len() > max {
        return Err(KmsError::ValidationException(format!(
            "Algorithm {algorithm} and key spec {} cannot encrypt data larger than {max} bytes.",
            key.spec.name()
        )));
    }
    let public = rsa_private_key(key)?.to_public_key();
    let sealed = if algorithm == "RSAES_OAEP_SHA_1" {
        public.oaep_encrypt::<sha1::Sha1>(plaintext)
    } else {
        public.oaep_encrypt::<sha2::Sha256>(plaintext)
    };
    sealed.map_err(|_| KmsError::KMSInternalException("RSA encryption failed".to_owned()))
}

/// Decrypts a bare OAEP ciphertext with an RSA encryption key's private key, once the
/// request passed [`check_rsa_request`]. A ciphertext that is not as long as the modulus
/// is `InvalidCiphertextException`; one that does not decrypt (another key, another
/// algorithm, damaged) is `IncorrectKeyException`, which AWS answers when the algorithm
/// differs from the one that encrypted (hashicorp/terraform-provider-aws#28604, the
/// `aws_kms_secrets` documentation): the two cases are indistinguishable to the key.
pub(crate) fn rsa_decrypt(
    key: &KeySnapshot,
    algorithm: &str,
    ciphertext: &[u8],
) -> Result<Vec<u8>, KmsError> {
    if Some(ciphertext.len()) != key.spec.rsa_modulus_len() {
        return Err(KmsError::InvalidCiphertextException(String::new()));
    }
    let private = rsa_private_key(key)?;
    let opened = if algorithm == "RSAES_OAEP_SHA_1" {
        private.oaep_decrypt::<sha1::Sha1>(ciphertext)
    } else {
        private.oaep_decrypt::<sha2::Sha256>(ciphertext)
    };
    opened.map_err(|_| {
        KmsError::IncorrectKeyException(
            "The key ID in the request does not identify a CMK that can perform this operation."
                .to_owned(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::specs::KeySpec;
    use super::*;

    fn snapshot(spec: KeySpec, usage: KeyUsage) -> KeySnapshot {
        KeySnapshot {
            id: "k".into(),
            arn: "arn:aws:kms:us-east-1:123456789012:key/k".into(),
            state: super::super::store::KeyState::Enabled,
            manager: super::super::store::KeyManager::Customer,
            policy: std::sync::Arc::new(
                crate::iam::policy::PolicyDocument::parse(&super::super::default_key_policy(
                    "123456789012",
                ))
                .unwrap(),
            ),
            materials: Vec::new(),
            grants: Vec::new(),
            spec,
            mac_key: None,
            sign_key: spec.generate_sign_key(),
            usage,
            origin: "AWS_KMS",
            multi_region_type: None,
            requested_alias: None,
        }
    }

    /// Both algorithms round-trip at exactly their limit and refuse one byte more; the
    /// ciphertext is as long as the modulus; the other algorithm does not decrypt it.
    #[test]
    fn oaep_round_trips_up_to_the_limit_of_each_algorithm() {
        let key = snapshot(KeySpec::Rsa2048, KeyUsage::EncryptDecrypt);
        assert!(is_rsa_encryption_key(&key));
        for (algorithm, limit, other) in [
            ("RSAES_OAEP_SHA_1", 214, "RSAES_OAEP_SHA_256"),
            ("RSAES_OAEP_SHA_256", 190, "RSAES_OAEP_SHA_1"),
        ] {
            assert_eq!(max_plaintext(&key, algorithm), limit);
            let plaintext = vec![5u8; limit];
            let sealed = rsa_encrypt(&key, algorithm, &plaintext).unwrap();
            assert_eq!(sealed.len(), 256);
            assert_eq!(rsa_decrypt(&key, algorithm, &sealed).unwrap(), plaintext);
            assert!(matches!(
                rsa_decrypt(&key, other, &sealed),
                Err(KmsError::IncorrectKeyException(_))
            ));
            assert!(matches!(
                rsa_decrypt(&key, algorithm, &sealed[1..]),
                Err(KmsError::InvalidCiphertextException(_))
            ));
            let err = rsa_encrypt(&key, algorithm, &vec![5u8; limit + 1]).unwrap_err();
            assert_eq!(
                err,
                KmsError::ValidationException(format!(
                    "Algorithm {algorithm} and key spec RSA_2048 cannot encrypt data larger than {limit} bytes."
                ))
            );
        }
        let signing = snapshot(KeySpec::Rsa3072, KeyUsage::SignVerify);
        assert!(!is_rsa_encryption_key(&signing));
        let big = snapshot(KeySpec::Rsa4096, KeyUsage::EncryptDecrypt);
        assert_eq!(max_plaintext(&big, "RSAES_OAEP_SHA_1"), 470);
        assert_eq!(max_plaintext(&big, "RSAES_OAEP_SHA_256"), 446);
    }

    #[test]
    fn an_rsa_key_needs_one_of_its_own_algorithms() {
        let key = snapshot(KeySpec::Rsa2048, KeyUsage::EncryptDecrypt);
        assert_eq!(
            rsa_algorithm(&key, None).unwrap_err(),
            KmsError::InvalidKeyUsageException(
                "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.".to_owned()
            )
        );
        assert!(rsa_algorithm(&key, Some("SM2PKE")).is_err());
        assert_eq!(
            rsa_algorithm(&key, Some("RSAES_OAEP_SHA_256")).unwrap(),
            "RSAES_OAEP_SHA_256"
        );
    }
}
