//! The single-event rules beyond CloudTrail tampering (Bedrock, EKS, STS web
//! identity, CloudShell, MFA registration, user agent fingerprints), run as
//! real components.
//!
//! Each rule is checked alone over one batch of labelled cases: every branch
//! of its condition as a hit, and beside it the near misses (a failed call,
//! another service, a name differing only in case, an excluded identity, a
//! request that does not qualify). Then all of them run together over the
//! shared CloudTrail samples, where the alerting samples are known by name.

use std::collections::BTreeMap;
use std::sync::Arc;

use ferrule_tests::{Harness, cloudtrail, read_samples, rules_dir, shared_testdata, with};
use serde_json::{Value, json};

/// Every rule this file covers.
const RULES: &[&str] = &[
    "bedrock-agent-created-by-iam-user-or-root",
    "bedrock-resource-policy-change-denied",
    "bedrock-automated-reasoning-policy-tampering",
    "bedrock-guardrail-deleted-or-weakened",
    "bedrock-invocation-logging-disabled-or-modified",
    "bedrock-provisioned-throughput-tampering",
    "bedrock-model-access-enabled",
    "bedrock-model-access-denied",
    "bedrock-untrusted-model-import-or-marketplace-endpoint",
    "sts-web-identity-k8s-sa-external-asn",
    "eks-control-plane-logging-disabled",
    "eks-access-entry-cluster-admin-policy",
    "eks-access-entry-modified",
    "cloudshell-environment-created",
    "virtual-mfa-registration-with-session-token",
    "sensitive-iam-ops-via-cloudshell",
    "suspicious-user-agent-fingerprint",
];

const BEDROCK: &str = "bedrock.amazonaws.com";
const EKS: &str = "eks.amazonaws.com";
const IAM: &str = "iam.amazonaws.com";
const STS: &str = "sts.amazonaws.com";

/// A labelled case: whether the rule must alert on it, and the record.
struct Case {
    label: String,
    hit: bool,
    record: Value,
}

fn hit(label: &str, record: Value) -> Case {
    Case {
        label: label.to_owned(),
        hit: true,
        record,
    }
}

fn miss(label: &str, record: Value) -> Case {
    Case {
        label: label.to_owned(),
        hit: false,
        record,
    }
}

/// Runs `rule` alone over all `cases` in one batch and checks that exactly
/// the hits alert, once each, in input order. Each case's label becomes its
/// event id, so a failure names the cases that went wrong.
fn check(rule: &str, cases: Vec<Case>) {
    let records: Vec<Value> = cases
        .iter()
        .map(|case| labelled(&case.label, case.record.clone()))
        .collect();
    let alerts = Harness::new(&rules_dir(), &[rule]).run(&records);
    let got: Vec<String> = alerts
        .iter()
        .map(|alert| {
            assert_eq!(alert.rule.slug, rule);
            assert_eq!(alert.evidence.len(), 1, "{rule}: one event per alert");
            alert.evidence[0].clone()
        })
        .collect();
    let want: Vec<String> = cases
        .iter()
        .filter(|case| case.hit)
        .map(|case| case.label.clone())
        .collect();
    let unexpected: Vec<&String> = got.iter().filter(|id| !want.contains(id)).collect();
    let missed: Vec<&String> = want.iter().filter(|id| !got.contains(id)).collect();
    assert!(
        unexpected.is_empty() && missed.is_empty(),
        "{rule}: alerted on {unexpected:?}, missed {missed:?}"
    );
    assert_eq!(got, want, "{rule}: one alert per hit, in input order");
}

/// Sets the event id of a raw CloudTrail record or an ECS document.
fn labelled(label: &str, record: Value) -> Value {
    if record.get("@timestamp").is_some() {
        with(record, "event.id", json!(label))
    } else {
        with(record, "eventID", json!(label))
    }
}

/// A successful call by the default IAM user, with its event id set later.
fn call(source: &str, action: &str) -> Value {
    cloudtrail("", source, action)
}

fn failed(record: Value, code: &str) -> Value {
    with(record, "errorCode", json!(code))
}

fn with_params(record: Value, params: Value) -> Value {
    with(record, "requestParameters", params)
}

fn with_agent(record: Value, agent: &str) -> Value {
    with(record, "userAgent", json!(agent))
}

/// For rules that need success: every action succeeds, and the near misses
/// are a failure, another service and a name differing only in case.
fn successful_actions_cases(source: &str, actions: &[&str]) -> Vec<Case> {
    let mut cases = Vec::new();
    for action in actions {
        cases.push(hit(action, call(source, action)));
        cases.push(miss(
            &format!("{action} failed"),
            failed(call(source, action), "AccessDenied"),
        ));
        let message_only = with(
            call(source, action),
            "errorMessage",
            json!("Something went wrong"),
        );
        cases.push(miss(
            &format!("{action} with only an error message"),
            message_only,
        ));
        cases.push(miss(
            &format!("{action} on sagemaker"),
            call("sagemaker.amazonaws.com", action),
        ));
        cases.push(miss(
            &format!("{action} lowercase"),
            call(source, &action.to_lowercase()),
        ));
    }
    cases
}

/// For rules that need a refused call: each action refused with each
/// denial code alerts; success, other errors, a code differing in case and
/// another service do not.
fn denied_actions_cases(source: &str, actions: &[&str]) -> Vec<Case> {
    let mut cases = Vec::new();
    for action in actions {
        for code in ["AccessDenied", "AccessDeniedException"] {
            cases.push(hit(
                &format!("{action} {code}"),
                failed(call(source, action), code),
            ));
        }
        cases.push(miss(&format!("{action} succeeded"), call(source, action)));
        cases.push(miss(
            &format!("{action} ValidationException"),
            failed(call(source, action), "ValidationException"),
        ));
        cases.push(miss(
            &format!("{action} accessdenied"),
            failed(call(source, action), "accessdenied"),
        ));
        let message_only = with(
            call(source, action),
            "errorMessage",
            json!("User is not authorized"),
        );
        cases.push(miss(
            &format!("{action} message without code"),
            message_only,
        ));
        let elsewhere = failed(call("secretsmanager.amazonaws.com", action), "AccessDenied");
        cases.push(miss(
            &format!("{action} denied on secretsmanager"),
            elsewhere,
        ));
        let lowercase = failed(call(source, &action.to_lowercase()), "AccessDenied");
        cases.push(miss(&format!("{action} lowercase denied"), lowercase));
    }
    cases
}

