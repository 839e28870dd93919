//! Value matching with explicit case sensitivity.
//!
//! Detection queries mix exact, case-sensitive comparisons (KQL keyword
//! fields, EQL `==`) with case-insensitive ones (EQL `:`). Every function
//! here takes a [`Case`] so a rule states which one it means. Case folding is
//! ASCII-only: AWS names, ARNs and user agents are ASCII, and ASCII folding
//! cannot be fooled by locale rules.
//!
//! [`strip_api_version`] normalises the API names some services record with
//! a version suffix, so a rule can match them by their plain name.

/// Whether a comparison distinguishes upper and lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// `"Amazon" != "amazon"`.
    Sensitive,
    /// `"Amazon" == "amazon"` (ASCII folding).
    Insensitive,
}

impl Case {
    fn byte_eq(self, a: u8, b: u8) -> bool {
        match self {
            Case::Sensitive => a == b,
            Case::Insensitive => a.eq_ignore_ascii_case(&b),
        }
    }

    /// Whether `a` equals `b`.
    pub fn eq(self, a: &str, b: &str) -> bool {
        match self {
            Case::Sensitive => a == b,
            Case::Insensitive => a.eq_ignore_ascii_case(b),
        }
    }
}

/// Whole-value wildcard match: `*` matches any run of characters (also
/// none), `?` exactly one byte; every other character matches itself.
///
/// Runs in O(pattern × value) time in the worst case and never allocates.
pub fn glob(pattern: &str, value: &str, case: Case) -> bool {
    let (p, v) = (pattern.as_bytes(), value.as_bytes());
    let (mut pi, mut vi) = (0, 0);
    // Where to resume after the last `*`: pattern index after it, and the
    // value index it currently stands for.
    let mut resume: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && p[pi] == b'*' {
            resume = Some((pi + 1, vi));
            pi += 1;
        } else if pi < p.len() && (p[pi] == b'?' || case.byte_eq(p[pi], v[vi])) {
            pi += 1;
            vi += 1;
        } else if let Some((after_star, matched_to)) = resume {
            // Let the last `*` swallow one more byte and retry.
            pi = after_star;
            vi = matched_to + 1;
            resume = Some((after_star, matched_to + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

/// Whether `value` contains `needle`.
pub fn contains(value: &str, needle: &str, case: Case) -> bool {
    match case {
        Case::Sensitive => value.contains(needle),
        Case::Insensitive => {
            let (v, n) = (value.as_bytes(), needle.as_bytes());
            n.is_empty() || v.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
        }
    }
}

/// Whether `value` starts with `prefix`.
pub fn starts_with(value: &str, prefix: &str, case: Case) -> bool {
    let (v, p) = (value.as_bytes(), prefix.as_bytes());
    v.len() >= p.len() && {
        let head = &v[..p.len()];
        match case {
            Case::Sensitive => head == p,
            Case::Insensitive => head.eq_ignore_ascii_case(p),
        }
    }
}

/// Whether `value` ends with `suffix`.
pub fn ends_with(value: &str, suffix: &str, case: Case) -> bool {
    let (v, s) = (value.as_bytes(), suffix.as_bytes());
    v.len() >= s.len() && {
        let tail = &v[v.len() - s.len()..];
        match case {
            Case::Sensitive => tail == s,
            Case::Insensitive => tail.eq_ignore_ascii_case(s),
        }
    }
}

/// Whether `value` is one of `set` (exact, case-sensitive membership).
pub fn one_of(value: &str, set: &[&str]) -> bool {
    set.contains(&value)
}

/// Whether `value` is one of `set` under the given case rule.
pub fn one_of_case(value: &str, set: &[&str], case: Case) -> bool {
    set.iter().any(|item| case.eq(value, item))
}

/// The plain name of an API that CloudTrail records with a version suffix:
/// an eight-digit API date, optionally followed by `v` and a number, as
/// Lambda writes them. `ListFunctions20150331` and `GetFunction20150331v2`
/// both lose the suffix (`ListFunctions`, `GetFunction`).
///
/// The date must be exactly eight digits after a character that is not a
/// digit, so names that merely end in digits (`ListObjectsV2`, `Foo2`) and
/// names that are nothing but a suffix are returned whole.
pub fn strip_api_version(action: &str) -> &str {
    let bytes = action.as_bytes();
    let mut end = bytes.len();
    let mut start = end;
    while start > 0 && bytes[start - 1].is_ascii_digit() {
        start -= 1;
    }
    // A trailing `v<n>` comes after the date.
    if start < end && start > 0 && bytes[start - 1] == b'v' {
        end = start - 1;
    }
    let Some(date) = end.checked_sub(8) else {
        return action;
    };
    let is_date = bytes[date..end].iter().all(u8::is_ascii_digit);
    let bounded = date > 0 && !bytes[date - 1].is_ascii_digit();
    if is_date && bounded {
        &action[..date]
    } else {
        action
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_whole_values() {
        assert!(glob("*s3*", "aws-sdk-s3/1.0", Case::Sensitive));
        assert!(glob(
            "aws-cli/*",
            "aws-cli/2.15.0 Python/3.11",
            Case::Sensitive
        ));
        assert!(
            !glob("aws-cli/*", "xaws-cli/2", Case::Sensitive),
            "anchored at the start"
        );
        assert!(
            !glob("*.sh", "script.sh.bak", Case::Sensitive),
            "anchored at the end"
        );
        assert!(glob("a*b*c", "a-b-b-c", Case::Sensitive));
        assert!(glob("", "", Case::Sensitive));
        assert!(!glob("", "x", Case::Sensitive));
        assert!(glob("*", "", Case::Sensitive));
        assert!(glob("a?c", "abc", Case::Sensitive));
        assert!(!glob("a?c", "ac", Case::Sensitive));
        assert!(glob(
            "*/document/orchestration/*/awsrunShellScript/*/_script.sh",
            "/var/lib/amazon/ssm/i-1/document/orchestration/abc/awsrunShellScript/0.awsrunShellScript/_script.sh",
            Case::Sensitive
        ));
    }

    #[test]
    fn glob_respects_case() {
        assert!(!glob("*Kali*", "md/distrib#kali.2025", Case::Sensitive));
        assert!(glob("*Kali*", "md/distrib#kali.2025", Case::Insensitive));
    }

    #[test]
    fn glob_worst_case_terminates() {
        let value = "a".repeat(2000);
        assert!(!glob("*a*a*a*a*a*b", &value, Case::Sensitive));
    }

    #[test]
    fn substring_prefix_suffix_and_membership() {
        assert!(contains(
            "exec-env/CloudShell",
            "CloudShell",
            Case::Sensitive
        ));
        assert!(!contains(
            "exec-env/cloudshell",
            "CloudShell",
            Case::Sensitive
        ));
        assert!(contains(
            "exec-env/cloudshell",
            "CloudShell",
            Case::Insensitive
        ));
        assert!(contains("x", "", Case::Insensitive));
        assert!(starts_with("AKIAEXAMPLE", "AKIA", Case::Sensitive));
        assert!(!starts_with("akiaexample", "AKIA", Case::Sensitive));
        assert!(starts_with("AMAZON-02", "amazon", Case::Insensitive));
        assert!(!starts_with("AK", "AKIA", Case::Insensitive));
        assert!(starts_with("Ωmega", "Ω", Case::Sensitive));
        assert!(ends_with("GetFunction20150331v2", "v2", Case::Sensitive));
        assert!(!ends_with("v2", "xv2", Case::Sensitive));
        assert!(one_of("DeleteTrail", &["StopLogging", "DeleteTrail"]));
        assert!(!one_of("deletetrail", &["StopLogging", "DeleteTrail"]));
        assert!(one_of_case(
            "deletetrail",
            &["DeleteTrail"],
            Case::Insensitive
        ));
    }

    #[test]
    fn api_version_suffixes_are_stripped() {
        assert_eq!(strip_api_version("ListFunctions20150331"), "ListFunctions");
        assert_eq!(strip_api_version("GetFunction20150331v2"), "GetFunction");
        assert_eq!(
            strip_api_version("UpdateFunctionCode20150331v2"),
            "UpdateFunctionCode"
        );
        assert_eq!(strip_api_version("ListFunctions"), "ListFunctions");
    }

    #[test]
    fn names_that_only_end_in_digits_are_kept() {
        assert_eq!(strip_api_version("ListObjectsV2"), "ListObjectsV2");
        assert_eq!(strip_api_version("Getv2"), "Getv2");
        // Nine digits: not an eight-digit date after a name.
        assert_eq!(strip_api_version("Foo120150331"), "Foo120150331");
        assert_eq!(strip_api_version("Foo2015033"), "Foo2015033");
        // A suffix with no name before it.
        assert_eq!(strip_api_version("20150331"), "20150331");
        assert_eq!(strip_api_version("20150331v2"), "20150331v2");
        // A `v` with no number, or letters after the date.
        assert_eq!(strip_api_version("Get20150331v"), "Get20150331v");
        assert_eq!(strip_api_version("Get20150331x"), "Get20150331x");
        assert_eq!(strip_api_version(""), "");
    }
}
