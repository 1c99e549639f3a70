//! The IAM API with the official `aws-sdk-iam` client: users, access keys, roles and
//! inline policies created over the API take part in authorisation at once, and IAM's
//! errors come back in its words.

use crate::common::{config_as, error_of, get_only, iam, iam_as, ssm, ssm_as, unique, ACCOUNT};
use aws_sdk_ssm::types::ParameterType;

/// A user created with an access key and an inline policy is allowed and refused by
/// that policy at once, signing with the new key; the policy's change, the key's
/// deactivation and the user's deletion take effect on the next request.
#[tokio::test]
async fn a_user_created_over_the_api_is_authorised_by_its_inline_policy_at_once() {
    let prefix = unique("/iamapi");
    let admin_ssm = ssm().await;
    for leaf in ["allowed", "other"] {
        admin_ssm
            .put_parameter()
            .name(format!("{prefix}/{leaf}/p"))
            .value("v")
            .r#type(ParameterType::String)
            .send()
            .await
            .unwrap();
    }
    let iam = iam().await;
    let name = unique("api-user-");
    let created = iam.create_user().user_name(&name).send().await.unwrap();
    let user = created.user().unwrap();
    assert_eq!(user.arn(), format!("arn:aws:iam::{ACCOUNT}:user/{name}"));
    assert!(user.user_id().starts_with("AIDA"));
    let key = iam
        .create_access_key()
        .user_name(&name)
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    assert!(key.access_key_id().starts_with("AKIA"));
    let policy = get_only(&format!("arn:aws:ssm:*:*:parameter{prefix}/allowed/*"));
    iam.put_user_policy()
        .user_name(&name)
        .policy_name("read-allowed")
        .policy_document(&policy)
        .send()
        .await
        .unwrap();

    let as_user = ssm_as(key.access_key_id(), key.secret_access_key()).await;
    let allowed = format!("{prefix}/allowed/p");
    let other = format!("{prefix}/other/p");
    as_user.get_parameter().name(&allowed).send().await.unwrap();
    let (code, message) = error_of(as_user.get_parameter().name(&other).send().await);
    assert_eq!(code, "AccessDeniedException");
    assert!(message.contains(&name), "{message}");

    // The policy as written comes back (URL-encoded, as IAM answers it).
    let got = iam
        .get_user_policy()
        .user_name(&name)
        .policy_name("read-allowed")
        .send()
        .await
        .unwrap();
    assert!(got.policy_document().contains("ssm%3AGetParameter"));
    let listed = iam
        .list_user_policies()
        .user_name(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.policy_names(), ["read-allowed"]);

    // Replacing the policy changes the next decision.
    iam.put_user_policy()
        .user_name(&name)
        .policy_name("read-allowed")
        .policy_document(get_only(&format!(
            "arn:aws:ssm:*:*:parameter{prefix}/other/*"
        )))
        .send()
        .await
        .unwrap();
    as_user.get_parameter().name(&other).send().await.unwrap();
    let (code, _) = error_of(as_user.get_parameter().name(&allowed).send().await);
    assert_eq!(code, "AccessDeniedException");

    // The new user may not manage IAM: its policy grants nothing of it.
    let user_iam = iam_as(key.access_key_id(), key.secret_access_key()).await;
    let (code, message) = error_of(user_iam.create_user().user_name(unique("x")).send().await);
    assert_eq!(code, "AccessDenied");
    assert!(message.contains("iam:CreateUser"), "{message}");

    // An Inactive key signs nothing; made Active again, it does.
    let status = |s: &str| aws_sdk_iam::types::StatusType::from(s);
    iam.update_access_key()
        .user_name(&name)
        .access_key_id(key.access_key_id())
        .status(status("Inactive"))
        .send()
        .await
        .unwrap();
    let keys = iam
        .list_access_keys()
        .user_name(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(
        keys.access_key_metadata()[0].status().map(|s| s.as_str()),
        Some("Inactive")
    );
    let (code, _) = error_of(as_user.get_parameter().name(&other).send().await);
    assert_eq!(code, "UnrecognizedClientException");
    iam.update_access_key()
        .user_name(&name)
        .access_key_id(key.access_key_id())
        .status(status("Active"))
        .send()
        .await
        .unwrap();
    as_user.get_parameter().name(&other).send().await.unwrap();

    // A user with keys or policies cannot be deleted.
    let (code, message) = error_of(iam.delete_user().user_name(&name).send().await);
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "DeleteConflict",
            "Cannot delete entity, must delete access keys first."
        )
    );
    iam.delete_access_key()
        .user_name(&name)
        .access_key_id(key.access_key_id())
        .send()
        .await
        .unwrap();
    // A deleted key signs nothing (it is not taken for an unknown key, which would act
    // as the account root in this emulator).
    let (code, _) = error_of(as_user.get_parameter().name(&other).send().await);
    assert_eq!(code, "UnrecognizedClientException");
    let (code, _) = error_of(iam.delete_user().user_name(&name).send().await);
    assert_eq!(code, "DeleteConflict");
    iam.delete_user_policy()
        .user_name(&name)
        .policy_name("read-allowed")
        .send()
        .await
        .unwrap();
    iam.delete_user().user_name(&name).send().await.unwrap();
    let (code, _) = error_of(iam.get_user().user_name(&name).send().await);
    assert_eq!(code, "NoSuchEntity");
}

