//! The "Device ceilings and roofline" section of `BENCHMARK_REPORT.md`: the measured
//! ceilings, and every inference row's share of them.

use std::fmt::Write;

use super::{fmt_count, fmt_percent, markdown_table, summary::ceilings_summary};
use nlbench_results::{
    analysis::roofline::{above_roof, bound, past_simt_on_matrix_units, roofline_points, share},
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
         kernels on matrix units (tensor cores, cooperative matrices) can pass it. The \
         matrix-unit ceiling is nlbench's CubeCL kernel chaining FP16 multiply-accumulates into \
         FP32 on those units (fastest of three passes), where cubecl exposes them. Where they \
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
         memory-bound left of the ridge point (its compute roof ÷ bandwidth) and \
         compute-bound right of it. The compute roof is the SIMT FMA ceiling, or for an FP16 \
         row whose kernels ran on matrix units the matrix-unit ceiling.\n\n",
    );
    let several = results.paths.len() > 1;
    let mut header = vec!["Model", "Precision", "Batch"];
    if several {
        header.push("Path");
    }
    header.extend([
        "FLOP/byte",
        "GFLOP/s",
        "% of compute roof",
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
            fmt_percent(share(
                p.gflops,
                ceilings.compute_roof(p.precision, p.matrix_units),
            )),
            fmt_count(p.gbps),
            fmt_percent(share(p.gbps, ceilings.bandwidth_gbps())),
            bound(ceilings, p).unwrap_or("n/a").to_owned(),
        ]);
        table.add_row(row);
    }
    writeln!(out, "{table}\n").unwrap();
    let name = |p: &&nlbench_results::analysis::roofline::RooflinePoint| {
        format!(
            "{} {} batch {} ({})",
            p.model,
            p.precision,
            p.batch_size,
            p.path.label()
        )
    };
    let above = above_roof(ceilings, &points);
    if !above.is_empty() {
        let rows: Vec<String> = above.iter().map(name).collect();
        writeln!(
            out,
            "Above their measured compute roof, which points to a timing problem: {}.\n",
            rows.join(", ")
        )
        .unwrap();
    }
    let matrix = past_simt_on_matrix_units(ceilings, &points);
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
    use nlbench_results::{
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
        assert!(text.contains("Above their measured compute roof"));
        assert!(!text.contains("on matrix units (their"));
        // The same row on a tensor-core matmul is a figure, not a timing problem.
        for record in &mut results.inference {
            if let nlbench_results::schema::Outcome::Measured(m) = &mut record.outcome {
                m.kernels[0].kernel = "matmul_simple_cyclic_cmma".into();
            }
        }
        let text = roofline_section(&results, &models);
        assert!(!text.contains("Above their measured compute roof"));
        assert!(text.contains("on matrix units (their kernels"));
        // An FP16 row on matrix units is held against the matrix-unit ceiling where there is
        // one: above it, it is a timing problem again.
        let points = roofline_points(&results, &models);
        let f16 = points
            .iter()
            .find(|p| p.precision == nlbench_results::precision::Precision::F16)
            .expect("the fixture has an FP16 row");
        let label = format!("{} FP16 batch {}", f16.model, f16.batch_size);
        let ceilings = results.ceilings.as_mut().unwrap();
        ceilings.matrix_f16_gflops = Ceiling::Measured {
            value: f16.gflops / 4.0,
        };
        let text = roofline_section(&results, &models);
        let flagged = text
            .lines()
            .find(|l| l.starts_with("Above their measured compute roof"))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(flagged.contains(&label), "{flagged}");
        assert!(text.contains("400.0 %"), "{text}");
        results.ceilings = None;
        assert!(roofline_section(&results, &models).contains("predates schema version 3"));
    }
}
