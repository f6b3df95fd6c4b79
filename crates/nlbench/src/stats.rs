//! Summary statistics of timing samples.
//!
//! Quantiles use statrs' estimator (Hyndman and Fan's type 8, approximately median-unbiased),
//! so p90/p99 of a few dozen samples interpolate between neighbours instead of snapping to
//! the maximum. The median's confidence interval comes from order statistics (the ranks a
//! Binomial(n, ½) count puts around the middle), which assumes nothing about the shape of the
//! distribution: timings are skewed and have long tails.

use serde::{Deserialize, Serialize};
use statrs::{
    distribution::{Binomial, DiscreteCDF},
    statistics::{Data, Distribution, Max, Median, Min, OrderStatistics},
};

/// Confidence level of every interval nlbench reports.
pub const CONFIDENCE: f64 = 0.95;
/// A sample lies outside the bulk when its modified z-score (0.6745 · |x − median| ÷ MAD)
/// exceeds this (Iglewicz and Hoaglin's threshold).
const MAD_OUTLIER_SCORE: f64 = 3.5;

/// Summary of one set of samples, in the samples' own unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub count: usize,
    pub mean: f64,
    /// Sample standard deviation (n - 1); 0 for a single sample.
    pub std_dev: f64,
    pub median: f64,
    pub p90: f64,
    pub p99: f64,
    pub min: f64,
    pub max: f64,
    /// Coefficient of variation: σ ÷ mean.
    pub cv: f64,
    /// Samples outside Tukey's fences (1.5 × IQR beyond the quartiles).
    pub outliers: usize,
    /// Confidence interval of the median (absent in results older than schema version 4).
    #[serde(default)]
    pub median_ci: Option<Interval>,
    /// Median absolute deviation from the median (absent before schema version 4).
    #[serde(default)]
    pub mad: Option<f64>,
    /// Samples whose modified z-score exceeds 3.5 (absent before schema version 4).
    #[serde(default)]
    pub mad_outliers: Option<usize>,
}

/// A confidence interval of a median.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
    /// The probability that the interval holds the true median: 0.95, or less with too few
    /// samples to reach it (5 or fewer), when the interval is the whole range.
    pub coverage: f64,
}

impl Interval {
    /// The larger distance from `centre` to either end, as a share of `centre`.
    pub fn half_width_share(&self, centre: f64) -> f64 {
        if centre == 0.0 {
            return f64::INFINITY;
        }
        (centre - self.low).max(self.high - centre).abs() / centre.abs()
    }

    pub fn scaled(&self, factor: f64) -> Self {
        Self {
            low: self.low * factor,
            high: self.high * factor,
            coverage: self.coverage,
        }
    }
}

/// A median and its interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MedianInterval {
    pub median: f64,
    pub interval: Interval,
}

impl MedianInterval {
    /// Half the interval's width around the median, as a share of the median.
    pub fn half_width_share(&self) -> f64 {
        self.interval.half_width_share(self.median)
    }
}

