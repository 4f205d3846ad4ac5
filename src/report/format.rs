//! Number and time formatting shared by the human-facing views. Every time a person reads is
//! in the report's time zone, named once where it is shown; JSON keeps RFC 3339 UTC.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// `2026-11-22 09:00` in `tz`.
pub fn local_minute(t: &DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// `2026-11-22 09:00 Asia/Tokyo`: a time with its zone, for footers and notes.
pub fn local_time(t: &DateTime<Utc>, tz: Tz) -> String {
    format!("{} {}", local_minute(t, tz), tz.name())
}

/// `2026-11-22` in `tz`.
pub fn local_date(t: &DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d").to_string()
}

/// A change of a rate in percentage points, signed: `+0.02 pt`, `−1.30 pt`.
pub fn points(delta: f64) -> String {
    let text = format!("{:+.2} pt", delta * 100.0);
    text.replace('-', "−")
}

/// A ratio as a percentage with enough digits to compare against 99.95 % SLOs; `—` for none.
pub fn percent(ratio: Option<f64>) -> String {
    match ratio {
        Some(r) => format!("{:.3} %", r * 100.0),
        None => "—".to_string(),
    }
}

/// Thousands separated by a thin comma: 1234567 → "1,234,567".
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_keep_three_decimals() {
        assert_eq!(percent(Some(0.9995)), "99.950 %");
        assert_eq!(percent(Some(1.0)), "100.000 %");
        assert_eq!(percent(None), "—");
    }

    #[test]
    fn times_are_read_in_the_report_zone() {
        let t = DateTime::parse_from_rfc3339("2026-11-29T17:17:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            local_time(&t, chrono_tz::Asia::Tokyo),
            "2026-11-30 02:17 Asia/Tokyo"
        );
        assert_eq!(local_date(&t, chrono_tz::UTC), "2026-11-29");
        assert_eq!(points(-0.013), "−1.30 pt");
        assert_eq!(points(0.0002), "+0.02 pt");
    }

    #[test]
    fn counts_group_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1234567), "1,234,567");
    }
}
