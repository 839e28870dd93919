//! What is called: one API call as CloudTrail records it, minus who called
//! and when.
//!
//! A [`Call`] holds the service, the event name and the call-specific parts
//! of a record: request parameters, response elements, additional event
//! data, resources, an error. Builders for the calls the corpus makes live in
//! the submodules, one per family of services; routine traffic and attacks
//! share them, so an attack's `StopLogging` looks like any other.
//!
//! Parameters follow the shapes AWS records (S3's `bucketName` and `Host`,
//! EC2's `instancesSet.items`, IAM's `userName`, Bedrock's `modelId`, ...)
//! because the rules read them after the ECS mapping: the EKS logging rule
//! reads `logging.clusterLogging[].enabled`, the SSM rule `documentName` and
//! `command.commandId`, the EC2 user-data rule `instanceId` and `userData`.

pub(crate) mod bedrock;
pub(crate) mod compute;
pub(crate) mod control;
pub(crate) mod storage;

use crate::dice::Dice;
use crate::estate::Account;
use crate::json::Json;

/// An AWS service as CloudTrail names it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Service {
    /// `eventSource`, e.g. `s3.amazonaws.com`.
    pub source: &'static str,
    /// Prefix of its IAM actions, e.g. `s3`.
    action_prefix: &'static str,
    /// First label of its endpoint host, e.g. `s3`, `bedrock-runtime`.
    endpoint: &'static str,
    /// Global services are called in `us-east-1` on a region-less host.
    global: bool,
    /// The error code it records for a denied call.
    denied_code: &'static str,
}

const fn service(source: &'static str, action_prefix: &'static str) -> Service {
    Service {
        source,
        action_prefix,
        endpoint: action_prefix,
        global: false,
        denied_code: "AccessDenied",
    }
}

impl Service {
    const fn denied_as(self, denied_code: &'static str) -> Service {
        Service {
            denied_code,
            ..self
        }
    }

    const fn global(self) -> Service {
        Service {
            global: true,
            ..self
        }
    }

    const fn endpoint(self, endpoint: &'static str) -> Service {
        Service { endpoint, ..self }
    }
}

pub(crate) const S3: Service = service("s3.amazonaws.com", "s3");
pub(crate) const STS: Service = service("sts.amazonaws.com", "sts");
pub(crate) const EC2: Service =
    service("ec2.amazonaws.com", "ec2").denied_as("Client.UnauthorizedOperation");
pub(crate) const IAM: Service = service("iam.amazonaws.com", "iam").global();
pub(crate) const KMS: Service = service("kms.amazonaws.com", "kms");
pub(crate) const LAMBDA: Service = service("lambda.amazonaws.com", "lambda");
pub(crate) const CLOUDWATCH: Service =
    service("monitoring.amazonaws.com", "cloudwatch").endpoint("monitoring");
pub(crate) const LOGS: Service =
    service("logs.amazonaws.com", "logs").denied_as("AccessDeniedException");
pub(crate) const DYNAMODB: Service =
    service("dynamodb.amazonaws.com", "dynamodb").denied_as("AccessDeniedException");
pub(crate) const BEDROCK: Service =
    service("bedrock.amazonaws.com", "bedrock").denied_as("AccessDeniedException");
pub(crate) const SSM: Service =
    service("ssm.amazonaws.com", "ssm").denied_as("AccessDeniedException");
pub(crate) const EKS: Service =
    service("eks.amazonaws.com", "eks").denied_as("AccessDeniedException");
pub(crate) const CLOUDTRAIL: Service = service("cloudtrail.amazonaws.com", "cloudtrail");
pub(crate) const SECRETS_MANAGER: Service =
    service("secretsmanager.amazonaws.com", "secretsmanager");
pub(crate) const ECR: Service = service("ecr.amazonaws.com", "ecr").endpoint("api.ecr");
pub(crate) const CLOUDSHELL: Service =
    service("cloudshell.amazonaws.com", "cloudshell").denied_as("AccessDeniedException");
pub(crate) const SIGNIN: Service = service("signin.amazonaws.com", "signin").global();
pub(crate) const ORGANIZATIONS: Service =
    service("organizations.amazonaws.com", "organizations").global();

/// Event name prefixes of calls CloudTrail marks `readOnly: true`.
const READ_ONLY_PREFIXES: [&str; 14] = [
    "Get",
    "List",
    "Describe",
    "Head",
    "Lookup",
    "BatchGet",
    "Query",
    "Scan",
    "Decrypt",
    "GenerateDataKey",
    "InvokeModel",
    "Converse",
    "AssumeRole",
    "Search",
];

/// One API call, without its caller and time.
#[derive(Clone, Debug)]
pub(crate) struct Call {
    pub service: Service,
    /// `eventName`.
    pub name: &'static str,
    pub read_only: bool,
    /// A data event (S3 objects, DynamoDB items) rather than a management
    /// event.
    pub data_event: bool,
    /// `eventType`: `AwsApiCall` unless set otherwise.
    pub event_type: &'static str,
    pub request: Json,
    pub response: Json,
    /// `additionalEventData`, when present.
    pub additional: Option<Json>,
    /// `resources[]`, when present.
    pub resources: Vec<Json>,
    /// `errorCode` and `errorMessage` of a failed call.
    pub error: Option<(String, String)>,
    /// `tlsDetails.clientProvidedHostHeader`, when it is not the service's
    /// regional endpoint.
    pub host: Option<String>,
}

