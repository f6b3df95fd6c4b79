//! Several results side by side, lined up by configuration (workload and model or preset,
//! phase, precision, batch size):
//! each result's headline figure (the implementation users run, on the host clock: burn, or
//! PyTorch in a baseline) against the others' headlines, device time against device time, and
//! every other path (the WGSL reference, burn without fusion) in rows of its own. A ratio only
//! ever divides two figures of the same clock and completion rule; configurations some
//! results lack are kept and marked, never dropped.

use crate::{
    analysis::verdicts::throughput_interval,
    precision::Precision,
    schema::{ClockKind, InferenceMeasurement, Outcome, PathId, ResultSet, Timed, TrainingOutcome},
    stats::{CONFIDENCE, Interval, bootstrap_median_ratio},
};

/// Which implementation a row follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Line {
    /// Each result's headline path, whichever it is (burn, or PyTorch in a baseline).
    Headline,
    /// One path that is not its result's headline.
    Path(PathId),
}

/// One result's figure for one configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// The path measured.
    pub path: PathId,
    pub clock: ClockKind,
    /// Whether the backend timed had burn's fusion layer.
    pub fusion: bool,
    /// Samples per second (batch ÷ median batch latency).
    pub throughput: f64,
    /// Its interval, where the result has one (schema version 4).
    pub interval: Option<Interval>,
    /// The batch latencies the median comes from, where the result keeps them (share links
    /// do not) and they are one run's (not interleaved rounds'): what a bootstrap resamples.
    pub samples: Vec<f64>,
    /// Whether `interval` is the run-to-run one its interleaved rounds measured (two rounds or
    /// more), rather than one run's samples'.
    pub run_to_run: bool,
}

impl Figure {
    fn of(timed: &Timed, path: PathId, clock: ClockKind, fusion: bool, batch: usize) -> Self {
        Self {
            path,
            clock,
            fusion,
            throughput: timed.throughput,
            interval: throughput_interval(timed, batch),
            samples: if timed.rounds.is_empty() {
                timed.raw_batch_ms.clone()
            } else {
                Vec::new()
            },
            run_to_run: timed.rounds.len() > 1
                && timed
                    .batch_latency_ms
                    .median_ci
                    .is_some_and(|ci| ci.is_confident()),
        }
    }

    /// The implementation in words: "burn", "burn without fusion", "PyTorch".
    pub fn label(&self) -> String {
        match self.path {
            PathId::Burn | PathId::BurnUnfused
                if !self.fusion && self.clock == ClockKind::Device =>
            {
                "burn without fusion".into()
            }
            path => path.label().into(),
        }
    }
}

/// One configuration on one line and clock across the compared results.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub line: Line,
    pub clock: ClockKind,
    /// The configuration's label: the MLP's model name, or `decoder:tiny decode`.
    pub model: String,
    pub precision: Precision,
    pub batch_size: usize,
    /// One entry per result, in input order; `None` where that result has no figure of this
    /// configuration on this line and clock.
    pub figures: Vec<Option<Figure>>,
}

/// How a ratio's interval was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatioMethod {
    /// Both figures' run-to-run intervals (from their interleaved rounds) combined on the log
    /// scale, as two independent errors add: what an identical rerun of either run would
    /// stay within.
    RunToRun,
    /// A percentile bootstrap of the ratio of the two medians, from both results' samples:
    /// within-run, so blind to how far a rerun moves.
    Bootstrap,
    /// Each end of one interval against the other end of the other: a bound that holds
    /// whenever both intervals hold their medians; within-run, as at least one of them is.
    IntervalEnds,
}

impl RatioMethod {
    pub fn label(self) -> &'static str {
        match self {
            RatioMethod::RunToRun => "run to run",
            RatioMethod::Bootstrap => "bootstrap, within-run",
            RatioMethod::IntervalEnds => "interval ends, within-run",
        }
    }
}

/// A result's throughput over the baseline's, with its interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratio {
    pub value: f64,
    /// Where the ratio lies; `None` where a result has no interval.
    pub range: Option<(f64, f64)>,
    pub method: RatioMethod,
    /// The probability the range holds the true ratio: 95 % for the bootstrap (nominal), at
    /// least the product of the two intervals' coverages for their ends.
    pub coverage: f64,
}

