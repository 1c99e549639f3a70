//! Key states: EnableKey, DisableKey, ScheduleKeyDeletion, CancelKeyDeletion and
//! UpdateKeyDescription, and what every key-management operation shares: a key named by
//! key id or key ARN only, AWS managed keys left alone, and AWS's state messages.
//!
//! AWS managed keys: their fixed policy allows the account only `kms:Describe*`,
//! `kms:Get*`, `kms:List*` and `kms:RevokeGrant`, so a state change is refused by the key
//! policy with `AccessDeniedException` ("... because no resource-based policy allows the
//! kms:DisableKey action"), which is what AWS answers. Should a caller ever pass that
//! check, [`refuse_aws_managed`] answers `UnsupportedOperationException`.

use super::access::{authorize, authorize_with, Via};
use super::error::{validated, KmsError};
use super::model::{
    CancelKeyDeletionRequest, CancelKeyDeletionResponse, DisableKeyRequest, EnableKeyRequest,
    ScheduleKeyDeletionRequest, ScheduleKeyDeletionResponse, UpdateKeyDescriptionRequest,
};
use super::services::KmsServices;
use super::store::{Key, KeyManager, KeySnapshot, KeyState, MultiRegionRole};
use crate::context::RequestContext;
use crate::protocol::validation::Validate;
use crate::time::Timestamp;

/// Milliseconds in a day.
pub(crate) const DAY_MS: i64 = 86_400_000;

/// `PendingWindowInDays`: the model allows 1–365 (checked with the rest of the model),
/// the service 7–30. A value inside the model's range but outside the service's is
/// answered "PendingWindowInDays must be between 7 and 30" (a recorded AWS answer:
/// ValidationException, status 400, for 1 day; Skyscanner/kms-issuer#8).
pub(crate) fn check_pending_window(days: Option<i32>) -> Result<(), KmsError> {
    if days.is_some_and(|d| !(7..=30).contains(&d)) {
        return Err(KmsError::ValidationException(
            "PendingWindowInDays must be between 7 and 30".to_owned(),
        ));
    }
    Ok(())
}

/// Refuses an alias where an operation takes only a key id or key ARN, as AWS does for
/// key-management and grant operations.
pub(crate) fn refuse_alias(key_id: &str) -> Result<(), KmsError> {
    if key_id.starts_with("alias/") || (key_id.starts_with("arn:") && key_id.contains(":alias/")) {
        return Err(KmsError::InvalidArnException(
            "Key Aliases are not supported for this operation.".to_owned(),
        ));
    }
    Ok(())
}

/// The snapshot of the key a required `KeyId` (key id or key ARN, checked against the
/// model by the operation) names.
pub(crate) fn key_by_id(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    key_id: &Option<String>,
) -> Result<KeySnapshot, KmsError> {
    let key_id = key_id.as_deref().unwrap_or_default();
    refuse_alias(key_id)?;
    state
        .keys(&ctx.region)
        .snapshot(key_id, &ctx.region, &ctx.account)
}

/// Refuses to change an AWS managed key (see the module documentation).
pub(crate) fn refuse_aws_managed(key: &KeySnapshot) -> Result<(), KmsError> {
    if key.manager == KeyManager::Aws {
        return Err(KmsError::UnsupportedOperationException(format!(
            "{} is an AWS managed key; it cannot be changed.",
            key.arn
        )));
    }
    Ok(())
}

/// The error of a key deleted while a request was under way.
pub(crate) fn key_gone(arn: &str) -> KmsError {
    KmsError::NotFoundException(format!("Key '{arn}' does not exist"))
}

/// `<ARN> is pending deletion.`
pub(crate) fn pending_deletion(arn: &str) -> KmsError {
    KmsError::KMSInvalidStateException(format!("{arn} is pending deletion."))
}

/// Refuses a key pending deletion (operations that work on enabled and disabled keys).
pub(crate) fn refuse_pending_deletion(key: &Key) -> Result<(), KmsError> {
    match key.state {
        KeyState::PendingDeletion { .. } | KeyState::PendingReplicaDeletion { .. } => {
            Err(pending_deletion(&key.arn))
        }
        _ => Ok(()),
    }
}

/// Refuses a key without key material: it can be neither enabled nor disabled until
/// material is imported (KMS Developer Guide, "Key states of AWS KMS keys":
/// KMSInvalidStateException for PendingImport).
fn refuse_pending_import(key: &Key) -> Result<(), KmsError> {
    if key.state == KeyState::PendingImport {
        return Err(super::material::pending_import(&key.arn));
    }
    Ok(())
}

