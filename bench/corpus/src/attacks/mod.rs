//! Attack bursts: short sequences of calls by one attacker that rules of
//! the pack are built to catch.
//!
//! A burst borrows a victim's credentials from the organisation (a
//! developer's long-term key, the key an instance role holds at that moment,
//! an operator's console session, a pod's service account token) and uses
//! them from an attacker's address and tool. Each [`AttackKind`] names the
//! rules it is built to trigger; its calls carry exactly the values those
//! rules read after the ECS mapping (event names, error codes, request
//! parameters, user agent markers, key prefixes, console flags).
//!
//! Some rules depend on enrichment the corpus cannot provide on its own:
//! rules on AS numbers and organisations (VPN networks, untrusted networks,
//! networks outside Amazon) fire only when the host enriches `source.ip`,
//! and the multiple-addresses rule also needs city data. The addresses are
//! real allocations of those networks, so any IP-to-AS database recognises
//! them.
//!
//! A burst is planned whole when it starts and written out as routine
//! traffic reaches each of its times, so its calls interleave with routine
//! traffic in time order.

mod bedrock;
mod credentials;
mod discovery;
mod tampering;

use crate::agents::Agent;
use crate::calls::{Call, Ctx};
use crate::dice::Dice;
use crate::estate::Account;
use crate::identity::{Organisation, Persona, Principal, Session};
use crate::network;
use crate::record::Caller;
use crate::traffic::{self, Entry};

/// A kind of attack burst, and the rules it is built to trigger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AttackKind {
    /// A leaked long-term key on a Kali AWS CLI from a VPN redirects,
    /// stops and deletes the trail, then creates one of its own.
    TrailTampering,
    /// A leaked key of an administrator removes a colleague's MFA device.
    MfaRemoval,
    /// A leaked key mints a session token, then creates a user with an
    /// access key, administrator rights and a virtual MFA device.
    SessionTokenPersistence,
    /// A hijacked console session opens CloudShell and creates a user and
    /// an access key from it.
    CloudShellPersistence,
    /// A stolen operator session grants an outside role cluster-admin on an
    /// EKS cluster and turns the control plane logs off.
    EksClusterTakeover,
    /// An instance is stopped, given new user data and started again.
    UserDataExecution,
    /// A leaked key lists foundation models, unlocks model access and runs
    /// inference ("LLMjacking").
    BedrockLlmJacking,
    /// A leaked key of a restricted application is refused inference,
    /// model access and a resource policy change.
    BedrockAccessDenied,
    /// A stolen session deletes model invocation logging, weakens and
    /// deletes guardrails and an automated reasoning policy.
    BedrockDefenseEvasion,
    /// A leaked key creates a Bedrock agent, gives it an action group and a
    /// knowledge base fed from an outside bucket.
    BedrockAgentBackdoor,
    /// A stolen session opens a resource policy, imports an outside model
    /// and buys provisioned throughput.
    BedrockResourceAbuse,
    /// A stolen function session invokes one model five hundred times in
    /// about half an hour.
    BedrockInferenceFlood,
    /// A leaked key sweeps a dozen discovery calls across services in
    /// seconds with the AWS CLI, from a VPN, including the account and the
    /// organisation.
    DiscoverySweep,
    /// A leaked key reads the access posture of twenty buckets in seconds.
    BucketPostureSweep,
    /// A leaked key browses and downloads objects with S3 Browser.
    S3BrowserExfiltration,
    /// TruffleHog checks a leaked key with `GetCallerIdentity`.
    TruffleHogKeyCheck,
    /// A long-term key is used from its owner's office and from two other
    /// networks in other cities within minutes.
    KeyUsedFromManyPlaces,
    /// Credentials a GitHub Actions run obtained are replayed from outside
    /// GitHub's network.
    GithubCredentialReplay,
    /// A pod's service account token is exchanged for credentials outside
    /// AWS, which then read secrets and run a shell script on an instance.
    IrsaTokenReplay,
    /// An instance role's current credentials are used from a VPN to list
    /// buckets and read secrets.
    StolenInstanceCredentials,
}

