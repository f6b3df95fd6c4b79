//! Summary statistics of timing samples.
//!
//! Quantiles use statrs' estimator (Hyndman and Fan's type 8, approximately median-unbiased),
//! so p90/p99 of a few dozen samples interpolate between neighbours instead of snapping to
//! the maximum. The median's confidence interval comes from order statistics (the ranks a
//! Binomial(n, ½) count puts around the middle), which assumes nothing about the shape of the
//! distribution: timings are skewed and have long tails. It reaches 95 % from six samples
//! on; with fewer it is the whole range and carries the lower coverage it really has. The
//! tails' intervals (p90, p99) come from the same order statistics with Binomial(n, q): they
//! need more samples (29 for p90, 299 for p99, [`samples_for_interval`]) and, below that,
//! are absent rather than shown at a lower coverage.
//!
//! Outliers follow hyperfine's rule: a sample further from the median than 14.826 median
//! absolute deviations (about ten standard deviations of a normal distribution), so the
//! ordinary long tail of timings is not flagged. Where more than half the samples are equal
//! (MAD 0), the scale is the clock's resolution instead: a sample one tick away is not an
//! outlier, one far away still is.

use serde::{Deserialize, Serialize};
use statrs::{
    distribution::{Binomial, DiscreteCDF},
    statistics::{Data, Distribution, Max, Median, Min, OrderStatistics},
};

/// Confidence level of every interval nlbench reports.
pub const CONFIDENCE: f64 = 0.95;
/// A sample is an outlier when |x − median| ÷ MAD exceeds this (hyperfine's threshold:
/// ten standard deviations, the MAD of normal data being 1 ÷ 1.4826 of one).
pub const OUTLIER_MADS: f64 = 14.826;
/// Resamples of the bootstrap behind a ratio's interval.
const BOOTSTRAP_RESAMPLES: usize = 2000;

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
    /// Samples further than [`OUTLIER_MADS`] MADs from the median (absent before schema
    /// version 4; a modified z-score over 3.5 before version 5).
    #[serde(default)]
    pub mad_outliers: Option<usize>,
    /// The 95 % interval of p90 (schema version 11): absent with fewer samples than
    /// [`samples_for_interval`]`(0.9)`, and in older results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p90_ci: Option<Interval>,
    /// The 95 % interval of p99 (schema version 11), from 299 samples on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99_ci: Option<Interval>,
}

/// A confidence interval of a median or of a quantile.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
    /// The probability that the interval holds the true median (or quantile): at least 0.95,
    /// or for a median less with too few samples to reach it (5 or fewer), when the interval
    /// is the whole range.
    pub coverage: f64,
}

impl Interval {
    /// True where the interval holds the true median with at least [`CONFIDENCE`]: only
    /// then may it be called a 95 % interval, or end sampling as converged.
    pub fn is_confident(&self) -> bool {
        self.coverage >= CONFIDENCE
    }

