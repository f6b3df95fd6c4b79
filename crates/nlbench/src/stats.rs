//! Summary statistics of timing samples.
//!
//! Quantiles use statrs' estimator (Hyndman and Fan's type 8, approximately median-unbiased),
//! so p90/p99 of a few dozen samples interpolate between neighbours instead of snapping to
//! the maximum.

use serde::{Deserialize, Serialize};
use statrs::statistics::{Data, Distribution, Max, Median, Min, OrderStatistics};

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
    fn rejects_empty_and_nan() {
        assert!(Summary::of(&[]).is_none());
        assert!(Summary::of(&[1.0, f64::NAN]).is_none());
        let single = Summary::of(&[2.0]).unwrap();
        assert_eq!(single.std_dev, 0.0);
    }
}
