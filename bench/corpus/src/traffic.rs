//! Routine traffic: the calls the organisation makes when nobody attacks it.
//!
//! Each event picks a principal in proportion to its share of traffic, then
//! a call from its persona's mix: applications read and write S3 objects and
//! DynamoDB items, decrypt with KMS and read secrets; AWS Config describes
//! everything; operators browse the console; developers use the CLI; the
//! pipeline runs Terraform. Most calls read; some write; people see
//! `AccessDenied` now and then, software is throttled once in a while.
//!
//! When a principal's session slot changes (see [`crate::identity`]), its
//! next event is the one that issued the new credentials: `AssumeRole` by
//! the hosting AWS service for instance, function and service-linked roles,
//! `AssumeRoleWithWebIdentity` for pods and GitHub Actions, a console
//! sign-in for operators and root, `GetFederationToken` for the partner.
//!
//! The mixes are tuned to keep routine traffic below the catalog's windowed
//! thresholds: people who use the CLI often know only a handful of discovery
//! calls, busy CLI users (CI) make almost none, bucket posture reads come
//! only from AWS Config (which has no source address), and no principal
//! invokes one model anywhere near five hundred times an hour.

use crate::agents::{self, Agent};
use crate::calls::{self, CallFn, Ctx, bedrock, compute, control, storage};
use crate::clock::{self, SECOND};
use crate::dice::{Dice, Stream, Weighted};
use crate::estate::{ARTIFACTS_BUCKET, ML_TRAINING_BUCKET, TERRAFORM_STATE_BUCKET};
use crate::identity::{Organisation, Persona, Principal, Session, hosting_service};
use crate::json::object;
use crate::record::{Caller, Record};

/// How a call is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Via {
    /// With the principal's main tool (the console for operators and root).
    Main,
    /// With its second tool (the SSM agent of an instance, the CLI of an
    /// operator, the GitHub credentials action).
    Second,
    /// By the console's back end, which CloudTrail records as `AWS Internal`.
    ConsoleInternal,
}

type Mix = &'static [(u32, CallFn, Via)];

/// Per mille of people's calls that are denied.
const PEOPLE_DENIED: u32 = 30;
/// Per mille of software's calls that are denied, and that are throttled.
const SOFTWARE_DENIED: u32 = 3;
const SOFTWARE_THROTTLED: u32 = 2;
/// Per mille of records delivered late, and by up to how much.
const LATE: u32 = 20;
const MAX_LATENESS: i64 = 30 * SECOND;

const DEVELOPER: Mix = &[
    (6, storage::list_buckets, Via::Main),
    (10, |c| storage::list_any_bucket(c, "reports/"), Via::Main),
    (
        12,
        |c| storage::random_object_call(c, "GetObject"),
        Via::Main,
    ),
    (
        4,
        |c| storage::random_object_call(c, "PutObject"),
        Via::Main,
    ),
    (8, control::get_caller_identity, Via::Main),
    (6, compute::describe_instances, Via::Main),
    (5, compute::describe_inventory, Via::Main),
    (5, compute::lambda_read, Via::Main),
    (4, compute::describe_log_groups, Via::Main),
    (3, compute::cloudwatch_read, Via::Main),
    (3, control::iam_read, Via::Main),
    (3, compute::eks_read, Via::Main),
    (3, storage::get_parameters, Via::Main),
    (2, storage::describe_secret, Via::Main),
    (1, control::cloudtrail_read, Via::Main),
    (2, storage::describe_table, Via::Main),
    (2, |c| storage::item_call(c, "Query"), Via::Main),
];

const PIPELINE: Mix = &[
    (20, compute::describe_inventory, Via::Main),
    (8, compute::describe_instances, Via::Main),
    (14, control::iam_read, Via::Main),
    (8, compute::lambda_read, Via::Main),
    (5, compute::eks_read, Via::Main),
    (6, storage::get_bucket_location, Via::Main),
    (4, storage::describe_table, Via::Main),
    (3, storage::describe_secret, Via::Main),
    (3, storage::get_parameters, Via::Main),
    (3, compute::create_tags, Via::Main),
    (2, control::iam_role_change, Via::Main),
    (4, control::get_caller_identity, Via::Main),
    (3, terraform_state_read, Via::Main),
    (2, terraform_state_write, Via::Main),
    (
        5,
        |c| storage::random_object_call(c, "PutObject"),
        Via::Second,
    ),
    (3, compute::ecr_token, Via::Second),
    (2, compute::update_function_code, Via::Second),
];

