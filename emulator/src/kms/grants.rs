//! Grants: CreateGrant, ListGrants, RetireGrant and RevokeGrant.
//!
//! A grant lets its grantee perform some operations with one key; `access::authorize`
//! honours it whenever no policy denies explicitly. Grants take effect at once here (AWS
//! is eventually consistent and offers grant tokens to bridge the delay), so grant tokens
//! given to other operations are accepted and need not be presented.

use super::access::{authorize_with, Via};
use super::crypto::random_bytes;
use super::error::{validated, KmsError};
use super::lifecycle::{key_by_id, refuse_alias, refuse_unless_enabled};
use super::model::{
    CreateGrantRequest, CreateGrantResponse, Empty, GrantConstraints as GrantConstraintsShape,
    GrantListEntry, ListGrantsRequest, ListGrantsResponse, ListRetirableGrantsRequest,
    RetireGrantRequest, RevokeGrantRequest,
};
use super::services::KmsServices;
use super::store::{Grant, GrantConstraints, KeySnapshot};
use super::{marker, parse_marker};
use crate::context::{CallerKind, RequestContext};
use crate::protocol::validation::Validate;
use crate::time::Timestamp;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Grant operations a symmetric encryption key does not support.
const NOT_FOR_SYMMETRIC_KEYS: &[&str] = &[
    "Sign",
    "Verify",
    "GetPublicKey",
    "GenerateMac",
    "VerifyMac",
    "DeriveSharedSecret",
    "Encapsulate",
    "Decapsulate",
];

/// Whether a grant operation suits a key of `spec` (KMS Developer Guide, "Grant
/// operations": a grant allows only operations the key's type supports).
fn grant_operation_fits(
    spec: super::specs::KeySpec,
    usage: super::specs::KeyUsage,
    operation: &str,
) -> bool {
    const ANY_KEY: &[&str] = &["DescribeKey", "CreateGrant", "RetireGrant"];
    if ANY_KEY.contains(&operation) {
        return true;
    }
    match usage.name() {
        "ENCRYPT_DECRYPT" if spec.is_asymmetric() => [
            "Encrypt",
            "Decrypt",
            "ReEncryptFrom",
            "ReEncryptTo",
            "GetPublicKey",
        ]
        .contains(&operation),
        "ENCRYPT_DECRYPT" => !NOT_FOR_SYMMETRIC_KEYS.contains(&operation),
        "GENERATE_VERIFY_MAC" => ["GenerateMac", "VerifyMac"].contains(&operation),
        "SIGN_VERIFY" => ["Sign", "Verify", "GetPublicKey"].contains(&operation),
        "KEY_AGREEMENT" => ["DeriveSharedSecret", "GetPublicKey"].contains(&operation),
        _ => false,
    }
}

/// The most grants one key may hold.
pub const MAX_GRANTS_PER_KEY: usize = 50_000;

/// ListGrants answers at most this many grants a page (50 by default).
const PAGE_MAX: usize = 100;
const PAGE_DEFAULT: usize = 50;

/// Checks the encryption context constraints: at most 8 pairs each, values of at most
/// 384 characters (the API reference's limits, which the model does not carry).
fn check_constraints(constraints: &GrantConstraintsShape) -> Result<(), KmsError> {
    for (name, map) in [
        (
            "EncryptionContextSubset",
            &constraints.encryption_context_subset,
        ),
        (
            "EncryptionContextEquals",
            &constraints.encryption_context_equals,
        ),
    ] {
        let Some(map) = map else { continue };
        if map.len() > 8 {
            return Err(KmsError::ValidationException(format!(
                "{name} can include at most 8 encryption context pairs."
            )));
        }
        if map.values().any(|value| value.chars().count() > 384) {
            return Err(KmsError::ValidationException(format!(
                "The encryption context values in {name} cannot exceed 384 characters."
            )));
        }
    }
    Ok(())
}

/// Whether `principal` (as a grant names it) is the caller: the caller's ARN, the role
/// of a role session, or for the account root its account (id or root ARN).
fn names_caller(principal: &str, ctx: &RequestContext) -> bool {
    principal == ctx.caller.arn
        || matches!(&ctx.caller.kind, CallerKind::AssumedRole { role_arn, .. } if role_arn == principal)
        || (ctx.caller.is_root() && principal == ctx.caller.account)
}

