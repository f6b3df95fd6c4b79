//! The "Device ceilings and roofline" section of `BENCHMARK_REPORT.md`: the measured
//! ceilings, and every inference row's share of them.

use std::fmt::Write;

use super::{fmt_count, fmt_percent, markdown_table, summary::ceilings_summary};
use crate::{
    analysis::roofline::{above_roof, bound, roofline_points, share},
    schema::ResultSet,
    workload::ModelConfig,
};

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
        "Measured by microbenchmarks on the same device after the inference rows, timed with \
         {}. Each bandwidth and FMA figure is the fastest of three passes, each repeating the \
         kernel until it lasts at least 10 ms or reaches the most repetitions allowed (2^14 on \
         a GPU, 2^12 on the CPU); the dispatch figure is the fastest of three passes of 1,000 \
         dispatches. The SIMT FMA ceiling is vec4 multiply-add chains in every invocation: \
         kernels on matrix units (tensor cores, cooperative matrices) can pass it. Where they \
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
         memory-bound left of the ridge point (SIMT FMA ceiling ÷ bandwidth) and \
         compute-bound right of it.\n\n",
    );
    let several = results.paths.len() > 1;
    let mut header = vec!["Model", "Precision", "Batch"];
    if several {
        header.push("Path");
    }
    header.extend([
        "FLOP/byte",
        "GFLOP/s",
        "% of SIMT FMA ceiling",
        "GB/s",
        "% of bandwidth",
        "Bound by",
    ]);
    let mut table = markdown_table(header);
    for p in &points {
        let mut row = vec![
            p.model.clone(),
            p.precision.to_string(),
            p.batch_size.to_string(),
        ];
        if several {
            row.push(p.path.label().to_owned());
        }
        row.extend([
            format!("{:.1}", p.intensity),
            fmt_count(p.gflops),
            fmt_percent(share(p.gflops, ceilings.fma_gflops(p.precision))),
            fmt_count(p.gbps),
            fmt_percent(share(p.gbps, ceilings.bandwidth_gbps())),
            bound(ceilings, p).unwrap_or("n/a").to_owned(),
        ]);
        table.add_row(row);
    }
    writeln!(out, "{table}\n").unwrap();
    let name = |p: &&crate::analysis::roofline::RooflinePoint| {
        format!(
            "{} {} batch {} ({})",
            p.model,
            p.precision,
            p.batch_size,
            p.path.label()
        )
    };
    let (matrix, simt): (Vec<_>, Vec<_>) = above_roof(ceilings, &points)
        .into_iter()
        .partition(|p| p.matrix_units);
    if !simt.is_empty() {
        let rows: Vec<String> = simt.iter().map(name).collect();
        writeln!(
            out,
            "Above the measured SIMT FMA ceiling with SIMT kernels, which points to a timing \
             problem: {}.\n",
            rows.join(", ")
        )
        .unwrap();
    }
    if !matrix.is_empty() {
        let rows: Vec<String> = matrix.iter().map(name).collect();
        writeln!(
            out,
            "Above the SIMT FMA ceiling on matrix units (their kernels use cooperative \
             matrices or MMA instructions, which that ceiling does not bound): {}.\n",
            rows.join(", ")
        )
        .unwrap();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        fixtures,
        schema::{Ceiling, Ceilings},
    };

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
        assert!(flat.contains("| SIMT FMA throughput, f16 | n/a (fixture) |"));
        assert!(text.contains("200.0 %"));
        assert!(text.contains("Above the measured SIMT FMA ceiling with SIMT kernels"));
        assert!(!text.contains("on matrix units (their"));
        // The same row on a tensor-core matmul is a figure, not a timing problem.
        for record in &mut results.inference {
            if let crate::schema::Outcome::Measured(m) = &mut record.outcome {
                m.kernels[0].kernel = "matmul_simple_cyclic_cmma".into();
            }
        }
        let text = roofline_section(&results, &models);
        assert!(!text.contains("with SIMT kernels"));
        assert!(text.contains("on matrix units (their kernels"));
        results.ceilings = None;
        assert!(roofline_section(&results, &models).contains("predates schema version 3"));
    }
}