// ---------------------------------------------------------------- Bedrock

#[test]
fn bedrock_agent_created_by_iam_user_or_root() {
    let rule = "bedrock-agent-created-by-iam-user-or-root";
    let agent = |identity: Value| {
        let record = with_params(call(BEDROCK, "CreateAgent"), json!({"agentName": "helper"}));
        with(record, "userIdentity.type", identity)
    };
    let mut cases = vec![
        hit("IAMUser", agent(json!("IAMUser"))),
        hit(
            "Root",
            with(
                agent(json!("Root")),
                "userIdentity.arn",
                json!("arn:aws:iam::123456789012:root"),
            ),
        ),
        miss("AssumedRole", agent(json!("AssumedRole"))),
        miss("FederatedUser", agent(json!("FederatedUser"))),
        miss("AWSService", agent(json!("AWSService"))),
        miss("iamuser lowercase", agent(json!("iamuser"))),
        miss("ROOT uppercase", agent(json!("ROOT"))),
        miss("no identity type", agent(json!(null))),
        miss(
            "failed",
            failed(agent(json!("IAMUser")), "AccessDeniedException"),
        ),
        miss(
            "another service",
            with(
                call("sagemaker.amazonaws.com", "CreateAgent"),
                "userIdentity.type",
                json!("Root"),
            ),
        ),
        miss("createAgent", call(BEDROCK, "createAgent")),
        miss("UpdateAgent", call(BEDROCK, "UpdateAgent")),
    ];
    cases.extend(successful_actions_cases(BEDROCK, &["CreateAgent"]));
    check(rule, cases);
}

#[test]
fn bedrock_resource_policy_change_denied() {
    check(
        "bedrock-resource-policy-change-denied",
        denied_actions_cases(BEDROCK, &["PutResourcePolicy", "DeleteResourcePolicy"]),
    );
}

#[test]
fn bedrock_automated_reasoning_policy_tampering() {
    let actions = [
        "DeleteAutomatedReasoningPolicy",
        "UpdateAutomatedReasoningPolicy",
        "UpdateAutomatedReasoningPolicyAnnotations",
    ];
    let mut cases = successful_actions_cases(BEDROCK, &actions);
    cases.push(miss(
        "build workflow",
        call(BEDROCK, "StartAutomatedReasoningPolicyBuildWorkflow"),
    ));
    cases.push(miss(
        "test case",
        call(BEDROCK, "UpdateAutomatedReasoningPolicyTestCase"),
    ));
    check("bedrock-automated-reasoning-policy-tampering", cases);
}

#[test]
fn bedrock_guardrail_deleted_or_weakened_including_new_versions() {
    let actions = [
        "DeleteGuardrail",
        "UpdateGuardrail",
        "CreateGuardrailVersion",
        "DeleteEnforcedGuardrailConfiguration",
        "PutEnforcedGuardrailConfiguration",
    ];
    let mut cases = successful_actions_cases(BEDROCK, &actions);
    cases.push(miss("CreateGuardrail", call(BEDROCK, "CreateGuardrail")));
    cases.push(miss("ListGuardrails", call(BEDROCK, "ListGuardrails")));
    check("bedrock-guardrail-deleted-or-weakened", cases);
}

#[test]
fn bedrock_invocation_logging_disabled_or_modified() {
    let actions = [
        "DeleteModelInvocationLoggingConfiguration",
        "PutModelInvocationLoggingConfiguration",
    ];
    let mut cases = successful_actions_cases(BEDROCK, &actions);
    // Every Put fires, whatever it configures: first setups included.
    let enabling = json!({"loggingConfig": {"textDataDeliveryEnabled": true, "s3Config": {"bucketName": "logs"}}});
    cases.push(hit(
        "Put enabling",
        with_params(call(BEDROCK, actions[1]), enabling),
    ));
    cases.push(miss(
        "GetModelInvocationLoggingConfiguration",
        call(BEDROCK, "GetModelInvocationLoggingConfiguration"),
    ));
    check("bedrock-invocation-logging-disabled-or-modified", cases);
}

#[test]
fn bedrock_provisioned_throughput_tampering() {
    let actions = [
        "CreateProvisionedModelThroughput",
        "UpdateProvisionedModelThroughput",
        "DeleteProvisionedModelThroughput",
    ];
    let mut cases = successful_actions_cases(BEDROCK, &actions);
    cases.push(miss(
        "GetProvisionedModelThroughput",
        call(BEDROCK, "GetProvisionedModelThroughput"),
    ));
    check("bedrock-provisioned-throughput-tampering", cases);
}

#[test]
fn bedrock_model_access_enabled() {
    let actions = [
        "PutFoundationModelEntitlement",
        "PutUseCaseForModelAccess",
        "CreateFoundationModelAgreement",
    ];
    let mut cases = successful_actions_cases(BEDROCK, &actions);
    cases.push(miss(
        "ListFoundationModelAgreementOffers",
        call(BEDROCK, "ListFoundationModelAgreementOffers"),
    ));
    check("bedrock-model-access-enabled", cases);
}

#[test]
fn bedrock_model_access_denied() {
    let actions = [
        "PutFoundationModelEntitlement",
        "PutUseCaseForModelAccess",
        "CreateFoundationModelAgreement",
    ];
    check(
        "bedrock-model-access-denied",
        denied_actions_cases(BEDROCK, &actions),
    );
}

#[test]
fn bedrock_untrusted_model_import_or_marketplace_endpoint() {
    let actions = [
        "CreateModelImportJob",
        "CreateCustomModelDeployment",
        "CreateMarketplaceModelEndpoint",
        "RegisterMarketplaceModelEndpoint",
    ];
    let mut cases = successful_actions_cases(BEDROCK, &actions);
    cases.push(miss(
        "CreateModelCustomizationJob",
        call(BEDROCK, "CreateModelCustomizationJob"),
    ));
    cases.push(miss(
        "DeregisterMarketplaceModelEndpoint",
        call(BEDROCK, "DeregisterMarketplaceModelEndpoint"),
    ));
    check(
        "bedrock-untrusted-model-import-or-marketplace-endpoint",
        cases,
    );
}

// ------------------------------------------------- STS web identity (EKS IRSA)