/// IAM's errors in its words, and the fixtures' principals visible through the API.
#[tokio::test]
async fn iam_errors_and_fixture_principals() {
    let iam = iam().await;
    let users = iam.list_users().send().await.unwrap();
    assert!(
        users
            .users()
            .iter()
            .any(|u| u.user_name() == "emulator-admin"),
        "{users:?}"
    );
    let roles = iam.list_roles().send().await.unwrap();
    assert!(!roles.roles().is_empty());

    let name = unique("dup-");
    iam.create_user().user_name(&name).send().await.unwrap();
    let (code, message) = error_of(iam.create_user().user_name(&name).send().await);
    assert_eq!(code, "EntityAlreadyExists");
    assert_eq!(message, format!("User with name {name} already exists."));
    // Names are unique without regard to case.
    let (code, _) = error_of(
        iam.create_user()
            .user_name(name.to_uppercase())
            .send()
            .await,
    );
    assert_eq!(code, "EntityAlreadyExists");

    let (code, message) = error_of(
        iam.put_user_policy()
            .user_name(&name)
            .policy_name("p")
            .policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:*"}]}"#,
            )
            .send()
            .await,
    );
    assert_eq!(code, "MalformedPolicyDocument");
    assert!(
        message.contains("Policy statement must contain resources."),
        "{message}"
    );

    // The aggregate of a user's inline policies is capped at 2,048 characters.
    let statement = r#"{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"arn:aws:ssm:*:*:parameter/a-rather-long-path-to-fill-the-quota/*"}"#;
    let half = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        [statement; 7].join(",")
    );
    for policy in ["one", "two"] {
        iam.put_user_policy()
            .user_name(&name)
            .policy_name(policy)
            .policy_document(&half)
            .send()
            .await
            .unwrap();
    }
    let (code, message) = error_of(
        iam.put_user_policy()
            .user_name(&name)
            .policy_name("three")
            .policy_document(&half)
            .send()
            .await,
    );
    assert_eq!(code, "LimitExceeded");
    assert_eq!(
        message,
        format!("Maximum policy size of 2048 bytes exceeded for user {name}")
    );

    let (code, _) = error_of(
        iam.create_access_key()
            .user_name(unique("none-"))
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
    for _ in 0..2 {
        iam.create_access_key()
            .user_name(&name)
            .send()
            .await
            .unwrap();
    }
    let (code, _) = error_of(iam.create_access_key().user_name(&name).send().await);
    assert_eq!(code, "LimitExceeded");

    // A real IAM operation not implemented is named as such.
    let (code, message) = error_of(
        iam.create_login_profile()
            .user_name("alice")
            .password("p")
            .send()
            .await,
    );
    assert_eq!(code, "NotImplemented");
    assert!(message.contains("CreateLoginProfile"), "{message}");
}