const ON_PREMISES_APP: Mix = &[
    (
        30,
        |c| storage::random_object_call(c, "GetObject"),
        Via::Main,
    ),
    (
        20,
        |c| storage::random_object_call(c, "PutObject"),
        Via::Main,
    ),
    (10, |c| storage::list_any_bucket(c, "exports/"), Via::Main),
    (2, control::get_caller_identity, Via::Main),
    (8, |c| storage::item_call(c, "PutItem"), Via::Main),
    (7, |c| storage::item_call(c, "GetItem"), Via::Main),
    (5, storage::generate_data_key, Via::Main),
    (3, storage::random_secret_value, Via::Main),
];

const PARTNER: Mix = &[
    (
        60,
        |c| storage::random_object_call(c, "GetObject"),
        Via::Main,
    ),
    (30, |c| storage::list_any_bucket(c, "exports/"), Via::Main),
    (
        10,
        |c| storage::random_object_call(c, "HeadObject"),
        Via::Main,
    ),
];

const OPERATOR: Mix = &[
    (10, compute::describe_instances, Via::Main),
    (12, compute::describe_inventory, Via::Main),
    (2, compute::describe_regions, Via::Main),
    (8, compute::cloudwatch_read, Via::Main),
    (3, compute::cloudwatch_read, Via::ConsoleInternal),
    (5, storage::list_buckets, Via::Main),
    (3, storage::get_bucket_location, Via::Main),
    (4, |c| storage::list_any_bucket(c, ""), Via::Main),
    (6, control::iam_read, Via::Main),
    (2, |_| control::iam_plain("GetAccountSummary"), Via::Main),
    (2, |_| control::iam_plain("ListAccountAliases"), Via::Main),
    (6, compute::lambda_read, Via::Main),
    (4, compute::describe_log_groups, Via::Main),
    (3, compute::eks_read, Via::Main),
    (4, control::cloudtrail_read, Via::Main),
    (2, storage::list_secrets, Via::Main),
    (2, storage::describe_secret, Via::Main),
    (3, storage::describe_table, Via::Main),
    (2, compute::describe_instance_information, Via::Main),
    (1, bedrock::catalogue_read, Via::Main),
    (2, compute::describe_instances, Via::ConsoleInternal),
    // The CLI side of operators: a handful of calls, never a discovery sweep.
    (2, control::get_caller_identity, Via::Second),
    (2, compute::describe_instances, Via::Second),
    (1, |c| storage::list_any_bucket(c, ""), Via::Second),
];

const DATA_SCIENTIST: Mix = &[
    (40, bedrock::routine_inference, Via::Main),
    (3, bedrock::list_foundation_models, Via::Main),
    (3, bedrock::catalogue_read, Via::Main),
    (
        15,
        |c| {
            storage::object_in(
                c,
                "GetObject",
                ML_TRAINING_BUCKET,
                "datasets/tickets/train-000.jsonl",
            )
        },
        Via::Main,
    ),
    (
        5,
        |c| storage::random_object_call(c, "PutObject"),
        Via::Main,
    ),
    (
        8,
        |c| storage::list_in(c, ML_TRAINING_BUCKET, "datasets/"),
        Via::Second,
    ),
    (2, control::get_caller_identity, Via::Second),
];

const INSTANCE_ROLE: Mix = &[
    (
        20,
        |c| storage::random_object_call(c, "GetObject"),
        Via::Main,
    ),
    (
        8,
        |c| storage::random_object_call(c, "PutObject"),
        Via::Main,
    ),
    (
        6,
        |c| storage::random_object_call(c, "HeadObject"),
        Via::Main,
    ),
    (10, |c| storage::item_call(c, "GetItem"), Via::Main),
    (6, |c| storage::item_call(c, "PutItem"), Via::Main),
    (8, |c| storage::item_call(c, "Query"), Via::Main),
    (3, |c| storage::item_call(c, "UpdateItem"), Via::Main),
    (8, storage::decrypt, Via::Main),
    (5, storage::generate_data_key, Via::Main),
    (3, storage::random_secret_value, Via::Main),
    (4, storage::get_parameters, Via::Main),
    (2, control::get_caller_identity, Via::Main),
    (2, compute::ecr_token, Via::Main),
    (6, compute::update_instance_information, Via::Second),
    (3, compute::list_instance_associations, Via::Second),
];