/// An ECS document of a web identity exchange, as Elastic Agent ships it
/// after GeoIP and AS enrichment. `org` and `number` set `source.as.*`.
fn web_identity(subject: &str, org: Option<&str>, number: Option<i64>) -> Value {
    let mut doc = json!({
        "@timestamp": "2026-05-01T12:00:00Z",
        "data_stream": {"dataset": "aws.cloudtrail", "type": "logs", "namespace": "default"},
        "event": {
            "action": "AssumeRoleWithWebIdentity",
            "provider": STS,
            "outcome": "success",
            "kind": "event"
        },
        "source": {"ip": "203.0.113.9", "address": "203.0.113.9", "geo": {"country_name": "Elsewhere"}},
        "user": {"name": subject},
        "user_agent": {"original": "aws-sdk-go-v2/1.30.0"},
        "cloud": {"account": {"id": "123456789012"}, "region": "us-east-1"},
        "aws": {"cloudtrail": {
            "user_identity": {"type": "WebIdentityUser"},
            "flattened": {"request_parameters": {
                "roleArn": "arn:aws:iam::123456789012:role/app",
                "roleSessionName": "botocore-session-1"
            }},
            "resources": {"arn": ["arn:aws:iam::123456789012:role/app"], "type": ["AWS::IAM::Role"]}
        }}
    });
    if let Some(org) = org {
        doc = with(doc, "source.as.organization.name", json!(org));
    }
    if let Some(number) = number {
        doc = with(doc, "source.as.number", json!(number));
    }
    doc
}

const POD: &str = "system:serviceaccount:payments:api";

#[test]
fn sts_web_identity_from_service_account_outside_amazon() {
    let rule = "sts-web-identity-k8s-sa-external-asn";
    let mut cases = vec![
        hit(
            "Google LLC",
            web_identity(POD, Some("Google LLC"), Some(15169)),
        ),
        hit(
            "org without number",
            web_identity(POD, Some("DigitalOcean, LLC"), None),
        ),
        hit(
            "kube-system other account",
            web_identity(
                "system:serviceaccount:kube-system:ebs-csi",
                Some("OVH SAS"),
                Some(16276),
            ),
        ),
        hit(
            "org containing amazon later",
            web_identity(POD, Some("Not Amazon Hosting"), Some(64500)),
        ),
        miss("AMAZON-02", web_identity(POD, Some("AMAZON-02"), None)),
        miss("AMAZON-AES", web_identity(POD, Some("AMAZON-AES"), None)),
        miss(
            "Amazon.com, Inc.",
            web_identity(POD, Some("Amazon.com, Inc."), None),
        ),
        miss(
            "amazon lowercase",
            web_identity(POD, Some("amazon data services"), None),
        ),
        miss(
            "aMaZoN mixed case",
            web_identity(POD, Some("aMaZoN-x"), None),
        ),
        miss("no AS data", web_identity(POD, None, None)),
        miss("AS number only", web_identity(POD, None, Some(15169))),
        miss(
            "Amazon AS number only",
            web_identity(POD, None, Some(16509)),
        ),
        miss(
            "load balancer controller",
            web_identity(
                "system:serviceaccount:kube-system:aws-load-balancer-controller",
                Some("Google LLC"),
                Some(15169),
            ),
        ),
        miss(
            "not a service account",
            web_identity("alice", Some("Google LLC"), Some(15169)),
        ),
        miss(
            "System: uppercase",
            web_identity(
                "System:serviceaccount:payments:api",
                Some("Google LLC"),
                Some(15169),
            ),
        ),
        miss(
            "no user name",
            with(
                web_identity(POD, Some("Google LLC"), Some(15169)),
                "user",
                json!(null),
            ),
        ),
        miss(
            "failed",
            with(
                web_identity(POD, Some("Google LLC"), Some(15169)),
                "event.outcome",
                json!("failure"),
            ),
        ),
        miss(
            "another service",
            with(
                web_identity(POD, Some("Google LLC"), Some(15169)),
                "event.provider",
                json!("sso.amazonaws.com"),
            ),
        ),
        miss(
            "AssumeRoleWithSAML",
            with(
                web_identity(POD, Some("Google LLC"), Some(15169)),
                "event.action",
                json!("AssumeRoleWithSAML"),
            ),
        ),
        miss(
            "another data set",
            with(
                web_identity(POD, Some("Google LLC"), Some(15169)),
                "data_stream.dataset",
                json!("aws.guardduty"),
            ),
        ),
    ];
    // Amazon's AS numbers are excluded whatever the organization label says.
    for number in [16509, 14618, 8987, 7224] {
        cases.push(miss(
            &format!("AS{number}"),
            web_identity(POD, Some("Example Transit"), Some(number)),
        ));
    }
    // Raw CloudTrail carries no AS data: nothing can show the source is outside Amazon.
    let raw = with(
        call(STS, "AssumeRoleWithWebIdentity"),
        "userIdentity",
        json!({"type": "WebIdentityUser", "userName": POD}),
    );
    cases.push(miss("raw record without enrichment", raw));
    check(rule, cases);
}

// ----------------------------------------------------------------------- EKS

fn cluster_logging(entries: Value) -> Value {
    with_params(
        call(EKS, "UpdateClusterConfig"),
        json!({"name": "prod", "logging": {"clusterLogging": entries}, "clientRequestToken": "t-1"}),
    )
}

