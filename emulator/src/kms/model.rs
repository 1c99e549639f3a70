//! KMS's inputs and outputs: the types generated from the model (`crate::generated::kms`),
//! gathered here for the operations, and how a stored key reads as `KeyMetadata`.

use super::store::{Key, KeyManager, KeyState};
use std::collections::BTreeMap;

pub use crate::generated::kms::{
    AliasListEntry, CancelKeyDeletionRequest, CancelKeyDeletionResponse, CreateAliasRequest,
    CreateGrantRequest, CreateGrantResponse, CreateKeyRequest, CreateKeyResponse, DecryptRequest,
    DecryptResponse, DeleteAliasRequest, DeleteImportedKeyMaterialRequest,
    DeleteImportedKeyMaterialResponse, DeriveSharedSecretRequest, DeriveSharedSecretResponse,
    DescribeKeyRequest, DescribeKeyResponse, DisableKeyRequest, DisableKeyRotationRequest,
    EnableKeyRequest, EnableKeyRotationRequest, EncryptRequest, EncryptResponse,
    GenerateDataKeyPairRequest, GenerateDataKeyPairResponse,
    GenerateDataKeyPairWithoutPlaintextRequest, GenerateDataKeyPairWithoutPlaintextResponse,
    GenerateDataKeyRequest, GenerateDataKeyResponse, GenerateDataKeyWithoutPlaintextRequest,
    GenerateDataKeyWithoutPlaintextResponse, GenerateMacRequest, GenerateMacResponse,
    GenerateRandomRequest, GenerateRandomResponse, GetKeyPolicyRequest, GetKeyPolicyResponse,
    GetKeyRotationStatusRequest, GetKeyRotationStatusResponse, GetParametersForImportRequest,
    GetParametersForImportResponse, GetPublicKeyRequest, GetPublicKeyResponse, GrantConstraints,
    GrantListEntry, ImportKeyMaterialRequest, ImportKeyMaterialResponse, KeyListEntry, KeyMetadata,
    ListAliasesRequest, ListAliasesResponse, ListGrantsRequest, ListGrantsResponse,
    ListKeyPoliciesRequest, ListKeyPoliciesResponse, ListKeyRotationsRequest,
    ListKeyRotationsResponse, ListKeysRequest, ListKeysResponse, ListResourceTagsRequest,
    ListResourceTagsResponse, ListRetirableGrantsRequest, MultiRegionConfiguration, MultiRegionKey,
    PutKeyPolicyRequest, ReEncryptRequest, ReEncryptResponse, RecipientInfo, ReplicateKeyRequest,
    ReplicateKeyResponse, RetireGrantRequest, RevokeGrantRequest, RotateKeyOnDemandRequest,
    RotateKeyOnDemandResponse, RotationsListEntry, ScheduleKeyDeletionRequest,
    ScheduleKeyDeletionResponse, SignRequest, SignResponse, Tag, TagResourceRequest,
    UntagResourceRequest, UpdateAliasRequest, UpdateKeyDescriptionRequest,
    UpdatePrimaryRegionRequest, VerifyMacRequest, VerifyMacResponse, VerifyRequest, VerifyResponse,
};
pub use crate::protocol::json::Blob;

/// An encryption context.
pub type EncryptionContext = BTreeMap<String, String>;

/// An answer with no members (the model's operations without output).
#[derive(Debug, serde::Serialize)]
pub struct Empty {}

/// A list of names as the generated types hold them.
pub(crate) fn names(list: &[&str]) -> Option<Vec<String>> {
    Some(list.iter().map(|s| (*s).to_owned()).collect()).filter(|l: &Vec<String>| !l.is_empty())
}

