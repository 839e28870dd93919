//! Calls to where data and secrets live: S3, DynamoDB, KMS, Secrets Manager
//! and Systems Manager parameters.
//!
//! S3 object calls and DynamoDB item calls are data events
//! (`eventCategory: Data`, `managementEvent: false`), with the
//! `additionalEventData` and `resources[]` AWS writes for them; they are
//! also the largest records of a trail.

use super::{Call, Ctx, DYNAMODB, KMS, S3, SECRETS_MANAGER, SSM};
use crate::clock::Civil;
use crate::estate::Account;
use crate::json::{Json, object, strings};

/// The bucket-level reads whose request names the sub-resource read.
pub(crate) const BUCKET_POSTURE_READS: [(&str, &str); 5] = [
    ("GetBucketAcl", "acl"),
    ("GetBucketPolicy", "policy"),
    ("GetBucketPublicAccessBlock", "publicAccessBlock"),
    ("GetBucketPolicyStatus", "policyStatus"),
    ("GetBucketVersioning", "versioning"),
];

/// The `additionalEventData` S3 writes for every call.
fn s3_transfer(ctx: &mut Ctx<'_>, bytes_out: i64) -> Json {
    object! {
        "SignatureVersion" => "SigV4",
        "CipherSuite" => "TLS_AES_128_GCM_SHA256",
        "bytesTransferredIn" => 0i64,
        "AuthenticationMethod" => "AuthHeader",
        "x-amz-id-2" => ctx.dice.base64(76),
        "bytesTransferredOut" => bytes_out,
    }
}

fn bucket_host(bucket: &str, region: &str) -> String {
    format!("{bucket}.s3.{region}.amazonaws.com")
}

/// `ListBuckets`.
pub(crate) fn list_buckets(ctx: &mut Ctx<'_>) -> Call {
    let bytes = ctx.dice.between(2_000, 9_000);
    let additional = s3_transfer(ctx, bytes);
    Call::new(S3, "ListBuckets")
        .request(object! {"Host" => "s3.amazonaws.com"})
        .additional(additional)
        .host("s3.amazonaws.com".to_owned())
}

/// A bucket-level read such as `GetBucketAcl` (with sub-resource `acl`).
pub(crate) fn bucket_read(
    ctx: &mut Ctx<'_>,
    name: &'static str,
    subresource: &'static str,
    bucket: &str,
) -> Call {
    let host = bucket_host(bucket, ctx.region);
    let mut request = vec![
        ("bucketName", Json::from(bucket)),
        ("Host", Json::from(host.as_str())),
    ];
    if !subresource.is_empty() {
        request.push((subresource, Json::from("")));
    }
    let bytes = ctx.dice.between(200, 1_500);
    let additional = s3_transfer(ctx, bytes);
    Call::new(S3, name)
        .request(Json::Object(request))
        .additional(additional)
        .resource(
            "AWS::S3::Bucket",
            format!("arn:aws:s3:::{bucket}"),
            Some(ctx.account.id.as_str()),
        )
        .host(host)
}

/// `GetBucketLocation` on one of the account's buckets.
pub(crate) fn get_bucket_location(ctx: &mut Ctx<'_>) -> Call {
    let bucket = ctx.bucket();
    bucket_read(ctx, "GetBucketLocation", "location", &bucket)
}

/// A random bucket posture read, as AWS Config makes them.
pub(crate) fn bucket_posture_read(ctx: &mut Ctx<'_>) -> Call {
    let (name, subresource) = ctx.pick(&BUCKET_POSTURE_READS);
    let bucket = ctx.bucket();
    bucket_read(ctx, name, subresource, &bucket)
}

/// A key of an object in a bucket, in the shapes applications use.
pub(crate) fn object_key(ctx: &mut Ctx<'_>) -> String {
    let day = Civil::of(ctx.at);
    let (year, month, date) = (day.year, day.month, day.day);
    match ctx.dice.below(4) {
        0 => format!(
            "uploads/{year}/{month:02}/{date:02}/{}.json",
            ctx.dice.uuid()
        ),
        1 => format!(
            "exports/dt={year}-{month:02}-{date:02}/part-{:05}-{}.snappy.parquet",
            ctx.dice.below(200),
            ctx.dice.hex(8)
        ),
        2 => format!("images/products/{}/large.webp", ctx.dice.digits(7)),
        _ => format!(
            "reports/daily/{year}-{month:02}-{date:02}/summary-{}.csv",
            ctx.dice.hex(6)
        ),
    }
}

