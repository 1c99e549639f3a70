//! Loading KMS keys (and their aliases) from fixtures, and encrypting at load, without a
//! caller, under a fixture key.

use super::crypto::{self, derived_fixture_bytes, BlobHeader, KeyMaterial};
use super::error::KmsError;
use super::specs::{KeySpec, KeyUsage, SignKey};
use super::store::{Alias, KeyManager, KeyState, KmsData};
use super::{default_key_policy, ensure_aws_managed_key, new_key};
use crate::fixtures::{FixtureError, KeyFixture};
use crate::iam::principals::document_of;
use crate::iam::Iam;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::collections::BTreeMap;
use std::path::Path;

/// Adds a fixture key to a region's KMS data.
pub fn load_key(
    data: &mut KmsData,
    iam: &Iam,
    region: &str,
    file: &Path,
    index: usize,
    fixture: &KeyFixture,
) -> Result<(), FixtureError> {
    // A key declared without an id gets one derived from where it is declared, so that
    // the ciphertexts it makes (whose header names the key) survive resets and restarts.
    let id = fixture.id.clone().unwrap_or_else(|| {
        use sha2::{Digest, Sha256};
        let seed = format!(
            "fixture key\n{}\n{region}\n{index}\n{}",
            iam.account,
            fixture.aliases.join(",")
        );
        let digest = Sha256::digest(seed.as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    });
    let entry = format!("keys[{index}] ({id})");
    let fail = |problem: String| FixtureError::new(file, &entry, problem);
    if uuid::Uuid::parse_str(&id).is_err() {
        return Err(fail(format!("key id {id:?} is not a UUID")));
    }
    if data.keys.contains_key(&id) {
        return Err(fail("key declared twice".to_owned()));
    }
    let policy_text = match &fixture.policy {
        None => default_key_policy(&iam.account),
        Some(serde_json::Value::String(text)) => text.clone(),
        Some(value) => value.to_string(),
    };
    let value: serde_json::Value = serde_json::from_str(&policy_text)
        .map_err(|e| fail(format!("policy is not valid JSON: {e}")))?;
    let policy = document_of(&value).map_err(|e| fail(format!("policy: {e}")))?;
    if policy_text.len() > super::policies::MAX_KEY_POLICY_BYTES {
        return Err(fail(format!(
            "policy is {} bytes, over KMS's key policy quota of {} bytes",
            policy_text.len(),
            super::policies::MAX_KEY_POLICY_BYTES
        )));
    }
    if !policy.every_statement_names_a_principal() {
        return Err(fail(
            "policy: each statement of a key policy must contain one or more principals".to_owned(),
        ));
    }
    let policy = policy.into_key_policy();
    for arn in super::policies::named_principals(&value) {
        if arn != "*" && !iam.principal_exists(&arn) {
            return Err(fail(format!(
                "policy names {arn}, which is no principal of the fixtures"
            )));
        }
    }
    let spec_name = fixture.key_spec.as_deref().unwrap_or("SYMMETRIC_DEFAULT");
    let spec = KeySpec::parse(spec_name).ok_or_else(|| {
        fail(format!(
            "key_spec {spec_name} is not one of SYMMETRIC_DEFAULT, HMAC_224, HMAC_256, HMAC_384, HMAC_512, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, ECC_SECG_P256K1, RSA_2048, RSA_3072, RSA_4096, ML_DSA_44, ML_DSA_65, ML_DSA_87"
        ))
    })?;
    let given = fixture
        .key_material
        .as_ref()
        .map(|text| {
            STANDARD
                .decode(text.trim())
                .map_err(|_| fail("key_material is not base64".to_owned()))
        })
        .transpose()?;
    if given.is_some() && spec.is_asymmetric() {
        return Err(fail(format!(
            "key_material is not for {spec_name} keys; give their private key as private_key (PKCS #8 PEM)"
        )));
    }
    let usage_name = fixture.key_usage.as_deref().unwrap_or(spec.usage());
    let usage = KeyUsage::parse(usage_name)
        .filter(|u| spec.allows(*u))
        .ok_or_else(|| {
            fail(format!(
                "key_usage {usage_name} is not one a {spec_name} key may have"
            ))
        })?;
    // The private key is parsed here and never echoed: errors name what is wrong only.
    let sign_key = match &fixture.private_key {
        Some(pem) => Some(SignKey::from_pkcs8_pem(spec, pem).map_err(fail)?),
        None => spec.generate_sign_key(),
    };
    let mut mac_key = spec.generate_mac_key();
    let material = match (given, &mut mac_key) {
        (None, Some(secret)) => {
            // An HMAC key's secret is derived as symmetric material is, so MACs made
            // before a reset or restart still verify.
            let len = secret.0.len();
            secret.0 = derived_fixture_bytes(&iam.account, region, &id, b"HMAC", len);
            KeyMaterial::derived_for_fixture(&iam.account, region, &id)
        }
        (None, None) => KeyMaterial::derived_for_fixture(&iam.account, region, &id),
        (Some(bytes), Some(secret)) => {
            if bytes.len() != secret.0.len() {
                return Err(fail(format!(
                    "key_material of a {spec_name} key must be exactly {} bytes",
                    secret.0.len()
                )));
            }
            secret.0 = bytes;
            KeyMaterial::generate()
        }
        (Some(bytes), None) => {
            let bytes: [u8; 32] = bytes
                .try_into()
                .map_err(|_| fail("key_material must be exactly 32 bytes".to_owned()))?;
            KeyMaterial(bytes)
        }
    };
    let mut key = new_key(
        id.clone(),
        region,
        &iam.account,
        fixture.description.clone().unwrap_or_default(),
        policy_text,
        policy,
        KeyManager::Customer,
        material,
    );
    key.spec = spec;
    key.usage = usage;
    key.mac_key = mac_key;
    key.sign_key = sign_key;
    if fixture.enabled == Some(false) {
        key.state = KeyState::Disabled;
    }
    let now = key.creation_date;
    for alias in &fixture.aliases {
        super::aliases::check_alias_name(alias).map_err(|e| fail(format!("alias {alias}: {e}")))?;
        if data.aliases.contains_key(alias) {
            return Err(fail(format!("alias {alias} is declared twice")));
        }
        data.aliases.insert(
            alias.clone(),
            Alias {
                target: id.clone(),
                creation_date: now,
                last_updated: now,
            },
        );
    }
    data.keys.insert(id, key);
    Ok(())
}

/// Encrypts at load, as no caller, under the key `key_id` names (creating the AWS
/// managed key of `service` on first use). Returns the blob.
pub fn encrypt_unchecked(
    data: &mut KmsData,
    region: &str,
    account: &str,
    service: &str,
    key_id: &str,
    plaintext: &[u8],
    context: &BTreeMap<String, String>,
) -> Result<Vec<u8>, KmsError> {
    if key_id == format!("alias/aws/{service}") {
        ensure_aws_managed_key(data, region, account, service)?;
    }
    let id = data.resolve(key_id, region, account)?;
    let key = &data.keys[&id];
    if key.spec != KeySpec::SymmetricDefault {
        return Err(super::specs::wrong_usage(&key.arn, key.usage, "Encrypt"));
    }
    let material = key
        .materials
        .last()
        .ok_or_else(|| KmsError::KMSInternalException("key has no material".to_owned()))?;
    let header = BlobHeader {
        key_id: id.clone(),
        material_version: key.materials.len() as u32,
    };
    Ok(crypto::encrypt(material, &header, plaintext, context))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(value: serde_json::Value) -> KeyFixture {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn hmac_keys_load_with_their_secret_and_refuse_to_encrypt() {
        let state = crate::state::EmulatorState::new(crate::config::Config::default());
        let mut data = KmsData::default();
        let id = "0badc0de-0000-4000-8000-000000000001";
        let secret = STANDARD.encode([7u8; 48]);
        let path = Path::new("world.yaml");
        load_key(
            &mut data,
            &state.iam,
            "us-east-1",
            path,
            0,
            &fixture(serde_json::json!({"id": id, "key_spec": "HMAC_384", "key_material": secret})),
        )
        .unwrap();
        let key = &data.keys[id];
        assert_eq!(key.spec, KeySpec::Hmac384);
        assert_eq!(key.mac_key.as_ref().unwrap().0, vec![7u8; 48]);
        assert!(matches!(
            encrypt_unchecked(
                &mut data,
                "us-east-1",
                "123456789012",
                "ssm",
                id,
                b"x",
                &BTreeMap::new()
            ),
            Err(KmsError::InvalidKeyUsageException(_))
        ));
        // A secret of the wrong length, or an unknown spec, is refused.
        for bad in [
            serde_json::json!({"key_spec": "HMAC_256", "key_material": STANDARD.encode([1u8; 48])}),
            serde_json::json!({"key_spec": "RSA_1024"}),
        ] {
            assert!(load_key(&mut data, &state.iam, "us-east-1", path, 1, &fixture(bad)).is_err());
        }
    }

    #[test]
    fn hmac_keys_without_material_get_the_same_derived_secret_at_every_load() {
        let state = crate::state::EmulatorState::new(crate::config::Config::default());
        let id = "0badc0de-0000-4000-8000-000000000002";
        let secret_at_a_load = |region: &str| {
            let mut data = KmsData::default();
            let declared = fixture(serde_json::json!({"id": id, "key_spec": "HMAC_512"}));
            load_key(
                &mut data,
                &state.iam,
                region,
                Path::new("w.yaml"),
                0,
                &declared,
            )
            .unwrap();
            data.keys[id].mac_key.as_ref().unwrap().0.clone()
        };
        let first = secret_at_a_load("us-east-1");
        assert_eq!(first.len(), 64);
        assert_eq!(first, secret_at_a_load("us-east-1"));
        assert_ne!(first, secret_at_a_load("eu-west-1"));
    }

    /// PKCS #8 PEM of a key of `spec`, as `openssl genpkey` writes it.
    fn pem_of(spec: KeySpec) -> (String, Vec<u8>) {
        let key = spec.generate_sign_key().unwrap();
        let der = key.to_pkcs8_der().unwrap();
        let pem = p256::pkcs8::der::pem::encode_string(
            "PRIVATE KEY",
            p256::pkcs8::der::pem::LineEnding::LF,
            &der,
        )
        .unwrap();
        (pem, key.public_key_der().unwrap())
    }

    /// Asymmetric keys load with their PKCS #8 PEM private key (the same public key at
    /// every load) and their usage; a key of another spec, a private key for a
    /// symmetric key or a usage the spec does not allow is refused, and no error or
    /// debug output shows the key.
    #[test]
    fn asymmetric_keys_load_their_pkcs8_private_key_and_usage() {
        let state = crate::state::EmulatorState::new(crate::config::Config::default());
        let path = Path::new("world.yaml");
        let mut data = KmsData::default();
        for (index, spec, usage) in [
            (0, KeySpec::EccNistP256, "KEY_AGREEMENT"),
            (1, KeySpec::EccSecgP256k1, "SIGN_VERIFY"),
            (2, KeySpec::Rsa2048, "ENCRYPT_DECRYPT"),
            (3, KeySpec::MlDsa44, "SIGN_VERIFY"),
        ] {
            let id = format!("0badc0de-0000-4000-8000-00000000010{index}");
            let (pem, public) = pem_of(spec);
            let declared = fixture(serde_json::json!({
                "id": id, "key_spec": spec.name(), "key_usage": usage, "private_key": pem
            }));
            assert!(!format!("{declared:?}").contains("PRIVATE KEY"));
            load_key(&mut data, &state.iam, "us-east-1", path, index, &declared).unwrap();
            let key = &data.keys[&id];
            assert_eq!(key.usage.name(), usage);
            assert_eq!(
                key.sign_key.as_ref().unwrap().public_key_der().unwrap(),
                public
            );
        }
        let (p256_pem, _) = pem_of(KeySpec::EccNistP256);
        for bad in [
            // A P-256 key declared as P-384, as RSA, and for a symmetric key.
            serde_json::json!({"key_spec": "ECC_NIST_P384", "private_key": p256_pem}),
            serde_json::json!({"key_spec": "RSA_2048", "private_key": p256_pem}),
            serde_json::json!({"private_key": p256_pem}),
            serde_json::json!({"key_spec": "ECC_NIST_P256", "private_key": "not pem"}),
            // secp256k1 keys sign only; HMAC keys have no ENCRYPT_DECRYPT usage.
            serde_json::json!({"key_spec": "ECC_SECG_P256K1", "key_usage": "KEY_AGREEMENT"}),
            serde_json::json!({"key_spec": "HMAC_256", "key_usage": "ENCRYPT_DECRYPT"}),
            serde_json::json!({"key_spec": "ECC_NIST_P256", "key_material": STANDARD.encode([1u8; 32])}),
        ] {
            let err = load_key(
                &mut data,
                &state.iam,
                "us-east-1",
                path,
                9,
                &fixture(bad.clone()),
            )
            .unwrap_err()
            .to_string();
            assert!(
                !err.contains("PRIVATE KEY") && !err.contains("MII"),
                "{err}"
            );
        }
        // An RSA key of the wrong size is named as such.
        let (rsa_pem, _) = pem_of(KeySpec::Rsa2048);
        let err = load_key(
            &mut data,
            &state.iam,
            "us-east-1",
            path,
            10,
            &fixture(serde_json::json!({"key_spec": "RSA_3072", "private_key": rsa_pem})),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("2048-bit"), "{err}");
    }
}
