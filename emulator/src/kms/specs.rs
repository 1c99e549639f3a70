//! Key specs beyond `SYMMETRIC_DEFAULT`: what each spec is for (its key usage and
//! algorithms) and the secret material of HMAC keys, which never leaves `kms`.

use super::crypto::random_bytes;
use super::error::KmsError;
use super::mldsa::{MlDsaKey, ParameterSet};

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
    /// RSA keys, for SIGN_VERIFY or ENCRYPT_DECRYPT.
    Rsa2048,
    Rsa3072,
    Rsa4096,
    /// ML-DSA (FIPS 204) signing keys.
    MlDsa44,
    MlDsa65,
    MlDsa87,
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
            "ML_DSA_44" => KeySpec::MlDsa44,
            "ML_DSA_65" => KeySpec::MlDsa65,
            "ML_DSA_87" => KeySpec::MlDsa87,
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
            KeySpec::MlDsa44 => "ML_DSA_44",
            KeySpec::MlDsa65 => "ML_DSA_65",
            KeySpec::MlDsa87 => "ML_DSA_87",
        }
    }

    /// The usage a key of this spec gets when none is asked for and the spec's usage
    /// when it has only one (a key's own usage is [`KeyUsage`], stored with the key).
    pub fn usage(self) -> &'static str {
        match self {
            KeySpec::SymmetricDefault => "ENCRYPT_DECRYPT",
            KeySpec::EccNistP256
            | KeySpec::EccNistP384
            | KeySpec::EccNistP521
            | KeySpec::EccSecgP256k1
            | KeySpec::Rsa2048
            | KeySpec::Rsa3072
            | KeySpec::Rsa4096
            | KeySpec::MlDsa44
            | KeySpec::MlDsa65
            | KeySpec::MlDsa87 => "SIGN_VERIFY",
            KeySpec::Hmac224 | KeySpec::Hmac256 | KeySpec::Hmac384 | KeySpec::Hmac512 => {
                "GENERATE_VERIFY_MAC"
            }
        }
    }

    /// Whether a key of this spec may have `usage` (API reference, CreateKey `KeyUsage`:
    /// RSA key pairs ENCRYPT_DECRYPT or SIGN_VERIFY; NIST-standard elliptic curves
    /// SIGN_VERIFY or KEY_AGREEMENT; ECC_SECG_P256K1 SIGN_VERIFY only).
    pub fn allows(self, usage: KeyUsage) -> bool {
        match self {
            KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => {
                matches!(usage, KeyUsage::SignVerify | KeyUsage::EncryptDecrypt)
            }
            KeySpec::EccNistP256 | KeySpec::EccNistP384 | KeySpec::EccNistP521 => {
                matches!(usage, KeyUsage::SignVerify | KeyUsage::KeyAgreement)
            }
            _ => usage.name() == self.usage(),
        }
    }

    /// Whether the spec is an asymmetric key pair (its private key is a [`SignKey`]).
    pub fn is_asymmetric(self) -> bool {
        !self.signing_algorithms().is_empty()
    }

    /// The modulus length in bytes of an RSA spec.
    pub fn rsa_modulus_len(self) -> Option<usize> {
        match self {
            KeySpec::Rsa2048 => Some(256),
            KeySpec::Rsa3072 => Some(384),
            KeySpec::Rsa4096 => Some(512),
            _ => None,
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
            // ML-DSA keys: ML_DSA_SHAKE_256 only (same reference).
            KeySpec::MlDsa44 | KeySpec::MlDsa65 | KeySpec::MlDsa87 => &["ML_DSA_SHAKE_256"],
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
            KeySpec::MlDsa44 | KeySpec::MlDsa65 | KeySpec::MlDsa87 => {
                SignKey::MlDsa(MlDsaKey::generate(self)?)
            }
            _ => return None,
        })
    }

    /// A new HMAC secret for this spec (`None` for other specs).
    pub fn generate_mac_key(self) -> Option<MacKey> {
        self.mac_key_len().map(|len| MacKey(random_bytes(len)))
    }
}

