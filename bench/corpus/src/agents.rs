//! User agents: what software made a call, as CloudTrail records it.
//!
//! Each principal uses a few tools for good (a developer's AWS CLI, an
//! application's SDK, an operator's browser), so `user_agent.original` is
//! stable per principal, as first-seen rules on user agents expect. The AWS
//! CLI names the command it ran (`md/command#ec2.describe-instances`), so
//! its agent is completed per call.
//!
//! The attacker agents carry exactly the markers the catalog's rules look
//! for: `distrib#kali`, `TruffleHog`, `S3 Browser`, `exec-env/CloudShell`,
//! and the GitHub Actions credential action's suffix.

/// A tool that makes calls.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Agent {
    /// The AWS CLI v2: this prefix, then the command of each call.
    Cli(&'static str),
    /// Any other tool, whose agent does not depend on the call.
    Fixed(&'static str),
}

impl Agent {
    /// The user agent of a call to `source` (`ec2.amazonaws.com`) named
    /// `name` (`DescribeInstances`).
    pub(crate) fn user_agent(self, source: &str, name: &str) -> String {
        match self {
            Agent::Fixed(agent) => agent.to_owned(),
            Agent::Cli(prefix) => {
                let service = match source.trim_end_matches(".amazonaws.com") {
                    "monitoring" => "cloudwatch",
                    "s3" => "s3api",
                    other => other,
                };
                let mut agent = String::with_capacity(prefix.len() + 40);
                agent.push_str(prefix);
                agent.push_str(" md/command#");
                agent.push_str(service);
                agent.push('.');
                // Versioned names (`ListFunctions20150331`) drop the version.
                let name = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == 'v');
                for (index, c) in name.chars().enumerate() {
                    if c.is_ascii_uppercase() && index > 0 {
                        agent.push('-');
                    }
                    agent.push(c.to_ascii_lowercase());
                }
                agent
            }
        }
    }
}

/// Developers' AWS CLIs on macOS, Linux and Windows.
pub(crate) const DEVELOPER_CLIS: [Agent; 3] = [
    Agent::Cli(
        "aws-cli/2.22.35 md/awscrt#0.23.4 ua/2.0 os/macos#24.1.0 md/arch#arm64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off",
    ),
    Agent::Cli(
        "aws-cli/2.24.10 md/awscrt#0.23.8 ua/2.1 os/linux#6.8.0-52-generic md/arch#x86_64 lang/python#3.12.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off",
    ),
    Agent::Cli(
        "aws-cli/2.21.3 md/awscrt#0.22.0 ua/2.0 os/windows#10 md/arch#amd64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off",
    ),
];

/// Consoles: browsers of people signed in to the AWS console.
pub(crate) const BROWSERS: [Agent; 4] = [
    Agent::Fixed(
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    ),
    Agent::Fixed(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    ),
    Agent::Fixed(
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0",
    ),
    Agent::Fixed(
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    ),
];

/// The agent CloudTrail records for calls the console makes on its own
/// behalf.
pub(crate) const CONSOLE_INTERNAL: Agent = Agent::Fixed("AWS Internal");