#[test]
fn eks_control_plane_logging_disabled() {
    let off = json!([{"types": ["api", "audit", "authenticator"], "enabled": false}]);
    let mixed =
        json!([{"types": ["api"], "enabled": true}, {"types": ["audit"], "enabled": false}]);
    let on = json!([{"types": ["api", "audit"], "enabled": true}]);
    // A padding parameter large enough that the structured copy is dropped.
    let padded = |entries: Value| {
        let record = cluster_logging(entries);
        with(
            record,
            "requestParameters.clientRequestToken",
            json!("x".repeat(33_000)),
        )
    };
    let rendered_only = |text: &str| {
        json!({
            "@timestamp": "2026-05-01T12:00:00Z",
            "data_stream": {"dataset": "aws.cloudtrail"},
            "event": {"action": "UpdateClusterConfig", "provider": EKS, "outcome": "success"},
            "aws": {"cloudtrail": {"request_parameters": text}}
        })
    };
    let cases = vec![
        hit("all types off", cluster_logging(off.clone())),
        hit("some off, some on", cluster_logging(mixed)),
        hit(
            "single entry object",
            cluster_logging(json!({"types": ["audit"], "enabled": false})),
        ),
        hit("oversized request, rendered fallback", padded(off.clone())),
        hit(
            "ECS document with only the rendering",
            rendered_only("{name=prod, logging={clusterLogging=[{types=[audit], enabled=false}]}}"),
        ),
        miss("all on", cluster_logging(on.clone())),
        miss("oversized request, logging on", padded(on)),
        miss(
            "ECS rendering, logging on",
            rendered_only("{name=prod, logging={clusterLogging=[{types=[audit], enabled=true}]}}"),
        ),
        miss(
            "False capitalised",
            cluster_logging(json!([{"types": ["audit"], "enabled": "False"}])),
        ),
        miss(
            "another switch off on a cluster named logging",
            with_params(
                call(EKS, "UpdateClusterConfig"),
                json!({"name": "logging-prod", "computeConfig": {"enabled": false}}),
            ),
        ),
        miss(
            "no request parameters",
            with(
                call(EKS, "UpdateClusterConfig"),
                "requestParameters",
                json!(null),
            ),
        ),
        miss(
            "failed",
            failed(cluster_logging(off.clone()), "InvalidParameterException"),
        ),
        miss(
            "another service",
            with(
                cluster_logging(off.clone()),
                "eventSource",
                json!("ecs.amazonaws.com"),
            ),
        ),
        miss(
            "updateClusterConfig",
            with(
                cluster_logging(off.clone()),
                "eventName",
                json!("updateClusterConfig"),
            ),
        ),
        miss(
            "UpdateClusterVersion",
            with(
                cluster_logging(off),
                "eventName",
                json!("UpdateClusterVersion"),
            ),
        ),
    ];
    check("eks-control-plane-logging-disabled", cases);
}

fn associate(policy: &str) -> Value {
    with_params(
        call(EKS, "AssociateAccessPolicy"),
        json!({
            "name": "prod",
            "principalArn": "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fops",
            "policyArn": format!("arn:aws:eks::aws:cluster-access-policy/{policy}"),
            "accessScope": {"type": "cluster"}
        }),
    )
}

#[test]
fn eks_access_entry_cluster_admin_policy() {
    let padded = |record: Value| {
        with(
            record,
            "requestParameters.accessScope.namespaces",
            json!(vec!["n".repeat(100); 340]),
        )
    };
    let cases = vec![
        hit("cluster admin", associate("AmazonEKSClusterAdminPolicy")),
        hit("admin", associate("AmazonEKSAdminPolicy")),
        hit(
            "oversized request, rendered fallback",
            padded(associate("AmazonEKSClusterAdminPolicy")),
        ),
        miss("view policy", associate("AmazonEKSViewPolicy")),
        miss("edit policy", associate("AmazonEKSEditPolicy")),
        miss(
            "oversized request, view policy",
            padded(associate("AmazonEKSViewPolicy")),
        ),
        miss(
            "lowercase policy name",
            associate("amazoneksclusteradminpolicy"),
        ),
        miss(
            "admin name only in the principal",
            with(
                associate("AmazonEKSViewPolicy"),
                "requestParameters.principalArn",
                json!("arn:aws:iam::1:role/AmazonEKSAdminPolicy"),
            ),
        ),
        miss(
            "failed",
            failed(
                associate("AmazonEKSClusterAdminPolicy"),
                "ResourceNotFoundException",
            ),
        ),
        miss(
            "another service",
            with(
                associate("AmazonEKSClusterAdminPolicy"),
                "eventSource",
                json!("iam.amazonaws.com"),
            ),
        ),
        miss(
            "CreateAccessEntry",
            with(
                associate("AmazonEKSClusterAdminPolicy"),
                "eventName",
                json!("CreateAccessEntry"),
            ),
        ),
    ];
    check("eks-access-entry-cluster-admin-policy", cases);
}

#[test]
fn eks_access_entry_modified_outside_automation() {
    let actions = [
        "CreateAccessEntry",
        "AssociateAccessPolicy",
        "UpdateAccessEntry",
        "DisassociateAccessPolicy",
        "DeleteAccessEntry",
    ];
    let mut cases = successful_actions_cases(EKS, &actions);
    let by = |arn: &str| {
        with(
            call(EKS, "CreateAccessEntry"),
            "userIdentity.arn",
            json!(arn),
        )
    };
    cases.extend([
        miss(
            "EKS service role",
            by("arn:aws:sts::123456789012:assumed-role/AWSServiceRoleForAmazonEKS/x"),
        ),
        miss(
            "eksctl",
            by("arn:aws:sts::123456789012:assumed-role/eksctl-prod-cluster-ServiceRole/x"),
        ),
        miss(
            "terraform",
            by("arn:aws:sts::123456789012:assumed-role/terraform-ci/run-1"),
        ),
        miss(
            "CloudFormation",
            by("arn:aws:sts::123456789012:assumed-role/AWSCloudFormationStackSetExecutionRole/x"),
        ),
        hit(
            "Terraform capitalised",
            by("arn:aws:sts::123456789012:assumed-role/Terraform-ci/run-1"),
        ),
        hit(
            "no caller ARN",
            with(
                call(EKS, "DeleteAccessEntry"),
                "userIdentity.arn",
                json!(null),
            ),
        ),
        miss("ListAccessEntries", call(EKS, "ListAccessEntries")),
    ]);
    check("eks-access-entry-modified", cases);
}

// ------------------------------------------------------------------ CloudShell

#[test]
fn cloudshell_environment_created() {
    let mut cases = successful_actions_cases("cloudshell.amazonaws.com", &["CreateEnvironment"]);
    cases.push(miss(
        "CreateSession",
        call("cloudshell.amazonaws.com", "CreateSession"),
    ));
    cases.push(miss(
        "CreateEnvironment on codecatalyst",
        call("codecatalyst.amazonaws.com", "CreateEnvironment"),
    ));
    check("cloudshell-environment-created", cases);
}

const CLOUDSHELL_AGENT: &str = "aws-cli/2.13.5 Python/3.11.4 Linux/4.14.255-314.amzn2.x86_64 exec-env/CloudShell exe/x86_64.amzn.2 prompt/off";

