//! The CloudTrail record: a call, its caller and its time, written as the
//! JSON AWS delivers.
//!
//! Fields come in the order CloudTrail writes them (`eventVersion`,
//! `userIdentity`, `eventTime`, `eventSource`, `eventName`, `awsRegion`,
//! `sourceIPAddress`, `userAgent`, the error if any, `requestParameters`,
//! `responseElements`, ..., `tlsDetails`, `sessionCredentialFromConsole`).
//! `requestParameters` and `responseElements` are always present, `null`
//! when empty; optional fields are left out rather than written as `null`,
//! and `sessionCredentialFromConsole` appears only for console sessions, as
//! AWS does.

use std::net::Ipv4Addr;

use crate::agents::Agent;
use crate::calls::{Call, S3};
use crate::clock;
use crate::dice::Dice;
use crate::json::{Json, write_str};

/// Who made a call and from where.
pub(crate) struct Caller {
    /// The `userIdentity` object.
    pub identity: Json,
    /// The account whose trail records the call (`recipientAccountId`).
    pub account_id: String,
    /// `sourceIPAddress`: an address, or an AWS service's name.
    pub source: String,
    pub agent: Agent,
    /// Whether the credentials come from a console session.
    pub console: bool,
}

/// One record ready to be written.
pub(crate) struct Record<'a> {
    /// `eventTime`.
    pub at: i64,
    pub region: &'static str,
    pub caller: &'a Caller,
    pub call: &'a Call,
}

impl Record<'_> {
    /// The record's JSON text. Request and event ids are drawn from `dice`.
    pub(crate) fn render(&self, dice: &mut Dice) -> String {
        let (caller, call) = (self.caller, self.call);
        let region = call.region(self.region);
        let mut out = String::with_capacity(2048);

        out.push_str("{\"eventVersion\":");
        write_str(&mut out, if call.data_event { "1.10" } else { "1.09" });
        out.push_str(",\"userIdentity\":");
        caller.identity.write(&mut out);
        out.push_str(",\"eventTime\":\"");
        clock::write_iso(&mut out, self.at);
        out.push_str("\",\"eventSource\":");
        write_str(&mut out, call.service.source);
        out.push_str(",\"eventName\":");
        write_str(&mut out, call.name);
        out.push_str(",\"awsRegion\":");
        write_str(&mut out, region);
        out.push_str(",\"sourceIPAddress\":");
        write_str(&mut out, &caller.source);
        out.push_str(",\"userAgent\":");
        write_str(
            &mut out,
            &caller.agent.user_agent(call.service.source, call.name),
        );
        if let Some((code, message)) = &call.error {
            out.push_str(",\"errorCode\":");
            write_str(&mut out, code);
            out.push_str(",\"errorMessage\":");
            write_str(&mut out, message);
        }
        out.push_str(",\"requestParameters\":");
        call.request.write(&mut out);
        out.push_str(",\"responseElements\":");
        call.response.write(&mut out);
        if let Some(additional) = &call.additional {
            out.push_str(",\"additionalEventData\":");
            additional.write(&mut out);
        }
        out.push_str(",\"requestID\":");
        let request_id = if call.service.source == S3.source {
            dice.upper_hex(16)
        } else {
            dice.uuid()
        };
        write_str(&mut out, &request_id);
        out.push_str(",\"eventID\":");
        write_str(&mut out, &dice.uuid());
        out.push_str(",\"readOnly\":");
        out.push_str(if call.read_only { "true" } else { "false" });
        if !call.resources.is_empty() {
            out.push_str(",\"resources\":");
            Json::List(call.resources.clone()).write(&mut out);
        }
        out.push_str(",\"eventType\":");
        write_str(&mut out, call.event_type);
        out.push_str(",\"managementEvent\":");
        out.push_str(if call.data_event { "false" } else { "true" });
        out.push_str(",\"recipientAccountId\":");
        write_str(&mut out, &caller.account_id);
        out.push_str(",\"eventCategory\":");
        write_str(
            &mut out,
            if call.data_event {
                "Data"
            } else {
                "Management"
            },
        );
        // Clients that reach AWS over the internet negotiate TLS; calls made
        // by AWS services on a principal's behalf have no client TLS.
        if caller.source.parse::<Ipv4Addr>().is_ok() {
            out.push_str(",\"tlsDetails\":{\"tlsVersion\":\"TLSv1.3\",\"cipherSuite\":\"TLS_AES_128_GCM_SHA256\",\"clientProvidedHostHeader\":");
            write_str(&mut out, &call.endpoint_host(region));
            out.push('}');
        }
        if caller.console {
            out.push_str(",\"sessionCredentialFromConsole\":\"true\"");
        }
        out.push('}');
        out
    }
}
