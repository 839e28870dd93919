//! Attacks that change the account: blinding the audit trail, removing or
//! planting MFA, creating backdoor users, taking over a cluster, running
//! code on an instance through its user data.

use super::{Actor, Scene};
use crate::agents;
use crate::calls::{Call, EKS, IAM, compute, control};
use crate::clock;
use crate::identity::Persona;
use crate::json::object;
use crate::network;

/// Names attackers give the users they create, to blend in.
const BACKDOOR_USERS: [&str; 4] = [
    "svc-backup-sync",
    "aws-support-readonly",
    "terraform-runner2",
    "monitoring-agent",
];

pub(super) fn trail_tampering(scene: &mut Scene<'_, '_>) {
    let owner = scene.leaked_key_owner();
    let source = scene.vpn_address();
    // Trails are managed in their home region.
    let actor = Actor {
        region: "us-east-1",
        ..scene.with_long_term_key(owner, source, agents::KALI_CLI)
    };
    let bucket = format!("cloudtrail-archive-{}", scene.dice.hex(10));

    scene.call(&actor, control::get_caller_identity);
    scene.call(&actor, |_| control::describe_trails());
    scene.call(&actor, |ctx| control::redirect_trail(ctx, &bucket));
    scene.call(&actor, |ctx| {
        control::trail_call("StopLogging", &ctx.account.trail_arn())
    });
    scene.call(&actor, |ctx| {
        control::trail_call("DeleteTrail", &ctx.account.trail_arn())
    });
    scene.call(&actor, |ctx| {
        control::create_trail(ctx, &ctx.account.trail, &bucket)
    });
}

pub(super) fn mfa_removal(scene: &mut Scene<'_, '_>) {
    let owner = scene.leaked_key_owner();
    let colleague = scene
        .victim(|p| {
            p.persona == Persona::Developer && p.account == owner.account && p.name != owner.name
        })
        .1
        .name
        .clone();
    let source = scene.attacker_address();
    let actor = scene.with_long_term_key(owner, source, agents::ATTACKER_CLI);

    scene.call(&actor, |_| control::iam_plain("ListUsers"));
    scene.call(&actor, |_| control::user_call("ListMFADevices", &colleague));
    scene.call(&actor, |ctx| {
        control::mfa_device_call(ctx, "DeactivateMFADevice", &colleague, &colleague)
    });
    scene.call(&actor, |ctx| {
        Call::new(IAM, "DeleteVirtualMFADevice")
            .request(object! {"serialNumber" => control::mfa_arn(ctx, &colleague)})
    });
}

pub(super) fn session_token_persistence(scene: &mut Scene<'_, '_>) {
    let owner = scene.leaked_key_owner();
    let source = scene.attacker_address();
    let actor = scene.with_long_term_key(owner, source.clone(), agents::ATTACKER_CLI);
    let session_key = scene.dice.aws_id("ASIA");
    let backdoor = *scene.dice.pick(&BACKDOOR_USERS);

    scene.call(&actor, |ctx| control::get_session_token(ctx, &session_key));

    // The same user, now calling with the temporary key it was issued.
    let account = actor.account;
    let mut with_token = scene.with_long_term_key(owner, source, agents::ATTACKER_CLI);
    with_token.caller.identity = object! {
        "type" => "IAMUser",
        "principalId" => owner.unique_id.as_str(),
        "arn" => actor.arn.as_str(),
        "accountId" => account.id.as_str(),
        "accessKeyId" => session_key.as_str(),
        "userName" => owner.name.as_str(),
        "sessionContext" => object! {"attributes" => object! {
            "creationDate" => clock::iso(scene.at),
            "mfaAuthenticated" => "false",
        }},
    };
    scene.call(&with_token, |ctx| control::create_user(ctx, backdoor));
    scene.call(&with_token, |ctx| control::create_access_key(ctx, backdoor));
    scene.call(&with_token, |_| {
        control::attach_user_policy(backdoor, "AdministratorAccess")
    });
    scene.call(&with_token, |ctx| {
        control::create_virtual_mfa_device(ctx, &owner.name)
    });
    scene.call(&with_token, |ctx| {
        control::mfa_device_call(ctx, "EnableMFADevice", &owner.name, &owner.name)
    });
}