#[test]
fn sensitive_iam_operations_via_cloudshell() {
    let actions = [
        "CreateAccessKey",
        "CreateUser",
        "AttachUserPolicy",
        "PutUserPolicy",
        "CreateRole",
        "AttachRolePolicy",
        "PutRolePolicy",
        "CreateInstanceProfile",
        "AddRoleToInstanceProfile",
    ];
    let shell = |source: &str, action: &str| with_agent(call(source, action), CLOUDSHELL_AGENT);
    let mut cases = Vec::new();
    for action in actions {
        cases.push(hit(action, shell(IAM, action)));
        cases.push(miss(
            &format!("{action} from plain aws-cli"),
            call(IAM, action),
        ));
        cases.push(miss(
            &format!("{action} failed"),
            failed(shell(IAM, action), "AccessDenied"),
        ));
        cases.push(miss(&format!("{action} on sts"), shell(STS, action)));
        cases.push(miss(
            &format!("{action} lowercase"),
            shell(IAM, &action.to_lowercase()),
        ));
    }
    cases.extend([
        miss(
            "cloudshell lowercase",
            with_agent(
                call(IAM, "CreateUser"),
                "aws-cli/2.13.5 exec-env/cloudshell",
            ),
        ),
        miss(
            "no user agent",
            with(call(IAM, "CreateUser"), "userAgent", json!(null)),
        ),
        miss("DeleteUser from CloudShell", shell(IAM, "DeleteUser")),
        miss("ListUsers from CloudShell", shell(IAM, "ListUsers")),
    ]);
    check("sensitive-iam-ops-via-cloudshell", cases);
}

// ------------------------------------------------------------------ MFA

fn mfa(action: &str, key: &str) -> Value {
    let record = with(call(IAM, action), "userIdentity.accessKeyId", json!(key));
    with_params(
        record,
        json!({"virtualMFADeviceName": "backup", "userName": "alice"}),
    )
}

#[test]
fn virtual_mfa_registration_with_session_token() {
    let session = "ASIAEXAMPLESESSION01";
    let ecs = |category: Option<&str>| {
        let mut doc = json!({
            "@timestamp": "2026-05-01T12:00:00Z",
            "data_stream": {"dataset": "aws.cloudtrail"},
            "event": {"action": "CreateVirtualMFADevice", "provider": IAM, "outcome": "success"},
            "aws": {"cloudtrail": {"user_identity": {"access_key_id": session}}}
        });
        if let Some(category) = category {
            doc = with(doc, "event.category", json!([category]));
        }
        doc
    };
    let cases = vec![
        hit(
            "CreateVirtualMFADevice",
            mfa("CreateVirtualMFADevice", session),
        ),
        hit("EnableMFADevice", mfa("EnableMFADevice", session)),
        hit(
            "console flag false",
            with(
                mfa("CreateVirtualMFADevice", session),
                "sessionCredentialFromConsole",
                json!("false"),
            ),
        ),
        hit(
            "console flag True capitalised",
            with(
                mfa("EnableMFADevice", session),
                "sessionCredentialFromConsole",
                json!("True"),
            ),
        ),
        hit("ECS document in the iam category", ecs(Some("iam"))),
        miss("ECS document without a category", ecs(None)),
        miss(
            "ECS document in another category",
            ecs(Some("configuration")),
        ),
        miss(
            "console session",
            with(
                mfa("CreateVirtualMFADevice", session),
                "sessionCredentialFromConsole",
                json!("true"),
            ),
        ),
        miss(
            "console session as a boolean",
            with(
                mfa("EnableMFADevice", session),
                "sessionCredentialFromConsole",
                json!(true),
            ),
        ),
        miss(
            "long-term key",
            mfa("CreateVirtualMFADevice", "AKIAEXAMPLELONGTERM1"),
        ),
        miss(
            "asia lowercase",
            mfa("EnableMFADevice", "asiaexamplesession01"),
        ),
        miss(
            "no access key",
            with(
                mfa("EnableMFADevice", session),
                "userIdentity.accessKeyId",
                json!(null),
            ),
        ),
        miss(
            "failed",
            failed(
                mfa("CreateVirtualMFADevice", session),
                "EntityAlreadyExists",
            ),
        ),
        miss(
            "another service",
            with(
                mfa("CreateVirtualMFADevice", session),
                "eventSource",
                json!("sts.amazonaws.com"),
            ),
        ),
        miss(
            "createVirtualMFADevice",
            with(
                mfa("CreateVirtualMFADevice", session),
                "eventName",
                json!("createVirtualMFADevice"),
            ),
        ),
        miss(
            "DeactivateMFADevice",
            with(
                mfa("DeactivateMFADevice", session),
                "eventName",
                json!("DeactivateMFADevice"),
            ),
        ),
    ];
    check("virtual-mfa-registration-with-session-token", cases);
}

// ------------------------------------------------------------- user agents

#[test]
fn suspicious_user_agent_fingerprints_on_any_service() {
    let agent = |text: &str| with_agent(call(STS, "GetCallerIdentity"), text);
    let cases = vec![
        hit(
            "distrib#kali",
            agent(
                "aws-cli/2.15.0 md/awscrt#0.19.19 ua/2.0 os/linux#6.6.9-amd64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/distrib#kali.2024 md/prompt#off",
            ),
        ),
        hit(
            "+kali",
            agent("aws-cli/1.22.34 Python/3.9.10 Linux/5.15.0-kali3-amd64 botocore/1.23.34+kali"),
        ),
        hit(
            "kali-amd64",
            agent(
                "Boto3/1.26.0 Python/3.11.2 Linux/6.1.0-kali5-amd64 Botocore/1.29.0 os/linux-kali-amd64",
            ),
        ),
        hit(
            "kali-arm64",
            agent("aws-sdk-go/1.44.0 (go1.20; linux; kali-arm64)"),
        ),
        hit("TruffleHog", agent("TruffleHog")),
        hit("trufflehog", agent("trufflehog/3.63.0")),
        hit(
            "on another service",
            with_agent(call("s3.amazonaws.com", "ListBuckets"), "TruffleHog"),
        ),
        miss(
            "ordinary CLI",
            agent("aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64"),
        ),
        miss(
            "Kali capitalised",
            agent("aws-cli/2.15.0 md/distrib#Kali.2024"),
        ),
        miss(
            "KALI-AMD64 uppercase",
            agent("aws-sdk-go/1.44.0 (linux; KALI-AMD64)"),
        ),
        miss("Trufflehog mixed case", agent("Trufflehog/3.0")),
        miss("kali without a marker", agent("aws-cli/2.15.0 kali")),
        miss("failed", failed(agent("TruffleHog"), "AccessDenied")),
        miss(
            "no user agent",
            with(call(STS, "GetCallerIdentity"), "userAgent", json!(null)),
        ),
        miss(
            "another data set",
            json!({
                "@timestamp": "2026-05-01T12:00:00Z",
                "data_stream": {"dataset": "aws.guardduty"},
                "event": {"outcome": "success"},
                "user_agent": {"original": "TruffleHog"}
            }),
        ),
    ];
    check("suspicious-user-agent-fingerprint", cases);
}

