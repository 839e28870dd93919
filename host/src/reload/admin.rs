//! The admin endpoint: HTTP on a loopback address, off unless configured.
//!
//! - `GET /rules`: every rule with its version, status, state size, calls,
//!   failures and p50/p99 call time, as JSON;
//! - `GET /metrics`: the same counters in the Prometheus text format;
//! - `POST /reload`: rescan the rules directory;
//! - `POST /rules/{id}/disable`, `POST /rules/{id}/enable`.
//!
//! It has no authentication: bind it to loopback (the default) or a
//! network only operators reach.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::mpsc::{self, Sender};
use std::time::Duration;

use tiny_http::{Header, Method, Request, Response, Server};

use super::{Control, Trigger};
use crate::pipeline::{RuleChange, RuleStatus};

/// Why the endpoint could not start.
#[derive(Debug, thiserror::Error)]
#[error("admin endpoint on {addr}: {reason}")]
pub struct AdminError {
    addr: SocketAddr,
    reason: String,
}

/// Serves the admin endpoint on `addr` from a thread of its own.
///
/// # Errors
///
/// [`AdminError`] when the address cannot be bound.
pub fn serve(
    addr: SocketAddr,
    control: Sender<Control>,
    triggers: Sender<Trigger>,
) -> Result<SocketAddr, AdminError> {
    let server = Server::http(addr).map_err(|e| AdminError {
        addr,
        reason: e.to_string(),
    })?;
    let bound = server.server_addr().to_ip().unwrap_or(addr);
    std::thread::Builder::new()
        .name("ferrule-admin".into())
        .spawn(move || {
            for request in server.incoming_requests() {
                let response = handle(&request, &control, &triggers);
                let _ = request.respond(response);
            }
        })
        .map_err(|e| AdminError {
            addr,
            reason: e.to_string(),
        })?;
    tracing::info!(addr = %bound, "admin endpoint listening");
    Ok(bound)
}

fn handle(
    request: &Request,
    control: &Sender<Control>,
    triggers: &Sender<Trigger>,
) -> Response<std::io::Cursor<Vec<u8>>> {
    let path = request.url().split('?').next().unwrap_or("");
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (request.method(), parts.as_slice()) {
        (Method::Get, ["rules"]) => match status(control) {
            Some(rules) => json(
                200,
                &serde_json::to_string_pretty(&rules).unwrap_or_default(),
            ),
            None => json(503, r#"{"error":"the pipeline did not answer"}"#),
        },
        (Method::Get, ["metrics"]) => match status(control) {
            Some(rules) => text(200, &metrics(&rules)),
            None => text(503, "the pipeline did not answer\n"),
        },
        (Method::Post, ["reload"]) => {
            let _ = triggers.send(Trigger::Rescan);
            json(202, r#"{"reload":"requested"}"#)
        }
        (Method::Post, ["rules", id, action @ ("disable" | "enable")]) => {
            let change = if *action == "disable" {
                RuleChange::Disable((*id).to_owned())
            } else {
                RuleChange::Enable((*id).to_owned())
            };
            let _ = control.send(Control::Change(change));
            json(202, &format!(r#"{{"{action}":"requested"}}"#))
        }
        _ => json(404, r#"{"error":"unknown endpoint"}"#),
    }
}

fn status(control: &Sender<Control>) -> Option<Vec<RuleStatus>> {
    let (reply, answer) = mpsc::channel();
    control.send(Control::Status(reply)).ok()?;
    answer.recv_timeout(Duration::from_secs(5)).ok()
}

/// A metric: its name, its Prometheus type, and how to read it off a rule.
type Series = (&'static str, &'static str, fn(&RuleStatus) -> f64);

fn metrics(rules: &[RuleStatus]) -> String {
    let mut out = String::new();
    let series: [Series; 6] = [
        ("ferrule_rule_events_total", "counter", |r| r.events as f64),
        ("ferrule_rule_calls_total", "counter", |r| r.calls as f64),
        ("ferrule_rule_alerts_total", "counter", |r| r.alerts as f64),
        ("ferrule_rule_failures_total", "counter", |r| {
            r.failures.values().sum::<u64>() as f64
        }),
        ("ferrule_rule_state_entries", "gauge", |r| {
            r.state_entries as f64
        }),
        ("ferrule_rule_quarantined", "gauge", |r| {
            f64::from(u8::from(r.status == "quarantined"))
        }),
    ];
    for (name, kind, value) in series {
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for rule in rules {
            let _ = writeln!(
                out,
                "{name}{{rule=\"{}\",slug=\"{}\"}} {}",
                rule.id,
                rule.slug,
                value(rule)
            );
        }
    }
    out
}

fn json(status: u16, body: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    let header = Header::from_bytes("Content-Type", "application/json").expect("a valid header");
    Response::from_string(body)
        .with_status_code(status)
        .with_header(header)
}

fn text(status: u16, body: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    let header =
        Header::from_bytes("Content-Type", "text/plain; version=0.0.4").expect("a valid header");
    Response::from_string(body)
        .with_status_code(status)
        .with_header(header)
}
