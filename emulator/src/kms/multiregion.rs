//! Multi-Region keys: a primary key (`mrk-` id, `MultiRegion: true`) and its replicas,
//! one per other Region of the same endpoint, sharing key id, material, spec, usage,
//! origin and rotation settings; policy, description, tags, aliases, grants and state
//! are each copy's own (API reference, ReplicateKey). ReplicateKey and
//! UpdatePrimaryRegion are here.
//!
//! Each copy records only its role (primary or replica); which Regions hold the other
//! copies is read from the Regions themselves whenever it is shown, so that a replica
//! deleted at the end of its waiting period disappears from every configuration without
//! any Region writing into another. Region locks are taken one after the other, never
//! nested.

use super::access::{authorize_iam_with, authorize_with, request_tag_keys, Via};
use super::error::{validated, KmsError};
use super::lifecycle::{key_by_id, key_gone, DAY_MS};
use super::model::{
    KeyMetadata, MultiRegionConfiguration, MultiRegionKey, ReplicateKeyRequest,
    ReplicateKeyResponse, UpdatePrimaryRegionRequest,
};
use super::policies::check_new_policy;
use super::services::KmsServices;
use super::store::{Key, KeySnapshot, KeyState};
use super::tags::tag_pairs;
// A key's role is the store's data; named `Role` here, where the rest of the emulator
// (snapshots) has always found it.
pub use super::store::MultiRegionRole as Role;
use crate::context::RequestContext;
use crate::protocol::validation::Validate;
use crate::time::Timestamp;

/// A new multi-Region key id: `mrk-` and 32 hex digits (API reference, CreateKey
/// MultiRegion: "mrk-1234abcd12ab34cd56ef1234567890ab").
pub fn new_id() -> String {
    format!("mrk-{}", uuid::Uuid::new_v4().simple())
}

/// Every Region's copy of the multi-Region key `id`: Region, role and ARN, by Region.
fn copies(state: &dyn KmsServices, id: &str) -> Vec<(String, Role, String)> {
    state
        .every_region()
        .into_iter()
        .filter_map(|(name, region)| {
            region.read(|data| {
                data.keys.get(id).and_then(|k| {
                    k.multi_region
                        .map(|role| (name.clone(), role, k.arn.clone()))
                })
            })
        })
        .collect()
}

/// The configuration of the multi-Region key `id` as seen from `role`'s copy.
fn configuration(state: &dyn KmsServices, id: &str, role: Role) -> MultiRegionConfiguration {
    let all = copies(state, id);
    let key = |(region, _, arn): &(String, Role, String)| MultiRegionKey {
        arn: Some(arn.clone()),
        region: Some(region.clone()),
    };
    MultiRegionConfiguration {
        multi_region_key_type: Some(role.as_str().to_owned()),
        primary_key: all.iter().find(|c| c.1 == Role::Primary).map(key),
        replica_keys: Some(
            all.iter()
                .filter(|c| c.1 == Role::Replica)
                .map(key)
                .collect(),
        ),
    }
}

/// The configuration of a new primary key, which has no replicas yet.
pub fn new_primary(arn: &str, region: &str) -> MultiRegionConfiguration {
    MultiRegionConfiguration {
        multi_region_key_type: Some(Role::Primary.as_str().to_owned()),
        primary_key: Some(MultiRegionKey {
            arn: Some(arn.to_owned()),
            region: Some(region.to_owned()),
        }),
        replica_keys: Some(Vec::new()),
    }
}

/// Adds `MultiRegionConfiguration` to the metadata of a multi-Region key.
pub fn configure(state: &dyn KmsServices, metadata: &mut KeyMetadata, role: Option<Role>) {
    if let Some(role) = role {
        let id = metadata.key_id.clone().unwrap_or_default();
        metadata.multi_region_configuration = Some(configuration(state, &id, role));
    }
}