impl Call {
    /// A successful call with no parameters and no response.
    pub(crate) fn new(service: Service, name: &'static str) -> Call {
        Call {
            service,
            name,
            read_only: READ_ONLY_PREFIXES.iter().any(|p| name.starts_with(p)),
            data_event: false,
            event_type: "AwsApiCall",
            request: Json::Null,
            response: Json::Null,
            additional: None,
            resources: Vec::new(),
            error: None,
            host: None,
        }
    }

    pub(crate) fn request(self, request: Json) -> Call {
        Call { request, ..self }
    }

    pub(crate) fn response(self, response: Json) -> Call {
        Call { response, ..self }
    }

    pub(crate) fn additional(self, additional: Json) -> Call {
        Call {
            additional: Some(additional),
            ..self
        }
    }

    /// Adds a `resources[]` entry.
    pub(crate) fn resource(mut self, kind: &str, arn: String, account: Option<&str>) -> Call {
        let mut entry = Vec::with_capacity(3);
        if let Some(account) = account {
            entry.push(("accountId", Json::from(account)));
        }
        entry.push(("type", Json::from(kind)));
        entry.push(("ARN", Json::from(arn)));
        self.resources.push(Json::Object(entry));
        self
    }

    /// Marks the call as a data event.
    pub(crate) fn data(self) -> Call {
        Call {
            data_event: true,
            ..self
        }
    }

    pub(crate) fn read_only(self, read_only: bool) -> Call {
        Call { read_only, ..self }
    }

    pub(crate) fn event_type(self, event_type: &'static str) -> Call {
        Call { event_type, ..self }
    }

    pub(crate) fn host(self, host: String) -> Call {
        Call {
            host: Some(host),
            ..self
        }
    }

    /// The call failed with `code` and `message`; failed calls have no
    /// response.
    pub(crate) fn failed(self, code: &str, message: String) -> Call {
        Call {
            error: Some((code.to_owned(), message)),
            response: Json::Null,
            ..self
        }
    }

    /// The call was refused to `caller_arn` for lack of permission, with the
    /// error code and message the service records.
    pub(crate) fn denied(self, caller_arn: &str) -> Call {
        let action = format!("{}:{}", self.service.action_prefix, self.plain_name());
        let message = match self.service.denied_code {
            "Client.UnauthorizedOperation" => format!(
                "You are not authorized to perform this operation. User: {caller_arn} is not \
                 authorized to perform: {action} because no identity-based policy allows the \
                 {action} action"
            ),
            _ if self.service.source == S3.source => "Access Denied".to_owned(),
            _ => format!(
                "User: {caller_arn} is not authorized to perform: {action} because no \
                 identity-based policy allows the {action} action"
            ),
        };
        let code = self.service.denied_code;
        self.failed(code, message)
    }

    /// The call was throttled.
    pub(crate) fn throttled(self) -> Call {
        self.failed("ThrottlingException", "Rate exceeded".to_owned())
    }

    /// The event name without an API version suffix
    /// (`ListFunctions20150331` is `ListFunctions`).
    fn plain_name(&self) -> &'static str {
        self.name
            .trim_end_matches(|c: char| c.is_ascii_digit() || c == 'v')
    }

    /// The region the call is recorded in, when made from `region`.
    pub(crate) fn region(&self, region: &'static str) -> &'static str {
        if self.service.global {
            "us-east-1"
        } else {
            region
        }
    }

    /// The endpoint host the client named.
    pub(crate) fn endpoint_host(&self, region: &str) -> String {
        match &self.host {
            Some(host) => host.clone(),
            None if self.service.global => format!("{}.amazonaws.com", self.service.endpoint),
            None => format!("{}.{region}.amazonaws.com", self.service.endpoint),
        }
    }
}

/// What a call builder may draw on: the caller's account and region, the
/// time, and randomness.
pub(crate) struct Ctx<'a> {
    pub dice: &'a mut Dice,
    pub account: &'a Account,
    pub region: &'static str,
    pub at: i64,
}

impl<'a> Ctx<'a> {
    /// One of `items`.
    pub(crate) fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        self.dice.pick(items).clone()
    }

    pub(crate) fn bucket(&mut self) -> String {
        self.pick(&self.account.buckets)
    }

    pub(crate) fn instance(&mut self) -> String {
        self.pick(&self.account.instances)
    }

    /// A KMS key of the account, as an ARN in the caller's region.
    pub(crate) fn key_arn(&mut self) -> String {
        let key = self.pick(&self.account.keys);
        self.account.key_arn(self.region, &key)
    }

    /// A request id in the style of the service: S3 uses sixteen upper-case
    /// hex digits, the others a UUID.
    pub(crate) fn uuid(&mut self) -> String {
        self.dice.uuid()
    }
}

/// A builder of one kind of call.
pub(crate) type CallFn = fn(&mut Ctx<'_>) -> Call;
