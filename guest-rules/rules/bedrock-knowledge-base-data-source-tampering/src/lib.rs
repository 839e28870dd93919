//! AWS Bedrock Knowledge Base or RAG Data Source Tampering: a principal
//! that has not done so in the last 7 days in this account changes a
//! Bedrock knowledge base, its data sources or its documents.
//!
//! A knowledge base is what retrieval-augmented applications and agents
//! answer from. Ingesting or deleting documents, re-pointing a data source,
//! re-running ingestion or deleting the knowledge base changes those answers
//! without touching the model or the application (RAG poisoning), or wipes
//! the data they depend on. These operations are normally done by a few
//! pipeline principals, so a new one doing them is worth a look.
//!
//! Condition: `data_stream.dataset == "aws.cloudtrail"`,
//! `event.provider == "bedrock.amazonaws.com"`, `event.action` one of
//! `IngestKnowledgeBaseDocuments`, `DeleteKnowledgeBaseDocuments`,
//! `UpdateKnowledgeBase`, `CreateDataSource`, `UpdateDataSource`,
//! `DeleteDataSource`, `StartIngestionJob`, `DeleteKnowledgeBase`, and
//! `event.outcome == "success"` (all exact, case-sensitive). The two
//! `*KnowledgeBaseDocuments` calls are CloudTrail data events, recorded
//! only when the trail logs Bedrock data events.
//!
//! New term: the pair (`aws.cloudtrail.user_identity.arn`,
//! `cloud.account.id`). The rule alerts when the pair made no matching call
//! in the 7 days of event time before this one; every matching call
//! refreshes its last sighting. An event missing either field never alerts
//! and is not remembered; failed calls are not remembered.
//!
//! State: one timestamp per (ARN, account) pair seen, kept for 7 days of
//! event time after its last sighting.
//!
//! The alert carries the standard CloudTrail fields; its group is the ARN
//! and the account.
//!
//! # Differences from upstream
//!
//! - The new term is the identity together with the account. Upstream's
//!   query uses `cloud.account.id` alone, which alerts only on the first
//!   such change in an account per week and stays silent when a new
//!   principal tampers with a knowledge base in an account where anyone
//!   else did so that week; the rule is described, and meant, as a new
//!   identity doing these operations.
//! - History is measured on event time (`@timestamp`), not on ingest
//!   time, with late delivery absorbed by the host's watermark.
//! - Upstream collapses repeats inside one 5-minute run; ferrule sees the
//!   events in event-time order and alerts on the first only.

use ferrule_sdk::prelude::*;

const PROVIDER: &str = "bedrock.amazonaws.com";
const ACTIONS: &[&str] = &[
    "IngestKnowledgeBaseDocuments",
    "DeleteKnowledgeBaseDocuments",
    "UpdateKnowledgeBase",
    "CreateDataSource",
    "UpdateDataSource",
    "DeleteDataSource",
    "StartIngestionJob",
    "DeleteKnowledgeBase",
];
/// How long a pair is remembered after its last matching call.
const HISTORY_MS: i64 = 7 * 24 * 60 * 60 * 1000;
const SEEN: FirstSeen = FirstSeen::new("arn-account", HISTORY_MS);
const ACCOUNT: &str = "cloud.account.id";

struct KnowledgeBaseTampering;

impl Rule for KnowledgeBaseTampering {
    const INFO: RuleInfo = RuleInfo {
        id: "7811b5f7-9e07-4999-87aa-a950365cd327",
        slug: "bedrock-knowledge-base-data-source-tampering",
        name: "AWS Bedrock Knowledge Base or RAG Data Source Tampering",
        description: "A principal changed a Bedrock knowledge base, its data sources or its \
            documents for the first time in 7 days in this account. Such changes alter what \
            retrieval-augmented applications answer, or destroy the data they rely on.",
        version: "1.0.0",
        state_schema_version: 1,
        severity: Severity::Medium,
        risk_score: 47,
        threats: &[Threat {
            tactic: "TA0040",
            technique: "T1565",
            subtechnique: Some("T1565.001"),
        }],
        references: &[
            "https://docs.aws.amazon.com/bedrock/latest/userguide/knowledge-base.html",
            "https://docs.aws.amazon.com/bedrock/latest/userguide/logging-using-cloudtrail.html",
        ],
        interests: &[cloudtrail_interest!(
            "bedrock.amazonaws.com",
            [
                "IngestKnowledgeBaseDocuments",
                "DeleteKnowledgeBaseDocuments",
                "UpdateKnowledgeBase",
                "CreateDataSource",
                "UpdateDataSource",
                "DeleteDataSource",
                "StartIngestionJob",
                "DeleteKnowledgeBase",
            ]
        )],
        wants_tick: false,
        needs_enrichment: &[],
    };

    const DELIVERY: Delivery = Delivery::EventTime;

    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
        if !event.is_successful_call(PROVIDER, ACTIONS) {
            return Ok(());
        }
        let arn = event.text(fields::USER_ARN).unwrap_or("");
        let account = event.text(ACCOUNT).unwrap_or("");
        if !SEEN.check(&[arn, account], event) {
            return Ok(());
        }

        let action = event.text("event.action").unwrap_or_default();
        let mut message = format!("{arn} called {action}");
        if let Some(knowledge_base) = event.request_parameter_text("knowledgeBaseId") {
            message.push_str(&format!(" on knowledge base {knowledge_base}"));
        }
        if let Some(data_source) = event.request_parameter_text("dataSourceId") {
            message.push_str(&format!(" (data source {data_source})"));
        }
        message.push_str(&format!(
            " in account {account}, its first such change there in 7 days"
        ));
        alerts.push(Alert::for_event(event, message).group_by(event, ACCOUNT));
        Ok(())
    }
}

export_rule!(KnowledgeBaseTampering);
