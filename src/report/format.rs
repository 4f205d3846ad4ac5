//! Number formatting shared by the human-facing sinks.

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
    fn counts_group_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1234567), "1,234,567");
    }
}