    /// "95 %" for a full interval, otherwise the coverage it has ("88 %").
    pub fn coverage_label(&self) -> String {
        if self.is_confident() {
            format!("{:.0} %", CONFIDENCE * 100.0)
        } else {
            format!("{:.0} %", (self.coverage * 100.0).floor())
        }
    }

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

/// The 95 % interval of the `q` quantile of `samples` (0 < q < 1) by order statistics: the
/// sorted samples of 1-based ranks `l < u` hold it with probability P(l ≤ B ≤ u − 1), B being
/// Binomial(n, q), whatever the distribution. Equal tails of 2.5 % where the samples allow;
/// where one tail cannot be met (p99's upper one below 367 samples) that end is the extreme
/// sample and the other end takes the slack. `None` where no pair of ranks reaches 95 %
/// (fewer than [`samples_for_interval`]`(q)` samples) or a sample is not finite.
pub fn quantile_interval(samples: &[f64], q: f64) -> Option<Interval> {
    if samples.iter().any(|s| !s.is_finite()) {
        return None;
    }
    let (low, high, coverage) = quantile_ranks(samples.len(), q)?;
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some(Interval {
        low: sorted[low - 1],
        high: sorted[high - 1],
        coverage,
    })
}

/// The fewest samples whose order statistics give the `q` quantile a 95 % interval: 6 for
/// the median, 29 for p90, 299 for p99 (where 1 − qⁿ − (1 − q)ⁿ first reaches 95 %).
pub fn samples_for_interval(q: f64) -> usize {
    (1..=MAX_TAIL_SAMPLES)
        .find(|&n| quantile_ranks(n, q).is_some())
        .unwrap_or(MAX_TAIL_SAMPLES)
}

/// Beyond any quantile nlbench reports (p99.9 would need 2,995 samples).
const MAX_TAIL_SAMPLES: usize = 100_000;

/// The 1-based ranks bounding the `q` quantile of `n` samples with at least [`CONFIDENCE`],
/// and their coverage; see [`quantile_interval`].
fn quantile_ranks(n: usize, q: f64) -> Option<(usize, usize, f64)> {
    if n == 0 || !(q > 0.0 && q < 1.0) {
        return None;
    }
    let binomial = Binomial::new(q, n as u64).ok()?;
    // F(r − 1) = P(B < r): the chance that fewer than r samples lie below the quantile.
    let below = |rank: usize| binomial.cdf(rank as u64 - 1);
    // The largest rank whose P(B < rank) stays within `bound` (it grows with the rank).
    let largest_low = |bound: f64| {
        if below(1) > bound {
            return None;
        }
        let (mut low, mut high) = (1usize, n);
        while low < high {
            let mid = (low + high).div_ceil(2);
            if below(mid) <= bound {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        Some(low)
    };
    // The smallest rank whose P(B < rank) reaches `bound`.
    let smallest_high = |bound: f64| {
        if below(n) < bound {
            return None;
        }
        let (mut low, mut high) = (1usize, n);
        while low < high {
            let mid = (low + high) / 2;
            if below(mid) >= bound {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        Some(low)
    };
    let tail = (1.0 - CONFIDENCE) / 2.0;
    let (low, high) = match (largest_low(tail), smallest_high(1.0 - tail)) {
        (Some(low), Some(high)) => (low, high),
        (Some(_), None) => (largest_low(below(n) - CONFIDENCE)?, n),
        (None, Some(_)) => (1, smallest_high(below(1) + CONFIDENCE)?),
        (None, None) => return None,
    };
    Some((low, high, below(high) - below(low)))
}

/// Samples further than [`OUTLIER_MADS`] times the scale from `median`: the MAD, or where
/// that is 0, `floor` (the clock's resolution; a relative epsilon where none is known).
pub fn outlier_count(samples: &[f64], median: f64, mad: f64, floor: f64) -> usize {
    let scale = if mad > 0.0 {
        mad
    } else if floor > 0.0 {
        floor
    } else {
        f64::EPSILON * median.abs().max(f64::MIN_POSITIVE)
    };
    samples
        .iter()
        .filter(|&&s| (s - median).abs() / scale > OUTLIER_MADS)
        .count()
}

/// The 95 % interval of median(`numerator`) ÷ median(`denominator`) by a percentile
/// bootstrap (each sample set resampled with replacement, the ratio of the resamples' medians,
/// its 2.5th and 97.5th percentiles). Seeded, so the same samples give the same interval.
/// `None` where either set is empty or not finite.
pub fn bootstrap_median_ratio(numerator: &[f64], denominator: &[f64]) -> Option<(f64, f64)> {
    use rand::{RngExt, SeedableRng, rngs::StdRng};
    let usable = |s: &[f64]| !s.is_empty() && s.iter().all(|v| v.is_finite());
    if !usable(numerator) || !usable(denominator) {
        return None;
    }
    // Any fixed seed: the interval must not change between two reads of the same results.
    let mut rng = StdRng::seed_from_u64(42);
    let mut scratch = Vec::new();
    let mut median_of_resample = |samples: &[f64], rng: &mut StdRng| {
        scratch.clear();
        scratch.extend((0..samples.len()).map(|_| samples[rng.random_range(0..samples.len())]));
        let mid = scratch.len() / 2;
        let (_, &mut upper, _) = scratch.select_nth_unstable_by(mid, f64::total_cmp);
        if scratch.len() % 2 == 1 {
            upper
        } else {
            let lower = scratch[..mid]
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max);
            (lower + upper) / 2.0
        }
    };
    let mut ratios: Vec<f64> = (0..BOOTSTRAP_RESAMPLES)
        .map(|_| {
            let n = median_of_resample(numerator, &mut rng);
            let d = median_of_resample(denominator, &mut rng);
            n / d
        })
        .filter(|r| r.is_finite())
        .collect();
    if ratios.is_empty() {
        return None;
    }
    ratios.sort_by(f64::total_cmp);
    let tail = (1.0 - CONFIDENCE) / 2.0;
    let at = |q: f64| ratios[((ratios.len() - 1) as f64 * q).round() as usize];
    Some((at(tail), at(1.0 - tail)))
}

impl Summary {
    /// `None` for an empty slice or one holding a non-finite value. Outliers are counted with
    /// no known clock resolution (see [`Summary::of_timings`]).
    pub fn of(samples: &[f64]) -> Option<Self> {
        Self::of_timings(samples, 0.0)
    }

    /// The summary of timings taken by a clock that resolves `resolution_ms` (0: unknown),
    /// which sets the outlier scale where the MAD is 0.
    pub fn of_timings(samples: &[f64], resolution_ms: f64) -> Option<Self> {
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
        let mad = Data::new(deviations).median();
        let mad_outliers = outlier_count(samples, median, mad, resolution_ms);
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
            p90_ci: quantile_interval(samples, 0.9),
            p99_ci: quantile_interval(samples, 0.99),
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
            p90_ci: self.p90_ci.map(|ci| ci.scaled(factor)),
            p99_ci: self.p99_ci.map(|ci| ci.scaled(factor)),
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

/// Why sampling stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The planned number of samples was taken.
    Count,
    /// The median's confidence interval became narrow enough.
    Converged,
    /// The time cap was reached first.
    TimeCap,
    /// The most samples allowed were taken first.
    MaxSamples,
}

/// What the measurement protocol returns: the warm-up it needed and every timed sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    /// Runs before the first sample, untimed and timed warm-up together.
    pub warmup_runs: usize,
    /// Repetitions of the work in each sample.
    pub repeats: u32,
    /// Milliseconds of each sample (of `repeats` repetitions), in the order taken.
    pub ms: Vec<f64>,
    pub stopped: StopReason,
}

impl Samples {
    /// Milliseconds of one repetition in each sample.
    pub fn per_repeat(&self) -> Vec<f64> {
        let repeats = f64::from(self.repeats);
        self.ms.iter().map(|ms| ms / repeats).collect()
    }

    /// The fastest single repetition: a ceiling's figure.
    pub fn fastest(&self) -> Option<f64> {
        self.per_repeat().into_iter().reduce(f64::min)
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
    fn outliers_by_hyperfines_rule() {
        // An ordinary long tail (a few samples 3–6 MADs out) is not flagged; a sample 30 MADs
        // out is.
        let mut samples: Vec<f64> = (0..40).map(|i| 10.0 + 0.1 * (i % 5) as f64).collect();
        samples.extend([10.8, 11.0, 11.2]);
        let tail = Summary::of(&samples).unwrap();
        assert_eq!(tail.mad_outliers, Some(0), "{:?}", tail.mad);
        samples.push(10.2 + 30.0 * tail.mad.unwrap());
        assert_eq!(Summary::of(&samples).unwrap().mad_outliers, Some(1));
        let ci = tail.median_ci.unwrap();
        assert!(ci.low <= tail.median && tail.median <= ci.high);
    }

    #[test]
    fn outliers_when_most_samples_are_equal() {
        // MAD 0: more than half the samples are the same tick.
        let mut samples = vec![10.0; 9];
        samples.push(30.0);
        let s = Summary::of_timings(&samples, 0.001).unwrap();
        assert_eq!(s.mad, Some(0.0));
        assert_eq!(s.mad_outliers, Some(1), "the far sample is an outlier");
        // One tick away is the clock's rounding, not an outlier.
        let mut ticks = vec![10.0; 9];
        ticks.push(10.001);
        assert_eq!(
            Summary::of_timings(&ticks, 0.001).unwrap().mad_outliers,
            Some(0)
        );
        // Without a known resolution any departure from the common value stands out.
        assert_eq!(Summary::of(&samples).unwrap().mad_outliers, Some(1));
        assert_eq!(Summary::of(&[5.0; 8]).unwrap().mad_outliers, Some(0));
    }

    #[test]
    fn coverage_of_the_order_statistics_interval() {
        // The exact coverage for n = 1…10: the whole range below six samples (1 − 2^(1−n)),
        // then the widest pair of ranks with a tail within 2.5 % (at least 95 %).
        for n in 1..=10usize {
            let samples: Vec<f64> = (0..n).map(|i| i as f64).collect();
            let m = median_interval(&samples).unwrap();
            if n < 6 {
                let whole = 1.0 - 2.0 * 0.5f64.powi(n as i32);
                assert!(close(m.interval.coverage, whole), "n = {n}");
                assert_eq!((m.interval.low, m.interval.high), (0.0, (n - 1) as f64));
                assert!(!m.interval.is_confident(), "n = {n}");
            } else {
                assert!(m.interval.coverage >= CONFIDENCE, "n = {n}");
                assert!(m.interval.is_confident());
            }
        }
        assert_eq!(
            median_interval(&[1.0]).unwrap().interval.coverage_label(),
            "0 %"
        );
        let five = median_interval(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(five.interval.coverage_label(), "93 %");
        // The coverage claimed holds: over many draws from a skewed distribution, the
        // interval of 10 samples holds the true median at least as often as it says.
        use rand::{RngExt, SeedableRng, rngs::StdRng};
        let mut rng = StdRng::seed_from_u64(7);
        let true_median = std::f64::consts::LN_2; // of Exp(1)
        let trials = 4000;
        let held = (0..trials)
            .filter(|_| {
                let s: Vec<f64> = (0..10).map(|_| -(1.0 - rng.random::<f64>()).ln()).collect();
                let ci = median_interval(&s).unwrap().interval;
                ci.low <= true_median && true_median <= ci.high
            })
            .count();
        let claimed = median_interval(&[0.0; 10]).unwrap().interval.coverage;
        assert!(
            held as f64 / trials as f64 >= claimed - 0.015,
            "{held} of {trials}"
        );
    }

    #[test]
    fn tail_intervals_by_order_statistics() {
        assert_eq!(samples_for_interval(0.5), 6, "as the median's interval");
        assert_eq!(samples_for_interval(0.9), 29);
        assert_eq!(samples_for_interval(0.99), 299);
        // One sample short of the count: no interval, and the summary has none either.
        let ramp = |n: usize| (1..=n).map(|i| i as f64).collect::<Vec<f64>>();
        assert!(quantile_interval(&ramp(298), 0.99).is_none());
        assert!(Summary::of(&ramp(298)).unwrap().p99_ci.is_none());
        // 299 samples: the upper end is the largest, the lower the rank that leaves 95 %
        // between them, computed here by hand: P(l ≤ B ≤ 298) for B ~ Binomial(299, 0.99).
        let ci = quantile_interval(&ramp(299), 0.99).unwrap();
        assert_eq!(ci.high, 299.0);
        let binomial = Binomial::new(0.99, 299).unwrap();
        let l = ci.low as u64;
        assert!(close(ci.coverage, binomial.cdf(298) - binomial.cdf(l - 1)));
        assert!(ci.coverage >= CONFIDENCE, "{ci:?}");
        assert!(
            binomial.cdf(298) - binomial.cdf(l) < CONFIDENCE,
            "the narrowest: {ci:?}"
        );
        // With plenty of samples both tails are 2.5 % and the interval sits around p99.
        let many = Summary::of(&ramp(2000)).unwrap();
        let p99 = many.p99_ci.unwrap();
        assert!(p99.low <= many.p99 && many.p99 <= p99.high && p99.high < 2000.0);
        let p90 = many.p90_ci.unwrap();
        assert!(p90.low <= many.p90 && many.p90 <= p90.high, "{p90:?}");
        assert!(p90.high < p99.low, "p90's interval lies below p99's");
        assert_eq!(many.scaled(0.5).p99_ci.unwrap().high, p99.high * 0.5);
        assert!(quantile_interval(&[1.0, f64::NAN], 0.5).is_none());
        // The coverage claimed holds: 40 draws from Exp(1), whose p90 is ln 10.
        use rand::{RngExt, SeedableRng, rngs::StdRng};
        let mut rng = StdRng::seed_from_u64(11);
        let trials = 4000;
        let held = (0..trials)
            .filter(|_| {
                let s: Vec<f64> = (0..40).map(|_| -(1.0 - rng.random::<f64>()).ln()).collect();
                let ci = quantile_interval(&s, 0.9).unwrap();
                ci.low <= 10f64.ln() && 10f64.ln() <= ci.high
            })
            .count();
        let claimed = quantile_interval(&ramp(40), 0.9).unwrap().coverage;
        assert!(
            held as f64 / trials as f64 >= claimed - 0.015,
            "{held} of {trials}, claimed {claimed}"
        );
    }

    #[test]
    fn bootstrap_ratio_of_medians() {
        let a: Vec<f64> = (0..50).map(|i| 10.0 + 0.05 * (i % 7) as f64).collect();
        let b: Vec<f64> = a.iter().map(|x| 2.0 * x).collect();
        let (low, high) = bootstrap_median_ratio(&b, &a).unwrap();
        assert!(
            low <= 2.0 && 2.0 <= high && high - low < 0.05,
            "{low} {high}"
        );
        // The same samples: an interval around 1; the same call: the same interval.
        let same = bootstrap_median_ratio(&a, &a).unwrap();
        assert!(same.0 <= 1.0 && 1.0 <= same.1);
        assert_eq!(bootstrap_median_ratio(&a, &a), Some(same));
        assert!(bootstrap_median_ratio(&[], &a).is_none());
        assert!(bootstrap_median_ratio(&[f64::NAN], &a).is_none());
    }

    #[test]
    fn rejects_empty_and_nan() {
        assert!(Summary::of(&[]).is_none());
        assert!(Summary::of(&[1.0, f64::NAN]).is_none());
        let single = Summary::of(&[2.0]).unwrap();
        assert_eq!(single.std_dev, 0.0);
    }
}
