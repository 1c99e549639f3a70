//! The request context of every implemented operation, as data: for each operation of
//! SSM, KMS, Lambda and STS, the actions it authorises, the kind of resource each names,
//! and every condition key the emulator supplies for it, with how its value is computed.
//!
//! The keys are those AWS lists in the Service Authorization Reference:
//! - "Actions, resources, and condition keys for AWS Systems Manager"
//!   (<https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html>)
//!   and the Systems Manager User Guide, "Preventing access to Parameter Store API
//!   operations" (`ssm:Overwrite`, `ssm:Policies`, `ssm:Recursive`);
//! - "Actions, resources, and condition keys for AWS Key Management Service"
//!   (<https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html>)
//!   and the KMS Developer Guide, "AWS KMS condition keys";
//! - "Actions, resources, and condition keys for AWS Lambda"
//!   (<https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html>);
//! - "Actions, resources, and condition keys for AWS Security Token Service"
//!   (<https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html>);
//! - the IAM User Guide, "AWS global condition context keys" (the `aws:` keys) and "IAM
//!   and AWS STS condition context keys" (`iam:PassedToService`,
//!   `iam:AssociatedResourceArn`).
//!
//! Keys the Reference lists that can never be present here are left out, each with why:
//! `lambda:Layer`, `lambda:VpcIds`, `lambda:SubnetIds`, `lambda:SecurityGroupIds` (the
//! emulator refuses Layers and VpcConfig before authorising), `lambda:CodeSigningConfigArn`
//! (no code signing), `kms:GrantIsForAWSResource`
//! `= true` and `kms:ViaService` on direct calls (only SSM calls KMS on a caller's behalf),
//! `kms:ExpirationModel`, `kms:ValidTo`, `kms:WrappingAlgorithm`, `kms:WrappingKeySpec`,
//! `kms:ReplicaRegion`, `kms:PrimaryRegion` (no imported material, no multi-Region keys),
//! and `ssm:resourceTag/*` on DescribeParameters (no resource).
//!
//! `${TagKey}` stands for any tag key, `${Key}` for any encryption context key.
//! Condition keys are computed lazily: only when a policy that decides reads keys (see
//! `Iam::keys_if_read`), so requests under policies without conditions cost nothing.

/// One condition key and how the emulator computes its value.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub name: &'static str,
    pub value: &'static str,
}

/// One implemented operation.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// The operation's name in its API (`GetParameter`).
    pub name: &'static str,
    /// The actions it authorises, in order (`kms:ReEncryptFrom`, `kms:ReEncryptTo`).
    pub actions: &'static [&'static str],
    /// The resource each action names (ARN kind, `*` for none).
    pub resource: &'static str,
    /// The keys the resource type supplies (its tags, ...).
    pub resource_keys: &'static [Key],
    /// The operation's own keys.
    pub keys: &'static [Key],
}

const fn key(name: &'static str, value: &'static str) -> Key {
    Key { name, value }
}

/// The keys of every request (IAM User Guide, "AWS global condition context keys").
pub const GLOBAL: &[Key] = &[
    key(
        "aws:PrincipalArn",
        "the caller's ARN; a role session's role ARN",
    ),
    key("aws:PrincipalAccount", "the caller's account"),
    key("aws:PrincipalType", "Account, User or AssumedRole"),
    key(
        "aws:userid",
        "the caller's unique id (AIDA..., AROA...:session, the account for root)",
    ),
    key("aws:username", "an IAM user's name (users only)"),
    key(
        "aws:PrincipalTag/${TagKey}",
        "the tags of the caller's user or role (fixture `tags:`); a role session's session \
         tags (AssumeRole `Tags`, and transitive tags inherited in a role chain) replace \
         the role's tag of the same key",
    ),
    key(
        "aws:PrincipalIsAWSService",
        "false: every caller is an IAM principal",
    ),
    key(
        "aws:ViaAWSService",
        "false; true when SSM calls KMS on the caller's behalf",
    ),
    key("aws:RequestedRegion", "the region of the signature's scope"),
    key(
        "aws:SecureTransport",
        "false: the emulator listens over HTTP",
    ),
    key("aws:SourceIp", "the client's address"),
    key("aws:CurrentTime", "the current second, RFC 3339"),
    key("aws:EpochTime", "the current second since the Unix epoch"),
    key(
        "aws:ResourceAccount",
        "the account of the resource's ARN (absent for `*`)",
    ),
];

/// The keys of every request signed with the session Lambda gives a function's execution
/// environment (Lambda Developer Guide, "Using source function ARN to control function
/// access behavior").
pub const FUNCTION_SESSION: &[Key] = &[key(
    "lambda:SourceFunctionArn",
    "the ARN of the function whose execution environment signed the request",
)];

const PARAMETER: &[Key] = &[
    key(
        "aws:ResourceTag/${TagKey}",
        "the parameter's tags (when it exists)",
    ),
    key(
        "ssm:resourceTag/${TagKey}",
        "the parameter's tags (when it exists)",
    ),
];

const REQUEST_TAGS: &[Key] = &[
    key("aws:RequestTag/${TagKey}", "each tag the request sets"),
    key(
        "aws:TagKeys",
        "the keys of the tags the request sets or removes (multivalued)",
    ),
];

