//! Calls about what runs: EC2, Lambda, EKS, ECR, Systems Manager commands
//! and agents, CloudWatch metrics and CloudWatch Logs.

use super::{CLOUDWATCH, Call, Ctx, EC2, ECR, EKS, LAMBDA, LOGS, SSM};
use crate::clock::{self, Civil, HOUR};
use crate::estate::ARTIFACTS_BUCKET;
use crate::json::{Json, object, strings};

/// The EKS access policy that makes a principal cluster administrator.
pub(crate) const CLUSTER_ADMIN_POLICY: &str =
    "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

/// All control plane log types of an EKS cluster.
const CONTROL_PLANE_LOGS: [&str; 5] = [
    "api",
    "audit",
    "authenticator",
    "controllerManager",
    "scheduler",
];

fn items(key: &'static str, values: &[String]) -> Json {
    let entries = values
        .iter()
        .map(|value| Json::Object(vec![(key, Json::from(value))]))
        .collect::<Vec<_>>();
    object! {"items" => entries}
}

/// `DescribeInstances`, of everything or of one instance.
pub(crate) fn describe_instances(ctx: &mut Ctx<'_>) -> Call {
    let instances = if ctx.dice.chance(500) {
        items("instanceId", &[ctx.instance()])
    } else {
        Json::empty()
    };
    Call::new(EC2, "DescribeInstances")
        .request(object! {"instancesSet" => instances, "filterSet" => Json::empty()})
}

/// One of the EC2 inventory reads the console, Terraform and scripts make.
pub(crate) fn describe_inventory(ctx: &mut Ctx<'_>) -> Call {
    let vpc_filter = object! {"items" => vec![object! {
        "name" => "vpc-id",
        "valueSet" => items("value", std::slice::from_ref(&ctx.account.vpc)),
    }]};
    match ctx.dice.below(7) {
        0 => Call::new(EC2, "DescribeSecurityGroups").request(object! {
            "securityGroupSet" => Json::empty(),
            "securityGroupIdSet" => Json::empty(),
            "filterSet" => vpc_filter,
        }),
        1 => Call::new(EC2, "DescribeVpcs")
            .request(object! {"vpcSet" => Json::empty(), "filterSet" => Json::empty()}),
        2 => Call::new(EC2, "DescribeSubnets")
            .request(object! {"subnetSet" => Json::empty(), "filterSet" => vpc_filter}),
        3 => Call::new(EC2, "DescribeVolumes").request(object! {
            "volumeSet" => Json::empty(),
            "filterSet" => object! {"items" => vec![object! {
                "name" => "attachment.instance-id",
                "valueSet" => items("value", &[ctx.instance()]),
            }]},
        }),
        4 => Call::new(EC2, "DescribeInstanceStatus").request(object! {
            "instancesSet" => Json::empty(),
            "filterSet" => Json::empty(),
            "includeAllInstances" => false,
        }),
        5 => Call::new(EC2, "DescribeNetworkInterfaces").request(object! {
            "networkInterfaceIdSet" => Json::empty(),
            "filterSet" => vpc_filter,
        }),
        _ => Call::new(EC2, "DescribeImages").request(object! {
            "executableBySet" => Json::empty(),
            "imagesSet" => items("imageId", &[format!("ami-0{}", ctx.dice.hex(16))]),
            "ownersSet" => Json::empty(),
            "availabilitySet" => Json::empty(),
            "filterSet" => Json::empty(),
        }),
    }
}

/// `DescribeRegions`.
pub(crate) fn describe_regions(_: &mut Ctx<'_>) -> Call {
    Call::new(EC2, "DescribeRegions").request(object! {"regionSet" => Json::empty()})
}

/// `CreateTags` on an instance, as deployments tag what they touch.
pub(crate) fn create_tags(ctx: &mut Ctx<'_>) -> Call {
    let instance = ctx.instance();
    let request_id = ctx.uuid();
    Call::new(EC2, "CreateTags")
        .request(object! {
            "resourcesSet" => items("resourceId", &[instance]),
            "tagSet" => object! {"items" => vec![object! {"key" => "deployed-by", "value" => "ci"}]},
        })
        .response(object! {"requestId" => request_id, "_return" => true})
}

/// `StopInstances` or `StartInstances` of one instance.
pub(crate) fn change_instance_state(ctx: &mut Ctx<'_>, name: &'static str, instance: &str) -> Call {
    let (previous, current) = if name == "StopInstances" {
        ((16i64, "running"), (64i64, "stopping"))
    } else {
        ((80, "stopped"), (0, "pending"))
    };
    let state = |(code, label): (i64, &str)| object! {"code" => code, "name" => label};
    let request_id = ctx.uuid();
    let mut request = vec![("instancesSet", items("instanceId", &[instance.to_owned()]))];
    if name == "StopInstances" {
        request.push(("force", Json::from(false)));
    }
    Call::new(EC2, name)
        .request(Json::Object(request))
        .response(object! {
            "requestId" => request_id,
            "instancesSet" => object! {"items" => vec![object! {
                "instanceId" => instance,
                "currentState" => state(current),
                "previousState" => state(previous),
            }]},
        })
}

