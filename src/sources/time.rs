//! Timestamps as data files and warehouses write them.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// RFC 3339 (`2026-11-22T07:00:00Z`, any offset), or a zone-less `2026-11-22 07:00:00[.fff]`
/// / `2026-11-22T07:00:00` / `2026-11-22`, read as UTC (how BigQuery writes TIMESTAMP and
/// DATETIME in CSV exports).
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim().trim_end_matches(" UTC");
    if let Ok(ts) = DateTime::parse_from_rfc3339(t) {
        return Some(ts.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, format) {
            return Some(naive.and_utc());
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|n| n.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn common_shapes_parse_as_utc() {
        let want = Utc.with_ymd_and_hms(2026, 11, 22, 7, 0, 0).unwrap();
        for text in [
            "2026-11-22T07:00:00Z",
            "2026-11-22T16:00:00+09:00",
            "2026-11-22 07:00:00",
            "2026-11-22 07:00:00 UTC",
            "2026-11-22T07:00:00.000",
        ] {
            assert_eq!(parse_timestamp(text), Some(want), "{text}");
        }
        assert_eq!(
            parse_timestamp("2026-11-22"),
            Some(Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap())
        );
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
