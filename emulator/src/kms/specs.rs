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
    EccNistP384,
    EccNistP521,
    EccSecgP256k1,
    /// RSA keys; here for SIGN_VERIFY only (their ENCRYPT_DECRYPT usage is not
    /// emulated).
    Rsa2048,
    Rsa3072,
    Rsa4096,
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
            "ECC_NIST_P384" => KeySpec::EccNistP384,
            "ECC_NIST_P521" => KeySpec::EccNistP521,
            "ECC_SECG_P256K1" => KeySpec::EccSecgP256k1,
            "RSA_2048" => KeySpec::Rsa2048,
            "RSA_3072" => KeySpec::Rsa3072,
            "RSA_4096" => KeySpec::Rsa4096,
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
            KeySpec::EccNistP384 => "ECC_NIST_P384",
            KeySpec::EccNistP521 => "ECC_NIST_P521",
            KeySpec::EccSecgP256k1 => "ECC_SECG_P256K1",
            KeySpec::Rsa2048 => "RSA_2048",
            KeySpec::Rsa3072 => "RSA_3072",
            KeySpec::Rsa4096 => "RSA_4096",
        }
    }

    /// The one key usage a key of this spec has.
    pub fn usage(self) -> &'static str {
        match self {
            KeySpec::SymmetricDefault => "ENCRYPT_DECRYPT",
            // KEY_AGREEMENT (ECDH) is not emulated: ECC keys here are for signing.
            KeySpec::EccNistP256
            | KeySpec::EccNistP384
            | KeySpec::EccNistP521
            | KeySpec::EccSecgP256k1
            | KeySpec::Rsa2048
            | KeySpec::Rsa3072
            | KeySpec::Rsa4096 => "SIGN_VERIFY",
            KeySpec::Hmac224 | KeySpec::Hmac256 | KeySpec::Hmac384 | KeySpec::Hmac512 => {
                "GENERATE_VERIFY_MAC"
            }
        }
    }

    /// The MAC algorithm of an HMAC spec (the KMS Developer Guide's "Key spec
    /// reference": each HMAC key spec supports exactly one algorithm).
    pub fn mac_algorithm(self) -> Option<&'static str> {
        match self {
            KeySpec::Hmac224 => Some("HMAC_SHA_224"),
            KeySpec::Hmac256 => Some("HMAC_SHA_256"),
            KeySpec::Hmac384 => Some("HMAC_SHA_384"),
            KeySpec::Hmac512 => Some("HMAC_SHA_512"),
            _ => None,
        }
    }

    /// The length of an HMAC key's secret: as many bits as the spec names (KMS
    /// Developer Guide, "HMAC keys in AWS KMS").
    fn mac_key_len(self) -> Option<usize> {
        match self {
            KeySpec::Hmac224 => Some(28),
            KeySpec::Hmac256 => Some(32),
            KeySpec::Hmac384 => Some(48),
            KeySpec::Hmac512 => Some(64),
            _ => None,
        }
    }

    /// The signing algorithms of a signing spec, empty for other specs (KMS Developer
    /// Guide, "Key spec reference": ECC_NIST_P256 and ECC_SECG_P256K1 sign with
    /// ECDSA_SHA_256 only, ECC_NIST_P384 with ECDSA_SHA_384, ECC_NIST_P521 with
    /// ECDSA_SHA_512).
    pub fn signing_algorithms(self) -> &'static [&'static str] {
        match self {
            KeySpec::EccNistP256 | KeySpec::EccSecgP256k1 => &["ECDSA_SHA_256"],
            KeySpec::EccNistP384 => &["ECDSA_SHA_384"],
            KeySpec::EccNistP521 => &["ECDSA_SHA_512"],
            // RSA signing keys: RSASSA-PSS and PKCS #1 v1.5 with SHA-2 (same reference).
            KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => &[
                "RSASSA_PSS_SHA_256",
                "RSASSA_PSS_SHA_384",
                "RSASSA_PSS_SHA_512",
                "RSASSA_PKCS1_V1_5_SHA_256",
                "RSASSA_PKCS1_V1_5_SHA_384",
                "RSASSA_PKCS1_V1_5_SHA_512",
            ],
            _ => &[],
        }
    }

    /// A new private key for a signing spec (`None` for other specs).
    pub fn generate_sign_key(self) -> Option<SignKey> {
        // A random string of the scalar's length is a valid scalar except with negligible
        // probability (zero or above the group order); draw again then.
        fn draw<T>(len: usize, make: impl Fn(&[u8]) -> Option<T>) -> T {
            loop {
                if let Some(key) = make(&random_bytes(len)) {
                    return key;
                }
            }
        }
        Some(match self {
            KeySpec::EccNistP256 => draw(32, |b| {
                p256::ecdsa::SigningKey::from_slice(b)
                    .ok()
                    .map(SignKey::P256)
            }),
            KeySpec::EccNistP384 => draw(48, |b| {
                p384::ecdsa::SigningKey::from_slice(b)
                    .ok()
                    .map(SignKey::P384)
            }),
            KeySpec::EccNistP521 => draw(66, |b| {
                p521::ecdsa::SigningKey::from_slice(b)
                    .ok()
                    .map(|k| SignKey::P521(Box::new(k)))
            }),
            KeySpec::EccSecgP256k1 => draw(32, |b| {
                k256::ecdsa::SigningKey::from_slice(b)
                    .ok()
                    .map(SignKey::K256)
            }),
            KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => {
                let bits = match self {
                    KeySpec::Rsa2048 => 2048,
                    KeySpec::Rsa3072 => 3072,
                    _ => 4096,
                };
                // The operating system's generator, through the RustCrypto traits rsa
                // takes. Generation fails only if that generator does.
                use sha2::digest::common::getrandom::SysRng;
                let key = rsa::PrivateKey::new(&mut SysRng, bits).ok()?;
                SignKey::Rsa(Box::new(key))
            }
            _ => return None,
        })
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
pub enum SignKey {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    P521(Box<p521::ecdsa::SigningKey>),
    K256(k256::ecdsa::SigningKey),
    Rsa(Box<rsa::PrivateKey>),
}

impl std::fmt::Debug for SignKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignKey(** redacted **)")
    }
}

