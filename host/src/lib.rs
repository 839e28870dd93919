//! ferrule: a streaming detection engine for cloud audit logs, in which
//! every detection rule is a sandboxed WebAssembly component.
//!
//! The modules follow the data flow:
//!
//! 1. [`decode`]: input bytes (NDJSON, CloudTrail log files, gzip, S3
//!    directory trees) to JSON records with their positions;
//! 2. [`normalize`]: each record to ECS fields, once, [enriched](enrich)
//!    and encoded into one buffer ([`event`]);
//! 3. [`dispatch`]: the interest index that picks the rules an event can
//!    match;
//! 4. [`runtime`]: the wasmtime components that run the rules;
//! 5. [`state`] and [`watermark`]: what rules keep between events, expired
//!    in event time;
//! 6. [`alert`] and [`sink`]: validated alerts, written as NDJSON, and
//!    [fed back](feedback) as events to higher-order rules.
//!
//! [`pipeline`] ties the steps together; [`registry`] loads a rules
//! directory and [`reload`] keeps the running rules in step with it.

pub mod alert;
pub mod decode;
pub mod dispatch;
pub mod enrich;
pub mod event;
pub mod feedback;
pub mod normalize;
pub mod pipeline;
pub mod registry;
pub mod reload;
pub mod runtime;
pub mod sink;
pub mod state;
pub mod watermark;
