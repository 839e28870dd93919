//! The Bedrock rules on hand-written raw CloudTrail records: records
//! ferrule's rule alerts on must match, near misses it lets pass must not.

mod support;

use serde_json::json;

use support::{assert_cases, call, denied, with};

#[test]
fn bedrock_agent_created_by_iam_user_or_root() {
    let created = call("bedrock.amazonaws.com", "CreateAgent");
    assert_cases(
        "bedrock-agent-created-by-iam-user-or-root",
        &[
            ("an IAM user", created.clone()),
            (
                "the root user",
                with(created.clone(), "/userIdentity/type", json!("Root")),
            ),
        ],
        &[
            (
                "an assumed role",
                with(created.clone(), "/userIdentity/type", json!("AssumedRole")),
            ),
            (
                "the type in another case",
                with(created.clone(), "/userIdentity/type", json!("iamuser")),
            ),
            ("a denied call", denied(created)),
        ],
    );
}

#[test]
fn bedrock_automated_reasoning_policy_tampering() {
    let bedrock = |name| call("bedrock.amazonaws.com", name);
    assert_cases(
        "bedrock-automated-reasoning-policy-tampering",
        &[
            ("a deletion", bedrock("DeleteAutomatedReasoningPolicy")),
            (
                "new annotations",
                bedrock("UpdateAutomatedReasoningPolicyAnnotations"),
            ),
        ],
        &[
            (
                "a build workflow",
                bedrock("StartAutomatedReasoningPolicyBuildWorkflow"),
            ),
            (
                "the action in another case",
                bedrock("deleteautomatedreasoningpolicy"),
            ),
            (
                "a denied update",
                denied(bedrock("UpdateAutomatedReasoningPolicy")),
            ),
        ],
    );
}

#[test]
fn bedrock_guardrail_deleted_or_weakened() {
    let bedrock = |name| call("bedrock.amazonaws.com", name);
    assert_cases(
        "bedrock-guardrail-deleted-or-weakened",
        &[
            ("a new version", bedrock("CreateGuardrailVersion")),
            (
                "enforced configuration removed",
                bedrock("DeleteEnforcedGuardrailConfiguration"),
            ),
        ],
        &[
            ("a new guardrail", bedrock("CreateGuardrail")),
            (
                "an update failed with only an error message",
                with(
                    bedrock("UpdateGuardrail"),
                    "/errorMessage",
                    json!("Guardrail not found"),
                ),
            ),
        ],
    );
}

#[test]
fn bedrock_invocation_logging_disabled_or_modified() {
    let bedrock = |name| call("bedrock.amazonaws.com", name);
    let put = with(
        bedrock("PutModelInvocationLoggingConfiguration"),
        "/requestParameters",
        json!({"loggingConfig": {
            "s3Config": {"bucketName": "elsewhere"},
            "textDataDeliveryEnabled": false
        }}),
    );
    assert_cases(
        "bedrock-invocation-logging-disabled-or-modified",
        &[
            (
                "a deletion",
                bedrock("DeleteModelInvocationLoggingConfiguration"),
            ),
            ("a replacement", put.clone()),
        ],
        &[
            ("a read", bedrock("GetModelInvocationLoggingConfiguration")),
            (
                "the same call on another service",
                with(put, "/eventSource", json!("sagemaker.amazonaws.com")),
            ),
        ],
    );
}

#[test]
fn bedrock_model_access_denied() {
    let bedrock = |name| call("bedrock.amazonaws.com", name);
    assert_cases(
        "bedrock-model-access-denied",
        &[
            ("AccessDenied", denied(bedrock("PutUseCaseForModelAccess"))),
            (
                "AccessDeniedException",
                with(
                    bedrock("CreateFoundationModelAgreement"),
                    "/errorCode",
                    json!("AccessDeniedException"),
                ),
            ),
        ],
        &[
            ("a success", bedrock("PutFoundationModelEntitlement")),
            (
                "another error",
                with(
                    bedrock("PutFoundationModelEntitlement"),
                    "/errorCode",
                    json!("ValidationException"),
                ),
            ),
            (
                "a denied read",
                denied(bedrock("ListFoundationModelAgreementOffers")),
            ),
        ],
    );
}

#[test]
fn bedrock_model_access_enabled() {
    let bedrock = |name| call("bedrock.amazonaws.com", name);
    assert_cases(
        "bedrock-model-access-enabled",
        &[
            ("an agreement", bedrock("CreateFoundationModelAgreement")),
            ("an entitlement", bedrock("PutFoundationModelEntitlement")),
        ],
        &[
            (
                "a denied use case",
                denied(bedrock("PutUseCaseForModelAccess")),
            ),
            (
                "a listing of offers",
                bedrock("ListFoundationModelAgreementOffers"),
            ),
        ],
    );
}

#[test]
fn bedrock_provisioned_throughput_tampering() {
    let bedrock = |name| call("bedrock.amazonaws.com", name);
    assert_cases(
        "bedrock-provisioned-throughput-tampering",
        &[
            ("a purchase", bedrock("CreateProvisionedModelThroughput")),
            ("a deletion", bedrock("DeleteProvisionedModelThroughput")),
        ],
        &[
            ("a read", bedrock("GetProvisionedModelThroughput")),
            (
                "a denied update",
                denied(bedrock("UpdateProvisionedModelThroughput")),
            ),
        ],
    );
}

#[test]
fn bedrock_resource_policy_change_denied() {
    let put = call("bedrock.amazonaws.com", "PutResourcePolicy");
    assert_cases(
        "bedrock-resource-policy-change-denied",
        &[
            ("a denied put", denied(put.clone())),
            (
                "a denied delete",
                denied(call("bedrock.amazonaws.com", "DeleteResourcePolicy")),
            ),
        ],
        &[
            ("a successful put", put.clone()),
            (
                "a denied put on another service",
                denied(with(
                    put.clone(),
                    "/eventSource",
                    json!("secretsmanager.amazonaws.com"),
                )),
            ),
            (
                "a put failing otherwise",
                with(put, "/errorCode", json!("ValidationException")),
            ),
        ],
    );
}

#[test]
fn bedrock_untrusted_model_import_or_marketplace_endpoint() {
    let bedrock = |name| call("bedrock.amazonaws.com", name);
    assert_cases(
        "bedrock-untrusted-model-import-or-marketplace-endpoint",
        &[
            ("an import job", bedrock("CreateModelImportJob")),
            (
                "a registered endpoint",
                bedrock("RegisterMarketplaceModelEndpoint"),
            ),
        ],
        &[
            (
                "a deregistered endpoint",
                bedrock("DeregisterMarketplaceModelEndpoint"),
            ),
            ("a denied import", denied(bedrock("CreateModelImportJob"))),
        ],
    );
}