/// SSM Parameter Store.
pub const SSM: &[Operation] = &[
    Operation {
        name: "AddTagsToResource",
        actions: &["ssm:AddTagsToResource"],
        resource: "parameter",
        resource_keys: PARAMETER,
        keys: REQUEST_TAGS,
    },
    Operation {
        name: "DeleteParameter",
        actions: &["ssm:DeleteParameter"],
        resource: "parameter",
        resource_keys: PARAMETER,
        keys: &[],
    },
    Operation {
        name: "DeleteParameters",
        actions: &["ssm:DeleteParameters"],
        resource: "parameter (each)",
        resource_keys: PARAMETER,
        keys: &[],
    },
    Operation {
        name: "DescribeParameters",
        actions: &["ssm:DescribeParameters"],
        resource: "arn:aws:ssm:REGION:ACCOUNT:*",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "GetParameter",
        actions: &["ssm:GetParameter"],
        resource: "parameter",
        resource_keys: PARAMETER,
        keys: &[],
    },
    Operation {
        name: "GetParameterHistory",
        actions: &["ssm:GetParameterHistory"],
        resource: "parameter",
        resource_keys: PARAMETER,
        keys: &[],
    },
    Operation {
        name: "GetParameters",
        actions: &["ssm:GetParameters"],
        resource: "parameter (each)",
        resource_keys: PARAMETER,
        keys: &[],
    },
    Operation {
        name: "GetParametersByPath",
        actions: &["ssm:GetParametersByPath"],
        resource: "parameter (the path)",
        resource_keys: &[],
        keys: &[key("ssm:Recursive", "the Recursive member, true or false")],
    },
    Operation {
        name: "LabelParameterVersion",
        actions: &["ssm:LabelParameterVersion"],
        resource: "parameter",
        resource_keys: PARAMETER,
        keys: &[],
    },
    Operation {
        name: "ListTagsForResource",
        actions: &["ssm:ListTagsForResource"],
        resource: "parameter",
        resource_keys: PARAMETER,
        keys: &[],
    },
    Operation {
        name: "PutParameter",
        actions: &["ssm:PutParameter", "ssm:AddTagsToResource (with Tags)"],
        resource: "parameter",
        resource_keys: PARAMETER,
        keys: &[
            key("ssm:Overwrite", "the Overwrite member, true or false"),
            key("ssm:Policies", "true when Policies is given, else false"),
            key("aws:RequestTag/${TagKey}", "each tag of Tags"),
            key("aws:TagKeys", "the keys of Tags (multivalued)"),
        ],
    },
    Operation {
        name: "RemoveTagsFromResource",
        actions: &["ssm:RemoveTagsFromResource"],
        resource: "parameter",
        resource_keys: PARAMETER,
        keys: &[key("aws:TagKeys", "TagKeys (multivalued)")],
    },
    Operation {
        name: "UnlabelParameterVersion",
        actions: &["ssm:UnlabelParameterVersion"],
        resource: "parameter",
        resource_keys: PARAMETER,
        keys: &[],
    },
];

/// The keys of Sign and Verify.
const SIGN: &[Key] = &[
    key("kms:SigningAlgorithm", "the SigningAlgorithm member"),
    key("kms:MessageType", "the MessageType member, RAW by default"),
    key(
        "kms:RequestAlias",
        "the alias the KeyId names the key by (alias/NAME or its ARN)",
    ),
];

/// The keys of GenerateMac and VerifyMac.
const MAC: &[Key] = &[
    key("kms:MacAlgorithm", "the MacAlgorithm member"),
    key(
        "kms:RequestAlias",
        "the alias the KeyId names the key by (alias/NAME or its ARN)",
    ),
];

/// The keys of a KMS key resource (and `kms:CallerAccount`, on every KMS request).
const KMS_KEY: &[Key] = &[
    key("kms:CallerAccount", "the caller's account"),
    key(
        "kms:KeySpec",
        "the key's spec (SYMMETRIC_DEFAULT or HMAC_*)",
    ),
    key("kms:KeyUsage", "the key's usage"),
    key(
        "kms:KeyOrigin",
        "AWS_KMS, or EXTERNAL for imported key material",
    ),
    key("kms:MultiRegion", "true for a multi-Region key, else false"),
    key(
        "kms:ResourceAliases",
        "the names of the aliases of the key (multivalued)",
    ),
    key("aws:ResourceTag/${TagKey}", "the key's tags"),
];

const CRYPTO: &[Key] = &[
    key(
        "kms:EncryptionContext:${Key}",
        "each pair of the encryption context",
    ),
    key(
        "kms:EncryptionContextKeys",
        "the encryption context's keys (multivalued)",
    ),
    key(
        "kms:EncryptionAlgorithm",
        "SYMMETRIC_DEFAULT, or the EncryptionAlgorithm member for an RSA key",
    ),
    key(
        "kms:RequestAlias",
        "the alias the KeyId names the key by (alias/NAME or its ARN)",
    ),
];

/// The keys of GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext.
const DATA_KEY_PAIR: &[Key] = &[
    key(
        "kms:EncryptionContext:${Key}",
        "each pair of the encryption context",
    ),
    key(
        "kms:EncryptionContextKeys",
        "the encryption context's keys (multivalued)",
    ),
    key("kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT"),
    key("kms:DataKeyPairSpec", "the KeyPairSpec member"),
    key(
        "kms:RequestAlias",
        "the alias the KeyId names the key by (alias/NAME or its ARN)",
    ),
];

const fn on_key(
    name: &'static str,
    actions: &'static [&'static str],
    keys: &'static [Key],
) -> Operation {
    Operation {
        name,
        actions,
        resource: "key",
        resource_keys: KMS_KEY,
        keys,
    }
}

