//! Key tags: TagResource, UntagResource and ListResourceTags. Tags belong to customer
//! managed keys; they cannot change while a key is pending deletion.

use super::access::{authorize, authorize_with, request_tag_keys, Via};
use super::error::{validated, KmsError};
use super::lifecycle::{change_key, key_by_id, refuse_aws_managed, refuse_pending_deletion};
use super::model::{
    Empty, ListResourceTagsRequest, ListResourceTagsResponse, Tag, TagResourceRequest,
    UntagResourceRequest,
};
use super::services::KmsServices;
use super::{marker, parse_marker};
use crate::context::RequestContext;
use crate::protocol::validation::Validate;
use std::collections::BTreeMap;

/// The most tags a key may carry.
pub const MAX_TAGS: usize = 50;

/// The prefix reserved for tags AWS applies.
const RESERVED_PREFIX: &str = "aws:";

/// ListResourceTags answers at most this many tags a page.
const PAGE_MAX: usize = 50;

/// Refuses tag keys in the space AWS reserves, in any case (`aws:`, `AWS:`, `Aws:`: the
/// AWS General Reference's tagging rules reserve the prefix regardless of case). The
/// wording is that of LocalStack's KMS, whose tests are recorded against AWS
/// (`localstack/services/kms/utils.py`, `validate_tag`).
fn refuse_reserved<'a>(keys: impl IntoIterator<Item = &'a str>) -> Result<(), KmsError> {
    for key in keys {
        if key
            .get(..RESERVED_PREFIX.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(RESERVED_PREFIX))
        {
            return Err(KmsError::TagException(
                "Tags beginning with aws: are reserved".to_owned(),
            ));
        }
    }
    Ok(())
}

/// A request's tags as key and value pairs (the model has checked both are present).
pub(crate) fn tag_pairs(tags: &Option<Vec<Tag>>) -> Vec<(String, String)> {
    tags.iter()
        .flatten()
        .map(|t| {
            (
                t.tag_key.clone().unwrap_or_default(),
                t.tag_value.clone().unwrap_or_default(),
            )
        })
        .collect()
}

/// Checks the tags of a CreateKey or TagResource request: no reserved keys, no key twice
/// (tag keys are case-sensitive in KMS, per the TagResource reference), at most
/// [`MAX_TAGS`] of them.
pub(crate) fn check_new_tags(new: &[(String, String)]) -> Result<(), KmsError> {
    refuse_reserved(new.iter().map(|(k, _)| k.as_str()))?;
    let mut seen = std::collections::BTreeSet::new();
    for (key, _) in new {
        if !seen.insert(key.as_str()) {
            // AWS's exact wording for a repeated tag key was not found in any source we
            // could check; this message is the emulator's own.
            return Err(KmsError::TagException(format!("Duplicate tag keys: {key}")));
        }
    }
    merged(&BTreeMap::new(), new).map(|_| ())
}

/// The tags of a key after `new` is applied (a key already present takes the new value),
/// or `TagException` when that would exceed [`MAX_TAGS`].
pub(crate) fn merged(
    current: &BTreeMap<String, String>,
    new: &[(String, String)],
) -> Result<BTreeMap<String, String>, KmsError> {
    let mut tags = current.clone();
    for (k, v) in new {
        tags.insert(k.clone(), v.clone());
    }
    if tags.len() > MAX_TAGS {
        return Err(KmsError::TagException(format!(
            "A KMS key can have at most {MAX_TAGS} tags; this request would give it {}.",
            tags.len()
        )));
    }
    Ok(tags)
}