/// A new grant token: the key id and 32 random bytes, base64url. Only its key id is
/// ever read back; the whole token must equal the stored one.
fn new_token(key_id: &str) -> String {
    let mut bytes = key_id.as_bytes().to_vec();
    bytes.push(0);
    bytes.extend(random_bytes(32));
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The key id a grant token carries.
fn key_of_token(token: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).ok()?;
    let end = bytes.iter().position(|b| *b == 0)?;
    String::from_utf8(bytes[..end].to_vec()).ok()
}

fn invalid_token() -> KmsError {
    KmsError::InvalidGrantTokenException("Invalid grant token.".to_owned())
}

fn grant_not_found(grant_id: &str) -> KmsError {
    KmsError::NotFoundException(format!("Grant ID {grant_id} not found"))
}

/// The wire shape of stored constraints.
fn constraints_shape(constraints: &Option<GrantConstraints>) -> Option<GrantConstraintsShape> {
    constraints.as_ref().map(|c| GrantConstraintsShape {
        encryption_context_subset: c.subset.clone(),
        encryption_context_equals: c.equals.clone(),
        source_arn: None,
    })
}

/// Whether an existing grant has the same properties as a new one (CreateGrant with a
/// `Name` is idempotent: the same request answers the existing grant).
fn same_grant(existing: &Grant, new: &Grant) -> bool {
    let mut a = existing.operations.clone();
    let mut b = new.operations.clone();
    a.sort();
    b.sort();
    existing.name == new.name
        && existing.grantee == new.grantee
        && existing.retiring == new.retiring
        && existing.constraints == new.constraints
        && a == b
}

/// CreateGrant: lets a principal perform some operations with an enabled key.
pub fn create_grant(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: CreateGrantRequest,
) -> Result<CreateGrantResponse, KmsError> {
    validated(input.check())?;
    let key_id = input.key_id.clone().unwrap_or_default();
    refuse_alias(&key_id)?;
    if input.grantee_service_principal.is_some() || input.retiring_service_principal.is_some() {
        return Err(KmsError::UnsupportedOperationException(
            "Grants for AWS service principals are not supported by this emulator.".to_owned(),
        ));
    }
    let Some(grantee) = input.grantee_principal.clone() else {
        return Err(KmsError::ValidationException(
            "You must specify either GranteePrincipal or GranteeServicePrincipal.".to_owned(),
        ));
    };
    let operations = input.operations.clone().unwrap_or_default();
    if operations.is_empty() {
        return Err(KmsError::ValidationException(
            "A grant must allow at least one operation.".to_owned(),
        ));
    }
    let constraints = input.constraints.clone().unwrap_or_default();
    check_constraints(&constraints)?;
    let key = state
        .keys(&ctx.region)
        .snapshot(&key_id, &ctx.region, &ctx.account)?;
    // The grant's own condition keys (KMS Developer Guide, "AWS KMS condition keys"):
    // its operations (multivalued), grantee and retiring principal, whether an AWS
    // service asked for it on the caller's behalf (never, here: only direct calls make
    // grants), and the kind of encryption-context constraint.
    let constraint_type = if constraints.encryption_context_equals.is_some() {
        Some("EncryptionContextEquals")
    } else if constraints.encryption_context_subset.is_some() {
        Some("EncryptionContextSubset")
    } else {
        None
    };
    authorize_with(
        state,
        ctx,
        &key,
        "kms:CreateGrant",
        None,
        Via::Direct,
        &|keys| {
            keys.insert_many("kms:GrantOperations", operations.clone());
            keys.insert("kms:GranteePrincipal", grantee.as_str());
            if let Some(retiring) = &input.retiring_principal {
                keys.insert("kms:RetiringPrincipal", retiring.as_str());
            }
            keys.insert("kms:GrantIsForAWSResource", "false");
            if let Some(kind) = constraint_type {
                keys.insert("kms:GrantConstraintType", kind);
            }
        },
    )?;
    let unsupported: Vec<&str> = operations
        .iter()
        .map(String::as_str)
        .filter(|op| !grant_operation_fits(key.spec, key.usage, op))
        .collect();
    if !unsupported.is_empty() {
        return Err(KmsError::ValidationException(format!(
            "Grant operations {} are not valid for a KMS key with KeyUsage {} and KeySpec {}.",
            unsupported.join(", "),
            key.usage.name(),
            key.spec.name()
        )));
    }
    for principal in std::iter::once(&grantee).chain(input.retiring_principal.as_ref()) {
        if !state.principal_exists(principal) {
            return Err(KmsError::InvalidArnException(format!(
                "{principal} is not a valid principal."
            )));
        }
    }
    if constraints.source_arn.is_some() {
        return Err(KmsError::UnsupportedOperationException(
            "The SourceArn grant constraint is not supported by this emulator.".to_owned(),
        ));
    }
    key.check_usable()?;
    super::cipher::dry_run(input.dry_run)?;
    let stored_constraints = (constraints.encryption_context_subset.is_some()
        || constraints.encryption_context_equals.is_some())
    .then_some(GrantConstraints {
        subset: constraints.encryption_context_subset,
        equals: constraints.encryption_context_equals,
    });
    let grant = Grant {
        id: hex::encode(random_bytes(32)),
        token: new_token(&key.id),
        name: input.name,
        grantee,
        retiring: input.retiring_principal,
        operations,
        constraints: stored_constraints,
        creation_date: Timestamp::now(),
        issuing_account: ctx.account.clone(),
    };
    super::lifecycle::change_key(state, ctx, &key, |stored| {
        refuse_unless_enabled(stored)?;
        if grant.name.is_some() {
            if let Some(existing) = stored.grants.iter().find(|g| same_grant(g, &grant)) {
                return Ok(CreateGrantResponse {
                    grant_token: Some(existing.token.clone()),
                    grant_id: Some(existing.id.clone()),
                });
            }
        }
        if stored.grants.len() >= MAX_GRANTS_PER_KEY {
            return Err(KmsError::LimitExceededException(format!(
                "The key {} already has {MAX_GRANTS_PER_KEY} grants.",
                stored.arn
            )));
        }
        let out = CreateGrantResponse {
            grant_token: Some(grant.token.clone()),
            grant_id: Some(grant.id.clone()),
        };
        stored.grants.push(grant);
        Ok(out)
    })
}