/// A primary key scheduled for deletion while it had replicas starts its waiting period
/// once the last replica is gone ("When the last of its replicas keys is deleted (not
/// just scheduled), the key state of the primary key changes to PendingDeletion", API
/// reference, ScheduleKeyDeletion). Replicas are deleted by their own Region's store, so
/// the primary learns of it here, whenever it is described or replicated.
pub fn settle(state: &dyn KmsServices, region: &str, id: &str) {
    let waiting = state.keys(region).read(|data| {
        data.keys.get(id).is_some_and(|k| {
            matches!(k.state, KeyState::PendingReplicaDeletion { .. })
                && k.multi_region == Some(Role::Primary)
        })
    });
    if !waiting || copies(state, id).iter().any(|c| c.1 == Role::Replica) {
        return;
    }
    state.keys(region).write(|data| {
        if let Some(key) = data.keys.get_mut(id) {
            if let KeyState::PendingReplicaDeletion { window_days } = key.state {
                key.state = KeyState::PendingDeletion {
                    deletion_date: Timestamp(Timestamp::now().0 + i64::from(window_days) * DAY_MS),
                    window_days,
                };
            }
        }
        data.refresh_deletions();
    });
}

/// After a change to the primary key `id` in `region` (rotation), gives every replica the
/// shared properties the primary now has: material versions and rotation settings (KMS
/// "automatically synchronizes these shared properties", API reference, ReplicateKey).
pub fn share(state: &dyn KmsServices, region: &str, id: &str) {
    let Some(primary) = state.keys(region).read(|data| {
        data.keys
            .get(id)
            .filter(|k| k.multi_region == Some(Role::Primary))
            .cloned()
    }) else {
        return;
    };
    for (name, role, _) in copies(state, id) {
        if role != Role::Replica {
            continue;
        }
        state.keys(&name).write(|data| {
            if let Some(replica) = data.keys.get_mut(id) {
                // Imported material is each copy's own import.
                if primary.imported.is_none() {
                    replica.materials = primary.materials.clone();
                }
                replica.rotations = primary.rotations.clone();
                replica.rotation_enabled = primary.rotation_enabled;
                replica.rotation_period_days = primary.rotation_period_days;
            }
        });
    }
}

/// Refuses `operation` on a replica key: shared properties change on the primary only
/// (API reference, EnableKeyRotation and RotateKeyOnDemand: "you cannot ... on replica
/// keys"). AWS answers UnsupportedOperationException; its wording is not known here.
pub fn refuse_replica(key: &KeySnapshot, operation: &str) -> Result<(), KmsError> {
    if key.multi_region_type == Some(Role::Replica.as_str()) {
        return Err(KmsError::UnsupportedOperationException(format!(
            "{} is a multi-Region replica key; {operation} applies to its primary key.",
            key.arn
        )));
    }
    Ok(())
}

/// Refuses a key that is not a multi-Region primary key. The API reference says only that
/// the primary key "is the only key that can be replicated" and lists
/// UnsupportedOperationException; AWS's exact wording is not known here.
fn refuse_unless_primary(key: &KeySnapshot) -> Result<(), KmsError> {
    match key.multi_region_type {
        Some("PRIMARY") => Ok(()),
        Some(_) => Err(KmsError::UnsupportedOperationException(format!(
            "{} is a multi-Region replica key, not a primary key.",
            key.arn
        ))),
        None => Err(KmsError::UnsupportedOperationException(format!(
            "{} is not a multi-Region key.",
            key.arn
        ))),
    }
}

/// The request as seen from another Region (the replica's): same caller, same decision
/// record.
fn in_region(ctx: &RequestContext, region: &str) -> RequestContext {
    let mut other = ctx.clone();
    other.region = region.to_owned();
    other
}

