//! Slack delivery: posting a report's messages (webhook or bot token, optionally threaded)
//! and uploading files (charts). The messages themselves are rendered by
//! [`crate::report::export::slack`].

mod deliver;
mod upload;

pub use deliver::{post, Destination, Posted, THREAD_NEEDS_BOT};
pub use upload::{upload, SlackFile, CHARTS_NEED_BOT};
