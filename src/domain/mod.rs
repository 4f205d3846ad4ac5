//! The functional core: pure computations on plain data.
//!
//! Nothing in here performs I/O or reads the clock. Callers pass `now` and the data they
//! fetched; every rule of the contract is a function that can be tested with literals.

pub mod autoscale;
pub mod crash_free;
pub mod four_keys;
pub mod freshness;
pub mod gate;
pub mod slo;
pub mod time;

/// Serde helper: times as RFC 3339 UTC with a `Z`, whole seconds unless finer precision exists.
pub mod rfc3339 {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::Serializer;

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(t))
    }

    pub fn format(t: &DateTime<Utc>) -> String {
        t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }

    /// An optional time: RFC 3339, or `null`.
    pub fn option<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => serialize(t, s),
            None => s.serialize_none(),
        }
    }
}