/// An operator whose permission set administers the account.
fn is_administrator(persona: Persona, name: &str) -> bool {
    persona == Persona::Operator && name.starts_with("AWSReservedSSO_AdministratorAccess")
}

pub(super) fn cloudshell_persistence(scene: &mut Scene<'_, '_>) {
    let (number, operator) = scene.victim(|p| is_administrator(p.persona, &p.name));
    let session = scene.session_of(number, operator);
    let source = scene.attacker_address();
    let browser = scene.with_session(operator, &session, source, agents::BROWSERS[2], true);
    // CloudShell runs in AWS: its CLI calls come from an AWS address.
    let shell_address = network::aws_address(operator.region, scene.dice);
    let shell = scene.with_session(
        operator,
        &session,
        shell_address,
        agents::CLOUDSHELL_CLI,
        true,
    );
    let environment = scene.dice.uuid();
    let backdoor = *scene.dice.pick(&BACKDOOR_USERS);

    scene.call(&browser, |_| {
        control::cloudshell_call("CreateEnvironment", &environment)
    });
    scene.call(&browser, |_| {
        control::cloudshell_call("GetEnvironmentStatus", &environment)
    });
    scene.call(&browser, |_| {
        control::cloudshell_call("CreateSession", &environment)
    });
    scene.wait(20, 60);
    scene.call(&shell, control::get_caller_identity);
    scene.call(&shell, |ctx| control::create_user(ctx, backdoor));
    scene.call(&shell, |ctx| control::create_access_key(ctx, backdoor));
    scene.call(&shell, |_| {
        control::attach_user_policy(backdoor, "AdministratorAccess")
    });
}

pub(super) fn eks_cluster_takeover(scene: &mut Scene<'_, '_>) {
    let (number, operator) = scene.victim(|p| is_administrator(p.persona, &p.name));
    let session = scene.session_of(number, operator);
    let source = scene.attacker_address();
    let actor = scene.with_session(operator, &session, source, agents::ATTACKER_CLI, false);
    let cluster = actor.account.clusters[0].0.clone();
    let outsider = format!("arn:aws:iam::{}:role/eks-support", scene.dice.digits(12));

    scene.call(&actor, |_| {
        Call::new(EKS, "ListClusters").request(object! {"maxResults" => 100i64})
    });
    scene.call(&actor, |_| {
        Call::new(EKS, "DescribeCluster").request(object! {"name" => cluster.as_str()})
    });
    scene.call(&actor, |ctx| {
        compute::create_access_entry(ctx, &cluster, &outsider)
    });
    scene.call(&actor, |_| {
        compute::associate_access_policy(&cluster, &outsider, compute::CLUSTER_ADMIN_POLICY)
    });
    scene.call(&actor, |ctx| {
        compute::disable_control_plane_logs(ctx, &cluster)
    });
}

pub(super) fn user_data_execution(scene: &mut Scene<'_, '_>) {
    let owner = scene.victim(|p| p.persona == Persona::Developer).1;
    let source = scene.attacker_address();
    let actor = scene.with_long_term_key(owner, source, agents::ATTACKER_CLI);
    let instance = scene.dice.pick(&actor.account.instances).clone();

    scene.call(&actor, |ctx| {
        compute::describe_instances(ctx).request(object! {
            "instancesSet" => object! {"items" => vec![object! {"instanceId" => instance.as_str()}]},
            "filterSet" => object! {},
        })
    });
    scene.call(&actor, |ctx| {
        compute::change_instance_state(ctx, "StopInstances", &instance)
    });
    // The user data can only change once the instance has stopped.
    scene.wait(30, 90);
    scene.call(&actor, |ctx| compute::replace_user_data(ctx, &instance));
    scene.call(&actor, |ctx| {
        compute::change_instance_state(ctx, "StartInstances", &instance)
    });
}
