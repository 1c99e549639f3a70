//! AWS Systems Manager Parameter Store over awsJson1.1 (`X-Amz-Target: AmazonSSM.*`).
//!
//! Each operation is a function from its typed input to its typed output or an
//! [`SsmError`]; [`TABLE`] is the one place operations are reached from.

pub mod error;
pub mod filters;
pub mod fixture;
pub mod labels;
pub mod model;
pub mod names;
pub mod params;
pub mod put;
pub mod query;
pub mod secure;
pub mod services;
pub mod store;
pub mod tags;
pub mod token;

pub use error::SsmError;
pub use services::SsmServices;

use crate::dispatch::DispatchTable;
use crate::operation;
use store::ParameterVersion;

/// The `X-Amz-Target` prefix of Parameter Store (from the model).
pub const TARGET_PREFIX: &str = crate::generated::ssm::TARGET_PREFIX;

/// Every implemented operation, sorted by full name. Operations receive the narrow
/// [`SsmServices`] (a region's parameters, IAM, KMS as the caller), not the whole state.
pub static TABLE: DispatchTable<SsmError, [u8], Vec<u8>, dyn SsmServices> = DispatchTable {
    prefix: TARGET_PREFIX,
    operations: &[
        operation!("AmazonSSM.AddTagsToResource", tags::add_tags_to_resource),
        operation!("AmazonSSM.DeleteParameter", params::delete_parameter),
        operation!("AmazonSSM.DeleteParameters", params::delete_parameters),
        operation!("AmazonSSM.DescribeParameters", query::describe_parameters),
        operation!("AmazonSSM.GetParameter", params::get_parameter),
        operation!(
            "AmazonSSM.GetParameterHistory",
            params::get_parameter_history
        ),
        operation!("AmazonSSM.GetParameters", params::get_parameters),
        operation!(
            "AmazonSSM.GetParametersByPath",
            query::get_parameters_by_path
        ),
        operation!(
            "AmazonSSM.LabelParameterVersion",
            labels::label_parameter_version
        ),
        operation!(
            "AmazonSSM.ListTagsForResource",
            tags::list_tags_for_resource
        ),
        operation!("AmazonSSM.PutParameter", put::put_parameter),
        operation!(
            "AmazonSSM.RemoveTagsFromResource",
            tags::remove_tags_from_resource
        ),
        operation!(
            "AmazonSSM.UnlabelParameterVersion",
            labels::unlabel_parameter_version
        ),
    ],
    all_operations: ALL_OPERATIONS,
};

/// Asks IAM whether the caller may perform `action` on `resource`, answering a refusal
/// as SSM does (`AccessDeniedException` with AWS's message).
pub(crate) fn authorize(
    services: &dyn SsmServices,
    ctx: &crate::context::RequestContext,
    action: &str,
    resource: &str,
) -> Result<(), SsmError> {
    authorize_with(services, ctx, action, resource, &crate::iam::no_keys)
}

/// [`authorize`] with the operation's condition keys (`ssm:Recursive`, ...), added only
/// when a policy reads condition keys.
pub(crate) fn authorize_with(
    services: &dyn SsmServices,
    ctx: &crate::context::RequestContext,
    action: &str,
    resource: &str,
    extra: &dyn Fn(&mut crate::iam::policy::ContextKeys),
) -> Result<(), SsmError> {
    services
        .authorize(ctx, action, resource, extra)
        .map_err(SsmError::AccessDeniedException)
}

/// `aws:ResourceTag/KEY` and `ssm:resourceTag/KEY` for each tag of the parameter an ARN
/// names, when it exists in the request's region (Service Authorization Reference,
/// "Actions, resources, and condition keys for AWS Systems Manager": the `parameter`
/// resource type).
fn parameter_tag_keys(
    services: &dyn SsmServices,
    ctx: &crate::context::RequestContext,
    arn: &str,
    keys: &mut crate::iam::policy::ContextKeys,
) {
    let Some((_, name)) = arn.split_once(":parameter") else {
        return;
    };
    services
        .parameters(&ctx.region)
        .with(&names::key_of(name), |parameter| {
            for (k, v) in &parameter.tags {
                keys.insert(&format!("aws:ResourceTag/{k}"), v.as_str());
                keys.insert(&format!("ssm:resourceTag/{k}"), v.as_str());
            }
        });
}