impl Ratio {
    /// True where the range holds 1: the difference is within the noise.
    pub fn within_noise(&self) -> bool {
        self.range
            .is_some_and(|(low, high)| low <= 1.0 && 1.0 <= high)
    }
}

/// `other`'s throughput over `base`'s: the one place figures are divided, and only figures of
/// the same clock (`None` otherwise).
pub fn ratio(base: &Figure, other: &Figure) -> Option<Ratio> {
    if base.clock != other.clock {
        return None;
    }
    let value = other.throughput / base.throughput;
    if base.run_to_run
        && other.run_to_run
        && let (Some(a), Some(b)) = (base.interval, other.interval)
    {
        let half = |ci: Interval| (ci.high / ci.low).ln() / 2.0;
        let half = half(a).hypot(half(b));
        return Some(Ratio {
            value,
            range: Some((value * (-half).exp(), value * half.exp())),
            method: RatioMethod::RunToRun,
            coverage: CONFIDENCE,
        });
    }
    // Throughput is the batch over the median latency, and both figures share the batch, so
    // the throughput ratio is the base's median latency over the other's.
    if let Some(range) = bootstrap_median_ratio(&base.samples, &other.samples) {
        return Some(Ratio {
            value,
            range: Some(range),
            method: RatioMethod::Bootstrap,
            coverage: CONFIDENCE,
        });
    }
    let (range, coverage) = match (base.interval, other.interval) {
        (Some(a), Some(b)) => (
            Some((b.low / a.high, b.high / a.low)),
            a.coverage * b.coverage,
        ),
        _ => (None, 0.0),
    };
    Some(Ratio {
        value,
        range,
        method: RatioMethod::IntervalEnds,
        coverage,
    })
}

impl Row {
    pub fn throughput(&self) -> Vec<Option<f64>> {
        self.figures
            .iter()
            .map(|f| f.as_ref().map(|f| f.throughput))
            .collect()
    }

    /// Result `index` over the baseline (the first result).
    pub fn ratio(&self, index: usize) -> Option<Ratio> {
        ratio(
            self.figures.first()?.as_ref()?,
            self.figures.get(index)?.as_ref()?,
        )
    }

