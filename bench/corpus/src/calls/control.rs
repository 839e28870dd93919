//! Calls about who may do what and what is recorded: IAM, STS, console
//! sign-in, Organizations, CloudTrail and CloudShell.

use super::{CLOUDSHELL, CLOUDTRAIL, Call, Ctx, IAM, ORGANIZATIONS, SIGNIN, STS};
use crate::clock::{self, HOUR};
use crate::json::{Json, object};

/// How CloudTrail writes the session token of issued credentials.
const HIDDEN: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";

/// `GetCallerIdentity`.
pub(crate) fn get_caller_identity(_: &mut Ctx<'_>) -> Call {
    Call::new(STS, "GetCallerIdentity")
}

/// The `credentials` response element of calls that issue temporary keys.
fn credentials(ctx: &Ctx<'_>, key: &str, lifetime: i64) -> Json {
    object! {
        "accessKeyId" => key,
        "sessionToken" => HIDDEN,
        "expiration" => clock::java_date(ctx.at + lifetime),
    }
}

/// A role session being issued: `AssumeRole` for a service-hosted role, or
/// `AssumeRoleWithWebIdentity` when `web_identity` holds the token's
/// provider ARN, subject and audience.
pub(crate) struct RoleSession<'a> {
    pub role_arn: &'a str,
    pub role_id: &'a str,
    pub session_name: &'a str,
    pub session_arn: &'a str,
    pub key: &'a str,
    pub lifetime: i64,
    pub web_identity: Option<(&'a str, &'a str, &'a str)>,
}

/// The call that issues a role session.
pub(crate) fn issue_role_session(ctx: &mut Ctx<'_>, session: &RoleSession<'_>) -> Call {
    let duration = session.lifetime / clock::SECOND;
    let request = object! {
        "roleArn" => session.role_arn,
        "roleSessionName" => session.session_name,
        "durationSeconds" => duration,
    };
    let issued = [
        (
            "credentials",
            credentials(ctx, session.key, session.lifetime),
        ),
        (
            "assumedRoleUser",
            object! {
                "assumedRoleId" => format!("{}:{}", session.role_id, session.session_name),
                "arn" => session.session_arn,
            },
        ),
    ];
    let account = ctx.account.id.as_str();
    match session.web_identity {
        None => Call::new(STS, "AssumeRole")
            .request(request)
            .response(Json::Object(issued.to_vec()))
            .resource("AWS::IAM::Role", session.role_arn.to_owned(), Some(account)),
        Some((provider, subject, audience)) => {
            let mut response = vec![
                ("subjectFromWebIdentityToken", Json::from(subject)),
                ("audience", Json::from(audience)),
                ("provider", Json::from(provider)),
            ];
            response.extend(issued);
            Call::new(STS, "AssumeRoleWithWebIdentity")
                .request(request)
                .response(Json::Object(response))
                .resource("AWS::IAM::Role", session.role_arn.to_owned(), Some(account))
                .resource("AWS::IAM::OidcProvider", provider.to_owned(), Some(account))
        }
    }
}

/// `GetSessionToken`, issuing `key` to an IAM user.
pub(crate) fn get_session_token(ctx: &mut Ctx<'_>, key: &str) -> Call {
    Call::new(STS, "GetSessionToken")
        .request(object! {"durationSeconds" => 43_200i64})
        .response(object! {"credentials" => credentials(ctx, key, 12 * HOUR)})
}

/// `GetFederationToken` issuing `key` to the federated user `name`.
pub(crate) fn get_federation_token(ctx: &mut Ctx<'_>, name: &str, key: &str) -> Call {
    let id = ctx.account.id.clone();
    Call::new(STS, "GetFederationToken")
        .request(object! {
            "name" => name,
            "durationSeconds" => 43_200i64,
            "policyArns" => vec![object! {"arn" => format!("arn:aws:iam::{id}:policy/{name}-read")}],
        })
        .response(object! {
            "credentials" => credentials(ctx, key, 12 * HOUR),
            "federatedUser" => object! {
                "federatedUserId" => format!("{id}:{name}"),
                "arn" => format!("arn:aws:sts::{id}:federated-user/{name}"),
            },
            "packedPolicySize" => 9i64,
        })
        .read_only(true)
}

