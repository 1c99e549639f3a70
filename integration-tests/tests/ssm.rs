//! Parameter Store through the official `aws-sdk-ssm` client: every operation, and a test
//! for each rule that fails if the rule is broken.

use crate::common::{code_of, error_of, ssm, ssm_in, unique};
use aws_sdk_ssm::types::{
    ParameterStringFilter, ParameterTier, ParameterType, ParametersFilter, ParametersFilterKey,
    ResourceTypeForTagging, Tag,
};
use aws_sdk_ssm::Client;

async fn put(client: &Client, name: &str, value: &str) -> i64 {
    client
        .put_parameter()
        .name(name)
        .value(value)
        .r#type(ParameterType::String)
        .overwrite(true)
        .send()
        .await
        .unwrap_or_else(|e| panic!("put {name}: {e:?}"))
        .version()
}

async fn get_value(client: &Client, name: &str) -> String {
    client
        .get_parameter()
        .name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("get {name}: {e:?}"))
        .parameter()
        .and_then(|p| p.value())
        .unwrap_or_default()
        .to_owned()
}

fn filter(key: &str, option: Option<&str>, values: &[&str]) -> ParameterStringFilter {
    let mut builder = ParameterStringFilter::builder().key(key);
    if let Some(option) = option {
        builder = builder.option(option);
    }
    for value in values {
        builder = builder.values(*value);
    }
    builder.build().unwrap()
}