    /// The implementations this row shows, naming each result where they differ.
    pub fn paths_label(&self) -> String {
        let labels: Vec<(usize, String)> = self
            .figures
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.as_ref().map(|f| (i, f.label())))
            .collect();
        let first = labels.first().map(|(_, l)| l.clone()).unwrap_or_default();
        if labels.iter().all(|(_, l)| *l == first) {
            return match self.line {
                Line::Path(path) if first.is_empty() => path.label().into(),
                _ => first,
            };
        }
        labels
            .iter()
            .map(|(i, l)| format!("{l} (#{})", i + 1))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The figure of one configuration on `line` and `clock` in `result`.
fn figure(
    result: &ResultSet,
    line: Line,
    clock: ClockKind,
    (model, precision, batch): (&str, Precision, usize),
) -> Option<Figure> {
    let path = match line {
        Line::Headline => result.headline(),
        Line::Path(path) => path,
    };
    let m: &InferenceMeasurement = match &result.labelled_on(path, model, precision, batch)?.outcome
    {
        Outcome::Measured(m) => m,
        _ => return None,
    };
    let fusion = result
        .paths
        .iter()
        .find(|p| p.id == path)
        .is_some_and(|p| p.fusion);
    if m.clock == clock {
        return Some(Figure::of(&m.timed, path, clock, fusion, batch));
    }
    let device = m.device_time.as_ref()?.measured()?;
    (clock == ClockKind::Device)
        .then(|| Figure::of(&device.timed, path, clock, device.fusion, batch))
}

/// Every configuration any result holds, in first-seen order: its headline row, its device
/// time row where any result has device time, then each other path's rows.
pub fn rows(results: &[ResultSet]) -> Vec<Row> {
    let mut configs: Vec<(String, Precision, usize)> = Vec::new();
    let mut others: Vec<PathId> = Vec::new();
    for result in results {
        for record in &result.inference {
            let config = (record.label(), record.precision, record.batch_size);
            if !configs.contains(&config) {
                configs.push(config);
            }
            if record.path != result.headline() && !others.contains(&record.path) {
                others.push(record.path);
            }
        }
    }
    let lines: Vec<Line> = std::iter::once(Line::Headline)
        .chain(others.into_iter().map(Line::Path))
        .collect();
    let mut rows = Vec::new();
    for (model, precision, batch_size) in &configs {
        for &line in &lines {
            let held = results.iter().any(|r| {
                let path = match line {
                    Line::Headline => r.headline(),
                    Line::Path(p) => p,
                };
                r.labelled_on(path, model, *precision, *batch_size)
                    .is_some()
            });
            if !held {
                continue;
            }
            for clock in [ClockKind::Host, ClockKind::Device] {
                let figures: Vec<Option<Figure>> = results
                    .iter()
                    .map(|r| figure(r, line, clock, (model, *precision, *batch_size)))
                    .collect();
                // A row per configuration on the host clock, gaps shown; device-time rows only
                // where some result has device time.
                if clock == ClockKind::Device && figures.iter().all(Option::is_none) {
                    continue;
                }
                rows.push(Row {
                    line,
                    clock,
                    model: model.clone(),
                    precision: *precision,
                    batch_size: *batch_size,
                    figures,
                });
            }
        }
    }
    rows
}

/// The training steps any result holds, lined up by workload and batch size in first-seen
/// order: one row each, on the clock the steps were timed by (the host's), FP32, the figures
/// burn's autodiff backend measured.
pub fn training_rows(results: &[ResultSet]) -> Vec<Row> {
    let mut configs: Vec<(String, usize)> = Vec::new();
    for record in results.iter().flat_map(|r| &r.training) {
        let config = (record.label(), record.batch_size);
        if !configs.contains(&config) {
            configs.push(config);
        }
    }
    configs
        .into_iter()
        .map(|(model, batch_size)| Row {
            line: Line::Headline,
            clock: ClockKind::Host,
            figures: results
                .iter()
                .map(|r| {
                    let record = r
                        .training
                        .iter()
                        .find(|t| t.label() == model && t.batch_size == batch_size)?;
                    match &record.outcome {
                        TrainingOutcome::Measured(m) => Some(Figure::of(
                            &m.timed,
                            PathId::Burn,
                            m.clock,
                            r.paths.first().is_some_and(|p| p.fusion),
                            batch_size,
                        )),
                        _ => None,
                    }
                })
                .collect(),
            model,
            precision: Precision::F32,
            batch_size,
        })
        .collect()
}

/// The row of one configuration on `line` and `clock`, if any result holds it.
pub fn find<'a>(
    rows: &'a [Row],
    line: Line,
    clock: ClockKind,
    (model, precision, batch_size): (&str, Precision, usize),
) -> Option<&'a Row> {
    rows.iter().find(|r| {
        r.line == line
            && r.clock == clock
            && r.model == model
            && r.precision == precision
            && r.batch_size == batch_size
    })
}