/// Refuses a key that is not enabled: `DisabledException` or `KMSInvalidStateException`
/// (rotation changes, grants).
pub(crate) fn refuse_unless_enabled(key: &Key) -> Result<(), KmsError> {
    match key.state {
        KeyState::Enabled => Ok(()),
        KeyState::Disabled => Err(KmsError::DisabledException(format!(
            "{} is disabled.",
            key.arn
        ))),
        KeyState::PendingDeletion { .. } | KeyState::PendingReplicaDeletion { .. } => {
            Err(pending_deletion(&key.arn))
        }
        KeyState::PendingImport => Err(super::material::pending_import(&key.arn)),
    }
}

/// Applies `change` to the key under the write lock (the key's state is checked there,
/// so that concurrent requests never act on a stale state).
pub(crate) fn change_key<T>(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    key: &KeySnapshot,
    change: impl FnOnce(&mut Key) -> Result<T, KmsError>,
) -> Result<T, KmsError> {
    state.keys(&ctx.region).write(|data| {
        let stored = data
            .keys
            .get_mut(&key.id)
            .ok_or_else(|| key_gone(&key.arn))?;
        change(stored)
    })
}

/// The common steps of a state change: the model's constraints, the key by id, the key
/// policy, not AWS managed.
fn managed_customer_key(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: &impl Validate,
    key_id: &Option<String>,
    action: &str,
) -> Result<KeySnapshot, KmsError> {
    validated(input.check())?;
    let key = key_by_id(state, ctx, key_id)?;
    authorize(state, ctx, &key, action, None, Via::Direct)?;
    refuse_aws_managed(&key)?;
    Ok(key)
}

/// EnableKey: an enabled or disabled key becomes enabled.
pub fn enable_key(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: EnableKeyRequest,
) -> Result<super::model::Empty, KmsError> {
    let key = managed_customer_key(state, ctx, &input, &input.key_id, "kms:EnableKey")?;
    change_key(state, ctx, &key, |stored| {
        refuse_pending_deletion(stored)?;
        refuse_pending_import(stored)?;
        stored.state = KeyState::Enabled;
        Ok(super::model::Empty {})
    })
}

/// DisableKey: an enabled or disabled key becomes disabled.
pub fn disable_key(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: DisableKeyRequest,
) -> Result<super::model::Empty, KmsError> {
    let key = managed_customer_key(state, ctx, &input, &input.key_id, "kms:DisableKey")?;
    change_key(state, ctx, &key, |stored| {
        refuse_pending_deletion(stored)?;
        refuse_pending_import(stored)?;
        stored.state = KeyState::Disabled;
        Ok(super::model::Empty {})
    })
}

/// Whether the multi-Region primary key still has replicas in other Regions, read from
/// the Regions themselves one lock at a time (as `multiregion` reads a key's copies).
fn has_replicas(state: &dyn KmsServices, key: &KeySnapshot) -> bool {
    key.multi_region_type == Some(MultiRegionRole::Primary.as_str())
        && state.every_region().into_iter().any(|(_, region)| {
            region.read(|data| {
                data.keys
                    .get(&key.id)
                    .is_some_and(|k| k.multi_region == Some(MultiRegionRole::Replica))
            })
        })
}

/// ScheduleKeyDeletion: the key is deleted (with its aliases) after 7–30 days (30 by
/// default); until then it is `PendingDeletion` and unusable.
pub fn schedule_key_deletion(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: ScheduleKeyDeletionRequest,
) -> Result<ScheduleKeyDeletionResponse, KmsError> {
    validated(input.check())?;
    check_pending_window(input.pending_window_in_days)?;
    let key = key_by_id(state, ctx, &input.key_id)?;
    let window_days = input.pending_window_in_days.unwrap_or(30) as u32;
    // kms:ScheduleKeyDeletionPendingWindowInDays: the window asked for, or the default
    // (KMS Developer Guide, "AWS KMS condition keys").
    let window_text = window_days.to_string();
    authorize_with(
        state,
        ctx,
        &key,
        "kms:ScheduleKeyDeletion",
        None,
        Via::Direct,
        &|keys| {
            keys.insert(
                "kms:ScheduleKeyDeletionPendingWindowInDays",
                window_text.as_str(),
            )
        },
    )?;
    refuse_aws_managed(&key)?;
    // A multi-Region primary key with replicas waits for them (read before this Region's
    // lock is taken: Region locks are never nested).
    let has_replicas = has_replicas(state, &key);
    state.keys(&ctx.region).write(|data| {
        let stored = data
            .keys
            .get_mut(&key.id)
            .ok_or_else(|| key_gone(&key.arn))?;
        refuse_pending_deletion(stored)?;
        let deletion_date = Timestamp(Timestamp::now().0 + i64::from(window_days) * DAY_MS);
        stored.state = if has_replicas {
            KeyState::PendingReplicaDeletion { window_days }
        } else {
            KeyState::PendingDeletion {
                deletion_date,
                window_days,
            }
        };
        let key_state = stored.state.as_str();
        data.refresh_deletions();
        Ok(ScheduleKeyDeletionResponse {
            key_id: Some(key.arn.clone()),
            // Absent for a primary key that still has replicas (its date is not known).
            deletion_date: (!has_replicas).then_some(deletion_date),
            key_state: Some(key_state.to_owned()),
            pending_window_in_days: Some(window_days as i32),
        })
    })
}