const FUNCTION_ROLE: Mix = &[
    (12, |c| storage::item_call(c, "GetItem"), Via::Main),
    (10, |c| storage::item_call(c, "PutItem"), Via::Main),
    (8, |c| storage::item_call(c, "Query"), Via::Main),
    (
        15,
        |c| storage::random_object_call(c, "GetObject"),
        Via::Main,
    ),
    (
        10,
        |c| storage::random_object_call(c, "PutObject"),
        Via::Main,
    ),
    (10, storage::decrypt, Via::Main),
    (4, storage::random_secret_value, Via::Main),
    (6, storage::get_parameters, Via::Main),
    (1, control::get_caller_identity, Via::Main),
];

const ASSISTANT_FUNCTION: Mix = &[
    (70, bedrock::routine_inference, Via::Main),
    (8, |c| storage::item_call(c, "GetItem"), Via::Main),
    (7, |c| storage::item_call(c, "PutItem"), Via::Main),
    (
        10,
        |c| storage::random_object_call(c, "GetObject"),
        Via::Main,
    ),
];

/// Pods make none of the calls the IRSA lateral-movement rule follows.
const POD_ROLE: Mix = &[
    (
        25,
        |c| storage::random_object_call(c, "GetObject"),
        Via::Main,
    ),
    (
        10,
        |c| storage::random_object_call(c, "PutObject"),
        Via::Main,
    ),
    (
        5,
        |c| storage::random_object_call(c, "HeadObject"),
        Via::Main,
    ),
    (5, |c| storage::list_any_bucket(c, "ingest/"), Via::Main),
    (12, |c| storage::item_call(c, "GetItem"), Via::Main),
    (8, |c| storage::item_call(c, "PutItem"), Via::Main),
    (5, |c| storage::item_call(c, "Query"), Via::Main),
    (5, storage::generate_data_key, Via::Main),
    (5, compute::create_log_stream, Via::Main),
];

/// CI knows three discovery calls, so its bursts never look like a sweep.
const GITHUB_DEPLOYER: Mix = &[
    (5, control::get_caller_identity, Via::Second),
    (15, upload_artifact, Via::Main),
    (
        8,
        |c| storage::list_in(c, ARTIFACTS_BUCKET, "releases/"),
        Via::Main,
    ),
    (6, compute::ecr_token, Via::Main),
    (5, compute::update_function_code, Via::Main),
    (
        4,
        |c| {
            calls::Call::new(calls::EKS, "DescribeCluster")
                .request(object! {"name" => c.account.clusters[0].0.as_str()})
        },
        Via::Main,
    ),
];

const CONFIG_RECORDER: Mix = &[
    (25, compute::describe_inventory, Via::Main),
    (10, compute::describe_instances, Via::Main),
    (20, storage::bucket_posture_read, Via::Main),
    (5, storage::get_bucket_location, Via::Main),
    (15, control::iam_read, Via::Main),
    (6, compute::lambda_read, Via::Main),
    (4, storage::describe_table, Via::Main),
    (3, compute::eks_read, Via::Main),
    (3, control::cloudtrail_read, Via::Main),
];

const PATCH_MANAGER: Mix = &[
    (1, compute::patch_run, Via::Main),
    (10, compute::describe_instance_information, Via::Main),
];

const ROOT: Mix = &[
    (3, control::iam_read, Via::Main),
    (2, |_| control::iam_plain("GetAccountSummary"), Via::Main),
    (1, compute::describe_regions, Via::Main),
    (2, storage::list_buckets, Via::Main),
];

fn mix(persona: Persona) -> Mix {
    match persona {
        Persona::Developer => DEVELOPER,
        Persona::Pipeline => PIPELINE,
        Persona::OnPremisesApp => ON_PREMISES_APP,
        Persona::Partner => PARTNER,
        Persona::Operator => OPERATOR,
        Persona::DataScientist => DATA_SCIENTIST,
        Persona::InstanceRole => INSTANCE_ROLE,
        Persona::FunctionRole => FUNCTION_ROLE,
        Persona::AssistantFunction => ASSISTANT_FUNCTION,
        Persona::PodRole => POD_ROLE,
        Persona::GithubDeployer => GITHUB_DEPLOYER,
        Persona::ConfigRecorder => CONFIG_RECORDER,
        Persona::PatchManager => PATCH_MANAGER,
        Persona::Root => ROOT,
    }
}

fn terraform_state_read(ctx: &mut Ctx<'_>) -> calls::Call {
    storage::object_in(
        ctx,
        "GetObject",
        TERRAFORM_STATE_BUCKET,
        "platform/terraform.tfstate",
    )
}