/// AWS KMS.
pub const KMS: &[Operation] = &[
    on_key("CancelKeyDeletion", &["kms:CancelKeyDeletion"], &[]),
    Operation {
        name: "CreateAlias",
        actions: &["kms:CreateAlias (alias)", "kms:CreateAlias (key)"],
        resource: "alias, then key",
        resource_keys: KMS_KEY,
        keys: &[],
    },
    on_key(
        "CreateGrant",
        &["kms:CreateGrant"],
        &[
            key("kms:GrantOperations", "the Operations member (multivalued)"),
            key("kms:GranteePrincipal", "the GranteePrincipal member"),
            key(
                "kms:RetiringPrincipal",
                "the RetiringPrincipal member, when given",
            ),
            key(
                "kms:GrantIsForAWSResource",
                "false: only direct calls create grants here",
            ),
            key(
                "kms:GrantConstraintType",
                "EncryptionContextEquals or EncryptionContextSubset, when Constraints are given",
            ),
        ],
    ),
    Operation {
        name: "CreateKey",
        actions: &["kms:CreateKey", "kms:TagResource (with Tags)"],
        resource: "*",
        resource_keys: &[],
        keys: &[
            key("kms:CallerAccount", "the caller's account"),
            key(
                "kms:KeySpec",
                "the KeySpec member, SYMMETRIC_DEFAULT by default",
            ),
            key(
                "kms:KeyUsage",
                "the KeyUsage member, ENCRYPT_DECRYPT by default",
            ),
            key("kms:KeyOrigin", "the Origin member, AWS_KMS by default"),
            key(
                "kms:MultiRegion",
                "the MultiRegion member, false by default",
            ),
            key(
                "kms:BypassPolicyLockoutSafetyCheck",
                "the member, false by default",
            ),
            key("aws:RequestTag/${TagKey}", "each tag of Tags"),
            key("aws:TagKeys", "the keys of Tags (multivalued)"),
        ],
    },
    on_key("Decrypt", &["kms:Decrypt"], CRYPTO),
    Operation {
        name: "DeleteAlias",
        actions: &["kms:DeleteAlias (alias)", "kms:DeleteAlias (key)"],
        resource: "alias, then key",
        resource_keys: KMS_KEY,
        keys: &[],
    },
    on_key(
        "DeleteImportedKeyMaterial",
        &["kms:DeleteImportedKeyMaterial"],
        &[],
    ),
    on_key(
        "DeriveSharedSecret",
        &["kms:DeriveSharedSecret"],
        &[
            key(
                "kms:KeyAgreementAlgorithm",
                "the KeyAgreementAlgorithm member",
            ),
            key(
                "kms:RequestAlias",
                "the alias the KeyId names the key by (alias/NAME or its ARN)",
            ),
        ],
    ),
    on_key(
        "DescribeKey",
        &["kms:DescribeKey"],
        &[key(
            "kms:RequestAlias",
            "the alias the KeyId names the key by",
        )],
    ),
    on_key("DisableKey", &["kms:DisableKey"], &[]),
    on_key("DisableKeyRotation", &["kms:DisableKeyRotation"], &[]),
    on_key("EnableKey", &["kms:EnableKey"], &[]),
    on_key(
        "EnableKeyRotation",
        &["kms:EnableKeyRotation"],
        &[key(
            "kms:RotationPeriodInDays",
            "the RotationPeriodInDays member, when given",
        )],
    ),
    on_key("Encrypt", &["kms:Encrypt"], CRYPTO),
    on_key("GenerateDataKey", &["kms:GenerateDataKey"], CRYPTO),
    on_key(
        "GenerateDataKeyPair",
        &["kms:GenerateDataKeyPair"],
        DATA_KEY_PAIR,
    ),
    on_key(
        "GenerateDataKeyPairWithoutPlaintext",
        &["kms:GenerateDataKeyPairWithoutPlaintext"],
        DATA_KEY_PAIR,
    ),
    on_key(
        "GenerateDataKeyWithoutPlaintext",
        &["kms:GenerateDataKeyWithoutPlaintext"],
        CRYPTO,
    ),
    on_key("GenerateMac", &["kms:GenerateMac"], MAC),
    Operation {
        name: "GenerateRandom",
        actions: &["kms:GenerateRandom"],
        resource: "*",
        resource_keys: &[],
        keys: &[key("kms:CallerAccount", "the caller's account")],
    },
    on_key("GetKeyPolicy", &["kms:GetKeyPolicy"], &[]),
    on_key(
        "GetParametersForImport",
        &["kms:GetParametersForImport"],
        &[
            key("kms:WrappingAlgorithm", "the WrappingAlgorithm member"),
            key("kms:WrappingKeySpec", "the WrappingKeySpec member"),
        ],
    ),
    on_key("GetKeyRotationStatus", &["kms:GetKeyRotationStatus"], &[]),
    on_key(
        "GetPublicKey",
        &["kms:GetPublicKey"],
        &[key(
            "kms:RequestAlias",
            "the alias the KeyId names the key by",
        )],
    ),
    on_key(
        "ImportKeyMaterial",
        &["kms:ImportKeyMaterial"],
        &[
            key(
                "kms:ExpirationModel",
                "the ExpirationModel member, KEY_MATERIAL_EXPIRES by default",
            ),
            key(
                "kms:ValidTo",
                "the ValidTo member (epoch seconds), when given",
            ),
        ],
    ),
    Operation {
        name: "ListAliases",
        actions: &["kms:ListAliases"],
        resource: "*",
        resource_keys: &[],
        keys: &[key("kms:CallerAccount", "the caller's account")],
    },
    on_key(
        "ListGrants",
        &["kms:ListGrants"],
        &[
            key(
                "kms:GranteePrincipal",
                "the GranteePrincipal filter, when given",
            ),
            key(
                "kms:GrantIsForAWSResource",
                "false: only direct calls reach the emulator",
            ),
        ],
    ),
    on_key("ListKeyPolicies", &["kms:ListKeyPolicies"], &[]),
    on_key("ListKeyRotations", &["kms:ListKeyRotations"], &[]),
    Operation {
        name: "ListKeys",
        actions: &["kms:ListKeys"],
        resource: "*",
        resource_keys: &[],
        keys: &[key("kms:CallerAccount", "the caller's account")],
    },
    on_key("ListResourceTags", &["kms:ListResourceTags"], &[]),
    Operation {
        name: "ListRetirableGrants",
        actions: &["kms:ListRetirableGrants"],
        resource: "*",
        resource_keys: &[],
        keys: &[key("kms:CallerAccount", "the caller's account")],
    },
    on_key(
        "PutKeyPolicy",
        &["kms:PutKeyPolicy"],
        &[key(
            "kms:BypassPolicyLockoutSafetyCheck",
            "the member, false by default",
        )],
    ),
    on_key(
        "ReEncrypt",
        &["kms:ReEncryptFrom", "kms:ReEncryptTo"],
        CRYPTO,
    ),
    Operation {
        name: "ReplicateKey",
        actions: &[
            "kms:ReplicateKey (primary key)",
            "kms:CreateKey (replica Region)",
            "kms:TagResource (replica Region, with Tags)",
        ],
        resource: "key, then *",
        resource_keys: KMS_KEY,
        keys: &[
            key("kms:ReplicaRegion", "the ReplicaRegion member"),
            key(
                "kms:MultiRegionKeyType",
                "PRIMARY on the primary key, REPLICA for the replica's CreateKey",
            ),
            key("aws:RequestTag/${TagKey}", "each tag of Tags"),
        ],
    },
    // RetireGrant by someone the grant does not name is decided by IAM alone.
    Operation {
        name: "RetireGrant",
        actions: &["kms:RetireGrant"],
        resource: "key",
        resource_keys: &[],
        keys: &[],
    },
    on_key(
        "RevokeGrant",
        &["kms:RevokeGrant"],
        &[key(
            "kms:GrantIsForAWSResource",
            "false: only direct calls reach the emulator",
        )],
    ),
    on_key("RotateKeyOnDemand", &["kms:RotateKeyOnDemand"], &[]),
    on_key(
        "ScheduleKeyDeletion",
        &["kms:ScheduleKeyDeletion"],
        &[key(
            "kms:ScheduleKeyDeletionPendingWindowInDays",
            "the PendingWindowInDays member, 30 by default",
        )],
    ),
    on_key("Sign", &["kms:Sign"], SIGN),
    on_key("TagResource", &["kms:TagResource"], REQUEST_TAGS),
    on_key(
        "UntagResource",
        &["kms:UntagResource"],
        &[key("aws:TagKeys", "TagKeys (multivalued)")],
    ),
    Operation {
        name: "UpdateAlias",
        actions: &[
            "kms:UpdateAlias (alias)",
            "kms:UpdateAlias (old key)",
            "kms:UpdateAlias (new key)",
        ],
        resource: "alias, then keys",
        resource_keys: KMS_KEY,
        keys: &[],
    },
    on_key("UpdateKeyDescription", &["kms:UpdateKeyDescription"], &[]),
    Operation {
        name: "UpdatePrimaryRegion",
        actions: &[
            "kms:UpdatePrimaryRegion (primary key)",
            "kms:UpdatePrimaryRegion (replica key)",
        ],
        resource: "key, then key",
        resource_keys: KMS_KEY,
        keys: &[
            key("kms:PrimaryRegion", "the PrimaryRegion member"),
            key("kms:MultiRegionKeyType", "PRIMARY, then REPLICA"),
        ],
    },
    on_key("Verify", &["kms:Verify"], SIGN),
    on_key("VerifyMac", &["kms:VerifyMac"], MAC),
];

