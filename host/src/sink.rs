//! Sinks: where alerts go. The NDJSON sink writes one alert object per
//! line, exactly as the alert contract describes.

use std::io::{self, Write};

use crate::alert::Alert;

/// A destination for alerts.
pub trait AlertSink {
    /// Writes one alert.
    ///
    /// # Errors
    ///
    /// The destination's I/O error.
    fn write(&mut self, alert: &Alert) -> io::Result<()>;

    /// Makes written alerts visible downstream.
    ///
    /// # Errors
    ///
    /// The destination's I/O error.
    fn flush(&mut self) -> io::Result<()>;
}

/// Writes alerts as NDJSON.
pub struct NdjsonSink<W: Write> {
    out: io::BufWriter<W>,
}

impl<W: Write> NdjsonSink<W> {
    /// A sink writing to `out`.
    pub fn new(out: W) -> Self {
        NdjsonSink {
            out: io::BufWriter::new(out),
        }
    }
}

impl<W: Write> AlertSink for NdjsonSink<W> {
    fn write(&mut self, alert: &Alert) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, alert)?;
        self.out.write_all(b"\n")
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Keeps alerts in memory; for embedding and tests.
#[derive(Debug, Default)]
pub struct MemorySink {
    /// Alerts written so far.
    pub alerts: Vec<Alert>,
}

impl AlertSink for MemorySink {
    fn write(&mut self, alert: &Alert) -> io::Result<()> {
        self.alerts.push(alert.clone());
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