fn terraform_state_write(ctx: &mut Ctx<'_>) -> calls::Call {
    storage::object_in(
        ctx,
        "PutObject",
        TERRAFORM_STATE_BUCKET,
        "platform/terraform.tfstate",
    )
}

fn upload_artifact(ctx: &mut Ctx<'_>) -> calls::Call {
    let key = format!("releases/{}/bundle.tar.gz", ctx.dice.hex(40));
    storage::object_in(ctx, "PutObject", ARTIFACTS_BUCKET, &key)
}

/// One generated record, with what the archive layout needs to file it.
pub(crate) struct Entry {
    /// When the call happened; records are delivered in this order.
    pub at: i64,
    /// `recipientAccountId`.
    pub account_id: String,
    /// `awsRegion`.
    pub region: &'static str,
    /// The record's JSON text.
    pub text: String,
}

/// Writes `call` by `caller` at `at` as an [`Entry`], with `eventTime`
/// `written_at`.
pub(crate) fn entry(
    at: i64,
    written_at: i64,
    region: &'static str,
    caller: &Caller,
    call: &calls::Call,
    dice: &mut Dice,
) -> Entry {
    let record = Record {
        at: written_at,
        region,
        caller,
        call,
    };
    Entry {
        at,
        account_id: caller.account_id.clone(),
        region: call.region(region),
        text: record.render(dice),
    }
}

/// The routine traffic generator.
pub(crate) struct Routine {
    seed: u64,
    dice: Dice,
    /// Time of the last routine event.
    now: i64,
    principals: Weighted<usize>,
    mixes: Vec<Weighted<(CallFn, Via)>>,
    /// The session slot each principal last called in.
    sessions: Vec<Option<i64>>,
}

impl Routine {
    pub(crate) fn new(seed: u64, start: i64, organisation: &Organisation) -> Routine {
        let principals = &organisation.principals;
        Routine {
            seed,
            dice: Dice::new(seed, Stream::Routine),
            now: start,
            principals: Weighted::new(principals.iter().enumerate().map(|(i, p)| (p.weight, i))),
            mixes: principals
                .iter()
                .map(|p| Weighted::new(mix(p.persona).iter().map(|&(w, f, via)| (w, (f, via)))))
                .collect(),
            sessions: vec![None; principals.len()],
        }
    }

    /// The time of the last routine event.
    pub(crate) fn now(&self) -> i64 {
        self.now
    }

    /// The next routine event.
    pub(crate) fn next(&mut self, organisation: &Organisation) -> Entry {
        self.now = clock::next_routine_time(self.now, &mut self.dice);
        let at = self.now;
        let number = *self.principals.draw(&mut self.dice);
        let principal = &organisation.principals[number];
        let account = organisation.account_of(principal);
        let slot = principal.session_slot(at);
        let session = slot.map(|slot| principal.session(self.seed, number, slot));

        let written_at = if self.dice.chance(LATE) {
            at - self.dice.between(SECOND, MAX_LATENESS)
        } else {
            at
        };
        let region = if principal.is_person() {
            *account.regions.draw(&mut self.dice)
        } else {
            principal.region
        };

        if let (Some(slot), Some(session)) = (slot, &session)
            && self.sessions[number] != Some(slot)
        {
            self.sessions[number] = Some(slot);
            if let Some((caller, call)) =
                issuance(principal, organisation, session, at, &mut self.dice)
            {
                return entry(at, written_at, region, &caller, &call, &mut self.dice);
            }
        }

        let &(build, via) = self.mixes[number].draw(&mut self.dice);
        let mut ctx = Ctx {
            dice: &mut self.dice,
            account,
            region,
            at,
        };
        let mut call = build(&mut ctx);
        let arn = principal.arn(account, session.as_ref());
        let (denied, throttled) = if principal.is_person() {
            (PEOPLE_DENIED, 0)
        } else {
            (SOFTWARE_DENIED, SOFTWARE_THROTTLED)
        };
        if self.dice.chance(denied) {
            call = call.denied(&arn);
        } else if self.dice.chance(throttled) {
            call = call.throttled();
        }

        let caller = routine_caller(
            principal,
            organisation,
            session.as_ref(),
            via,
            &mut self.dice,
        );
        entry(at, written_at, region, &caller, &call, &mut self.dice)
    }
}