impl AttackKind {
    /// Every kind, in the order bursts take turns.
    pub const ALL: [AttackKind; 20] = [
        AttackKind::TrailTampering,
        AttackKind::MfaRemoval,
        AttackKind::SessionTokenPersistence,
        AttackKind::CloudShellPersistence,
        AttackKind::EksClusterTakeover,
        AttackKind::UserDataExecution,
        AttackKind::BedrockLlmJacking,
        AttackKind::BedrockAccessDenied,
        AttackKind::BedrockDefenseEvasion,
        AttackKind::BedrockAgentBackdoor,
        AttackKind::BedrockResourceAbuse,
        AttackKind::BedrockInferenceFlood,
        AttackKind::DiscoverySweep,
        AttackKind::BucketPostureSweep,
        AttackKind::S3BrowserExfiltration,
        AttackKind::TruffleHogKeyCheck,
        AttackKind::KeyUsedFromManyPlaces,
        AttackKind::GithubCredentialReplay,
        AttackKind::IrsaTokenReplay,
        AttackKind::StolenInstanceCredentials,
    ];

    /// A short name, in kebab case.
    pub fn name(self) -> &'static str {
        match self {
            AttackKind::TrailTampering => "trail-tampering",
            AttackKind::MfaRemoval => "mfa-removal",
            AttackKind::SessionTokenPersistence => "session-token-persistence",
            AttackKind::CloudShellPersistence => "cloudshell-persistence",
            AttackKind::EksClusterTakeover => "eks-cluster-takeover",
            AttackKind::UserDataExecution => "user-data-execution",
            AttackKind::BedrockLlmJacking => "bedrock-llmjacking",
            AttackKind::BedrockAccessDenied => "bedrock-access-denied",
            AttackKind::BedrockDefenseEvasion => "bedrock-defense-evasion",
            AttackKind::BedrockAgentBackdoor => "bedrock-agent-backdoor",
            AttackKind::BedrockResourceAbuse => "bedrock-resource-abuse",
            AttackKind::BedrockInferenceFlood => "bedrock-inference-flood",
            AttackKind::DiscoverySweep => "discovery-sweep",
            AttackKind::BucketPostureSweep => "bucket-posture-sweep",
            AttackKind::S3BrowserExfiltration => "s3-browser-exfiltration",
            AttackKind::TruffleHogKeyCheck => "trufflehog-key-check",
            AttackKind::KeyUsedFromManyPlaces => "key-used-from-many-places",
            AttackKind::GithubCredentialReplay => "github-credential-replay",
            AttackKind::IrsaTokenReplay => "irsa-token-replay",
            AttackKind::StolenInstanceCredentials => "stolen-instance-credentials",
        }
    }

    /// Slugs of the rules (in `guest-rules/rules/`) a burst of this kind is
    /// built to trigger. Rules on AS data need the host's IP enrichment;
    /// `access-key-multiple-addresses` also needs city data; first-seen and
    /// new-term rules fire only the first time in their history window.
    pub fn rules(self) -> &'static [&'static str] {
        const LEAKED_KEY: [&str; 2] = [
            "long-term-key-first-seen-source-ip",
            "long-term-key-correlated-elevated-alerts",
        ];
        match self {
            AttackKind::TrailTampering => &[
                "cloudtrail-trail-updated",
                "cloudtrail-stop-logging",
                "cloudtrail-trail-deleted",
                "cloudtrail-trail-created",
                "suspicious-user-agent-fingerprint",
                "discovery-from-vpn-asn-first-time",
                LEAKED_KEY[0],
                LEAKED_KEY[1],
            ],
            AttackKind::MfaRemoval => &["iam-mfa-device-deactivated", LEAKED_KEY[0], LEAKED_KEY[1]],
            AttackKind::SessionTokenPersistence => &[
                "iam-calls-via-session-token",
                "virtual-mfa-registration-with-session-token",
                LEAKED_KEY[0],
            ],
            AttackKind::CloudShellPersistence => &[
                "cloudshell-environment-created",
                "sensitive-iam-ops-via-cloudshell",
            ],
            AttackKind::EksClusterTakeover => &[
                "eks-access-entry-cluster-admin-policy",
                "eks-access-entry-modified",
                "eks-control-plane-logging-disabled",
            ],
            AttackKind::UserDataExecution => &["ec2-userdata-modify-stop-start"],
            AttackKind::BedrockLlmJacking => &[
                "bedrock-model-enum-then-invoke-long-term-key",
                "bedrock-model-access-enabled",
                "discovery-from-vpn-asn-first-time",
                LEAKED_KEY[0],
                LEAKED_KEY[1],
            ],
            AttackKind::BedrockAccessDenied => &[
                "bedrock-model-access-denied",
                "bedrock-resource-policy-change-denied",
                LEAKED_KEY[0],
            ],
            AttackKind::BedrockDefenseEvasion => &[
                "bedrock-invocation-logging-disabled-or-modified",
                "bedrock-guardrail-deleted-or-weakened",
                "bedrock-automated-reasoning-policy-tampering",
            ],
            AttackKind::BedrockAgentBackdoor => &[
                "bedrock-agent-created-by-iam-user-or-root",
                "bedrock-agent-or-action-group-manipulation",
                "bedrock-agent-knowledge-base-associated",
                "bedrock-knowledge-base-data-source-tampering",
                LEAKED_KEY[0],
            ],
            AttackKind::BedrockResourceAbuse => &[
                "bedrock-resource-policy-modified-or-deleted",
                "bedrock-untrusted-model-import-or-marketplace-endpoint",
                "bedrock-provisioned-throughput-tampering",
            ],
            AttackKind::BedrockInferenceFlood => &["bedrock-high-frequency-inference-probing"],
            AttackKind::DiscoverySweep => &[
                "discovery-burst-via-aws-cli",
                "account-discovery-rare-user",
                "discovery-from-vpn-asn-first-time",
                LEAKED_KEY[0],
                LEAKED_KEY[1],
            ],
            AttackKind::BucketPostureSweep => &["s3-rapid-bucket-posture-calls", LEAKED_KEY[0]],
            AttackKind::S3BrowserExfiltration => &["uncommon-s3-client-user-agent", LEAKED_KEY[0]],
            AttackKind::TruffleHogKeyCheck => &[
                "suspicious-user-agent-fingerprint",
                LEAKED_KEY[0],
                LEAKED_KEY[1],
            ],
            AttackKind::KeyUsedFromManyPlaces => &[
                "access-key-multiple-addresses",
                LEAKED_KEY[0],
                LEAKED_KEY[1],
            ],
            AttackKind::GithubCredentialReplay => &["github-actions-key-used-off-cicd"],
            AttackKind::IrsaTokenReplay => &[
                "sts-web-identity-k8s-sa-external-asn",
                "k8s-sa-web-identity-session-multi-action",
            ],
            AttackKind::StolenInstanceCredentials => &[
                "rare-source-as-org-activity",
                "discovery-from-vpn-asn-first-time",
            ],
        }
    }
}