/// Runs `$body` with `$key` bound to the curve's ECDSA signing key and the type `Der` to
/// its DER signature (one arm per curve, so that each is a concrete type).
macro_rules! with_ecdsa {
    ($sign:expr, |$key:ident| $body:expr, |$rsa:ident| $rsa_body:expr) => {
        match $sign {
            SignKey::Rsa($rsa) => $rsa_body,
            SignKey::P256($key) => {
                type Der = p256::ecdsa::DerSignature;
                $body
            }
            SignKey::P384($key) => {
                type Der = p384::ecdsa::DerSignature;
                $body
            }
            SignKey::P521(boxed) => {
                type Der = p521::ecdsa::DerSignature;
                let $key = &**boxed;
                $body
            }
            SignKey::K256($key) => {
                type Der = k256::ecdsa::DerSignature;
                $body
            }
        }
    };
}

impl SignKey {
    /// The signature of a digest with `algorithm`: for ECDSA DER-encoded (ANSI X9.62),
    /// for RSA the PSS (salt as long as the hash, as KMS makes them) or PKCS #1 v1.5
    /// signature, as KMS answers them.
    pub fn sign_digest(&self, algorithm: &str, digest: &[u8]) -> Result<Vec<u8>, KmsError> {
        use p256::ecdsa::signature::hazmat::PrehashSigner;
        use p256::ecdsa::signature::SignatureEncoding;
        let failed = |_| KmsError::Internal("signing failed".to_owned());
        Ok(with_ecdsa!(
            self,
            |key| {
                let signature: Der = key.sign_prehash(digest).map_err(failed)?;
                signature.to_vec()
            },
            |key| {
                use sha2::{Sha256, Sha384, Sha512};
                let failed = |_| KmsError::Internal("signing failed".to_owned());
                match algorithm {
                    "RSASSA_PSS_SHA_256" => key.pss_sign_prehash::<Sha256>(digest),
                    "RSASSA_PSS_SHA_384" => key.pss_sign_prehash::<Sha384>(digest),
                    "RSASSA_PSS_SHA_512" => key.pss_sign_prehash::<Sha512>(digest),
                    "RSASSA_PKCS1_V1_5_SHA_256" => key.pkcs1v15_sign_prehash::<Sha256>(digest),
                    "RSASSA_PKCS1_V1_5_SHA_384" => key.pkcs1v15_sign_prehash::<Sha384>(digest),
                    _ => key.pkcs1v15_sign_prehash::<Sha512>(digest),
                }
                .map_err(failed)?
            }
        ))
    }

