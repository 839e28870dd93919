//! Who calls: the organisation's principals, their credentials and how
//! CloudTrail describes them in `userIdentity`.
//!
//! Each principal has a persona (a developer with a long-term key, an EC2
//! instance role, a pod's IRSA role, a console operator, AWS Config's
//! service-linked role, ...) that decides its identity type, its addresses,
//! its tools and, in [`crate::traffic`], its calls. Everything about a
//! principal is fixed for the whole corpus except its temporary
//! credentials: roles get a new `ASIA` key at every session, and a session
//! is a fixed slot of time per principal, so the key in force at any
//! moment is a pure function of the seed, the principal and the time
//! ([`Principal::session_at`]). Nothing per session has to be stored, and an
//! attack can borrow the key a victim holds at the moment it strikes.
//!
//! Addresses are a small pool per principal from one network (see
//! [`crate::network`]), so first-seen rules learn them early and stay quiet
//! afterwards.

use crate::agents::{self, Agent};
use crate::clock::{self, HOUR};
use crate::dice::{Dice, Stream};
use crate::estate::{self, Account};
use crate::json::{Json, object};
use crate::network::{self, Block};

/// What a principal is and does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Persona {
    /// A person with an IAM user and a long-term key, on the AWS CLI.
    Developer,
    /// The deployment pipeline's IAM user, running Terraform on a
    /// self-hosted runner in EC2.
    Pipeline,
    /// An application in the on-premises data centre with a long-term key.
    OnPremisesApp,
    /// A partner's reporting tool, federated with `GetFederationToken`.
    Partner,
    /// A person on the console, signed in through IAM Identity Center.
    Operator,
    /// A person working with Bedrock from notebooks, through Identity Center.
    DataScientist,
    /// An application on EC2 with an instance profile.
    InstanceRole,
    /// A Lambda function's execution role.
    FunctionRole,
    /// A Lambda function that answers support questions with Bedrock.
    AssistantFunction,
    /// A Kubernetes service account with an IRSA role.
    PodRole,
    /// GitHub Actions deploying through OIDC.
    GithubDeployer,
    /// AWS Config's service-linked role, recording resource configuration.
    ConfigRecorder,
    /// Systems Manager's service-linked role, patching instances.
    PatchManager,
    /// The account's root user, on the console (rare).
    Root,
}

impl Persona {
    /// How long one set of temporary credentials lasts, for principals
    /// that use them.
    pub(crate) fn session_length(self) -> Option<i64> {
        match self {
            Persona::Developer | Persona::Pipeline | Persona::OnPremisesApp => None,
            Persona::PodRole
            | Persona::GithubDeployer
            | Persona::ConfigRecorder
            | Persona::PatchManager
            | Persona::Root => Some(HOUR),
            Persona::InstanceRole => Some(6 * HOUR),
            Persona::Operator | Persona::DataScientist | Persona::FunctionRole => Some(8 * HOUR),
            Persona::AssistantFunction | Persona::Partner => Some(12 * HOUR),
        }
    }
}

/// The service a service-linked or service-hosted principal runs in.
pub(crate) fn hosting_service(persona: Persona) -> Option<&'static str> {
    match persona {
        Persona::InstanceRole => Some("ec2.amazonaws.com"),
        Persona::FunctionRole | Persona::AssistantFunction => Some("lambda.amazonaws.com"),
        Persona::ConfigRecorder => Some("config.amazonaws.com"),
        Persona::PatchManager => Some("ssm.amazonaws.com"),
        _ => None,
    }
}

/// One principal of the organisation.
pub(crate) struct Principal {
    pub persona: Persona,
    /// Index of its account in the organisation.
    pub account: usize,
    /// IAM user name, role name, or the federated user's name.
    pub name: String,
    /// The role session name, when it does not change between sessions.
    session_name: String,
    /// `AIDA...` of a user, `AROA...` of a role.
    pub unique_id: String,
    /// The long-term `AKIA...` key of IAM users that have one.
    pub long_term_key: Option<String>,
    /// Public addresses it calls from.
    pub addresses: Vec<String>,
    /// Tools it calls with; the first is its main one.
    pub agents: Vec<Agent>,
    /// Region its workload runs in.
    pub region: &'static str,
    /// Relative share of the routine traffic.
    pub weight: u32,
    /// For `PodRole`: the cluster and the service account subject.
    pub workload: Option<(usize, String)>,
    session_phase: i64,
}