/// A role created over the API (its trust policy checked as IAM checks it) can be
/// assumed at once, and its session is held to its inline policy.
#[tokio::test]
async fn a_role_created_over_the_api_is_assumable_at_once() {
    let iam = iam().await;
    let user = unique("assumer-");
    iam.create_user().user_name(&user).send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name(&user)
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    let role = unique("api-role-");
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/{role}");
    iam.put_user_policy()
        .user_name(&user)
        .policy_name("assume")
        .policy_document(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"{role_arn}"}}]}}"#
        ))
        .send()
        .await
        .unwrap();

    let without_principal =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}"#;
    let (code, message) = error_of(
        iam.create_role()
            .role_name(&role)
            .assume_role_policy_document(without_principal)
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "MalformedPolicyDocument",
            "Missing required field Principal"
        )
    );
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:user/{user}"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    let created = iam
        .create_role()
        .role_name(&role)
        .assume_role_policy_document(&trust)
        .send()
        .await
        .unwrap();
    assert_eq!(created.role().unwrap().arn(), role_arn);
    let prefix = unique("/iamrole");
    ssm()
        .await
        .put_parameter()
        .name(format!("{prefix}/p"))
        .value("v")
        .r#type(ParameterType::String)
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name(&role)
        .policy_name("read")
        .policy_document(get_only(&format!("arn:aws:ssm:*:*:parameter{prefix}/*")))
        .send()
        .await
        .unwrap();
    let fetched = iam.get_role().role_name(&role).send().await.unwrap();
    assert!(fetched
        .role()
        .unwrap()
        .assume_role_policy_document()
        .unwrap()
        .contains("sts%3AAssumeRole"));

    let sts = aws_sdk_sts::Client::new(
        &config_as(key.access_key_id(), key.secret_access_key(), None).await,
    );
    let session = sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("api")
        .send()
        .await
        .unwrap();
    let credentials = session.credentials().unwrap();
    let as_role = aws_sdk_ssm::Client::new(
        &config_as(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            Some(credentials.session_token()),
        )
        .await,
    );
    as_role
        .get_parameter()
        .name(format!("{prefix}/p"))
        .send()
        .await
        .unwrap();

    // A trust policy that no longer names the user refuses it at once.
    iam.update_assume_role_policy()
        .role_name(&role)
        .policy_document(trust.replace(&user, "emulator-admin"))
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        sts.assume_role()
            .role_arn(&role_arn)
            .role_session_name("api")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");

    let (code, _) = error_of(iam.delete_role().role_name(&role).send().await);
    assert_eq!(code, "DeleteConflict");
    iam.delete_role_policy()
        .role_name(&role)
        .policy_name("read")
        .send()
        .await
        .unwrap();
    iam.delete_role().role_name(&role).send().await.unwrap();
    let (code, _) = error_of(iam.get_role().role_name(&role).send().await);
    assert_eq!(code, "NoSuchEntity");
}

