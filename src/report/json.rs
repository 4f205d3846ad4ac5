//! The contract's JSON documents, one per run, pretty-printed.

use super::{Report, Sink};

pub struct JsonSink;

impl Sink for JsonSink {
    fn render(&self, report: &Report) -> String {
        let mut text =
            serde_json::to_string_pretty(&report.document).unwrap_or_else(|_| "{}".into());
        text.push('\n');
        text
    }
}