/// One set of temporary credentials of a principal.
pub(crate) struct Session {
    /// The `ASIA...` access key id.
    pub key: String,
    pub started: i64,
    /// The role session name.
    pub name: String,
    /// Where a principal without fixed addresses (a CI run) calls from.
    pub address: Option<String>,
}

impl Principal {
    /// Which of the principal's session slots `at` falls in, if it uses
    /// temporary credentials at all.
    pub(crate) fn session_slot(&self, at: i64) -> Option<i64> {
        let length = self.persona.session_length()?;
        Some((at - self.session_phase).div_euclid(length))
    }

    /// The temporary credentials of session slot `slot`. `number` is the
    /// principal's index in the organisation.
    ///
    /// # Panics
    ///
    /// If the principal does not use temporary credentials.
    pub(crate) fn session(&self, seed: u64, number: usize, slot: i64) -> Session {
        let length = self
            .persona
            .session_length()
            .expect("only principals with temporary credentials have sessions");
        let started = self.session_phase + slot * length;
        let mut dice = Dice::derived(seed, &[number as u64, slot as u64]);
        let key = dice.aws_id("ASIA");
        let name = match self.persona {
            Persona::PodRole => format!("botocore-session-{}", started / clock::SECOND),
            _ => self.session_name.clone(),
        };
        let address = (self.persona == Persona::GithubDeployer)
            .then(|| dice.pick(&network::GITHUB_RUNNERS).address(&mut dice));
        Session {
            key,
            started,
            name,
            address,
        }
    }

    /// The temporary credentials the principal holds at `at`, if any.
    pub(crate) fn session_at(&self, seed: u64, number: usize, at: i64) -> Option<Session> {
        self.session_slot(at)
            .map(|slot| self.session(seed, number, slot))
    }

    /// The principal's ARN as CloudTrail writes `userIdentity.arn`.
    pub(crate) fn arn(&self, account: &Account, session: Option<&Session>) -> String {
        let id = &account.id;
        match (self.persona, session) {
            (Persona::Root, _) => format!("arn:aws:iam::{id}:root"),
            (Persona::Partner, _) => format!("arn:aws:sts::{id}:federated-user/{}", self.name),
            (_, Some(session)) => {
                format!(
                    "arn:aws:sts::{id}:assumed-role/{}/{}",
                    self.name, session.name
                )
            }
            (_, None) => format!("arn:aws:iam::{id}:user/{}", self.name),
        }
    }

    /// The ARN of the role behind an assumed-role principal.
    pub(crate) fn role_arn(&self, account: &Account) -> String {
        match hosting_service(self.persona).filter(|_| self.is_service_linked()) {
            Some(service) => format!(
                "arn:aws:iam::{}:role/aws-service-role/{service}/{}",
                account.id, self.name
            ),
            None => format!("arn:aws:iam::{}:role/{}", account.id, self.name),
        }
    }

    fn is_service_linked(&self) -> bool {
        matches!(
            self.persona,
            Persona::ConfigRecorder | Persona::PatchManager
        )
    }

    /// The `userIdentity` object of a call made with `session` (or with
    /// the long-term key when there is none).
    pub(crate) fn user_identity(&self, account: &Account, session: Option<&Session>) -> Json {
        let id = &account.id;
        let arn = self.arn(account, session);
        let created = |session: &Session, mfa: bool| {
            object! {
                "creationDate" => clock::iso(session.started),
                "mfaAuthenticated" => if mfa { "true" } else { "false" },
            }
        };
        match (self.persona, session) {
            (Persona::Root, Some(session)) => object! {
                "type" => "Root",
                "principalId" => id,
                "arn" => arn,
                "accountId" => id,
                "accessKeyId" => &session.key,
                "sessionContext" => object! {"attributes" => created(session, true)},
            },
            (Persona::Partner, Some(session)) => object! {
                "type" => "FederatedUser",
                "principalId" => format!("{id}:{}", self.name),
                "arn" => arn,
                "accountId" => id,
                "accessKeyId" => &session.key,
                "sessionContext" => object! {
                    "sessionIssuer" => object! {
                        "type" => "IAMUser",
                        "principalId" => &self.unique_id,
                        "arn" => format!("arn:aws:iam::{id}:user/partner-federation"),
                        "accountId" => id,
                        "userName" => "partner-federation",
                    },
                    "attributes" => created(session, false),
                },
            },
            (_, Some(session)) => {
                let mut context = vec![
                    (
                        "sessionIssuer",
                        object! {
                            "type" => "Role",
                            "principalId" => &self.unique_id,
                            "arn" => self.role_arn(account),
                            "accountId" => id,
                            "userName" => &self.name,
                        },
                    ),
                    ("attributes", created(session, self.is_person())),
                ];
                if let Some((cluster, _)) = &self.workload {
                    let issuer = &account.clusters[*cluster].1;
                    context.insert(
                        1,
                        (
                            "webIdFederationData",
                            object! {
                                "federatedProvider" => format!(
                                    "arn:aws:iam::{id}:oidc-provider/oidc.eks.{}.amazonaws.com/id/{issuer}",
                                    self.region
                                ),
                                "attributes" => Json::empty(),
                            },
                        ),
                    );
                }
                if self.persona == Persona::InstanceRole {
                    context.push(("ec2RoleDelivery", Json::from("2.0")));
                }
                let mut identity = vec![
                    ("type", Json::from("AssumedRole")),
                    (
                        "principalId",
                        format!("{}:{}", self.unique_id, session.name).into(),
                    ),
                    ("arn", arn.into()),
                    ("accountId", id.into()),
                    ("accessKeyId", (&session.key).into()),
                    ("sessionContext", Json::Object(context)),
                ];
                if self.is_service_linked() {
                    let service = hosting_service(self.persona).unwrap_or_default();
                    identity.push(("invokedBy", service.into()));
                }
                Json::Object(identity)
            }
            (_, None) => object! {
                "type" => "IAMUser",
                "principalId" => &self.unique_id,
                "arn" => arn,
                "accountId" => id,
                "accessKeyId" => self.long_term_key.clone().unwrap_or_default(),
                "userName" => &self.name,
            },
        }
    }

