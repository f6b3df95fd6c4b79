//! The "Device ceilings and roofline" section of `BENCHMARK_REPORT.md`: the measured
//! ceilings, and every inference row's share of them.

use std::fmt::Write;

use super::{fmt_count, fmt_percent, markdown_table, summary::ceilings_summary};
use crate::{
    analysis::roofline::{above_roof, bound, roofline_points, share},
    config::ModelConfig,
    schema::{Ceiling, ResultSet},
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
        "Measured by microbenchmarks on the same device, timed with {}; each figure is the \
         best of three passes of at least 10 ms. Where they ran, the last rows are burn's own \
         matmul and add on the device, timed like the suite (fastest of three), as a check on \
         the ceilings.\n\n{table}\n",
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
    let several = results.paths.len() > 1;
    let mut header = vec!["Model", "Precision", "Batch"];
    if several {
        header.push("Path");
    }
    header.extend([
        "FLOP/byte",
        "GFLOP/s",
        "% of FMA ceiling",
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
    let above: Vec<String> = above_roof(ceilings, &points)
        .iter()
        .map(|p| {
            format!(
                "{} {} batch {} ({})",
                p.model,
                p.precision,
                p.batch_size,
                p.path.label()
            )
        })
        .collect();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{fixtures, schema::Ceilings};

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
