//! Rules compiled into the process instead of loaded as components.
//!
//! The rule SDK can build a rule crate natively as well as to a component,
//! with identical logic. Such a rule is wrapped in a [`NativeRule`] and
//! loaded with [`Runtime::load_native`](super::Runtime::load_native); the
//! pipeline then runs it exactly as it runs a component: same dispatch,
//! same event buffers, same state store and transactions, same alert
//! validation. Comparing the two measures what the sandbox costs, and
//! checks that it changes no answer.
//!
//! A native rule is not sandboxed: it has no memory cap and no deadline,
//! and only its panics are contained (as traps). It is meant for
//! benchmarks and equivalence tests, never for rules one does not trust.

use super::{RuleContext, wit};

/// A rule compiled into the process. Its state and log calls go to the
/// [`RuleContext`] it is handed, which implements the same host interfaces
/// ([`super::wit_state::Host`], [`super::wit_log::Host`]) a component
/// imports.
pub trait NativeRule: Send {
    /// The rule's metadata, as its component would return it.
    fn metadata(&self) -> wit::RuleMetadata;

    /// Handles a batch of encoded events.
    ///
    /// # Errors
    ///
    /// The rule's own failure. A panic is caught and reported as a trap.
    fn on_events(&self, context: &mut RuleContext, batch: &[u8])
    -> Result<Vec<wit::Alert>, String>;

    /// Tells the rule the watermark has advanced.
    ///
    /// # Errors
    ///
    /// As for [`NativeRule::on_events`].
    fn on_tick(&self, context: &mut RuleContext, watermark: i64)
    -> Result<Vec<wit::Alert>, String>;
}
