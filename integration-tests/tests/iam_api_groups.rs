//! The IAM API's groups, managed policy versions and policy simulation with the official
//! `aws-sdk-iam` client: a group's policies are its members' at once, the default
//! version of a managed policy is the one evaluated, and SimulatePrincipalPolicy answers
//! what the emulator then decides.

use crate::common::{error_of, get_only, iam, ssm, ssm_as, unique, ACCOUNT};
use aws_sdk_iam::types::PolicyEvaluationDecisionType as Decision;
use aws_sdk_ssm::types::ParameterType;

/// A parameter under a new prefix, and a new user with a key: (prefix, user, key, secret).
async fn world(tag: &str) -> (String, String, String, String) {
    let prefix = unique(&format!("/{tag}"));
    for leaf in ["a", "b"] {
        ssm()
            .await
            .put_parameter()
            .name(format!("{prefix}/{leaf}"))
            .value("v")
            .r#type(ParameterType::String)
            .send()
            .await
            .unwrap();
    }
    let iam = iam().await;
    let user = unique(&format!("{tag}-user-"));
    iam.create_user().user_name(&user).send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name(&user)
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    (
        prefix,
        user,
        key.access_key_id().to_owned(),
        key.secret_access_key().to_owned(),
    )
}

/// A user allowed only through its group's inline policy reads at once; removed from the
/// group, it is refused at once; a group with members or policies cannot be deleted.
#[tokio::test]
async fn a_user_is_allowed_through_its_groups_policies_at_once() {
    let (prefix, user, key, secret) = world("iamgroup").await;
    let iam = iam().await;
    let group = unique("readers-");
    let created = iam.create_group().group_name(&group).send().await.unwrap();
    assert_eq!(
        created.group().unwrap().arn(),
        format!("arn:aws:iam::{ACCOUNT}:group/{group}")
    );
    assert!(created.group().unwrap().group_id().starts_with("AGPA"));
    let (code, message) = error_of(iam.create_group().group_name(&group).send().await);
    assert_eq!(code, "EntityAlreadyExists");
    assert_eq!(message, format!("Group with name {group} already exists."));
    iam.put_group_policy()
        .group_name(&group)
        .policy_name("read-a")
        .policy_document(get_only(&format!("arn:aws:ssm:*:*:parameter{prefix}/a")))
        .send()
        .await
        .unwrap();

    let as_user = ssm_as(&key, &secret).await;
    let a = format!("{prefix}/a");
    let (code, _) = error_of(as_user.get_parameter().name(&a).send().await);
    assert_eq!(code, "AccessDeniedException", "not yet a member");
    iam.add_user_to_group()
        .group_name(&group)
        .user_name(&user)
        .send()
        .await
        .unwrap();
    as_user.get_parameter().name(&a).send().await.unwrap();
    let (code, _) = error_of(
        as_user
            .get_parameter()
            .name(format!("{prefix}/b"))
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");

    let got = iam.get_group().group_name(&group).send().await.unwrap();
    let members: Vec<&str> = got.users().iter().map(|u| u.user_name()).collect();
    assert_eq!(members, [user.as_str()]);
    let of_user = iam
        .list_groups_for_user()
        .user_name(&user)
        .send()
        .await
        .unwrap();
    assert_eq!(of_user.groups()[0].group_name(), group);
    let policies = iam
        .list_group_policies()
        .group_name(&group)
        .send()
        .await
        .unwrap();
    assert_eq!(policies.policy_names(), ["read-a"]);
    let document = iam
        .get_group_policy()
        .group_name(&group)
        .policy_name("read-a")
        .send()
        .await
        .unwrap();
    assert!(document.policy_document().contains("ssm%3AGetParameter"));

    // A group with members, or with policies, is not deleted; nor is a member user.
    let (code, message) = error_of(iam.delete_group().group_name(&group).send().await);
    assert_eq!(code, "DeleteConflict");
    assert_eq!(
        message,
        "Cannot delete entity, must remove users from group first."
    );
    iam.delete_access_key()
        .user_name(&user)
        .access_key_id(&key)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(iam.delete_user().user_name(&user).send().await);
    assert_eq!(code, "DeleteConflict");
    let new_key = iam
        .create_access_key()
        .user_name(&user)
        .send()
        .await
        .unwrap();
    let new_key = new_key.access_key().unwrap();
    let as_user = ssm_as(new_key.access_key_id(), new_key.secret_access_key()).await;
    as_user.get_parameter().name(&a).send().await.unwrap();
    iam.remove_user_from_group()
        .group_name(&group)
        .user_name(&user)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(as_user.get_parameter().name(&a).send().await);
    assert_eq!(code, "AccessDeniedException", "no longer a member");
    let (code, message) = error_of(iam.delete_group().group_name(&group).send().await);
    assert_eq!(code, "DeleteConflict");
    assert_eq!(message, "Cannot delete entity, must delete policies first.");
    iam.delete_group_policy()
        .group_name(&group)
        .policy_name("read-a")
        .send()
        .await
        .unwrap();
    iam.delete_group().group_name(&group).send().await.unwrap();
    let (code, message) = error_of(iam.get_group().group_name(&group).send().await);
    assert_eq!(code, "NoSuchEntity");
    assert_eq!(
        message,
        format!("The group with name {group} cannot be found.")
    );
}

/// A managed policy attached to a group allows its members; versions change what it
/// allows when made the default, at most five exist, and the default one cannot be
/// deleted.
#[tokio::test]
async fn the_default_version_of_a_group_policy_is_the_one_evaluated() {
    let (prefix, user, key, secret) = world("iamversion").await;
    let iam = iam().await;
    let group = unique("versioned-");
    iam.create_group().group_name(&group).send().await.unwrap();
    iam.add_user_to_group()
        .group_name(&group)
        .user_name(&user)
        .send()
        .await
        .unwrap();
    let policy = iam
        .create_policy()
        .policy_name(unique("versioned-"))
        .description("reads a")
        .policy_document(get_only(&format!("arn:aws:ssm:*:*:parameter{prefix}/a")))
        .send()
        .await
        .unwrap();
    assert_eq!(policy.policy().unwrap().description(), Some("reads a"));
    let arn = policy.policy().unwrap().arn().unwrap().to_owned();
    iam.attach_group_policy()
        .group_name(&group)
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let attached = iam
        .list_attached_group_policies()
        .group_name(&group)
        .send()
        .await
        .unwrap();
    assert_eq!(
        attached.attached_policies()[0].policy_arn(),
        Some(arn.as_str())
    );
    let entities = iam
        .list_entities_for_policy()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        entities.policy_groups()[0].group_name(),
        Some(group.as_str())
    );
    assert!(entities.policy_users().is_empty() && entities.policy_roles().is_empty());
    let as_user = ssm_as(&key, &secret).await;
    let (a, b) = (format!("{prefix}/a"), format!("{prefix}/b"));
    as_user.get_parameter().name(&a).send().await.unwrap();

    // v2, not the default: nothing changes.
    let v2 = iam
        .create_policy_version()
        .policy_arn(&arn)
        .policy_document(get_only(&format!("arn:aws:ssm:*:*:parameter{prefix}/b")))
        .send()
        .await
        .unwrap();
    assert_eq!(v2.policy_version().unwrap().version_id(), Some("v2"));
    assert!(!v2.policy_version().unwrap().is_default_version());
    let (code, _) = error_of(as_user.get_parameter().name(&b).send().await);
    assert_eq!(code, "AccessDeniedException");
    // Made the default, v2 decides at once.
    iam.set_default_policy_version()
        .policy_arn(&arn)
        .version_id("v2")
        .send()
        .await
        .unwrap();
    as_user.get_parameter().name(&b).send().await.unwrap();
    let (code, _) = error_of(as_user.get_parameter().name(&a).send().await);
    assert_eq!(code, "AccessDeniedException");
    let got = iam.get_policy().policy_arn(&arn).send().await.unwrap();
    assert_eq!(got.policy().unwrap().default_version_id(), Some("v2"));
    let local = iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .only_attached(true)
        .max_items(1000)
        .send()
        .await
        .unwrap();
    let listed = local
        .policies()
        .iter()
        .find(|p| p.arn() == Some(arn.as_str()))
        .expect("the attached local policy is listed");
    assert_eq!(listed.default_version_id(), Some("v2"));
    assert!(local
        .policies()
        .iter()
        .all(|p| !p.arn().unwrap().starts_with("arn:aws:iam::aws:")));
    assert_eq!(got.policy().unwrap().attachment_count(), Some(1));

    // Five versions at most; SetAsDefault makes the new one the default.
    for _ in 3..=5 {
        iam.create_policy_version()
            .policy_arn(&arn)
            .policy_document(get_only(&format!("arn:aws:ssm:*:*:parameter{prefix}/a")))
            .set_as_default(true)
            .send()
            .await
            .unwrap();
    }
    as_user.get_parameter().name(&a).send().await.unwrap();
    let (code, message) = error_of(
        iam.create_policy_version()
            .policy_arn(&arn)
            .policy_document(get_only("*"))
            .send()
            .await,
    );
    assert_eq!(code, "LimitExceeded");
    assert!(message.contains("up to 5 versions"), "{message}");
    let listed = iam
        .list_policy_versions()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let ids: Vec<(&str, bool)> = listed
        .versions()
        .iter()
        .map(|v| (v.version_id().unwrap(), v.is_default_version()))
        .collect();
    assert_eq!(
        ids,
        [
            ("v5", true),
            ("v4", false),
            ("v3", false),
            ("v2", false),
            ("v1", false)
        ]
    );
    let (code, message) = error_of(
        iam.delete_policy_version()
            .policy_arn(&arn)
            .version_id("v5")
            .send()
            .await,
    );
    assert_eq!(code, "DeleteConflict");
    assert_eq!(message, "Cannot delete the default version of a policy.");
    iam.delete_policy_version()
        .policy_arn(&arn)
        .version_id("v2")
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        iam.get_policy_version()
            .policy_arn(&arn)
            .version_id("v2")
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    let v1 = iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id("v1")
        .send()
        .await
        .unwrap();
    assert!(v1
        .policy_version()
        .unwrap()
        .document()
        .unwrap()
        .contains("%2Fa%22"));

    // Detached from the group, the policy no longer allows its members.
    iam.detach_group_policy()
        .group_name(&group)
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(as_user.get_parameter().name(&a).send().await);
    assert_eq!(code, "AccessDeniedException");
    let (code, _) = error_of(iam.delete_policy().policy_arn(&arn).send().await);
    assert_eq!(
        code, "DeleteConflict",
        "versions other than the default remain"
    );
}

