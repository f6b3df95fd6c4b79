//! The device's measured ceilings and each inference row's share of them: the roofline
//! section of `BENCHMARK_REPORT.md`, and the points of the roofline chart.

use std::fmt::Write;

use super::{fmt_count, markdown_table, summary::ceilings_summary};
use crate::{
    config::ModelConfig,
    precision::Precision,
    schema::{Ceiling, Ceilings, ResultSet},
};

/// One measured inference row on the roofline.
#[derive(Debug, Clone, PartialEq)]
pub struct RooflinePoint {
    pub model: String,
    pub precision: Precision,
    pub batch_size: usize,
    /// FLOPs per byte of the fewest bytes the pass must move.
    pub intensity: f64,
    pub gflops: f64,
    /// Effective bandwidth: those bytes over the median batch time, GB/s.
    pub gbps: f64,
}

/// Every measured row of `models`, in run order.
pub fn roofline_points(results: &ResultSet, models: &[&ModelConfig]) -> Vec<RooflinePoint> {
    let mut points = Vec::new();
    for model in models {
        for &precision in &results.config.precisions {
            for &batch in &results.config.batch_sizes {
                let Some(m) = results.measured(&model.name, precision, batch) else {
                    continue;
                };
                let bytes = model.min_traffic_bytes(batch, precision) as f64;
                let flops = (model.flops_per_sample() * batch as u64) as f64;
                points.push(RooflinePoint {
                    model: model.name.clone(),
                    precision,
                    batch_size: batch,
                    intensity: flops / bytes,
                    gflops: m.gflops,
                    gbps: bytes / (m.batch_latency_ms.median / 1000.0) / 1e9,
                });
            }
        }
    }
    points
}

/// The "Device ceilings and roofline" section.
pub(crate) fn roofline_section(results: &ResultSet, models: &[&ModelConfig]) -> String {
    let mut out = String::from("## Device ceilings and roofline\n\n");
    let Some(ceilings) = &results.ceilings else {
        out.push_str("This result has no ceilings (it predates schema version 3).\n\n");
        return out;
    };
    let mut table = markdown_table(["Ceiling", "Measured"]);
    for row in ceilings_summary(results)
        .map(|t| t.rows)
        .unwrap_or_default()
    {
        table.add_row(row);
    }
    writeln!(
        out,
        "Measured by the WGSL microbenchmarks in `shaders/` on the same device, timed with {}; \
         each figure is the best of three passes of at least 10 ms. Where the inference suite \
         ran, the last rows are burn's own matmul and add on the device, timed like the suite \
         (fastest of three), as a check on the ceilings.\n\n{table}\n",
        ceilings.clock
    )
    .unwrap();

    let points = roofline_points(results, models);
    if points.is_empty() {
        return out;
    }
    out.push_str(
        "Arithmetic intensity counts the fewest bytes a pass must move (parameters and input \
         read once, hidden activations written and read once, output written once); a row is \
         memory-bound left of the ridge point (FMA ceiling ÷ bandwidth) and compute-bound \
         right of it.\n\n",
    );
    let mut table = markdown_table([
        "Model",
        "Precision",
        "Batch",
        "FLOP/byte",
        "GFLOP/s",
        "% of FMA ceiling",
        "GB/s",
        "% of bandwidth",
        "Bound by",
    ]);
    let mut above = Vec::new();
    for p in &points {
        let compute = share(p.gflops, ceilings.fma_gflops(p.precision));
        let memory = share(p.gbps, ceilings.bandwidth_gbps());
        if compute.is_some_and(|s| s > 100.0) {
            above.push(format!(
                "{} {} batch {}",
                p.model, p.precision, p.batch_size
            ));
        }
        table.add_row(vec![
            p.model.clone(),
            p.precision.to_string(),
            p.batch_size.to_string(),
            format!("{:.1}", p.intensity),
            fmt_count(p.gflops),
            percent(compute),
            fmt_count(p.gbps),
            percent(memory),
            bound(ceilings, p),
        ]);
    }
    writeln!(out, "{table}\n").unwrap();
    if !above.is_empty() {
        writeln!(
            out,
            "Above the measured FMA ceiling, which points to a timing problem: {}.\n",
            above.join(", ")
        )
        .unwrap();
    }
    out
}

pub(crate) fn ceiling_text(ceiling: &Ceiling, unit: &str) -> String {
    match ceiling {
        Ceiling::Measured { value } => format!("{} {unit}", fmt_count(*value)),
        Ceiling::Unavailable { reason } => format!("n/a ({reason})"),
    }
}

/// `value` as a percentage of `ceiling`.
pub(crate) fn share(value: f64, ceiling: Option<f64>) -> Option<f64> {
    ceiling.map(|c| 100.0 * value / c)
}

pub(crate) fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "n/a".into(), |s| format!("{s:.1} %"))
}

fn bound(ceilings: &Ceilings, p: &RooflinePoint) -> String {
    match (ceilings.fma_gflops(p.precision), ceilings.bandwidth_gbps()) {
        (Some(flops), Some(bandwidth)) if p.intensity < flops / bandwidth => "memory".into(),
        (Some(_), Some(_)) => "compute".into(),
        _ => "n/a".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn points_use_traffic_and_median_time() {
        let results = fixtures::results();
        let models: Vec<&ModelConfig> = results.config.models.iter().collect();
        let points = roofline_points(&results, &models);
        let p = &points[0];
        let model = &results.config.models[0];
        let m = results
            .measured(&p.model, p.precision, p.batch_size)
            .unwrap();
        let bytes = model.min_traffic_bytes(p.batch_size, p.precision) as f64;
        assert!((p.gbps - bytes / m.batch_latency_ms.median * 1000.0 / 1e9).abs() < 1e-9);
        let flops = (model.flops_per_sample() * p.batch_size as u64) as f64;
        assert!((p.intensity - flops / bytes).abs() < 1e-9);
    }

    #[test]
    fn section_shows_ceilings_shares_and_rows_above_the_roof() {
        let mut results = fixtures::results();
        let models: Vec<&ModelConfig> = results.config.models.iter().collect();
        let points = roofline_points(&results, &models);
        // A roof below the first row's GFLOP/s: that row must be flagged.
        let mut ceilings = Ceilings::unavailable("fixture");
        ceilings.fma_f32_gflops = Ceiling::Measured {
            value: points[0].gflops / 2.0,
        };
        ceilings.copy_gbps = Ceiling::Measured { value: 100.0 };
        results.ceilings = Some(ceilings);
        let models: Vec<&ModelConfig> = results.config.models.iter().collect();
        let text = roofline_section(&results, &models);
        assert!(text.contains("## Device ceilings and roofline"));
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("| FMA throughput, f16 | n/a (fixture) |"));
        assert!(text.contains("200.0 %"));
        assert!(text.contains("Above the measured FMA ceiling"));
        results.ceilings = None;
        assert!(roofline_section(&results, &models).contains("predates schema version 3"));
    }
}
