//! ECS field names used across rules, and the standard set of CloudTrail
//! fields single-event alerts carry for the responder.

/// The fields the catalog calls the "standard CloudTrail set": what a
/// responder looks at first on a CloudTrail alert. Absent fields are skipped.
pub const STANDARD_CLOUDTRAIL: &[&str] = &[
    "user.name",
    "user_agent.original",
    "source.ip",
    "source.address",
    USER_ARN,
    USER_TYPE,
    ACCESS_KEY_ID,
    "event.action",
    "event.provider",
    "event.outcome",
    "cloud.account.id",
    "cloud.region",
    "aws.cloudtrail.request_parameters",
    "aws.cloudtrail.response_elements",
];

/// `aws.cloudtrail.user_identity.arn`: the calling principal.
pub const USER_ARN: &str = "aws.cloudtrail.user_identity.arn";
/// `aws.cloudtrail.user_identity.type`: `IAMUser`, `AssumedRole`, `Root`, ...
pub const USER_TYPE: &str = "aws.cloudtrail.user_identity.type";
/// `aws.cloudtrail.user_identity.access_key_id`.
pub const ACCESS_KEY_ID: &str = "aws.cloudtrail.user_identity.access_key_id";
/// The data set of raw CloudTrail records.
pub const CLOUDTRAIL: &str = "aws.cloudtrail";

/// An [`Interest`](crate::Interest) in successful or failed calls of some
/// actions of one AWS service, as CloudTrail records them:
/// `cloudtrail_interest!("cloudtrail.amazonaws.com", ["StopLogging"])`.
///
/// It filters on `event.provider` and `event.action`, so the host calls the
/// rule only for those calls.
#[macro_export]
macro_rules! cloudtrail_interest {
    ($provider:literal, [$($action:literal),+ $(,)?]) => {
        $crate::Interest {
            datasets: &[$crate::fields::CLOUDTRAIL],
            filters: &[
                $crate::Filter { field: "event.provider", any_of: &[$provider] },
                $crate::Filter { field: "event.action", any_of: &[$($action),+] },
            ],
        }
    };
}