/// Legend and column name of a result: its device, and its position to tell two runs on one
/// device apart.
pub fn label(index: usize, result: &ResultSet) -> String {
    format!("#{} {}", index + 1, result.device.label())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::{
        fixtures,
        schema::{DeviceFigures, DeviceTime, Outcome},
    };

    fn scaled(result: &mut ResultSet, factor: f64) {
        for record in &mut result.inference {
            if let Outcome::Measured(m) = &mut record.outcome {
                m.timed.throughput *= factor;
                m.timed.batch_latency_ms = m.timed.batch_latency_ms.scaled(1.0 / factor);
                for ms in &mut m.timed.raw_batch_ms {
                    *ms /= factor;
                }
            }
        }
    }

    fn small_fp32_1(rows: &[Row], clock: ClockKind) -> &Row {
        find(rows, Line::Headline, clock, ("small", Precision::F32, 1)).unwrap()
    }

    #[test]
    fn aligns_overlap_marks_missing_and_bounds_ratios() {
        let a = fixtures::results();
        let mut b = fixtures::results();
        b.inference.retain(|r| r.batch_size == 1);
        scaled(&mut b, 2.0);
        let aligned = rows(&[a.clone(), b.clone()]);
        let ratio = small_fp32_1(&aligned, ClockKind::Host).ratio(1).unwrap();
        assert!((ratio.value - 2.0).abs() < 1e-9);
        assert_eq!(ratio.method, RatioMethod::Bootstrap);
        let (low, high) = ratio.range.unwrap();
        assert!(low <= 2.0 && 2.0 <= high && low > 1.0, "{low} {high}");
        assert!(!ratio.within_noise());
        // The same result twice: its ratio interval holds 1.
        let same = rows(&[a.clone(), a.clone()]);
        assert!(same[0].ratio(1).unwrap().within_noise());

        let small16 = aligned.iter().find(|r| r.batch_size == 16).unwrap();
        assert!(small16.figures[1].is_none() && small16.ratio(1).is_none());
        // No device time in either result: no device-time rows.
        assert!(aligned.iter().all(|r| r.clock == ClockKind::Host));

        // Without samples (a share link), the interval ends bound the ratio, with the
        // product of the two coverages.
        let compact = crate::share::compact(&b);
        let aligned = rows(&[a, compact]);
        let ratio = small_fp32_1(&aligned, ClockKind::Host).ratio(1).unwrap();
        assert_eq!(ratio.method, RatioMethod::IntervalEnds);
        assert!(ratio.coverage < 0.95 && ratio.range.is_some());
    }

    /// An older result timed burn without fusion by device timestamps: its figures line up
    /// with a new result's device time, never with its headline.
    #[test]
    fn device_time_lines_up_with_device_time_only() {
        let mut new = fixtures::results();
        for record in &mut new.inference {
            if let Outcome::Measured(m) = &mut record.outcome {
                m.device_time = Some(DeviceTime::Measured(Box::new(DeviceFigures {
                    fusion: false,
                    timed: m.timed.clone(),
                    kernels: Vec::new(),
                })));
            }
        }
        let mut old = fixtures::results();
        old.paths[0].id = PathId::BurnUnfused;
        old.paths[0].fusion = false;
        old.paths[0].clock = ClockKind::Device;
        for record in &mut old.inference {
            record.path = PathId::BurnUnfused;
            if let Outcome::Measured(m) = &mut record.outcome {
                m.clock = ClockKind::Device;
            }
        }
        let aligned = rows(&[new, old]);
        let host = small_fp32_1(&aligned, ClockKind::Host);
        assert!(host.figures[0].is_some() && host.figures[1].is_none());
        assert!(host.ratio(1).is_none());
        let device = small_fp32_1(&aligned, ClockKind::Device);
        let ratio = device.ratio(1).unwrap();
        assert!((ratio.value - 1.0).abs() < 1e-9);
        assert_eq!(device.paths_label(), "burn without fusion");
    }

    /// A result shaped by the flags: which path is the headline, whether device time was
    /// taken, whether the main figures are device-timed (an older result), another path.
    fn shaped(headline: PathId, device_time: bool, old_device: bool, reference: bool) -> ResultSet {
        let mut r = fixtures::results();
        r.paths[0].id = headline;
        if old_device {
            r.paths[0].clock = ClockKind::Device;
        }
        let mut extra = Vec::new();
        for record in &mut r.inference {
            record.path = headline;
            if let Outcome::Measured(m) = &mut record.outcome {
                if old_device {
                    m.clock = ClockKind::Device;
                } else if device_time {
                    m.device_time = Some(DeviceTime::Measured(Box::new(DeviceFigures {
                        fusion: false,
                        timed: m.timed.clone(),
                        kernels: Vec::new(),
                    })));
                }
            }
            if reference {
                let mut other = record.clone();
                other.path = PathId::Reference;
                extra.push(other);
            }
        }
        r.inference.extend(extra);
        r
    }

    /// Two results of three rounds each: their ratio's range is their run-to-run intervals
    /// combined on the log scale, e^(±√2 · ½ ln(1.1 ÷ 0.9)) about the ratio; a result of one
    /// round beside them gives a within-run bootstrap.
    #[test]
    fn rounds_give_a_run_to_run_ratio() {
        let rounds = |result: &mut ResultSet| {
            for record in &mut result.inference {
                if let Outcome::Measured(m) = &mut record.outcome {
                    let median = m.timed.batch_latency_ms.median;
                    m.timed.rounds = vec![median * 0.97, median, median * 1.02];
                    m.timed.batch_latency_ms.median_ci = Some(Interval {
                        low: median * 0.9,
                        high: median * 1.1,
                        coverage: CONFIDENCE,
                    });
                }
            }
        };
        let mut a = fixtures::results();
        rounds(&mut a);
        let mut faster = a.clone();
        scaled(&mut faster, 2.0);
        rounds(&mut faster);
        let same = rows(&[a.clone(), a.clone()]);
        let ratio = small_fp32_1(&same, ClockKind::Host).ratio(1).unwrap();
        assert_eq!(ratio.method, RatioMethod::RunToRun);
        let half = std::f64::consts::SQRT_2 * (1.1f64 / 0.9).ln() / 2.0;
        let (low, high) = ratio.range.unwrap();
        assert!((low - (-half).exp()).abs() < 1e-9 && (high - half.exp()).abs() < 1e-9);
        assert!(ratio.within_noise());
        let twice = rows(&[a.clone(), faster]);
        let ratio = small_fp32_1(&twice, ClockKind::Host).ratio(1).unwrap();
        assert!((ratio.value - 2.0).abs() < 1e-9 && !ratio.within_noise());
        let one_round = rows(&[a, fixtures::results()]);
        let ratio = small_fp32_1(&one_round, ClockKind::Host).ratio(1).unwrap();
        // The rounds' result keeps no samples to resample: the intervals' ends bound it.
        assert_eq!(ratio.method, RatioMethod::IntervalEnds);
        assert_eq!(ratio.method.label(), "interval ends, within-run");
    }

    /// Two results' training steps line up by workload and batch, a step only one holds
    /// keeps its row with a gap, and a step twice as fast is a ratio of 2.
    #[test]
    fn training_steps_line_up_by_workload_and_batch() {
        let a = fixtures::with_workloads();
        let mut b = a.clone();
        b.training.retain(|t| t.batch_size == 1);
        for record in &mut b.training {
            if let TrainingOutcome::Measured(m) = &mut record.outcome {
                m.timed.throughput *= 2.0;
                for ms in &mut m.timed.raw_batch_ms {
                    *ms /= 2.0;
                }
            }
        }
        let rows = training_rows(&[a.clone(), b]);
        assert_eq!(rows.len(), a.training.len());
        let one = rows
            .iter()
            .find(|r| r.model == "encoder:tiny" && r.batch_size == 1)
            .unwrap();
        let ratio = one.ratio(1).unwrap();
        assert!((ratio.value - 2.0).abs() < 1e-9);
        assert!(!ratio.within_noise());
        let sixteen = rows
            .iter()
            .find(|r| r.model == "encoder:tiny" && r.batch_size == 16)
            .unwrap();
        assert!(sixteen.figures[0].is_some() && sixteen.figures[1].is_none());
        // A failed step is a row without a figure.
        let failed = rows.iter().find(|r| r.model == "decoder:tiny").unwrap();
        assert!(failed.figures.iter().all(Option::is_none));
    }

    proptest! {
        /// Whatever two results hold, every ratio divides two figures of the same clock, the
        /// row's own.
        #[test]
        fn no_ratio_ever_mixes_clocks(
            shapes in proptest::collection::vec(
                (0..4usize, any::<bool>(), any::<bool>(), any::<bool>()),
                2..4,
            )
        ) {
            let results: Vec<ResultSet> = shapes
                .iter()
                .map(|&(p, device, old, reference)| shaped(PathId::ALL[p], device, old, reference))
                .collect();
            for row in rows(&results) {
                for figure in row.figures.iter().flatten() {
                    prop_assert_eq!(figure.clock, row.clock);
                }
                for i in 1..results.len() {
                    if let Some(ratio) = row.ratio(i) {
                        let base = row.figures[0].as_ref().unwrap();
                        let other = row.figures[i].as_ref().unwrap();
                        prop_assert_eq!(base.clock, other.clock);
                        prop_assert!(ratio.value.is_finite());
                    }
                }
            }
        }
    }
}
