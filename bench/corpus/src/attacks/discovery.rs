//! Attacks that look around and take data: a discovery sweep, a sweep of
//! bucket permissions, a desktop S3 client pulling objects, a secret
//! scanner checking a key it found.

use super::Scene;
use crate::agents;
use crate::calls::{Call, Ctx, DYNAMODB, EC2, KMS, LAMBDA, compute, control, storage};
use crate::json::{Json, object};

/// The sweep of an enumeration script: different discovery calls across
/// services, in the order such scripts make them.
fn sweep_call(step: usize, ctx: &mut Ctx<'_>) -> Call {
    match step {
        0 => control::get_caller_identity(ctx),
        1 => control::iam_plain("ListUsers"),
        2 => control::iam_plain("ListRoles"),
        3 => control::iam_plain("GetAccountSummary"),
        4 => control::iam_plain("ListAccountAliases"),
        5 => storage::list_buckets(ctx),
        6 => compute::describe_instances(ctx),
        7 => Call::new(EC2, "DescribeSecurityGroups").request(object! {
            "securityGroupSet" => Json::empty(),
            "securityGroupIdSet" => Json::empty(),
            "filterSet" => Json::empty(),
        }),
        8 => Call::new(LAMBDA, "ListFunctions20150331"),
        9 => Call::new(KMS, "ListKeys").request(object! {"limit" => 1000i64}),
        10 => Call::new(DYNAMODB, "ListTables"),
        11 => control::describe_trails(),
        _ => control::organizations_read("DescribeOrganization"),
    }
}

/// Steps in [`sweep_call`].
const SWEEP_STEPS: usize = 13;

pub(super) fn discovery_sweep(scene: &mut Scene<'_, '_>) {
    let owner = scene.leaked_key_owner();
    let source = scene.vpn_address();
    let actor = scene.with_long_term_key(owner, source, agents::ATTACKER_CLI);

    for step in 0..SWEEP_STEPS {
        scene.wait_ms(200, 900);
        scene.call_now(&actor, |ctx| sweep_call(step, ctx));
    }
    // A member account may not list the organisation's accounts.
    scene.wait_ms(200, 900);
    let arn = actor.arn.clone();
    scene.call_now(&actor, |_| {
        control::organizations_read("ListAccounts").denied(&arn)
    });
}

/// Buckets a posture sweep reads: more than the fifteen the rule allows.
const SWEPT_BUCKETS: usize = 20;

pub(super) fn bucket_posture_sweep(scene: &mut Scene<'_, '_>) {
    let owner = scene.leaked_key_owner();
    let source = scene.attacker_address();
    let actor = scene.with_long_term_key(owner, source, agents::ATTACKER_BOTO3);
    let first = scene.dice.index(actor.account.buckets.len());

    scene.call(&actor, storage::list_buckets);
    for offset in 0..SWEPT_BUCKETS {
        let bucket = &actor.account.buckets[(first + offset) % actor.account.buckets.len()];
        let (name, subresource) = *scene.dice.pick(&storage::BUCKET_POSTURE_READS);
        scene.wait_ms(100, 400);
        scene.call_now(&actor, |ctx| {
            storage::bucket_read(ctx, name, subresource, bucket)
        });
    }
}

pub(super) fn s3_browser_exfiltration(scene: &mut Scene<'_, '_>) {
    let owner = scene.leaked_key_owner();
    let source = scene.attacker_address();
    let actor = scene.with_long_term_key(owner, source, agents::S3_BROWSER);

    scene.call(&actor, storage::list_buckets);
    for _ in 0..3 {
        scene.call(&actor, |ctx| storage::list_any_bucket(ctx, ""));
    }
    for _ in 0..8 {
        scene.wait(1, 4);
        scene.call_now(&actor, |ctx| storage::random_object_call(ctx, "GetObject"));
    }
}

pub(super) fn trufflehog_key_check(scene: &mut Scene<'_, '_>) {
    let owner = scene.leaked_key_owner();
    let source = scene.attacker_address();
    let actor = scene.with_long_term_key(owner, source, agents::TRUFFLEHOG);
    scene.call(&actor, control::get_caller_identity);
}