    /// Whether a person (rather than software) uses these credentials.
    pub(crate) fn is_person(&self) -> bool {
        matches!(
            self.persona,
            Persona::Developer | Persona::Operator | Persona::DataScientist | Persona::Root
        )
    }
}

/// The organisation: accounts and principals.
pub(crate) struct Organisation {
    pub accounts: Vec<Account>,
    pub principals: Vec<Principal>,
}

/// How many principals of a persona each account has, and the routine
/// traffic share of each (relative weights).
const HEADCOUNT: [(usize, Persona, usize, u32); 32] = [
    (0, Persona::InstanceRole, 6, 4800),
    (0, Persona::FunctionRole, 5, 2400),
    (0, Persona::AssistantFunction, 2, 900),
    (0, Persona::PodRole, 4, 2600),
    (0, Persona::Operator, 6, 2600),
    (0, Persona::ConfigRecorder, 1, 6000),
    (0, Persona::PatchManager, 1, 400),
    (0, Persona::Pipeline, 1, 4500),
    (0, Persona::OnPremisesApp, 1, 4000),
    (0, Persona::GithubDeployer, 1, 1500),
    (0, Persona::Developer, 5, 200),
    (0, Persona::Partner, 1, 400),
    (0, Persona::Root, 1, 1),
    (1, Persona::InstanceRole, 3, 2000),
    (1, Persona::FunctionRole, 3, 1000),
    (1, Persona::PodRole, 2, 1400),
    (1, Persona::Operator, 3, 1400),
    (1, Persona::ConfigRecorder, 1, 2500),
    (1, Persona::PatchManager, 1, 200),
    (1, Persona::Pipeline, 1, 2000),
    (1, Persona::GithubDeployer, 1, 1000),
    (1, Persona::Developer, 3, 200),
    (1, Persona::Root, 1, 1),
    (2, Persona::InstanceRole, 2, 2400),
    (2, Persona::FunctionRole, 2, 1000),
    (2, Persona::AssistantFunction, 1, 900),
    (2, Persona::PodRole, 2, 1400),
    (2, Persona::Operator, 2, 1000),
    (2, Persona::DataScientist, 3, 800),
    (2, Persona::ConfigRecorder, 1, 2000),
    (2, Persona::Developer, 2, 200),
    (2, Persona::Root, 1, 1),
];

const PEOPLE: [&str; 12] = [
    "alice.martin",
    "bruno.costa",
    "chen.li",
    "dana.okafor",
    "emil.novak",
    "farah.haddad",
    "gustav.berg",
    "hana.sato",
    "ines.moreau",
    "jonas.weber",
    "kiri.walker",
    "leila.nasser",
];

const APPLICATIONS: [&str; 6] = [
    "orders-api",
    "catalog-service",
    "web-frontend",
    "batch-worker",
    "search-api",
    "reporting-etl",
];