/// A grant of the key `key_arn` as ListGrants and ListRetirableGrants show it.
fn entry(key_arn: &str, grant: &Grant) -> GrantListEntry {
    GrantListEntry {
        key_id: Some(key_arn.to_owned()),
        grant_id: Some(grant.id.clone()),
        name: grant.name.clone(),
        creation_date: Some(grant.creation_date),
        grantee_principal: Some(grant.grantee.clone()),
        retiring_principal: grant.retiring.clone(),
        issuing_account: Some(format!("arn:aws:iam::{}:root", grant.issuing_account)),
        operations: Some(grant.operations.clone()),
        constraints: constraints_shape(&grant.constraints),
        ..Default::default()
    }
}

/// The listing position of a grant (grants are listed in creation order): its creation
/// time and id.
fn position(grant: &Grant) -> String {
    format!("{}:{}", grant.creation_date.0, grant.id)
}

/// Where the page after `marker` starts in `grants` (in creation order): after the grant
/// the marker names or, if that grant has gone since, after every grant created no later
/// than it.
fn page_start(grants: &[&Grant], marker: &str) -> Result<usize, KmsError> {
    let invalid =
        || KmsError::InvalidMarkerException("The request contains an invalid marker.".to_owned());
    let (millis, id) = marker.split_once(':').ok_or_else(invalid)?;
    let millis: i64 = millis.parse().map_err(|_| invalid())?;
    Ok(match grants.iter().position(|g| g.id == id) {
        Some(i) => i + 1,
        None => grants
            .iter()
            .position(|g| g.creation_date.0 > millis)
            .unwrap_or(grants.len()),
    })
}

