//! Compact trend lines from block characters, for terminals and Slack.

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One character per value, scaled between the series' min and max; a gap is a space.
pub fn sparkline(values: &[Option<f64>]) -> String {
    let defined = values.iter().flatten();
    let (min, max) = defined.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
        (lo.min(v), hi.max(v))
    });
    values
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(_) if max - min < 1e-12 => BARS[3],
            Some(v) => BARS[(((v - min) / (max - min)) * 7.0).round() as usize],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_between_min_and_max_and_keeps_gaps() {
        assert_eq!(sparkline(&[Some(0.0), Some(0.5), None, Some(1.0)]), "▁▅ █");
        assert_eq!(sparkline(&[Some(2.0), Some(2.0)]), "▄▄");
        assert_eq!(sparkline(&[]), "");
    }
}
