//! How far a figure moves from one run to the next, as a run's interleaved rounds measure it.
//!
//! On a shared machine two identical runs differ by far more than either run's samples
//! suggest: an interval from one run's samples describes those samples, and an identical rerun
//! falls outside it most of the time. Rounds interleaved across the plan (`repeat`) see what a
//! rerun sees: the same configuration timed again minutes, not microseconds, later. A row has
//! only two or three rounds, too few for an interval of its own, but a machine's load moves
//! every row alike, so the rounds' spread is pooled over every row of the run: the standard
//! deviation of the log round medians about each row's own mean, with one degree of freedom
//! per round beyond a row's first. Each row's interval is then its median times
//! `exp(± t · s · √c)`, where `t` is Student's 97.5 % quantile at the pooled degrees of
//! freedom, `s` the pooled deviation, and `c` the variance of a median of the row's rounds
//! relative to one round (½ for two, whose median is their mean; the large-sample π ÷ 2R
//! beyond, which slightly overstates it for three). A row noisier than the run's rows on the
//! whole keeps its own noise: its interval is never narrower than its pooled samples' own.

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::{
    analysis::verdicts::round_spread,
    stats::{CONFIDENCE, Interval},
};

/// The run-to-run spread pooled over a run's rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunToRun {
    /// Standard deviation of one round's log median about its row's mean.
    pub log_sd: f64,
    /// Degrees of freedom: Σ (rounds − 1) over the rows with two rounds or more.
    pub df: usize,
    /// Student's 97.5 % quantile at `df`, found once: every row's interval and check use it.
    t: f64,
}

impl RunToRun {
    /// The spread of the round medians of each row (rows with fewer than two measured rounds
    /// add nothing); `None` where no row has two.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a [f64]>) -> Option<Self> {
        let (mut squares, mut df) = (0.0, 0usize);
        for medians in rows {
            if medians.len() < 2 || medians.iter().any(|m| !m.is_finite() || *m <= 0.0) {
                continue;
            }
            let logs: Vec<f64> = medians.iter().map(|m| m.ln()).collect();
            let mean = logs.iter().sum::<f64>() / logs.len() as f64;
            squares += logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>();
            df += logs.len() - 1;
        }
        (df > 0).then(|| Self::new((squares / df as f64).sqrt(), df))
    }

    fn new(log_sd: f64, df: usize) -> Self {
        let t = StudentsT::new(0.0, 1.0, df as f64)
            .map_or(f64::INFINITY, |t| t.inverse_cdf(0.5 + CONFIDENCE / 2.0));
        Self { log_sd, df, t }
    }

    /// Half the width of a 95 % interval of the median of `rounds` rounds, on the log scale.
    pub fn log_half_width(&self, rounds: usize) -> f64 {
        let variance_share = match rounds {
            0 | 1 => 1.0,
            2 => 0.5,
            r => std::f64::consts::PI / (2.0 * r as f64),
        };
        self.t * self.log_sd * variance_share.sqrt()
    }

    /// The 95 % interval of a row whose `median` is that of `rounds` rounds.
    pub fn interval(&self, median: f64, rounds: usize) -> Interval {
        let half = self.log_half_width(rounds);
        Interval {
            low: median * (-half).exp(),
            high: median * half.exp(),
            coverage: CONFIDENCE,
        }
    }

    /// Whether `medians`, one row's rounds, lie further apart than the run's spread allows:
    /// further than two single rounds' 95 % half-widths.
    pub fn disagree(&self, medians: &[f64]) -> bool {
        round_spread(medians).is_some_and(|spread| spread.ln_1p() > 2.0 * self.log_half_width(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two rows of three rounds whose logs sit at ±0.1 and 0 about their means: the pooled
    /// deviation is √(4 × 0.01 ÷ 4) = 0.1 on 4 degrees of freedom, and a three-round row's
    /// interval is exp(± 2.776 × 0.1 × √(π ÷ 6)) about its median.
    #[test]
    fn pools_the_rounds_of_every_row() {
        let a: Vec<f64> = [-0.1f64, 0.0, 0.1].iter().map(|l| 2.0 * l.exp()).collect();
        let b: Vec<f64> = [0.1f64, 0.0, -0.1].iter().map(|l| 5.0 * l.exp()).collect();
        let single = [7.0];
        let spread = RunToRun::of([a.as_slice(), b.as_slice(), single.as_slice()]).unwrap();
        assert_eq!(spread.df, 4);
        assert!((spread.log_sd - 0.1).abs() < 1e-12, "{spread:?}");
        let half = 2.776_445 * 0.1 * (std::f64::consts::PI / 6.0).sqrt();
        assert!((spread.log_half_width(3) - half).abs() < 1e-5);
        let ci = spread.interval(2.0, 3);
        assert!((ci.low - 2.0 * (-half).exp()).abs() < 1e-4);
        assert!((ci.high - 2.0 * half.exp()).abs() < 1e-4);
        assert!(ci.is_confident());
        // Two rounds' median is their mean: half the variance of one.
        assert!(
            (spread.log_half_width(2) / spread.log_half_width(1) - 0.5f64.sqrt()).abs() < 1e-12
        );
        assert_eq!(RunToRun::of([single.as_slice()]), None);
    }

    /// Rounds within the run's spread agree; a row whose rounds differ by a factor of two
    /// when the run's differ by 10 % disagrees.
    #[test]
    fn rounds_disagree_only_beyond_the_spread() {
        let spread = RunToRun::new(0.1, 20);
        assert!(!spread.disagree(&[1.0, 1.15, 0.9]));
        assert!(spread.disagree(&[1.0, 2.0, 1.1]));
    }
}