/// ListGrants: the grants of one key, oldest first, in pages; optionally only one grant
/// id or one grantee.
pub fn list_grants(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: ListGrantsRequest,
) -> Result<ListGrantsResponse, KmsError> {
    validated(input.check())?;
    let key = key_by_id(state, ctx, &input.key_id)?;
    authorize_with(
        state,
        ctx,
        &key,
        "kms:ListGrants",
        None,
        Via::Direct,
        &|keys| {
            if let Some(grantee) = &input.grantee_principal {
                keys.insert("kms:GranteePrincipal", grantee.as_str());
            }
            keys.insert("kms:GrantIsForAWSResource", "false");
        },
    )?;
    let after = input.marker.as_deref().map(parse_marker).transpose()?;
    // KMS documents 1–100 (default 50) while the model allows 1000: larger limits are
    // answered with at most 100, as "might return fewer" permits.
    let limit = input
        .limit
        .map_or(PAGE_DEFAULT, |l| (l as usize).min(PAGE_MAX));
    let grants = state
        .keys(&ctx.region)
        .read(|data| data.keys.get(&key.id).map(|k| k.grants.clone()))
        .ok_or_else(|| super::lifecycle::key_gone(&key.arn))?;
    let matching: Vec<&Grant> = grants
        .iter()
        .filter(|g| input.grant_id.as_ref().is_none_or(|id| *id == g.id))
        .filter(|g| {
            input
                .grantee_principal
                .as_ref()
                .is_none_or(|p| *p == g.grantee)
        })
        // Grants for service principals do not exist here.
        .filter(|_| input.grantee_service_principal.is_none())
        .collect();
    let start = match &after {
        Some(after) => page_start(&matching, after)?,
        None => 0,
    };
    let mut page: Vec<&Grant> = matching.into_iter().skip(start).take(limit + 1).collect();
    let truncated = page.len() > limit;
    page.truncate(limit);
    let next_marker = if truncated {
        page.last().map(|g| marker(&position(g)))
    } else {
        None
    };
    Ok(ListGrantsResponse {
        grants: Some(page.iter().map(|g| entry(&key.arn, g)).collect()),
        next_marker,
        truncated: Some(truncated),
    })
}

/// ListRetirableGrants: the grants of every key of the Region whose retiring principal is
/// the one named, by key id and then in creation order, in pages. IAM alone decides
/// ("kms:ListRetirableGrants (IAM policy)", API reference).
pub fn list_retirable_grants(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: ListRetirableGrantsRequest,
) -> Result<ListGrantsResponse, KmsError> {
    validated(input.check())?;
    super::error::required("retiringPrincipal", &input.retiring_principal)?;
    super::access::authorize_iam(state, ctx, "kms:ListRetirableGrants", "*")?;
    let principal = input.retiring_principal.unwrap_or_default();
    let after = input.marker.as_deref().map(parse_marker).transpose()?;
    let limit = input
        .limit
        .map_or(PAGE_DEFAULT, |l| (l as usize).min(PAGE_MAX));
    // (key id, key ARN, grant), in the order pages follow.
    let all: Vec<(String, String, Grant)> = state.keys(&ctx.region).read(|data| {
        data.keys
            .values()
            .flat_map(|k| {
                k.grants
                    .iter()
                    .filter(|g| g.retiring.as_deref() == Some(principal.as_str()))
                    .map(|g| (k.id.clone(), k.arn.clone(), g.clone()))
            })
            .collect()
    });
    let start = match &after {
        None => 0,
        Some(after) => {
            let (key_id, grant_id) = after.split_once('/').ok_or_else(|| {
                KmsError::InvalidMarkerException(
                    "The request contains an invalid marker.".to_owned(),
                )
            })?;
            // After the grant the marker names or, if it has gone since, after every
            // grant of its key.
            match all
                .iter()
                .position(|(k, _, g)| k == key_id && g.id == grant_id)
            {
                Some(i) => i + 1,
                None => all
                    .iter()
                    .position(|(k, _, _)| k.as_str() > key_id)
                    .unwrap_or(all.len()),
            }
        }
    };
    let mut page: Vec<&(String, String, Grant)> = all.iter().skip(start).take(limit + 1).collect();
    let truncated = page.len() > limit;
    page.truncate(limit);
    let next_marker = if truncated {
        page.last()
            .map(|(k, _, g)| marker(&format!("{k}/{}", g.id)))
    } else {
        None
    };
    Ok(ListGrantsResponse {
        grants: Some(page.iter().map(|(_, arn, g)| entry(arn, g)).collect()),
        next_marker,
        truncated: Some(truncated),
    })
}

