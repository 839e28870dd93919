//! A small user-agent classifier for `user_agent.name`.
//!
//! Elastic fills `user_agent.name` with the uap-core regex set. Rules here
//! only need the family of AWS tools (`aws-cli`, `Boto3`, the AWS SDKs) and
//! of browsers, so this classifier recognises those and says `Other` for the
//! rest, as uap-core does for AWS service agents such as
//! `signin.amazonaws.com`.
//!
//! # Limitations
//!
//! Browsers beyond Edge, Chrome, Firefox and Safari, and tools outside the
//! AWS family, are named `Other` where uap-core would name them.

/// The family name of a user agent.
pub fn family(user_agent: &str) -> &str {
    if user_agent.starts_with("Mozilla/") {
        return if user_agent.contains("Edg/") {
            "Edge"
        } else if user_agent.contains("Firefox/") {
            "Firefox"
        } else if user_agent.contains("Chrome/") {
            "Chrome"
        } else if user_agent.contains("Safari/") {
            "Safari"
        } else {
            "Other"
        };
    }
    let product = user_agent.split(['/', ' ']).next().unwrap_or("");
    let is_aws_tool = product == "aws-cli"
        || product == "Boto3"
        || product == "Botocore"
        || product.starts_with("aws-sdk-");
    if is_aws_tool && user_agent[product.len()..].starts_with('/') {
        product
    } else {
        "Other"
    }
}

#[cfg(test)]
mod tests {
    use super::family;

    #[test]
    fn names_aws_tools_browsers_and_other() {
        assert_eq!(
            family("aws-cli/2.18.17 md/awscrt#0.22.0 ua/2.0 os/linux#6.8"),
            "aws-cli"
        );
        assert_eq!(family("Boto3/1.35.50 md/Botocore#1.35.50"), "Boto3");
        assert_eq!(
            family("aws-sdk-go/1.55.5 (go1.23.8; windows; amd64)"),
            "aws-sdk-go"
        );
        assert_eq!(
            family("Mozilla/5.0 (Windows NT 6.1; WOW64; rv:24.0) Gecko/20100101 Firefox/24.0"),
            "Firefox"
        );
        assert_eq!(
            family("Mozilla/5.0 (Macintosh) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"),
            "Chrome"
        );
        assert_eq!(family("signin.amazonaws.com"), "Other");
        assert_eq!(family("aws-cli"), "Other", "no version, no product token");
        assert_eq!(family("xaws-cli/2.0"), "Other");
    }
}
