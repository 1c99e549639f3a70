//! Loading parameters from fixtures: each becomes version 1 of its parameter, checked by
//! the same rules as PutParameter; SecureString values are encrypted at load under their
//! key.

use super::names;
use super::store::{NewVersion, ParameterStore, ParameterType, RequestedTier};
use crate::fixtures::{FixtureError, ParameterFixture};
use crate::kms::store::KmsData;
use crate::time::Timestamp;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::collections::BTreeMap;
use std::path::Path;

/// Adds a fixture parameter to a region's store.
#[allow(clippy::too_many_arguments)]
pub fn load_parameter(
    store: &ParameterStore,
    kms: &mut KmsData,
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
        let blob = crate::kms::fixture::encrypt_unchecked(
            kms,
            region,
            account,
            "ssm",
            &key_id,
            fixture.value.as_bytes(),
            &context,
        )
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