/// Plans a burst of `kind` starting at `at`: its records, in time order.
pub(crate) fn plan(
    kind: AttackKind,
    organisation: &Organisation,
    seed: u64,
    at: i64,
    dice: &mut Dice,
) -> Vec<Entry> {
    let mut scene = Scene {
        organisation,
        seed,
        dice,
        at,
        entries: Vec::new(),
    };
    match kind {
        AttackKind::TrailTampering => tampering::trail_tampering(&mut scene),
        AttackKind::MfaRemoval => tampering::mfa_removal(&mut scene),
        AttackKind::SessionTokenPersistence => tampering::session_token_persistence(&mut scene),
        AttackKind::CloudShellPersistence => tampering::cloudshell_persistence(&mut scene),
        AttackKind::EksClusterTakeover => tampering::eks_cluster_takeover(&mut scene),
        AttackKind::UserDataExecution => tampering::user_data_execution(&mut scene),
        AttackKind::BedrockLlmJacking => bedrock::llm_jacking(&mut scene),
        AttackKind::BedrockAccessDenied => bedrock::access_denied(&mut scene),
        AttackKind::BedrockDefenseEvasion => bedrock::defense_evasion(&mut scene),
        AttackKind::BedrockAgentBackdoor => bedrock::agent_backdoor(&mut scene),
        AttackKind::BedrockResourceAbuse => bedrock::resource_abuse(&mut scene),
        AttackKind::BedrockInferenceFlood => bedrock::inference_flood(&mut scene),
        AttackKind::DiscoverySweep => discovery::discovery_sweep(&mut scene),
        AttackKind::BucketPostureSweep => discovery::bucket_posture_sweep(&mut scene),
        AttackKind::S3BrowserExfiltration => discovery::s3_browser_exfiltration(&mut scene),
        AttackKind::TruffleHogKeyCheck => discovery::trufflehog_key_check(&mut scene),
        AttackKind::KeyUsedFromManyPlaces => credentials::key_used_from_many_places(&mut scene),
        AttackKind::GithubCredentialReplay => credentials::github_credential_replay(&mut scene),
        AttackKind::IrsaTokenReplay => credentials::irsa_token_replay(&mut scene),
        AttackKind::StolenInstanceCredentials => {
            credentials::stolen_instance_credentials(&mut scene)
        }
    }
    scene.entries
}