/// `ModifyInstanceAttribute` replacing an instance's user data.
pub(crate) fn replace_user_data(ctx: &mut Ctx<'_>, instance: &str) -> Call {
    let request_id = ctx.uuid();
    Call::new(EC2, "ModifyInstanceAttribute")
        .request(object! {"instanceId" => instance, "userData" => "<sensitiveDataRemoved>"})
        .response(object! {"requestId" => request_id, "_return" => true})
}

/// A Lambda read: `ListFunctions` or `GetFunction` (with CloudTrail's
/// versioned names).
pub(crate) fn lambda_read(ctx: &mut Ctx<'_>) -> Call {
    let account = ctx.account;
    if ctx.dice.chance(300) {
        Call::new(LAMBDA, "ListFunctions20150331")
    } else {
        let function = ctx.pick(&account.functions);
        let name = if ctx.dice.chance(500) {
            "GetFunction20150331v2"
        } else {
            "GetFunctionConfiguration20150331v2"
        };
        Call::new(LAMBDA, name).request(object! {"functionName" => function})
    }
}

/// `UpdateFunctionCode` from a deployment.
pub(crate) fn update_function_code(ctx: &mut Ctx<'_>) -> Call {
    let account = ctx.account;
    let function = ctx.pick(&account.functions);
    let bucket = account.buckets[ARTIFACTS_BUCKET].clone();
    let key = format!("lambda/{function}/{}.zip", ctx.dice.hex(40));
    Call::new(LAMBDA, "UpdateFunctionCode20150331v2").request(object! {
        "functionName" => function,
        "s3Bucket" => bucket,
        "s3Key" => key,
        "publish" => true,
        "dryRun" => false,
    })
}

/// An EKS read: `ListClusters`, `DescribeCluster` or `ListNodegroups`.
pub(crate) fn eks_read(ctx: &mut Ctx<'_>) -> Call {
    let account = ctx.account;
    let (cluster, _) = ctx.pick(&account.clusters);
    match ctx.dice.below(3) {
        0 => Call::new(EKS, "ListClusters").request(object! {"maxResults" => 100i64}),
        1 => Call::new(EKS, "DescribeCluster").request(object! {"name" => cluster}),
        _ => Call::new(EKS, "ListNodegroups").request(object! {"name" => cluster}),
    }
}

/// `CreateAccessEntry` giving `principal_arn` an entry in `cluster`.
pub(crate) fn create_access_entry(ctx: &mut Ctx<'_>, cluster: &str, principal_arn: &str) -> Call {
    let entry_arn = format!(
        "arn:aws:eks:{}:{}:access-entry/{cluster}/role/{}/{}",
        ctx.region,
        ctx.account.id,
        ctx.account.id,
        ctx.dice.uuid()
    );
    Call::new(EKS, "CreateAccessEntry")
        .request(object! {"name" => cluster, "principalArn" => principal_arn, "type" => "STANDARD"})
        .response(object! {"accessEntry" => object! {
            "clusterName" => cluster,
            "principalArn" => principal_arn,
            "kubernetesGroups" => Json::List(Vec::new()),
            "accessEntryArn" => entry_arn,
            "type" => "STANDARD",
        }})
}

/// `AssociateAccessPolicy` of `policy_arn`, cluster-wide.
pub(crate) fn associate_access_policy(
    cluster: &str,
    principal_arn: &str,
    policy_arn: &str,
) -> Call {
    Call::new(EKS, "AssociateAccessPolicy")
        .request(object! {
            "name" => cluster,
            "principalArn" => principal_arn,
            "policyArn" => policy_arn,
            "accessScope" => object! {"type" => "cluster"},
        })
        .response(object! {
            "clusterName" => cluster,
            "principalArn" => principal_arn,
            "associatedAccessPolicy" => object! {
                "policyArn" => policy_arn,
                "accessScope" => object! {"type" => "cluster", "namespaces" => Json::List(Vec::new())},
            },
        })
}

/// `UpdateClusterConfig` turning every control plane log type off.
pub(crate) fn disable_control_plane_logs(ctx: &mut Ctx<'_>, cluster: &str) -> Call {
    let token = ctx.uuid();
    let update = ctx.uuid();
    Call::new(EKS, "UpdateClusterConfig")
        .request(object! {
            "name" => cluster,
            "logging" => object! {"clusterLogging" => vec![object! {
                "types" => strings(&CONTROL_PLANE_LOGS),
                "enabled" => false,
            }]},
            "clientRequestToken" => token,
        })
        .response(object! {"update" => object! {
            "id" => update,
            "status" => "InProgress",
            "type" => "LoggingUpdate",
            "params" => vec![object! {"type" => "ClusterLogging", "value" => "{\"clusterLogging\":[{\"types\":[\"api\",\"audit\",\"authenticator\",\"controllerManager\",\"scheduler\"],\"enabled\":false}]}"}],
            "errors" => Json::List(Vec::new()),
        }})
}

/// `GetAuthorizationToken`, before pulling images.
pub(crate) fn ecr_token(_: &mut Ctx<'_>) -> Call {
    Call::new(ECR, "GetAuthorizationToken")
}

