//! The CloudFormation API with the official SDK: stacks through change sets (as `aws
//! cloudformation deploy` makes them), updates, deletion, capabilities, a failed create
//! rolled back completely, and deployments authorised as the caller (or the stack's
//! service role).

use crate::common::{config_as, endpoint, error_of, unique};
use aws_sdk_cloudformation::types::{Capability, ChangeSetType, Parameter, StackStatus};
use aws_sdk_cloudformation::Client;

async fn cfn_root() -> Client {
    endpoint();
    Client::new(&aws_config::load_from_env().await)
}

async fn iam_root() -> aws_sdk_iam::Client {
    endpoint();
    aws_sdk_iam::Client::new(&aws_config::load_from_env().await)
}

fn parameter(key: &str, value: &str) -> Parameter {
    Parameter::builder()
        .parameter_key(key)
        .parameter_value(value)
        .build()
}

async fn status(cfn: &Client, stack: &str) -> StackStatus {
    let out = cfn
        .describe_stacks()
        .stack_name(stack)
        .send()
        .await
        .expect("describe");
    out.stacks()[0].stack_status().cloned().expect("a status")
}

/// A user with an access key and this inline policy, made with the IAM API as root.
async fn user_with_policy(policy: &str) -> (String, String, String) {
    let iam = iam_root().await;
    let name = unique("cfn-user-");
    iam.create_user().user_name(&name).send().await.unwrap();
    iam.put_user_policy()
        .user_name(&name)
        .policy_name("p")
        .policy_document(policy)
        .send()
        .await
        .unwrap();
    let key = iam
        .create_access_key()
        .user_name(&name)
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    (
        name,
        key.access_key_id().to_owned(),
        key.secret_access_key().to_owned(),
    )
}

const PARAMETER_TEMPLATE: &str = r#"
Parameters:
  Path: {Type: String}
  Value: {Type: String, Default: first}
  Stage: {Type: String, AllowedValues: [dev, prod], Default: dev}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Mappings:
  Tiers: {dev: {Tier: Standard}, prod: {Tier: Standard}}
Resources:
  Config:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub '${Path}/config'
      Type: String
      Tier: !FindInMap [Tiers, !Ref Stage, Tier]
      Value: !Join ['-', [!Ref Value, !If [IsProd, big, small]]]
  Key:
    Type: AWS::KMS::Key
    Properties:
      Description: !Sub 'key of ${AWS::StackName}'
  Alias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: !Sub 'alias/${AWS::StackName}'
      TargetKeyId: !GetAtt Key.Arn
Outputs:
  KeyArn:
    Value: !GetAtt Key.Arn
    Export: {Name: !Sub '${AWS::StackName}-key'}
  ConfigName:
    Value: !Ref Config
"#;

