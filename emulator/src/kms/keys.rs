//! Key lifecycle operations: CreateKey, DescribeKey, ListKeys (the checks every new key
//! policy passes are in `policies`, the tag rules in `tags`).

use super::access::{authorize, authorize_iam, authorize_iam_with, request_tag_keys, Via};
use super::crypto::KeyMaterial;
use super::error::{validated, KmsError};
use super::model::{
    CreateKeyRequest, CreateKeyResponse, DescribeKeyRequest, DescribeKeyResponse, KeyListEntry,
    KeyMetadata, ListKeysRequest, ListKeysResponse,
};
use super::policies::check_new_policy;
use super::services::KmsServices;
use super::specs::{KeySpec, KeyUsage};
use super::store::KeyManager;
use super::tags::tag_pairs;
use super::{default_key_policy, marker, new_key, parse_marker};
use crate::context::RequestContext;
use crate::iam::policy::ContextKeys;
use crate::protocol::validation::Validate;

/// CreateKey: a symmetric encryption key with the given (or the default) policy.
pub fn create_key(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: CreateKeyRequest,
) -> Result<CreateKeyResponse, KmsError> {
    validated(input.check())?;
    let new_tags = tag_pairs(&input.tags);
    super::tags::check_new_tags(&new_tags)?;
    // The keys CreateKey's request supplies (Service Authorization Reference for KMS):
    // the key's spec, usage, origin and Region scope as asked for (or their defaults),
    // the lockout bypass, and the tags.
    let tags: Vec<(&str, &str)> = new_tags
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let create_keys = |keys: &mut ContextKeys| {
        keys.insert(
            "kms:KeySpec",
            input
                .key_spec
                .as_deref()
                .or(input.customer_master_key_spec.as_deref())
                .unwrap_or("SYMMETRIC_DEFAULT"),
        );
        keys.insert(
            "kms:KeyUsage",
            input.key_usage.as_deref().unwrap_or("ENCRYPT_DECRYPT"),
        );
        keys.insert(
            "kms:KeyOrigin",
            input.origin.as_deref().unwrap_or("AWS_KMS"),
        );
        keys.insert(
            "kms:MultiRegion",
            if input.multi_region == Some(true) {
                "true"
            } else {
                "false"
            },
        );
        keys.insert(
            "kms:BypassPolicyLockoutSafetyCheck",
            if input.bypass_policy_lockout_safety_check == Some(true) {
                "true"
            } else {
                "false"
            },
        );
        request_tag_keys(keys, tags.iter().copied());
    };
    authorize_iam_with(state, ctx, "kms:CreateKey", "*", &create_keys)?;
    if !tags.is_empty() {
        authorize_iam_with(state, ctx, "kms:TagResource", "*", &create_keys)?;
    }
    let spec = input
        .key_spec
        .as_deref()
        .or(input.customer_master_key_spec.as_deref())
        .unwrap_or("SYMMETRIC_DEFAULT");
    if spec == "SM2" {
        // A China Regions key spec; elsewhere AWS answers in these words (recorded in
        // floci-io/floci#3026 against us-east-1).
        return Err(KmsError::UnsupportedOperationException(
            "KeySpec SM2 is not supported in this Region".to_owned(),
        ));
    }
    let Some(spec) = KeySpec::parse(spec) else {
        return Err(KmsError::UnsupportedOperationException(format!(
            "KeySpec {spec} is not supported by this emulator; only SYMMETRIC_DEFAULT, HMAC, ECC (ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, ECC_SECG_P256K1), RSA (RSA_2048, RSA_3072, RSA_4096) and ML-DSA (ML_DSA_44, ML_DSA_65, ML_DSA_87) keys are."
        )));
    };
    // Each key spec allows one or two usages; KeyUsage defaults to ENCRYPT_DECRYPT, so an
    // HMAC key must ask for GENERATE_VERIFY_MAC (KMS API reference, CreateKey KeyUsage).
    // AWS refuses a mismatch with ValidationException; its wording is not known here.
    let usage_name = input.key_usage.as_deref().unwrap_or("ENCRYPT_DECRYPT");
    let usage = KeyUsage::parse(usage_name)
        .filter(|u| spec.allows(*u))
        .ok_or_else(|| {
            KmsError::ValidationException(format!(
                "KeyUsage {usage_name} is not compatible with KeySpec {}.",
                spec.name()
            ))
        })?;
    let external = super::import::check_origin(&input)?;
    let multi_region = input.multi_region == Some(true);
    let id = if multi_region {
        super::multiregion::new_id()
    } else {
        uuid::Uuid::new_v4().to_string()
    };
    let arn = format!("arn:aws:kms:{}:{}:key/{id}", ctx.region, ctx.account);
    let policy_text = input
        .policy
        .unwrap_or_else(|| default_key_policy(&ctx.account));
    let bypass = input.bypass_policy_lockout_safety_check.unwrap_or(false);
    let policy = check_new_policy(state, ctx, &arn, &policy_text, bypass)?;
    let mut key = new_key(
        id.clone(),
        &ctx.region,
        &ctx.account,
        input.description.unwrap_or_default(),
        policy_text,
        policy,
        KeyManager::Customer,
        KeyMaterial::generate(),
    );
    key.spec = spec;
    key.usage = usage;
    key.mac_key = spec.generate_mac_key();
    // An EXTERNAL key gets its private key by import: none is generated.
    key.sign_key = (!external).then(|| spec.generate_sign_key()).flatten();
    key.multi_region = multi_region.then_some(super::multiregion::Role::Primary);
    if external {
        super::import::start_without_material(&mut key);
    }
    key.tags.extend(new_tags.iter().cloned());
    let mut metadata = KeyMetadata::of(&key);
    if multi_region {
        // A new primary has no replicas yet.
        metadata.multi_region_configuration =
            Some(super::multiregion::new_primary(&key.arn, &ctx.region));
    }
    // AWS's quota: 100,000 customer managed keys per account and Region, whatever their
    // state ("Resource quotas", AWS KMS Developer Guide); `--max-keys` sets it here. The
    // count is only taken once the region holds that many keys of any kind.
    let max = state.max_keys();
    state.keys(&ctx.region).write(|data| {
        if data.keys.len() >= max {
            let customer = data
                .keys
                .values()
                .filter(|k| k.manager == KeyManager::Customer)
                .count();
            if customer >= max {
                return Err(KmsError::LimitExceededException(format!(
                    "The request was rejected because a quota was exceeded: this region holds {customer} customer managed keys, the quota of KMS keys per Region."
                )));
            }
        }
        data.keys.insert(id, key);
        Ok(())
    })?;
    Ok(CreateKeyResponse {
        key_metadata: Some(metadata),
    })
}