/// An object call (`GetObject`, `HeadObject`, `PutObject`, `DeleteObject`)
/// on `bucket`/`key`.
pub(crate) fn object_call(ctx: &mut Ctx<'_>, name: &'static str, bucket: &str, key: &str) -> Call {
    let host = bucket_host(bucket, ctx.region);
    let writes = matches!(name, "PutObject" | "DeleteObject");
    let bytes_out = if name == "GetObject" {
        ctx.dice.between(300, 4_000_000)
    } else {
        0
    };
    let additional = s3_transfer(ctx, bytes_out);
    let response = if name == "PutObject" {
        let key_arn = ctx.key_arn();
        object! {
            "x-amz-server-side-encryption-aws-kms-key-id" => key_arn,
            "x-amz-server-side-encryption" => "aws:kms",
            "x-amz-server-side-encryption-bucket-key-enabled" => true,
        }
    } else {
        Json::Null
    };
    Call::new(S3, name)
        .request(object! {"bucketName" => bucket, "Host" => host.as_str(), "key" => key})
        .response(response)
        .additional(additional)
        .resource(
            "AWS::S3::Object",
            format!("arn:aws:s3:::{bucket}/{key}"),
            None,
        )
        .resource(
            "AWS::S3::Bucket",
            format!("arn:aws:s3:::{bucket}"),
            Some(ctx.account.id.as_str()),
        )
        .host(host)
        .read_only(!writes)
        .data()
}

/// An object call on a random object of a random bucket.
pub(crate) fn random_object_call(ctx: &mut Ctx<'_>, name: &'static str) -> Call {
    let bucket = ctx.bucket();
    let key = object_key(ctx);
    object_call(ctx, name, &bucket, &key)
}

/// `ListObjects` (recorded for both list APIs) under a prefix of `bucket`.
pub(crate) fn list_objects(ctx: &mut Ctx<'_>, bucket: &str, prefix: &str) -> Call {
    let host = bucket_host(bucket, ctx.region);
    let bytes = ctx.dice.between(500, 60_000);
    let additional = s3_transfer(ctx, bytes);
    Call::new(S3, "ListObjects")
        .request(object! {
            "list-type" => "2",
            "bucketName" => bucket,
            "encoding-type" => "url",
            "prefix" => prefix,
            "Host" => host.as_str(),
        })
        .additional(additional)
        .resource(
            "AWS::S3::Bucket",
            format!("arn:aws:s3:::{bucket}"),
            Some(ctx.account.id.as_str()),
        )
        .host(host)
        .data()
}

/// `ListObjects` under `prefix` of a random bucket.
pub(crate) fn list_any_bucket(ctx: &mut Ctx<'_>, prefix: &str) -> Call {
    let bucket = ctx.bucket();
    list_objects(ctx, &bucket, prefix)
}

/// `ListObjects` under `prefix` of the account's bucket number `bucket`.
pub(crate) fn list_in(ctx: &mut Ctx<'_>, bucket: usize, prefix: &str) -> Call {
    let account = ctx.account;
    list_objects(ctx, &account.buckets[bucket], prefix)
}

/// An object call on `key` in the account's bucket number `bucket`.
pub(crate) fn object_in(ctx: &mut Ctx<'_>, name: &'static str, bucket: usize, key: &str) -> Call {
    let account = ctx.account;
    object_call(ctx, name, &account.buckets[bucket], key)
}

fn table_arn(ctx: &Ctx<'_>, table: &str) -> String {
    format!(
        "arn:aws:dynamodb:{}:{}:table/{table}",
        ctx.region, ctx.account.id
    )
}