/// The SSM agent's heartbeat from one instance.
pub(crate) fn update_instance_information(ctx: &mut Ctx<'_>) -> Call {
    let instance = ctx.instance();
    let (b, c) = (ctx.dice.between(0, 15), ctx.dice.between(1, 254));
    let zone = ["a", "b", "c"][ctx.dice.index(3)];
    Call::new(SSM, "UpdateInstanceInformation").request(object! {
        "instanceId" => instance,
        "agentVersion" => "3.3.1142.0",
        "agentStatus" => "Active",
        "platformType" => "Linux",
        "platformName" => "Amazon Linux",
        "platformVersion" => "2023",
        "iPAddress" => format!("10.0.{b}.{c}"),
        "computerName" => format!("ip-10-0-{b}-{c}.ec2.internal"),
        "agentName" => "amazon-ssm-agent",
        "availabilityZone" => format!("{}{zone}", ctx.region),
        "SSMConnectionChannel" => "ssmmessages",
    })
}

/// `ListInstanceAssociations`, the agent asking what to run.
pub(crate) fn list_instance_associations(ctx: &mut Ctx<'_>) -> Call {
    let instance = ctx.instance();
    Call::new(SSM, "ListInstanceAssociations")
        .request(object! {"instanceId" => instance, "maxResults" => 20i64})
}

/// `SendCommand` of `document` to `targets`, with the response AWS writes
/// (the command id is what ties instance processes back to the call).
pub(crate) fn send_command(ctx: &mut Ctx<'_>, document: &str, targets: &[String]) -> Call {
    let command_id = ctx.uuid();
    let expires = clock::java_date(ctx.at + HOUR);
    let requested = clock::java_date(ctx.at);
    Call::new(SSM, "SendCommand")
        .request(object! {
            "instanceIds" => strings(targets),
            "documentName" => document,
            "parameters" => "HIDDEN_DUE_TO_SECURITY_REASONS",
            "interactive" => false,
        })
        .response(object! {"command" => object! {
            "commandId" => command_id,
            "documentName" => document,
            "documentVersion" => "$DEFAULT",
            "comment" => "",
            "expiresAfter" => expires,
            "parameters" => "HIDDEN_DUE_TO_SECURITY_REASONS",
            "instanceIds" => strings(targets),
            "targets" => Json::List(Vec::new()),
            "requestedDateTime" => requested,
            "status" => "Pending",
            "statusDetails" => "Pending",
            "targetCount" => i64::try_from(targets.len()).unwrap_or(0),
            "completedCount" => 0i64,
            "errorCount" => 0i64,
            "timeoutSeconds" => 3600i64,
            "interactive" => false,
        }})
}

/// The patch baseline run Systems Manager sends to every instance.
pub(crate) fn patch_run(ctx: &mut Ctx<'_>) -> Call {
    send_command(ctx, "AWS-RunPatchBaseline", &["*".to_owned()])
}

/// `DescribeInstanceInformation`.
pub(crate) fn describe_instance_information(_: &mut Ctx<'_>) -> Call {
    Call::new(SSM, "DescribeInstanceInformation").request(object! {"maxResults" => 50i64})
}

/// A CloudWatch read: alarms or an instance's CPU statistics.
pub(crate) fn cloudwatch_read(ctx: &mut Ctx<'_>) -> Call {
    if ctx.dice.chance(400) {
        return Call::new(CLOUDWATCH, "DescribeAlarms").request(object! {
            "maxRecords" => 100i64,
            "alarmTypes" => strings(&["CompositeAlarm", "MetricAlarm"]),
        });
    }
    let instance = ctx.instance();
    let end = ctx.at - ctx.at.rem_euclid(5 * clock::MINUTE);
    Call::new(CLOUDWATCH, "GetMetricStatistics").request(object! {
        "namespace" => "AWS/EC2",
        "metricName" => "CPUUtilization",
        "dimensions" => vec![object! {"name" => "InstanceId", "value" => instance}],
        "startTime" => clock::iso(end - 3 * HOUR),
        "endTime" => clock::iso(end),
        "period" => 300i64,
        "statistics" => strings(&["Average", "Maximum"]),
    })
}

/// `DescribeLogGroups` of Lambda functions' logs.
pub(crate) fn describe_log_groups(_: &mut Ctx<'_>) -> Call {
    Call::new(LOGS, "DescribeLogGroups")
        .request(object! {"logGroupNamePrefix" => "/aws/lambda/", "limit" => 50i64})
}

/// `CreateLogStream` for a function's log group, as log shippers do.
pub(crate) fn create_log_stream(ctx: &mut Ctx<'_>) -> Call {
    let account = ctx.account;
    let function = ctx.pick(&account.functions);
    let day = Civil::of(ctx.at);
    Call::new(LOGS, "CreateLogStream").request(object! {
        "logGroupName" => format!("/aws/lambda/{function}"),
        "logStreamName" => format!(
            "{}/{:02}/{:02}/[$LATEST]{}",
            day.year,
            day.month,
            day.day,
            ctx.dice.hex(32)
        ),
    })
}
