//! Multi-Region KMS keys through the official aws-sdk-kms client: `mrk-` ids, replicas
//! in other Regions of the same endpoint that decrypt, verify and check MACs made by the
//! primary (and the other way round), MultiRegionConfiguration, UpdatePrimaryRegion,
//! deletion of a primary with replicas, and who may replicate (kms:ReplicateKey on the
//! primary, kms:CreateKey in the replica Region, kms:ReplicaRegion, kms:MultiRegion*).

use crate::common::{config_as, error_of, unique};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    KeySpec, KeyState, KeyUsageType, MacAlgorithmSpec, MessageType, MultiRegionKeyType,
    SigningAlgorithmSpec, Tag,
};
use aws_sdk_kms::Client;

const ACCOUNT: &str = "123456789012";

/// A client of `region`, signing with the given access key (unknown keys act as root).
async fn kms_in(region: &'static str, key: (&str, &str)) -> Client {
    let config = config_as(key.0, key.1, None).await;
    Client::from_conf(
        aws_sdk_kms::config::Builder::from(&config)
            .region(aws_sdk_kms::config::Region::new(region))
            .build(),
    )
}

async fn root_in(region: &'static str) -> Client {
    kms_in(region, ("test", "test")).await
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder()
        .tag_key(key)
        .tag_value(value)
        .build()
        .unwrap()
}

/// A new multi-Region primary key of `spec` in `client`'s Region; returns its id.
async fn new_mrk(client: &Client, spec: KeySpec, usage: KeyUsageType) -> String {
    let created = client
        .create_key()
        .multi_region(true)
        .key_spec(spec)
        .key_usage(usage)
        .description("primary")
        .tags(tag("side", "primary"))
        .send()
        .await
        .unwrap();
    let metadata = created.key_metadata().unwrap();
    assert!(metadata.multi_region().unwrap());
    let config = metadata.multi_region_configuration().unwrap();
    assert_eq!(
        config.multi_region_key_type(),
        Some(&MultiRegionKeyType::Primary)
    );
    assert!(config.replica_keys().is_empty());
    metadata.key_id().to_owned()
}