impl KeyMetadata {
    /// The metadata of a key (`MultiRegionConfiguration` is filled in by
    /// `multiregion::configure`, which reads the other Regions).
    pub fn of(key: &Key) -> Self {
        let (deletion_date, window) = match key.state {
            KeyState::PendingDeletion {
                deletion_date,
                window_days,
            } => (Some(deletion_date), Some(window_days as i32)),
            // The primary's waiting period has not begun: no date yet (API reference,
            // KeyMetadata PendingDeletionWindowInDays and DeletionDate).
            KeyState::PendingReplicaDeletion { window_days } => (None, Some(window_days as i32)),
            _ => (None, None),
        };
        KeyMetadata {
            aws_account_id: Some(key.account.clone()),
            key_id: Some(key.id.clone()),
            arn: Some(key.arn.clone()),
            creation_date: Some(key.creation_date),
            enabled: Some(key.state == KeyState::Enabled),
            description: Some(key.description.clone()),
            key_usage: Some(key.usage.name().to_owned()),
            key_state: Some(key.state.as_str().to_owned()),
            deletion_date,
            pending_deletion_window_in_days: window,
            origin: Some(key.origin().to_owned()),
            key_manager: Some(
                match key.manager {
                    KeyManager::Customer => "CUSTOMER",
                    KeyManager::Aws => "AWS",
                }
                .to_owned(),
            ),
            customer_master_key_spec: Some(key.spec.name().to_owned()),
            key_spec: Some(key.spec.name().to_owned()),
            encryption_algorithms: names(key.usage.encryption_algorithms(key.spec)),
            mac_algorithms: key.spec.mac_algorithm().map(|a| vec![a.to_owned()]),
            signing_algorithms: names(key.usage.signing_algorithms(key.spec)),
            key_agreement_algorithms: names(key.usage.key_agreement_algorithms()),
            multi_region: Some(key.multi_region.is_some()),
            expiration_model: key
                .imported
                .as_ref()
                .and_then(|i| i.expiration_model())
                .map(str::to_owned),
            valid_to: key.imported.as_ref().and_then(|i| i.expires_at()),
            // A key without material (PendingImport) has no current material.
            current_key_material_id: if key.imported.as_ref().is_some_and(|i| !i.present) {
                None
            } else {
                Some(key.current_material_id())
            },
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::validation::Validate;

    #[test]
    fn create_key_enums_and_characters_are_the_models() {
        let bad = CreateKeyRequest {
            key_spec: Some("AES_256".into()),
            policy: Some("{\"Version\":\"2012-10-17\u{263A}\"}".into()),
            ..Default::default()
        };
        let message = bad.check().unwrap_err();
        assert!(
            message.starts_with("2 validation errors detected: "),
            "{message}"
        );
        assert!(message.contains("Value 'AES_256' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, "), "{message}");
        assert!(message.contains("at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern"), "{message}");
        let good = CreateKeyRequest {
            key_spec: Some("ML_DSA_65".into()),
            customer_master_key_spec: Some("HMAC_512".into()),
            ..Default::default()
        };
        assert!(good.check().is_ok());
    }

    #[test]
    fn blobs_are_counted_in_bytes_and_sensitive_ones_never_shown() {
        // Plaintext is sensitive in the model: its value is left out, as AWS does.
        let encrypt = EncryptRequest {
            key_id: Some("k".into()),
            plaintext: Some(Blob(vec![b's'; 4097])),
            ..Default::default()
        };
        assert_eq!(
            encrypt.check().unwrap_err(),
            "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096"
        );
        // A blob that is not sensitive is shown as AWS's service holds it, never its bytes.
        let decrypt = DecryptRequest {
            ciphertext_blob: Some(Blob(Vec::new())),
            key_id: Some(String::new()),
            ..Default::default()
        };
        assert_eq!(
            decrypt.check().unwrap_err(),
            "2 validation errors detected: Value 'java.nio.HeapByteBuffer' at 'ciphertextBlob' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
        // Text that is not base64 fails with the body, before any rule.
        let body = br#"{"KeyId":"k","Plaintext":"not base64!"}"#;
        assert!(crate::protocol::json::decode::<EncryptRequest>(body).is_err());
        let body = br#"{"KeyId":"k","Plaintext":"aGk="}"#;
        let decoded: EncryptRequest = crate::protocol::json::decode(body).unwrap();
        assert_eq!(decoded.plaintext, Some(Blob(b"hi".to_vec())));
        assert!(!format!("{decoded:?}").contains("104"));
    }

    #[test]
    fn markers_and_windows() {
        let marker = |m: &str| {
            ListKeysRequest {
                marker: Some(m.to_owned()),
                ..Default::default()
            }
            .check()
        };
        assert_eq!(marker("").unwrap_err().matches("'marker'").count(), 1);
        assert!(marker("caf\u{e9}").is_ok());
        assert!(marker("\u{263A}").is_err());
        let window = |days: i32| ScheduleKeyDeletionRequest {
            key_id: Some("k".into()),
            pending_window_in_days: Some(days),
        };
        for (days, ok) in [(7, true), (30, true), (1, false), (31, false)] {
            assert!(window(days).check().is_ok(), "{days}");
            let result = super::super::lifecycle::check_pending_window(Some(days));
            assert_eq!(result.is_ok(), ok, "{days}");
        }
        assert!(window(0)
            .check()
            .unwrap_err()
            .contains("Value '0' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 1"));
    }
}