/// TagResource: adds tags, or changes the values of existing ones.
pub fn tag_resource(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: TagResourceRequest,
) -> Result<Empty, KmsError> {
    validated(input.check())?;
    let new = tag_pairs(&input.tags);
    check_new_tags(&new)?;
    let key = key_by_id(state, ctx, &input.key_id)?;
    authorize_with(
        state,
        ctx,
        &key,
        "kms:TagResource",
        None,
        Via::Direct,
        &|keys| request_tag_keys(keys, new.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
    )?;
    refuse_aws_managed(&key)?;
    change_key(state, ctx, &key, |stored| {
        refuse_pending_deletion(stored)?;
        stored.tags = merged(&stored.tags, &new)?;
        Ok(Empty {})
    })
}

/// UntagResource: removes tags by key; keys the key does not carry are ignored.
pub fn untag_resource(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: UntagResourceRequest,
) -> Result<Empty, KmsError> {
    validated(input.check())?;
    let keys = input.tag_keys.clone().unwrap_or_default();
    refuse_reserved(keys.iter().map(String::as_str))?;
    let key = key_by_id(state, ctx, &input.key_id)?;
    authorize_with(
        state,
        ctx,
        &key,
        "kms:UntagResource",
        None,
        Via::Direct,
        &|context| context.insert_many("aws:TagKeys", keys.clone()),
    )?;
    refuse_aws_managed(&key)?;
    change_key(state, ctx, &key, |stored| {
        refuse_pending_deletion(stored)?;
        for k in &keys {
            stored.tags.remove(k);
        }
        Ok(Empty {})
    })
}

/// ListResourceTags: a key's tags sorted by tag key, in pages of at most 50.
pub fn list_resource_tags(
    state: &dyn KmsServices,
    ctx: &RequestContext,
    input: ListResourceTagsRequest,
) -> Result<ListResourceTagsResponse, KmsError> {
    validated(input.check())?;
    let key = key_by_id(state, ctx, &input.key_id)?;
    authorize(state, ctx, &key, "kms:ListResourceTags", None, Via::Direct)?;
    let after = input.marker.as_deref().map(parse_marker).transpose()?;
    // KMS documents 1–50 (default 50) while the model allows 1000: larger limits are
    // accepted and answered with at most 50, as "might return fewer" permits.
    let limit = input.limit.map_or(PAGE_MAX, |l| (l as usize).min(PAGE_MAX));
    let tags = state
        .keys(&ctx.region)
        .read(|data| data.keys.get(&key.id).map(|k| k.tags.clone()))
        .ok_or_else(|| super::lifecycle::key_gone(&key.arn))?;
    let range = match &after {
        Some(after) => {
            tags.range::<String, _>((std::ops::Bound::Excluded(after), std::ops::Bound::Unbounded))
        }
        None => tags.range::<String, _>(..),
    };
    let mut page: Vec<Tag> = range
        .take(limit + 1)
        .map(|(k, v)| Tag {
            tag_key: Some(k.clone()),
            tag_value: Some(v.clone()),
        })
        .collect();
    let truncated = page.len() > limit;
    page.truncate(limit);
    let next_marker = if truncated {
        page.last().and_then(|t| t.tag_key.as_deref()).map(marker)
    } else {
        None
    };
    Ok(ListResourceTagsResponse {
        tags: Some(page),
        next_marker,
        truncated: Some(truncated),
    })
}

#[cfg(test)]
mod tests {
    use super::super::lifecycle::testing::*;
    use super::*;
    use crate::state::EmulatorState;

    fn tag(k: &str, v: &str) -> Tag {
        Tag {
            tag_key: Some(k.to_owned()),
            tag_value: Some(v.to_owned()),
        }
    }

    fn list(
        state: &EmulatorState,
        ctx: &RequestContext,
        key: &str,
        limit: Option<i32>,
        marker: Option<String>,
    ) -> ListResourceTagsResponse {
        list_resource_tags(
            state,
            ctx,
            ListResourceTagsRequest {
                key_id: Some(key.to_owned()),
                limit,
                marker,
            },
        )
        .unwrap()
    }

    #[test]
    fn merging_replaces_values_and_counts_the_limit() {
        let current: BTreeMap<String, String> =
            (0..49).map(|i| (format!("k{i}"), "v".to_owned())).collect();
        let same = merged(&current, &[("k1".to_owned(), "new".to_owned())]).unwrap();
        assert_eq!(same.len(), 49);
        assert_eq!(same["k1"], "new");
        assert_eq!(
            merged(&current, &[("a".to_owned(), String::new())])
                .unwrap()
                .len(),
            50
        );
        assert!(matches!(
            merged(
                &current,
                &[
                    ("a".to_owned(), String::new()),
                    ("b".to_owned(), String::new())
                ]
            ),
            Err(KmsError::TagException(_))
        ));
    }

    #[test]
    fn tags_are_added_listed_in_order_paged_and_removed() {
        let (state, ctx) = (state(), root());
        let key = key(&state, &ctx);
        tag_resource(
            &state,
            &ctx,
            TagResourceRequest {
                key_id: Some(key.clone()),
                tags: Some(vec![tag("b", "2"), tag("a", "1"), tag("c", "")]),
            },
        )
        .unwrap();
        let first = list(&state, &ctx, &key, Some(2), None);
        assert_eq!(first.truncated, Some(true));
        let keys: Vec<_> = first
            .tags
            .iter()
            .flatten()
            .filter_map(|t| t.tag_key.clone())
            .collect();
        assert_eq!(keys, ["a", "b"]);
        let second = list(&state, &ctx, &key, Some(2), first.next_marker);
        assert!(second.truncated == Some(false) && second.next_marker.is_none());
        let second_tags = second.tags.unwrap();
        assert_eq!(second_tags[0].tag_key.as_deref(), Some("c"));
        assert_eq!(second_tags[0].tag_value.as_deref(), Some(""));
        untag_resource(
            &state,
            &ctx,
            UntagResourceRequest {
                key_id: Some(key.clone()),
                tag_keys: Some(vec!["a".into(), "absent".into()]),
            },
        )
        .unwrap();
        assert_eq!(
            list(&state, &ctx, &key, None, None).tags.map(|t| t.len()),
            Some(2)
        );
    }

    #[test]
    fn reserved_keys_are_refused() {
        let (state, ctx) = (state(), root());
        let key = key(&state, &ctx);
        let result = tag_resource(
            &state,
            &ctx,
            TagResourceRequest {
                key_id: Some(key),
                tags: Some(vec![tag("aws:cloudformation:stack-name", "x")]),
            },
        );
        assert!(matches!(result, Err(KmsError::TagException(_))));
    }

    #[test]
    fn new_tags_are_checked_as_aws_checks_them() {
        let pair = |k: &str| (k.to_owned(), String::new());
        assert_eq!(
            check_new_tags(&[pair("AWS:x")]),
            Err(KmsError::TagException(
                "Tags beginning with aws: are reserved".into()
            ))
        );
        assert!(check_new_tags(&[pair("Aws:x")]).is_err());
        assert!(check_new_tags(&[pair("aws")]).is_ok());
        assert!(matches!(
            check_new_tags(&[pair("a"), pair("a")]),
            Err(KmsError::TagException(_))
        ));
        // Keys are case-sensitive: `a` and `A` are two tags.
        assert!(check_new_tags(&[pair("a"), pair("A")]).is_ok());
        let many: Vec<_> = (0..=MAX_TAGS).map(|i| pair(&format!("k{i}"))).collect();
        assert!(check_new_tags(&many[..MAX_TAGS]).is_ok());
        assert!(matches!(
            check_new_tags(&many),
            Err(KmsError::TagException(_))
        ));
    }
}
