//! The shipped rule pack compiled into the host process.
//!
//! Every rule crate builds two ways (see `ferrule_sdk::native`): to a
//! WebAssembly component for production, and natively, into this crate,
//! with the same source, SDK and event layout. [`load_pack`] hands the
//! native builds to a [`Runtime`], which runs them through the same
//! pipeline, state store and alert checks as components. Benchmarks use
//! this to measure what the sandbox costs; tests use it to check that the
//! two builds give identical alerts.
//!
//! Native rules are not sandboxed. Nothing here is used by `ferrule run`.

mod adapter;

use ferrule::runtime::{LoadError, RuleInstance, Runtime};

pub use adapter::SdkRule;

/// Declares the pack: each rule crate's name, whose slug is the crate
/// name without its `rule_` prefix.
macro_rules! pack {
    ($($krate:ident),* $(,)?) => {
        /// Every shipped rule compiled natively, with its slug (the name of
        /// its crate directory and of its component file), in slug order.
        pub fn pack() -> Vec<(&'static str, SdkRule)> {
            vec![$((
                stringify!($krate).strip_prefix("rule_").expect("rule crates are named rule-*"),
                SdkRule::new($krate::native_rule()),
            )),*]
        }
    };
}

pack! {
    rule_access_key_multiple_addresses,
    rule_account_discovery_rare_user,
    rule_bedrock_agent_created_by_iam_user_or_root,
    rule_bedrock_agent_knowledge_base_associated,
    rule_bedrock_agent_or_action_group_manipulation,
    rule_bedrock_automated_reasoning_policy_tampering,
    rule_bedrock_guardrail_deleted_or_weakened,
    rule_bedrock_high_frequency_inference_probing,
    rule_bedrock_invocation_logging_disabled_or_modified,
    rule_bedrock_knowledge_base_data_source_tampering,
    rule_bedrock_model_access_denied,
    rule_bedrock_model_access_enabled,
    rule_bedrock_model_enum_then_invoke_long_term_key,
    rule_bedrock_provisioned_throughput_tampering,
    rule_bedrock_resource_policy_change_denied,
    rule_bedrock_resource_policy_modified_or_deleted,
    rule_bedrock_untrusted_model_import_or_marketplace_endpoint,
    rule_cloudshell_environment_created,
    rule_cloudtrail_stop_logging,
    rule_cloudtrail_trail_created,
    rule_cloudtrail_trail_deleted,
    rule_cloudtrail_trail_updated,
    rule_discovery_burst_via_aws_cli,
    rule_discovery_from_vpn_asn_first_time,
    rule_ec2_userdata_modify_stop_start,
    rule_eks_access_entry_cluster_admin_policy,
    rule_eks_access_entry_modified,
    rule_eks_control_plane_logging_disabled,
    rule_github_actions_key_used_off_cicd,
    rule_iam_calls_via_session_token,
    rule_iam_mfa_device_deactivated,
    rule_k8s_sa_web_identity_session_multi_action,
    rule_long_term_key_correlated_elevated_alerts,
    rule_long_term_key_first_seen_source_ip,
    rule_rare_source_as_org_activity,
    rule_s3_rapid_bucket_posture_calls,
    rule_sensitive_iam_ops_via_cloudshell,
    rule_ssm_sendcommand_lolbin_execution,
    rule_sts_web_identity_k8s_sa_external_asn,
    rule_suspicious_user_agent_fingerprint,
    rule_uncommon_s3_client_user_agent,
    rule_virtual_mfa_registration_with_session_token,
}

/// Loads every rule of the pack into `runtime`, named `native:<slug>`.
///
/// # Errors
///
/// The first rule whose metadata the runtime rejects.
pub fn load_pack(runtime: &Runtime) -> Result<Vec<RuleInstance>, LoadError> {
    pack()
        .into_iter()
        .map(|(slug, rule)| runtime.load_native(&format!("native:{slug}"), Box::new(rule)))
        .collect()
}