/// Tags put on a user over the API are its `aws:PrincipalTag/*` at once, and a
/// permissions boundary put over the API limits what its policies allow at once.
#[tokio::test]
async fn tags_and_boundaries_put_over_the_api_take_part_at_once() {
    let iam = iam().await;
    let name = unique("tagged-");
    iam.create_user().user_name(&name).send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name(&name)
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    let prefix = unique("/iamtags");
    let parameter = format!("{prefix}/p");
    ssm()
        .await
        .put_parameter()
        .name(&parameter)
        .value("v")
        .r#type(ParameterType::String)
        .send()
        .await
        .unwrap();
    iam.put_user_policy()
        .user_name(&name)
        .policy_name("by-team")
        .policy_document(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"arn:aws:ssm:*:*:parameter{prefix}/*","Condition":{{"StringEquals":{{"aws:PrincipalTag/team":"blue"}}}}}}]}}"#
        ))
        .send()
        .await
        .unwrap();
    let as_user = ssm_as(key.access_key_id(), key.secret_access_key()).await;
    let (code, _) = error_of(as_user.get_parameter().name(&parameter).send().await);
    assert_eq!(code, "AccessDeniedException");

    let team = aws_sdk_iam::types::Tag::builder()
        .key("team")
        .value("blue")
        .build()
        .unwrap();
    iam.tag_user()
        .user_name(&name)
        .tags(team)
        .send()
        .await
        .unwrap();
    let tags = iam.list_user_tags().user_name(&name).send().await.unwrap();
    assert_eq!(tags.tags().len(), 1);
    as_user
        .get_parameter()
        .name(&parameter)
        .send()
        .await
        .unwrap();

    // A boundary that allows no SSM action refuses what the policy allows.
    let boundary = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
    iam.put_user_permissions_boundary()
        .user_name(&name)
        .permissions_boundary(boundary)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(as_user.get_parameter().name(&parameter).send().await);
    assert_eq!(code, "AccessDeniedException");
    iam.delete_user_permissions_boundary()
        .user_name(&name)
        .send()
        .await
        .unwrap();
    as_user
        .get_parameter()
        .name(&parameter)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        iam.put_user_permissions_boundary()
            .user_name(&name)
            .permissions_boundary(format!("arn:aws:iam::{ACCOUNT}:policy/nope"))
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");

    // A boundary given to CreateUser is set with the user and shown by GetUser.
    let bounded = unique("bounded-");
    iam.create_user()
        .user_name(&bounded)
        .permissions_boundary(boundary)
        .send()
        .await
        .unwrap();
    let got = iam.get_user().user_name(&bounded).send().await.unwrap();
    assert_eq!(
        got.user()
            .unwrap()
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn()),
        Some(boundary)
    );

    iam.untag_user()
        .user_name(&name)
        .tag_keys("team")
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(as_user.get_parameter().name(&parameter).send().await);
    assert_eq!(code, "AccessDeniedException");
}