/// Namespaces and service accounts of pods with IRSA roles.
const SERVICE_ACCOUNTS: [(&str, &str); 4] = [
    ("checkout", "checkout-api"),
    ("catalog", "catalog-sync"),
    ("observability", "fluent-bit"),
    ("data", "spark-operator"),
];

const IDENTITY_CENTER_SETS: [&str; 3] =
    ["AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess"];

impl Organisation {
    /// The organisation of a seed.
    pub(crate) fn new(seed: u64) -> Organisation {
        let mut dice = Dice::new(seed, Stream::Organisation);
        let accounts = estate::accounts(&mut dice);
        let mut principals = Vec::new();
        for &(account, persona, count, weight) in &HEADCOUNT {
            for ordinal in 0..count {
                let principal = principal(&accounts[account], account, persona, ordinal, &mut dice);
                principals.push(Principal {
                    weight,
                    ..principal
                });
            }
        }
        Organisation {
            accounts,
            principals,
        }
    }

    /// The account of a principal.
    pub(crate) fn account_of(&self, principal: &Principal) -> &Account {
        &self.accounts[principal.account]
    }
}

/// Builds the `ordinal`-th principal of `persona` in an account.
fn principal(
    account: &Account,
    account_index: usize,
    persona: Persona,
    ordinal: usize,
    dice: &mut Dice,
) -> Principal {
    let region = *account.regions.draw(dice);
    let office = *dice.pick(&network::OFFICES);
    let pool = |block: Block, size: i64, dice: &mut Dice| -> Vec<String> {
        (0..dice.between(1, size))
            .map(|_| block.address(dice))
            .collect()
    };
    // A NAT gateway's addresses: a few hosts of one /24 in the region.
    let aws_pool = |dice: &mut Dice| -> Vec<String> {
        let first = network::aws_address(region, dice);
        let subnet = &first[..first.rfind('.').unwrap_or(first.len())];
        (0..dice.between(2, 4))
            .map(|_| format!("{subnet}.{}", dice.between(1, 254)))
            .collect()
    };
    let person = PEOPLE[(ordinal + 5 * account_index + persona as usize) % PEOPLE.len()];
    let application = APPLICATIONS[(ordinal + account_index) % APPLICATIONS.len()];
    let user_id = dice.aws_id("AIDA");
    let role_id = dice.aws_id("AROA");
    let long_term_key = Some(dice.aws_id("AKIA"));
    let cli = *dice.pick(&agents::DEVELOPER_CLIS);
    let browser = *dice.pick(&agents::BROWSERS);
    let sdk = *dice.pick(&[agents::JAVA_SDK, agents::GO_SDK]);

    let base = Principal {
        persona,
        account: account_index,
        name: String::new(),
        session_name: String::new(),
        unique_id: role_id,
        long_term_key: None,
        addresses: Vec::new(),
        agents: Vec::new(),
        region,
        weight: 0,
        workload: None,
        session_phase: dice.between(0, 12 * HOUR),
    };
    let identity_center_role =
        |set: &str, dice: &mut Dice| format!("AWSReservedSSO_{set}_{}", dice.hex(16));
    let email = format!("{person}@{}.example", estate::ORGANISATION);
    match persona {
        Persona::Developer => Principal {
            name: person.to_owned(),
            unique_id: user_id,
            long_term_key,
            addresses: pool(office, 2, dice),
            agents: vec![cli],
            ..base
        },
        Persona::Pipeline => Principal {
            name: "ci-deployer".to_owned(),
            unique_id: user_id,
            long_term_key,
            addresses: aws_pool(dice),
            agents: vec![agents::TERRAFORM, agents::CI_CLI],
            ..base
        },
        Persona::OnPremisesApp => Principal {
            name: "svc-legacy-billing".to_owned(),
            unique_id: user_id,
            long_term_key,
            addresses: pool(network::DATA_CENTRE, 2, dice),
            agents: vec![agents::BOTO3_ON_PREMISES],
            ..base
        },
        Persona::Partner => Principal {
            name: "partner-reporting".to_owned(),
            unique_id: user_id,
            long_term_key,
            session_name: "partner-reporting".to_owned(),
            addresses: aws_pool(dice),
            agents: vec![agents::JAVA_SDK],
            ..base
        },
        Persona::Operator | Persona::DataScientist => {
            let set = if persona == Persona::DataScientist {
                "DataScientist"
            } else {
                IDENTITY_CENTER_SETS[ordinal % IDENTITY_CENTER_SETS.len()]
            };
            let tools = if persona == Persona::DataScientist {
                vec![agents::BOTO3_NOTEBOOK, cli]
            } else {
                vec![browser, cli]
            };
            Principal {
                name: identity_center_role(set, dice),
                session_name: email,
                addresses: pool(office, 2, dice),
                agents: tools,
                ..base
            }
        }
        Persona::InstanceRole => Principal {
            name: format!("{application}-ec2"),
            session_name: dice.pick(&account.instances).clone(),
            addresses: aws_pool(dice),
            agents: vec![sdk, agents::SSM_AGENT],
            ..base
        },
        Persona::FunctionRole | Persona::AssistantFunction => {
            let function = if persona == Persona::AssistantFunction {
                let [first, second] = estate::ASSISTANT_FUNCTIONS;
                account.functions[if ordinal.is_multiple_of(2) {
                    first
                } else {
                    second
                }]
                .clone()
            } else {
                account.functions[ordinal % 6].clone()
            };
            Principal {
                name: format!("{function}-role"),
                session_name: function,
                addresses: aws_pool(dice),
                agents: vec![agents::BOTO3],
                ..base
            }
        }
        Persona::PodRole => {
            let (namespace, service_account) = SERVICE_ACCOUNTS[ordinal % SERVICE_ACCOUNTS.len()];
            Principal {
                name: format!("eks-{namespace}-{service_account}"),
                addresses: aws_pool(dice),
                agents: vec![sdk],
                workload: Some((
                    ordinal % account.clusters.len(),
                    format!("system:serviceaccount:{namespace}:{service_account}"),
                )),
                ..base
            }
        }
        Persona::GithubDeployer => Principal {
            name: "github-actions-deploy".to_owned(),
            session_name: "GitHubActions".to_owned(),
            agents: vec![agents::CI_CLI, agents::GITHUB_CREDENTIALS_ACTION],
            ..base
        },
        Persona::ConfigRecorder => Principal {
            name: "AWSServiceRoleForConfig".to_owned(),
            session_name: "AWSConfig-Describe".to_owned(),
            addresses: vec!["config.amazonaws.com".to_owned()],
            agents: vec![Agent::Fixed("config.amazonaws.com")],
            ..base
        },
        Persona::PatchManager => Principal {
            name: "AWSServiceRoleForAmazonSSM".to_owned(),
            session_name: "StateManagerService".to_owned(),
            addresses: vec!["ssm.amazonaws.com".to_owned()],
            agents: vec![Agent::Fixed("ssm.amazonaws.com")],
            ..base
        },
        Persona::Root => Principal {
            name: "root".to_owned(),
            unique_id: account.id.clone(),
            addresses: pool(office, 1, dice),
            agents: vec![browser],
            ..base
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_rotate_keys_and_are_recomputable() {
        let organisation = Organisation::new(11);
        let (number, role) = organisation
            .principals
            .iter()
            .enumerate()
            .find(|(_, p)| p.persona == Persona::InstanceRole)
            .expect("an instance role");
        let at = 1_800_000_000 * clock::SECOND;
        let first = role
            .session_at(11, number, at)
            .expect("roles have sessions");
        let again = role
            .session_at(11, number, at)
            .expect("roles have sessions");
        assert_eq!(first.key, again.key);
        assert!(first.key.starts_with("ASIA"));
        assert!(first.started <= at && at < first.started + 6 * HOUR);
        let slot = role.session_slot(at).expect("roles have sessions");
        assert_eq!(role.session_slot(first.started + 6 * HOUR), Some(slot + 1));
        let next = role.session(11, number, slot + 1);
        assert_ne!(next.key, first.key);
    }

    #[test]
    fn identities_have_cloudtrail_shapes() {
        let organisation = Organisation::new(3);
        let developer = organisation
            .principals
            .iter()
            .find(|p| p.persona == Persona::Developer)
            .expect("a developer");
        let account = organisation.account_of(developer);
        let mut text = String::new();
        developer.user_identity(account, None).write(&mut text);
        assert!(
            text.starts_with(r#"{"type":"IAMUser","principalId":"AIDA"#),
            "{text}"
        );
        assert!(text.contains(r#""accessKeyId":"AKIA"#), "{text}");

        let config = organisation
            .principals
            .iter()
            .find(|p| p.persona == Persona::ConfigRecorder)
            .expect("AWS Config");
        let session = config.session_at(3, 0, 0);
        let mut text = String::new();
        config
            .user_identity(organisation.account_of(config), session.as_ref())
            .write(&mut text);
        assert!(
            text.contains("role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig")
        );
        assert!(
            text.ends_with(r#""invokedBy":"config.amazonaws.com"}"#),
            "{text}"
        );
    }
}