/// CancelKeyDeletion: a key pending deletion becomes disabled (not enabled).
pub fn cancel_key_deletion(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: CancelKeyDeletionRequest,
) -> Result<CancelKeyDeletionResponse, KmsError> {
    let key = managed_customer_key(state, ctx, &input, &input.key_id, "kms:CancelKeyDeletion")?;
    state.keys(&ctx.region).write(|data| {
        let stored = data
            .keys
            .get_mut(&key.id)
            .ok_or_else(|| key_gone(&key.arn))?;
        if !matches!(
            stored.state,
            KeyState::PendingDeletion { .. } | KeyState::PendingReplicaDeletion { .. }
        ) {
            return Err(KmsError::KMSInvalidStateException(format!(
                "{} is not pending deletion.",
                key.arn
            )));
        }
        stored.state = KeyState::Disabled;
        data.refresh_deletions();
        Ok(CancelKeyDeletionResponse {
            key_id: Some(key.arn.clone()),
        })
    })
}

/// UpdateKeyDescription: enabled and disabled keys.
pub fn update_key_description(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: UpdateKeyDescriptionRequest,
) -> Result<super::model::Empty, KmsError> {
    let key = managed_customer_key(
        state,
        ctx,
        &input,
        &input.key_id,
        "kms:UpdateKeyDescription",
    )?;
    let description = input.description.unwrap_or_default();
    change_key(state, ctx, &key, |stored| {
        refuse_pending_deletion(stored)?;
        stored.description = description;
        Ok(super::model::Empty {})
    })
}

/// Shared by the unit tests of the KMS operations: an emulator with no fixtures, and
/// requests from the account root.
#[cfg(test)]
pub(crate) mod testing {
    use crate::config::Config;
    use crate::context::{Caller, RequestContext};
    use crate::kms::model::{CreateKeyRequest, DescribeKeyRequest};
    use crate::state::EmulatorState;

    /// A fresh emulator.
    pub fn state() -> EmulatorState {
        EmulatorState::new(Config::default())
    }

    /// A request from the account root in us-east-1.
    pub fn root() -> RequestContext {
        RequestContext::new(
            "us-east-1",
            "123456789012",
            Caller::account_root("123456789012", None),
            None,
        )
    }

    /// A customer managed key with the default policy; returns its id.
    pub fn key(state: &EmulatorState, ctx: &RequestContext) -> String {
        create(state, ctx, CreateKeyRequest::default())
    }

    /// The request of an operation that takes only a `KeyId`.
    pub fn id<T: serde::de::DeserializeOwned>(key: &str) -> T {
        serde_json::from_value(serde_json::json!({ "KeyId": key })).unwrap()
    }

    /// The key CreateKey makes of `request`; returns its id.
    pub fn create(
        state: &EmulatorState,
        ctx: &RequestContext,
        request: CreateKeyRequest,
    ) -> String {
        crate::kms::keys::create_key(state, ctx, request)
            .unwrap()
            .key_metadata
            .unwrap()
            .key_id
            .unwrap()
    }

    /// The AWS managed key of SSM; returns its id.
    pub fn aws_managed_key(state: &EmulatorState, ctx: &RequestContext) -> String {
        state
            .region(&ctx.region)
            .kms
            .write(|data| {
                crate::kms::ensure_aws_managed_key(data, &ctx.region, &ctx.account, "ssm")
            })
            .unwrap()
    }