/// SimulatePrincipalPolicy answers, with its reasons, what the emulator then decides
/// for the same user's real calls: allowed by a group's policy, refused by an explicit
/// deny, refused for want of an allow, and limited by a permissions boundary.
#[tokio::test]
async fn simulate_principal_policy_agrees_with_the_emulators_decisions() {
    let (prefix, user, key, secret) = world("iamsim").await;
    let iam = iam().await;
    let group = unique("sim-");
    iam.create_group().group_name(&group).send().await.unwrap();
    iam.add_user_to_group()
        .group_name(&group)
        .user_name(&user)
        .send()
        .await
        .unwrap();
    iam.put_group_policy()
        .group_name(&group)
        .policy_name("read-all")
        .policy_document(get_only(&format!("arn:aws:ssm:*:*:parameter{prefix}/*")))
        .send()
        .await
        .unwrap();
    let deny_b = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"ssm:GetParameter","Resource":"arn:aws:ssm:*:*:parameter{prefix}/b"}}]}}"#
    );
    iam.put_user_policy()
        .user_name(&user)
        .policy_name("no-b")
        .policy_document(&deny_b)
        .send()
        .await
        .unwrap();
    let user_arn = format!("arn:aws:iam::{ACCOUNT}:user/{user}");
    let region = "us-east-1";
    let parameter_arn =
        |leaf: &str| format!("arn:aws:ssm:{region}:{ACCOUNT}:parameter{prefix}/{leaf}");

    let simulated = iam
        .simulate_principal_policy()
        .policy_source_arn(&user_arn)
        .action_names("ssm:GetParameter")
        .action_names("ssm:PutParameter")
        .resource_arns(parameter_arn("a"))
        .send()
        .await
        .unwrap();
    let results = simulated.evaluation_results();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].eval_action_name(), "ssm:GetParameter");
    assert_eq!(results[0].eval_decision(), &Decision::Allowed);
    assert_eq!(
        results[0].eval_resource_name(),
        Some(parameter_arn("a").as_str())
    );
    let matched = &results[0].matched_statements()[0];
    assert_eq!(matched.source_policy_id(), Some("read-all"));
    assert_eq!(
        matched.source_policy_type().map(|t| t.as_str()),
        Some("group")
    );
    assert_eq!(results[1].eval_decision(), &Decision::ImplicitDeny);
    assert!(results[1].matched_statements().is_empty());
    let denied = iam
        .simulate_principal_policy()
        .policy_source_arn(&user_arn)
        .action_names("ssm:GetParameter")
        .resource_arns(parameter_arn("b"))
        .send()
        .await
        .unwrap();
    let denied = &denied.evaluation_results()[0];
    assert_eq!(denied.eval_decision(), &Decision::ExplicitDeny);
    assert_eq!(
        denied.matched_statements()[0].source_policy_id(),
        Some("no-b")
    );

    // The real calls decide the same.
    let as_user = ssm_as(&key, &secret).await;
    as_user
        .get_parameter()
        .name(format!("{prefix}/a"))
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        as_user
            .get_parameter()
            .name(format!("{prefix}/b"))
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
    assert!(message.contains("explicit deny"), "{message}");
    let (code, _) = error_of(
        as_user
            .put_parameter()
            .name(format!("{prefix}/a"))
            .value("w")
            .r#type(ParameterType::String)
            .overwrite(true)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");

    // A boundary passed in limits the simulation; put on the user, the real call.
    let boundary = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:DescribeParameters","Resource":"*"}]}"#;
    let limited = iam
        .simulate_principal_policy()
        .policy_source_arn(&user_arn)
        .action_names("ssm:GetParameter")
        .resource_arns(parameter_arn("a"))
        .permissions_boundary_policy_input_list(boundary)
        .send()
        .await
        .unwrap();
    let limited = &limited.evaluation_results()[0];
    assert_eq!(limited.eval_decision(), &Decision::ImplicitDeny);
    assert_eq!(
        limited
            .permissions_boundary_decision_detail()
            .map(|d| d.allowed_by_permissions_boundary()),
        Some(false)
    );
    let boundary_policy = iam
        .create_policy()
        .policy_name(unique("sim-boundary-"))
        .policy_document(boundary)
        .send()
        .await
        .unwrap();
    iam.put_user_permissions_boundary()
        .user_name(&user)
        .permissions_boundary(boundary_policy.policy().unwrap().arn().unwrap())
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        as_user
            .get_parameter()
            .name(format!("{prefix}/a"))
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
    assert!(message.contains("permissions boundary"), "{message}");
    let now = iam
        .simulate_principal_policy()
        .policy_source_arn(&user_arn)
        .action_names("ssm:GetParameter")
        .resource_arns(parameter_arn("a"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        now.evaluation_results()[0].eval_decision(),
        &Decision::ImplicitDeny
    );

    // SimulateCustomPolicy: the keys a condition needs and were not given are named.
    let conditional = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}]}"#;
    let custom = iam
        .simulate_custom_policy()
        .policy_input_list(conditional)
        .action_names("ssm:GetParameter")
        .send()
        .await
        .unwrap();
    let custom = &custom.evaluation_results()[0];
    assert_eq!(custom.eval_decision(), &Decision::ImplicitDeny);
    assert_eq!(custom.missing_context_values(), ["aws:principaltag/team"]);
    let given = iam
        .simulate_custom_policy()
        .policy_input_list(conditional)
        .action_names("ssm:GetParameter")
        .context_entries(
            aws_sdk_iam::types::ContextEntry::builder()
                .context_key_name("aws:PrincipalTag/team")
                .context_key_values("blue")
                .context_key_type(aws_sdk_iam::types::ContextKeyTypeEnum::String)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let given = &given.evaluation_results()[0];
    assert_eq!(given.eval_decision(), &Decision::Allowed);
    assert_eq!(
        given.matched_statements()[0].source_policy_id(),
        Some("PolicyInputList.1")
    );
}

