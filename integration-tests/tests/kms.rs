//! KMS end to end through the official aws-sdk-kms client.
