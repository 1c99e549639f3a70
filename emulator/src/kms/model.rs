//! KMS shapes shared by several operations: blobs, key metadata, tags, and the inputs and
//! outputs of the core operations (each other operation keeps its own shapes beside it).

use super::store::{Key, KeyManager, KeyState};
use crate::time::Timestamp;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// Binary data, carried as base64 in JSON.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Blob(pub Vec<u8>);

impl std::fmt::Debug for Blob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Blobs may be plaintexts: never print their bytes.
        write!(f, "Blob({} bytes)", self.0.len())
    }
}

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD
            .decode(text.as_bytes())
            .map(Blob)
            .map_err(|_| serde::de::Error::custom("Blob is not valid base64"))
    }
}

/// An encryption context.
pub type EncryptionContext = BTreeMap<String, String>;

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Tag {
    #[serde(rename = "TagKey")]
    pub key: Option<String>,
    #[serde(rename = "TagValue")]
    pub value: Option<String>,
}

/// `KeyMetadata` as DescribeKey, CreateKey and friends return it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyMetadata {
    #[serde(rename = "AWSAccountId")]
    pub aws_account_id: String,
    pub key_id: String,
    pub arn: String,
    pub creation_date: Timestamp,
    pub enabled: bool,
    pub description: String,
    pub key_usage: &'static str,
    pub key_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_date: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_deletion_window_in_days: Option<u32>,
    pub origin: &'static str,
    pub key_manager: &'static str,
    pub customer_master_key_spec: &'static str,
    pub key_spec: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_algorithms: Option<&'static [&'static str]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac_algorithms: Option<[&'static str; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_algorithms: Option<&'static [&'static str]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_agreement_algorithms: Option<&'static [&'static str]>,
    pub multi_region: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_region_configuration: Option<super::multiregion::Configuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_model: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<Timestamp>,
    /// Empty (and left out) for a key without material (PendingImport).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub current_key_material_id: String,
}

impl KeyMetadata {
    /// The metadata of a key.
    pub fn of(key: &Key) -> Self {
        let (deletion_date, window) = match key.state {
            KeyState::PendingDeletion {
                deletion_date,
                window_days,
            } => (Some(deletion_date), Some(window_days)),
            // The primary's waiting period has not begun: no date yet (API reference,
            // KeyMetadata PendingDeletionWindowInDays and DeletionDate).
            KeyState::PendingReplicaDeletion { window_days } => (None, Some(window_days)),
            _ => (None, None),
        };
        KeyMetadata {
            aws_account_id: key.account.clone(),
            key_id: key.id.clone(),
            arn: key.arn.clone(),
            creation_date: key.creation_date,
            enabled: key.state == KeyState::Enabled,
            description: key.description.clone(),
            key_usage: key.usage.name(),
            key_state: key.state.as_str(),
            deletion_date,
            pending_deletion_window_in_days: window,
            origin: key.origin(),
            key_manager: match key.manager {
                KeyManager::Customer => "CUSTOMER",
                KeyManager::Aws => "AWS",
            },
            customer_master_key_spec: key.spec.name(),
            key_spec: key.spec.name(),
            encryption_algorithms: Some(key.usage.encryption_algorithms(key.spec))
                .filter(|a| !a.is_empty()),
            mac_algorithms: key.spec.mac_algorithm().map(|a| [a]),
            signing_algorithms: Some(key.usage.signing_algorithms(key.spec))
                .filter(|a| !a.is_empty()),
            key_agreement_algorithms: Some(key.usage.key_agreement_algorithms())
                .filter(|a| !a.is_empty()),
            multi_region: key.multi_region.is_some(),
            // Filled in by `multiregion::configure`, which reads the other Regions.
            multi_region_configuration: None,
            expiration_model: key.imported.as_ref().and_then(|i| i.expiration_model()),
            valid_to: key.imported.as_ref().and_then(|i| i.expires_at()),
            // A key without material (PendingImport) has no current material.
            current_key_material_id: if key.imported.as_ref().is_some_and(|i| !i.present) {
                String::new()
            } else {
                key.current_material_id()
            },
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyMetadataOutput {
    pub key_metadata: KeyMetadata,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateKeyInput {
    pub policy: Option<String>,
    pub description: Option<String>,
    pub key_usage: Option<String>,
    pub customer_master_key_spec: Option<String>,
    pub key_spec: Option<String>,
    pub origin: Option<String>,
    pub custom_key_store_id: Option<String>,
    pub bypass_policy_lockout_safety_check: Option<bool>,
    pub tags: Option<Vec<Tag>>,
    pub multi_region: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyIdInput {
    pub key_id: Option<String>,
    pub grant_tokens: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListInput {
    pub key_id: Option<String>,
    pub limit: Option<i64>,
    pub marker: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyListEntry {
    pub key_id: String,
    pub key_arn: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListKeysOutput {
    pub keys: Vec<KeyListEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    pub truncated: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EncryptInput {
    pub key_id: Option<String>,
    pub plaintext: Option<Blob>,
    pub encryption_context: Option<EncryptionContext>,
    pub grant_tokens: Option<Vec<String>>,
    pub encryption_algorithm: Option<String>,
    pub dry_run: Option<bool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EncryptOutput {
    pub ciphertext_blob: Blob,
    pub key_id: String,
    pub encryption_algorithm: &'static str,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DecryptInput {
    pub ciphertext_blob: Option<Blob>,
    pub encryption_context: Option<EncryptionContext>,
    pub grant_tokens: Option<Vec<String>>,
    pub key_id: Option<String>,
    pub encryption_algorithm: Option<String>,
    pub dry_run: Option<bool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DecryptOutput {
    pub key_id: String,
    pub plaintext: Blob,
    pub encryption_algorithm: &'static str,
    /// Only for symmetric keys (API reference, Decrypt `KeyMaterialId`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasInput {
    pub alias_name: Option<String>,
    pub target_key_id: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasListEntry {
    pub alias_name: String,
    pub alias_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated_date: Option<Timestamp>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAliasesOutput {
    pub aliases: Vec<AliasListEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    pub truncated: bool,
}

#[derive(Debug, Serialize)]
pub struct Empty {}