// ------------------------------------------------------------ identities

#[test]
fn identity_types_do_not_matter_outside_agent_creation() {
    // One qualifying call per rule; only the agent-creation rule looks at
    // the identity type, and the web identity rule is covered above.
    let typical: Vec<(&str, Value)> = vec![
        (
            "bedrock-resource-policy-change-denied",
            failed(call(BEDROCK, "PutResourcePolicy"), "AccessDenied"),
        ),
        (
            "bedrock-automated-reasoning-policy-tampering",
            call(BEDROCK, "DeleteAutomatedReasoningPolicy"),
        ),
        (
            "bedrock-guardrail-deleted-or-weakened",
            call(BEDROCK, "DeleteGuardrail"),
        ),
        (
            "bedrock-invocation-logging-disabled-or-modified",
            call(BEDROCK, "DeleteModelInvocationLoggingConfiguration"),
        ),
        (
            "bedrock-provisioned-throughput-tampering",
            call(BEDROCK, "CreateProvisionedModelThroughput"),
        ),
        (
            "bedrock-model-access-enabled",
            call(BEDROCK, "PutFoundationModelEntitlement"),
        ),
        (
            "bedrock-model-access-denied",
            failed(
                call(BEDROCK, "PutFoundationModelEntitlement"),
                "AccessDeniedException",
            ),
        ),
        (
            "bedrock-untrusted-model-import-or-marketplace-endpoint",
            call(BEDROCK, "CreateModelImportJob"),
        ),
        (
            "eks-control-plane-logging-disabled",
            cluster_logging(json!([{"types": ["audit"], "enabled": false}])),
        ),
        (
            "eks-access-entry-cluster-admin-policy",
            associate("AmazonEKSClusterAdminPolicy"),
        ),
        ("eks-access-entry-modified", call(EKS, "CreateAccessEntry")),
        (
            "cloudshell-environment-created",
            call("cloudshell.amazonaws.com", "CreateEnvironment"),
        ),
        (
            "virtual-mfa-registration-with-session-token",
            mfa("CreateVirtualMFADevice", "ASIAEXAMPLESESSION01"),
        ),
        (
            "sensitive-iam-ops-via-cloudshell",
            with_agent(call(IAM, "CreateUser"), CLOUDSHELL_AGENT),
        ),
        (
            "suspicious-user-agent-fingerprint",
            with_agent(call(STS, "GetCallerIdentity"), "TruffleHog"),
        ),
    ];
    for (rule, record) in typical {
        let cases = [
            "IAMUser",
            "AssumedRole",
            "Root",
            "FederatedUser",
            "AWSAccount",
            "AWSService",
        ]
        .into_iter()
        .map(|identity| {
            hit(
                identity,
                with(record.clone(), "userIdentity.type", json!(identity)),
            )
        })
        .collect();
        check(rule, cases);
    }
}

// ----------------------------------------------------------- alert contents

/// Runs `rule` over one record and returns its single alert as JSON.
fn alert_of(rule: &str, record: Value) -> Value {
    let alerts = Harness::new(&rules_dir(), &[rule]).run(&[labelled("e-1", record)]);
    assert_eq!(alerts.len(), 1, "{rule}");
    serde_json::to_value(&alerts[0]).unwrap()
}

fn message(alert: &Value) -> &str {
    alert["message"].as_str().unwrap()
}

#[test]
fn alerts_name_the_caller_and_the_object() {
    let caller = "arn:aws:iam::123456789012:user/alice";

    let alert = alert_of(
        "bedrock-agent-created-by-iam-user-or-root",
        with_params(call(BEDROCK, "CreateAgent"), json!({"agentName": "helper"})),
    );
    assert_eq!(alert["rule"]["id"], "4e2dcdf4-f012-4b67-980b-1551b7149305");
    assert_eq!(alert["rule"]["severity"], "low");
    assert_eq!(alert["rule"]["risk_score"], 21);
    assert_eq!(
        alert["rule"]["threat"],
        json!([{"tactic": "TA0003", "technique": "T1505"}])
    );
    assert_eq!(
        alert["group"],
        json!({"aws.cloudtrail.user_identity.arn": caller})
    );
    assert!(
        alert["fields"].get("event.provider").is_none(),
        "dropped as upstream lists it"
    );
    assert_eq!(
        alert["fields"]["aws.cloudtrail.user_identity.type"],
        "IAMUser"
    );
    assert_eq!(
        message(&alert),
        format!("Bedrock agent helper created by IAMUser {caller}")
    );

    let denied = failed(
        with_params(
            call(BEDROCK, "PutResourcePolicy"),
            json!({"resourceArn": "arn:aws:bedrock:us-east-1:1:custom-model/m"}),
        ),
        "AccessDeniedException",
    );
    let alert = alert_of("bedrock-resource-policy-change-denied", denied);
    assert_eq!(
        alert["fields"]["aws.cloudtrail.error_code"],
        "AccessDeniedException"
    );
    assert!(message(&alert).contains("arn:aws:bedrock:us-east-1:1:custom-model/m"));

    let guardrail = with_params(
        call(BEDROCK, "PutEnforcedGuardrailConfiguration"),
        json!({"guardrailInferenceConfig": {"guardrailIdentifier": "gr-7", "guardrailVersion": "2"}}),
    );
    let alert = alert_of("bedrock-guardrail-deleted-or-weakened", guardrail);
    assert_eq!(
        message(&alert),
        format!("PutEnforcedGuardrailConfiguration on guardrail gr-7 by {caller}")
    );

    let put = with_params(
        call(BEDROCK, "PutModelInvocationLoggingConfiguration"),
        json!({"loggingConfig": {"s3Config": {"bucketName": "elsewhere"}, "textDataDeliveryEnabled": false, "imageDataDeliveryEnabled": true}}),
    );
    let alert = alert_of("bedrock-invocation-logging-disabled-or-modified", put);
    assert_eq!(alert["rule"]["severity"], "high");
    assert_eq!(
        alert["fields"]["aws.cloudtrail.flattened.request_parameters"]["loggingConfig"]["s3Config"]
            ["bucketName"],
        "elsewhere"
    );
    assert!(
        message(&alert).contains("S3 bucket elsewhere"),
        "{}",
        message(&alert)
    );
    assert!(
        message(&alert).contains("text delivery off"),
        "{}",
        message(&alert)
    );
    assert!(!message(&alert).contains("image"), "{}", message(&alert));

    let alert = alert_of(
        "bedrock-model-access-enabled",
        with_params(
            call(BEDROCK, "CreateFoundationModelAgreement"),
            json!({"modelId": "anthropic.claude-v2"}),
        ),
    );
    assert!(
        alert["fields"]
            .get("aws.cloudtrail.user_identity.type")
            .is_none()
    );
    assert!(message(&alert).contains("anthropic.claude-v2"));

    let alert = alert_of(
        "eks-access-entry-cluster-admin-policy",
        associate("AmazonEKSClusterAdminPolicy"),
    );
    assert_eq!(
        alert["rule"]["threat"],
        json!([{"tactic": "TA0004", "technique": "T1098", "subtechnique": "T1098.006"},
               {"tactic": "TA0003", "technique": "T1098", "subtechnique": "T1098.006"}])
    );
    assert!(
        alert["fields"]
            .get("aws.cloudtrail.user_identity.access_key_id")
            .is_none()
    );
    assert_eq!(
        message(&alert),
        format!(
            "AmazonEKSClusterAdminPolicy granted to arn:aws:iam::123456789012:role/ops on EKS cluster prod by {caller}"
        )
    );

    let alert = alert_of(
        "eks-control-plane-logging-disabled",
        cluster_logging(json!([{"types": ["audit"], "enabled": false}])),
    );
    assert_eq!(
        message(&alert),
        format!("Control plane logging disabled on EKS cluster prod by {caller}")
    );

    let alert = alert_of(
        "suspicious-user-agent-fingerprint",
        with_agent(call(STS, "GetCallerIdentity"), "trufflehog/3.63.0"),
    );
    assert_eq!(
        message(&alert),
        format!(
            "GetCallerIdentity on sts.amazonaws.com by {caller} from a TruffleHog client (user agent has trufflehog)"
        )
    );
}

