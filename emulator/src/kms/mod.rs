//! AWS KMS over awsJson1.1 (`X-Amz-Target: TrentService.*`): symmetric keys with real
//! AES-256-GCM, key policies that decide who may use each key, aliases and grants.
//!
//! Each operation is a function from its typed input to its typed output or a
//! [`KmsError`], run on the narrow [`KmsServices`] (key stores, IAM's decisions,
//! principals) rather than the emulator's state; [`TABLE`] is the one place operations
//! are reached from. Other services
//! (SSM) encrypt and decrypt as the caller through [`cipher::encrypt_as_caller`] and
//! [`cipher::decrypt_as_caller`].

pub mod access;
pub mod agreement;
pub mod aliases;
pub mod asymmetric;
pub mod cipher;
pub mod crypto;
pub mod datakeys;
pub mod error;
pub mod fixture;
pub mod grants;
pub mod import;
pub mod keypairs;
pub mod keys;
pub mod lifecycle;
pub mod mac;
pub mod material;
pub mod mldsa;
pub mod model;
pub mod multiregion;
pub mod oaep;
pub mod policies;
pub mod rotation;
pub mod services;
pub mod specs;
pub mod store;
pub mod tags;
pub mod usage;

pub use error::KmsError;
pub use services::KmsServices;

use crate::dispatch::DispatchTable;
use crate::operation;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::sync::Arc;
use store::{Key, KeyManager, KeyState, KmsData};

/// The `X-Amz-Target` prefix of KMS.
pub const TARGET_PREFIX: &str = "TrentService";

/// Every implemented operation, sorted by full name.
pub static TABLE: DispatchTable<KmsError, [u8], Vec<u8>, dyn KmsServices> = DispatchTable {
    prefix: TARGET_PREFIX,
    operations: &[
        operation!(
            "TrentService.CancelKeyDeletion",
            lifecycle::cancel_key_deletion
        ),
        operation!("TrentService.CreateAlias", aliases::create_alias),
        operation!("TrentService.CreateGrant", grants::create_grant),
        operation!("TrentService.CreateKey", keys::create_key),
        operation!("TrentService.Decrypt", cipher::decrypt),
        operation!("TrentService.DeleteAlias", aliases::delete_alias),
        operation!(
            "TrentService.DeleteImportedKeyMaterial",
            import::delete_imported_key_material
        ),
        operation!(
            "TrentService.DeriveSharedSecret",
            agreement::derive_shared_secret
        ),
        operation!("TrentService.DescribeKey", keys::describe_key),
        operation!("TrentService.DisableKey", lifecycle::disable_key),
        operation!(
            "TrentService.DisableKeyRotation",
            rotation::disable_key_rotation
        ),
        operation!("TrentService.EnableKey", lifecycle::enable_key),
        operation!(
            "TrentService.EnableKeyRotation",
            rotation::enable_key_rotation
        ),
        operation!("TrentService.Encrypt", cipher::encrypt),
        operation!("TrentService.GenerateDataKey", datakeys::generate_data_key),
        operation!(
            "TrentService.GenerateDataKeyPair",
            keypairs::generate_data_key_pair
        ),
        operation!(
            "TrentService.GenerateDataKeyPairWithoutPlaintext",
            keypairs::generate_data_key_pair_without_plaintext
        ),
        operation!(
            "TrentService.GenerateDataKeyWithoutPlaintext",
            datakeys::generate_data_key_without_plaintext
        ),
        operation!("TrentService.GenerateMac", mac::generate_mac),
        operation!("TrentService.GenerateRandom", datakeys::generate_random),
        operation!("TrentService.GetKeyPolicy", policies::get_key_policy),
        operation!(
            "TrentService.GetKeyRotationStatus",
            rotation::get_key_rotation_status
        ),
        operation!(
            "TrentService.GetParametersForImport",
            import::get_parameters_for_import
        ),
        operation!("TrentService.GetPublicKey", asymmetric::get_public_key),
        operation!(
            "TrentService.ImportKeyMaterial",
            import::import_key_material
        ),
        operation!("TrentService.ListAliases", aliases::list_aliases),
        operation!("TrentService.ListGrants", grants::list_grants),
        operation!("TrentService.ListKeyPolicies", policies::list_key_policies),
        operation!(
            "TrentService.ListKeyRotations",
            rotation::list_key_rotations
        ),
        operation!("TrentService.ListKeys", keys::list_keys),
        operation!("TrentService.ListResourceTags", tags::list_resource_tags),
        operation!(
            "TrentService.ListRetirableGrants",
            grants::list_retirable_grants
        ),
        operation!("TrentService.PutKeyPolicy", policies::put_key_policy),
        operation!("TrentService.ReEncrypt", datakeys::re_encrypt),
        operation!("TrentService.ReplicateKey", multiregion::replicate_key),
        operation!("TrentService.RetireGrant", grants::retire_grant),
        operation!("TrentService.RevokeGrant", grants::revoke_grant),
        operation!(
            "TrentService.RotateKeyOnDemand",
            rotation::rotate_key_on_demand
        ),
        operation!(
            "TrentService.ScheduleKeyDeletion",
            lifecycle::schedule_key_deletion
        ),
        operation!("TrentService.Sign", asymmetric::sign),
        operation!("TrentService.TagResource", tags::tag_resource),
        operation!("TrentService.UntagResource", tags::untag_resource),
        operation!("TrentService.UpdateAlias", aliases::update_alias),
        operation!(
            "TrentService.UpdateKeyDescription",
            lifecycle::update_key_description
        ),
        operation!(
            "TrentService.UpdatePrimaryRegion",
            multiregion::update_primary_region
        ),
        operation!("TrentService.Verify", asymmetric::verify),
        operation!("TrentService.VerifyMac", mac::verify_mac),
    ],
    all_operations: ALL_OPERATIONS,
};

