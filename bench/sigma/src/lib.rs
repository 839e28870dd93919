//! The peer benchmark: rsigma evaluating Sigma versions of ferrule's
//! single-event rules over the same raw CloudTrail that ferrule reads.
//!
//! The rules in `bench/sigma/rules/` are written the way Sigma rules for
//! CloudTrail are written, against raw CloudTrail field names, and match the
//! records ferrule's rules alert on as closely as Sigma allows (the rules'
//! README lists where they differ). This crate loads them into one
//! `rsigma_eval::Engine` ([`rules`]), pushes NDJSON through it and counts
//! matches per rule ([`scan`]), and reports the counts and the throughput as
//! one JSON object ([`report`]).
//!
//! It measures rsigma as a library, the way an embedding program would use
//! it; rsigma's own command-line runtime and its output formatting are not
//! part of the measurement.

pub mod report;
pub mod rules;
pub mod scan;
