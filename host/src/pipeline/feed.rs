//! The feed: a thread that reads the inputs, decodes and normalizes, and
//! sends events to the pipeline in input order.
//!
//! Decoding and normalizing run beside rule execution, on another core.
//! The channel is bounded, so a slow pipeline slows the reader rather than
//! letting memory grow.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

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

/// Starts reading `inputs` in order on a thread of its own, enriching each
/// event with `enrich`.
pub fn spawn_feed(
    inputs: Vec<Input>,
    enrich: Arc<dyn Enrich>,
    capacity: usize,
) -> (Receiver<FeedItem>, JoinHandle<()>) {
    let (sender, receiver) = sync_channel(capacity);
    let handle = std::thread::Builder::new()
        .name("ferrule-feed".into())
        .spawn(move || feed(inputs, &*enrich, &sender))
        .expect("spawning the feed thread");
    (receiver, handle)
}

fn feed(inputs: Vec<Input>, enrich: &dyn Enrich, sender: &SyncSender<FeedItem>) {
    for input in inputs {
        let reader = match input.open() {
            Ok(reader) => reader,
            Err(error) => {
                let item = FeedItem::Rejected {
                    kind: error.kind(),
                    message: error.to_string(),
                };
                if sender.send(item).is_err() {
                    return;
                }
                continue;
            }
        };
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
            if sender.send(item).is_err() {
                // The pipeline has stopped; nothing more to do.
                return;
            }
        }
    }
}