/// The median of `samples` with its confidence interval, or `None` for no (or non-finite)
/// samples.
pub fn median_interval(samples: &[f64]) -> Option<MedianInterval> {
    if samples.is_empty() || samples.iter().any(|s| !s.is_finite()) {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    let (lower, coverage) = order_statistic_rank(n);
    Some(MedianInterval {
        median,
        interval: Interval {
            low: sorted[lower],
            high: sorted[n - 1 - lower],
            coverage,
        },
    })
}

/// The 0-based rank `j` such that sorted samples `j` and `n − 1 − j` bound the median with at
/// least [`CONFIDENCE`], and the coverage they reach, 1 − 2 · P(Binomial(n, ½) ≤ j): the
/// largest `j` whose tail probability stays within (1 − CONFIDENCE) ÷ 2, or 0 (the whole range,
/// with less coverage) where even that is too large.
fn order_statistic_rank(n: usize) -> (usize, f64) {
    let tail = (1.0 - CONFIDENCE) / 2.0;
    let Ok(binomial) = Binomial::new(0.5, n as u64) else {
        return (0, 0.0);
    };
    // The tail probability grows with j: binary search for the last j within it.
    let (mut low, mut high) = (0usize, n.saturating_sub(1) / 2);
    while low < high {
        let mid = (low + high).div_ceil(2);
        if binomial.cdf(mid as u64) <= tail {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    (low, 1.0 - 2.0 * binomial.cdf(low as u64))
}

impl Summary {
    /// `None` for an empty slice or one holding a non-finite value.
    pub fn of(samples: &[f64]) -> Option<Self> {
        if samples.is_empty() || samples.iter().any(|s| !s.is_finite()) {
            return None;
        }
        let mut data = Data::new(samples.to_vec());
        let mean = data.mean()?;
        let std_dev = if samples.len() > 1 {
            data.std_dev()?
        } else {
            0.0
        };
        let (q1, q3) = (data.lower_quartile(), data.upper_quartile());
        let fence = 1.5 * (q3 - q1);
        let outliers = samples
            .iter()
            .filter(|&&s| s < q1 - fence || s > q3 + fence)
            .count();
        let median = data.median();
        let deviations: Vec<f64> = samples.iter().map(|s| (s - median).abs()).collect();
        let mad = Data::new(deviations.clone()).median();
        let mad_outliers = deviations
            .iter()
            .filter(|&&d| mad > 0.0 && 0.6745 * d / mad > MAD_OUTLIER_SCORE)
            .count();
        Some(Self {
            count: samples.len(),
            mean,
            std_dev,
            median: data.median(),
            p90: data.percentile(90),
            p99: data.percentile(99),
            min: data.min(),
            max: data.max(),
            cv: if mean != 0.0 { std_dev / mean } else { 0.0 },
            outliers,
            median_ci: median_interval(samples).map(|m| m.interval),
            mad: Some(mad),
            mad_outliers: Some(mad_outliers),
        })
    }

    /// The same summary with every figure multiplied by `factor` (a unit change such as
    /// per-batch to per-sample); the CV and outlier count do not change.
    pub fn scaled(&self, factor: f64) -> Self {
        Self {
            mean: self.mean * factor,
            std_dev: self.std_dev * factor,
            median: self.median * factor,
            p90: self.p90 * factor,
            p99: self.p99 * factor,
            min: self.min * factor,
            max: self.max * factor,
            median_ci: self.median_ci.map(|ci| ci.scaled(factor)),
            mad: self.mad.map(|mad| mad * factor),
            ..self.clone()
        }
    }
}

/// Least-squares line `y = intercept + slope · x`, with its coefficient of determination.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LinearFit {
    pub intercept: f64,
    pub slope: f64,
    /// R²: 1 for points on a line; 1 too when every y is the same.
    pub r_squared: f64,
}

impl LinearFit {
    /// `None` for fewer than two points or when every x is the same.
    pub fn of(xs: &[f64], ys: &[f64]) -> Option<Self> {
        if xs.len() < 2 || xs.len() != ys.len() {
            return None;
        }
        let (slope, intercept): (f64, f64) = linreg::linear_regression(xs, ys).ok()?;
        let mean = ys.iter().sum::<f64>() / ys.len() as f64;
        let total: f64 = ys.iter().map(|y| (y - mean).powi(2)).sum();
        let residual: f64 = xs
            .iter()
            .zip(ys)
            .map(|(x, y)| (y - (intercept + slope * x)).powi(2))
            .sum();
        let r_squared = if total == 0.0 {
            1.0
        } else {
            1.0 - residual / total
        };
        Some(Self {
            intercept,
            slope,
            r_squared,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn one_to_ten_by_hand() {
        let samples: Vec<f64> = (1..=10).map(f64::from).collect();
        let s = Summary::of(&samples).unwrap();
        assert_eq!(s.count, 10);
        assert!(close(s.mean, 5.5));
        // Σ(x - 5.5)² = 82.5; / 9 = 9.1666…
        assert!(close(s.std_dev, (82.5f64 / 9.0).sqrt()));
        assert!(close(s.median, 5.5));
        // Type 8: h = (n + 1/3)·p + 1/3 = 9.6333…, between the 9th and 10th values.
        assert!(close(
            s.p90,
            9.0 + (10.0 + 1.0 / 3.0) * 0.9 + 1.0 / 3.0 - 9.0
        ));
        assert!(close(s.p99, 10.0));
        assert!(close(s.min, 1.0) && close(s.max, 10.0));
        assert!(close(s.cv, s.std_dev / 5.5));
        assert_eq!(s.outliers, 0);
    }

    #[test]
    fn outlier_and_scaling() {
        let samples = [10.0, 10.0, 10.0, 11.0, 10.0, 10.0, 100.0];
        let s = Summary::of(&samples).unwrap();
        assert_eq!(s.outliers, 1);
        assert!(close(s.median, 10.0));
        let per_item = s.scaled(0.5);
        assert!(close(per_item.median, 5.0) && close(per_item.max, 50.0));
        assert!(close(per_item.cv, s.cv));
    }

    #[test]
    fn linear_fit_by_hand() {
        // y = 100 + 8x exactly.
        let fit = LinearFit::of(&[1.0, 2.0, 4.0], &[108.0, 116.0, 132.0]).unwrap();
        assert!(close(fit.slope, 8.0) && close(fit.intercept, 100.0));
        assert!(close(fit.r_squared, 1.0));
        // (0,0), (1,1), (2,0): slope 0, intercept 1/3, R² = 0.
        let fit = LinearFit::of(&[0.0, 1.0, 2.0], &[0.0, 1.0, 0.0]).unwrap();
        assert!(close(fit.slope, 0.0) && close(fit.intercept, 1.0 / 3.0));
        assert!(close(fit.r_squared, 0.0));
        assert!(LinearFit::of(&[1.0], &[1.0]).is_none());
        assert!(LinearFit::of(&[2.0, 2.0], &[1.0, 3.0]).is_none());
    }

    #[test]
    fn median_interval_by_order_statistics() {
        // n = 10: P(B ≤ 1) = 11/1024 ≤ 0.025 < P(B ≤ 2) = 56/1024, so the 2nd and 9th smallest
        // bound the median, with coverage 1 − 2 · 11/1024.
        let samples: Vec<f64> = (1..=10).map(f64::from).collect();
        let m = median_interval(&samples).unwrap();
        assert!(close(m.median, 5.5));
        assert_eq!((m.interval.low, m.interval.high), (2.0, 9.0));
        assert!(close(m.interval.coverage, 1.0 - 22.0 / 1024.0));
        // Five samples cannot reach 95 %: the whole range, with its lower coverage.
        let m = median_interval(&[3.0, 1.0, 2.0, 5.0, 4.0]).unwrap();
        assert_eq!((m.interval.low, m.interval.high), (1.0, 5.0));
        assert!(close(m.interval.coverage, 1.0 - 2.0 / 32.0));
        // Many equal samples: a zero-width interval.
        assert_eq!(median_interval(&[7.0; 50]).unwrap().half_width_share(), 0.0);
        // Narrower with more samples of the same spread.
        let spread = |n: usize| {
            let s: Vec<f64> = (0..n).map(|i| 100.0 + (i % 10) as f64).collect();
            median_interval(&s).unwrap().half_width_share()
        };
        assert!(spread(1000) < spread(20));
        assert!(median_interval(&[]).is_none());
    }

    #[test]
    fn mad_outliers() {
        let s = Summary::of(&[10.0, 10.1, 9.9, 10.0, 10.2, 9.8, 10.0, 30.0]).unwrap();
        assert_eq!(s.mad_outliers, Some(1));
        assert!(s.mad.unwrap() > 0.0);
        let ci = s.median_ci.unwrap();
        assert!(ci.low <= s.median && s.median <= ci.high);
    }

    #[test]
    fn rejects_empty_and_nan() {
        assert!(Summary::of(&[]).is_none());
        assert!(Summary::of(&[1.0, f64::NAN]).is_none());
        let single = Summary::of(&[2.0]).unwrap();
        assert_eq!(single.std_dev, 0.0);
    }
}