/// `aws:RequestTag/KEY` for each tag of a request, and `aws:TagKeys` (multivalued).
pub(crate) fn request_tag_keys(
    keys: &mut crate::iam::policy::ContextKeys,
    tags: &[(String, String)],
) {
    for (k, v) in tags {
        keys.insert(&format!("aws:RequestTag/{k}"), v.as_str());
    }
    keys.insert_many("aws:TagKeys", tags.iter().map(|(k, _)| k.clone()).collect());
}

/// Authorises `action` on the parameter `name` (its ARN, selector stripped). An ARN names
/// its own account: a parameter of another account is reached only through that
/// account's resource policy (IAM's cross-account rule: "Cross-account policy evaluation
/// logic", IAM User Guide), and no parameter here has one (no sharing through AWS RAM),
/// so such a request is refused with "no resource-based policy allows" once the caller's
/// own policies have been asked.
pub(crate) fn authorize_parameter(
    services: &dyn SsmServices,
    ctx: &crate::context::RequestContext,
    action: &str,
    name: &str,
) -> Result<(), SsmError> {
    authorize_parameter_with(services, ctx, action, name, &crate::iam::no_keys)
}

/// [`authorize_parameter`] with the operation's condition keys besides the parameter's
/// tags, added only when a policy reads condition keys.
pub(crate) fn authorize_parameter_with(
    services: &dyn SsmServices,
    ctx: &crate::context::RequestContext,
    action: &str,
    name: &str,
    extra: &dyn Fn(&mut crate::iam::policy::ContextKeys),
) -> Result<(), SsmError> {
    let bare = name.split(':').next().unwrap_or(name);
    let arn = if name.starts_with("arn:") {
        // An ARN names its parameter already; drop a selector after the resource.
        match name.rsplit_once(':') {
            Some((head, _)) if head.contains(":parameter/") => head.to_owned(),
            _ => name.to_owned(),
        }
    } else {
        names::arn(&ctx.region, &ctx.account, bare)
    };
    if names::arn_account(&arn).is_some_and(|account| account != ctx.account) {
        return services
            .authorize_without_resource_policy(ctx, action, &arn)
            .map_err(SsmError::AccessDeniedException);
    }
    authorize_with(services, ctx, action, &arn, &|keys| {
        parameter_tag_keys(services, ctx, &arn, keys);
        extra(keys);
    })
}

/// A parameter version as the read operations return it.
pub(crate) fn to_parameter(
    name: &str,
    version: &ParameterVersion,
    region: &str,
    account: &str,
    selector: Option<String>,
) -> model::Parameter {
    model::Parameter {
        name: Some(name.to_owned()),
        r#type: Some(version.kind.as_str().to_owned()),
        value: Some(version.value.clone()),
        version: Some(version.version as i64),
        selector,
        source_result: None,
        last_modified_date: Some(version.last_modified),
        arn: Some(names::arn(region, account, name)),
        data_type: Some(version.data_type.clone()),
    }
}

/// A version's policies as DescribeParameters and GetParameterHistory show them.
pub(crate) fn inline_policies(version: &ParameterVersion) -> Vec<model::ParameterInlinePolicy> {
    version
        .policies
        .iter()
        .map(|text| model::ParameterInlinePolicy {
            policy_type: Some(
                serde_json::from_str::<serde_json::Value>(text)
                    .ok()
                    .and_then(|v| v.get("Type").and_then(|t| t.as_str()).map(str::to_owned))
                    .unwrap_or_default(),
            ),
            policy_text: Some(text.clone()),
            policy_status: Some("Pending".to_owned()),
        })
        .collect()
}