pub(crate) const BOTO3: Agent = Agent::Fixed(
    "Boto3/1.35.76 md/Botocore#1.35.76 ua/2.0 os/linux#6.1.119-129.201.amzn2023.x86_64 md/arch#x86_64 lang/python#3.12.8 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.35.76",
);
pub(crate) const BOTO3_NOTEBOOK: Agent = Agent::Fixed(
    "Boto3/1.35.90 md/Botocore#1.35.90 ua/2.0 os/macos#24.1.0 md/arch#arm64 lang/python#3.11.11 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.90 Jupyter/4.3.4",
);
pub(crate) const BOTO3_ON_PREMISES: Agent = Agent::Fixed(
    "Boto3/1.28.85 md/Botocore#1.31.85 ua/2.0 os/linux#4.18.0-513.24.1.el8_9.x86_64 md/arch#x86_64 lang/python#3.9.18 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.31.85",
);
pub(crate) const JAVA_SDK: Agent = Agent::Fixed(
    "aws-sdk-java/2.29.6 Linux/6.1.112-124.190.amzn2023.x86_64 OpenJDK_64-Bit_Server_VM/21.0.5+11-LTS Java/21.0.5 vendor/Amazon.com_Inc. md/internal exec-env/AWS_ECS_EC2 io/sync http/Apache cfg/retry-mode/legacy",
);
pub(crate) const GO_SDK: Agent = Agent::Fixed(
    "aws-sdk-go-v2/1.32.7 ua/2.1 os/linux lang/go#1.23.4 md/GOOS#linux md/GOARCH#amd64 m/E,g",
);
pub(crate) const SSM_AGENT: Agent =
    Agent::Fixed("aws-sdk-go/1.55.5 (go1.22.10; linux; amd64) amazon-ssm-agent/3.3.1142.0");
pub(crate) const TERRAFORM: Agent = Agent::Fixed(
    "APN/1.0 HashiCorp/1.0 Terraform/1.10.3 (+https://www.terraform.io) terraform-provider-aws/5.82.2 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.32.7 ua/2.1 os/linux lang/go#1.23.3 md/GOOS#linux md/GOARCH#amd64",
);
pub(crate) const CI_CLI: Agent = Agent::Cli(
    "aws-cli/2.22.20 md/awscrt#0.22.0 ua/2.0 os/linux#6.5.0-1025-azure md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython exec-env/GitHubActions cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.22 md/prompt#off",
);
/// The GitHub Actions credential action checks the credentials it got with
/// `GetCallerIdentity`, under this agent.
pub(crate) const GITHUB_CREDENTIALS_ACTION: Agent = Agent::Fixed(
    "aws-sdk-nodejs/2.1692.0 linux/v20.18.1 configure-aws-credentials-for-github-actions",
);

/// Attackers' tools.
pub(crate) const KALI_CLI: Agent = Agent::Cli(
    "aws-cli/2.17.4 md/awscrt#0.20.11 ua/2.0 os/linux#6.8.11-amd64 md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/distrib#kali.2024 md/prompt#off",
);
pub(crate) const ATTACKER_CLI: Agent = Agent::Cli(
    "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#5.15.0-105-generic md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#debian.12 md/prompt#off",
);
pub(crate) const ATTACKER_BOTO3: Agent = Agent::Fixed(
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1.0-18-amd64 md/arch#x86_64 lang/python#3.11.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
);
pub(crate) const TRUFFLEHOG: Agent = Agent::Fixed("TruffleHog");
pub(crate) const S3_BROWSER: Agent = Agent::Fixed("S3 Browser/11.5.7 https://s3browser.com");
pub(crate) const CLOUDSHELL_CLI: Agent = Agent::Cli(
    "aws-cli/2.22.35 md/awscrt#0.23.4 ua/2.0 os/linux#6.1.119-129.201.amzn2023.x86_64 md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython exec-env/CloudShell md/installer#exe md/distrib#amzn.2023 md/prompt#off",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_agents_name_the_command() {
        let agent = DEVELOPER_CLIS[0].user_agent("ec2.amazonaws.com", "DescribeInstances");
        assert!(agent.starts_with("aws-cli/2."));
        assert!(
            agent.ends_with(" md/command#ec2.describe-instances"),
            "{agent}"
        );
        let lambda = CI_CLI.user_agent("lambda.amazonaws.com", "UpdateFunctionCode20150331v2");
        assert!(
            lambda.ends_with("md/command#lambda.update-function-code"),
            "{lambda}"
        );
        let s3 = CI_CLI.user_agent("s3.amazonaws.com", "ListBuckets");
        assert!(s3.ends_with("md/command#s3api.list-buckets"), "{s3}");
    }
}
