//! Key material rotation: EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus,
//! RotateKeyOnDemand and ListKeyRotations.
//!
//! A rotation adds a new material version to the key; the newest encrypts, and every
//! ciphertext names the version that made it, so older ciphertexts still decrypt. The
//! emulator performs on-demand rotations only: automatic rotation is recorded (enabled,
//! period, next date) but never happens, since the shortest period is 90 days.

use super::access::{authorize, authorize_with, Via};
use super::crypto::KeyMaterial;
use super::error::{validated, KmsError};
use super::lifecycle::{change_key, key_by_id, refuse_aws_managed, refuse_unless_enabled, DAY_MS};
use super::model::{
    DisableKeyRotationRequest, Empty, EnableKeyRotationRequest, GetKeyRotationStatusRequest,
    GetKeyRotationStatusResponse, ListKeyRotationsRequest, ListKeyRotationsResponse,
    RotateKeyOnDemandRequest, RotateKeyOnDemandResponse, RotationsListEntry,
};
use super::services::KmsServices;
use super::store::{material_id, KeyManager, KeyState};
use super::{marker, parse_marker};
use crate::context::RequestContext;
use crate::protocol::validation::Validate;
use crate::time::Timestamp;

/// The automatic rotation period a key gets when none is given.
pub const DEFAULT_PERIOD_DAYS: u32 = 365;

/// How many on-demand rotations a key allows.
pub const MAX_ON_DEMAND_ROTATIONS: usize = 25;

/// The next automatic rotation after `now` of a key created at `created` that rotates
/// every `period_days`. The emulator keeps no record of when rotation was enabled, so the
/// schedule counts whole periods from the key's creation: the date is always in the
/// future and at most one period away.
pub fn next_rotation(created: Timestamp, period_days: u32, now: Timestamp) -> Timestamp {
    let period = i64::from(period_days.max(1)) * DAY_MS;
    let elapsed = (now.0 - created.0).max(0);
    Timestamp(created.0 + (elapsed / period + 1) * period)
}

/// EnableKeyRotation: automatic rotation every 90–2560 days (365 by default).
pub fn enable_key_rotation(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: EnableKeyRotationRequest,
) -> Result<Empty, KmsError> {
    validated(input.check())?;
    let key = key_by_id(state, ctx, &input.key_id)?;
    // kms:RotationPeriodInDays: the period asked for, present only when given (KMS
    // Developer Guide, "AWS KMS condition keys").
    let period_text = input.rotation_period_in_days.map(|p| p.to_string());
    authorize_with(
        state,
        ctx,
        &key,
        "kms:EnableKeyRotation",
        None,
        Via::Direct,
        &|keys| {
            if let Some(period) = &period_text {
                keys.insert("kms:RotationPeriodInDays", period.as_str());
            }
        },
    )?;
    refuse_aws_managed(&key)?;
    refuse_unless_symmetric(&key)?;
    let period = input
        .rotation_period_in_days
        .map_or(DEFAULT_PERIOD_DAYS, |p| p as u32);
    change_key(state, ctx, &key, |stored| {
        refuse_unless_enabled(stored)?;
        stored.rotation_enabled = true;
        stored.rotation_period_days = period;
        Ok(Empty {})
    })?;
    // Rotation settings are shared by every copy of a multi-Region key.
    super::multiregion::share(state, &ctx.region, &key.id);
    Ok(Empty {})
}

/// DisableKeyRotation.
pub fn disable_key_rotation(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: DisableKeyRotationRequest,
) -> Result<Empty, KmsError> {
    validated(input.check())?;
    let key = key_by_id(state, ctx, &input.key_id)?;
    authorize(
        state,
        ctx,
        &key,
        "kms:DisableKeyRotation",
        None,
        Via::Direct,
    )?;
    refuse_aws_managed(&key)?;
    super::multiregion::refuse_replica(&key, "rotation")?;
    change_key(state, ctx, &key, |stored| {
        refuse_unless_enabled(stored)?;
        stored.rotation_enabled = false;
        Ok(Empty {})
    })?;
    super::multiregion::share(state, &ctx.region, &key.id);
    Ok(Empty {})
}

