//! Crash-free users: the contract's rules for `vitals crash-free`.
//!
//! Two engines produce the same [`CrashCounts`] — the local [`Aggregator`] over export rows, and
//! the BigQuery SQL in `queries/crash_free.sql` — and [`build_report`] turns counts into the
//! report, so both paths give byte-identical JSON.

mod aggregate;
mod model;
mod range;
mod release;
mod report;
mod trend;

pub use aggregate::{Aggregator, RawRow, RowError, RowOutcome, UserKey};
pub use model::{Counts, CrashCounts, CrashKind, Platform, PlatformFilter, SloTargets, Window};
pub use range::{last_complete_day, parse_event_date, DayRange};
pub use release::{release_health, ReleaseHealth, ReleaseWindow, RELEASE_DAYS};
pub use report::{
    build_report, crash_free_rate, CrashFreeReport, DailyPoint, PlatformReport, VersionReport,
    WindowStats,
};
pub use trend::Trend;