/// GetAccountAuthorizationDetails shows every principal with its policies (documents
/// URL-encoded), filtered and paged; instance profiles hold one role, which cannot be
/// deleted while they do; List* answers page with MaxItems and Marker.
#[tokio::test]
async fn account_details_instance_profiles_and_pages() {
    let iam = iam().await;
    let tag = unique("gaad");
    let user = format!("{tag}-user");
    let group = format!("{tag}-group");
    let role = format!("{tag}-role");
    iam.create_user().user_name(&user).send().await.unwrap();
    iam.create_group().group_name(&group).send().await.unwrap();
    iam.add_user_to_group()
        .group_name(&group)
        .user_name(&user)
        .send()
        .await
        .unwrap();
    iam.put_user_policy()
        .user_name(&user)
        .policy_name("inline")
        .policy_document(get_only("*"))
        .send()
        .await
        .unwrap();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    iam.create_role()
        .role_name(&role)
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name(&role)
        .policy_arn("arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess")
        .send()
        .await
        .unwrap();

    let profile = format!("{tag}-profile");
    let created = iam
        .create_instance_profile()
        .instance_profile_name(&profile)
        .send()
        .await
        .unwrap();
    assert_eq!(
        created.instance_profile().unwrap().arn(),
        format!("arn:aws:iam::{ACCOUNT}:instance-profile/{profile}")
    );
    iam.add_role_to_instance_profile()
        .instance_profile_name(&profile)
        .role_name(&role)
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(
        iam.add_role_to_instance_profile()
            .instance_profile_name(&profile)
            .role_name(&role)
            .send()
            .await,
    );
    assert_eq!(code, "LimitExceeded");
    assert_eq!(
        message,
        "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"
    );
    let got = iam
        .get_instance_profile()
        .instance_profile_name(&profile)
        .send()
        .await
        .unwrap();
    assert_eq!(got.instance_profile().unwrap().roles()[0].role_name(), role);
    let for_role = iam
        .list_instance_profiles_for_role()
        .role_name(&role)
        .send()
        .await
        .unwrap();
    assert_eq!(
        for_role.instance_profiles()[0].instance_profile_name(),
        profile
    );

    let details = iam
        .get_account_authorization_details()
        .filter(aws_sdk_iam::types::EntityType::User)
        .filter(aws_sdk_iam::types::EntityType::Role)
        .filter(aws_sdk_iam::types::EntityType::Group)
        .filter(aws_sdk_iam::types::EntityType::AwsManagedPolicy)
        .max_items(1000)
        .send()
        .await
        .unwrap();
    let u = details
        .user_detail_list()
        .iter()
        .find(|u| u.user_name() == Some(user.as_str()))
        .unwrap();
    assert_eq!(u.group_list(), std::slice::from_ref(&group));
    assert_eq!(u.user_policy_list()[0].policy_name(), Some("inline"));
    assert!(u.user_policy_list()[0]
        .policy_document()
        .unwrap()
        .contains("ssm%3AGetParameter"));
    assert!(details
        .group_detail_list()
        .iter()
        .any(|g| g.group_name() == Some(group.as_str())));
    let r = details
        .role_detail_list()
        .iter()
        .find(|r| r.role_name() == Some(role.as_str()))
        .unwrap();
    assert_eq!(
        r.attached_managed_policies()[0].policy_name(),
        Some("AmazonSSMReadOnlyAccess")
    );
    assert_eq!(
        r.instance_profile_list()[0].instance_profile_name(),
        profile
    );
    assert!(r
        .assume_role_policy_document()
        .unwrap()
        .contains("sts%3AAssumeRole"));
    let ssm_read = details
        .policies()
        .iter()
        .find(|p| p.policy_name() == Some("AmazonSSMReadOnlyAccess"))
        .unwrap();
    assert!(ssm_read.policy_version_list()[0]
        .document()
        .unwrap()
        .contains("ssm%3AGet%2A"));
    let only_users = iam
        .get_account_authorization_details()
        .filter(aws_sdk_iam::types::EntityType::User)
        .send()
        .await
        .unwrap();
    assert!(only_users.role_detail_list().is_empty());
    assert!(only_users.policies().is_empty());

    // One page at a time, the marker leads through every role exactly once (other
    // tests create roles meanwhile: those that existed throughout must all be seen).
    let names = |page: &aws_sdk_iam::operation::list_roles::ListRolesOutput| -> Vec<String> {
        page.roles()
            .iter()
            .map(|r| r.role_name().to_owned())
            .collect()
    };
    let before = names(&iam.list_roles().max_items(1000).send().await.unwrap());
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = iam
            .list_roles()
            .max_items(1)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        assert!(page.roles().len() <= 1);
        seen.extend(names(&page));
        if !page.is_truncated() {
            break;
        }
        marker = page.marker().map(str::to_owned);
    }
    let after = names(&iam.list_roles().max_items(1000).send().await.unwrap());
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique, seen, "in order, none twice");
    assert!(seen.contains(&role));
    let throughout = before.iter().filter(|n| after.contains(n));
    assert!(
        throughout.clone().all(|n| seen.contains(n)),
        "{seen:?} {before:?}"
    );

    // The role is held by its profile until removed from it, then by its attached
    // policy until detached.
    let (code, message) = error_of(iam.delete_role().role_name(&role).send().await);
    assert_eq!(code, "DeleteConflict");
    assert_eq!(
        message,
        "Cannot delete entity, must remove roles from instance profile first."
    );
    let (code, _) = error_of(
        iam.delete_instance_profile()
            .instance_profile_name(&profile)
            .send()
            .await,
    );
    assert_eq!(code, "DeleteConflict");
    iam.remove_role_from_instance_profile()
        .instance_profile_name(&profile)
        .role_name(&role)
        .send()
        .await
        .unwrap();
    iam.delete_instance_profile()
        .instance_profile_name(&profile)
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(iam.delete_role().role_name(&role).send().await);
    assert_eq!(code, "DeleteConflict");
    assert_eq!(
        message,
        "Cannot delete entity, must detach all policies first."
    );
    iam.detach_role_policy()
        .role_name(&role)
        .policy_arn("arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess")
        .send()
        .await
        .unwrap();
    iam.delete_role().role_name(&role).send().await.unwrap();
    let (code, message) = error_of(
        iam.get_instance_profile()
            .instance_profile_name(&profile)
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    assert_eq!(
        message,
        format!("Instance Profile {profile} cannot be found.")
    );
}

