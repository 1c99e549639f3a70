//! The AWS managed policies the emulator knows, with their statements.

/// An AWS managed policy: its name, ARN and document (JSON).
pub struct ManagedPolicyDef {
    pub name: &'static str,
    pub arn: &'static str,
    pub document: &'static str,
}

/// The built-in AWS managed policies.
///
/// `AdministratorAccess`, `AWSLambdaBasicExecutionRole`, `AmazonSSMReadOnlyAccess` and
/// `AWSXrayWriteOnlyAccess` (which SAM attaches to a traced function's role; AWS Managed
/// Policy Reference, "AWSXrayWriteOnlyAccess", v2) are AWS's documents verbatim. `ReadOnlyAccess` is AWS's policy restricted to the services
/// this emulator serves (AWS's full document lists read actions of every service).
pub const MANAGED_POLICIES: &[ManagedPolicyDef] = &[
    ManagedPolicyDef {
        name: "AdministratorAccess",
        arn: "arn:aws:iam::aws:policy/AdministratorAccess",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    },
    ManagedPolicyDef {
        name: "AWSLambdaBasicExecutionRole",
        arn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}"#,
    },
    ManagedPolicyDef {
        name: "AmazonSSMReadOnlyAccess",
        arn: "arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssm:Describe*","ssm:Get*","ssm:List*"],"Resource":"*"}]}"#,
    },
    ManagedPolicyDef {
        name: "AWSXrayWriteOnlyAccess",
        arn: "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["xray:PutTraceSegments","xray:PutTelemetryRecords","xray:GetSamplingRules","xray:GetSamplingTargets","xray:GetSamplingStatisticSummaries"],"Resource":["*"]}]}"#,
    },
    ManagedPolicyDef {
        name: "ReadOnlyAccess",
        arn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
        document: r#"{"Version":"2012-10-17","Statement":[{"Sid":"ReadOnlyActions","Effect":"Allow","Action":["iam:Get*","iam:List*","kms:Describe*","kms:Get*","kms:List*","lambda:Get*","lambda:List*","logs:Describe*","logs:FilterLogEvents","logs:Get*","logs:List*","ssm:Describe*","ssm:Get*","ssm:List*","sts:GetCallerIdentity"],"Resource":"*"}]}"#,
    },
];
