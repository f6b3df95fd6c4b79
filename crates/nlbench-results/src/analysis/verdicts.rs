//! What a row's samples say about their own quality, as criterion and hyperfine warn: a
//! median whose interval stayed wide or never reached 95 %, outliers, a slow first run, high
//! variation, iterations near the clock's resolution, rounds that disagree or failed.
//! Reports, the terminal and the dashboard show these next to the row, so noise is never
//! read as a result.

use crate::{
    schema::{Timed, Verdict},
    stats::{Interval, OUTLIER_MADS, Summary},
};

/// Above this coefficient of variation a row is said to vary a lot.
pub const HIGH_CV: f64 = 0.05;
/// A first run this many times the median of the rest is a warm-up that did not finish.
pub const SLOW_FIRST_RATIO: f64 = 2.0;
/// A median under this many clock ticks is mostly rounding.
pub const RESOLUTION_TICKS: f64 = 10.0;
/// This many samples, all equal, say the clock did not time the work.
pub const IDENTICAL_SAMPLES: usize = 5;
/// Round medians further apart than this share disagree.
pub const ROUND_SPREAD: f64 = 0.05;

/// The verdicts on one row's samples (milliseconds, in the order taken). `summary` is the
/// row's: its interval is the samples' or, with several rounds, the rounds' medians'.
/// `resolution_ms` is the clock's, where known.
pub fn verdicts(
    samples: &[f64],
    summary: &Summary,
    target_ci: Option<f64>,
    resolution_ms: Option<f64>,
    rounds: &[f64],
) -> Vec<Verdict> {
    let mut found = Vec::new();
    match summary.median_ci {
        Some(ci) if !ci.is_confident() => found.push(Verdict::LowCoverage {
            coverage: ci.coverage,
            count: if rounds.len() > 1 {
                rounds.len()
            } else {
                samples.len()
            },
            rounds: rounds.len() > 1,
        }),
        Some(ci) => {
            let half_width = ci.half_width_share(summary.median);
            if let Some(target) = target_ci.filter(|&t| half_width > t) {
                found.push(Verdict::Noisy { half_width, target });
            }
        }
        None => {}
    }
    if let Some(count) = summary.mad_outliers.filter(|&n| n > 0) {
        found.push(Verdict::Outliers { count });
    }
    if samples.len() >= 3 {
        let rest = Summary::of(&samples[1..]).map_or(f64::NAN, |s| s.median);
        let ratio = samples[0] / rest;
        if ratio >= SLOW_FIRST_RATIO {
            found.push(Verdict::SlowFirstRun { ratio });
        }
    }
    if summary.cv > HIGH_CV {
        found.push(Verdict::HighVariation { cv: summary.cv });
    }
    match resolution_ms {
        Some(resolution_ms) if summary.median < RESOLUTION_TICKS * resolution_ms => {
            found.push(Verdict::NearResolution {
                median_ms: summary.median,
                resolution_ms,
            })
        }
        Some(_) => {}
        None => found.push(Verdict::ResolutionUnknown),
    }
    if samples.len() >= IDENTICAL_SAMPLES && samples.iter().all(|&s| s == samples[0]) {
        found.push(Verdict::Identical {
            count: samples.len(),
        });
    }
    if let Some(spread) = round_spread(rounds).filter(|&s| s > ROUND_SPREAD) {
        found.push(Verdict::RoundsDisagree { spread });
    }
    found
}

/// (slowest − fastest) ÷ fastest of the rounds' medians; `None` for fewer than two rounds.
pub fn round_spread(rounds: &[f64]) -> Option<f64> {
    if rounds.len() < 2 {
        return None;
    }
    let low = rounds.iter().copied().fold(f64::INFINITY, f64::min);
    let high = rounds.iter().copied().fold(0.0, f64::max);
    Some((high - low) / low)
}

/// A row's verdicts in one word, the most serious first and `+N` for the others, for the
/// terminal's summary (the reports give each in full): `ok` where there are none.
pub fn word(found: &[Verdict]) -> String {
    let Some(worst) = found.iter().min_by_key(|v| severity(v)) else {
        return "ok".into();
    };
    let word = match worst {
        Verdict::Identical { .. } => "suspect",
        Verdict::FailedRounds { .. } => "flaky",
        Verdict::RoundsDisagree { .. } => "unstable",
        Verdict::LowCoverage { .. } => "uncertain",
        Verdict::Noisy { .. } => "noisy",
        Verdict::HighVariation { .. } => "variable",
        Verdict::Outliers { .. } => "outliers",
        Verdict::SlowFirstRun { .. } => "cold",
        Verdict::NearResolution { .. } => "coarse",
        Verdict::ResolutionUnknown => "unclocked",
    };
    match found.len() {
        1 => word.into(),
        n => format!("{word} +{}", n - 1),
    }
}