/// Someone making calls in a burst: how the records show them, and the ARN
/// denials name.
struct Actor<'a> {
    caller: Caller,
    arn: String,
    account: &'a Account,
    region: &'static str,
}

/// The state of a burst being planned: the organisation it strikes, the
/// clock of the burst and the records written so far.
struct Scene<'a, 'd> {
    organisation: &'a Organisation,
    seed: u64,
    dice: &'d mut Dice,
    at: i64,
    entries: Vec<Entry>,
}

impl<'a> Scene<'a, '_> {
    /// Lets `low..=high` milliseconds pass.
    fn wait_ms(&mut self, low: i64, high: i64) {
        self.at += self.dice.between(low * 1_000, high * 1_000);
    }

    /// Lets `low..=high` seconds pass.
    fn wait(&mut self, low: i64, high: i64) {
        self.wait_ms(low * 1_000, high * 1_000);
    }

    /// Records `actor` making the call `build` returns, a few seconds after
    /// the previous one.
    fn call(&mut self, actor: &Actor<'_>, build: impl FnOnce(&mut Ctx<'_>) -> Call) {
        self.wait(2, 15);
        self.call_now(actor, build);
    }

    /// Records the call without letting time pass first.
    fn call_now(&mut self, actor: &Actor<'_>, build: impl FnOnce(&mut Ctx<'_>) -> Call) {
        let call = build(&mut self.ctx(actor));
        let entry = traffic::entry(
            self.at,
            self.at,
            actor.region,
            &actor.caller,
            &call,
            self.dice,
        );
        self.entries.push(entry);
    }

    /// Records the call, refused for lack of permission.
    fn denied(&mut self, actor: &Actor<'_>, build: impl FnOnce(&mut Ctx<'_>) -> Call) {
        let arn = actor.arn.clone();
        self.call(actor, |ctx| build(ctx).denied(&arn));
    }

    /// A context for building calls as `actor`.
    fn ctx<'s>(&'s mut self, actor: &Actor<'s>) -> Ctx<'s> {
        Ctx {
            dice: self.dice,
            account: actor.account,
            region: actor.region,
            at: self.at,
        }
    }

    /// A principal chosen at random among those `wanted` accepts.
    fn victim(&mut self, wanted: impl Fn(&Principal) -> bool) -> (usize, &'a Principal) {
        let organisation = self.organisation;
        let candidates: Vec<usize> = (0..organisation.principals.len())
            .filter(|&number| wanted(&organisation.principals[number]))
            .collect();
        let number = *self.dice.pick(&candidates);
        (number, &organisation.principals[number])
    }

    /// An IAM user with a long-term key, leaked.
    fn leaked_key_owner(&mut self) -> &'a Principal {
        self.victim(|p| matches!(p.persona, Persona::Developer | Persona::OnPremisesApp))
            .1
    }

    /// `principal` calling with its long-term key from `source` with `agent`.
    fn with_long_term_key(
        &mut self,
        principal: &Principal,
        source: String,
        agent: Agent,
    ) -> Actor<'a> {
        let account = self.organisation.account_of(principal);
        Actor {
            caller: Caller {
                identity: principal.user_identity(account, None),
                account_id: account.id.clone(),
                source,
                agent,
                console: false,
            },
            arn: principal.arn(account, None),
            account,
            region: account.regions.draw(self.dice),
        }
    }

    /// The session `principal` (number `number`) holds now.
    fn session_of(&self, number: usize, principal: &Principal) -> Session {
        principal
            .session_at(self.seed, number, self.at)
            .expect("victims of session theft use temporary credentials")
    }

    /// `principal` calling with `session` from `source` with `agent`.
    fn with_session(
        &mut self,
        principal: &Principal,
        session: &Session,
        source: String,
        agent: Agent,
        console: bool,
    ) -> Actor<'a> {
        let account = self.organisation.account_of(principal);
        Actor {
            caller: Caller {
                identity: principal.user_identity(account, Some(session)),
                account_id: account.id.clone(),
                source,
                agent,
                console,
            },
            arn: principal.arn(account, Some(session)),
            account,
            region: principal.region,
        }
    }

    /// An address on a commercial VPN the VPN-discovery rule knows.
    fn vpn_address(&mut self) -> String {
        let block = *self.dice.pick(&network::ATTACKER_NETWORKS[..5]);
        block.address(self.dice)
    }

    /// An address on any network attackers rent.
    fn attacker_address(&mut self) -> String {
        let block = *self.dice.pick(&network::ATTACKER_NETWORKS);
        block.address(self.dice)
    }
}
