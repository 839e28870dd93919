//! The ferrule rule SDK: write a detection rule as plain Rust and get a
//! WebAssembly component the ferrule host can load.
//!
//! A rule is a type that implements [`Rule`]: static [`RuleInfo`] metadata
//! (id, severity, ATT&CK mapping, and the [`Interest`] that decides which
//! events reach it), an event handler, and optionally a tick handler for
//! rules that evaluate when the watermark passes a window's end. The crate
//! exports it with [`export_rule!`]:
//!
//! ```ignore
//! use ferrule_sdk::prelude::*;
//!
//! struct StopLogging;
//!
//! impl Rule for StopLogging {
//!     const INFO: RuleInfo = RuleInfo { /* ... */ };
//!
//!     fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure> {
//!         if event.text("event.outcome") == Some("success") {
//!             alerts.push(Alert::for_event(event, "CloudTrail logging stopped"));
//!         }
//!         Ok(())
//!     }
//! }
//!
//! export_rule!(StopLogging);
//! ```
//!
//! What the SDK guarantees:
//!
//! - Fields are read from the host's event buffer in place ([`Event`]): no
//!   JSON parse and no host call per field.
//! - State lives in the host ([`state`]), keyed privately per rule, with
//!   expiry in event time.
//! - A panic in a rule is reported through the host log with its message
//!   before the component traps, so the host can say what went wrong.

pub mod alert;
#[doc(hidden)]
pub mod bindings;
pub mod codec;
pub mod event;
pub mod fields;
pub mod idioms;
pub mod log;
pub mod matching;
pub mod metadata;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
pub mod network;
pub mod state;
pub mod time;

pub use alert::{Alert, Alerts, FieldValue};
pub use event::Event;
pub use ferrule_layout as layout;
pub use metadata::{Filter, Interest, RuleInfo, Severity, Threat};

#[cfg(target_arch = "wasm32")]
use bindings::exports::ferrule::detect::rule as wit_rule;
use bindings::ferrule::detect::types as wit;

/// Why a rule could not handle an event. The host counts it against the rule
/// and logs it with the rule's id; enough failures quarantine the rule.
pub type Failure = String;

/// In which order a rule receives its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// As they arrive, at once. Right for rules that judge one event alone.
    AsReceived,
    /// In event-time order, each event held back until the watermark
    /// passes it. Right for rules that keep state: their answers then do
    /// not depend on arrival order within the allowed lateness, at the cost
    /// of alerting up to that lateness later.
    EventTime,
}

/// A detection rule.
pub trait Rule {
    /// The rule's identity, severity, ATT&CK mapping and interests.
    const INFO: RuleInfo;

    /// The order the rule receives events in. Stateful rules set
    /// [`Delivery::EventTime`].
    const DELIVERY: Delivery = Delivery::AsReceived;

    /// Handles one event that matched the rule's interest; pushes an alert
    /// for each detection it completes.
    ///
    /// # Errors
    ///
    /// A [`Failure`] when the rule cannot evaluate the event (for example,
    /// state it wrote is unreadable). Returning one fails the whole batch.
    fn on_event(event: &Event<'_>, alerts: &mut Alerts) -> Result<(), Failure>;

    /// Called as the watermark advances past `watermark_ms`, when
    /// [`RuleInfo::wants_tick`] is set. The default does nothing.
    ///
    /// # Errors
    ///
    /// As for [`Rule::on_event`].
    fn on_tick(watermark_ms: i64, alerts: &mut Alerts) -> Result<(), Failure> {
        let _ = (watermark_ms, alerts);
        Ok(())
    }
}

/// Connects a [`Rule`] to the generated component exports. Used by
/// [`export_rule!`]; not meant to be named by rules.
#[doc(hidden)]
pub struct Adapter<R>(core::marker::PhantomData<R>);

impl<R: Rule> Adapter<R> {
    fn metadata() -> wit::RuleMetadata {
        R::INFO.to_wit(R::DELIVERY)
    }

    fn events(batch: &[u8]) -> Result<Vec<wit::Alert>, Failure> {
        let mut alerts = Alerts::new();
        idioms::begin_call();
        for record in layout::records(batch) {
            let record = record.map_err(|e| format!("malformed event batch: {e}"))?;
            R::on_event(&Event::new(record), &mut alerts)?;
        }
        idioms::end_call();
        Ok(alerts.into_wit())
    }

    fn tick(watermark: i64) -> Result<Vec<wit::Alert>, Failure> {
        let mut alerts = Alerts::new();
        idioms::begin_call();
        R::on_tick(watermark, &mut alerts)?;
        idioms::end_call();
        Ok(alerts.into_wit())
    }
}

#[cfg(target_arch = "wasm32")]
impl<R: Rule> wit_rule::Guest for Adapter<R> {
    fn metadata() -> wit::RuleMetadata {
        log::install_panic_hook();
        Adapter::<R>::metadata()
    }

    fn on_events(batch: Vec<u8>) -> Result<Vec<wit::Alert>, Failure> {
        log::install_panic_hook();
        Adapter::<R>::events(&batch)
    }

    fn on_tick(watermark: i64) -> Result<Vec<wit::Alert>, Failure> {
        log::install_panic_hook();
        Adapter::<R>::tick(watermark)
    }
}

/// Exports a [`Rule`] as the component's `ferrule:detect/rule` interface
/// when built for `wasm32`, and as `pub fn native_rule() ->`
/// [`native::NativeRule`] for any other target.
///
/// Use it once, at the root of the rule's crate.
#[macro_export]
macro_rules! export_rule {
    ($rule:ty) => {
        #[cfg(target_arch = "wasm32")]
        type __FerruleExportedRule = $crate::Adapter<$rule>;
        #[cfg(target_arch = "wasm32")]
        $crate::bindings::__export_detection_rule!(
            __FerruleExportedRule with_types_in $crate::bindings
        );

        /// This rule compiled into the calling process, for benchmarks and
        /// equivalence tests against its component.
        #[cfg(not(target_arch = "wasm32"))]
        pub fn native_rule() -> $crate::native::NativeRule {
            $crate::native::NativeRule::of::<$rule>()
        }
    };
}

/// The names most rules need.
pub mod prelude {
    pub use crate::alert::{Alert, Alerts, FieldValue};
    pub use crate::event::Event;
    pub use crate::fields;
    pub use crate::idioms::{
        FirstSeen, RecentValues, Sequence, SlidingWindow, Suppression, WindowContext,
    };
    pub use crate::matching::{Case, glob, one_of};
    pub use crate::metadata::{Filter, Interest, RuleInfo, Severity, Threat};
    pub use crate::time::rfc3339;
    pub use crate::{Delivery, cloudtrail_interest, export_rule};
    pub use crate::{Failure, Rule};
}
