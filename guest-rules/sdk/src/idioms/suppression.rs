//! One alert per key per window.

use crate::codec::{Decoder, Encoder};
use crate::event::Event;
use crate::state;

/// Lets one alert per key through per window of event time and counts the
/// ones it holds back, so the next alert for the key can say how many it
/// stands for. Up to two host calls per check.
#[derive(Debug, Clone, Copy)]
pub struct Suppression {
    name: &'static str,
    window_ms: i64,
}

impl Suppression {
    /// A suppression called `name` (unique within the rule) over windows of
    /// `window_ms`.
    pub const fn new(name: &'static str, window_ms: i64) -> Self {
        Suppression { name, window_ms }
    }

    /// Whether an alert for `key` at `event`'s time may go out. `Some(n)`:
    /// yes, and `n` alerts were held back since the previous one; `None`:
    /// no, it is counted instead.
    pub fn admit(&self, key: &[&str], event: &Event<'_>) -> Option<u64> {
        let state_key = super::key("suppress", self.name, key);
        let now = event.timestamp_ms();
        let (until, held) = state::get(&state_key)
            .and_then(|bytes| {
                let mut decoder = Decoder::new(&bytes);
                Some((decoder.i64()?, decoder.u64()?))
            })
            .unwrap_or((i64::MIN, 0));
        let never_expire = state::NEVER;
        if now >= until {
            let next = now.saturating_add(self.window_ms);
            // Kept a window past its end, so the held count reaches the next alert.
            let expires = next.saturating_add(self.window_ms).min(never_expire);
            state::set(
                &state_key,
                &Encoder::new().i64(next).u64(0).finish(),
                expires,
            );
            Some(held)
        } else {
            let expires = until.saturating_add(self.window_ms);
            state::set(
                &state_key,
                &Encoder::new().i64(until).u64(held + 1).finish(),
                expires,
            );
            None
        }
    }
}