/// GetKeyRotationStatus: works in every state. AWS managed keys always rotate (yearly);
/// a key pending deletion reports rotation off (its setting returns if deletion is
/// cancelled).
pub fn get_key_rotation_status(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: GetKeyRotationStatusRequest,
) -> Result<GetKeyRotationStatusResponse, KmsError> {
    validated(input.check())?;
    let key = key_by_id(state, ctx, &input.key_id)?;
    authorize(
        state,
        ctx,
        &key,
        "kms:GetKeyRotationStatus",
        None,
        Via::Direct,
    )?;
    let (created, enabled, period) = state
        .keys(&ctx.region)
        .read(|data| {
            data.keys.get(&key.id).map(|k| match k.manager {
                KeyManager::Aws => (k.creation_date, true, DEFAULT_PERIOD_DAYS),
                KeyManager::Customer => (
                    k.creation_date,
                    k.rotation_enabled && !matches!(k.state, KeyState::PendingDeletion { .. }),
                    k.rotation_period_days,
                ),
            })
        })
        .ok_or_else(|| super::lifecycle::key_gone(&key.arn))?;
    Ok(GetKeyRotationStatusResponse {
        key_rotation_enabled: Some(enabled),
        key_id: Some(key.arn.clone()),
        rotation_period_in_days: enabled.then_some(period as i32),
        next_rotation_date: enabled.then(|| next_rotation(created, period, Timestamp::now())),
        ..Default::default()
    })
}

/// Rotation is for symmetric encryption keys only: the API reference's EnableKeyRotation
/// and RotateKeyOnDemand refuse HMAC keys with UnsupportedOperationException (the
/// message is the emulator's own).
fn refuse_unless_symmetric(key: &super::store::KeySnapshot) -> Result<(), KmsError> {
    super::multiregion::refuse_replica(key, "rotation")?;
    super::import::refuse_external(key, "rotation")?;
    if key.spec == super::specs::KeySpec::SymmetricDefault {
        return Ok(());
    }
    Err(KmsError::UnsupportedOperationException(format!(
        "{} is a {} key; only symmetric encryption keys can be rotated.",
        key.arn,
        key.spec.name()
    )))
}

/// RotateKeyOnDemand: a new material version, now; at most 25 per key.
pub fn rotate_key_on_demand(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: RotateKeyOnDemandRequest,
) -> Result<RotateKeyOnDemandResponse, KmsError> {
    validated(input.check())?;
    let key = key_by_id(state, ctx, &input.key_id)?;
    authorize(state, ctx, &key, "kms:RotateKeyOnDemand", None, Via::Direct)?;
    refuse_aws_managed(&key)?;
    refuse_unless_symmetric(&key)?;
    change_key(state, ctx, &key, |stored| {
        refuse_unless_enabled(stored)?;
        if stored.rotations.len() >= MAX_ON_DEMAND_ROTATIONS {
            return Err(KmsError::LimitExceededException(format!(
                "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: {}",
                stored.arn
            )));
        }
        stored.materials.push(KeyMaterial::generate());
        stored.rotations.push(Timestamp::now());
        // AWS answers the key ARN here, as Encrypt and GetKeyRotationStatus do
        // (recorded answers, issue 14).
        Ok(RotateKeyOnDemandResponse {
            key_id: Some(stored.arn.clone()),
        })
    })
    .inspect(|_| super::multiregion::share(state, &ctx.region, &key.id))
}

