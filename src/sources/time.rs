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

/// A BigQuery TIMESTAMP cell: int64 microseconds (`useInt64Timestamp`, emulators), or float
/// seconds (later result pages, which cannot ask for int64).
pub fn timestamp_cell(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(micros) = text.parse::<i64>() {
        return DateTime::from_timestamp_micros(micros);
    }
    let seconds: f64 = text.parse().ok().filter(|s: &f64| s.is_finite())?;
    DateTime::from_timestamp_micros((seconds * 1e6).round() as i64)
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

    #[test]
    fn bigquery_timestamps_decode_from_micros_or_float_seconds() {
        assert_eq!(
            timestamp_cell("1795305600000000").unwrap().to_rfc3339(),
            "2026-11-22T00:00:00+00:00"
        );
        assert_eq!(
            timestamp_cell("1.7953056E9").unwrap().to_rfc3339(),
            "2026-11-22T00:00:00+00:00"
        );
        assert_eq!(timestamp_cell("soon"), None);
    }
}