const FUNCTION: &[Key] = &[key(
    "aws:ResourceTag/${TagKey}",
    "the function's tags (when it exists)",
)];

/// AWS Lambda.
pub const LAMBDA: &[Operation] = &[
    Operation {
        name: "CreateFunction",
        actions: &["lambda:CreateFunction", "iam:PassRole (the role)"],
        resource: "function, then role",
        resource_keys: &[],
        keys: &[
            key("aws:RequestTag/${TagKey}", "each tag of Tags"),
            key("aws:TagKeys", "the keys of Tags (multivalued)"),
            key(
                "iam:PassedToService",
                "lambda.amazonaws.com (on iam:PassRole)",
            ),
            key(
                "iam:AssociatedResourceArn",
                "the function's ARN (on iam:PassRole)",
            ),
        ],
    },
    Operation {
        name: "DeleteFunction",
        actions: &["lambda:DeleteFunction"],
        resource: "function",
        resource_keys: FUNCTION,
        keys: &[],
    },
    Operation {
        name: "GetFunction",
        actions: &["lambda:GetFunction"],
        resource: "function",
        resource_keys: FUNCTION,
        keys: &[],
    },
    Operation {
        name: "GetFunctionConfiguration",
        actions: &["lambda:GetFunctionConfiguration"],
        resource: "function",
        resource_keys: FUNCTION,
        keys: &[],
    },
    Operation {
        name: "Invoke",
        actions: &["lambda:InvokeFunction"],
        resource: "function",
        resource_keys: FUNCTION,
        keys: &[],
    },
    Operation {
        name: "ListFunctions",
        actions: &["lambda:ListFunctions"],
        resource: "*",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "UpdateFunctionCode",
        actions: &["lambda:UpdateFunctionCode"],
        resource: "function",
        resource_keys: FUNCTION,
        keys: &[],
    },
    Operation {
        name: "UpdateFunctionConfiguration",
        actions: &[
            "lambda:UpdateFunctionConfiguration",
            "iam:PassRole (with Role)",
        ],
        resource: "function, then role",
        resource_keys: FUNCTION,
        keys: &[
            key(
                "iam:PassedToService",
                "lambda.amazonaws.com (on iam:PassRole)",
            ),
            key(
                "iam:AssociatedResourceArn",
                "the function's ARN (on iam:PassRole)",
            ),
        ],
    },
    // Versions and aliases (lambda::versions): the function's unqualified ARN.
    Operation {
        name: "PublishVersion",
        actions: &["lambda:PublishVersion"],
        resource: "function (unqualified)",
        resource_keys: FUNCTION,
        keys: &[],
    },
    Operation {
        name: "ListVersionsByFunction",
        actions: &["lambda:ListVersionsByFunction"],
        resource: "function (unqualified)",
        resource_keys: FUNCTION,
        keys: &[],
    },
    Operation {
        name: "CreateAlias",
        actions: &["lambda:CreateAlias"],
        resource: "function (unqualified)",
        resource_keys: FUNCTION,
        keys: &[],
    },
    Operation {
        name: "GetAlias",
        actions: &["lambda:GetAlias"],
        resource: "function (unqualified)",
        resource_keys: FUNCTION,
        keys: &[],
    },
    Operation {
        name: "UpdateAlias",
        actions: &["lambda:UpdateAlias"],
        resource: "function (unqualified)",
        resource_keys: FUNCTION,
        keys: &[],
    },
    Operation {
        name: "DeleteAlias",
        actions: &["lambda:DeleteAlias"],
        resource: "function (unqualified)",
        resource_keys: FUNCTION,
        keys: &[],
    },
    Operation {
        name: "ListAliases",
        actions: &["lambda:ListAliases"],
        resource: "function (unqualified)",
        resource_keys: FUNCTION,
        keys: &[],
    },
    // Tags (lambda::tags): the function's ARN; the request's tags for TagResource, the
    // keys for UntagResource (the Reference's rows for the two actions).
    Operation {
        name: "TagResource",
        actions: &["lambda:TagResource"],
        resource: "function (unqualified)",
        resource_keys: FUNCTION,
        keys: &[
            key("aws:RequestTag/${TagKey}", "each tag of Tags"),
            key("aws:TagKeys", "the keys of Tags (multivalued)"),
        ],
    },
    Operation {
        name: "UntagResource",
        actions: &["lambda:UntagResource"],
        resource: "function (unqualified)",
        resource_keys: FUNCTION,
        keys: &[key("aws:TagKeys", "the TagKeys member (multivalued)")],
    },
    Operation {
        name: "ListTags",
        actions: &["lambda:ListTags"],
        resource: "function (unqualified)",
        resource_keys: FUNCTION,
        keys: &[],
    },
];