    /// The state of a key, as DescribeKey shows it.
    pub fn key_state(state: &EmulatorState, ctx: &RequestContext, id: &str) -> String {
        crate::kms::keys::describe_key(
            state,
            ctx,
            DescribeKeyRequest {
                key_id: Some(id.to_owned()),
                ..Default::default()
            },
        )
        .unwrap()
        .key_metadata
        .unwrap()
        .key_state
        .unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn states_move_as_aws_moves_them() {
        let (state, ctx) = (state(), root());
        let key = key(&state, &ctx);
        disable_key(&state, &ctx, id(&key)).unwrap();
        assert_eq!(key_state(&state, &ctx, &key), "Disabled");
        disable_key(&state, &ctx, id(&key)).unwrap();
        enable_key(&state, &ctx, id(&key)).unwrap();
        assert_eq!(key_state(&state, &ctx, &key), "Enabled");
        let scheduled = schedule_key_deletion(
            &state,
            &ctx,
            ScheduleKeyDeletionRequest {
                key_id: Some(key.clone()),
                ..Default::default()
            },
        )
        .unwrap();
        let scheduled_arn = scheduled.key_id.unwrap();
        assert_eq!(scheduled.pending_window_in_days, Some(30));
        assert_eq!(scheduled.key_state.as_deref(), Some("PendingDeletion"));
        assert!(scheduled_arn.ends_with(&format!(":key/{key}")));
        assert!(
            state
                .region("us-east-1")
                .kms
                .read(|d| d.earliest_deletion)
                .is_some(),
            "the store learns of the deletion date"
        );
        for result in [
            enable_key(&state, &ctx, id(&key)),
            disable_key(&state, &ctx, id(&key)),
        ] {
            assert_eq!(
                result.unwrap_err(),
                KmsError::KMSInvalidStateException(format!(
                    "{} is pending deletion.",
                    scheduled_arn
                ))
            );
        }
        cancel_key_deletion(&state, &ctx, id(&key)).unwrap();
        assert_eq!(key_state(&state, &ctx, &key), "Disabled");
        assert!(matches!(
            cancel_key_deletion(&state, &ctx, id(&key)),
            Err(KmsError::KMSInvalidStateException(m)) if m.ends_with("is not pending deletion.")
        ));
    }

    #[test]
    fn deletion_window_is_7_to_30_days() {
        let (state, ctx) = (state(), root());
        let key = key(&state, &ctx);
        for days in [6, 31] {
            let result = schedule_key_deletion(
                &state,
                &ctx,
                ScheduleKeyDeletionRequest {
                    key_id: Some(key.clone()),
                    pending_window_in_days: Some(days),
                },
            );
            assert!(
                matches!(result, Err(KmsError::ValidationException(_))),
                "{days}"
            );
        }
        let out = schedule_key_deletion(
            &state,
            &ctx,
            ScheduleKeyDeletionRequest {
                key_id: Some(key),
                pending_window_in_days: Some(7),
            },
        )
        .unwrap();
        let days = (out.deletion_date.unwrap().0 - Timestamp::now().0) as f64 / DAY_MS as f64;
        assert!((6.99..=7.0).contains(&days), "{days}");
    }

    #[test]
    fn aliases_are_refused_where_only_a_key_will_do() {
        assert!(refuse_alias("alias/x").is_err());
        assert!(refuse_alias("arn:aws:kms:us-east-1:123456789012:alias/x").is_err());
        assert!(refuse_alias("1234abcd-12ab-34cd-56ef-1234567890ab").is_ok());
        assert!(refuse_alias("arn:aws:kms:us-east-1:123456789012:key/1234").is_ok());
    }

    #[test]
    fn aws_managed_keys_refuse_state_changes_through_their_policy() {
        let (state, ctx) = (state(), root());
        let key = aws_managed_key(&state, &ctx);
        assert!(matches!(
            disable_key(&state, &ctx, id(&key)),
            Err(KmsError::AccessDeniedException(m)) if m.contains("kms:DisableKey")
        ));
        assert!(matches!(
            schedule_key_deletion(
                &state,
                &ctx,
                ScheduleKeyDeletionRequest {
                    key_id: Some(key.clone()),
                    pending_window_in_days: None,
                }
            ),
            Err(KmsError::AccessDeniedException(_))
        ));
        assert_eq!(key_state(&state, &ctx, &key), "Enabled");
    }

    #[test]
    fn description_changes_unless_pending_deletion() {
        let (state, ctx) = (state(), root());
        let key = key(&state, &ctx);
        let update = |d: &str| {
            update_key_description(
                &state,
                &ctx,
                UpdateKeyDescriptionRequest {
                    key_id: Some(key.clone()),
                    description: Some(d.to_owned()),
                },
            )
        };
        update("new words").unwrap();
        let described = crate::kms::keys::describe_key(
            &state,
            &ctx,
            crate::kms::model::DescribeKeyRequest {
                key_id: Some(key.clone()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            described.key_metadata.unwrap().description.as_deref(),
            Some("new words")
        );
        schedule_key_deletion(
            &state,
            &ctx,
            ScheduleKeyDeletionRequest {
                key_id: Some(key.clone()),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(matches!(
            update("x"),
            Err(KmsError::KMSInvalidStateException(_))
        ));
    }
}
