//! The EKS and STS rules on hand-written raw CloudTrail records: records
//! ferrule's rule alerts on must match, near misses it lets pass must not.

mod support;

use serde_json::{Value, json};

use support::{assert_cases, call, denied, with};

#[test]
fn eks_access_entry_cluster_admin_policy() {
    let associate = |policy: &str, principal: &str| {
        with(
            call("eks.amazonaws.com", "AssociateAccessPolicy"),
            "/requestParameters",
            json!({
                "name": "prod",
                "principalArn": principal,
                "policyArn": policy,
                "accessScope": {"type": "cluster"}
            }),
        )
    };
    let admin = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
    let view = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy";
    assert_cases(
        "eks-access-entry-cluster-admin-policy",
        &[
            (
                "cluster admin",
                associate(admin, "arn:aws:iam::111122223333:role/dev"),
            ),
            (
                "admin",
                associate(
                    "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy",
                    "arn:aws:iam::111122223333:role/dev",
                ),
            ),
        ],
        &[
            (
                "a view policy",
                associate(view, "arn:aws:iam::111122223333:role/dev"),
            ),
            (
                "a view policy for a principal named after the admin policy",
                associate(view, "arn:aws:iam::111122223333:role/AmazonEKSAdminPolicy"),
            ),
            (
                "a denied grant",
                denied(associate(admin, "arn:aws:iam::111122223333:role/dev")),
            ),
        ],
    );
}

#[test]
fn eks_access_entry_modified() {
    let create = call("eks.amazonaws.com", "CreateAccessEntry");
    let by = |arn: &str| with(create.clone(), "/userIdentity/arn", json!(arn));
    let mut without_arn = create.clone();
    without_arn["userIdentity"]
        .as_object_mut()
        .unwrap()
        .remove("arn");
    assert_cases(
        "eks-access-entry-modified",
        &[
            ("a person", create.clone()),
            ("a caller without ARN", without_arn),
            (
                "Terraform in another case than the marker",
                by("arn:aws:sts::111122223333:assumed-role/Terraform-apply/session"),
            ),
        ],
        &[
            (
                "eksctl",
                by("arn:aws:sts::111122223333:assumed-role/eksctl-prod-cluster-role/session"),
            ),
            (
                "the EKS service-linked role",
                by("arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAmazonEKS/EKS"),
            ),
            ("a listing", call("eks.amazonaws.com", "ListAccessEntries")),
            ("a denied creation", denied(create)),
        ],
    );
}

#[test]
fn eks_control_plane_logging_disabled() {
    let update = |parameters: Value| {
        with(
            call("eks.amazonaws.com", "UpdateClusterConfig"),
            "/requestParameters",
            parameters,
        )
    };
    let logging =
        |switches: Value| update(json!({"name": "prod", "logging": {"clusterLogging": switches}}));
    assert_cases(
        "eks-control-plane-logging-disabled",
        &[
            (
                "audit off",
                logging(json!([{"types": ["audit"], "enabled": false}])),
            ),
            (
                "some types on, others off",
                logging(json!([
                    {"types": ["api"], "enabled": true},
                    {"types": ["audit", "authenticator"], "enabled": false}
                ])),
            ),
        ],
        &[
            (
                "every type on",
                logging(json!([{"types": ["api", "audit"], "enabled": true}])),
            ),
            (
                "another switch off on a cluster named after logging",
                update(json!({"name": "logging", "computeConfig": {"enabled": false}})),
            ),
            (
                "a denied change",
                denied(logging(json!([{"types": ["audit"], "enabled": false}]))),
            ),
        ],
    );
}

const OIDC_PROVIDER: &str =
    "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE";

#[test]
fn sts_web_identity_k8s_sa_external_asn() {
    let exchange = |subject: &str, address: &str| {
        let record = call("sts.amazonaws.com", "AssumeRoleWithWebIdentity");
        let record = with(
            record,
            "/userIdentity",
            json!({
                "type": "WebIdentityUser",
                "principalId": format!("{OIDC_PROVIDER}:sts.amazonaws.com:{subject}"),
                "userName": subject,
                "identityProvider": OIDC_PROVIDER
            }),
        );
        with(record, "/sourceIPAddress", json!(address))
    };
    // The outside addresses belong to networks with a known AS that is not
    // Amazon's (AS 29518 and AS 20712), so ferrule's rule fires on them too.
    // An Amazon address is where the two differ; see the rules' README.
    let app = "system:serviceaccount:payments:api";
    assert_cases(
        "sts-web-identity-k8s-sa-external-asn",
        &[
            (
                "a service account from an outside address",
                exchange(app, "89.160.20.156"),
            ),
            (
                "another service account",
                exchange("system:serviceaccount:default:builder", "81.2.69.142"),
            ),
        ],
        &[
            (
                "the load balancer controller",
                exchange(
                    "system:serviceaccount:kube-system:aws-load-balancer-controller",
                    "89.160.20.156",
                ),
            ),
            ("a private address", exchange(app, "10.20.3.4")),
            (
                "an AWS service name as source",
                exchange(app, "eks.amazonaws.com"),
            ),
            (
                "a subject that is no service account",
                exchange("repo:acme/app:ref:refs/heads/main", "89.160.20.156"),
            ),
            ("a denied exchange", denied(exchange(app, "89.160.20.156"))),
        ],
    );
}