/// AWS STS. GetCallerIdentity needs no permission (STS API Reference,
/// "GetCallerIdentity"), so it authorises nothing.
pub const STS: &[Operation] = &[
    Operation {
        name: "AssumeRole",
        // sts:TagSession only when session tags are passed or inherited (IAM User Guide,
        // "Pass session tags in AWS STS"), sts:SetSourceIdentity only with a
        // SourceIdentity; each against the trust policy as sts:AssumeRole is.
        actions: &["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
        resource: "role (identity policies and the role's trust policy)",
        resource_keys: &[],
        keys: &[
            key("sts:RoleSessionName", "the RoleSessionName member"),
            key("sts:ExternalId", "the ExternalId member (when passed)"),
            key(
                "sts:SourceIdentity",
                "the SourceIdentity member (when passed)",
            ),
            key(
                "aws:RequestTag/${TagKey}",
                "the value of each session tag passed (Tags)",
            ),
            key(
                "aws:TagKeys",
                "the keys of the session tags passed (multivalued)",
            ),
            key(
                "sts:TransitiveTagKeys",
                "the TransitiveTagKeys members (multivalued)",
            ),
        ],
    },
    Operation {
        name: "GetAccessKeyInfo",
        actions: &["sts:GetAccessKeyInfo"],
        resource: "none (*)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "GetCallerIdentity",
        actions: &[],
        resource: "none",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        // "No permissions are required for users to perform this operation" (STS API
        // Reference, "GetSessionToken").
        name: "GetSessionToken",
        actions: &[],
        resource: "none",
        resource_keys: &[],
        keys: &[],
    },
];

/// IAM (the IAM API, `iam_api`): each operation authorises its own action on the user,
/// role, group, policy or instance profile it names (Service Authorization Reference,
/// "Actions, resources, and condition keys for AWS Identity and Access Management"),
/// with the Reference's `iam:ResourceTag/${TagKey}` (and `aws:ResourceTag/${TagKey}`) of
/// a user or role, `iam:PermissionsBoundary`, `iam:PolicyARN`, `aws:RequestTag/${TagKey}`
/// and `aws:TagKeys` (`iam_api::authorize_keys`); a customer managed policy's or an
/// instance profile's tags are its `aws:ResourceTag/${TagKey}` only (the Reference gives
/// `iam:ResourceTag` to users and roles). Groups have no tags in IAM.
pub const IAM: &[Operation] = &[
    Operation {
        name: "TagPolicy",
        actions: &["iam:TagPolicy"],
        resource: "policy (arn:aws:iam::ACCOUNT:policy/PATH/NAME)",
        resource_keys: &[key(
            "aws:ResourceTag/${TagKey}",
            "the tag of the policy or instance profile named",
        )],
        keys: &[
            key("aws:RequestTag/${TagKey}", "the Tags members"),
            key("aws:TagKeys", "the keys of Tags"),
        ],
    },
    Operation {
        name: "UntagPolicy",
        actions: &["iam:UntagPolicy"],
        resource: "policy (arn:aws:iam::ACCOUNT:policy/PATH/NAME)",
        resource_keys: &[key(
            "aws:ResourceTag/${TagKey}",
            "the tag of the policy or instance profile named",
        )],
        keys: &[key("aws:TagKeys", "the TagKeys members")],
    },
    Operation {
        name: "ListPolicyTags",
        actions: &["iam:ListPolicyTags"],
        resource: "policy (arn:aws:iam::ACCOUNT:policy/PATH/NAME)",
        resource_keys: &[key(
            "aws:ResourceTag/${TagKey}",
            "the tag of the policy or instance profile named",
        )],
        keys: &[],
    },
    Operation {
        name: "TagInstanceProfile",
        actions: &["iam:TagInstanceProfile"],
        resource: "instance-profile (arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME)",
        resource_keys: &[key(
            "aws:ResourceTag/${TagKey}",
            "the tag of the policy or instance profile named",
        )],
        keys: &[
            key("aws:RequestTag/${TagKey}", "the Tags members"),
            key("aws:TagKeys", "the keys of Tags"),
        ],
    },
    Operation {
        name: "UntagInstanceProfile",
        actions: &["iam:UntagInstanceProfile"],
        resource: "instance-profile (arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME)",
        resource_keys: &[key(
            "aws:ResourceTag/${TagKey}",
            "the tag of the policy or instance profile named",
        )],
        keys: &[key("aws:TagKeys", "the TagKeys members")],
    },
    Operation {
        name: "ListInstanceProfileTags",
        actions: &["iam:ListInstanceProfileTags"],
        resource: "instance-profile (arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME)",
        resource_keys: &[key(
            "aws:ResourceTag/${TagKey}",
            "the tag of the policy or instance profile named",
        )],
        keys: &[],
    },
    Operation {
        name: "AttachRolePolicy",
        actions: &["iam:AttachRolePolicy"],
        resource: "role (arn:aws:iam::ACCOUNT:role/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[
            key(
                "iam:PermissionsBoundary",
                "the boundary of the user or role named, if any",
            ),
            key("iam:PolicyARN", "the PolicyArn member"),
        ],
    },
    Operation {
        name: "AttachUserPolicy",
        actions: &["iam:AttachUserPolicy"],
        resource: "user (arn:aws:iam::ACCOUNT:user/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[
            key(
                "iam:PermissionsBoundary",
                "the boundary of the user or role named, if any",
            ),
            key("iam:PolicyARN", "the PolicyArn member"),
        ],
    },
    Operation {
        name: "CreatePolicy",
        actions: &["iam:CreatePolicy"],
        resource: "policy (arn:aws:iam::ACCOUNT:policy/PATH/NAME)",
        resource_keys: &[],
        keys: &[
            key("aws:RequestTag/${TagKey}", "the Tags members"),
            key("aws:TagKeys", "the keys of Tags"),
        ],
    },
    Operation {
        name: "DeletePolicy",
        actions: &["iam:DeletePolicy"],
        resource: "policy (arn:aws:iam::ACCOUNT:policy/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "DetachRolePolicy",
        actions: &["iam:DetachRolePolicy"],
        resource: "role (arn:aws:iam::ACCOUNT:role/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[
            key(
                "iam:PermissionsBoundary",
                "the boundary of the user or role named, if any",
            ),
            key("iam:PolicyARN", "the PolicyArn member"),
        ],
    },
    Operation {
        name: "DetachUserPolicy",
        actions: &["iam:DetachUserPolicy"],
        resource: "user (arn:aws:iam::ACCOUNT:user/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[
            key(
                "iam:PermissionsBoundary",
                "the boundary of the user or role named, if any",
            ),
            key("iam:PolicyARN", "the PolicyArn member"),
        ],
    },
    Operation {
        name: "GetPolicy",
        actions: &["iam:GetPolicy"],
        resource: "policy (arn:aws:iam::ACCOUNT:policy/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "GetPolicyVersion",
        actions: &["iam:GetPolicyVersion"],
        resource: "policy (arn:aws:iam::ACCOUNT:policy/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "ListAttachedRolePolicies",
        actions: &["iam:ListAttachedRolePolicies"],
        resource: "role (arn:aws:iam::ACCOUNT:role/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[],
    },
    Operation {
        name: "ListAttachedUserPolicies",
        actions: &["iam:ListAttachedUserPolicies"],
        resource: "user (arn:aws:iam::ACCOUNT:user/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[],
    },
    Operation {
        name: "DeleteRolePermissionsBoundary",
        actions: &["iam:DeleteRolePermissionsBoundary"],
        resource: "role (arn:aws:iam::ACCOUNT:role/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[key(
            "iam:PermissionsBoundary",
            "the boundary of the user or role named, if any",
        )],
    },
    Operation {
        name: "DeleteUserPermissionsBoundary",
        actions: &["iam:DeleteUserPermissionsBoundary"],
        resource: "user (arn:aws:iam::ACCOUNT:user/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[key(
            "iam:PermissionsBoundary",
            "the boundary of the user or role named, if any",
        )],
    },
    Operation {
        name: "ListRoleTags",
        actions: &["iam:ListRoleTags"],
        resource: "role (arn:aws:iam::ACCOUNT:role/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[],
    },
    Operation {
        name: "ListUserTags",
        actions: &["iam:ListUserTags"],
        resource: "user (arn:aws:iam::ACCOUNT:user/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[],
    },
    Operation {
        name: "PutRolePermissionsBoundary",
        actions: &["iam:PutRolePermissionsBoundary"],
        resource: "role (arn:aws:iam::ACCOUNT:role/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[key(
            "iam:PermissionsBoundary",
            "the PermissionsBoundary member",
        )],
    },
    Operation {
        name: "PutUserPermissionsBoundary",
        actions: &["iam:PutUserPermissionsBoundary"],
        resource: "user (arn:aws:iam::ACCOUNT:user/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[key(
            "iam:PermissionsBoundary",
            "the PermissionsBoundary member",
        )],
    },
    Operation {
        name: "TagRole",
        actions: &["iam:TagRole"],
        resource: "role (arn:aws:iam::ACCOUNT:role/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[
            key("aws:RequestTag/${TagKey}", "the Tags members"),
            key("aws:TagKeys", "the keys of Tags (TagKeys for Untag*)"),
        ],
    },
    Operation {
        name: "TagUser",
        actions: &["iam:TagUser"],
        resource: "user (arn:aws:iam::ACCOUNT:user/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[
            key("aws:RequestTag/${TagKey}", "the Tags members"),
            key("aws:TagKeys", "the keys of Tags (TagKeys for Untag*)"),
        ],
    },
    Operation {
        name: "UntagRole",
        actions: &["iam:UntagRole"],
        resource: "role (arn:aws:iam::ACCOUNT:role/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[key("aws:TagKeys", "the keys of Tags (TagKeys for Untag*)")],
    },
    Operation {
        name: "UntagUser",
        actions: &["iam:UntagUser"],
        resource: "user (arn:aws:iam::ACCOUNT:user/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[key("aws:TagKeys", "the keys of Tags (TagKeys for Untag*)")],
    },
    Operation {
        name: "CreateAccessKey",
        actions: &["iam:CreateAccessKey"],
        resource: "user (arn:aws:iam::ACCOUNT:user/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "CreateRole",
        actions: &["iam:CreateRole"],
        resource: "role (arn:aws:iam::ACCOUNT:role/PATH/NAME)",
        resource_keys: &[],
        keys: &[
            key("iam:PermissionsBoundary", "the PermissionsBoundary member"),
            key("aws:RequestTag/${TagKey}", "the Tags members"),
            key("aws:TagKeys", "the keys of Tags (TagKeys for Untag*)"),
        ],
    },
    Operation {
        name: "CreateUser",
        actions: &["iam:CreateUser"],
        resource: "user (arn:aws:iam::ACCOUNT:user/PATH/NAME)",
        resource_keys: &[],
        keys: &[
            key("iam:PermissionsBoundary", "the PermissionsBoundary member"),
            key("aws:RequestTag/${TagKey}", "the Tags members"),
            key("aws:TagKeys", "the keys of Tags (TagKeys for Untag*)"),
        ],
    },
    Operation {
        name: "DeleteAccessKey",
        actions: &["iam:DeleteAccessKey"],
        resource: "user (arn:aws:iam::ACCOUNT:user/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[],
    },
    Operation {
        name: "DeleteRole",
        actions: &["iam:DeleteRole"],
        resource: "role (arn:aws:iam::ACCOUNT:role/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[],
    },
    Operation {
        name: "DeleteRolePolicy",
        actions: &["iam:DeleteRolePolicy"],
        resource: "role (arn:aws:iam::ACCOUNT:role/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[key(
            "iam:PermissionsBoundary",
            "the boundary of the user or role named, if any",
        )],
    },
    Operation {
        name: "DeleteUser",
        actions: &["iam:DeleteUser"],
        resource: "user (arn:aws:iam::ACCOUNT:user/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[],
    },
    Operation {
        name: "DeleteUserPolicy",
        actions: &["iam:DeleteUserPolicy"],
        resource: "user (arn:aws:iam::ACCOUNT:user/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[key(
            "iam:PermissionsBoundary",
            "the boundary of the user or role named, if any",
        )],
    },
    Operation {
        name: "GetRole",
        actions: &["iam:GetRole"],
        resource: "role (arn:aws:iam::ACCOUNT:role/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[],
    },
    Operation {
        name: "GetRolePolicy",
        actions: &["iam:GetRolePolicy"],
        resource: "role (arn:aws:iam::ACCOUNT:role/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[],
    },
    Operation {
        name: "GetUser",
        actions: &["iam:GetUser"],
        resource: "user (arn:aws:iam::ACCOUNT:user/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[],
    },
    Operation {
        name: "GetUserPolicy",
        actions: &["iam:GetUserPolicy"],
        resource: "user (arn:aws:iam::ACCOUNT:user/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[],
    },
    Operation {
        name: "ListAccessKeys",
        actions: &["iam:ListAccessKeys"],
        resource: "user (arn:aws:iam::ACCOUNT:user/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[],
    },
    Operation {
        name: "ListRolePolicies",
        actions: &["iam:ListRolePolicies"],
        resource: "role (arn:aws:iam::ACCOUNT:role/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[],
    },
    Operation {
        name: "ListRoles",
        actions: &["iam:ListRoles"],
        resource: "none (*)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "ListUserPolicies",
        actions: &["iam:ListUserPolicies"],
        resource: "user (arn:aws:iam::ACCOUNT:user/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[],
    },
    Operation {
        name: "ListUsers",
        actions: &["iam:ListUsers"],
        resource: "none (*)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "PutRolePolicy",
        actions: &["iam:PutRolePolicy"],
        resource: "role (arn:aws:iam::ACCOUNT:role/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[key(
            "iam:PermissionsBoundary",
            "the boundary of the user or role named, if any",
        )],
    },
    Operation {
        name: "PutUserPolicy",
        actions: &["iam:PutUserPolicy"],
        resource: "user (arn:aws:iam::ACCOUNT:user/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[key(
            "iam:PermissionsBoundary",
            "the boundary of the user or role named, if any",
        )],
    },
    Operation {
        name: "UpdateAccessKey",
        actions: &["iam:UpdateAccessKey"],
        resource: "user (arn:aws:iam::ACCOUNT:user/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[],
    },
    Operation {
        name: "UpdateAssumeRolePolicy",
        actions: &["iam:UpdateAssumeRolePolicy"],
        resource: "role (arn:aws:iam::ACCOUNT:role/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[],
    },
    Operation {
        name: "AddUserToGroup",
        actions: &["iam:AddUserToGroup"],
        resource: "group (arn:aws:iam::ACCOUNT:group/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "AttachGroupPolicy",
        actions: &["iam:AttachGroupPolicy"],
        resource: "group (arn:aws:iam::ACCOUNT:group/PATH/NAME)",
        resource_keys: &[],
        keys: &[key("iam:PolicyARN", "the PolicyArn member")],
    },
    Operation {
        name: "CreateGroup",
        actions: &["iam:CreateGroup"],
        resource: "group (arn:aws:iam::ACCOUNT:group/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "CreatePolicyVersion",
        actions: &["iam:CreatePolicyVersion"],
        resource: "policy (arn:aws:iam::ACCOUNT:policy/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "DeleteGroup",
        actions: &["iam:DeleteGroup"],
        resource: "group (arn:aws:iam::ACCOUNT:group/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "DeleteGroupPolicy",
        actions: &["iam:DeleteGroupPolicy"],
        resource: "group (arn:aws:iam::ACCOUNT:group/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "DeletePolicyVersion",
        actions: &["iam:DeletePolicyVersion"],
        resource: "policy (arn:aws:iam::ACCOUNT:policy/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "DetachGroupPolicy",
        actions: &["iam:DetachGroupPolicy"],
        resource: "group (arn:aws:iam::ACCOUNT:group/PATH/NAME)",
        resource_keys: &[],
        keys: &[key("iam:PolicyARN", "the PolicyArn member")],
    },
    Operation {
        name: "GetGroup",
        actions: &["iam:GetGroup"],
        resource: "group (arn:aws:iam::ACCOUNT:group/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "GetGroupPolicy",
        actions: &["iam:GetGroupPolicy"],
        resource: "group (arn:aws:iam::ACCOUNT:group/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "ListAttachedGroupPolicies",
        actions: &["iam:ListAttachedGroupPolicies"],
        resource: "group (arn:aws:iam::ACCOUNT:group/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "ListGroupPolicies",
        actions: &["iam:ListGroupPolicies"],
        resource: "group (arn:aws:iam::ACCOUNT:group/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "ListGroups",
        actions: &["iam:ListGroups"],
        resource: "none (*)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "ListGroupsForUser",
        actions: &["iam:ListGroupsForUser"],
        resource: "user (arn:aws:iam::ACCOUNT:user/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[],
    },
    Operation {
        name: "ListPolicyVersions",
        actions: &["iam:ListPolicyVersions"],
        resource: "policy (arn:aws:iam::ACCOUNT:policy/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "PutGroupPolicy",
        actions: &["iam:PutGroupPolicy"],
        resource: "group (arn:aws:iam::ACCOUNT:group/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "RemoveUserFromGroup",
        actions: &["iam:RemoveUserFromGroup"],
        resource: "group (arn:aws:iam::ACCOUNT:group/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "SetDefaultPolicyVersion",
        actions: &["iam:SetDefaultPolicyVersion"],
        resource: "policy (arn:aws:iam::ACCOUNT:policy/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "SimulateCustomPolicy",
        actions: &["iam:SimulateCustomPolicy"],
        resource: "none (*)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "SimulatePrincipalPolicy",
        actions: &["iam:SimulatePrincipalPolicy"],
        resource: "user, group or role (the PolicySourceArn)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[],
    },
    Operation {
        name: "AddRoleToInstanceProfile",
        actions: &["iam:AddRoleToInstanceProfile"],
        resource: "instance-profile (arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "CreateInstanceProfile",
        actions: &["iam:CreateInstanceProfile"],
        resource: "instance-profile (arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME)",
        resource_keys: &[],
        keys: &[
            key("aws:RequestTag/${TagKey}", "the Tags members"),
            key("aws:TagKeys", "the keys of Tags"),
        ],
    },
    Operation {
        name: "DeleteInstanceProfile",
        actions: &["iam:DeleteInstanceProfile"],
        resource: "instance-profile (arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "GetAccountAuthorizationDetails",
        actions: &["iam:GetAccountAuthorizationDetails"],
        resource: "none (*)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "GetInstanceProfile",
        actions: &["iam:GetInstanceProfile"],
        resource: "instance-profile (arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "ListInstanceProfiles",
        actions: &["iam:ListInstanceProfiles"],
        resource: "none (*)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "ListInstanceProfilesForRole",
        actions: &["iam:ListInstanceProfilesForRole"],
        resource: "role (arn:aws:iam::ACCOUNT:role/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[],
    },
    Operation {
        name: "RemoveRoleFromInstanceProfile",
        actions: &["iam:RemoveRoleFromInstanceProfile"],
        resource: "instance-profile (arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "ListPolicies",
        actions: &["iam:ListPolicies"],
        resource: "none (*)",
        resource_keys: &[],
        keys: &[],
    },
    Operation {
        name: "UpdateRole",
        actions: &["iam:UpdateRole"],
        resource: "role (arn:aws:iam::ACCOUNT:role/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[],
    },
    Operation {
        name: "UpdateRoleDescription",
        actions: &["iam:UpdateRoleDescription"],
        resource: "role (arn:aws:iam::ACCOUNT:role/PATH/NAME)",
        resource_keys: &[
            key(
                "iam:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
            key(
                "aws:ResourceTag/${TagKey}",
                "the tag of the user or role named",
            ),
        ],
        keys: &[],
    },
    Operation {
        name: "ListEntitiesForPolicy",
        actions: &["iam:ListEntitiesForPolicy"],
        resource: "policy (arn:aws:iam::ACCOUNT:policy/PATH/NAME)",
        resource_keys: &[],
        keys: &[],
    },
];

/// The table of a service by its name (`ssm`, `kms`, `lambda`, `sts`, `iam`).
pub fn table(service: &str) -> &'static [Operation] {
    match service {
        "ssm" => SSM,
        "kms" => KMS,
        "lambda" => LAMBDA,
        "sts" => STS,
        "iam" => IAM,
        _ => &[],
    }
}

#[cfg(test)]
mod tests;