/// The ML-DSA parameter set of an `ML_DSA_*` spec; `Err` for any other spec.
impl TryFrom<KeySpec> for ParameterSet {
    type Error = KeySpec;
    fn try_from(spec: KeySpec) -> Result<Self, KeySpec> {
        match spec {
            KeySpec::MlDsa44 => Ok(ParameterSet::MlDsa44),
            KeySpec::MlDsa65 => Ok(ParameterSet::MlDsa65),
            KeySpec::MlDsa87 => Ok(ParameterSet::MlDsa87),
            other => Err(other),
        }
    }
}

/// A key's `KeyUsage`: what the key is for. Each key has exactly one, chosen at
/// creation among those its spec allows ([`KeySpec::allows`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUsage {
    EncryptDecrypt,
    SignVerify,
    GenerateVerifyMac,
    KeyAgreement,
}

impl KeyUsage {
    /// The usage a `KeyUsage` member names (the model's `KeyUsageType`).
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "ENCRYPT_DECRYPT" => KeyUsage::EncryptDecrypt,
            "SIGN_VERIFY" => KeyUsage::SignVerify,
            "GENERATE_VERIFY_MAC" => KeyUsage::GenerateVerifyMac,
            "KEY_AGREEMENT" => KeyUsage::KeyAgreement,
            _ => return None,
        })
    }

    /// The model's name of the usage.
    pub fn name(self) -> &'static str {
        match self {
            KeyUsage::EncryptDecrypt => "ENCRYPT_DECRYPT",
            KeyUsage::SignVerify => "SIGN_VERIFY",
            KeyUsage::GenerateVerifyMac => "GENERATE_VERIFY_MAC",
            KeyUsage::KeyAgreement => "KEY_AGREEMENT",
        }
    }

    /// The usage a key of `spec` has when none was chosen.
    pub fn default_for(spec: KeySpec) -> Self {
        Self::parse(spec.usage()).unwrap_or(KeyUsage::EncryptDecrypt)
    }

    /// The signing algorithms of a key of `spec` with this usage (empty unless
    /// SIGN_VERIFY).
    pub fn signing_algorithms(self, spec: KeySpec) -> &'static [&'static str] {
        if self == KeyUsage::SignVerify {
            spec.signing_algorithms()
        } else {
            &[]
        }
    }

    /// The encryption algorithms of a key of `spec` with this usage (KMS Developer
    /// Guide, "Key spec reference": RSA encryption keys use RSAES_OAEP_SHA_1 and
    /// RSAES_OAEP_SHA_256).
    pub fn encryption_algorithms(self, spec: KeySpec) -> &'static [&'static str] {
        match (self, spec) {
            (KeyUsage::EncryptDecrypt, KeySpec::SymmetricDefault) => &["SYMMETRIC_DEFAULT"],
            (KeyUsage::EncryptDecrypt, KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096) => {
                &["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
            }
            _ => &[],
        }
    }

    /// The key agreement algorithms of a key with this usage (ECDH, the model's only
    /// `KeyAgreementAlgorithmSpec`).
    pub fn key_agreement_algorithms(self) -> &'static [&'static str] {
        if self == KeyUsage::KeyAgreement {
            &["ECDH"]
        } else {
            &[]
        }
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

/// An asymmetric key's private key, whatever its usage (signing, RSA encryption, ECDH).
/// `Debug` never shows it.
#[derive(Clone)]
pub enum SignKey {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    P521(Box<p521::ecdsa::SigningKey>),
    K256(k256::ecdsa::SigningKey),
    Rsa(Box<rsa::PrivateKey>),
    MlDsa(MlDsaKey),
}

impl std::fmt::Debug for SignKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignKey(** redacted **)")
    }
}