#[test]
fn the_web_identity_alert_reports_the_network_and_groups_by_service_account() {
    let alert = alert_of(
        "sts-web-identity-k8s-sa-external-asn",
        web_identity(POD, Some("Google LLC"), Some(15169)),
    );
    assert_eq!(alert["rule"]["id"], "ae32268b-bfd0-4c35-b002-13461b5830ca");
    assert_eq!(
        alert["group"],
        json!({"user.name": POD}),
        "no ARN in web identity records"
    );
    assert_eq!(alert["fields"]["source.as.organization.name"], "Google LLC");
    assert_eq!(alert["fields"]["source.as.number"], 15169);
    assert_eq!(alert["fields"]["source.geo.country_name"], "Elsewhere");
    assert_eq!(
        alert["fields"]["aws.cloudtrail.resources.type"],
        json!(["AWS::IAM::Role"])
    );
    assert_eq!(
        message(&alert),
        format!(
            "Service account {POD} assumed arn:aws:iam::123456789012:role/app from Google LLC (AS15169) at 203.0.113.9"
        )
    );
}

#[test]
fn the_web_identity_rule_asks_for_as_enrichment() {
    let state = Arc::new(std::sync::Mutex::new(ferrule::state::MemoryStore::new()));
    let rule = ferrule::runtime::Runtime::new(ferrule::runtime::Limits::default(), state)
        .expect("engine")
        .load_file(&rules_dir().join("sts-web-identity-k8s-sa-external-asn.wasm"))
        .expect("loads");
    assert_eq!(
        rule.metadata().needs_enrichment,
        ["source.as.organization.name", "source.as.number"]
    );
}

// --------------------------------------------------------- shared samples

/// The actions each rule can fire on; the fingerprint rule has none.
fn actions_of(slug: &str) -> Option<&'static [&'static str]> {
    Some(match slug {
        "bedrock-agent-created-by-iam-user-or-root" => &["CreateAgent"],
        "bedrock-resource-policy-change-denied" => &["PutResourcePolicy", "DeleteResourcePolicy"],
        "bedrock-automated-reasoning-policy-tampering" => &[
            "DeleteAutomatedReasoningPolicy",
            "UpdateAutomatedReasoningPolicy",
            "UpdateAutomatedReasoningPolicyAnnotations",
        ],
        "bedrock-guardrail-deleted-or-weakened" => &[
            "DeleteGuardrail",
            "UpdateGuardrail",
            "CreateGuardrailVersion",
            "DeleteEnforcedGuardrailConfiguration",
            "PutEnforcedGuardrailConfiguration",
        ],
        "bedrock-invocation-logging-disabled-or-modified" => &[
            "DeleteModelInvocationLoggingConfiguration",
            "PutModelInvocationLoggingConfiguration",
        ],
        "bedrock-provisioned-throughput-tampering" => &[
            "CreateProvisionedModelThroughput",
            "UpdateProvisionedModelThroughput",
            "DeleteProvisionedModelThroughput",
        ],
        "bedrock-model-access-enabled" | "bedrock-model-access-denied" => &[
            "PutFoundationModelEntitlement",
            "PutUseCaseForModelAccess",
            "CreateFoundationModelAgreement",
        ],
        "bedrock-untrusted-model-import-or-marketplace-endpoint" => &[
            "CreateModelImportJob",
            "CreateCustomModelDeployment",
            "CreateMarketplaceModelEndpoint",
            "RegisterMarketplaceModelEndpoint",
        ],
        "sts-web-identity-k8s-sa-external-asn" => &["AssumeRoleWithWebIdentity"],
        "eks-control-plane-logging-disabled" => &["UpdateClusterConfig"],
        "eks-access-entry-cluster-admin-policy" => &["AssociateAccessPolicy"],
        "eks-access-entry-modified" => &[
            "CreateAccessEntry",
            "AssociateAccessPolicy",
            "UpdateAccessEntry",
            "DisassociateAccessPolicy",
            "DeleteAccessEntry",
        ],
        "cloudshell-environment-created" => &["CreateEnvironment"],
        "virtual-mfa-registration-with-session-token" => {
            &["CreateVirtualMFADevice", "EnableMFADevice"]
        }
        "sensitive-iam-ops-via-cloudshell" => &[
            "CreateAccessKey",
            "CreateUser",
            "AttachUserPolicy",
            "PutUserPolicy",
            "CreateRole",
            "AttachRolePolicy",
            "PutRolePolicy",
            "CreateInstanceProfile",
            "AddRoleToInstanceProfile",
        ],
        "suspicious-user-agent-fingerprint" => return None,
        other => panic!("unknown rule {other}"),
    })
}