/// STS as the IAM API needs it: GetAccessKeyInfo names the account of a key created over
/// the IAM API; a one-character session name is refused for its minimum length.
#[tokio::test]
async fn sts_names_a_keys_account_and_the_constraint_a_session_name_breaks() {
    let iam = iam().await;
    let user = unique("sts-info-");
    iam.create_user().user_name(&user).send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name(&user)
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    let sts = aws_sdk_sts::Client::new(&aws_config::load_from_env().await);
    let info = sts
        .get_access_key_info()
        .access_key_id(key.access_key_id())
        .send()
        .await
        .unwrap();
    assert_eq!(info.account(), Some(ACCOUNT));
    // A key id the emulator never issued: the account it encodes, as AWS answers it (the
    // example decoded in Tal Be'ery's "A short note on AWS KEY ID").
    let info = sts
        .get_access_key_info()
        .access_key_id("ASIAY34FZKBOKMUTVV7A")
        .send()
        .await
        .unwrap();
    assert_eq!(info.account(), Some("609629065308"));

    let (code, message) = error_of(
        sts.assume_role()
            .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/any"))
            .role_session_name("a")
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    assert_eq!(
        message,
        "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"
    );
}

/// IAM's own condition keys decide IAM calls as AWS documents them: a role may be
/// created only with the required boundary (`iam:PermissionsBoundary`), only one policy
/// attached (`iam:PolicyARN`), only the `team` tag put (`aws:TagKeys`), and only roles
/// tagged `team=blue` read (`iam:ResourceTag/team`).
#[tokio::test]
async fn iam_condition_keys_decide_iam_calls() {
    let iam = iam().await;
    let tag = unique("cond");
    let boundary = iam
        .create_policy()
        .policy_name(format!("{tag}-boundary"))
        .policy_document(get_only("*"))
        .send()
        .await
        .unwrap();
    let boundary_arn = boundary.policy().unwrap().arn().unwrap().to_owned();
    let roles = format!("arn:aws:iam::{ACCOUNT}:role/{tag}-*");
    let ssm_read = "arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess";
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
        {{"Effect":"Allow","Action":"iam:CreateRole","Resource":"{roles}","Condition":{{"StringEquals":{{"iam:PermissionsBoundary":"{boundary_arn}"}}}}}},
        {{"Effect":"Allow","Action":"iam:AttachRolePolicy","Resource":"{roles}","Condition":{{"ArnEquals":{{"iam:PolicyARN":"{ssm_read}"}}}}}},
        {{"Effect":"Allow","Action":"iam:TagRole","Resource":"{roles}","Condition":{{"ForAllValues:StringEquals":{{"aws:TagKeys":["team"]}}}}}},
        {{"Effect":"Allow","Action":"iam:GetRole","Resource":"{roles}","Condition":{{"StringEquals":{{"iam:ResourceTag/team":"blue"}}}}}}]}}"#
    );
    let user = format!("{tag}-user");
    iam.create_user().user_name(&user).send().await.unwrap();
    iam.put_user_policy()
        .user_name(&user)
        .policy_name("delegated")
        .policy_document(&policy)
        .send()
        .await
        .unwrap();
    let key = iam
        .create_access_key()
        .user_name(&user)
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    let as_user = aws_sdk_iam::Client::new(
        &crate::common::config_as(key.access_key_id(), key.secret_access_key(), None).await,
    );
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let role = format!("{tag}-app");

    let (code, _) = error_of(
        as_user
            .create_role()
            .role_name(&role)
            .assume_role_policy_document(trust)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied", "no boundary");
    as_user
        .create_role()
        .role_name(&role)
        .assume_role_policy_document(trust)
        .permissions_boundary(&boundary_arn)
        .send()
        .await
        .unwrap();
    let bounded = iam
        .list_entities_for_policy()
        .policy_arn(&boundary_arn)
        .policy_usage_filter(aws_sdk_iam::types::PolicyUsageType::PermissionsBoundary)
        .send()
        .await
        .unwrap();
    assert_eq!(bounded.policy_roles()[0].role_name(), Some(role.as_str()));
    let attached = iam
        .list_entities_for_policy()
        .policy_arn(&boundary_arn)
        .policy_usage_filter(aws_sdk_iam::types::PolicyUsageType::PermissionsPolicy)
        .send()
        .await
        .unwrap();
    assert!(attached.policy_roles().is_empty());

    let (code, _) = error_of(
        as_user
            .attach_role_policy()
            .role_name(&role)
            .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied", "another policy");
    as_user
        .attach_role_policy()
        .role_name(&role)
        .policy_arn(ssm_read)
        .send()
        .await
        .unwrap();

    let tag_of = |k: &str, v: &str| {
        aws_sdk_iam::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
            .unwrap()
    };
    let (code, _) = error_of(
        as_user
            .tag_role()
            .role_name(&role)
            .tags(tag_of("cost", "9"))
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied", "another tag key");
    let (code, _) = error_of(as_user.get_role().role_name(&role).send().await);
    assert_eq!(code, "AccessDenied", "not yet tagged team=blue");
    as_user
        .tag_role()
        .role_name(&role)
        .tags(tag_of("team", "blue"))
        .send()
        .await
        .unwrap();
    let got = as_user.get_role().role_name(&role).send().await.unwrap();
    assert_eq!(got.role().unwrap().role_name(), role);
}

/// An explicit deny in a group's policy binds its members whatever their own policies
/// allow: a user with `*` cannot read what its group denies, and can once out of it.
#[tokio::test]
async fn a_groups_deny_binds_a_member_allowed_everything() {
    let (prefix, user, key, secret) = world("iamgroupdeny").await;
    let iam = iam().await;
    iam.put_user_policy()
        .user_name(&user)
        .policy_name("everything")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let group = unique("quarantine-");
    iam.create_group().group_name(&group).send().await.unwrap();
    let deny = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"ssm:GetParameter","Resource":"arn:aws:ssm:*:*:parameter{prefix}/*"}}]}}"#
    );
    iam.put_group_policy()
        .group_name(&group)
        .policy_name("no-reads")
        .policy_document(&deny)
        .send()
        .await
        .unwrap();
    let as_user = ssm_as(&key, &secret).await;
    let a = format!("{prefix}/a");
    as_user.get_parameter().name(&a).send().await.unwrap();
    iam.add_user_to_group()
        .group_name(&group)
        .user_name(&user)
        .send()
        .await
        .unwrap();
    let (code, message) = error_of(as_user.get_parameter().name(&a).send().await);
    assert_eq!(code, "AccessDeniedException");
    assert!(message.contains("explicit deny"), "{message}");
    iam.remove_user_from_group()
        .group_name(&group)
        .user_name(&user)
        .send()
        .await
        .unwrap();
    as_user.get_parameter().name(&a).send().await.unwrap();
}