/// The entries ListKeyRotations shows for a key: one per rotation (material versions 2
/// and later), preceded by the first material when `all_material`.
fn rotation_entries(
    key_id: &str,
    material_count: usize,
    rotations: &[Timestamp],
    all_material: bool,
) -> Vec<RotationsListEntry> {
    let state_of = |version: usize| {
        if version == material_count {
            "CURRENT"
        } else {
            "NON_CURRENT"
        }
    };
    let mut entries = Vec::new();
    if all_material {
        entries.push(RotationsListEntry {
            key_id: Some(key_id.to_owned()),
            key_material_id: Some(material_id(key_id, 1)),
            key_material_state: Some(state_of(1).to_owned()),
            ..Default::default()
        });
    }
    for (i, date) in rotations.iter().enumerate() {
        let version = i + 2;
        entries.push(RotationsListEntry {
            key_id: Some(key_id.to_owned()),
            key_material_id: Some(material_id(key_id, version)),
            key_material_state: Some(state_of(version).to_owned()),
            rotation_date: Some(*date),
            rotation_type: Some("ON_DEMAND".to_owned()),
            ..Default::default()
        });
    }
    entries
}

/// ListKeyRotations: completed rotations, oldest first, in pages.
pub fn list_key_rotations(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: ListKeyRotationsRequest,
) -> Result<ListKeyRotationsResponse, KmsError> {
    validated(input.check())?;
    let key = key_by_id(state, ctx, &input.key_id)?;
    authorize(state, ctx, &key, "kms:ListKeyRotations", None, Via::Direct)?;
    let skip = match input.marker.as_deref().map(parse_marker).transpose()? {
        None => 0,
        Some(position) => position.parse::<usize>().map_err(|_| {
            KmsError::InvalidMarkerException("The request contains an invalid marker.".to_owned())
        })?,
    };
    let limit = input.limit.unwrap_or(100) as usize;
    let all = input.include_key_material.as_deref() == Some("ALL_KEY_MATERIAL");
    let entries = state
        .keys(&ctx.region)
        .read(|data| {
            data.keys
                .get(&key.id)
                .map(|k| rotation_entries(&k.id, k.materials.len(), &k.rotations, all))
        })
        .ok_or_else(|| super::lifecycle::key_gone(&key.arn))?;
    let mut rotations: Vec<RotationsListEntry> =
        entries.into_iter().skip(skip).take(limit + 1).collect();
    let truncated = rotations.len() > limit;
    rotations.truncate(limit);
    let next_marker = truncated.then(|| marker(&(skip + limit).to_string()));
    Ok(ListKeyRotationsResponse {
        rotations: Some(rotations),
        next_marker,
        truncated: Some(truncated),
    })
}

#[cfg(test)]
mod tests {
    use super::super::lifecycle::testing::*;
    use super::super::lifecycle::{disable_key, schedule_key_deletion};
    use super::*;
    use crate::kms::model::{DescribeKeyRequest, ScheduleKeyDeletionRequest};

    #[test]
    fn next_rotation_is_a_whole_number_of_periods_after_creation() {
        let created = Timestamp(1_000);
        let period = 90 * DAY_MS;
        assert_eq!(next_rotation(created, 90, created).0, 1_000 + period);
        assert_eq!(
            next_rotation(created, 90, Timestamp(1_000 + period)).0,
            1_000 + 2 * period
        );
        assert_eq!(
            next_rotation(created, 90, Timestamp(1_000 + period - 1)).0,
            1_000 + period
        );
    }

    #[test]
    fn rotation_is_enabled_with_a_period_and_reported() {
        let (state, ctx) = (state(), root());
        let key = key(&state, &ctx);
        let off = get_key_rotation_status(&state, &ctx, id(&key)).unwrap();
        assert_eq!(off.key_rotation_enabled, Some(false));
        assert!(off.next_rotation_date.is_none() && off.rotation_period_in_days.is_none());
        for bad in [89, 2561] {
            assert!(matches!(
                enable_key_rotation(
                    &state,
                    &ctx,
                    EnableKeyRotationRequest {
                        key_id: Some(key.clone()),
                        rotation_period_in_days: Some(bad),
                    }
                ),
                Err(KmsError::ValidationException(_))
            ));
        }
        enable_key_rotation(
            &state,
            &ctx,
            EnableKeyRotationRequest {
                key_id: Some(key.clone()),
                rotation_period_in_days: Some(180),
            },
        )
        .unwrap();
        let on = get_key_rotation_status(&state, &ctx, id(&key)).unwrap();
        assert_eq!(on.key_rotation_enabled, Some(true));
        assert_eq!(on.rotation_period_in_days, Some(180));
        let next = on.next_rotation_date.unwrap();
        assert!(next > Timestamp::now());
        disable_key_rotation(&state, &ctx, id(&key)).unwrap();
        assert_eq!(
            get_key_rotation_status(&state, &ctx, id(&key))
                .unwrap()
                .key_rotation_enabled,
            Some(false)
        );
    }