/// A customer managed policy created over the API allows once attached and no longer
/// once detached; it cannot be deleted while attached.
#[tokio::test]
async fn a_managed_policy_created_over_the_api_takes_part_once_attached() {
    let iam = iam().await;
    let name = unique("managed-user-");
    iam.create_user().user_name(&name).send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name(&name)
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    let prefix = unique("/iammanaged");
    let parameter = format!("{prefix}/p");
    ssm()
        .await
        .put_parameter()
        .name(&parameter)
        .value("v")
        .r#type(ParameterType::String)
        .send()
        .await
        .unwrap();
    let policy_name = unique("read-");
    let created = iam
        .create_policy()
        .policy_name(&policy_name)
        .policy_document(get_only(&format!("arn:aws:ssm:*:*:parameter{prefix}/*")))
        .send()
        .await
        .unwrap();
    let policy_arn = created.policy().unwrap().arn().unwrap().to_owned();
    assert_eq!(
        policy_arn,
        format!("arn:aws:iam::{ACCOUNT}:policy/{policy_name}")
    );
    let version = iam
        .get_policy_version()
        .policy_arn(&policy_arn)
        .version_id("v1")
        .send()
        .await
        .unwrap();
    assert!(version
        .policy_version()
        .unwrap()
        .document()
        .unwrap()
        .contains("ssm%3AGetParameter"));

    let as_user = ssm_as(key.access_key_id(), key.secret_access_key()).await;
    let (code, _) = error_of(as_user.get_parameter().name(&parameter).send().await);
    assert_eq!(code, "AccessDeniedException");
    iam.attach_user_policy()
        .user_name(&name)
        .policy_arn(&policy_arn)
        .send()
        .await
        .unwrap();
    as_user
        .get_parameter()
        .name(&parameter)
        .send()
        .await
        .unwrap();
    let attached = iam
        .list_attached_user_policies()
        .user_name(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(
        attached.attached_policies()[0].policy_arn(),
        Some(policy_arn.as_str())
    );
    let got = iam
        .get_policy()
        .policy_arn(&policy_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(got.policy().unwrap().attachment_count(), Some(1));
    let (code, _) = error_of(iam.delete_policy().policy_arn(&policy_arn).send().await);
    assert_eq!(code, "DeleteConflict");

    iam.detach_user_policy()
        .user_name(&name)
        .policy_arn(&policy_arn)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(as_user.get_parameter().name(&parameter).send().await);
    assert_eq!(code, "AccessDeniedException");
    iam.delete_policy()
        .policy_arn(&policy_arn)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(iam.get_policy().policy_arn(&policy_arn).send().await);
    assert_eq!(code, "NoSuchEntity");
}

/// GetSessionToken gives a user created over the API temporary credentials that act
/// with its policies; a role session cannot call it.
#[tokio::test]
async fn get_session_token_gives_a_user_credentials_with_its_permissions() {
    let iam = iam().await;
    let name = unique("session-user-");
    iam.create_user().user_name(&name).send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name(&name)
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    let prefix = unique("/iamsession");
    let parameter = format!("{prefix}/p");
    ssm()
        .await
        .put_parameter()
        .name(&parameter)
        .value("v")
        .r#type(ParameterType::String)
        .send()
        .await
        .unwrap();
    iam.put_user_policy()
        .user_name(&name)
        .policy_name("read")
        .policy_document(get_only(&format!("arn:aws:ssm:*:*:parameter{prefix}/*")))
        .send()
        .await
        .unwrap();
    let sts = aws_sdk_sts::Client::new(
        &config_as(key.access_key_id(), key.secret_access_key(), None).await,
    );
    let (code, _) = error_of(sts.get_session_token().duration_seconds(899).send().await);
    assert_eq!(code, "ValidationError");
    let token = sts
        .get_session_token()
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let credentials = token.credentials().unwrap();
    assert!(credentials.access_key_id().starts_with("ASIA"));
    let session = config_as(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        Some(credentials.session_token()),
    )
    .await;
    let identity = aws_sdk_sts::Client::new(&session)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(
        identity.arn(),
        Some(format!("arn:aws:iam::{ACCOUNT}:user/{name}").as_str())
    );
    let as_session = aws_sdk_ssm::Client::new(&session);
    as_session
        .get_parameter()
        .name(&parameter)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(
        as_session
            .get_parameter()
            .name(format!("{prefix}-other"))
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
    // Without MFA, they cannot call IAM.
    let (code, _) = error_of(
        aws_sdk_iam::Client::new(&session)
            .get_user()
            .user_name(&name)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidClientTokenId");
    // Temporary credentials cannot start another session.
    let (code, _) = error_of(
        aws_sdk_sts::Client::new(&session)
            .get_session_token()
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
}

/// Members that break IAM's model are refused as IAM refuses them: `ValidationError` in
/// the words of a recorded answer (NixOS/nixops#328: CreateRole with a 66-character
/// name), the range of `MaxItems` by its bound, and every broken member named at once.
#[tokio::test]
async fn model_violations_are_refused_in_iams_words() {
    let iam = iam().await;
    let name = "charon-31f85414-3f74-11e5-b275-f23c91ae92d9-DynamoReadOnlyPermission";
    let (code, message) = error_of(
        iam.create_role()
            .role_name(name)
            .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[]}"#)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    assert_eq!(
        message,
        format!("1 validation error detected: Value '{name}' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64")
    );
    let (code, message) = error_of(iam.list_users().max_items(0).send().await);
    assert_eq!(code, "ValidationError");
    assert_eq!(
        message,
        "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"
    );
    let (code, message) = error_of(
        iam.create_user()
            .user_name("not a name")
            .path("no-slashes")
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    assert!(
        message.starts_with("2 validation errors detected: "),
        "{message}"
    );
    assert!(message.contains("at 'userName'"), "{message}");
    assert!(message.contains("at 'path'"), "{message}");
}
