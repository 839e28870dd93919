//! Driving a pipeline from its inputs: the loop between the feed thread
//! and the rules.
//!
//! Files are read in full batches, so a replay cuts its input into the
//! same batches every time; events later than the allowed lateness then
//! meet the rules in the same order on every run. A live stream (stdin) is
//! processed as it comes, in whatever is waiting, so a quiet stream is not
//! held back.

use std::sync::Arc;
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use anyhow::{Context, Result};

use super::{Feed, FeedItem, Pipeline, spawn_feed};
use crate::decode::Input;
use crate::enrich::Enrich;

/// How long a quiet input may keep the loop from calling `between_batches`.
const IDLE_WAKE: Duration = Duration::from_millis(50);

/// Reads `inputs` to their end through `pipeline`, enriching events with
/// `enricher`. `between_batches` runs after every batch and whenever the
/// input has been quiet for a while: the place to apply rule changes.
///
/// # Errors
///
/// Writing alerts failed, or the reader thread panicked.
pub fn drain(
    pipeline: &mut Pipeline,
    inputs: Vec<Input>,
    enricher: Arc<dyn Enrich>,
    mut between_batches: impl FnMut(&mut Pipeline),
) -> Result<()> {
    let live = inputs.contains(&Input::Stdin);
    let (mut feed, reader) = spawn_feed(inputs, enricher, 4 * pipeline.batch_size());
    let mut batch = Vec::with_capacity(pipeline.batch_size());
    let mut ended = false;
    while !ended {
        let first = match feed.recv_timeout(IDLE_WAKE) {
            Ok(item) => item,
            Err(RecvTimeoutError::Timeout) => {
                between_batches(pipeline);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let mut item = Some(first);
        while let Some(next) = item.take() {
            match next {
                FeedItem::Event(event) => batch.push(event),
                FeedItem::Rejected { kind, message } => pipeline.reject(kind, &message),
            }
            if batch.len() < pipeline.batch_size() {
                item = next_item(&mut feed, live, &mut ended);
            }
        }
        pipeline
            .process(std::mem::take(&mut batch))
            .context("writing alerts")?;
        between_batches(pipeline);
    }
    reader
        .join()
        .map_err(|_| anyhow::anyhow!("the input reader thread panicked"))
}

/// The next item of the batch being filled: whatever is waiting on a live
/// stream, or the next item whenever it comes on a replay (which ends the
/// loop when the feed is done).
fn next_item(feed: &mut Feed, live: bool, ended: &mut bool) -> Option<FeedItem> {
    if live {
        feed.try_recv()
    } else {
        let next = feed.recv();
        *ended = next.is_none();
        next
    }
}
