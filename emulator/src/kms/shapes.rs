//! Model constraints (botocore `kms/2014-11-01`) that several KMS operations share and
//! that their handlers check before any lookup: paging markers, CreateKey's enums and
//! policy characters, and the grant tokens of the key operations.

use super::model::CreateKeyInput;
use crate::protocol::validation::Validator;

/// `KeySpec` of the model (every value, whether or not the emulator offers it: AWS
/// answers a value outside the set with ValidationException before anything else).
pub const KEY_SPECS: &[&str] = &[
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "ECC_NIST_P256",
    "ECC_NIST_P384",
    "ECC_NIST_P521",
    "ECC_SECG_P256K1",
    "SYMMETRIC_DEFAULT",
    "HMAC_224",
    "HMAC_256",
    "HMAC_384",
    "HMAC_512",
    "SM2",
    "ML_DSA_44",
    "ML_DSA_65",
    "ML_DSA_87",
    "ECC_NIST_EDWARDS25519",
];

/// `CustomerMasterKeySpec` of the model (the deprecated member: no ML-DSA, no Ed25519).
pub const CUSTOMER_MASTER_KEY_SPECS: &[&str] = &[
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "ECC_NIST_P256",
    "ECC_NIST_P384",
    "ECC_NIST_P521",
    "ECC_SECG_P256K1",
    "SYMMETRIC_DEFAULT",
    "HMAC_224",
    "HMAC_256",
    "HMAC_384",
    "HMAC_512",
    "SM2",
];

/// A `MarkerType` member: 1–1024 characters of `[\u0020-\u00FF]*`.
pub(crate) fn check_marker(v: &mut Validator, marker: &Option<String>) {
    if let Some(m) = marker {
        v.length("marker", m, 1, 1024);
        let ok = m.chars().all(|c| ('\u{20}'..='\u{FF}').contains(&c));
        v.pattern("marker", Some(m), ok, "[\\u0020-\\u00FF]*");
    }
}

/// The `PolicyType` characters, `[\u0009\u000A\u000D\u0020-\u00FF]+` (its length is
/// checked beside it).
pub(crate) fn check_policy_characters(v: &mut Validator, policy: &Option<String>) {
    if let Some(p) = policy {
        let ok = p
            .chars()
            .all(|c| matches!(c, '\u{09}' | '\u{0A}' | '\u{0D}' | '\u{20}'..='\u{FF}'));
        v.pattern(
            "policy",
            Some(p),
            ok,
            "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
        );
    }
}

/// CreateKey's members the handler does not check itself: the two key spec enums,
/// `CustomKeyStoreId` (1–64) and the policy's characters.
pub(crate) fn check_create_key(v: &mut Validator, input: &CreateKeyInput) {
    v.one_of(
        "customerMasterKeySpec",
        input.customer_master_key_spec.as_deref(),
        CUSTOMER_MASTER_KEY_SPECS,
    );
    v.one_of("keySpec", input.key_spec.as_deref(), KEY_SPECS);
    v.opt_length("customKeyStoreId", &input.custom_key_store_id, 1, 64);
    check_policy_characters(v, &input.policy);
}

/// `PendingWindowInDays`: the model allows 1–365, the service 7–30. A value inside the
/// model's range but outside the service's is answered "PendingWindowInDays must be
/// between 7 and 30" (a recorded AWS answer: ValidationException, status 400, for 1 day;
/// Skyscanner/kms-issuer#8).
pub(crate) fn check_pending_window(
    v: &mut Validator,
    days: Option<i64>,
) -> Result<(), super::KmsError> {
    v.range("pendingWindowInDays", days, 1, 365);
    if days.is_some_and(|d| (1..=365).contains(&d) && !(7..=30).contains(&d)) {
        return Err(super::KmsError::ValidationException(
            "PendingWindowInDays must be between 7 and 30".to_owned(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> CreateKeyInput {
        CreateKeyInput {
            policy: None,
            description: None,
            key_usage: None,
            customer_master_key_spec: None,
            key_spec: None,
            origin: None,
            custom_key_store_id: None,
            bypass_policy_lockout_safety_check: None,
            tags: None,
            multi_region: None,
        }
    }

    #[test]
    fn create_key_enums_and_characters_are_the_models() {
        let mut bad = input();
        bad.key_spec = Some("AES_256".into());
        bad.policy = Some("{\"Version\":\"2012-10-17\u{263A}\"}".into());
        let mut v = Validator::new();
        check_create_key(&mut v, &bad);
        let message = v.finish().unwrap_err();
        assert!(
            message.starts_with("2 validation errors detected: "),
            "{message}"
        );
        assert!(message.contains("Value 'AES_256' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, "), "{message}");
        assert!(message.contains("at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern"), "{message}");
        let mut good = input();
        good.key_spec = Some("ML_DSA_65".into());
        good.customer_master_key_spec = Some("HMAC_512".into());
        let mut v = Validator::new();
        check_create_key(&mut v, &good);
        assert!(v.is_empty());
    }

    #[test]
    fn markers_and_windows() {
        let mut v = Validator::new();
        check_marker(&mut v, &Some(String::new()));
        check_marker(&mut v, &Some("caf\u{e9}".into()));
        assert_eq!(v.finish().unwrap_err().matches("'marker'").count(), 1);
        let mut v = Validator::new();
        check_marker(&mut v, &Some("\u{263A}".into()));
        assert!(!v.is_empty());
        for (days, ok) in [(7, true), (30, true), (1, false), (31, false)] {
            let mut v = Validator::new();
            let result = check_pending_window(&mut v, Some(days));
            assert_eq!(result.is_ok(), ok, "{days}");
            assert!(v.is_empty(), "{days}");
        }
        let mut v = Validator::new();
        check_pending_window(&mut v, Some(0)).unwrap();
        assert!(v
            .finish()
            .unwrap_err()
            .contains("Value '0' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 1"));
    }
}