/// ReplicateKey: a replica of a primary key in another Region of this endpoint, with
/// the primary's id, material (unless imported: then none, PendingImport), spec, usage,
/// origin and rotation settings, and its own policy (default: the default key policy),
/// description (default empty) and tags (only those of the request).
pub fn replicate_key(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: ReplicateKeyRequest,
) -> Result<ReplicateKeyResponse, KmsError> {
    validated(input.check())?;
    let key_id = input.key_id.clone().unwrap_or_default();
    let replica_region = input.replica_region.clone().unwrap_or_default();
    let new_tags = tag_pairs(&input.tags);
    super::tags::check_new_tags(&new_tags)?;
    let key = key_by_id(state, ctx, &Some(key_id))?;
    settle(state, &ctx.region, &key.id);
    // kms:ReplicaRegion: the Region the replica is made in ("AWS KMS condition keys").
    authorize_with(
        state,
        ctx,
        &key,
        "kms:ReplicateKey",
        None,
        Via::Direct,
        &|keys| keys.insert("kms:ReplicaRegion", replica_region.as_str()),
    )?;
    refuse_unless_primary(&key)?;
    // A primary pending deletion "cannot be replicated" (API reference,
    // ScheduleKeyDeletion); the message follows the emulator's other state errors.
    if matches!(
        key.state,
        KeyState::PendingDeletion { .. } | KeyState::PendingReplicaDeletion { .. }
    ) {
        return Err(super::lifecycle::pending_deletion(&key.arn));
    }
    if replica_region == ctx.region {
        // The replica must be in "a different Region" (API reference); AWS's error for
        // the primary's own Region is not documented: ValidationException here.
        return Err(KmsError::ValidationException(format!(
            "The replica Region {replica_region} is the Region of the primary key {}.",
            key.arn
        )));
    }
    // The replica Region's IAM decides whether the caller may create (and tag) a key
    // there: "kms:CreateKey in an IAM policy in the replica Region" (API reference).
    let replica_ctx = in_region(ctx, &replica_region);
    let tag_pairs: Vec<(&str, &str)> = new_tags
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let primary = state
        .keys(&ctx.region)
        .read(|data| data.keys.get(&key.id).cloned())
        .ok_or_else(|| key_gone(&key.arn))?;
    let create_keys = |keys: &mut crate::iam::policy::ContextKeys| {
        keys.insert("kms:KeySpec", primary.spec.name());
        keys.insert("kms:KeyUsage", primary.spec.usage());
        keys.insert("kms:KeyOrigin", primary.origin());
        keys.insert("kms:MultiRegion", "true");
        keys.insert("kms:MultiRegionKeyType", "REPLICA");
        request_tag_keys(keys, tag_pairs.iter().copied());
    };
    authorize_iam_with(state, &replica_ctx, "kms:CreateKey", "*", &create_keys)?;
    if !tag_pairs.is_empty() {
        authorize_iam_with(state, &replica_ctx, "kms:TagResource", "*", &create_keys)?;
    }
    let arn = format!(
        "arn:aws:kms:{replica_region}:{}:key/{}",
        ctx.account, primary.id
    );
    let policy_text = input
        .policy
        .clone()
        .unwrap_or_else(|| super::default_key_policy(&ctx.account));
    let bypass = input.bypass_policy_lockout_safety_check.unwrap_or(false);
    let policy = check_new_policy(state, &replica_ctx, &arn, &policy_text, bypass)?;
    let mut replica = Key {
        arn,
        description: input.description.clone().unwrap_or_default(),
        policy_text: policy_text.clone(),
        policy: std::sync::Arc::new(policy),
        state: KeyState::Enabled,
        creation_date: Timestamp::now(),
        multi_region: Some(Role::Replica),
        tags: new_tags.iter().cloned().collect(),
        grants: Vec::new(),
        ..primary
    };
    if let Some(imported) = &replica.imported {
        // "If you replicate a multi-Region primary key with imported key material, the
        // replica key is created with no key material" (API reference, ReplicateKey).
        replica.imported = Some(imported.without_material());
        replica.materials.clear();
        replica.mac_key = None;
        replica.sign_key = None;
        replica.state = KeyState::PendingImport;
    }
    let mut metadata = KeyMetadata::of(&replica);
    let max = state.max_keys();
    state.keys(&replica_region).write(|data| {
        if data.keys.contains_key(&replica.id) {
            // "If the Region already includes a replica of the key you're trying to
            // replicate, ReplicateKey returns an AlreadyExistsException error" (API
            // reference); the wording is the emulator's.
            return Err(KmsError::AlreadyExistsException(format!(
                "{} already exists in {replica_region}.",
                replica.arn
            )));
        }
        if data.keys.len() >= max {
            return Err(KmsError::LimitExceededException(format!(
                "The request was rejected because a quota was exceeded: {replica_region} holds {} KMS keys, the quota of KMS keys per Region.",
                data.keys.len()
            )));
        }
        data.keys.insert(replica.id.clone(), replica);
        Ok(())
    })?;
    configure(state, &mut metadata, Some(Role::Replica));
    Ok(ReplicateKeyResponse {
        replica_key_metadata: Some(metadata),
        replica_policy: Some(policy_text),
        replica_tags: Some(input.tags.unwrap_or_default()),
    })
}