    /// Whether `signature` is this key's signature of `digest` with `algorithm`.
    pub fn verify_digest(&self, algorithm: &str, digest: &[u8], signature: &[u8]) -> bool {
        use p256::ecdsa::signature::hazmat::PrehashVerifier;
        with_ecdsa!(
            self,
            |key| {
                Der::from_bytes(signature)
                    .is_ok_and(|s| key.verifying_key().verify_prehash(digest, &s).is_ok())
            },
            |key| {
                use sha2::{Sha256, Sha384, Sha512};
                let public = key.to_public_key();
                match algorithm {
                    "RSASSA_PSS_SHA_256" => public.pss_verify_prehash::<Sha256>(digest, signature),
                    "RSASSA_PSS_SHA_384" => public.pss_verify_prehash::<Sha384>(digest, signature),
                    "RSASSA_PSS_SHA_512" => public.pss_verify_prehash::<Sha512>(digest, signature),
                    "RSASSA_PKCS1_V1_5_SHA_256" => {
                        public.pkcs1v15_verify_prehash::<Sha256>(digest, signature)
                    }
                    "RSASSA_PKCS1_V1_5_SHA_384" => {
                        public.pkcs1v15_verify_prehash::<Sha384>(digest, signature)
                    }
                    _ => public.pkcs1v15_verify_prehash::<Sha512>(digest, signature),
                }
                .is_ok()
            }
        )
    }

    /// The public key as a DER SubjectPublicKeyInfo (RFC 5280), as GetPublicKey answers.
    pub fn public_key_der(&self) -> Result<Vec<u8>, KmsError> {
        use p256::pkcs8::EncodePublicKey;
        let failed = |_| KmsError::Internal("public key encoding failed".to_owned());
        Ok(with_ecdsa!(
            self,
            |key| {
                let _: Option<Der> = None;
                key.verifying_key()
                    .to_public_key_der()
                    .map_err(failed)?
                    .as_bytes()
                    .to_vec()
            },
            |key| {
                use rsa::pkcs8::EncodePublicKey;
                key.to_public_key()
                    .to_public_key_der()
                    .map_err(|_| KmsError::Internal("public key encoding failed".to_owned()))?
                    .as_bytes()
                    .to_vec()
            }
        ))
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
        assert!(KeySpec::parse("RSA_1024").is_none());
        let secret = KeySpec::Hmac384.generate_mac_key().unwrap();
        assert_eq!(secret.0.len(), 48);
        assert_eq!(format!("{secret:?}"), "MacKey(** redacted **)");
        assert!(KeySpec::SymmetricDefault.generate_mac_key().is_none());
    }

    /// Every ECC signing spec signs digests of its algorithm's hash that its own
    /// verifying key accepts, publishes a SubjectPublicKeyInfo, and hides its private key.
    #[test]
    fn every_ecc_spec_signs_and_verifies_its_digests() {
        for (spec, len) in [
            (KeySpec::EccNistP256, 32),
            (KeySpec::EccNistP384, 48),
            (KeySpec::EccNistP521, 64),
            (KeySpec::EccSecgP256k1, 32),
        ] {
            assert_eq!(KeySpec::parse(spec.name()), Some(spec));
            assert_eq!(spec.usage(), "SIGN_VERIFY");
            assert_eq!(spec.signing_algorithms().len(), 1);
            let key = spec.generate_sign_key().unwrap();
            assert_eq!(format!("{key:?}"), "SignKey(** redacted **)");
            let digest = vec![7u8; len];
            let algorithm = spec.signing_algorithms()[0];
            let signature = key.sign_digest(algorithm, &digest).unwrap();
            assert!(
                key.verify_digest(algorithm, &digest, &signature),
                "{spec:?}"
            );
            assert!(
                !key.verify_digest(algorithm, &[8u8; 64][..len], &signature),
                "{spec:?}"
            );
            assert!(!key.verify_digest(algorithm, &digest, b"not der"));
            // DER SEQUENCE of the algorithm identifier and the key.
            assert_eq!(key.public_key_der().unwrap()[0], 0x30);
        }
        assert!(KeySpec::Hmac256.generate_sign_key().is_none());
    }

    /// An RSA signing key signs with each of its six algorithms (PSS and PKCS #1 v1.5,
    /// SHA-256/384/512), and a signature of one algorithm does not verify as another.
    #[test]
    fn rsa_keys_sign_with_every_algorithm() {
        let key = KeySpec::Rsa2048.generate_sign_key().unwrap();
        assert_eq!(format!("{key:?}"), "SignKey(** redacted **)");
        for algorithm in KeySpec::Rsa2048.signing_algorithms() {
            let len = if algorithm.ends_with("_384") {
                48
            } else if algorithm.ends_with("_512") {
                64
            } else {
                32
            };
            let digest = vec![3u8; len];
            let signature = key.sign_digest(algorithm, &digest).unwrap();
            assert_eq!(signature.len(), 256, "{algorithm}");
            assert!(
                key.verify_digest(algorithm, &digest, &signature),
                "{algorithm}"
            );
            let other = if algorithm.contains("PSS") {
                algorithm.replace("PSS", "PKCS1_V1_5")
            } else {
                algorithm.replace("PKCS1_V1_5", "PSS")
            };
            assert!(
                !key.verify_digest(&other, &digest, &signature),
                "{algorithm}"
            );
        }
    }
}