/// Runs `$body` with `$key` bound to the curve's ECDSA signing key and the type `Der` to
/// its DER signature (one arm per curve, so that each is a concrete type); an RSA key
/// runs `$rsa_body`, an ML-DSA key `$ml_body`.
macro_rules! with_ecdsa {
    ($sign:expr, |$key:ident| $body:expr, |$rsa:ident| $rsa_body:expr, |$ml:ident| $ml_body:expr) => {
        match $sign {
            SignKey::Rsa($rsa) => $rsa_body,
            SignKey::MlDsa($ml) => $ml_body,
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
    /// signature, as KMS answers them. ML-DSA signs no digests: its "digest" is the RAW
    /// message itself (see [`MlDsaKey::sign`] for both of its message types).
    pub fn sign_digest(&self, algorithm: &str, digest: &[u8]) -> Result<Vec<u8>, KmsError> {
        use p256::ecdsa::signature::hazmat::PrehashSigner;
        use p256::ecdsa::signature::SignatureEncoding;
        let failed = |_| KmsError::KMSInternalException("signing failed".to_owned());
        Ok(with_ecdsa!(
            self,
            |key| {
                let signature: Der = key.sign_prehash(digest).map_err(failed)?;
                signature.to_vec()
            },
            |key| {
                use sha2::{Sha256, Sha384, Sha512};
                let failed = |_| KmsError::KMSInternalException("signing failed".to_owned());
                match algorithm {
                    "RSASSA_PSS_SHA_256" => key.pss_sign_prehash::<Sha256>(digest),
                    "RSASSA_PSS_SHA_384" => key.pss_sign_prehash::<Sha384>(digest),
                    "RSASSA_PSS_SHA_512" => key.pss_sign_prehash::<Sha512>(digest),
                    "RSASSA_PKCS1_V1_5_SHA_256" => key.pkcs1v15_sign_prehash::<Sha256>(digest),
                    "RSASSA_PKCS1_V1_5_SHA_384" => key.pkcs1v15_sign_prehash::<Sha384>(digest),
                    _ => key.pkcs1v15_sign_prehash::<Sha512>(digest),
                }
                .map_err(failed)?
            },
            |key| key.sign("RAW", digest)?
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
            },
            |key| key.verify("RAW", digest, signature)
        )
    }

    /// The public key as a DER SubjectPublicKeyInfo (RFC 5280), as GetPublicKey answers.
    pub fn public_key_der(&self) -> Result<Vec<u8>, KmsError> {
        use p256::pkcs8::EncodePublicKey;
        let failed = |_| KmsError::KMSInternalException("public key encoding failed".to_owned());
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
                    .map_err(|_| {
                        KmsError::KMSInternalException("public key encoding failed".to_owned())
                    })?
                    .as_bytes()
                    .to_vec()
            },
            |key| key.public_key_der()?
        ))
    }
}

impl SignKey {
    /// The private key as a DER PKCS #8 PrivateKeyInfo (RFC 5958), as GenerateDataKeyPair
    /// returns a data key pair's private key. The bytes are secret: callers keep them in
    /// a [`super::model::Blob`] or encrypt them at once.
    pub fn to_pkcs8_der(&self) -> Result<Vec<u8>, KmsError> {
        use p256::pkcs8::EncodePrivateKey;
        let failed = |_| KmsError::KMSInternalException("private key encoding failed".to_owned());
        let document = match self {
            SignKey::P256(k) => k.to_pkcs8_der().map_err(failed)?,
            SignKey::P384(k) => k.to_pkcs8_der().map_err(failed)?,
            SignKey::P521(k) => k.to_pkcs8_der().map_err(failed)?,
            SignKey::K256(k) => k.to_pkcs8_der().map_err(failed)?,
            SignKey::Rsa(k) => {
                use rsa::pkcs8::EncodePrivateKey;
                k.to_pkcs8_der().map_err(|_| {
                    KmsError::KMSInternalException("private key encoding failed".to_owned())
                })?
            }
            SignKey::MlDsa(k) => return k.to_pkcs8_der(),
        };
        Ok(document.as_bytes().to_vec())
    }