/// RetireGrant: deletes a grant, named by its token or by key and grant id. Allowed to
/// the grant's retiring principal, to its grantee when the grant allows RetireGrant, to
/// the account that issued it (its root), and to principals of that account whom IAM
/// allows `kms:RetireGrant` on the key (the delegation AWS describes).
pub fn retire_grant(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: RetireGrantRequest,
) -> Result<Empty, KmsError> {
    validated(input.check())?;
    let region = state.keys(&ctx.region);
    let (key, grant) = match (&input.grant_token, &input.key_id, &input.grant_id) {
        (Some(token), _, _) => {
            let key_id = key_of_token(token).ok_or_else(invalid_token)?;
            let key = region.snapshot_by_id(&key_id).ok_or_else(invalid_token)?;
            let grant = key
                .grants
                .iter()
                .find(|g| crate::auth::constant_time_eq(g.token.as_bytes(), token.as_bytes()))
                .cloned()
                .ok_or_else(invalid_token)?;
            if input.grant_id.as_ref().is_some_and(|id| *id != grant.id) {
                return Err(KmsError::InvalidGrantIdException(
                    "The grant ID does not match the grant token.".to_owned(),
                ));
            }
            (key, grant)
        }
        (None, Some(key_id), Some(grant_id)) => {
            refuse_alias(key_id)?;
            let key = region.snapshot(key_id, &ctx.region, &ctx.account)?;
            let grant = key
                .grants
                .iter()
                .find(|g| g.id == *grant_id)
                .cloned()
                .ok_or_else(|| grant_not_found(grant_id))?;
            (key, grant)
        }
        _ => {
            return Err(KmsError::ValidationException(
                "Specify either GrantToken, or both KeyId and GrantId.".to_owned(),
            ))
        }
    };
    let by_grant = grant
        .retiring
        .as_deref()
        .is_some_and(|r| names_caller(r, ctx))
        || (names_caller(&grant.grantee, ctx)
            && grant.operations.iter().any(|o| o == "RetireGrant"))
        || (ctx.caller.is_root() && ctx.caller.account == grant.issuing_account);
    if !by_grant {
        if ctx.caller.account != grant.issuing_account {
            // KMS's rule, not a policy's: outside the grant's own principals only the
            // account that created it may retire it. Recorded and soft-enforceable like
            // any authorisation decision.
            state
                .refuse_by_rule(
                    ctx,
                    "kms:RetireGrant",
                    &key.arn,
                    "only the grant's retiring principal, its grantee (with RetireGrant) or the account that created it may retire it",
                    format!(
                        "User: {} is not authorized to perform: kms:RetireGrant on resource: {}",
                        ctx.caller.arn, key.arn
                    ),
                    false,
                )
                .map_err(KmsError::AccessDeniedException)?;
        } else {
            state
                .authorize(ctx, "kms:RetireGrant", &key.arn, &crate::iam::no_keys)
                .map_err(KmsError::AccessDeniedException)?;
        }
    }
    super::cipher::dry_run(input.dry_run)?;
    remove_grant(state, ctx, &key, &grant.id)
}

/// Deletes a grant from its key under the write lock.
fn remove_grant(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    key: &KeySnapshot,
    grant_id: &str,
) -> Result<Empty, KmsError> {
    super::lifecycle::change_key(state, ctx, key, |stored| {
        let before = stored.grants.len();
        stored.grants.retain(|g| g.id != grant_id);
        if stored.grants.len() == before {
            return Err(grant_not_found(grant_id));
        }
        Ok(Empty {})
    })
}

/// RevokeGrant: a key administrator deletes a grant (`kms:RevokeGrant` on the key).
pub fn revoke_grant(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: RevokeGrantRequest,
) -> Result<Empty, KmsError> {
    validated(input.check())?;
    let key = key_by_id(state, ctx, &input.key_id)?;
    // kms:GrantIsForAWSResource applies to CreateGrant, ListGrants and RevokeGrant (KMS
    // Developer Guide, "Controlling access to grants"); only direct calls come here.
    authorize_with(
        state,
        ctx,
        &key,
        "kms:RevokeGrant",
        None,
        Via::Direct,
        &|keys| keys.insert("kms:GrantIsForAWSResource", "false"),
    )?;
    let grant_id = input.grant_id.unwrap_or_default();
    if !key.grants.iter().any(|g| g.id == grant_id) {
        return Err(grant_not_found(&grant_id));
    }
    super::cipher::dry_run(input.dry_run)?;
    remove_grant(state, ctx, &key, &grant_id)
}

