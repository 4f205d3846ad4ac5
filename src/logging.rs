//! `-v` logging: one line per upstream call on stderr, through `tracing`, every line passed
//! through [`redact::clean`]. Without `-v` no subscriber is installed and nothing is printed.

use std::io::Write;

use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;

use crate::redact;

/// Installs the stderr logger: `-v` logs calls (info), `-vv` also retries' waits (debug).
/// Only vitals' own events: the HTTP stack's are noise for a user.
pub fn init(verbosity: u8) {
    let level = match verbosity {
        0 => return,
        1 => Level::INFO,
        _ => Level::DEBUG,
    };
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(RedactedStderr)
        .with_target(false)
        .with_level(false)
        .without_time()
        .with_filter(Targets::new().with_target("vitals", level));
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

/// Hands out one buffer per event, written (redacted) to stderr when the event is done.
struct RedactedStderr;

impl<'a> MakeWriter<'a> for RedactedStderr {
    type Writer = EventBuffer;

    fn make_writer(&'a self) -> EventBuffer {
        EventBuffer(Vec::new())
    }
}

struct EventBuffer(Vec<u8>);

impl Write for EventBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for EventBuffer {
    fn drop(&mut self) {
        if self.0.is_empty() {
            return;
        }
        // Redacted as a whole, so a secret split across writes is still caught.
        let text = redact::clean(&String::from_utf8_lossy(&self.0));
        let lines: String = text.lines().map(|l| format!("vitals: {l}\n")).collect();
        crate::progress::suspend(|| {
            let _ = std::io::stderr().lock().write_all(lines.as_bytes());
        });
    }
}