/// How `principal` appears when it calls through `via`.
fn routine_caller(
    principal: &Principal,
    organisation: &Organisation,
    session: Option<&Session>,
    via: Via,
    dice: &mut Dice,
) -> Caller {
    let account = organisation.account_of(principal);
    let on_console = matches!(principal.persona, Persona::Operator | Persona::Root);
    let (source, agent) = match via {
        Via::ConsoleInternal => ("AWS Internal".to_owned(), agents::CONSOLE_INTERNAL),
        _ => {
            let source = session
                .and_then(|s| s.address.clone())
                .unwrap_or_else(|| dice.pick(&principal.addresses).clone());
            let tools = &principal.agents;
            let agent = if via == Via::Second {
                tools[1 % tools.len()]
            } else {
                tools[0]
            };
            (source, agent)
        }
    };
    Caller {
        identity: principal.user_identity(account, session),
        account_id: account.id.clone(),
        source,
        agent,
        console: on_console && via != Via::Second,
    }
}

/// The call that issued `session` to `principal`, and who made it, for
/// principals whose credentials are issued by a call recorded in the
/// account.
pub(crate) fn issuance(
    principal: &Principal,
    organisation: &Organisation,
    session: &Session,
    at: i64,
    dice: &mut Dice,
) -> Option<(Caller, calls::Call)> {
    let account = organisation.account_of(principal);
    let mut ctx = Ctx {
        dice,
        account,
        region: principal.region,
        at,
    };
    let id = &account.id;
    let role_arn = principal.role_arn(account);
    let session_arn = principal.arn(account, Some(session));
    let mut role_session = control::RoleSession {
        role_arn: &role_arn,
        role_id: &principal.unique_id,
        session_name: &session.name,
        session_arn: &session_arn,
        key: &session.key,
        lifetime: principal.persona.session_length().unwrap_or(clock::HOUR),
        web_identity: None,
    };
    let address = || -> String {
        session
            .address
            .clone()
            .unwrap_or_else(|| principal.addresses[0].clone())
    };

    let (identity, source, agent, console, call) = match principal.persona {
        Persona::InstanceRole
        | Persona::FunctionRole
        | Persona::AssistantFunction
        | Persona::ConfigRecorder
        | Persona::PatchManager => {
            let service = hosting_service(principal.persona).unwrap_or_default();
            let call = control::issue_role_session(&mut ctx, &role_session);
            let identity = object! {"type" => "AWSService", "invokedBy" => service};
            (
                identity,
                service.to_owned(),
                Agent::Fixed(service),
                false,
                call,
            )
        }
        Persona::PodRole | Persona::GithubDeployer => {
            let (provider, subject, agent) = match &principal.workload {
                Some((cluster, subject)) => (
                    format!(
                        "arn:aws:iam::{id}:oidc-provider/oidc.eks.{}.amazonaws.com/id/{}",
                        principal.region, account.clusters[*cluster].1
                    ),
                    subject.clone(),
                    principal.agents[0],
                ),
                None => (
                    format!("arn:aws:iam::{id}:oidc-provider/token.actions.githubusercontent.com"),
                    format!(
                        "repo:{}/platform:ref:refs/heads/main",
                        crate::estate::ORGANISATION
                    ),
                    agents::GITHUB_CREDENTIALS_ACTION,
                ),
            };
            role_session.web_identity = Some((&provider, &subject, "sts.amazonaws.com"));
            let call = control::issue_role_session(&mut ctx, &role_session);
            let identity = object! {
                "type" => "WebIdentityUser",
                "principalId" => format!("{provider}:sts.amazonaws.com:{subject}"),
                "userName" => subject.as_str(),
                "identityProvider" => provider.as_str(),
            };
            (identity, address(), agent, false, call)
        }
        Persona::Operator | Persona::Root => {
            let call = control::console_login(&mut ctx);
            let identity = principal.user_identity(account, Some(session));
            (identity, address(), principal.agents[0], true, call)
        }
        Persona::Partner => {
            let call = control::get_federation_token(&mut ctx, &principal.name, &session.key);
            let identity = object! {
                "type" => "IAMUser",
                "principalId" => principal.unique_id.as_str(),
                "arn" => format!("arn:aws:iam::{id}:user/partner-federation"),
                "accountId" => id.as_str(),
                "accessKeyId" => principal.long_term_key.clone().unwrap_or_default(),
                "userName" => "partner-federation",
            };
            (identity, address(), principal.agents[0], false, call)
        }
        _ => return None,
    };
    let caller = Caller {
        identity,
        account_id: id.clone(),
        source,
        agent,
        console,
    };
    Some((caller, call))
}
