//! The CloudTrail, CloudShell, IAM and user-agent rules on hand-written raw
//! CloudTrail records: records ferrule's rule alerts on must match, near
//! misses it lets pass must not.

mod support;

use serde_json::json;

use support::{assert_cases, call, denied, with};

const KALI_CLI: &str = "aws-cli/2.17.4 md/awscrt#0.20.11 ua/2.0 os/linux#6.8.0 md/arch#x86_64 \
    lang/python#3.11.8 md/pyimpl#CPython md/installer#exe md/distrib#kali.2024 md/prompt#off";
const CLOUDSHELL_CLI: &str = "aws-cli/2.17.4 md/awscrt#0.20.11 ua/2.0 os/linux#6.1.109 \
    md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython exec-env/CloudShell md/installer#exe";

#[test]
fn cloudshell_environment_created() {
    let created = call("cloudshell.amazonaws.com", "CreateEnvironment");
    assert_cases(
        "cloudshell-environment-created",
        &[
            ("a new environment", created.clone()),
            (
                "an empty error code, which is no error",
                with(created.clone(), "/errorCode", json!("")),
            ),
        ],
        &[
            (
                "a session in an existing environment",
                call("cloudshell.amazonaws.com", "CreateSession"),
            ),
            ("a denied creation", denied(created)),
        ],
    );
}

#[test]
fn cloudtrail_stop_logging() {
    let stop = call("cloudtrail.amazonaws.com", "StopLogging");
    assert_cases(
        "cloudtrail-stop-logging",
        &[("a stop", stop.clone())],
        &[
            ("a start", call("cloudtrail.amazonaws.com", "StartLogging")),
            ("a denied stop", denied(stop)),
        ],
    );
}

#[test]
fn cloudtrail_trail_created() {
    let create = call("cloudtrail.amazonaws.com", "CreateTrail");
    assert_cases(
        "cloudtrail-trail-created",
        &[("a new trail", create.clone())],
        &[
            (
                "a trail that exists already",
                with(create, "/errorCode", json!("TrailAlreadyExistsException")),
            ),
            (
                "a listing",
                call("cloudtrail.amazonaws.com", "DescribeTrails"),
            ),
        ],
    );
}

#[test]
fn cloudtrail_trail_deleted() {
    let delete = call("cloudtrail.amazonaws.com", "DeleteTrail");
    assert_cases(
        "cloudtrail-trail-deleted",
        &[
            ("a deletion", delete.clone()),
            (
                "an error code of '-', which is no error",
                with(delete.clone(), "/errorCode", json!("-")),
            ),
        ],
        &[
            (
                "a missing trail",
                with(
                    delete.clone(),
                    "/errorCode",
                    json!("TrailNotFoundException"),
                ),
            ),
            (
                "the action in another case",
                with(delete, "/eventName", json!("deletetrail")),
            ),
        ],
    );
}

#[test]
fn cloudtrail_trail_updated() {
    let update = call("cloudtrail.amazonaws.com", "UpdateTrail");
    assert_cases(
        "cloudtrail-trail-updated",
        &[("an update", update.clone())],
        &[
            (
                "an update failed with only an error message",
                with(update, "/errorMessage", json!("Trail not found")),
            ),
            (
                "a status read",
                call("cloudtrail.amazonaws.com", "GetTrailStatus"),
            ),
        ],
    );
}

#[test]
fn iam_mfa_device_deactivated() {
    let deactivate = call("iam.amazonaws.com", "DeactivateMFADevice");
    assert_cases(
        "iam-mfa-device-deactivated",
        &[("a deactivation", deactivate.clone())],
        &[
            (
                "a deletion of a virtual device",
                call("iam.amazonaws.com", "DeleteVirtualMFADevice"),
            ),
            ("a denied deactivation", denied(deactivate)),
        ],
    );
}

#[test]
fn sensitive_iam_ops_via_cloudshell() {
    let from_cloudshell = |name| {
        with(
            call("iam.amazonaws.com", name),
            "/userAgent",
            json!(CLOUDSHELL_CLI),
        )
    };
    assert_cases(
        "sensitive-iam-ops-via-cloudshell",
        &[
            ("a new access key", from_cloudshell("CreateAccessKey")),
            ("a role policy", from_cloudshell("PutRolePolicy")),
        ],
        &[
            (
                "the same call from a laptop",
                call("iam.amazonaws.com", "CreateAccessKey"),
            ),
            ("a listing from CloudShell", from_cloudshell("ListUsers")),
            (
                "the marker in another case",
                with(
                    call("iam.amazonaws.com", "CreateUser"),
                    "/userAgent",
                    json!(CLOUDSHELL_CLI.replace("CloudShell", "cloudshell")),
                ),
            ),
            ("a denied call", denied(from_cloudshell("CreateUser"))),
        ],
    );
}

#[test]
fn suspicious_user_agent_fingerprint() {
    let kali = with(
        call("sts.amazonaws.com", "GetCallerIdentity"),
        "/userAgent",
        json!(KALI_CLI),
    );
    let console_login = |outcome: &str| {
        let record = call("signin.amazonaws.com", "ConsoleLogin");
        let record = with(
            record,
            "/userAgent",
            json!("Mozilla/5.0 (X11; Linux x86_64) kali-amd64"),
        );
        with(
            record,
            "/responseElements",
            json!({"ConsoleLogin": outcome}),
        )
    };
    assert_cases(
        "suspicious-user-agent-fingerprint",
        &[
            ("a Kali AWS CLI", kali.clone()),
            (
                "TruffleHog",
                with(
                    call("sts.amazonaws.com", "GetCallerIdentity"),
                    "/userAgent",
                    json!("TruffleHog"),
                ),
            ),
            ("a successful console sign-in", console_login("Success")),
            (
                "a console sign-in that succeeded despite an error message",
                with(console_login("Success"), "/errorMessage", json!("No MFA")),
            ),
        ],
        &[
            ("a denied call", denied(kali.clone())),
            (
                "a failed console sign-in without error fields",
                console_login("Failure"),
            ),
            (
                "the fingerprint in another case",
                with(kali, "/userAgent", json!(KALI_CLI.replace("kali", "Kali"))),
            ),
            (
                "a plain AWS CLI",
                call("sts.amazonaws.com", "GetCallerIdentity"),
            ),
        ],
    );
}

#[test]
fn virtual_mfa_registration_with_session_token() {
    let create = with(
        call("iam.amazonaws.com", "CreateVirtualMFADevice"),
        "/userIdentity/accessKeyId",
        json!("ASIA4EXAMPLEALICE001"),
    );
    assert_cases(
        "virtual-mfa-registration-with-session-token",
        &[
            ("a temporary key from the CLI", create.clone()),
            (
                "a console flag that says no",
                with(
                    create.clone(),
                    "/sessionCredentialFromConsole",
                    json!("false"),
                ),
            ),
        ],
        &[
            (
                "a console session",
                with(
                    create.clone(),
                    "/sessionCredentialFromConsole",
                    json!("true"),
                ),
            ),
            (
                "a long-term key",
                call("iam.amazonaws.com", "EnableMFADevice"),
            ),
            ("a denied call", denied(create)),
        ],
    );
}