/// The policy a key created without one gets: the account root may do everything, which
/// delegates to the account's IAM policies.
pub fn default_key_policy(account: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Id":"key-default-1","Statement":[{{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"kms:*","Resource":"*"}}]}}"#
    )
}

/// The policy AWS gives the AWS managed key of a service (`aws/ssm`): every principal of
/// the account may use it through that service; the account may read its metadata.
pub fn aws_managed_key_policy(account: &str, region: &str, service: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Id":"auto-{service}-2","Statement":[{{"Sid":"Allow access through {service} for all principals in the account that are authorized to use {service}","Effect":"Allow","Principal":{{"AWS":"*"}},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:CreateGrant","kms:DescribeKey"],"Resource":"*","Condition":{{"StringEquals":{{"kms:CallerAccount":"{account}","kms:ViaService":"{service}.{region}.amazonaws.com"}}}}}},{{"Sid":"Allow direct access to key metadata to the account","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":["kms:Describe*","kms:Get*","kms:List*","kms:RevokeGrant"],"Resource":"*"}}]}}"#
    )
}

/// A new key's record.
#[allow(clippy::too_many_arguments)]
pub fn new_key(
    id: String,
    region: &str,
    account: &str,
    description: String,
    policy_text: String,
    policy: crate::iam::policy::PolicyDocument,
    manager: KeyManager,
    material: crypto::KeyMaterial,
) -> Key {
    Key {
        arn: format!("arn:aws:kms:{region}:{account}:key/{id}"),
        id,
        account: account.to_owned(),
        description,
        policy_text,
        policy: Arc::new(policy),
        state: KeyState::Enabled,
        creation_date: crate::time::Timestamp::now(),
        manager,
        multi_region: None,
        imported: None,
        materials: vec![material],
        rotation_enabled: false,
        rotation_period_days: 365,
        rotations: Vec::new(),
        tags: Default::default(),
        grants: Vec::new(),
        spec: specs::KeySpec::SymmetricDefault,
        mac_key: None,
        sign_key: None,
        usage: specs::KeyUsage::EncryptDecrypt,
    }
}

/// The AWS managed key `alias/aws/{service}` of a region, created on first use as AWS
/// does. Returns its id.
pub fn ensure_aws_managed_key(
    data: &mut KmsData,
    region: &str,
    account: &str,
    service: &str,
) -> Result<String, KmsError> {
    let alias = format!("alias/aws/{service}");
    if let Some(existing) = data.aliases.get(&alias) {
        return Ok(existing.target.clone());
    }
    let id = uuid::Uuid::new_v4().to_string();
    let text = aws_managed_key_policy(account, region, service);
    // The managed policy is fixed text (checked by a test).
    let policy = crate::iam::policy::PolicyDocument::parse(&text)
        .map_err(|e| KmsError::KMSInternalException(format!("managed key policy: {e}")))?;
    let key = new_key(
        id.clone(),
        region,
        account,
        format!(
            "Default key that protects my {} data when no other key is defined",
            service.to_uppercase()
        ),
        text,
        policy,
        KeyManager::Aws,
        crypto::KeyMaterial::generate(),
    );
    let now = key.creation_date;
    data.keys.insert(id.clone(), key);
    data.aliases.insert(
        alias,
        store::Alias {
            target: id.clone(),
            creation_date: now,
            last_updated: now,
        },
    );
    Ok(id)
}

/// Encodes a listing position as an opaque `NextMarker`.
pub fn marker(position: &str) -> String {
    STANDARD.encode(position)
}

/// Decodes a `Marker` made by [`marker`].
pub fn parse_marker(marker: &str) -> Result<String, KmsError> {
    STANDARD
        .decode(marker)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            KmsError::InvalidMarkerException("The request contains an invalid marker.".to_owned())
        })
}

/// Every operation of the KMS API, implemented or not (generated from the model).
pub const ALL_OPERATIONS: &[&str] = crate::generated::kms::OPERATIONS;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_names_real_operations() {
        TABLE.check().unwrap();
        assert_eq!(ALL_OPERATIONS.len(), 56);
    }

    #[test]
    fn built_in_policies_parse() {
        crate::iam::policy::PolicyDocument::parse(&default_key_policy("123456789012")).unwrap();
        crate::iam::policy::PolicyDocument::parse(&aws_managed_key_policy(
            "123456789012",
            "us-east-1",
            "ssm",
        ))
        .unwrap();
    }
}