/// UpdatePrimaryRegion: the replica in `PrimaryRegion` becomes the primary and the
/// current primary a replica. AWS finishes this asynchronously (state `Updating` for a
/// few seconds); here it is done when the answer is sent.
pub fn update_primary_region(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: UpdatePrimaryRegionRequest,
) -> Result<super::model::Empty, KmsError> {
    validated(input.check())?;
    let key_id = input.key_id.unwrap_or_default();
    let target = input.primary_region.unwrap_or_default();
    let key = key_by_id(state, ctx, &Some(key_id))?;
    // kms:PrimaryRegion: the Region of the new primary ("AWS KMS condition keys").
    let primary_keys = |keys: &mut crate::iam::policy::ContextKeys| {
        keys.insert("kms:PrimaryRegion", target.as_str())
    };
    authorize_with(
        state,
        ctx,
        &key,
        "kms:UpdatePrimaryRegion",
        None,
        Via::Direct,
        &primary_keys,
    )?;
    refuse_unless_primary(&key)?;
    if target == ctx.region {
        // Already the primary: nothing changes. AWS's answer to this request is not
        // documented; the emulator accepts it.
        return Ok(super::model::Empty {});
    }
    let target_ctx = in_region(ctx, &target);
    let replica = state
        .keys(&target)
        .snapshot_by_id(&key.id)
        .filter(|r| r.multi_region_type == Some(Role::Replica.as_str()))
        .ok_or_else(|| {
            // "The primary Region must already have a replica key" (API reference); the
            // wording is the emulator's.
            KmsError::NotFoundException(format!(
                "Key 'arn:aws:kms:{target}:{}:key/{}' does not exist",
                ctx.account, key.id
            ))
        })?;
    // Both keys' policies must allow it (API reference, Required permissions).
    authorize_with(
        state,
        &target_ctx,
        &replica,
        "kms:UpdatePrimaryRegion",
        None,
        Via::Direct,
        &primary_keys,
    )?;
    for copy in [&key, &replica] {
        match copy.state {
            KeyState::Disabled => {
                return Err(KmsError::DisabledException(format!(
                    "{} is disabled.",
                    copy.arn
                )))
            }
            KeyState::PendingDeletion { .. } | KeyState::PendingReplicaDeletion { .. } => {
                return Err(super::lifecycle::pending_deletion(&copy.arn))
            }
            KeyState::Enabled | KeyState::PendingImport => {}
        }
    }
    let set_role = |region: &str, role: Role| {
        state.keys(region).write(|data| {
            if let Some(k) = data.keys.get_mut(&key.id) {
                k.multi_region = Some(role);
            }
        })
    };
    set_role(&target, Role::Primary);
    set_role(&ctx.region, Role::Replica);
    Ok(super::model::Empty {})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kms::lifecycle::testing::{root, state};
    use crate::kms::model::{CreateKeyRequest, ScheduleKeyDeletionRequest};
    use crate::state::EmulatorState;

    fn create_mrk(state: &EmulatorState, ctx: &RequestContext) -> String {
        crate::kms::lifecycle::testing::create(
            state,
            ctx,
            CreateKeyRequest {
                description: Some("primary".into()),
                multi_region: Some(true),
                ..Default::default()
            },
        )
    }

    fn replicate(
        state: &EmulatorState,
        ctx: &RequestContext,
        id: &str,
        region: &str,
    ) -> Result<ReplicateKeyResponse, KmsError> {
        replicate_key(
            state,
            ctx,
            ReplicateKeyRequest {
                key_id: Some(id.to_owned()),
                replica_region: Some(region.to_owned()),
                ..Default::default()
            },
        )
    }

    #[test]
    fn ids_and_regions_have_the_model_shapes() {
        let id = new_id();
        assert!(crate::kms::store::check_key_id_shape(&id).is_ok(), "{id}");
        for (region, ok) in [
            ("us-east-1", true),
            ("us-gov-west-1", true),
            ("eu-west", false),
            ("US-east-1", false),
            ("a-b-c-d-1", false),
            ("us--1", false),
        ] {
            let input = ReplicateKeyRequest {
                key_id: Some(id.clone()),
                replica_region: Some(region.to_owned()),
                ..Default::default()
            };
            assert_eq!(input.check().is_ok(), ok, "{region}");
        }
    }

    #[test]
    fn a_replica_shares_id_and_material_and_lists_in_both_configurations() {
        let state = state();
        let ctx = root();
        let id = create_mrk(&state, &ctx);
        assert!(id.starts_with("mrk-"));
        let out = replicate(&state, &ctx, &id, "eu-west-1").unwrap();
        let metadata = out.replica_key_metadata.unwrap();
        let config = metadata.multi_region_configuration.unwrap();
        assert_eq!(config.multi_region_key_type.as_deref(), Some("REPLICA"));
        assert_eq!(
            config.primary_key.unwrap().region.as_deref(),
            Some("us-east-1")
        );
        assert_eq!(
            config.replica_keys.unwrap()[0].region.as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(metadata.description.as_deref(), Some(""));
        let material = |region: &str| {
            state
                .region(region)
                .kms
                .read(|d| d.keys[&id].materials.clone())
        };
        assert_eq!(material("us-east-1"), material("eu-west-1"));
        // One replica per Region; none in the primary's own Region.
        assert!(matches!(
            replicate(&state, &ctx, &id, "eu-west-1"),
            Err(KmsError::AlreadyExistsException(_))
        ));
        assert!(matches!(
            replicate(&state, &ctx, &id, "us-east-1"),
            Err(KmsError::ValidationException(_))
        ));
        // A single-Region key cannot be replicated.
        let single = crate::kms::lifecycle::testing::key(&state, &ctx);
        assert!(matches!(
            replicate(&state, &ctx, &single, "eu-west-1"),
            Err(KmsError::UnsupportedOperationException(_))
        ));
    }

    #[test]
    fn a_primary_with_replicas_waits_for_them_before_its_waiting_period() {
        let state = state();
        let ctx = root();
        let id = create_mrk(&state, &ctx);
        replicate(&state, &ctx, &id, "eu-west-1").unwrap();
        let out = crate::kms::lifecycle::schedule_key_deletion(
            &state,
            &ctx,
            ScheduleKeyDeletionRequest {
                key_id: Some(id.clone()),
                pending_window_in_days: Some(7),
            },
        )
        .unwrap();
        assert_eq!(out.key_state.as_deref(), Some("PendingReplicaDeletion"));
        assert!(out.deletion_date.is_none());
        // The replica goes; the primary's waiting period then begins.
        state.region("eu-west-1").kms.write(|d| {
            d.keys.remove(&id);
        });
        settle(&state, "us-east-1", &id);
        let key_state = state.region("us-east-1").kms.read(|d| d.keys[&id].state);
        assert!(matches!(
            key_state,
            KeyState::PendingDeletion { window_days: 7, .. }
        ));
    }

    #[test]
    fn update_primary_region_swaps_roles() {
        let state = state();
        let ctx = root();
        let id = create_mrk(&state, &ctx);
        replicate(&state, &ctx, &id, "ap-south-1").unwrap();
        update_primary_region(
            &state,
            &ctx,
            UpdatePrimaryRegionRequest {
                key_id: Some(id.clone()),
                primary_region: Some("ap-south-1".into()),
            },
        )
        .unwrap();
        let config = configuration(&state, &id, Role::Replica);
        assert_eq!(
            config.primary_key.unwrap().region.as_deref(),
            Some("ap-south-1")
        );
        assert_eq!(
            config.replica_keys.unwrap()[0].region.as_deref(),
            Some("us-east-1")
        );
        // The old primary is a replica now: it cannot be replicated.
        assert!(matches!(
            replicate(&state, &ctx, &id, "eu-west-1"),
            Err(KmsError::UnsupportedOperationException(_))
        ));
    }
}
