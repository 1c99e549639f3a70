//! Loading parameters from fixtures: each becomes version 1 of its parameter, checked by
//! the same rules as PutParameter; SecureString values are encrypted at load under their
//! key by KMS (the caller's closure, which holds KMS's lock only while it encrypts: the
//! parameter store is written after it returns).

use super::names;
use super::store::{NewVersion, ParameterStore, ParameterType, RequestedTier};
use crate::fixtures::{FixtureError, ParameterFixture};
use crate::time::Timestamp;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::collections::BTreeMap;
use std::path::Path;

/// Encrypts a fixture's SecureString value at load, as no caller: `(key id, plaintext,
/// encryption context)` to the ciphertext blob, or why it cannot.
pub type LoadEncrypt<'a> =
    dyn Fn(&str, &[u8], &BTreeMap<String, String>) -> Result<Vec<u8>, String> + 'a;

/// Adds a fixture parameter to a region's store.
#[allow(clippy::too_many_arguments)]
pub fn load_parameter(
    store: &ParameterStore,
    encrypt: &LoadEncrypt<'_>,
    region: &str,
    account: &str,
    file: &Path,
    index: usize,
    fixture: &ParameterFixture,
) -> Result<(), FixtureError> {
    let entry = format!("parameters[{index}] ({})", fixture.name);
    let fail = |problem: String| FixtureError::new(file, &entry, problem);
    names::validate_new_name(&fixture.name, region, account).map_err(|e| fail(e.to_string()))?;
    let kind = match fixture.kind.as_deref() {
        None => ParameterType::String,
        Some(text) => ParameterType::parse(text).ok_or_else(|| {
            fail(format!(
                "type {text:?} must be String, StringList or SecureString"
            ))
        })?,
    };
    let tier = fixture
        .tier
        .as_deref()
        .map(|t| {
            RequestedTier::parse(t).ok_or_else(|| {
                fail(format!(
                    "tier {t:?} must be Standard, Advanced or Intelligent-Tiering"
                ))
            })
        })
        .transpose()?;
    let allowed_pattern = fixture
        .allowed_pattern
        .as_deref()
        .map(|p| {
            if p.chars().count() > 1024 {
                return Err(fail(
                    "allowed_pattern is longer than AWS's 1024 characters".to_owned(),
                ));
            }
            super::store::AllowedPattern::compile(p)
                .map_err(|e| fail(format!("allowed_pattern: {e}")))
        })
        .transpose()?;
    let arn = names::arn(region, account, &fixture.name);
    let (encrypted, key_id) = if kind == ParameterType::SecureString {
        let key_id = fixture
            .key_id
            .clone()
            .unwrap_or_else(|| super::secure::DEFAULT_KEY.to_owned());
        let context = BTreeMap::from([("PARAMETER_ARN".to_owned(), arn)]);
        let blob = encrypt(&key_id, fixture.value.as_bytes(), &context)
            .map_err(|e| fail(format!("cannot encrypt under {key_id}: {e}")))?;
        (Some(STANDARD.encode(blob)), Some(key_id))
    } else {
        if fixture.key_id.is_some() {
            return Err(fail(
                "key_id is only for SecureString parameters".to_owned(),
            ));
        }
        (None, None)
    };
    let new = NewVersion {
        value: fixture.value.clone(),
        encrypted,
        kind: Some(kind),
        key_id,
        description: fixture.description.clone(),
        allowed_pattern,
        data_type: fixture.data_type.clone(),
        tier,
        policies: None,
        overwrite: false,
        tags: BTreeMap::new(),
        user: format!("arn:aws:iam::{account}:root"),
        now: Timestamp::now(),
        quota: None,
    };
    store
        .put(&names::key_of(&fixture.name), &fixture.name, new)
        .map(|_| ())
        .map_err(|e| fail(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn fixture(name: &str, kind: &str) -> ParameterFixture {
        serde_json::from_value(serde_json::json!({"name": name, "type": kind, "value": "v"}))
            .unwrap()
    }

    /// Architecture invariant (no lock is held while another service is called): a
    /// SecureString is encrypted before the parameter store is written, so the caller's
    /// KMS lock (taken and released inside `encrypt`) is never held with the store's.
    #[test]
    fn a_secure_string_is_encrypted_before_the_store_is_written() {
        let store = ParameterStore::default();
        let calls = Cell::new(0);
        let encrypt = |key_id: &str, plaintext: &[u8], context: &BTreeMap<String, String>| {
            calls.set(calls.get() + 1);
            assert_eq!(key_id, "alias/aws/ssm");
            assert_eq!(plaintext, b"v");
            assert_eq!(
                context["PARAMETER_ARN"],
                "arn:aws:ssm:us-east-1:123456789012:parameter/app/secret"
            );
            // Nothing is stored yet (and the store is not locked: this read returns).
            assert!(store.latest(&names::key_of("/app/secret")).is_none());
            Ok(vec![1, 2, 3])
        };
        let load = |f: &ParameterFixture| {
            load_parameter(
                &store,
                &encrypt,
                "us-east-1",
                "123456789012",
                Path::new("world.yaml"),
                0,
                f,
            )
        };
        load(&fixture("/app/secret", "SecureString")).unwrap();
        assert_eq!(calls.get(), 1);
        let stored = store.latest(&names::key_of("/app/secret")).unwrap();
        assert_eq!(stored.value, STANDARD.encode([1, 2, 3]));
        // A plain String never calls KMS; a refusal names the key and stores nothing.
        load(&fixture("/app/plain", "String")).unwrap();
        assert_eq!(calls.get(), 1);
        let refuse =
            |_: &str, _: &[u8], _: &BTreeMap<String, String>| Err("no such key".to_owned());
        let error = load_parameter(
            &store,
            &refuse,
            "us-east-1",
            "123456789012",
            Path::new("world.yaml"),
            1,
            &fixture("/app/other", "SecureString"),
        )
        .unwrap_err();
        assert!(error.to_string().contains("no such key"), "{error}");
        assert!(store.latest(&names::key_of("/app/other")).is_none());
    }
}