/// How much a verdict undermines a figure, most first: a clock that timed nothing, then
/// rounds that failed or disagree, then an interval that is not 95 % or too wide, then the
/// samples' spread, then what the clock can resolve.
fn severity(verdict: &Verdict) -> u8 {
    match verdict {
        Verdict::Identical { .. } => 0,
        Verdict::FailedRounds { .. } => 1,
        Verdict::RoundsDisagree { .. } => 2,
        Verdict::LowCoverage { .. } => 3,
        Verdict::Noisy { .. } => 4,
        Verdict::HighVariation { .. } => 5,
        Verdict::Outliers { .. } => 6,
        Verdict::SlowFirstRun { .. } => 7,
        Verdict::NearResolution { .. } => 8,
        Verdict::ResolutionUnknown => 9,
    }
}

/// A verdict in a few words, for table cells.
pub fn short(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Noisy { half_width, .. } => format!("noisy (±{:.1} %)", half_width * 100.0),
        Verdict::Outliers { count } => format!("{count} outlier{}", plural(*count)),
        Verdict::SlowFirstRun { ratio } => format!("slow first run ({ratio:.1}×)"),
        Verdict::HighVariation { cv } => format!("CV {:.1} %", cv * 100.0),
        Verdict::NearResolution { .. } => "near clock resolution".into(),
        Verdict::RoundsDisagree { spread } => {
            format!("rounds differ by {:.1} %", spread * 100.0)
        }
        Verdict::Identical { count } => format!("suspect: all {count} samples identical"),
        Verdict::LowCoverage {
            coverage,
            count,
            rounds,
        } => format!(
            "{:.0} % interval ({count} {})",
            (coverage * 100.0).floor(),
            what(*count, *rounds)
        ),
        Verdict::FailedRounds { failed, rounds } => format!("{failed} of {rounds} rounds failed"),
        Verdict::ResolutionUnknown => "clock resolution unknown".into(),
    }
}

/// A verdict in a sentence, for reports.
pub fn sentence(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Noisy { half_width, target } => format!(
            "the median's 95 % interval stayed at ±{:.1} %, wider than the ±{:.1} % target: \
             treat differences smaller than that as noise",
            half_width * 100.0,
            target * 100.0
        ),
        Verdict::Outliers { count } => format!(
            "{count} sample{} further than {OUTLIER_MADS} median absolute deviations from the \
             median (hyperfine's rule)",
            plural(*count)
        ),
        Verdict::SlowFirstRun { ratio } => format!(
            "the first timed run took {ratio:.1}× the median of the rest: warm-up may not have \
             finished"
        ),
        Verdict::HighVariation { cv } => format!(
            "the coefficient of variation is {:.1} %, above {:.0} %",
            cv * 100.0,
            HIGH_CV * 100.0
        ),
        Verdict::NearResolution {
            median_ms,
            resolution_ms,
        } => format!(
            "the median iteration ({median_ms:.5} ms) lasts under {RESOLUTION_TICKS:.0} ticks of \
             the clock ({resolution_ms:.5} ms)"
        ),
        Verdict::RoundsDisagree { spread } => format!(
            "the interleaved rounds' medians differ by {:.1} %: the machine drifted during the run",
            spread * 100.0
        ),
        Verdict::Identical { count } => format!(
            "all {count} samples are exactly equal, which timings of real work never are: the \
             clock most likely did not time the work, so do not trust this figure"
        ),
        Verdict::LowCoverage {
            coverage,
            count,
            rounds,
        } => format!(
            "{count} {} {} too few for a 95 % interval of the median (6 are needed): the \
             interval shown is their whole range, which holds the median with {:.0} % \
             probability",
            what(*count, *rounds),
            if *count == 1 { "is" } else { "are" },
            (coverage * 100.0).floor()
        ),
        Verdict::FailedRounds { failed, rounds } => format!(
            "{failed} of {rounds} interleaved rounds failed; the figures come from the rounds \
             that measured"
        ),
        Verdict::ResolutionUnknown => "the clock's resolution is unknown, so iterations too \
            short for it to time cannot be told apart"
            .into(),
    }
}

