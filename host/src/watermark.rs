//! The watermark: the event time up to which input is taken as complete.
//!
//! CloudTrail delivers minutes late and out of order. The watermark trails
//! the largest event time seen by an allowed lateness; state expiry and tick
//! calls follow it, so an event arriving up to that lateness behind the
//! newest one still finds the state it needs.

/// The default allowed lateness: 15 minutes.
pub const DEFAULT_LATENESS_MS: i64 = 15 * 60 * 1000;

/// Tracks the watermark of one stream.
#[derive(Debug, Clone)]
pub struct Watermark {
    lateness_ms: i64,
    max_event_ms: Option<i64>,
    closed: bool,
}

impl Watermark {
    /// A watermark trailing the newest event by `lateness_ms`.
    pub fn new(lateness_ms: i64) -> Self {
        Watermark {
            lateness_ms: lateness_ms.max(0),
            max_event_ms: None,
            closed: false,
        }
    }

    /// Accounts for an event; returns `true` if the watermark moved.
    pub fn observe(&mut self, event_ms: i64) -> bool {
        match self.max_event_ms {
            Some(max) if event_ms <= max => false,
            _ => {
                self.max_event_ms = Some(event_ms);
                true
            }
        }
    }

    /// The current watermark, ms since the Unix epoch; `i64::MIN` before the
    /// first event and `i64::MAX` once the input has ended.
    pub fn current(&self) -> i64 {
        if self.closed {
            return i64::MAX;
        }
        match self.max_event_ms {
            Some(max) => max.saturating_sub(self.lateness_ms),
            None => i64::MIN,
        }
    }

    /// The input has ended: everything is complete.
    pub fn close(&mut self) {
        self.closed = true;
    }

    /// The newest event time seen.
    pub fn max_event_ms(&self) -> Option<i64> {
        self.max_event_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trails_the_newest_event_and_never_moves_back() {
        let mut watermark = Watermark::new(1_000);
        assert_eq!(watermark.current(), i64::MIN);
        assert!(watermark.observe(10_000));
        assert_eq!(watermark.current(), 9_000);
        assert!(!watermark.observe(5_000), "a late event does not move it");
        assert_eq!(watermark.current(), 9_000);
        assert!(watermark.observe(12_000));
        assert_eq!(watermark.current(), 11_000);
        watermark.close();
        assert_eq!(watermark.current(), i64::MAX);
    }
}
