//! The feed: a thread that reads the inputs, decodes and normalizes, and
//! sends events to the pipeline in input order.
//!
//! Decoding and normalizing run beside rule execution, on another core.
//! The channel is bounded, so a slow pipeline slows the reader rather than
//! letting memory grow.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::decode::{Input, RecordReader};
use crate::enrich::Enrich;
use crate::event::Event;
use crate::normalize::normalize_enriched;

/// What the feed sends.
#[derive(Debug)]
pub enum FeedItem {
    /// A normalized event.
    Event(Event),
    /// A record that was rejected, with its error kind and message.
    Rejected {
        /// Stable kind, for counters.
        kind: &'static str,
        /// What went wrong and where.
        message: String,
    },
}

/// Events a file's feed sends at once. Handing events over one by one
/// would cost both threads a wake-up per event; a chunk amortizes it.
const FILE_CHUNK: usize = 64;

/// The receiving end of a feed: items in input order.
pub struct Feed {
    chunks: Receiver<Vec<FeedItem>>,
    current: std::vec::IntoIter<FeedItem>,
}

impl Feed {
    /// The next item, waiting for it; `None` when the feed has ended.
    pub fn recv(&mut self) -> Option<FeedItem> {
        loop {
            if let Some(item) = self.current.next() {
                return Some(item);
            }
            self.current = self.chunks.recv().ok()?.into_iter();
        }
    }

    /// The next item if one is waiting.
    pub fn try_recv(&mut self) -> Option<FeedItem> {
        loop {
            if let Some(item) = self.current.next() {
                return Some(item);
            }
            self.current = self.chunks.try_recv().ok()?.into_iter();
        }
    }

    /// The next item, waiting at most `timeout` for it.
    ///
    /// # Errors
    ///
    /// Nothing came in time, or the feed has ended.
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<FeedItem, RecvTimeoutError> {
        loop {
            if let Some(item) = self.current.next() {
                return Ok(item);
            }
            self.current = self.chunks.recv_timeout(timeout)?.into_iter();
        }
    }
}

impl Iterator for Feed {
    type Item = FeedItem;

    fn next(&mut self) -> Option<FeedItem> {
        self.recv()
    }
}

/// Starts reading `inputs` in order on a thread of its own, enriching each
/// event with `enrich`, holding at most about `capacity` items in flight.
///
/// Files are sent in chunks; standard input record by record, so that a
/// record of a live stream never waits for the ones after it.
pub fn spawn_feed(
    inputs: Vec<Input>,
    enrich: Arc<dyn Enrich>,
    capacity: usize,
) -> (Feed, JoinHandle<()>) {
    let (sender, receiver) = sync_channel((capacity / FILE_CHUNK).max(1));
    let handle = std::thread::Builder::new()
        .name("ferrule-feed".into())
        .spawn(move || feed(inputs, &*enrich, &sender))
        .expect("spawning the feed thread");
    let feed = Feed {
        chunks: receiver,
        current: Vec::new().into_iter(),
    };
    (feed, handle)
}

fn feed(inputs: Vec<Input>, enrich: &dyn Enrich, sender: &SyncSender<Vec<FeedItem>>) {
    for input in inputs {
        let chunk_len = if input == Input::Stdin { 1 } else { FILE_CHUNK };
        let reader = match input.open() {
            Ok(reader) => reader,
            Err(error) => {
                let item = FeedItem::Rejected {
                    kind: error.kind(),
                    message: error.to_string(),
                };
                if sender.send(vec![item]).is_err() {
                    return;
                }
                continue;
            }
        };
        let mut chunk = Vec::with_capacity(chunk_len);
        for record in RecordReader::new(input.name(), reader) {
            let item = match record {
                Ok(record) => match normalize_enriched(&record, enrich) {
                    Ok(event) => FeedItem::Event(event),
                    Err(error) => FeedItem::Rejected {
                        kind: error.kind(),
                        message: error.to_string(),
                    },
                },
                Err(error) => FeedItem::Rejected {
                    kind: error.kind(),
                    message: error.to_string(),
                },
            };
            chunk.push(item);
            if chunk.len() == chunk_len {
                let full = std::mem::replace(&mut chunk, Vec::with_capacity(chunk_len));
                if sender.send(full).is_err() {
                    // The pipeline has stopped; nothing more to do.
                    return;
                }
            }
        }
        if !chunk.is_empty() && sender.send(chunk).is_err() {
            return;
        }
    }
}
