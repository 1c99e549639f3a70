//! End-to-end tests: the official AWS SDK clients against the emulator, started in this
//! process on `127.0.0.1:0` unless `AWS_ENDPOINT_URL` names a running one.

mod admin;
mod authz;
mod authz_scope;
mod authz_sts;
mod boundaries;
mod cfn_api;
mod cfn_templates;
mod common;
mod compose;
mod concurrency;
mod console;
mod crash;
mod iam_api;
mod iam_api_groups;
mod iam_api_tags;
mod identity;
mod kms;
mod kms_crypto;
mod kms_fidelity;
mod kms_import;
mod kms_multiregion;
mod kms_shapes;
mod lambda;
mod lambda_code;
mod lambda_managed;
mod lambda_states;
mod lambda_tags;
mod lambda_trust;
mod lambda_versions;
mod lambda_xray;
mod protocol;
mod scenario;
mod securestring;
mod snapshot;
mod ssm;
