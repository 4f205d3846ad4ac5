//! Slack: a view as Block Kit messages within Slack's limits, their delivery, and file
//! uploads (charts).

mod blocks;
mod deliver;
mod upload;

pub use blocks::{messages, MAX_BLOCKS, MAX_SECTION_TEXT};
pub use deliver::{post, threaded, Destination, Posted, THREAD_NEEDS_BOT, THREAD_TS_PLACEHOLDER};
pub use upload::{upload, SlackFile, CHARTS_NEED_BOT};