/// A role's description and longest session, as templates set and update them:
/// CreateRole's Description, UpdateRole and UpdateRoleDescription.
#[tokio::test]
async fn a_roles_description_and_session_length_are_updated() {
    let iam = iam().await;
    let role = unique("described-");
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let created = iam
        .create_role()
        .role_name(&role)
        .assume_role_policy_document(trust)
        .description("first")
        .send()
        .await
        .unwrap();
    assert_eq!(created.role().unwrap().description(), Some("first"));
    iam.update_role()
        .role_name(&role)
        .description("second")
        .max_session_duration(7200)
        .send()
        .await
        .unwrap();
    let got = iam.get_role().role_name(&role).send().await.unwrap();
    assert_eq!(got.role().unwrap().description(), Some("second"));
    assert_eq!(got.role().unwrap().max_session_duration(), Some(7200));
    let updated = iam
        .update_role_description()
        .role_name(&role)
        .description("third")
        .send()
        .await
        .unwrap();
    assert_eq!(updated.role().unwrap().description(), Some("third"));
    // Out of the model's range (3600 to 43200, `roleMaxSessionDurationType`): the
    // model's validation answers, HTTP 400, for UpdateRole and CreateRole alike, and the
    // role keeps its longest session.
    let below = iam
        .update_role()
        .role_name(&role)
        .max_session_duration(60)
        .send()
        .await;
    let status = below
        .as_ref()
        .err()
        .and_then(|e| e.raw_response())
        .map(|r| r.status().as_u16());
    assert_eq!(status, Some(400));
    let (code, message) = error_of(below);
    assert_eq!(code, "ValidationError");
    assert_eq!(
        message,
        "1 validation error detected: Value '60' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600"
    );
    let (code, message) = error_of(
        iam.update_role()
            .role_name(&role)
            .max_session_duration(43201)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    assert_eq!(
        message,
        "1 validation error detected: Value '43201' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200"
    );
    let got = iam.get_role().role_name(&role).send().await.unwrap();
    assert_eq!(got.role().unwrap().max_session_duration(), Some(7200));
    let created = iam
        .create_role()
        .role_name(unique("too-long-"))
        .assume_role_policy_document(trust)
        .max_session_duration(86400)
        .send()
        .await;
    let status = created
        .as_ref()
        .err()
        .and_then(|e| e.raw_response())
        .map(|r| r.status().as_u16());
    assert_eq!(status, Some(400));
    let (code, message) = error_of(created);
    assert_eq!(code, "ValidationError");
    assert_eq!(
        message,
        "1 validation error detected: Value '86400' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200"
    );
    let (code, _) = error_of(
        iam.update_role()
            .role_name(unique("missing-"))
            .description("x")
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
}

/// The IAM User Guide's delegation: an administrator may put policies only on users
/// whose permissions boundary is the required one (`iam:PermissionsBoundary` of the user
/// named). It cannot widen its own permissions (it has no boundary), nor those of a user
/// whose boundary it removed, and it can manage the bounded user.
#[tokio::test]
async fn a_delegated_administrator_cannot_escape_the_required_boundary() {
    let iam = iam().await;
    let tag = unique("deleg");
    let boundary = iam
        .create_policy()
        .policy_name(format!("{tag}-boundary"))
        .policy_document(get_only("*"))
        .send()
        .await
        .unwrap();
    let boundary_arn = boundary.policy().unwrap().arn().unwrap().to_owned();
    let admin = format!("{tag}-admin");
    let users = format!("arn:aws:iam::{ACCOUNT}:user/{tag}-*");
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["iam:PutUserPolicy","iam:DeleteUserPermissionsBoundary"],"Resource":"{users}","Condition":{{"StringEquals":{{"iam:PermissionsBoundary":"{boundary_arn}"}}}}}}]}}"#
    );
    iam.create_user().user_name(&admin).send().await.unwrap();
    iam.put_user_policy()
        .user_name(&admin)
        .policy_name("delegation")
        .policy_document(&policy)
        .send()
        .await
        .unwrap();
    let bounded = format!("{tag}-bounded");
    iam.create_user()
        .user_name(&bounded)
        .permissions_boundary(&boundary_arn)
        .send()
        .await
        .unwrap();
    let key = iam
        .create_access_key()
        .user_name(&admin)
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    let as_admin = aws_sdk_iam::Client::new(
        &crate::common::config_as(key.access_key_id(), key.secret_access_key(), None).await,
    );
    let everything =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

    // Its own user has no boundary: no policy of its choosing lands there.
    let (code, message) = error_of(
        as_admin
            .put_user_policy()
            .user_name(&admin)
            .policy_name("escalate")
            .policy_document(everything)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert!(message.contains("iam:PutUserPolicy"), "{message}");
    // The bounded user may be given a policy (the boundary still limits it).
    as_admin
        .put_user_policy()
        .user_name(&bounded)
        .policy_name("work")
        .policy_document(everything)
        .send()
        .await
        .unwrap();
    // Once its boundary is removed, the user is out of the administrator's reach.
    as_admin
        .delete_user_permissions_boundary()
        .user_name(&bounded)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        as_admin
            .put_user_policy()
            .user_name(&bounded)
            .policy_name("more")
            .policy_document(everything)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
}