/// Every operation of the SSM API, implemented or not (from the model).
pub const ALL_OPERATIONS: &[&str] = crate::generated::ssm::OPERATIONS;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::Lookup;

    #[test]
    fn table_is_sorted_and_names_real_operations() {
        TABLE.check().unwrap();
        assert_eq!(ALL_OPERATIONS.len(), 154);
    }

    #[test]
    fn lookups_tell_implemented_unimplemented_and_unknown_apart() {
        assert!(matches!(
            TABLE.lookup("AmazonSSM.GetParameter"),
            Lookup::Found(_)
        ));
        assert!(matches!(
            TABLE.lookup("AmazonSSM.SendCommand"),
            Lookup::NotImplemented
        ));
        assert!(matches!(TABLE.lookup("AmazonSSM.Nope"), Lookup::Unknown));
        assert!(matches!(TABLE.lookup("GetParameter"), Lookup::Unknown));
    }

    /// The codes each operation can answer besides the ones every operation can
    /// (ValidationException, SerializationException, AccessDeniedException,
    /// InternalServerError), as its code raises them.
    const RAISES: &[(&str, &[&str])] = &[
        (
            "AddTagsToResource",
            &["InvalidResourceId", "TooManyTagsError"],
        ),
        ("DeleteParameter", &["ParameterNotFound"]),
        ("DeleteParameters", &[]),
        (
            "DescribeParameters",
            &[
                "InvalidFilterKey",
                "InvalidFilterOption",
                "InvalidFilterValue",
                "InvalidNextToken",
            ],
        ),
        (
            "GetParameter",
            &[
                "ParameterNotFound",
                "ParameterVersionNotFound",
                "InvalidKeyId",
            ],
        ),
        (
            "GetParameterHistory",
            &["ParameterNotFound", "InvalidNextToken", "InvalidKeyId"],
        ),
        ("GetParameters", &["InvalidKeyId"]),
        (
            "GetParametersByPath",
            &[
                "InvalidFilterKey",
                "InvalidFilterOption",
                "InvalidFilterValue",
                "InvalidNextToken",
                "InvalidKeyId",
                "HierarchyLevelLimitExceededException",
            ],
        ),
        (
            "LabelParameterVersion",
            &[
                "ParameterNotFound",
                "ParameterVersionNotFound",
                "ParameterVersionLabelLimitExceeded",
            ],
        ),
        ("ListTagsForResource", &["InvalidResourceId"]),
        (
            "PutParameter",
            &[
                "InvalidKeyId",
                "ParameterLimitExceeded",
                "ParameterAlreadyExists",
                "HierarchyLevelLimitExceededException",
                "HierarchyTypeMismatchException",
                "InvalidAllowedPatternException",
                "ParameterMaxVersionLimitExceeded",
                "ParameterPatternMismatchException",
                "PoliciesLimitExceededException",
                "InvalidPolicyTypeException",
                "InvalidPolicyAttributeException",
                "IncompatiblePolicyException",
            ],
        ),
        ("RemoveTagsFromResource", &["InvalidResourceId"]),
        (
            "UnlabelParameterVersion",
            &["ParameterNotFound", "ParameterVersionNotFound"],
        ),
    ];

    /// Answers the model does not list for the operation, kept on purpose: a path of more
    /// than 15 levels (the API reference's GetParametersByPath does not say what AWS
    /// answers; the emulator answers as PutParameter does for such a name).
    const UNLISTED: &[(&str, &str)] = &[(
        "GetParametersByPath",
        "HierarchyLevelLimitExceededException",
    )];

    /// Each operation answers only errors its model lists (plus the common ones and the
    /// differences named in `UNLISTED`), and every implemented operation is checked.
    #[test]
    fn operations_answer_the_errors_their_model_lists() {
        use crate::generated::ssm::IMPLEMENTED;
        assert_eq!(RAISES.len(), IMPLEMENTED.len());
        for (op, codes) in RAISES {
            let (_, _, _, modelled) = IMPLEMENTED
                .iter()
                .find(|(name, ..)| name == op)
                .unwrap_or_else(|| panic!("{op} is not implemented through the model"));
            for code in *codes {
                assert!(
                    modelled.contains(code) || UNLISTED.contains(&(op, code)),
                    "{op} answers {code}, which its model does not list"
                );
            }
        }
    }
}