#[cfg(test)]
mod tests {
    use super::super::lifecycle::testing::*;
    use super::*;
    use crate::state::EmulatorState;

    fn grant_input(key: &str, grantee: &str, ops: &[&str]) -> CreateGrantRequest {
        CreateGrantRequest {
            key_id: Some(key.to_owned()),
            grantee_principal: Some(grantee.to_owned()),
            operations: Some(ops.iter().map(|s| (*s).to_owned()).collect()),
            ..Default::default()
        }
    }

    fn list(
        state: &EmulatorState,
        ctx: &RequestContext,
        key: &str,
        limit: Option<i32>,
        marker: Option<String>,
    ) -> ListGrantsResponse {
        list_grants(
            state,
            ctx,
            ListGrantsRequest {
                limit,
                marker,
                key_id: Some(key.to_owned()),
                ..Default::default()
            },
        )
        .unwrap()
    }

    #[test]
    fn pages_resume_after_the_marker_even_when_its_grant_is_gone() {
        let grant = |id: &str, millis: i64| Grant {
            id: id.to_owned(),
            token: String::new(),
            name: None,
            grantee: String::new(),
            retiring: None,
            operations: Vec::new(),
            constraints: None,
            creation_date: Timestamp(millis),
            issuing_account: String::new(),
        };
        let (a, b, c) = (grant("a", 1), grant("b", 1), grant("c", 2));
        let all = vec![&a, &b, &c];
        assert_eq!(page_start(&all, "1:a").unwrap(), 1);
        assert_eq!(page_start(&all, "1:b").unwrap(), 2);
        let without_b = vec![&a, &c];
        assert_eq!(page_start(&without_b, "1:b").unwrap(), 1);
        assert_eq!(page_start(&without_b, "9:z").unwrap(), 2);
        assert!(matches!(
            page_start(&all, "nonsense"),
            Err(KmsError::InvalidMarkerException(_))
        ));
    }

    #[test]
    fn tokens_carry_their_key() {
        let token = new_token("1234abcd-12ab-34cd-56ef-1234567890ab");
        assert_eq!(
            key_of_token(&token).as_deref(),
            Some("1234abcd-12ab-34cd-56ef-1234567890ab")
        );
        assert_ne!(token, new_token("1234abcd-12ab-34cd-56ef-1234567890ab"));
        assert!(key_of_token("not a token!").is_none());
        assert!(key_of_token("").is_none());
    }

