//! Slack: a view as Block Kit messages within Slack's limits, and their delivery.

mod blocks;
mod deliver;

pub use blocks::{messages, MAX_BLOCKS, MAX_SECTION_TEXT};
pub use deliver::{post, threaded, Destination, Posted, THREAD_NEEDS_BOT, THREAD_TS_PLACEHOLDER};