/// "samples" or "rounds", singular for one.
fn what(count: usize, rounds: bool) -> String {
    let noun = if rounds { "round" } else { "sample" };
    format!("{noun}{}", plural(count))
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// Throughput's interval, samples/s, from the batch latency's (with its coverage).
pub fn throughput_interval(t: &Timed, batch_size: usize) -> Option<Interval> {
    let ci = t.batch_latency_ms.median_ci?;
    let per_second = |ms: f64| batch_size as f64 / (ms / 1000.0);
    Some(Interval {
        low: per_second(ci.high),
        high: per_second(ci.low),
        coverage: ci.coverage,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(v: &[Verdict]) -> Vec<&'static str> {
        v.iter()
            .map(|v| match v {
                Verdict::Noisy { .. } => "noisy",
                Verdict::Outliers { .. } => "outliers",
                Verdict::SlowFirstRun { .. } => "slow first",
                Verdict::HighVariation { .. } => "high cv",
                Verdict::NearResolution { .. } => "resolution",
                Verdict::RoundsDisagree { .. } => "rounds",
                Verdict::Identical { .. } => "identical",
                Verdict::LowCoverage { .. } => "coverage",
                Verdict::FailedRounds { .. } => "failed rounds",
                Verdict::ResolutionUnknown => "no resolution",
            })
            .collect()
    }

    const NS: Option<f64> = Some(1e-6);

    #[test]
    fn steady_samples_have_no_verdicts() {
        let samples: Vec<f64> = (0..50).map(|i| 10.0 + 0.01 * (i % 5) as f64).collect();
        let summary = Summary::of(&samples).unwrap();
        assert!(verdicts(&samples, &summary, Some(0.02), NS, &[10.0, 10.01]).is_empty());
    }

    #[test]
    fn known_spread_and_outliers() {
        // Uniform spread of ±30 % around 10 ms: wide interval with few samples, high CV.
        let samples: Vec<f64> = (0..12).map(|i| 7.0 + 6.0 * (i as f64) / 11.0).collect();
        let summary = Summary::of(&samples).unwrap();
        let found = verdicts(&samples, &summary, Some(0.02), NS, &[]);
        assert_eq!(kinds(&found), ["noisy", "high cv"]);

        // A steady row with one far sample first: a slow first run and an outlier.
        let mut samples = vec![40.0];
        samples.extend((0..30).map(|i| 10.0 + 0.01 * (i % 3) as f64));
        let summary = Summary::of(&samples).unwrap();
        let found = verdicts(&samples, &summary, Some(0.02), NS, &[]);
        assert!(
            kinds(&found).starts_with(&["outliers", "slow first"]),
            "{found:?}"
        );
        assert!(matches!(found[0], Verdict::Outliers { count: 1 }));

        // 5 µs iterations on a 1 µs clock; rounds 10 % apart.
        let samples: Vec<f64> = (0..20).map(|i| 0.005 + 1e-6 * (i % 2) as f64).collect();
        let summary = Summary::of(&samples).unwrap();
        let found = verdicts(&samples, &summary, None, Some(0.001), &[0.005, 0.0055]);
        assert_eq!(kinds(&found), ["resolution", "rounds"]);
        assert!(sentence(&found[1]).contains("10.0 %"));

        // Ten samples all exactly 11.955 ms (seen from a device timer): suspect, even though
        // the interval has no width at all; four equal samples are not enough to say so.
        let samples = vec![11.955; 10];
        let summary = Summary::of(&samples).unwrap();
        let found = verdicts(&samples, &summary, Some(0.02), NS, &[]);
        assert_eq!(kinds(&found), ["identical"]);
        assert_eq!(short(&found[0]), "suspect: all 10 samples identical");
        let samples = vec![11.955; 4];
        let summary = Summary::of(&samples).unwrap();
        assert_eq!(
            kinds(&verdicts(&samples, &summary, Some(0.02), NS, &[])),
            ["coverage"]
        );
    }

    #[test]
    fn too_few_samples_never_pass_for_a_95_percent_interval() {
        // One sample: a zero-width interval that holds the median with probability 0, not a
        // converged ±0 %.
        let summary = Summary::of(&[3.0]).unwrap();
        let found = verdicts(&[3.0], &summary, Some(0.02), NS, &[]);
        assert_eq!(kinds(&found), ["coverage"]);
        assert_eq!(short(&found[0]), "0 % interval (1 sample)");
        // Five: the whole range, 93 %.
        let samples = [3.0, 3.01, 2.99, 3.02, 3.0];
        let summary = Summary::of(&samples).unwrap();
        let found = verdicts(&samples, &summary, Some(0.02), NS, &[]);
        assert_eq!(short(&found[0]), "93 % interval (5 samples)");
        assert!(sentence(&found[0]).contains("6 are needed"));
        // An unknown clock resolution is said, not taken as zero.
        let samples: Vec<f64> = (0..20).map(|i| 1.0 + 0.001 * f64::from(i % 3)).collect();
        let summary = Summary::of(&samples).unwrap();
        assert_eq!(
            kinds(&verdicts(&samples, &summary, None, None, &[])),
            ["no resolution"]
        );
    }

    #[test]
    fn the_most_serious_verdict_names_the_row() {
        assert_eq!(word(&[]), "ok");
        assert_eq!(
            word(&[Verdict::Noisy {
                half_width: 0.1,
                target: 0.02
            }]),
            "noisy"
        );
        assert_eq!(
            word(&[
                Verdict::Outliers { count: 2 },
                Verdict::Identical { count: 5 },
                Verdict::HighVariation { cv: 0.1 },
            ]),
            "suspect +2"
        );
    }
}