#[tokio::test]
async fn simulations_place_each_matched_statement_in_its_policy() {
    let iam = iam().await;
    // The AWS CLI's own example of simulate-custom-policy (awscli
    // examples/iam/simulate-custom-policy.rst) and the positions IAM answers for it.
    let example = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}"#;
    let answer = iam
        .simulate_custom_policy()
        .policy_input_list(example)
        .action_names("dynamodb:CreateBackup")
        .context_entries(
            aws_sdk_iam::types::ContextEntry::builder()
                .context_key_name("aws:CurrentTime")
                .context_key_values("2019-04-25T11:00:00Z")
                .context_key_type(aws_sdk_iam::types::ContextKeyTypeEnum::Date)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let result = &answer.evaluation_results()[0];
    assert_eq!(result.eval_decision(), &Decision::Allowed);
    let matched = &result.matched_statements()[0];
    assert_eq!(matched.source_policy_id(), Some("PolicyInputList.1"));
    let (start, end) = (
        matched.start_position().unwrap(),
        matched.end_position().unwrap(),
    );
    assert_eq!((start.line(), start.column()), (1, 38));
    assert_eq!((end.line(), end.column()), (1, 167));
    // All resources: no EvalDecisionDetails.
    assert!(result.eval_decision_details().is_none());

    // A user's inline policy as it was written, over several lines: each statement that
    // allows is reported where it lies; a resource of the account: details present and
    // empty.
    let user = unique("positions-");
    iam.create_user().user_name(&user).send().await.unwrap();
    let policy = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"ssm:GetParameter\", \"Resource\": \"*\"},\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": \"ssm:Get*\",\n      \"Resource\": \"*\"\n    }\n  ]\n}";
    iam.put_user_policy()
        .user_name(&user)
        .policy_name("two")
        .policy_document(policy)
        .send()
        .await
        .unwrap();
    let answer = iam
        .simulate_principal_policy()
        .policy_source_arn(format!("arn:aws:iam::{ACCOUNT}:user/{user}"))
        .action_names("ssm:GetParameter")
        .resource_arns(format!("arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/x"))
        .send()
        .await
        .unwrap();
    let result = &answer.evaluation_results()[0];
    let places: Vec<_> = result
        .matched_statements()
        .iter()
        .map(|m| {
            let (s, e) = (m.start_position().unwrap(), m.end_position().unwrap());
            (
                (s.line(), s.column()),
                (e.line(), e.column()),
                m.source_policy_id(),
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            ((4, 6), (4, 71), Some("two")),
            ((5, 6), (9, 6), Some("two"))
        ]
    );
    assert_eq!(
        result.matched_statements()[0].source_policy_type(),
        Some(&aws_sdk_iam::types::PolicySourceType::User)
    );
    assert!(result.eval_decision_details().is_some_and(|d| d.is_empty()));
}
