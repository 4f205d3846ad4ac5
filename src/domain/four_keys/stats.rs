//! The contract's order statistics: the median (mean of the two middle values for an even
//! count) and nearest-rank percentiles (the ⌈p·n⌉-th smallest, never interpolated).

/// Sorts durations (seconds) ascending, so both statistics can read one sorted slice.
pub fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values
}

/// Median of ascending `sorted`; `None` when empty.
pub fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// The `percent`-th nearest-rank percentile of ascending `sorted`: the ⌈percent·n/100⌉-th
/// smallest value, counted in integers so that 0.9·10 is exactly rank 9.
pub fn nearest_rank(sorted: &[f64], percent: usize) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = (percent * n).div_ceil(100).clamp(1, n);
    Some(sorted[rank - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_an_odd_count_is_the_middle_value() {
        assert_eq!(median(&sorted(vec![30.0, 10.0, 20.0])), Some(20.0));
        assert_eq!(median(&[5.0]), Some(5.0));
    }

    #[test]
    fn median_of_an_even_count_is_the_mean_of_the_two_middle_values() {
        assert_eq!(median(&sorted(vec![40.0, 10.0, 30.0, 20.0])), Some(25.0));
        assert_eq!(median(&[1.0, 2.0]), Some(1.5));
    }

    #[test]
    fn statistics_of_nothing_are_none() {
        assert_eq!(median(&[]), None);
        assert_eq!(nearest_rank(&[], 90), None);
    }

    #[test]
    fn p90_is_the_nearest_rank_never_interpolated() {
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(nearest_rank(&ten, 90), Some(9.0), "⌈9⌉ = 9th");
        let eleven: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(nearest_rank(&eleven, 90), Some(10.0), "⌈9.9⌉ = 10th");
        let nine: Vec<f64> = (1..=9).map(f64::from).collect();
        assert_eq!(nearest_rank(&nine, 90), Some(9.0), "⌈8.1⌉ = 9th");
        assert_eq!(nearest_rank(&[7.0], 90), Some(7.0));
        assert_eq!(nearest_rank(&[1.0, 2.0], 90), Some(2.0), "⌈1.8⌉ = 2nd");
    }
}