    #[test]
    fn disabled_and_deleted_keys_refuse_rotation_changes() {
        let (state, ctx) = (state(), root());
        let key = key(&state, &ctx);
        disable_key(&state, &ctx, id(&key)).unwrap();
        assert!(matches!(
            rotate_key_on_demand(&state, &ctx, id(&key)),
            Err(KmsError::DisabledException(m)) if m.ends_with("is disabled.")
        ));
        assert!(matches!(
            disable_key_rotation(&state, &ctx, id(&key)),
            Err(KmsError::DisabledException(_))
        ));
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
            enable_key_rotation(
                &state,
                &ctx,
                EnableKeyRotationRequest {
                    key_id: Some(key.clone()),
                    rotation_period_in_days: None,
                }
            ),
            Err(KmsError::KMSInvalidStateException(_))
        ));
        assert!(get_key_rotation_status(&state, &ctx, id(&key)).is_ok());
    }

    #[test]
    fn on_demand_rotations_add_material_are_listed_and_limited() {
        let (state, ctx) = (state(), root());
        let key = key(&state, &ctx);
        for _ in 0..MAX_ON_DEMAND_ROTATIONS {
            rotate_key_on_demand(&state, &ctx, id(&key)).unwrap();
        }
        assert!(matches!(
            rotate_key_on_demand(&state, &ctx, id(&key)),
            Err(KmsError::LimitExceededException(_))
        ));
        let list = |include: Option<&str>, limit, marker| {
            list_key_rotations(
                &state,
                &ctx,
                ListKeyRotationsRequest {
                    key_id: Some(key.clone()),
                    include_key_material: include.map(str::to_owned),
                    limit,
                    marker,
                },
            )
            .unwrap()
        };
        let all = list(None, None, None).rotations.unwrap();
        assert_eq!(all.len(), MAX_ON_DEMAND_ROTATIONS);
        assert!(all
            .iter()
            .all(|r| r.rotation_type.as_deref() == Some("ON_DEMAND")));
        assert_eq!(
            all.iter()
                .filter(|r| r.key_material_state.as_deref() == Some("CURRENT"))
                .count(),
            1
        );
        let with_first = list(Some("ALL_KEY_MATERIAL"), Some(1), None);
        assert_eq!(with_first.truncated, Some(true));
        assert!(with_first.rotations.unwrap()[0].rotation_date.is_none());
        let second = list(Some("ALL_KEY_MATERIAL"), Some(1), with_first.next_marker);
        assert_eq!(
            second.rotations.unwrap()[0].key_material_id,
            Some(material_id(&key, 2))
        );
        let metadata = crate::kms::keys::describe_key(
            &state,
            &ctx,
            DescribeKeyRequest {
                key_id: Some(key.clone()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            metadata.key_metadata.unwrap().current_key_material_id,
            Some(material_id(&key, MAX_ON_DEMAND_ROTATIONS + 1))
        );
    }

    #[test]
    fn aws_managed_keys_always_rotate_and_cannot_be_changed() {
        let (state, ctx) = (state(), root());
        let key = aws_managed_key(&state, &ctx);
        let status = get_key_rotation_status(&state, &ctx, id(&key)).unwrap();
        assert_eq!(status.key_rotation_enabled, Some(true));
        assert_eq!(status.rotation_period_in_days, Some(365));
        assert!(matches!(
            rotate_key_on_demand(&state, &ctx, id(&key)),
            Err(KmsError::AccessDeniedException(_))
        ));
    }
}
