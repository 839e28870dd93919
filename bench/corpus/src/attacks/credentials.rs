//! Attacks with credentials used where they do not belong: a long-term key
//! in several places at once, a CI run's credentials replayed, a pod's
//! token exchanged outside the cluster, an instance's credentials used from
//! a VPN.

use super::Scene;
use crate::agents;
use crate::calls::{compute, control, storage};
use crate::identity::{Persona, Session};
use crate::network;
use crate::traffic::{self, issuance};

pub(super) fn key_used_from_many_places(scene: &mut Scene<'_, '_>) {
    let owner = scene.victim(|p| p.persona == Persona::Developer).1;
    let office = owner.addresses[0].clone();
    let owner_actor = scene.with_long_term_key(owner, office, owner.agents[0]);
    let first = scene.vpn_address();
    let vpn = scene.with_long_term_key(owner, first, agents::ATTACKER_CLI);
    // A hosting network, in another city than the VPN exit.
    let hosting = *scene.dice.pick(&network::ATTACKER_NETWORKS[5..]);
    let second = hosting.address(scene.dice);
    let server = scene.with_long_term_key(owner, second, agents::ATTACKER_BOTO3);

    scene.call(&owner_actor, compute::describe_instances);
    scene.call(&vpn, control::get_caller_identity);
    scene.call(&vpn, storage::list_buckets);
    scene.call(&server, compute::lambda_read);
    scene.call(&server, |ctx| storage::random_object_call(ctx, "GetObject"));
    scene.call(&owner_actor, compute::describe_inventory);
}

pub(super) fn github_credential_replay(scene: &mut Scene<'_, '_>) {
    let deployer = scene.victim(|p| p.persona == Persona::GithubDeployer).1;
    let runner = scene
        .dice
        .pick(&network::GITHUB_RUNNERS)
        .address(scene.dice);
    let session = Session {
        key: scene.dice.aws_id("ASIA"),
        started: scene.at,
        name: "GitHubActions".to_owned(),
        address: Some(runner.clone()),
    };
    let (caller, call) = issuance(deployer, scene.organisation, &session, scene.at, scene.dice)
        .expect("GitHub Actions credentials are issued by a recorded call");
    let entry = traffic::entry(
        scene.at,
        scene.at,
        deployer.region,
        &caller,
        &call,
        scene.dice,
    );
    scene.entries.push(entry);

    let check = scene.with_session(
        deployer,
        &session,
        runner.clone(),
        agents::GITHUB_CREDENTIALS_ACTION,
        false,
    );
    scene.call(&check, control::get_caller_identity);
    let run = scene.with_session(deployer, &session, runner, agents::CI_CLI, false);
    scene.call(&run, compute::ecr_token);

    // The run's credentials leaked (a log, a cache); someone replays them.
    scene.wait(120, 900);
    let source = scene.vpn_address();
    let replay = scene.with_session(deployer, &session, source, agents::ATTACKER_CLI, false);
    scene.call(&replay, control::get_caller_identity);
    scene.call(&replay, storage::list_buckets);
    scene.call(&replay, storage::random_secret_value);
}

pub(super) fn irsa_token_replay(scene: &mut Scene<'_, '_>) {
    let pod = scene.victim(|p| p.persona == Persona::PodRole).1;
    let source = scene.attacker_address();
    let session = Session {
        key: scene.dice.aws_id("ASIA"),
        started: scene.at,
        name: format!("botocore-session-{}", scene.at / crate::clock::SECOND),
        address: Some(source.clone()),
    };
    let (mut caller, call) = issuance(pod, scene.organisation, &session, scene.at, scene.dice)
        .expect("pod credentials are issued by a recorded call");
    caller.agent = agents::ATTACKER_BOTO3;
    let entry = traffic::entry(scene.at, scene.at, pod.region, &caller, &call, scene.dice);
    scene.entries.push(entry);

    let actor = scene.with_session(pod, &session, source, agents::ATTACKER_BOTO3, false);
    let instance = scene.dice.pick(&actor.account.instances).clone();
    scene.call(&actor, control::get_caller_identity);
    scene.call(&actor, storage::list_buckets);
    scene.call(&actor, storage::list_secrets);
    scene.call(&actor, storage::random_secret_value);
    scene.call(&actor, |ctx| {
        compute::send_command(ctx, "AWS-RunShellScript", &[instance])
    });
}

pub(super) fn stolen_instance_credentials(scene: &mut Scene<'_, '_>) {
    let (number, role) = scene.victim(|p| p.persona == Persona::InstanceRole);
    let session = scene.session_of(number, role);
    let source = scene.vpn_address();
    let actor = scene.with_session(role, &session, source, agents::ATTACKER_CLI, false);

    scene.call(&actor, control::get_caller_identity);
    scene.call(&actor, storage::list_buckets);
    scene.call(&actor, storage::list_secrets);
    scene.call(&actor, storage::random_secret_value);
    scene.call(&actor, storage::random_secret_value);
    scene.call(&actor, storage::get_parameters);
}