/// A symmetric primary key in us-east-1 and its replica in eu-west-3 share id and
/// material: a ciphertext from either Region decrypts in the other, also after the
/// primary's material is rotated; description, policy and tags are each key's own.
#[tokio::test]
async fn a_replica_decrypts_what_its_primary_encrypts_and_the_other_way_round() {
    let primary = root_in("us-east-1").await;
    let replica = root_in("eu-west-3").await;
    let id = new_mrk(
        &primary,
        KeySpec::SymmetricDefault,
        KeyUsageType::EncryptDecrypt,
    )
    .await;
    assert!(id.starts_with("mrk-") && id.len() == 36, "{id}");

    let out = primary
        .replicate_key()
        .key_id(&id)
        .replica_region("eu-west-3")
        .description("replica")
        .tags(tag("side", "replica"))
        .send()
        .await
        .unwrap();
    let metadata = out.replica_key_metadata().unwrap();
    assert_eq!(metadata.key_id(), id);
    assert_eq!(
        metadata.arn(),
        Some(format!("arn:aws:kms:eu-west-3:{ACCOUNT}:key/{id}").as_str())
    );
    assert_eq!(metadata.description(), Some("replica"));
    let config = metadata.multi_region_configuration().unwrap();
    assert_eq!(
        config.multi_region_key_type(),
        Some(&MultiRegionKeyType::Replica)
    );
    assert_eq!(config.primary_key().unwrap().region(), Some("us-east-1"));
    assert_eq!(config.replica_keys().len(), 1);
    assert_eq!(config.replica_keys()[0].region(), Some("eu-west-3"));
    // The replica gets the default key policy and only the request's tags.
    assert!(out.replica_policy().unwrap().contains(":root"));
    assert_eq!(out.replica_tags(), [tag("side", "replica")]);
    let tags = replica
        .list_resource_tags()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags(), [tag("side", "replica")]);

    // The primary lists its replica.
    let described = primary.describe_key().key_id(&id).send().await.unwrap();
    let metadata = described.key_metadata().unwrap();
    assert_eq!(metadata.description(), Some("primary"));
    let config = metadata.multi_region_configuration().unwrap();
    assert_eq!(
        config.multi_region_key_type(),
        Some(&MultiRegionKeyType::Primary)
    );
    assert_eq!(
        config.replica_keys()[0].arn(),
        Some(format!("arn:aws:kms:eu-west-3:{ACCOUNT}:key/{id}").as_str())
    );

    let from_primary = primary
        .encrypt()
        .key_id(&id)
        .plaintext(Blob::new("made in us-east-1"))
        .send()
        .await
        .unwrap();
    let opened = replica
        .decrypt()
        .ciphertext_blob(from_primary.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(opened.plaintext().unwrap().as_ref(), b"made in us-east-1");
    assert_eq!(
        opened.key_id(),
        Some(format!("arn:aws:kms:eu-west-3:{ACCOUNT}:key/{id}").as_str())
    );
    let from_replica = replica
        .encrypt()
        .key_id(&id)
        .plaintext(Blob::new("made in eu-west-3"))
        .send()
        .await
        .unwrap();
    let opened = primary
        .decrypt()
        .ciphertext_blob(from_replica.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(opened.plaintext().unwrap().as_ref(), b"made in eu-west-3");

    // Rotation happens on the primary and reaches the replica; not on the replica.
    primary
        .rotate_key_on_demand()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    let rotated = primary
        .encrypt()
        .key_id(&id)
        .plaintext(Blob::new("after rotation"))
        .send()
        .await
        .unwrap();
    for blob in [&rotated, &from_primary] {
        replica
            .decrypt()
            .ciphertext_blob(blob.ciphertext_blob().unwrap().clone())
            .send()
            .await
            .unwrap();
    }
    let (code, _) = error_of(replica.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "UnsupportedOperationException");
    let (code, _) = error_of(replica.enable_key_rotation().key_id(&id).send().await);
    assert_eq!(code, "UnsupportedOperationException");

    // One replica per Region, and only a primary is replicated.
    let (code, _) = error_of(
        primary
            .replicate_key()
            .key_id(&id)
            .replica_region("eu-west-3")
            .send()
            .await,
    );
    assert_eq!(code, "AlreadyExistsException");
    let (code, _) = error_of(
        replica
            .replicate_key()
            .key_id(&id)
            .replica_region("ap-northeast-2")
            .send()
            .await,
    );
    assert_eq!(code, "UnsupportedOperationException");
    let single = primary.create_key().send().await.unwrap();
    let single = single.key_metadata().unwrap();
    assert!(!single.multi_region().unwrap());
    assert!(single.multi_region_configuration().is_none());
    let (code, _) = error_of(
        primary
            .replicate_key()
            .key_id(single.key_id())
            .replica_region("eu-west-3")
            .send()
            .await,
    );
    assert_eq!(code, "UnsupportedOperationException");
    // A Region name outside the model's pattern is a validation error.
    let (code, message) = error_of(
        primary
            .replicate_key()
            .key_id(&id)
            .replica_region("Mars")
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert!(message.contains("'replicaRegion'"), "{message}");
}

/// HMAC and ECC multi-Region keys: a MAC made by the primary verifies in the replica,
/// a signature made by the replica verifies with the primary, and both Regions publish
/// the same public key.
#[tokio::test]
async fn hmac_and_signing_replicas_share_their_secrets() {
    let primary = root_in("us-east-1").await;
    let replica = root_in("ap-northeast-2").await;
    let hmac = new_mrk(&primary, KeySpec::Hmac256, KeyUsageType::GenerateVerifyMac).await;
    primary
        .replicate_key()
        .key_id(&hmac)
        .replica_region("ap-northeast-2")
        .send()
        .await
        .unwrap();
    let mac = primary
        .generate_mac()
        .key_id(&hmac)
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .message(Blob::new("webhook body"))
        .send()
        .await
        .unwrap();
    let verified = replica
        .verify_mac()
        .key_id(&hmac)
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .message(Blob::new("webhook body"))
        .mac(mac.mac().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert!(verified.mac_valid());

    let ecc = new_mrk(&primary, KeySpec::EccNistP256, KeyUsageType::SignVerify).await;
    let out = primary
        .replicate_key()
        .key_id(&ecc)
        .replica_region("ap-northeast-2")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.replica_key_metadata().unwrap().key_spec(),
        Some(&KeySpec::EccNistP256)
    );
    let signature = replica
        .sign()
        .key_id(&ecc)
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .message_type(MessageType::Raw)
        .message(Blob::new("token"))
        .send()
        .await
        .unwrap();
    let verified = primary
        .verify()
        .key_id(&ecc)
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .message_type(MessageType::Raw)
        .message(Blob::new("token"))
        .signature(signature.signature().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert!(verified.signature_valid());
    let public = |c: Client| {
        let ecc = ecc.clone();
        async move {
            c.get_public_key()
                .key_id(&ecc)
                .send()
                .await
                .unwrap()
                .public_key()
                .unwrap()
                .clone()
        }
    };
    assert_eq!(public(primary).await, public(replica).await);
}

/// UpdatePrimaryRegion swaps the roles; a primary scheduled for deletion while it has
/// replicas is PendingReplicaDeletion (no deletion date yet, its window kept), and
/// CancelKeyDeletion brings it back, disabled.
#[tokio::test]
async fn the_primary_moves_and_waits_for_its_replicas_before_deletion() {
    let east = root_in("us-east-1").await;
    let south = root_in("sa-east-1").await;
    let id = new_mrk(
        &east,
        KeySpec::SymmetricDefault,
        KeyUsageType::EncryptDecrypt,
    )
    .await;
    east.replicate_key()
        .key_id(&id)
        .replica_region("sa-east-1")
        .send()
        .await
        .unwrap();
    east.update_primary_region()
        .key_id(&id)
        .primary_region("sa-east-1")
        .send()
        .await
        .unwrap();
    for client in [&east, &south] {
        let described = client.describe_key().key_id(&id).send().await.unwrap();
        let config = described
            .key_metadata()
            .unwrap()
            .multi_region_configuration()
            .unwrap()
            .clone();
        assert_eq!(config.primary_key().unwrap().region(), Some("sa-east-1"));
        assert_eq!(config.replica_keys().len(), 1);
        assert_eq!(config.replica_keys()[0].region(), Some("us-east-1"));
    }
    // The old primary is a replica now: only the new primary can be moved or replicated.
    let (code, _) = error_of(
        east.update_primary_region()
            .key_id(&id)
            .primary_region("sa-east-1")
            .send()
            .await,
    );
    assert_eq!(code, "UnsupportedOperationException");
    // A Region without a replica cannot become the primary's.
    let (code, _) = error_of(
        south
            .update_primary_region()
            .key_id(&id)
            .primary_region("eu-north-1")
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");

    let scheduled = south
        .schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert_eq!(
        scheduled.key_state(),
        Some(&KeyState::PendingReplicaDeletion)
    );
    assert!(scheduled.deletion_date().is_none());
    assert_eq!(scheduled.pending_window_in_days(), Some(7));
    let described = south.describe_key().key_id(&id).send().await.unwrap();
    let metadata = described.key_metadata().unwrap();
    assert_eq!(
        metadata.key_state(),
        Some(&KeyState::PendingReplicaDeletion)
    );
    assert_eq!(metadata.pending_deletion_window_in_days(), Some(7));
    assert!(metadata.deletion_date().is_none());
    // Unusable meanwhile, and not replicable.
    let (code, _) = error_of(
        south
            .encrypt()
            .key_id(&id)
            .plaintext(Blob::new("x"))
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    let (code, _) = error_of(
        south
            .replicate_key()
            .key_id(&id)
            .replica_region("eu-north-1")
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    // The replica itself is scheduled at once.
    let replica = east
        .schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert_eq!(replica.key_state(), Some(&KeyState::PendingDeletion));
    assert!(replica.deletion_date().is_some());
    south
        .cancel_key_deletion()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    let described = south.describe_key().key_id(&id).send().await.unwrap();
    assert_eq!(
        described.key_metadata().unwrap().key_state(),
        Some(&KeyState::Disabled)
    );
}

/// ReplicateKey needs kms:ReplicateKey on the primary (here with kms:ReplicaRegion) and
/// kms:CreateKey in the replica Region (here limited by aws:RequestedRegion); the
/// kms:MultiRegion and kms:MultiRegionKeyType condition keys tell primary from replica.
#[tokio::test]
async fn replication_is_authorised_in_both_regions() {
    let iam = aws_sdk_iam::Client::new(&config_as("test", "test", None).await);
    let name = unique("mrk-replicator-");
    iam.create_user().user_name(&name).send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name(&name)
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["kms:CreateKey", "kms:DescribeKey", "kms:TagResource", "kms:PutKeyPolicy"],
             "Resource": "*",
             "Condition": {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1", "eu-west-2"]}}},
            {"Effect": "Allow", "Action": "kms:ReplicateKey", "Resource": "*",
             "Condition": {"StringEquals": {"kms:ReplicaRegion": ["eu-west-1", "eu-central-1"]}}},
            {"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*",
             "Condition": {"StringEquals": {"kms:MultiRegionKeyType": "PRIMARY"}}}
        ]
    })
    .to_string();
    iam.put_user_policy()
        .user_name(&name)
        .policy_name("replicate")
        .policy_document(policy)
        .send()
        .await
        .unwrap();
    let credentials = (key.access_key_id(), key.secret_access_key());
    let user = kms_in("us-east-1", credentials).await;
    let id = new_mrk(
        &user,
        KeySpec::SymmetricDefault,
        KeyUsageType::EncryptDecrypt,
    )
    .await;

    // kms:ReplicaRegion allows eu-central-1, but kms:CreateKey is not allowed there.
    let (code, message) = error_of(
        user.replicate_key()
            .key_id(&id)
            .replica_region("eu-central-1")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
    assert!(message.contains("kms:CreateKey"), "{message}");
    // kms:CreateKey is allowed in eu-west-2, but kms:ReplicateKey to it is not.
    let (code, message) = error_of(
        user.replicate_key()
            .key_id(&id)
            .replica_region("eu-west-2")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
    assert!(message.contains("kms:ReplicateKey"), "{message}");
    user.replicate_key()
        .key_id(&id)
        .replica_region("eu-west-1")
        .send()
        .await
        .unwrap();
    // kms:MultiRegionKeyType: the primary encrypts for the user, the replica does not.
    user.encrypt()
        .key_id(&id)
        .plaintext(Blob::new("x"))
        .send()
        .await
        .unwrap();
    let in_replica = kms_in("eu-west-1", credentials).await;
    let (code, message) = error_of(
        in_replica
            .encrypt()
            .key_id(&id)
            .plaintext(Blob::new("x"))
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException");
    assert!(message.contains("kms:Encrypt"), "{message}");
}
