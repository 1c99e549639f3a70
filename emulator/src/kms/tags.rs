//! Key tags: TagResource, UntagResource and ListResourceTags. Tags belong to customer
//! managed keys; they cannot change while a key is pending deletion.

use super::access::{authorize, authorize_with, request_tag_keys, Via};
use super::error::{validated, KmsError};
use super::keys::{check_tags, required_key_id};
use super::lifecycle::{change_key, key_by_id, refuse_aws_managed, refuse_pending_deletion};
use super::model::{Empty, Tag};
use super::{marker, parse_marker};
use crate::context::RequestContext;
use crate::protocol::validation::Validator;
use crate::state::EmulatorState;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The most tags a key may carry.
pub const MAX_TAGS: usize = 50;

/// The prefix reserved for tags AWS applies.
const RESERVED_PREFIX: &str = "aws:";

/// ListResourceTags answers at most this many tags a page.
const PAGE_MAX: usize = 50;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagResourceInput {
    pub key_id: Option<String>,
    pub tags: Option<Vec<Tag>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UntagResourceInput {
    pub key_id: Option<String>,
    pub tag_keys: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListResourceTagsInput {
    pub key_id: Option<String>,
    pub limit: Option<i64>,
    pub marker: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListResourceTagsOutput {
    pub tags: Vec<Tag>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    pub truncated: bool,
}

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
    state: &EmulatorState,
    ctx: &RequestContext,
    input: TagResourceInput,
) -> Result<Empty, KmsError> {
    let key_id = required_key_id(&input.key_id)?;
    let mut v = Validator::new();
    if let Some(tags) = v.required("tags", &input.tags) {
        check_tags(&mut v, tags);
    }
    validated(v.finish())?;
    let new: Vec<(String, String)> = input
        .tags
        .unwrap_or_default()
        .into_iter()
        .map(|t| (t.key.unwrap_or_default(), t.value.unwrap_or_default()))
        .collect();
    check_new_tags(&new)?;
    let key = key_by_id(state, ctx, &Some(key_id))?;
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
    state: &EmulatorState,
    ctx: &RequestContext,
    input: UntagResourceInput,
) -> Result<Empty, KmsError> {
    let key_id = required_key_id(&input.key_id)?;
    let mut v = Validator::new();
    if let Some(keys) = v.required("tagKeys", &input.tag_keys) {
        for (i, key) in keys.iter().enumerate() {
            v.length(&format!("tagKeys.{}.member", i + 1), key, 1, 128);
        }
    }
    validated(v.finish())?;
    let keys = input.tag_keys.unwrap_or_default();
    refuse_reserved(keys.iter().map(String::as_str))?;
    let key = key_by_id(state, ctx, &Some(key_id))?;
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
    state: &EmulatorState,
    ctx: &RequestContext,
    input: ListResourceTagsInput,
) -> Result<ListResourceTagsOutput, KmsError> {
    let key_id = required_key_id(&input.key_id)?;
    let mut v = Validator::new();
    v.range("limit", input.limit, 1, 1000);
    super::shapes::check_marker(&mut v, &input.marker);
    validated(v.finish())?;
    let key = key_by_id(state, ctx, &Some(key_id))?;
    authorize(state, ctx, &key, "kms:ListResourceTags", None, Via::Direct)?;
    let after = input.marker.as_deref().map(parse_marker).transpose()?;
    // KMS documents 1–50 (default 50) while the model allows 1000: larger limits are
    // accepted and answered with at most 50, as "might return fewer" permits.
    let limit = input.limit.map_or(PAGE_MAX, |l| (l as usize).min(PAGE_MAX));
    let tags = state
        .region(&ctx.region)
        .kms
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
            key: Some(k.clone()),
            value: Some(v.clone()),
        })
        .collect();
    let truncated = page.len() > limit;
    page.truncate(limit);
    let next_marker = if truncated {
        page.last().and_then(|t| t.key.as_deref()).map(marker)
    } else {
        None
    };
    Ok(ListResourceTagsOutput {
        tags: page,
        next_marker,
        truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::super::lifecycle::testing::*;
    use super::*;

    fn tag(k: &str, v: &str) -> Tag {
        Tag {
            key: Some(k.to_owned()),
            value: Some(v.to_owned()),
        }
    }

    fn list(
        state: &EmulatorState,
        ctx: &RequestContext,
        key: &str,
        limit: Option<i64>,
        marker: Option<String>,
    ) -> ListResourceTagsOutput {
        list_resource_tags(
            state,
            ctx,
            ListResourceTagsInput {
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
            TagResourceInput {
                key_id: Some(key.clone()),
                tags: Some(vec![tag("b", "2"), tag("a", "1"), tag("c", "")]),
            },
        )
        .unwrap();
        let first = list(&state, &ctx, &key, Some(2), None);
        assert!(first.truncated);
        let keys: Vec<_> = first.tags.iter().filter_map(|t| t.key.clone()).collect();
        assert_eq!(keys, ["a", "b"]);
        let second = list(&state, &ctx, &key, Some(2), first.next_marker);
        assert!(!second.truncated && second.next_marker.is_none());
        assert_eq!(second.tags[0].key.as_deref(), Some("c"));
        assert_eq!(second.tags[0].value.as_deref(), Some(""));
        untag_resource(
            &state,
            &ctx,
            UntagResourceInput {
                key_id: Some(key.clone()),
                tag_keys: Some(vec!["a".into(), "absent".into()]),
            },
        )
        .unwrap();
        assert_eq!(list(&state, &ctx, &key, None, None).tags.len(), 2);
    }

    #[test]
    fn reserved_keys_are_refused() {
        let (state, ctx) = (state(), root());
        let key = key(&state, &ctx);
        let result = tag_resource(
            &state,
            &ctx,
            TagResourceInput {
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