/// The samples that must alert: (file below `cloudtrail/`, line, rule, the
/// sample's `eventID` when it has one).
///
/// Why each, and why nothing else:
///
/// - the Panther Bedrock samples are a successful `UpdateGuardrail`,
///   `DeleteGuardrail` and `DeleteModelInvocationLoggingConfiguration`;
/// - the Stratus Red Team Bedrock detonation enables model access with all
///   three calls (entitlement, use case, agreement), each successful;
/// - the Panther TruffleHog samples make two `GetCallerIdentity` calls and an
///   `AssumeRole` with TruffleHog user agents (their third line is a plain
///   aws-cli call), and carry no `eventID`;
/// - the MFA samples (`CreateVirtualMFADevice`, `EnableMFADevice`) use
///   placeholder or long-term keys, never `ASIA...`;
/// - the only CloudShell user agents are on EC2 calls, not IAM ones;
/// - the single `AssumeRoleWithWebIdentity` sample is a Google web identity
///   without AS data, and no sample calls EKS, CloudShell's
///   `CreateEnvironment` or the other Bedrock actions.
const EXPECTED_SAMPLE_ALERTS: &[(&str, u64, &str, Option<&str>)] = &[
    (
        "panther-analysis/aws_bedrock_deletemodelinvocationloggingconfiguration.ndjson",
        1,
        "bedrock-invocation-logging-disabled-or-modified",
        Some("28773860-a4fd-47c7-a215-6f0e6e6e532f"),
    ),
    (
        "panther-analysis/aws_bedrock_guardrail_update_delete.ndjson",
        1,
        "bedrock-guardrail-deleted-or-weakened",
        Some("4d482238-d0c5-4337-800f-d1ed79957fd4"),
    ),
    (
        "panther-analysis/aws_bedrock_guardrail_update_delete.ndjson",
        2,
        "bedrock-guardrail-deleted-or-weakened",
        Some("3105145b-d0ca-41ab-a0fd-73f4f31ccbd1"),
    ),
    (
        "panther-analysis/aws_sts_getcalleridentity_trufflehog.ndjson",
        1,
        "suspicious-user-agent-fingerprint",
        None,
    ),
    (
        "panther-analysis/aws_sts_getcalleridentity_trufflehog.ndjson",
        2,
        "suspicious-user-agent-fingerprint",
        None,
    ),
    (
        "panther-analysis/aws_sts_getcalleridentity_trufflehog.ndjson",
        4,
        "suspicious-user-agent-fingerprint",
        None,
    ),
    (
        "stratus-red-team/aws.impact.bedrock-invoke-model.ndjson",
        1,
        "bedrock-model-access-enabled",
        Some("4031b2d2-5e47-4d71-9eda-4f22702c45f3"),
    ),
    (
        "stratus-red-team/aws.impact.bedrock-invoke-model.ndjson",
        2,
        "bedrock-model-access-enabled",
        Some("8452e2fb-1252-460b-8f58-d3f5333c2630"),
    ),
    (
        "stratus-red-team/aws.impact.bedrock-invoke-model.ndjson",
        10,
        "bedrock-model-access-enabled",
        Some("db9c43df-ae6f-4db3-8298-f5f779f74f4d"),
    ),
];

#[test]
fn shared_samples_alert_exactly_where_expected() {
    let Some(testdata) = shared_testdata() else {
        return;
    };
    let root = testdata.join("cloudtrail");
    let mut harness = Harness::new(&rules_dir(), RULES);

    // Each sample goes through alone, so every alert is tied to its line.
    let mut got: Vec<(String, u64, String, String)> = Vec::new();
    let (samples, rejected) = read_samples(&root);
    let events = samples.len();
    for event in samples {
        let name = event.position().source.to_string();
        let line_no = event.position().line;
        {
            let before = harness.sink.0.lock().unwrap().len();
            harness.pipeline.process(vec![event.clone()]).unwrap();
            let alerts = harness.sink.0.lock().unwrap()[before..].to_vec();
            for alert in alerts {
                assert_eq!(alert.evidence, [event.id()], "{name}:{line_no}");
                // No rule fires on an action outside its list.
                if let Some(actions) = actions_of(&alert.rule.slug) {
                    let action = event.text("event.action").unwrap_or_default();
                    assert!(
                        actions.contains(&action),
                        "{} fired on {action} at {name}:{line_no}",
                        alert.rule.slug
                    );
                }
                got.push((
                    name.clone(),
                    line_no,
                    alert.rule.slug.clone(),
                    event.id().to_owned(),
                ));
            }
        }
    }
    harness.pipeline.finish().unwrap();
    eprintln!(
        "{events} sample events, {rejected} records that do not normalize, {} alerts",
        got.len()
    );
    assert!(events > 700, "the samples were read ({events} events)");

    let got_keys: Vec<(String, u64, String)> = got
        .iter()
        .map(|(f, l, s, _)| (f.clone(), *l, s.clone()))
        .collect();
    let want_keys: Vec<(String, u64, String)> = EXPECTED_SAMPLE_ALERTS
        .iter()
        .map(|(f, l, s, _)| ((*f).to_owned(), *l, (*s).to_owned()))
        .collect();
    assert_eq!(got_keys, want_keys);
    // Samples with an `eventID` are named by it; the others by the id the
    // host gives them, which the evidence check above already compared.
    for ((_, _, _, id), (file, line, _, want_id)) in got.iter().zip(EXPECTED_SAMPLE_ALERTS) {
        if let Some(want_id) = want_id {
            assert_eq!(id, want_id, "{file}:{line}");
        }
    }

    // Every rule was given a chance: count alerts per rule for the log.
    let mut per_rule: BTreeMap<&str, usize> = RULES.iter().map(|r| (*r, 0)).collect();
    for (_, _, slug, _) in &got {
        *per_rule.get_mut(slug.as_str()).unwrap() += 1;
    }
    eprintln!("alerts per rule: {per_rule:?}");
}