    /// A private key of `spec` from PKCS #8 PEM (`-----BEGIN PRIVATE KEY-----`), as a
    /// fixture declares it; the error says what is wrong, never the key.
    pub fn from_pkcs8_pem(spec: KeySpec, pem: &str) -> Result<SignKey, String> {
        use p256::pkcs8::DecodePrivateKey;
        let not_pkcs8 = |_| {
            format!(
                "private_key is not a PKCS #8 PEM private key of a {} key",
                spec.name()
            )
        };
        let pem = pem.trim();
        Ok(match spec {
            KeySpec::EccNistP256 => {
                SignKey::P256(p256::ecdsa::SigningKey::from_pkcs8_pem(pem).map_err(not_pkcs8)?)
            }
            KeySpec::EccNistP384 => {
                SignKey::P384(p384::ecdsa::SigningKey::from_pkcs8_pem(pem).map_err(not_pkcs8)?)
            }
            KeySpec::EccNistP521 => SignKey::P521(Box::new(
                p521::ecdsa::SigningKey::from_pkcs8_pem(pem).map_err(not_pkcs8)?,
            )),
            KeySpec::EccSecgP256k1 => {
                SignKey::K256(k256::ecdsa::SigningKey::from_pkcs8_pem(pem).map_err(not_pkcs8)?)
            }
            KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => {
                use rsa::pkcs8::DecodePrivateKey;
                use rsa::traits::PublicKeyParts;
                let key = rsa::PrivateKey::from_pkcs8_pem(pem).map_err(|_| {
                    format!(
                        "private_key is not a PKCS #8 PEM private key of a {} key",
                        spec.name()
                    )
                })?;
                if Some(key.size()) != spec.rsa_modulus_len() {
                    return Err(format!(
                        "private_key is a {}-bit RSA key, not a {} key",
                        key.size() * 8,
                        spec.name()
                    ));
                }
                SignKey::Rsa(Box::new(key))
            }
            KeySpec::MlDsa44 | KeySpec::MlDsa65 | KeySpec::MlDsa87 => {
                SignKey::MlDsa(MlDsaKey::from_pkcs8_pem(spec, pem).ok_or_else(|| {
                    format!(
                        "private_key is not a PKCS #8 PEM private key of a {} key",
                        spec.name()
                    )
                })?)
            }
            _ => {
                return Err(format!(
                    "private_key is only for asymmetric keys, not {}",
                    spec.name()
                ))
            }
        })
    }

    /// The raw ECDH shared secret (the x-coordinate of the product of this private key
    /// and the peer's public key, SEC 1 3.3.1, as `openssl pkeyutl -derive` gives it) with
    /// a peer public key in DER SubjectPublicKeyInfo. `None` when the public key does not
    /// decode as a point of this key's curve (or this key is not a NIST curve key).
    pub fn diffie_hellman(&self, peer_der: &[u8]) -> Option<Vec<u8>> {
        use p256::pkcs8::DecodePublicKey;
        Some(match self {
            SignKey::P256(k) => {
                let peer = p256::PublicKey::from_public_key_der(peer_der).ok()?;
                p256::ecdh::diffie_hellman(k.as_nonzero_scalar(), peer.as_affine())
                    .raw_secret_bytes()
                    .to_vec()
            }
            SignKey::P384(k) => {
                let peer = p384::PublicKey::from_public_key_der(peer_der).ok()?;
                p384::ecdh::diffie_hellman(k.as_nonzero_scalar(), peer.as_affine())
                    .raw_secret_bytes()
                    .to_vec()
            }
            SignKey::P521(k) => {
                let peer = p521::PublicKey::from_public_key_der(peer_der).ok()?;
                p521::ecdh::diffie_hellman(k.as_nonzero_scalar(), peer.as_affine())
                    .raw_secret_bytes()
                    .to_vec()
            }
            SignKey::K256(_) | SignKey::Rsa(_) | SignKey::MlDsa(_) => return None,
        })
    }
}

/// `InvalidKeyUsageException` for a key used by an operation its usage does not allow,
/// in LocalStack's wording, which its tests record against AWS
/// (`localstack/services/kms/provider.py`: "<ARN> key usage is <USAGE> which is not
/// valid for <Operation>.").
pub fn wrong_usage(arn: &str, usage: KeyUsage, operation: &str) -> KmsError {
    KmsError::InvalidKeyUsageException(format!(
        "{arn} key usage is {} which is not valid for {operation}.",
        usage.name()
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