/// A successful console sign-in.
pub(crate) fn console_login(_: &mut Ctx<'_>) -> Call {
    Call::new(SIGNIN, "ConsoleLogin")
        .event_type("AwsConsoleSignIn")
        .response(object! {"ConsoleLogin" => "Success"})
        .additional(object! {
            "LoginTo" => "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1",
            "MobileVersion" => "No",
            "MFAUsed" => "Yes",
        })
}

/// An IAM read of roles, users or policies, as consoles, Terraform and
/// Config make them.
pub(crate) fn iam_read(ctx: &mut Ctx<'_>) -> Call {
    let id = ctx.account.id.clone();
    let role = format!(
        "{}-ec2",
        ctx.pick(&["orders-api", "web-frontend", "batch-worker"])
    );
    let policy = format!("arn:aws:iam::{id}:policy/{role}-access");
    match ctx.dice.below(6) {
        0 => Call::new(IAM, "ListRoles").request(object! {"maxItems" => 1000i64}),
        1 => Call::new(IAM, "GetRole").request(object! {"roleName" => role}),
        2 => Call::new(IAM, "ListAttachedRolePolicies").request(object! {"roleName" => role}),
        3 => Call::new(IAM, "GetPolicy").request(object! {"policyArn" => policy}),
        4 => Call::new(IAM, "GetPolicyVersion")
            .request(object! {"policyArn" => policy, "versionId" => "v3"}),
        _ => Call::new(IAM, "ListPolicies").request(object! {
            "scope" => "Local",
            "onlyAttached" => false,
            "maxItems" => 100i64,
        }),
    }
}

/// A deployment's change to a role: tags or an inline policy.
pub(crate) fn iam_role_change(ctx: &mut Ctx<'_>) -> Call {
    let role = format!(
        "{}-ec2",
        ctx.pick(&["orders-api", "web-frontend", "batch-worker"])
    );
    if ctx.dice.chance(500) {
        Call::new(IAM, "TagRole").request(object! {
            "roleName" => role,
            "tags" => vec![object! {"key" => "managed-by", "value" => "terraform"}],
        })
    } else {
        Call::new(IAM, "PutRolePolicy").request(object! {
            "roleName" => role,
            "policyName" => "runtime-access",
            "policyDocument" => "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],\"Resource\":\"*\"}]}",
        })
    }
}

/// An IAM call about one user: `name` with `userName`.
pub(crate) fn user_call(name: &'static str, user: &str) -> Call {
    Call::new(IAM, name).request(object! {"userName" => user})
}

/// `CreateUser`.
pub(crate) fn create_user(ctx: &mut Ctx<'_>, user: &str) -> Call {
    let id = ctx.account.id.clone();
    let user_id = ctx.dice.aws_id("AIDA");
    user_call("CreateUser", user).response(object! {"user" => object! {
        "path" => "/",
        "userName" => user,
        "userId" => user_id,
        "arn" => format!("arn:aws:iam::{id}:user/{user}"),
        "createDate" => clock::java_date(ctx.at),
    }})
}

/// `CreateAccessKey` for `user`.
pub(crate) fn create_access_key(ctx: &mut Ctx<'_>, user: &str) -> Call {
    let key = ctx.dice.aws_id("AKIA");
    user_call("CreateAccessKey", user).response(object! {"accessKey" => object! {
        "userName" => user,
        "accessKeyId" => key,
        "status" => "Active",
        "createDate" => clock::java_date(ctx.at),
    }})
}

/// `AttachUserPolicy` of an AWS managed policy.
pub(crate) fn attach_user_policy(user: &str, policy: &str) -> Call {
    Call::new(IAM, "AttachUserPolicy").request(object! {
        "userName" => user,
        "policyArn" => format!("arn:aws:iam::aws:policy/{policy}"),
    })
}

/// The ARN of a virtual MFA device.
pub(crate) fn mfa_arn(ctx: &Ctx<'_>, device: &str) -> String {
    format!("arn:aws:iam::{}:mfa/{device}", ctx.account.id)
}