/// An item call (`GetItem`, `PutItem`, `UpdateItem`, `Query`) on a random
/// table.
pub(crate) fn item_call(ctx: &mut Ctx<'_>, name: &'static str) -> Call {
    let account = ctx.account;
    let table = ctx.pick(&account.tables);
    let request = match name {
        "Query" => object! {
            "tableName" => table.as_str(),
            "keyConditionExpression" => "#pk = :pk",
            "expressionAttributeNames" => object! {"#pk" => "pk"},
            "limit" => 50i64,
        },
        _ => object! {
            "tableName" => table.as_str(),
            "key" => object! {"pk" => "HIDDEN_DUE_TO_SECURITY_REASONS", "sk" => "HIDDEN_DUE_TO_SECURITY_REASONS"},
        },
    };
    let arn = table_arn(ctx, &table);
    Call::new(DYNAMODB, name)
        .request(request)
        .resource("AWS::DynamoDB::Table", arn, Some(account.id.as_str()))
        .read_only(matches!(name, "GetItem" | "Query"))
        .data()
}

/// `DescribeTable` on a random table.
pub(crate) fn describe_table(ctx: &mut Ctx<'_>) -> Call {
    let account = ctx.account;
    let table = ctx.pick(&account.tables);
    Call::new(DYNAMODB, "DescribeTable").request(object! {"tableName" => table})
}

fn key_resource(call: Call, account: &Account, key_arn: String) -> Call {
    call.resource("AWS::KMS::Key", key_arn, Some(account.id.as_str()))
}

/// `Decrypt` of a data key that protects an S3 object.
pub(crate) fn decrypt(ctx: &mut Ctx<'_>) -> Call {
    let bucket = ctx.bucket();
    let key_arn = ctx.key_arn();
    let call = Call::new(KMS, "Decrypt").request(object! {
        "encryptionContext" => object! {"aws:s3:arn" => format!("arn:aws:s3:::{bucket}")},
        "encryptionAlgorithm" => "SYMMETRIC_DEFAULT",
    });
    key_resource(call, ctx.account, key_arn)
}

/// `GenerateDataKey` for an application's envelope encryption.
pub(crate) fn generate_data_key(ctx: &mut Ctx<'_>) -> Call {
    let key_arn = ctx.key_arn();
    let account = ctx.account;
    let table = ctx.pick(&account.tables);
    let call = Call::new(KMS, "GenerateDataKey").request(object! {
        "keyId" => key_arn.as_str(),
        "encryptionContext" => object! {"aws:dynamodb:tableName" => table},
        "keySpec" => "AES_256",
    });
    key_resource(call, account, key_arn)
}

fn secret_arn(ctx: &mut Ctx<'_>, name: &str) -> String {
    format!(
        "arn:aws:secretsmanager:{}:{}:secret:{name}-{}",
        ctx.region,
        ctx.account.id,
        ctx.dice.alphanumeric(6)
    )
}

/// `GetSecretValue` of `name` (a secret of the caller's account).
pub(crate) fn get_secret_value(ctx: &mut Ctx<'_>, name: &str) -> Call {
    let arn = secret_arn(ctx, name);
    Call::new(SECRETS_MANAGER, "GetSecretValue").request(object! {"secretId" => arn})
}

/// `GetSecretValue` of a random secret.
pub(crate) fn random_secret_value(ctx: &mut Ctx<'_>) -> Call {
    let account = ctx.account;
    let name = ctx.pick(&account.secrets);
    get_secret_value(ctx, &name)
}

/// `DescribeSecret` of a random secret.
pub(crate) fn describe_secret(ctx: &mut Ctx<'_>) -> Call {
    let account = ctx.account;
    let name = ctx.pick(&account.secrets);
    let arn = secret_arn(ctx, &name);
    Call::new(SECRETS_MANAGER, "DescribeSecret").request(object! {"secretId" => arn})
}

/// `ListSecrets`.
pub(crate) fn list_secrets(_: &mut Ctx<'_>) -> Call {
    Call::new(SECRETS_MANAGER, "ListSecrets").request(object! {"maxResults" => 100i64})
}

/// `GetParameter` or `GetParameters` of the account's parameters.
pub(crate) fn get_parameters(ctx: &mut Ctx<'_>) -> Call {
    let account = ctx.account;
    if ctx.dice.chance(600) {
        let name = ctx.pick(&account.parameters);
        Call::new(SSM, "GetParameter").request(object! {"name" => name, "withDecryption" => true})
    } else {
        let count = usize::try_from(ctx.dice.between(2, 4)).unwrap_or(2);
        let start = ctx.dice.index(account.parameters.len() - count);
        Call::new(SSM, "GetParameters").request(object! {
            "names" => strings(&account.parameters[start..start + count]),
            "withDecryption" => true,
        })
    }
}
