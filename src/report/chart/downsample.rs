//! Min/max downsampling: a line of 20,160 minutes drawn 800 pixels wide keeps, per pixel
//! column, only its lowest and highest point (in the order they occur), plus the run's first
//! and last. Every spike survives, the picture is the same, and the SVG stays small.

/// `points` (x in pixels, ascending, and y) reduced to at most about two per `column` pixels.
pub fn min_max(points: &[(f64, f64)], column: f64) -> Vec<(f64, f64)> {
    if points.len() <= 2 {
        return points.to_vec();
    }
    let column = column.max(1e-9);
    let mut out = Vec::with_capacity(points.len().min(4096));
    let mut i = 0;
    while i < points.len() {
        let bucket = (points[i].0 / column).floor();
        let mut j = i;
        let (mut lo, mut hi) = (i, i);
        while j < points.len() && (points[j].0 / column).floor() == bucket {
            if points[j].1 < points[lo].1 {
                lo = j;
            }
            if points[j].1 > points[hi].1 {
                hi = j;
            }
            j += 1;
        }
        let mut keep = [i, lo, hi, j - 1];
        keep.sort_unstable();
        let mut last = usize::MAX;
        for k in keep {
            // The bucket's first and last only at the run's ends: inside, min and max suffice.
            let end = k == 0 || k == points.len() - 1;
            if k != last && (k == lo || k == hi || end) {
                out.push(points[k]);
                last = k;
            }
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spike_of_one_sample_survives_among_thousands() {
        let mut points: Vec<(f64, f64)> = (0..20_160)
            .map(|i| (i as f64 * 800.0 / 20_160.0, 50.0))
            .collect();
        points[12_345].1 = 133.0;
        points[777].1 = 2.0;
        let out = min_max(&points, 1.0);
        assert!(out.len() <= 2 * 801, "{} points", out.len());
        assert!(out.iter().any(|p| p.1 == 133.0), "the spike is kept");
        assert!(out.iter().any(|p| p.1 == 2.0), "the dip is kept");
        assert_eq!(out.first(), points.first());
        assert_eq!(out.last(), points.last());
        assert!(out.windows(2).all(|w| w[0].0 <= w[1].0), "in order");
    }

    #[test]
    fn sparse_points_are_left_alone() {
        let points = [(0.0, 1.0), (100.0, 2.0), (200.0, 0.5)];
        assert_eq!(min_max(&points, 1.0), points);
    }
}