/// `CreateVirtualMFADevice`.
pub(crate) fn create_virtual_mfa_device(ctx: &mut Ctx<'_>, device: &str) -> Call {
    let serial = mfa_arn(ctx, device);
    Call::new(IAM, "CreateVirtualMFADevice")
        .request(object! {"virtualMFADeviceName" => device, "path" => "/"})
        .response(object! {"virtualMFADevice" => object! {"serialNumber" => serial}})
}

/// An MFA call naming the user and the device's serial number
/// (`EnableMFADevice`, `DeactivateMFADevice`).
pub(crate) fn mfa_device_call(ctx: &Ctx<'_>, name: &'static str, user: &str, device: &str) -> Call {
    Call::new(IAM, name)
        .request(object! {"userName" => user, "serialNumber" => mfa_arn(ctx, device)})
}

/// A call without parameters (`ListUsers`, `GetAccountSummary`, ...).
pub(crate) fn iam_plain(name: &'static str) -> Call {
    Call::new(IAM, name)
}

/// An Organizations read without parameters.
pub(crate) fn organizations_read(name: &'static str) -> Call {
    Call::new(ORGANIZATIONS, name)
}

/// A CloudTrail read: the console's event history, or trail status.
pub(crate) fn cloudtrail_read(ctx: &mut Ctx<'_>) -> Call {
    let trail = ctx.account.trail_arn();
    match ctx.dice.below(3) {
        0 => Call::new(CLOUDTRAIL, "LookupEvents").request(object! {
            "maxResults" => 50i64,
            "lookupAttributes" => vec![object! {"attributeKey" => "ReadOnly", "attributeValue" => "false"}],
        }),
        1 => describe_trails(),
        _ => Call::new(CLOUDTRAIL, "GetTrailStatus").request(object! {"name" => trail}),
    }
}

/// `DescribeTrails`.
pub(crate) fn describe_trails() -> Call {
    Call::new(CLOUDTRAIL, "DescribeTrails")
        .request(object! {"trailNameList" => Json::List(Vec::new()), "includeShadowTrails" => true})
}

/// A trail call that names the trail: `StopLogging`, `DeleteTrail`.
pub(crate) fn trail_call(name: &'static str, trail_arn: &str) -> Call {
    Call::new(CLOUDTRAIL, name).request(object! {"name" => trail_arn})
}

/// The trail settings CloudTrail returns from `CreateTrail` and
/// `UpdateTrail`.
fn trail_settings(name: &str, bucket: &str, trail_arn: &str, everywhere: bool) -> Json {
    object! {
        "name" => name,
        "s3BucketName" => bucket,
        "includeGlobalServiceEvents" => everywhere,
        "isMultiRegionTrail" => everywhere,
        "trailARN" => trail_arn,
        "logFileValidationEnabled" => false,
        "isOrganizationTrail" => false,
    }
}

/// `UpdateTrail` sending the trail to `bucket`, for one region only.
pub(crate) fn redirect_trail(ctx: &Ctx<'_>, bucket: &str) -> Call {
    let account = ctx.account;
    let arn = account.trail_arn();
    Call::new(CLOUDTRAIL, "UpdateTrail")
        .request(object! {
            "name" => arn.as_str(),
            "s3BucketName" => bucket,
            "includeGlobalServiceEvents" => false,
            "isMultiRegionTrail" => false,
        })
        .response(trail_settings(&account.trail, bucket, &arn, false))
}

/// `CreateTrail` named `name`, delivering to `bucket`.
pub(crate) fn create_trail(ctx: &Ctx<'_>, name: &str, bucket: &str) -> Call {
    let arn = format!(
        "arn:aws:cloudtrail:{}:{}:trail/{name}",
        ctx.region, ctx.account.id
    );
    Call::new(CLOUDTRAIL, "CreateTrail")
        .request(object! {
            "name" => name,
            "s3BucketName" => bucket,
            "includeGlobalServiceEvents" => true,
            "isMultiRegionTrail" => true,
        })
        .response(trail_settings(name, bucket, &arn, true))
}

/// A CloudShell call on environment `environment`.
pub(crate) fn cloudshell_call(name: &'static str, environment: &str) -> Call {
    let call = Call::new(CLOUDSHELL, name);
    match name {
        "CreateEnvironment" => call.response(object! {
            "EnvironmentId" => environment,
            "Status" => "CREATING",
        }),
        _ => call.request(object! {"EnvironmentId" => environment}),
    }
}