#[tokio::test]
async fn change_sets_create_update_and_delete_a_stack() {
    let cfn = cfn_root().await;
    let ssm = crate::common::ssm().await;
    let stack = unique("cfn-stack-");
    let path = format!("/{stack}");
    // CreateChangeSet (CREATE), as `aws cloudformation deploy` does.
    let created = cfn
        .create_change_set()
        .stack_name(&stack)
        .change_set_name("first")
        .change_set_type(ChangeSetType::Create)
        .template_body(PARAMETER_TEMPLATE)
        .parameters(parameter("Path", &path))
        .send()
        .await
        .expect("create change set");
    assert_eq!(status(&cfn, &stack).await, StackStatus::ReviewInProgress);
    let described = cfn
        .describe_change_set()
        .change_set_name(created.id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(described.status().unwrap().as_str(), "CREATE_COMPLETE");
    assert_eq!(described.execution_status().unwrap().as_str(), "AVAILABLE");
    assert_eq!(described.changes().len(), 3);
    cfn.execute_change_set()
        .change_set_name("first")
        .stack_name(&stack)
        .send()
        .await
        .expect("execute");
    assert_eq!(status(&cfn, &stack).await, StackStatus::CreateComplete);
    let value = ssm
        .get_parameter()
        .name(format!("{path}/config"))
        .send()
        .await
        .unwrap();
    assert_eq!(value.parameter().unwrap().value(), Some("first-small"));
    let out = cfn
        .describe_stacks()
        .stack_name(&stack)
        .send()
        .await
        .unwrap();
    let outputs = out.stacks()[0].outputs();
    let key_arn = outputs
        .iter()
        .find(|o| o.output_key() == Some("KeyArn"))
        .and_then(|o| o.output_value())
        .unwrap()
        .to_owned();
    assert!(key_arn.starts_with("arn:aws:kms:us-east-1:123456789012:key/"));
    let exports = cfn.list_exports().send().await.unwrap();
    assert!(exports
        .exports()
        .iter()
        .any(|e| e.name() == Some(&format!("{stack}-key")) && e.value() == Some(&key_arn)));
    let resources = cfn
        .list_stack_resources()
        .stack_name(&stack)
        .send()
        .await
        .unwrap();
    assert_eq!(resources.stack_resource_summaries().len(), 3);
    let events = cfn
        .describe_stack_events()
        .stack_name(&stack)
        .send()
        .await
        .unwrap();
    assert_eq!(
        events.stack_events()[0].resource_status().unwrap().as_str(),
        "CREATE_COMPLETE"
    );

    // An update of the parameter's value replaces only the parameter.
    cfn.update_stack()
        .stack_name(&stack)
        .use_previous_template(true)
        .parameters(
            Parameter::builder()
                .parameter_key("Path")
                .use_previous_value(true)
                .build(),
        )
        .parameters(parameter("Value", "second"))
        .parameters(parameter("Stage", "prod"))
        .send()
        .await
        .expect("update");
    assert_eq!(status(&cfn, &stack).await, StackStatus::UpdateComplete);
    let value = ssm
        .get_parameter()
        .name(format!("{path}/config"))
        .send()
        .await
        .unwrap();
    assert_eq!(value.parameter().unwrap().value(), Some("second-big"));
    // Value is updated in place (a new version), not replaced.
    assert_eq!(value.parameter().unwrap().version(), 2);
    let out = cfn
        .describe_stacks()
        .stack_name(&stack)
        .send()
        .await
        .unwrap();
    assert!(out.stacks()[0]
        .outputs()
        .iter()
        .any(|o| o.output_value() == Some(&key_arn)));
    // Nothing changes: UpdateStack says so, and a change set fails as deploy expects.
    let (code, message) = error_of(
        cfn.update_stack()
            .stack_name(&stack)
            .use_previous_template(true)
            .parameters(parameter("Path", &path))
            .parameters(parameter("Value", "second"))
            .parameters(parameter("Stage", "prod"))
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("ValidationError", "No updates are to be performed.")
    );

    // An update that fails midway is rolled back: the parameter (updated first) gets its
    // previous value again.
    let broken = PARAMETER_TEMPLATE
        .replace("!Join ['-', [!Ref Value", "!Join ['+', [!Ref Value")
        .replace(
            "TargetKeyId: !GetAtt Key.Arn",
            "TargetKeyId: 00000000-0000-0000-0000-000000000000",
        );
    cfn.update_stack()
        .stack_name(&stack)
        .template_body(&broken)
        .parameters(parameter("Path", &path))
        .parameters(parameter("Value", "second"))
        .parameters(parameter("Stage", "prod"))
        .send()
        .await
        .expect("UpdateStack answers; the failure is the stack's");
    assert_eq!(
        status(&cfn, &stack).await,
        StackStatus::UpdateRollbackComplete
    );
    let value = ssm
        .get_parameter()
        .name(format!("{path}/config"))
        .send()
        .await
        .unwrap();
    assert_eq!(value.parameter().unwrap().value(), Some("second-big"));
    let events = cfn
        .describe_stack_events()
        .stack_name(&stack)
        .send()
        .await
        .unwrap();
    assert!(events
        .stack_events()
        .iter()
        .any(|e| e.logical_resource_id() == Some("Alias")
            && e.resource_status().map(|s| s.as_str()) == Some("UPDATE_FAILED")));
    // A change set shows what an update would do: a new name replaces the parameter.
    let set = cfn
        .create_change_set()
        .stack_name(&stack)
        .change_set_name("rename")
        .use_previous_template(true)
        .parameters(parameter("Path", &format!("{path}/renamed")))
        .parameters(parameter("Value", "second"))
        .parameters(parameter("Stage", "prod"))
        .send()
        .await
        .unwrap();
    let described = cfn
        .describe_change_set()
        .change_set_name(set.id().unwrap())
        .send()
        .await
        .unwrap();
    let config_change = described
        .changes()
        .iter()
        .filter_map(|c| c.resource_change())
        .find(|c| c.logical_resource_id() == Some("Config"))
        .expect("the parameter changes");
    assert_eq!(config_change.action().unwrap().as_str(), "Modify");
    assert_eq!(config_change.replacement().unwrap().as_str(), "True");
    cfn.execute_change_set()
        .change_set_name(set.id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(status(&cfn, &stack).await, StackStatus::UpdateComplete);
    let (code, _) = error_of(
        ssm.get_parameter()
            .name(format!("{path}/config"))
            .send()
            .await,
    );
    assert_eq!(code, "ParameterNotFound", "the old parameter was replaced");
    ssm.get_parameter()
        .name(format!("{path}/renamed/config"))
        .send()
        .await
        .expect("the new parameter");

    // GetTemplate and ValidateTemplate.
    let template = cfn.get_template().stack_name(&stack).send().await.unwrap();
    assert_eq!(template.template_body(), Some(PARAMETER_TEMPLATE));
    let validated = cfn
        .validate_template()
        .template_body(PARAMETER_TEMPLATE)
        .send()
        .await
        .unwrap();
    assert_eq!(validated.parameters().len(), 3);

    // DeleteStack removes everything; the name no longer resolves.
    cfn.delete_stack().stack_name(&stack).send().await.unwrap();
    let (code, _) = error_of(
        ssm.get_parameter()
            .name(format!("{path}/renamed/config"))
            .send()
            .await,
    );
    assert_eq!(code, "ParameterNotFound");
    let (code, message) = error_of(cfn.describe_stacks().stack_name(&stack).send().await);
    assert_eq!(code, "ValidationError");
    assert_eq!(message, format!("Stack with id {stack} does not exist"));
    let listed = cfn.list_stacks().send().await.unwrap();
    assert!(listed
        .stack_summaries()
        .iter()
        .any(|s| s.stack_name() == Some(&stack)
            && s.stack_status() == Some(&StackStatus::DeleteComplete)));
}

#[tokio::test]
async fn a_failed_create_is_rolled_back_completely() {
    let cfn = cfn_root().await;
    let ssm = crate::common::ssm().await;
    let stack = unique("cfn-rollback-");
    let name = format!("/{stack}/first");
    // The parameter is created first (the alias depends on it), then the alias fails:
    // its target key does not exist.
    let template = format!(
        r#"
Resources:
  First:
    Type: AWS::SSM::Parameter
    Properties: {{Name: "{name}", Type: String, Value: x}}
  Broken:
    Type: AWS::KMS::Alias
    DependsOn: First
    Properties: {{AliasName: alias/{stack}, TargetKeyId: 00000000-0000-0000-0000-000000000000}}
"#
    );
    cfn.create_stack()
        .stack_name(&stack)
        .template_body(&template)
        .send()
        .await
        .expect("CreateStack answers; the failure is the stack's");
    assert_eq!(status(&cfn, &stack).await, StackStatus::RollbackComplete);
    let (code, _) = error_of(ssm.get_parameter().name(&name).send().await);
    assert_eq!(
        code, "ParameterNotFound",
        "the parameter created first is gone"
    );
    let events = cfn
        .describe_stack_events()
        .stack_name(&stack)
        .send()
        .await
        .unwrap();
    let failed = events
        .stack_events()
        .iter()
        .find(|e| e.resource_status().map(|s| s.as_str()) == Some("CREATE_FAILED"))
        .expect("a CREATE_FAILED event");
    assert_eq!(failed.logical_resource_id(), Some("Broken"));
    assert!(
        failed
            .resource_status_reason()
            .unwrap()
            .contains("NotFoundException"),
        "{failed:?}"
    );
    let first = events
        .stack_events()
        .iter()
        .find(|e| e.logical_resource_id() == Some("First"))
        .unwrap();
    assert_eq!(first.resource_status().unwrap().as_str(), "DELETE_COMPLETE");
    // A stack in ROLLBACK_COMPLETE cannot be updated, only deleted.
    let (code, _) = error_of(
        cfn.update_stack()
            .stack_name(&stack)
            .template_body(&template)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    cfn.delete_stack().stack_name(&stack).send().await.unwrap();

    // OnFailure DO_NOTHING keeps what was created (CREATE_FAILED) until DeleteStack.
    cfn.create_stack()
        .stack_name(&stack)
        .template_body(&template)
        .on_failure(aws_sdk_cloudformation::types::OnFailure::DoNothing)
        .send()
        .await
        .unwrap();
    assert_eq!(status(&cfn, &stack).await, StackStatus::CreateFailed);
    let out = cfn
        .describe_stacks()
        .stack_name(&stack)
        .send()
        .await
        .unwrap();
    assert_eq!(out.stacks()[0].disable_rollback(), Some(true));
    ssm.get_parameter().name(&name).send().await.expect("kept");
    cfn.delete_stack().stack_name(&stack).send().await.unwrap();
    let (code, _) = error_of(ssm.get_parameter().name(&name).send().await);
    assert_eq!(code, "ParameterNotFound");
    // OnFailure DELETE rolls back and deletes the stack.
    cfn.create_stack()
        .stack_name(&stack)
        .template_body(&template)
        .on_failure(aws_sdk_cloudformation::types::OnFailure::Delete)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(cfn.describe_stacks().stack_name(&stack).send().await);
    assert_eq!(code, "ValidationError", "the stack is gone");
}

#[tokio::test]
async fn iam_resources_need_their_capability_and_unsupported_types_are_named() {
    let cfn = cfn_root().await;
    let stack = unique("cfn-caps-");
    let template = format!(
        r#"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: {stack}
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: sts:AssumeRole}}]
"#
    );
    let (code, message) = error_of(
        cfn.create_stack()
            .stack_name(&stack)
            .template_body(&template)
            .capabilities(Capability::CapabilityIam)
            .send()
            .await,
    );
    assert_eq!(code, "InsufficientCapabilitiesException");
    assert_eq!(message, "Requires capabilities : [CAPABILITY_NAMED_IAM]");
    cfn.create_stack()
        .stack_name(&stack)
        .template_body(&template)
        .capabilities(Capability::CapabilityNamedIam)
        .send()
        .await
        .unwrap();
    assert_eq!(status(&cfn, &stack).await, StackStatus::CreateComplete);
    let role = iam_root()
        .await
        .get_role()
        .role_name(&stack)
        .send()
        .await
        .unwrap();
    assert_eq!(role.role().unwrap().role_name(), stack);
    cfn.delete_stack().stack_name(&stack).send().await.unwrap();
    let (code, _) = error_of(iam_root().await.get_role().role_name(&stack).send().await);
    assert_eq!(code, "NoSuchEntity");

    let (code, message) = error_of(
        cfn.create_stack()
            .stack_name(unique("cfn-queue-"))
            .template_body("Resources:\n  MyQueue:\n    Type: AWS::SQS::Queue\n")
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    assert!(
        message.contains("Resources.MyQueue.Type: unsupported resource type AWS::SQS::Queue"),
        "{message}"
    );
}

#[tokio::test]
async fn deployments_are_authorised_as_the_caller_or_the_stack_role() {
    let stack_template = |name: &str| {
        format!(
            r#"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: {name}
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: sts:AssumeRole}}]
"#
        )
    };
    // May use CloudFormation but not IAM: the stack's role is refused as its creation,
    // and nothing remains.
    let (_, id, secret) = user_with_policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cloudformation:*","ssm:*"],"Resource":"*"}]}"#,
    )
    .await;
    let cfn = Client::new(&config_as(&id, &secret, None).await);
    let stack = unique("cfn-authz-");
    cfn.create_stack()
        .stack_name(&stack)
        .template_body(stack_template(&stack))
        .capabilities(Capability::CapabilityNamedIam)
        .send()
        .await
        .unwrap();
    assert_eq!(status(&cfn, &stack).await, StackStatus::RollbackComplete);
    let events = cfn
        .describe_stack_events()
        .stack_name(&stack)
        .send()
        .await
        .unwrap();
    let reason = events
        .stack_events()
        .iter()
        .find_map(|e| {
            (e.resource_status().map(|s| s.as_str()) == Some("CREATE_FAILED"))
                .then(|| e.resource_status_reason().unwrap_or_default().to_owned())
        })
        .unwrap();
    assert!(
        reason.contains("is not authorized to perform: iam:CreateRole"),
        "{reason}"
    );
    let (code, _) = error_of(iam_root().await.get_role().role_name(&stack).send().await);
    assert_eq!(code, "NoSuchEntity");

    // A service role that trusts CloudFormation and may create roles deploys it, when
    // the caller may pass it.
    let iam = iam_root().await;
    let service_role = unique("cfn-service-");
    let created = iam
        .create_role()
        .role_name(&service_role)
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudformation.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
        .send()
        .await
        .unwrap();
    let role_arn = created.role().unwrap().arn().to_owned();
    iam.put_role_policy()
        .role_name(&service_role)
        .policy_name("iam")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    let stack2 = unique("cfn-authz-role-");
    let (code, _) = error_of(
        cfn.create_stack()
            .stack_name(&stack2)
            .template_body(stack_template(&stack2))
            .capabilities(Capability::CapabilityNamedIam)
            .role_arn(&role_arn)
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied", "the caller may not pass the role");
    let (_, id, secret) = user_with_policy(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["cloudformation:*"],"Resource":"*"}},{{"Effect":"Allow","Action":"iam:PassRole","Resource":"{role_arn}"}}]}}"#
    ))
    .await;
    let cfn = Client::new(&config_as(&id, &secret, None).await);
    cfn.create_stack()
        .stack_name(&stack2)
        .template_body(stack_template(&stack2))
        .capabilities(Capability::CapabilityNamedIam)
        .role_arn(&role_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(status(&cfn, &stack2).await, StackStatus::CreateComplete);
    iam.get_role()
        .role_name(&stack2)
        .send()
        .await
        .expect("created as the stack's role");

    // Without cloudformation:CreateStack, nothing at all.
    let (_, id, secret) = user_with_policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cloudformation:Describe*","Resource":"*"}]}"#,
    )
    .await;
    let cfn = Client::new(&config_as(&id, &secret, None).await);
    let (code, message) = error_of(
        cfn.create_stack()
            .stack_name(unique("cfn-denied-"))
            .template_body(stack_template("x"))
            .send()
            .await,
    );
    assert_eq!(code, "AccessDenied");
    assert!(message.contains("cloudformation:CreateStack"), "{message}");
}