    #[test]
    fn grants_are_created_listed_in_pages_and_revoked() {
        let (state, ctx) = (state(), root());
        let key = key(&state, &ctx);
        let root_arn = "arn:aws:iam::123456789012:root";
        let a = create_grant(&state, &ctx, grant_input(&key, root_arn, &["Decrypt"])).unwrap();
        let b = create_grant(
            &state,
            &ctx,
            grant_input(&key, root_arn, &["Encrypt", "RetireGrant"]),
        )
        .unwrap();
        assert_eq!(a.grant_id.as_ref().map(String::len), Some(64));
        let first = list(&state, &ctx, &key, Some(1), None);
        assert_eq!(first.truncated, Some(true));
        let first_grants = first.grants.unwrap();
        assert_eq!(first_grants[0].grant_id, a.grant_id);
        assert_eq!(first_grants[0].issuing_account.as_deref(), Some(root_arn));
        assert!(first_grants[0]
            .key_id
            .as_deref()
            .unwrap()
            .starts_with("arn:aws:kms:"));
        let second = list(&state, &ctx, &key, Some(1), first.next_marker);
        assert_eq!(second.truncated, Some(false));
        assert_eq!(second.grants.unwrap()[0].grant_id, b.grant_id);
        revoke_grant(
            &state,
            &ctx,
            RevokeGrantRequest {
                key_id: Some(key.clone()),
                grant_id: a.grant_id.clone(),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(matches!(
            revoke_grant(
                &state,
                &ctx,
                RevokeGrantRequest {
                    key_id: Some(key.clone()),
                    grant_id: a.grant_id,
                    dry_run: None,
                }
            ),
            Err(KmsError::NotFoundException(_))
        ));
        retire_grant(
            &state,
            &ctx,
            RetireGrantRequest {
                grant_token: b.grant_token.clone(),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(matches!(
            retire_grant(
                &state,
                &ctx,
                RetireGrantRequest {
                    grant_token: b.grant_token,
                    dry_run: None,
                    ..Default::default()
                }
            ),
            Err(KmsError::InvalidGrantTokenException(_))
        ));
        assert_eq!(
            list(&state, &ctx, &key, None, None).grants.map(|g| g.len()),
            Some(0)
        );
    }

    #[test]
    fn named_grants_are_idempotent() {
        let (state, ctx) = (state(), root());
        let key = key(&state, &ctx);
        let mut input = grant_input(&key, "arn:aws:iam::123456789012:root", &["Decrypt"]);
        input.name = Some("once".into());
        let first = create_grant(&state, &ctx, input).unwrap();
        let mut again = grant_input(&key, "arn:aws:iam::123456789012:root", &["Decrypt"]);
        again.name = Some("once".into());
        assert_eq!(
            create_grant(&state, &ctx, again).unwrap().grant_id,
            first.grant_id
        );
        assert_eq!(
            list(&state, &ctx, &key, None, None).grants.map(|g| g.len()),
            Some(1)
        );
    }

    #[test]
    fn invalid_grants_are_refused_as_aws_refuses_them() {
        let (state, ctx) = (state(), root());
        let key = key(&state, &ctx);
        let root_arn = "arn:aws:iam::123456789012:root";
        assert!(matches!(
            create_grant(&state, &ctx, grant_input(&key, root_arn, &["Sign"])),
            Err(KmsError::ValidationException(_))
        ));
        assert!(matches!(
            create_grant(&state, &ctx, grant_input(&key, root_arn, &["Fly"])),
            Err(KmsError::ValidationException(m)) if m.contains("enum value set")
        ));
        assert!(matches!(
            create_grant(&state, &ctx, grant_input("alias/x", root_arn, &["Decrypt"])),
            Err(KmsError::InvalidArnException(_))
        ));
        assert!(matches!(
            create_grant(
                &state,
                &ctx,
                grant_input(&key, "arn:aws:iam::123456789012:user/ghost", &["Decrypt"])
            ),
            Err(KmsError::InvalidArnException(_))
        ));
        super::super::lifecycle::disable_key(
            &state,
            &ctx,
            crate::kms::model::DisableKeyRequest {
                key_id: Some(key.clone()),
            },
        )
        .unwrap();
        assert!(matches!(
            create_grant(&state, &ctx, grant_input(&key, root_arn, &["Decrypt"])),
            Err(KmsError::DisabledException(_))
        ));
    }

    #[test]
    fn constraints_are_limited_and_listed() {
        let (state, ctx) = (state(), root());
        let key = key(&state, &ctx);
        let mut input = grant_input(&key, "arn:aws:iam::123456789012:root", &["Decrypt"]);
        input.constraints = Some(GrantConstraintsShape {
            encryption_context_subset: Some(
                (0..9).map(|i| (format!("k{i}"), "v".into())).collect(),
            ),
            ..Default::default()
        });
        assert!(matches!(
            create_grant(&state, &ctx, input),
            Err(KmsError::ValidationException(_))
        ));
        let mut input = grant_input(&key, "arn:aws:iam::123456789012:root", &["Decrypt"]);
        input.constraints = Some(GrantConstraintsShape {
            encryption_context_equals: Some([("app".to_owned(), "x".to_owned())].into()),
            ..Default::default()
        });
        create_grant(&state, &ctx, input).unwrap();
        let listed = list(&state, &ctx, &key, None, None);
        let constraints = listed.grants.unwrap()[0].constraints.clone().unwrap();
        assert_eq!(constraints.encryption_context_equals.unwrap()["app"], "x");
    }
}
