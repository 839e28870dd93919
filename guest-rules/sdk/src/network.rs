//! Recognising the networks of the large cloud providers in enriched
//! events.
//!
//! Several rules judge a call by the network it came from: calls from
//! Amazon's own networks are AWS services or workloads acting for the
//! caller, and CI/CD runners live in Amazon's, Google's and Microsoft's.
//! The host's enrichment gives the network as `source.as.number` and
//! `source.as.organization.name`. The AS number is the reliable part; the
//! organization's name depends on the AS database (`AMAZON-02`,
//! `Amazon.com, Inc.`), so names are compared without regard to case and,
//! for Amazon, by prefix.
//!
//! # Limitations
//!
//! The lists hold the providers' main autonomous systems, not every one
//! they operate. A network missing from them is recognised only when its
//! organization name matches.

use crate::matching::{Case, starts_with};

/// Amazon's main autonomous systems, among them AMAZON-02 (16509), where
/// EC2 and most services are, and AMAZON-AES (14618).
pub const AMAZON_AS_NUMBERS: &[i64] = &[16509, 14618, 8987, 7224];
/// Google's main autonomous systems (15169, 396982, 19527).
pub const GOOGLE_AS_NUMBERS: &[i64] = &[15169, 396982, 19527];
/// Microsoft's main autonomous systems (8075, 8068).
pub const MICROSOFT_AS_NUMBERS: &[i64] = &[8075, 8068];
/// Organization names of Google's and Microsoft's networks, compared in any
/// case.
pub const GOOGLE_AND_MICROSOFT_ORGS: &[&str] = &["Google LLC", "Microsoft Corporation"];

/// Whether a network is Amazon's: its AS number is one of
/// [`AMAZON_AS_NUMBERS`], or its organization name starts with `amazon` in
/// any case.
pub fn is_amazon(number: Option<i64>, org: Option<&str>) -> bool {
    number.is_some_and(|n| AMAZON_AS_NUMBERS.contains(&n))
        || org.is_some_and(|org| starts_with(org, "amazon", Case::Insensitive))
}

/// Whether a network is Amazon's ([`is_amazon`]), Google's or Microsoft's:
/// by AS number ([`GOOGLE_AS_NUMBERS`], [`MICROSOFT_AS_NUMBERS`]) or by
/// organization name ([`GOOGLE_AND_MICROSOFT_ORGS`], in any case).
pub fn is_major_cloud(number: Option<i64>, org: Option<&str>) -> bool {
    is_amazon(number, org)
        || number
            .is_some_and(|n| GOOGLE_AS_NUMBERS.contains(&n) || MICROSOFT_AS_NUMBERS.contains(&n))
        || org.is_some_and(|org| {
            GOOGLE_AND_MICROSOFT_ORGS
                .iter()
                .any(|name| name.eq_ignore_ascii_case(org))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amazon_by_number_or_name_prefix() {
        assert!(is_amazon(Some(16509), None));
        assert!(is_amazon(Some(14618), Some("anything")));
        assert!(is_amazon(None, Some("AMAZON-02")));
        assert!(is_amazon(None, Some("Amazon.com, Inc.")));
        assert!(!is_amazon(Some(15169), Some("Google LLC")));
        assert!(!is_amazon(None, Some("Not Amazon")));
        assert!(!is_amazon(None, None));
    }

    #[test]
    fn major_clouds_by_number_or_exact_name() {
        assert!(is_major_cloud(Some(7224), None));
        assert!(is_major_cloud(Some(396982), None));
        assert!(is_major_cloud(Some(8068), None));
        assert!(is_major_cloud(None, Some("google llc")));
        assert!(is_major_cloud(None, Some("MICROSOFT CORPORATION")));
        assert!(is_major_cloud(None, Some("amazon-aes")));
        assert!(
            !is_major_cloud(None, Some("Google LLC Cloud")),
            "names are whole"
        );
        assert!(!is_major_cloud(Some(9009), Some("M247 Europe SRL")));
        assert!(!is_major_cloud(None, None));
    }
}
