//! Call-time percentiles with fixed memory: a histogram of power-of-two
//! buckets of nanoseconds. Percentiles are reported as the upper bound of
//! their bucket, so they are accurate to within a factor of two, which is
//! what a p50/p99 of rule calls needs to show.

use std::time::Duration;

/// A histogram of call durations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallTimes {
    buckets: [u64; 64],
    count: u64,
}

impl Default for CallTimes {
    fn default() -> Self {
        CallTimes {
            buckets: [0; 64],
            count: 0,
        }
    }
}

impl CallTimes {
    /// Records one call.
    pub fn record(&mut self, took: Duration) {
        let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX).max(1);
        let bucket = 63 - nanos.leading_zeros() as usize;
        self.buckets[bucket] += 1;
        self.count += 1;
    }

    /// Calls recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The duration below which `quantile` (0 to 1) of the calls fell, as
    /// the upper bound of its bucket; zero when nothing was recorded.
    pub fn quantile(&self, quantile: f64) -> Duration {
        if self.count == 0 {
            return Duration::ZERO;
        }
        let rank = ((self.count as f64) * quantile.clamp(0.0, 1.0))
            .ceil()
            .max(1.0) as u64;
        let mut seen = 0;
        for (bucket, &n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Duration::from_nanos(
                    1u64.checked_shl(bucket as u32 + 1).unwrap_or(u64::MAX),
                );
            }
        }
        Duration::from_nanos(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_fall_in_the_right_bucket() {
        let mut times = CallTimes::default();
        assert_eq!(times.quantile(0.5), Duration::ZERO);
        for _ in 0..98 {
            times.record(Duration::from_micros(3));
        }
        times.record(Duration::from_millis(5));
        times.record(Duration::from_millis(5));
        let p50 = times.quantile(0.5);
        assert!(
            p50 >= Duration::from_micros(3) && p50 <= Duration::from_micros(6),
            "{p50:?}"
        );
        let p99 = times.quantile(0.99);
        assert!(
            p99 >= Duration::from_millis(5) && p99 <= Duration::from_millis(10),
            "{p99:?}"
        );
        assert_eq!(times.count(), 100);
    }
}
