//! Several results side by side: one row per configuration (path, model, precision, batch
//! size) found in any of them, with each result's throughput, its 95 % interval, and its
//! ratio to the first result (the baseline) with the ratio's interval. Configurations some
//! results lack are kept and marked, never dropped.

use crate::{
    analysis::verdicts::throughput_interval,
    precision::Precision,
    schema::{PathId, ResultSet},
    stats::Interval,
};

/// One result's figure for one configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figure {
    /// Samples per second (batch ÷ median batch latency).
    pub throughput: f64,
    /// Its 95 % interval, where the result has one (schema version 4).
    pub interval: Option<Interval>,
}

/// One configuration across the compared results.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub path: PathId,
    pub model: String,
    pub precision: Precision,
    pub batch_size: usize,
    /// One entry per result, in input order; `None` where that result has no measurement of
    /// this configuration.
    pub figures: Vec<Option<Figure>>,
}

/// A result's throughput over the baseline's, with the interval the two intervals allow.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratio {
    pub value: f64,
    /// The smallest and largest ratio the two 95 % intervals allow; `None` where a result has
    /// no interval.
    pub range: Option<(f64, f64)>,
}

impl Ratio {
    /// True where the two intervals overlap: the difference is within the noise.
    pub fn within_noise(&self) -> bool {
        self.range
            .is_some_and(|(low, high)| low <= 1.0 && 1.0 <= high)
    }
}

impl Row {
    pub fn throughput(&self) -> Vec<Option<f64>> {
        self.figures
            .iter()
            .map(|f| f.map(|f| f.throughput))
            .collect()
    }

    /// Result `index` over the baseline.
    pub fn ratio(&self, index: usize) -> Option<Ratio> {
        let base = self.figures.first().copied()??;
        let other = self.figures.get(index).copied()??;
        let range = match (base.interval, other.interval) {
            (Some(a), Some(b)) => Some((b.low / a.high, b.high / a.low)),
            _ => None,
        };
        Some(Ratio {
            value: other.throughput / base.throughput,
            range,
        })
    }
}

/// Every configuration any result holds, in first-seen order.
pub fn rows(results: &[ResultSet]) -> Vec<Row> {
    let mut keys: Vec<(PathId, String, Precision, usize)> = Vec::new();
    for result in results {
        for record in &result.inference {
            let key = (
                record.path,
                record.model.clone(),
                record.precision,
                record.batch_size,
            );
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys.into_iter()
        .map(|(path, model, precision, batch_size)| Row {
            figures: results
                .iter()
                .map(|r| {
                    r.measured_on(path, &model, precision, batch_size)
                        .map(|m| Figure {
                            throughput: m.throughput,
                            interval: throughput_interval(m, batch_size),
                        })
                })
                .collect(),
            path,
            model,
            precision,
            batch_size,
        })
        .collect()
}

/// Legend and column name of a result: its device, and its position to tell two runs on one
/// device apart.
pub fn label(index: usize, result: &ResultSet) -> String {
    format!("#{} {}", index + 1, result.device.label())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{fixtures, schema::Outcome};

    #[test]
    fn aligns_overlap_marks_missing_and_bounds_ratios() {
        let a = fixtures::results();
        let mut b = fixtures::results();
        b.inference.retain(|r| r.batch_size == 1);
        for record in &mut b.inference {
            if let Outcome::Measured(m) = &mut record.outcome {
                m.throughput *= 2.0;
                m.batch_latency_ms = m.batch_latency_ms.scaled(0.5);
            }
        }
        let aligned = rows(&[a.clone(), b.clone()]);
        let small1 = aligned
            .iter()
            .find(|r| r.model == "small" && r.precision == Precision::F32 && r.batch_size == 1)
            .unwrap();
        let ratio = small1.ratio(1).unwrap();
        assert!((ratio.value - 2.0).abs() < 1e-9);
        let (low, high) = ratio.range.unwrap();
        assert!(low <= 2.0 && 2.0 <= high && low > 1.0, "{low} {high}");
        assert!(!ratio.within_noise());
        // The same result twice: its ratio interval holds 1.
        let same = rows(&[a.clone(), a.clone()]);
        assert!(same[0].ratio(1).unwrap().within_noise());

        let small16 = aligned.iter().find(|r| r.batch_size == 16).unwrap();
        assert!(small16.figures[1].is_none() && small16.ratio(1).is_none());
    }
}