#[tokio::test]
async fn put_then_get_returns_the_parameter_as_aws_does() {
    let client = ssm().await;
    let name = unique("/e2e/basic/p");
    let out = client
        .put_parameter()
        .name(&name)
        .value("hello")
        .r#type(ParameterType::String)
        .description("a parameter")
        .send()
        .await
        .unwrap();
    assert_eq!(out.version(), 1);
    assert_eq!(out.tier(), Some(&ParameterTier::Standard));
    let p = client.get_parameter().name(&name).send().await.unwrap();
    let p = p.parameter().unwrap();
    assert_eq!(p.name(), Some(name.as_str()));
    assert_eq!(p.value(), Some("hello"));
    assert_eq!(p.version(), 1);
    assert_eq!(p.r#type(), Some(&ParameterType::String));
    assert_eq!(p.data_type(), Some("text"));
    assert_eq!(
        p.arn().unwrap(),
        format!("arn:aws:ssm:us-east-1:123456789012:parameter{name}")
    );
    let modified = p.last_modified_date().unwrap().secs();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((now - modified).abs() < 60, "{modified} vs {now}");
}

#[tokio::test]
async fn existing_parameter_needs_overwrite_and_versions_count_up() {
    let client = ssm().await;
    let name = unique("/e2e/overwrite/p");
    assert_eq!(put(&client, &name, "1").await, 1);
    let again = client
        .put_parameter()
        .name(&name)
        .value("x")
        .r#type(ParameterType::String)
        .send()
        .await;
    assert_eq!(code_of(again), "ParameterAlreadyExists");
    assert_eq!(put(&client, &name, "2").await, 2);
    // Type may be omitted when overwriting: the parameter keeps its type.
    let v3 = client
        .put_parameter()
        .name(&name)
        .value("3")
        .overwrite(true)
        .send()
        .await
        .unwrap();
    assert_eq!(v3.version(), 3);
    assert_eq!(get_value(&client, &name).await, "3");
    let changed = client
        .put_parameter()
        .name(&name)
        .value("a,b")
        .r#type(ParameterType::StringList)
        .overwrite(true)
        .send()
        .await;
    assert_eq!(code_of(changed), "HierarchyTypeMismatchException");
    let untyped = client
        .put_parameter()
        .name(unique("/e2e/overwrite/untyped"))
        .value("v")
        .send()
        .await;
    assert_eq!(code_of(untyped), "ValidationException");
}

#[tokio::test]
async fn slash_and_plain_names_are_one_parameter_with_one_arn() {
    let client = ssm().await;
    let plain = unique("plainname");
    put(&client, &plain, "v").await;
    let p = client
        .get_parameter()
        .name(format!("/{plain}"))
        .send()
        .await
        .unwrap();
    let p = p.parameter().unwrap();
    assert_eq!(p.value(), Some("v"));
    assert_eq!(
        p.arn().unwrap(),
        format!("arn:aws:ssm:us-east-1:123456789012:parameter/{plain}")
    );
    let clash = client
        .put_parameter()
        .name(format!("/{plain}"))
        .value("w")
        .r#type(ParameterType::String)
        .send()
        .await;
    assert_eq!(code_of(clash), "ParameterAlreadyExists");
    // A different hierarchy is a different parameter.
    let nested = format!("/x/{plain}");
    put(&client, &nested, "nested").await;
    assert_eq!(get_value(&client, &plain).await, "v");
    // An ARN names the parameter too.
    let by_arn = format!("arn:aws:ssm:us-east-1:123456789012:parameter/{plain}");
    assert_eq!(get_value(&client, &by_arn).await, "v");
}

#[tokio::test]
async fn names_are_validated() {
    let client = ssm().await;
    let attempt = |name: String| {
        let client = client.clone();
        async move {
            client
                .put_parameter()
                .name(name)
                .value("v")
                .r#type(ParameterType::String)
                .send()
                .await
        }
    };
    for bad in ["has space", "/a//b", "a/b", "/trailing/", "bad*char"] {
        assert_eq!(
            code_of(attempt(bad.to_owned()).await),
            "ValidationException",
            "{bad}"
        );
    }
    let (code, message) = error_of(attempt("a/b".to_owned()).await);
    assert_eq!(code, "ValidationException");
    assert_eq!(message, "Parameter name must be a fully qualified name.");
    for reserved in ["awsthing", "SSMthing", "/ssm/x/y"] {
        assert_eq!(
            code_of(attempt(reserved.to_owned()).await),
            "ValidationException",
            "{reserved}"
        );
    }
    assert_eq!(
        code_of(attempt("/aws/x/y".to_owned()).await),
        "AccessDeniedException"
    );
    let base = unique("/lv");
    let fifteen = format!("{base}{}", "/l".repeat(14));
    attempt(fifteen.clone()).await.unwrap();
    assert_eq!(
        code_of(attempt(format!("{fifteen}/l")).await),
        "HierarchyLevelLimitExceededException"
    );
    // 1011 characters counting "arn:aws:ssm:us-east-1:123456789012:parameter/" (45).
    let stem = unique("long");
    let longest = format!("{stem}{}", "x".repeat(1011 - 45 - stem.len()));
    attempt(longest.clone()).await.unwrap();
    assert_eq!(
        code_of(attempt(format!("{longest}x")).await),
        "ValidationException"
    );
    assert_eq!(
        code_of(attempt("x".repeat(2049)).await),
        "ValidationException"
    );
}

#[tokio::test]
async fn value_limits_follow_the_tier() {
    let client = ssm().await;
    let put_tier = |name: String, len: usize, tier: Option<ParameterTier>| {
        let client = client.clone();
        async move {
            client
                .put_parameter()
                .name(name)
                .value("v".repeat(len))
                .r#type(ParameterType::String)
                .set_tier(tier)
                .overwrite(true)
                .send()
                .await
        }
    };
    put_tier(unique("/e2e/tier/a"), 4096, None).await.unwrap();
    let (code, message) = error_of(put_tier(unique("/e2e/tier/b"), 4097, None).await);
    assert_eq!(code, "ValidationException");
    assert!(message.starts_with(
        "Standard tier parameters support a maximum parameter value of 4096 characters."
    ));
    let advanced = unique("/e2e/tier/c");
    let out = put_tier(advanced.clone(), 8192, Some(ParameterTier::Advanced))
        .await
        .unwrap();
    assert_eq!(out.tier(), Some(&ParameterTier::Advanced));
    assert_eq!(
        code_of(put_tier(unique("/e2e/tier/d"), 8193, Some(ParameterTier::Advanced)).await),
        "ValidationException"
    );
    let smart = put_tier(
        unique("/e2e/tier/e"),
        5000,
        Some(ParameterTier::IntelligentTiering),
    )
    .await
    .unwrap();
    assert_eq!(smart.tier(), Some(&ParameterTier::Advanced));
    let small = put_tier(
        unique("/e2e/tier/f"),
        10,
        Some(ParameterTier::IntelligentTiering),
    )
    .await
    .unwrap();
    assert_eq!(small.tier(), Some(&ParameterTier::Standard));
    // Advanced parameters cannot go back to Standard.
    assert_eq!(
        code_of(put_tier(advanced, 10, Some(ParameterTier::Standard)).await),
        "ValidationException"
    );
    let empty = client
        .put_parameter()
        .name(unique("/e2e/tier/g"))
        .value("")
        .r#type(ParameterType::String)
        .send()
        .await;
    assert_eq!(code_of(empty), "ValidationException");
}

#[tokio::test]
async fn selectors_pick_versions_and_labels() {
    let client = ssm().await;
    let name = unique("/e2e/sel/p");
    put(&client, &name, "one").await;
    put(&client, &name, "two").await;
    client
        .label_parameter_version()
        .name(&name)
        .parameter_version(1)
        .labels("stable")
        .send()
        .await
        .unwrap();
    let first = client
        .get_parameter()
        .name(format!("{name}:1"))
        .send()
        .await
        .unwrap();
    let first = first.parameter().unwrap();
    assert_eq!(first.value(), Some("one"));
    assert_eq!(first.selector(), Some(":1"));
    assert_eq!(first.name(), Some(name.as_str()));
    assert_eq!(get_value(&client, &format!("{name}:stable")).await, "one");
    assert_eq!(get_value(&client, &name).await, "two");
    let (code, message) = error_of(
        client
            .get_parameter()
            .name(format!("{name}:9"))
            .send()
            .await,
    );
    assert_eq!(code, "ParameterVersionNotFound");
    assert!(message.contains("version 9"), "{message}");
    assert_eq!(
        code_of(
            client
                .get_parameter()
                .name(format!("{name}:nolabel"))
                .send()
                .await
        ),
        "ParameterNotFound"
    );
    let (code, message) = error_of(
        client
            .get_parameter()
            .name(unique("/e2e/sel/missing"))
            .send()
            .await,
    );
    assert_eq!((code.as_str(), message.as_str()), ("ParameterNotFound", ""));
}

#[tokio::test]
async fn get_parameters_splits_found_and_invalid() {
    let client = ssm().await;
    let a = unique("/e2e/many/a");
    let b = unique("/e2e/many/b");
    put(&client, &a, "A").await;
    put(&client, &b, "B").await;
    let missing = unique("/e2e/many/missing");
    let out = client
        .get_parameters()
        .names(&b)
        .names(&a)
        .names(&missing)
        .names(format!("{a}:7"))
        .send()
        .await
        .unwrap();
    let found: Vec<&str> = out.parameters().iter().filter_map(|p| p.name()).collect();
    assert_eq!(found, [a.as_str(), b.as_str()]);
    assert_eq!(out.invalid_parameters(), [missing, format!("{a}:7")]);
    let mut too_many = client.get_parameters();
    for i in 0..11 {
        too_many = too_many.names(format!("/n{i}"));
    }
    assert_eq!(code_of(too_many.send().await), "ValidationException");
}

#[tokio::test]
async fn by_path_returns_children_or_descendants_in_pages() {
    let client = ssm().await;
    let root = unique("/e2e/tree");
    for leaf in ["a", "b", "c", "d", "e", "sub/x", "sub/y", "sub/deep/z"] {
        put(&client, &format!("{root}/{leaf}"), leaf).await;
    }
    put(&client, &format!("{root}x/outside"), "no").await;
    let collect = |recursive: bool, page: i32| {
        let client = client.clone();
        let root = root.clone();
        async move {
            let mut names = Vec::new();
            let mut token = None;
            let mut pages = 0;
            loop {
                let out = client
                    .get_parameters_by_path()
                    .path(&root)
                    .recursive(recursive)
                    .max_results(page)
                    .set_next_token(token)
                    .send()
                    .await
                    .unwrap();
                pages += 1;
                names.extend(
                    out.parameters()
                        .iter()
                        .map(|p| p.value().unwrap().to_owned()),
                );
                token = out.next_token().map(str::to_owned);
                if token.is_none() {
                    break;
                }
            }
            (names, pages)
        }
    };
    let (direct, pages) = collect(false, 2).await;
    assert_eq!(direct, ["a", "b", "c", "d", "e"]);
    assert_eq!(pages, 3);
    let (all, _) = collect(true, 10).await;
    assert_eq!(
        all,
        ["a", "b", "c", "d", "e", "sub/deep/z", "sub/x", "sub/y"]
    );
    let trailing = client
        .get_parameters_by_path()
        .path(format!("{root}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(trailing.parameters().len(), 5);
    // Filters: Label selects the labelled version.
    let labelled = format!("{root}/a");
    put(&client, &labelled, "a2").await;
    client
        .label_parameter_version()
        .name(&labelled)
        .parameter_version(1)
        .labels("old")
        .send()
        .await
        .unwrap();
    let out = client
        .get_parameters_by_path()
        .path(&root)
        .parameter_filters(filter("Label", Some("Equals"), &["old"]))
        .send()
        .await
        .unwrap();
    let values: Vec<_> = out
        .parameters()
        .iter()
        .map(|p| (p.value(), p.version()))
        .collect();
    assert_eq!(values, [(Some("a"), 1)]);
    let typed = client
        .get_parameters_by_path()
        .path(&root)
        .parameter_filters(filter("Type", None, &["StringList"]))
        .send()
        .await
        .unwrap();
    assert!(typed.parameters().is_empty());
    // Errors.
    let bad_key = client
        .get_parameters_by_path()
        .path(&root)
        .parameter_filters(filter("Name", None, &["x"]))
        .send()
        .await;
    assert_eq!(code_of(bad_key), "InvalidFilterKey");
    let too_many = client
        .get_parameters_by_path()
        .path(&root)
        .max_results(11)
        .send()
        .await;
    assert_eq!(code_of(too_many), "ValidationException");
    let bad_path = client.get_parameters_by_path().path("noslash").send().await;
    assert_eq!(code_of(bad_path), "ValidationException");
    let bad_token = client
        .get_parameters_by_path()
        .path(&root)
        .next_token("garbage")
        .send()
        .await;
    assert_eq!(code_of(bad_token), "InvalidNextToken");
}

#[tokio::test]
async fn describe_filters_and_pages() {
    let client = ssm().await;
    let root = unique("/e2e/desc");
    for leaf in ["a1", "a2", "b1", "deep/a3"] {
        put(&client, &format!("{root}/{leaf}"), "v").await;
    }
    client
        .add_tags_to_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(format!("{root}/b1"))
        .tags(Tag::builder().key("team").value("blue").build().unwrap())
        .send()
        .await
        .unwrap();
    let names = |filters: Vec<ParameterStringFilter>| {
        let client = client.clone();
        async move {
            let mut names = Vec::new();
            let mut token = None;
            loop {
                let out = client
                    .describe_parameters()
                    .set_parameter_filters(Some(filters.clone()))
                    .max_results(1)
                    .set_next_token(token)
                    .send()
                    .await
                    .unwrap();
                names.extend(
                    out.parameters()
                        .iter()
                        .map(|p| p.name().unwrap().to_owned()),
                );
                token = out.next_token().map(str::to_owned);
                if token.is_none() {
                    break names;
                }
            }
        }
    };
    let short = |v: Vec<String>| -> Vec<String> {
        v.into_iter()
            .map(|n| n.trim_start_matches(&format!("{root}/")).to_owned())
            .collect()
    };
    assert_eq!(
        short(names(vec![filter("Path", None, &[&root])]).await),
        ["a1", "a2", "b1"]
    );
    assert_eq!(
        short(names(vec![filter("Path", Some("Recursive"), &[&root])]).await),
        ["a1", "a2", "b1", "deep/a3"]
    );
    assert_eq!(
        short(
            names(vec![filter(
                "Name",
                Some("BeginsWith"),
                &[&format!("{root}/a")]
            )])
            .await
        ),
        ["a1", "a2"]
    );
    assert_eq!(
        short(
            names(vec![
                filter("Path", Some("Recursive"), &[&root]),
                filter("tag:team", None, &["blue"])
            ])
            .await
        ),
        ["b1"]
    );
    let out = client
        .describe_parameters()
        .parameter_filters(filter("Name", Some("Equals"), &[&format!("{root}/a1")]))
        .send()
        .await
        .unwrap();
    let meta = &out.parameters()[0];
    assert_eq!(meta.version(), 1);
    assert_eq!(meta.tier(), Some(&ParameterTier::Standard));
    assert_eq!(
        meta.last_modified_user(),
        Some("arn:aws:iam::123456789012:root")
    );
    let legacy = client
        .describe_parameters()
        .filters(
            ParametersFilter::builder()
                .key(ParametersFilterKey::Name)
                .values(format!("{root}/b"))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(legacy.parameters().len(), 1);
    let both = client
        .describe_parameters()
        .filters(
            ParametersFilter::builder()
                .key(ParametersFilterKey::Name)
                .values("x")
                .build()
                .unwrap(),
        )
        .parameter_filters(filter("Type", None, &["String"]))
        .send()
        .await;
    assert_eq!(code_of(both), "ValidationException");
    let label = client
        .describe_parameters()
        .parameter_filters(filter("Label", None, &["x"]))
        .send()
        .await;
    assert_eq!(code_of(label), "InvalidFilterKey");
    let option = client
        .describe_parameters()
        .parameter_filters(filter("Path", Some("Deep"), &[&root]))
        .send()
        .await;
    assert_eq!(code_of(option), "InvalidFilterOption");
    let value = client
        .describe_parameters()
        .parameter_filters(filter("Type", None, &["Secret"]))
        .send()
        .await;
    assert_eq!(code_of(value), "InvalidFilterValue");
    let too_many = client.describe_parameters().max_results(51).send().await;
    assert_eq!(code_of(too_many), "ValidationException");
}

#[tokio::test]
async fn history_lists_versions_with_labels_in_pages() {
    let client = ssm().await;
    let name = unique("/e2e/hist/p");
    for i in 1..=5 {
        put(&client, &name, &format!("v{i}")).await;
    }
    client
        .label_parameter_version()
        .name(&name)
        .parameter_version(2)
        .labels("two")
        .send()
        .await
        .unwrap();
    let first = client
        .get_parameter_history()
        .name(&name)
        .max_results(3)
        .send()
        .await
        .unwrap();
    let versions: Vec<i64> = first.parameters().iter().map(|p| p.version()).collect();
    assert_eq!(versions, [1, 2, 3]);
    assert_eq!(first.parameters()[1].labels(), ["two"]);
    let rest = client
        .get_parameter_history()
        .name(&name)
        .max_results(3)
        .next_token(first.next_token().unwrap())
        .send()
        .await
        .unwrap();
    let values: Vec<_> = rest.parameters().iter().filter_map(|p| p.value()).collect();
    assert_eq!(values, ["v4", "v5"]);
    assert!(rest.next_token().is_none());
    assert_eq!(
        code_of(
            client
                .get_parameter_history()
                .name(unique("/e2e/hist/none"))
                .send()
                .await
        ),
        "ParameterNotFound"
    );
}

#[tokio::test]
async fn labels_move_are_validated_and_limited() {
    let client = ssm().await;
    let name = unique("/e2e/labels/p");
    put(&client, &name, "1").await;
    put(&client, &name, "2").await;
    let out = client
        .label_parameter_version()
        .name(&name)
        .labels("prod")
        .labels("9lives")
        .labels("awsy")
        .send()
        .await
        .unwrap();
    assert_eq!(out.parameter_version(), 2);
    assert_eq!(out.invalid_labels(), ["9lives", "awsy"]);
    // Labelling version 1 moves "prod" there.
    client
        .label_parameter_version()
        .name(&name)
        .parameter_version(1)
        .labels("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(get_value(&client, &format!("{name}:prod")).await, "1");
    let mut ten = client
        .label_parameter_version()
        .name(&name)
        .parameter_version(2);
    for i in 0..10 {
        ten = ten.labels(format!("l{i}"));
    }
    ten.send().await.unwrap();
    let eleventh = client
        .label_parameter_version()
        .name(&name)
        .parameter_version(2)
        .labels("more")
        .send()
        .await;
    assert_eq!(code_of(eleventh), "ParameterVersionLabelLimitExceeded");
    let missing_version = client
        .label_parameter_version()
        .name(&name)
        .parameter_version(7)
        .labels("x")
        .send()
        .await;
    assert_eq!(code_of(missing_version), "ParameterVersionNotFound");
    let unlabel = client
        .unlabel_parameter_version()
        .name(&name)
        .parameter_version(1)
        .labels("prod")
        .labels("absent")
        .send()
        .await
        .unwrap();
    assert_eq!(unlabel.removed_labels(), ["prod"]);
    assert_eq!(unlabel.invalid_labels(), ["absent"]);
    assert_eq!(
        code_of(
            client
                .get_parameter()
                .name(format!("{name}:prod"))
                .send()
                .await
        ),
        "ParameterNotFound"
    );
}

#[tokio::test]
async fn the_hundred_and_first_version_drops_the_oldest_unless_labelled() {
    let client = ssm().await;
    let name = unique("/e2e/hundred/p");
    for i in 1..=100 {
        put(&client, &name, &i.to_string()).await;
    }
    client
        .label_parameter_version()
        .name(&name)
        .parameter_version(1)
        .labels("pinned")
        .send()
        .await
        .unwrap();
    let blocked = client
        .put_parameter()
        .name(&name)
        .value("101")
        .overwrite(true)
        .send()
        .await;
    assert_eq!(code_of(blocked), "ParameterMaxVersionLimitExceeded");
    client
        .unlabel_parameter_version()
        .name(&name)
        .parameter_version(1)
        .labels("pinned")
        .send()
        .await
        .unwrap();
    assert_eq!(put(&client, &name, "101").await, 101);
    assert_eq!(
        code_of(
            client
                .get_parameter()
                .name(format!("{name}:1"))
                .send()
                .await
        ),
        "ParameterVersionNotFound"
    );
    assert_eq!(get_value(&client, &format!("{name}:2")).await, "2");
}

#[tokio::test]
async fn tags_are_added_listed_removed_and_limited() {
    let client = ssm().await;
    let name = unique("/e2e/tags/p");
    client
        .put_parameter()
        .name(&name)
        .value("v")
        .r#type(ParameterType::String)
        .tags(Tag::builder().key("a").value("1").build().unwrap())
        .send()
        .await
        .unwrap();
    let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build().unwrap();
    client
        .add_tags_to_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(&name)
        .tags(tag("b", "2"))
        .tags(tag("a", "one"))
        .send()
        .await
        .unwrap();
    let list = client
        .list_tags_for_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(&name)
        .send()
        .await
        .unwrap();
    let tags: Vec<(&str, &str)> = list
        .tag_list()
        .iter()
        .map(|t| (t.key(), t.value()))
        .collect();
    assert_eq!(tags, [("a", "one"), ("b", "2")]);
    client
        .remove_tags_from_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(&name)
        .tag_keys("a")
        .tag_keys("absent")
        .send()
        .await
        .unwrap();
    let list = client
        .list_tags_for_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(list.tag_list().len(), 1);
    let mut fifty = client
        .add_tags_to_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(&name);
    for i in 0..50 {
        fifty = fifty.tags(tag(&format!("k{i}"), "v"));
    }
    assert_eq!(code_of(fifty.send().await), "TooManyTagsError");
    let missing = client
        .list_tags_for_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(unique("/e2e/tags/none"))
        .send()
        .await;
    assert_eq!(code_of(missing), "InvalidResourceId");
    let with_overwrite = client
        .put_parameter()
        .name(&name)
        .value("v2")
        .overwrite(true)
        .tags(tag("c", "3"))
        .send()
        .await;
    assert_eq!(code_of(with_overwrite), "ValidationException");
    let bad_tag = client
        .add_tags_to_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(&name)
        .tags(tag("bad*key", "v"))
        .send()
        .await;
    assert_eq!(code_of(bad_tag), "ValidationException");
}

#[tokio::test]
async fn delete_one_and_many() {
    let client = ssm().await;
    let a = unique("/e2e/del/a");
    let b = unique("/e2e/del/b");
    put(&client, &a, "v").await;
    put(&client, &b, "v").await;
    client.delete_parameter().name(&a).send().await.unwrap();
    assert_eq!(
        code_of(client.get_parameter().name(&a).send().await),
        "ParameterNotFound"
    );
    let (code, message) = error_of(client.delete_parameter().name(&a).send().await);
    assert_eq!(code, "ParameterNotFound");
    assert_eq!(message, format!("Parameter {a} not found."));
    let out = client
        .delete_parameters()
        .names(&b)
        .names(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(out.deleted_parameters(), std::slice::from_ref(&b));
    assert_eq!(out.invalid_parameters(), std::slice::from_ref(&a));
    // A deleted name starts again at version 1.
    assert_eq!(put(&client, &a, "again").await, 1);
}

#[tokio::test]
async fn allowed_pattern_and_data_type_are_enforced() {
    let client = ssm().await;
    let name = unique("/e2e/pattern/p");
    client
        .put_parameter()
        .name(&name)
        .value("123")
        .r#type(ParameterType::String)
        .allowed_pattern("^\\d+$")
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        client
            .put_parameter()
            .name(&name)
            .value("abc")
            .overwrite(true)
            .send()
            .await,
    );
    assert_eq!(code, "ParameterPatternMismatchException");
    assert_eq!(
        message,
        "Parameter value, cannot be validated against allowedPattern: ^\\d+$"
    );
    let invalid = client
        .put_parameter()
        .name(unique("/e2e/pattern/q"))
        .value("x")
        .r#type(ParameterType::String)
        .allowed_pattern("(unclosed")
        .send()
        .await;
    assert_eq!(code_of(invalid), "InvalidAllowedPatternException");
    let data_type = client
        .put_parameter()
        .name(unique("/e2e/pattern/r"))
        .value("x")
        .r#type(ParameterType::String)
        .data_type("Text")
        .send()
        .await;
    assert_eq!(code_of(data_type), "ValidationException");
    let ami = unique("/e2e/pattern/ami");
    client
        .put_parameter()
        .name(&ami)
        .value("ami-12345678")
        .r#type(ParameterType::String)
        .data_type("aws:ec2:image")
        .send()
        .await
        .unwrap();
    let p = client.get_parameter().name(&ami).send().await.unwrap();
    assert_eq!(p.parameter().unwrap().data_type(), Some("aws:ec2:image"));
}

#[tokio::test]
async fn string_list_keeps_its_type() {
    let client = ssm().await;
    let name = unique("/e2e/list/p");
    client
        .put_parameter()
        .name(&name)
        .value("a,b,c")
        .r#type(ParameterType::StringList)
        .send()
        .await
        .unwrap();
    let p = client.get_parameter().name(&name).send().await.unwrap();
    let p = p.parameter().unwrap();
    assert_eq!(p.r#type(), Some(&ParameterType::StringList));
    assert_eq!(p.value(), Some("a,b,c"));
}

#[tokio::test]
async fn regions_have_separate_stores() {
    let east = ssm().await;
    let west = ssm_in("eu-west-1").await;
    let name = unique("/e2e/region/p");
    put(&east, &name, "east").await;
    assert_eq!(
        code_of(west.get_parameter().name(&name).send().await),
        "ParameterNotFound"
    );
    put(&west, &name, "west").await;
    let p = west.get_parameter().name(&name).send().await.unwrap();
    assert_eq!(
        p.parameter().unwrap().arn().unwrap(),
        format!("arn:aws:ssm:eu-west-1:123456789012:parameter{name}")
    );
    assert_eq!(get_value(&east, &name).await, "east");
}

#[tokio::test]
async fn concurrent_overwrites_never_lose_a_version() {
    let client = ssm().await;
    let name = unique("/e2e/race/p");
    let writers = 32;
    let mut tasks = Vec::new();
    for i in 0..writers {
        let client = client.clone();
        let name = name.clone();
        tasks.push(tokio::spawn(async move {
            client
                .put_parameter()
                .name(name)
                .value(format!("writer-{i}"))
                .r#type(ParameterType::String)
                .overwrite(true)
                .send()
                .await
                .unwrap()
                .version()
        }));
    }
    let mut versions = Vec::new();
    for task in tasks {
        versions.push(task.await.unwrap());
    }
    versions.sort_unstable();
    assert_eq!(versions, (1..=writers).collect::<Vec<i64>>());
    let history = client
        .get_parameter_history()
        .name(&name)
        .send()
        .await
        .unwrap();
    let listed: Vec<i64> = history.parameters().iter().map(|p| p.version()).collect();
    assert_eq!(listed, (1..=writers).collect::<Vec<i64>>());
    let mut values: Vec<&str> = history
        .parameters()
        .iter()
        .filter_map(|p| p.value())
        .collect();
    values.sort_unstable();
    values.dedup();
    assert_eq!(values.len(), writers as usize);
}

#[tokio::test]
async fn describe_filters_on_tier_data_type_and_key_id() {
    let client = ssm().await;
    let root = unique("/e2e/desc2");
    client
        .put_parameter()
        .name(format!("{root}/adv"))
        .value("v")
        .r#type(ParameterType::String)
        .tier(ParameterTier::Advanced)
        .send()
        .await
        .unwrap();
    client
        .put_parameter()
        .name(format!("{root}/ami"))
        .value("ami-0123456789abcdef0")
        .r#type(ParameterType::String)
        .data_type("aws:ec2:image")
        .send()
        .await
        .unwrap();
    let names = |extra: ParameterStringFilter| {
        let client = client.clone();
        let root = root.clone();
        async move {
            let out = client
                .describe_parameters()
                .parameter_filters(filter("Path", None, &[&root]))
                .parameter_filters(extra)
                .send()
                .await
                .unwrap();
            out.parameters()
                .iter()
                .map(|p| p.name().unwrap().rsplit('/').next().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(names(filter("Tier", None, &["Advanced"])).await, ["adv"]);
    assert_eq!(names(filter("Tier", None, &["Standard"])).await, ["ami"]);
    assert_eq!(
        names(filter("DataType", None, &["aws:ec2:image"])).await,
        ["ami"]
    );
    assert!(names(filter("KeyId", None, &["alias/aws/ssm"]))
        .await
        .is_empty());
    assert_eq!(names(filter("Type", None, &["String"])).await.len(), 2);
}

/// Reads check a hierarchical name's form as PutParameter does: `a/b` and `/a//b` are
/// `ValidationException`s, not lookups that find nothing (issue 13, from recorded AWS
/// answers).
#[tokio::test]
async fn reads_refuse_malformed_hierarchical_names() {
    let client = ssm().await;
    let relative = client
        .get_parameter()
        .name(format!("{}/b", unique("rel")))
        .send()
        .await;
    assert_eq!(
        error_of(relative),
        (
            "ValidationException".to_owned(),
            "Parameter name must be a fully qualified name.".to_owned()
        )
    );
    let empty_level = client
        .get_parameter()
        .name(format!("/{}//b", unique("dbl")))
        .send()
        .await;
    assert_eq!(code_of(empty_level), "ValidationException");
    let history = client
        .get_parameter_history()
        .name(format!("{}/b", unique("relh")))
        .send()
        .await;
    assert_eq!(code_of(history), "ValidationException");
}

/// An answer names the parameter as the request did: `/NAME` asked, `/NAME` answered,
/// though the parameter was written `NAME`.
#[tokio::test]
async fn answers_echo_the_name_as_asked() {
    let client = ssm().await;
    let plain = unique("echo");
    put(&client, &plain, "v").await;
    let asked = format!("/{plain}");
    let one = client.get_parameter().name(&asked).send().await.unwrap();
    assert_eq!(one.parameter().unwrap().name(), Some(asked.as_str()));
    let many = client.get_parameters().names(&asked).send().await.unwrap();
    assert_eq!(many.parameters()[0].name(), Some(asked.as_str()));
    let history = client
        .get_parameter_history()
        .name(&asked)
        .send()
        .await
        .unwrap();
    assert_eq!(history.parameters()[0].name(), Some(asked.as_str()));
}

/// A Secrets Manager reference to no secret answers as AWS does (aws/aws-cli#10518).
#[tokio::test]
async fn secrets_manager_reference_to_no_secret() {
    let client = ssm().await;
    let secret = unique("nosecret");
    let result = client
        .get_parameter()
        .name(format!("/aws/reference/secretsmanager/{secret}"))
        .with_decryption(true)
        .send()
        .await;
    assert_eq!(
        error_of(result),
        (
            "ParameterNotFound".to_owned(),
            format!("An error occurred (ParameterNotFound) when referencing Secrets Manager: Secret aws/reference/secretsmanager/{secret} not found.")
        )
    );
}
