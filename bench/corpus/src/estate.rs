//! The organisation's accounts and what each one owns.
//!
//! Calls name real-looking resources (buckets, tables, keys, functions,
//! clusters, instances) drawn from a fixed inventory per account, so that a
//! bucket or a key recurs across events as in real logs, and resource ARNs
//! in `resources[]` are consistent with the account. The inventory is large
//! enough for attacks that sweep many resources (the bucket posture sweep
//! needs more than fifteen buckets) and small enough to stay in memory for
//! any corpus length.

use crate::dice::{Dice, Weighted};

/// The fictional organisation's name, used in resource names.
pub(crate) const ORGANISATION: &str = "northwind";

/// Positions in [`Account::buckets`] of buckets with a fixed use.
pub(crate) const ML_TRAINING_BUCKET: usize = 8;
pub(crate) const TERRAFORM_STATE_BUCKET: usize = 10;
pub(crate) const ARTIFACTS_BUCKET: usize = 17;

/// Positions in [`Account::functions`] of the functions that call Bedrock.
pub(crate) const ASSISTANT_FUNCTIONS: [usize; 2] = [6, 7];

/// What buckets are for; one bucket per purpose and account.
const BUCKET_PURPOSES: [&str; 24] = [
    "assets",
    "uploads",
    "backups",
    "app-logs",
    "reports",
    "datalake-raw",
    "datalake-curated",
    "ml-models",
    "ml-training-data",
    "cdn-origin",
    "terraform-state",
    "athena-results",
    "config-snapshots",
    "cloudtrail-archive",
    "exports",
    "invoices",
    "static-site",
    "build-artifacts",
    "audit-archive",
    "media",
    "search-index",
    "ingest",
    "scratch",
    "partner-drop",
];

const TABLES: [&str; 6] = [
    "orders",
    "customers",
    "sessions",
    "inventory",
    "feature-flags",
    "idempotency-keys",
];

const FUNCTIONS: [&str; 8] = [
    "order-webhook",
    "thumbnail-generator",
    "invoice-renderer",
    "nightly-export",
    "search-indexer",
    "auth-token-refresh",
    "support-assistant",
    "document-summariser",
];

const SECRETS: [&str; 5] = [
    "db/orders-primary",
    "db/customers-readonly",
    "api/payment-provider",
    "api/email-provider",
    "oauth/client-secret",
];

const PARAMETERS: [&str; 6] = [
    "/app/feature-flags/checkout",
    "/app/db/host",
    "/app/db/port",
    "/app/cache/endpoint",
    "/platform/ami/latest",
    "/platform/log-level",
];

/// One AWS account of the organisation.
pub(crate) struct Account {
    /// The twelve-digit account id.
    pub id: String,
    /// Regions its workloads run in, by share of traffic.
    pub regions: Weighted<&'static str>,
    pub buckets: Vec<String>,
    pub tables: Vec<String>,
    pub functions: Vec<String>,
    pub secrets: Vec<String>,
    pub parameters: Vec<String>,
    /// KMS key ids (UUIDs).
    pub keys: Vec<String>,
    /// EC2 instance ids.
    pub instances: Vec<String>,
    /// EKS clusters and the id of each one's OIDC issuer.
    pub clusters: Vec<(String, String)>,
    /// The organisation trail's name.
    pub trail: String,
    pub vpc: String,
    /// The Bedrock guardrail protecting the account's assistants.
    pub guardrail: String,
}

impl Account {
    fn new(name: &'static str, regions: Weighted<&'static str>, dice: &mut Dice) -> Account {
        let mut ids = |prefix: &str, count: usize, len: usize| -> Vec<String> {
            (0..count)
                .map(|_| format!("{prefix}{}", dice.hex(len)))
                .collect()
        };
        let instances = ids("i-0", 24, 16);
        let vpc = format!("vpc-0{}", dice.hex(16));
        let keys = (0..4).map(|_| dice.uuid()).collect();
        let clusters = [format!("{name}-platform"), format!("{name}-batch")]
            .into_iter()
            .map(|cluster| (cluster, dice.upper_hex(32)))
            .collect();
        let prefixed = |items: &[&str]| -> Vec<String> {
            items
                .iter()
                .map(|item| format!("{ORGANISATION}-{name}-{item}"))
                .collect()
        };
        Account {
            id: dice.digits(12),
            regions,
            buckets: prefixed(&BUCKET_PURPOSES),
            tables: prefixed(&TABLES),
            functions: prefixed(&FUNCTIONS),
            secrets: SECRETS.iter().map(|s| format!("{name}/{s}")).collect(),
            parameters: PARAMETERS.iter().map(|p| format!("/{name}{p}")).collect(),
            keys,
            instances,
            clusters,
            trail: format!("{ORGANISATION}-organisation-trail"),
            vpc,
            guardrail: dice.hex(12),
        }
    }

    /// The ARN of this account's KMS key `key` in `region`.
    pub(crate) fn key_arn(&self, region: &str, key: &str) -> String {
        format!("arn:aws:kms:{region}:{}:key/{key}", self.id)
    }

    /// The ARN of this account's trail.
    pub(crate) fn trail_arn(&self) -> String {
        format!(
            "arn:aws:cloudtrail:us-east-1:{}:trail/{}",
            self.id, self.trail
        )
    }
}

/// The organisation's accounts: production (the bulk of the traffic, in
/// several regions), staging, and a data and machine-learning account.
pub(crate) fn accounts(dice: &mut Dice) -> Vec<Account> {
    vec![
        Account::new(
            "prod",
            Weighted::new([
                (70, "us-east-1"),
                (14, "eu-west-1"),
                (9, "us-west-2"),
                (5, "ap-southeast-2"),
                (2, "eu-central-1"),
            ]),
            dice,
        ),
        Account::new(
            "staging",
            Weighted::new([(85, "us-east-1"), (15, "eu-west-1")]),
            dice,
        ),
        Account::new(
            "data",
            Weighted::new([(75, "us-east-1"), (25, "us-west-2")]),
            dice,
        ),
    ]
}