#[tokio::test]
async fn a_sam_function_gets_its_role_from_policy_templates_and_a_published_alias_in_process_only()
{
    if !crate::common::runs_in_process_only(
        "a_sam_function_gets_its_role_from_policy_templates_and_a_published_alias_in_process_only",
        "its function code is a directory on this machine (a running emulator, such as the container, cannot read it)",
    ) {
        return;
    }
    let cfn = cfn_root().await;
    let stack = unique("cfnsam");
    let code = crate::cfn_templates::prebuilt_handler_dir().join("code");
    // The handler reads every parameter under /ENV/APP_CONFIG_PATH; the generated role
    // may read them only through SSMParameterReadPolicy.
    let template = format!(
        r#"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 10
    Environment:
      Variables: {{ENV: !Ref AWS::StackName}}
Resources:
  Config:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub '/${{AWS::StackName}}/app/settings'
      Type: String
      Value: '{{"colour": "green"}}'
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub '${{AWS::StackName}}-reader'
      CodeUri: {code}
      Handler: bootstrap
      Runtime: provided.al2023
      Tracing: Active
      AutoPublishAlias: live
      Environment:
        Variables: {{APP_CONFIG_PATH: app}}
      Policies:
        - SSMParameterReadPolicy:
            ParameterName: !Sub '${{AWS::StackName}}/app*'
Outputs:
  Role:
    Value: !Ref ReaderRole
"#,
        code = code.display()
    );
    cfn.create_stack()
        .stack_name(&stack)
        .template_body(&template)
        .capabilities(Capability::CapabilityIam)
        .send()
        .await
        .unwrap();
    let out = cfn
        .describe_stacks()
        .stack_name(&stack)
        .send()
        .await
        .unwrap();
    let described = &out.stacks()[0];
    assert_eq!(
        described.stack_status(),
        Some(&StackStatus::CreateComplete),
        "{:?}",
        cfn.describe_stack_events().stack_name(&stack).send().await
    );
    let role = described.outputs()[0].output_value().unwrap().to_owned();
    assert!(role.starts_with(&format!("{stack}-ReaderRole-")), "{role}");
    let attached = iam_root()
        .await
        .list_attached_role_policies()
        .role_name(&role)
        .send()
        .await
        .unwrap();
    let mut names: Vec<&str> = attached
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_name())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["AWSLambdaBasicExecutionRole", "AWSXrayWriteOnlyAccess"]
    );

    let lambda = aws_sdk_lambda::Client::new(&aws_config::load_from_env().await);
    let out = lambda
        .invoke()
        .function_name(format!("{stack}-reader"))
        .qualifier("live")
        .payload(aws_sdk_lambda::primitives::Blob::new("{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.function_error(), None, "{:?}", out.payload());
    assert_eq!(out.executed_version(), Some("1"));
    let answer: serde_json::Value =
        serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
    assert!(answer.as_str().unwrap().contains("green"), "{answer}");

    cfn.delete_stack().stack_name(&stack).send().await.unwrap();
    let (code, _) = error_of(
        lambda
            .get_function()
            .function_name(format!("{stack}-reader"))
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    let (code, _) = error_of(iam_root().await.get_role().role_name(&role).send().await);
    assert_eq!(code, "NoSuchEntity");
}

#[tokio::test]
async fn a_template_makes_a_user_whose_key_and_policies_work_at_once() {
    let cfn = cfn_root().await;
    let stack = unique("cfnuser");
    let template = r#"
Resources:
  Reader:
    Type: AWS::IAM::User
    Properties:
      Tags: [{Key: team, Value: blue}]
  ReaderKey:
    Type: AWS::IAM::AccessKey
    Properties:
      UserName: !Ref Reader
  ReadOwnPath:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Users: [!Ref Reader]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: ssm:GetParameter
            Resource: !Sub 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${AWS::StackName}/*'
  DenyOne:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: deny-secret
      Users: [!Ref Reader]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Deny
            Action: ssm:GetParameter
            Resource: !Sub 'arn:aws:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${AWS::StackName}/secret'
  Open:
    Type: AWS::SSM::Parameter
    Properties: {Name: !Sub '/${AWS::StackName}/open', Type: String, Value: hello}
  Closed:
    Type: AWS::SSM::Parameter
    Properties: {Name: !Sub '/${AWS::StackName}/secret', Type: String, Value: hidden}
Outputs:
  KeyId:
    Value: !Ref ReaderKey
  Secret:
    Value: !GetAtt ReaderKey.SecretAccessKey
  PolicyArn:
    Value: !Ref ReadOwnPath
"#;
    cfn.create_stack()
        .stack_name(&stack)
        .template_body(template)
        .capabilities(Capability::CapabilityIam)
        .send()
        .await
        .unwrap();
    let out = cfn
        .describe_stacks()
        .stack_name(&stack)
        .send()
        .await
        .unwrap();
    let described = &out.stacks()[0];
    assert_eq!(described.stack_status(), Some(&StackStatus::CreateComplete));
    let output = |key: &str| {
        described
            .outputs()
            .iter()
            .find(|o| o.output_key() == Some(key))
            .and_then(|o| o.output_value())
            .unwrap()
            .to_owned()
    };
    let ssm = crate::common::ssm_as(&output("KeyId"), &output("Secret")).await;
    let open = ssm
        .get_parameter()
        .name(format!("/{stack}/open"))
        .send()
        .await
        .expect("the managed policy allows it");
    assert_eq!(open.parameter().unwrap().value(), Some("hello"));
    let (code, message) = error_of(
        ssm.get_parameter()
            .name(format!("/{stack}/secret"))
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
    assert!(message.contains("explicit deny"), "{message}");
    assert!(output("PolicyArn").starts_with("arn:aws:iam::123456789012:policy/"));

    // Deleting the stack deletes the key, the policies and the user.
    cfn.delete_stack().stack_name(&stack).send().await.unwrap();
    let (code, _) = error_of(
        ssm.get_parameter()
            .name(format!("/{stack}/open"))
            .send()
            .await,
    );
    assert!(
        code == "InvalidClientTokenId" || code == "UnrecognizedClientException",
        "{code}"
    );
    let (code, _) = error_of(
        iam_root()
            .await
            .get_policy()
            .policy_arn(output("PolicyArn"))
            .send()
            .await,
    );
    assert_eq!(code, "NoSuchEntity");
}

/// A role, a function and a parameter whose update changes only properties that
/// CloudFormation updates without interruption.
fn in_place_template(code: &std::path::Path, description: &str, config_path: &str) -> String {
    format!(
        r#"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      Description: {description}
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {{Service: lambda.amazonaws.com}}
            Action: sts:AssumeRole
      Tags:
        - {{Key: team, Value: {description}}}
      Policies:
        - PolicyName: read
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: ssm:GetParametersByPath
                Resource: '*'
  Config:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub '/${{AWS::StackName}}/two/colour'
      Type: String
      Value: '{{"colour": "{config_path}"}}'
      Tags: {{team: {description}}}
  Reader:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub '${{AWS::StackName}}-reader'
      Role: !GetAtt Role.Arn
      Runtime: provided.al2023
      Handler: bootstrap
      Timeout: 10
      Code: {{S3Bucket: __local__, S3Key: {code}}}
      Environment:
        Variables: {{ENV: !Ref AWS::StackName, APP_CONFIG_PATH: {config_path}}}
      Tags:
        - {{Key: team, Value: {description}}}
        - {{Key: {description}-only, Value: 'yes'}}
"#,
        code = code.display()
    )
}

#[tokio::test]
async fn an_update_changes_code_environment_and_role_description_in_place_in_process_only() {
    if !crate::common::runs_in_process_only(
        "an_update_changes_code_environment_and_role_description_in_place_in_process_only",
        "its function code is a directory on this machine (a running emulator, such as the container, cannot read it)",
    ) {
        return;
    }
    let cfn = cfn_root().await;
    let iam = iam_root().await;
    let lambda = aws_sdk_lambda::Client::new(&aws_config::load_from_env().await);
    let ssm = aws_sdk_ssm::Client::new(&aws_config::load_from_env().await);
    let stack = unique("cfnupd");
    let first = crate::cfn_templates::prebuilt_handler_dir().join("code");
    let second = crate::cfn_templates::prebuilt_handler_dir().join("code");
    cfn.create_stack()
        .stack_name(&stack)
        .template_body(in_place_template(&first, "blue", "one"))
        .capabilities(Capability::CapabilityIam)
        .send()
        .await
        .unwrap();
    assert_eq!(status(&cfn, &stack).await, StackStatus::CreateComplete);
    let physical = |logical: &'static str| {
        let cfn = cfn.clone();
        let stack = stack.clone();
        async move {
            cfn.describe_stack_resource()
                .stack_name(&stack)
                .logical_resource_id(logical)
                .send()
                .await
                .unwrap()
                .stack_resource_detail()
                .unwrap()
                .physical_resource_id()
                .unwrap()
                .to_owned()
        }
    };
    let (role, function) = (physical("Role").await, physical("Reader").await);
    let role_arn = iam.get_role().role_name(&role).send().await.unwrap();
    let role_arn = role_arn.role().unwrap().arn().to_owned();
    let before = lambda
        .get_function_configuration()
        .function_name(&function)
        .send()
        .await
        .unwrap();

    // New code (another path), another environment, another description and tags.
    cfn.update_stack()
        .stack_name(&stack)
        .template_body(in_place_template(&second, "green", "two"))
        .capabilities(Capability::CapabilityIam)
        .send()
        .await
        .unwrap();
    assert_eq!(
        status(&cfn, &stack).await,
        StackStatus::UpdateComplete,
        "{:?}",
        cfn.describe_stack_events().stack_name(&stack).send().await
    );
    // The same role and function (no replacement), changed.
    assert_eq!(physical("Role").await, role);
    assert_eq!(physical("Reader").await, function);
    let got = iam.get_role().role_name(&role).send().await.unwrap();
    let got = got.role().unwrap();
    assert_eq!(got.arn(), role_arn);
    assert_eq!(got.description(), Some("green"));
    assert_eq!(
        got.tags()
            .iter()
            .map(|t| (t.key(), t.value()))
            .collect::<Vec<_>>(),
        [("team", "green")]
    );
    let after = lambda
        .get_function_configuration()
        .function_name(&function)
        .send()
        .await
        .unwrap();
    assert_eq!(after.function_arn(), before.function_arn());
    assert_ne!(after.last_modified(), before.last_modified());
    assert_eq!(
        after.last_update_status().map(|s| s.as_str()),
        Some("Successful")
    );
    let variables = after.environment().unwrap().variables().unwrap();
    assert_eq!(
        variables.get("APP_CONFIG_PATH").map(String::as_str),
        Some("two")
    );
    // Its tags changed through TagResource/UntagResource (no replacement).
    let tags = lambda
        .list_tags()
        .resource(after.function_arn().unwrap())
        .send()
        .await
        .unwrap();
    let tags = tags.tags().unwrap();
    assert_eq!(tags.get("team").map(String::as_str), Some("green"));
    assert_eq!(tags.get("green-only").map(String::as_str), Some("yes"));
    assert!(!tags.contains_key("blue-only"), "{tags:?}");
    // The change takes effect: the function now reads the parameters under "two".
    let out = lambda
        .invoke()
        .function_name(&function)
        .payload(aws_sdk_lambda::primitives::Blob::new("{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.function_error(), None, "{:?}", out.payload());
    let answer = String::from_utf8_lossy(out.payload().unwrap().as_ref()).into_owned();
    assert!(answer.contains("two"), "{answer}");
    // The parameter was updated in place (a new version), its tags too.
    let parameter = ssm
        .get_parameter()
        .name(format!("/{stack}/two/colour"))
        .send()
        .await
        .unwrap();
    assert_eq!(parameter.parameter().unwrap().version(), 2);
    let tags = ssm
        .list_tags_for_resource()
        .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::Parameter)
        .resource_id(format!("/{stack}/two/colour"))
        .send()
        .await
        .unwrap();
    assert!(tags
        .tag_list()
        .iter()
        .any(|t| t.key() == "team" && t.value() == "green"));

    cfn.delete_stack().stack_name(&stack).send().await.unwrap();
}

#[tokio::test]
async fn stack_resources_and_events_come_in_pages_of_100() {
    let cfn = cfn_root().await;
    let stack = unique("cfnpages");
    let mut template = String::from("Resources:\n");
    for i in 0..101 {
        template.push_str(&format!(
            "  P{i}:\n    Type: AWS::SSM::Parameter\n    Properties: {{Type: String, Value: v{i}}}\n"
        ));
    }
    cfn.create_stack()
        .stack_name(&stack)
        .template_body(&template)
        .send()
        .await
        .unwrap();
    assert_eq!(status(&cfn, &stack).await, StackStatus::CreateComplete);

    let first = cfn
        .list_stack_resources()
        .stack_name(&stack)
        .send()
        .await
        .unwrap();
    assert_eq!(first.stack_resource_summaries().len(), 100);
    let token = first.next_token().expect("a second page").to_owned();
    let second = cfn
        .list_stack_resources()
        .stack_name(&stack)
        .next_token(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(second.stack_resource_summaries().len(), 1);
    assert_eq!(second.next_token(), None);
    // A token from another listing is refused.
    let (code, _) = error_of(
        cfn.describe_stack_events()
            .stack_name(&stack)
            .next_token(&token)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");

    // The SDK's paginator walks every event: 2 per parameter and 2 for the stack.
    let pages: Vec<_> = cfn
        .describe_stack_events()
        .stack_name(&stack)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    let events: usize = pages.iter().map(|p| p.stack_events().len()).sum();
    assert_eq!(events, 204);
    cfn.delete_stack().stack_name(&stack).send().await.unwrap();
}