/// DescribeKey: works in every key state.
pub fn describe_key(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: DescribeKeyRequest,
) -> Result<DescribeKeyResponse, KmsError> {
    validated(input.check())?;
    let key_id = input.key_id.unwrap_or_default();
    let region = state.keys(&ctx.region);
    let snapshot = region.snapshot(&key_id, &ctx.region, &ctx.account)?;
    authorize(state, ctx, &snapshot, "kms:DescribeKey", None, Via::Direct)?;
    super::multiregion::settle(state, &ctx.region, &snapshot.id);
    let (mut metadata, role) = region.read(|data| {
        data.keys
            .get(&snapshot.id)
            .map(|key| (KeyMetadata::of(key), key.multi_region))
            .ok_or_else(|| {
                KmsError::NotFoundException(format!("Key '{}' does not exist", snapshot.arn))
            })
    })?;
    super::multiregion::configure(state, &mut metadata, role);
    Ok(DescribeKeyResponse {
        key_metadata: Some(metadata),
    })
}

/// ListKeys: every key of the region, in pages (IAM alone decides).
pub fn list_keys(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: ListKeysRequest,
) -> Result<ListKeysResponse, KmsError> {
    validated(input.check())?;
    authorize_iam(state, ctx, "kms:ListKeys", "*")?;
    let after = input.marker.as_deref().map(parse_marker).transpose()?;
    let limit = input.limit.unwrap_or(100) as usize;
    state.keys(&ctx.region).read(|data| {
        let range = match &after {
            Some(after) => data
                .keys
                .range::<String, _>((std::ops::Bound::Excluded(after), std::ops::Bound::Unbounded)),
            None => data.keys.range::<String, _>(..),
        };
        let mut keys: Vec<KeyListEntry> = range
            .take(limit + 1)
            .map(|(id, key)| KeyListEntry {
                key_id: Some(id.clone()),
                key_arn: Some(key.arn.clone()),
            })
            .collect();
        let truncated = keys.len() > limit;
        keys.truncate(limit);
        let next_marker = truncated
            .then(|| keys.last().and_then(|k| k.key_id.as_deref()).map(marker))
            .flatten();
        Ok(ListKeysResponse {
            keys: Some(keys),
            next_marker,
            truncated: Some(truncated),
        })
    })
}
