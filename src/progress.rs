//! Progress on stderr: a bar on a terminal, nothing when piped, in CI logs or with `--quiet`.
//! Every bar joins one [`MultiProgress`], so the digest's concurrent sections each get a line
//! instead of overdrawing each other.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

fn bars() -> &'static MultiProgress {
    static BARS: OnceLock<MultiProgress> = OnceLock::new();
    BARS.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
}

/// Runs `write` (a line for stderr) with the bars cleared, so it does not tear them.
pub fn suspend<R>(write: impl FnOnce() -> R) -> R {
    bars().suspend(write)
}

/// A byte-counting progress bar that may be hidden. Cheap to advance from any thread.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar over `total` bytes, shown only when stderr is a terminal and not `quiet`.
    pub fn bytes(message: &str, total: u64, quiet: bool) -> Progress {
        Progress::bar(
            message,
            total,
            "{msg:>12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            quiet,
        )
    }

    /// A bar over `total` items with the time left, for work whose size is known (the
    /// policies `tune` simulates, the SLOs fetched, the sources checked). Within 80 columns.
    pub fn items(message: &str, total: u64, unit: &str, quiet: bool) -> Progress {
        let template = format!("{{msg}} [{{bar:30}}] {{pos}}/{{len}} {unit} · ETA {{eta}}");
        Progress::bar(message, total, &template, quiet)
    }

    /// A bar over `total` drawn with `template`, hidden when `quiet` or off a terminal.
    fn bar(message: &str, total: u64, template: &str, quiet: bool) -> Progress {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress::hidden();
        }
        let bar = bars().add(ProgressBar::new(total));
        bar.set_style(
            ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message(message.to_string());
        Progress { bar }
    }

    /// A spinner for work of unknown length (a remote query).
    pub fn spinner(message: &str, quiet: bool) -> Progress {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress::hidden();
        }
        let bar = bars().add(ProgressBar::new_spinner());
        bar.set_message(message.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress { bar }
    }

    /// A spinner counting calls (`advance(1)` per call) for a fetch of unknown length.
    pub fn counter(message: &str, unit: &str, quiet: bool) -> Progress {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress::hidden();
        }
        let bar = bars().add(ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template(&format!("{{spinner}} {{msg}}: {{pos}} {unit}"))
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(message.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress { bar }
    }

    pub fn hidden() -> Progress {
        Progress {
            bar: ProgressBar::hidden(),
        }
    }

    /// What the work is doing now (e.g. which SLO is being fetched).
    pub fn set_message(&self, message: String) {
        self.bar.set_message(message);
    }

    /// Counts `n` more bytes or items done.
    #[inline]
    pub fn advance(&self, n: u64) {
        self.bar.inc(n);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
