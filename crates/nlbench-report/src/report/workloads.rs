//! The report's sections for the workloads beside the MLP: a section per workload and
//! preset with its shapes, then a table per phase, path and precision in the workload's own
//! units (sequences and tokens per second, time to first token, per-token latency, images per
//! second), each row's share of the device's ceilings, its correctness check and its kernels.

use std::fmt::Write;

use super::{
    cells::{median_cell, tail_cell, throughput_cell, verdict_cell},
    fmt_bytes, fmt_count, fmt_percent, llama_bench, markdown_table,
};
use nlbench_results::{
    analysis::{
        not_measured_text,
        roofline::{RooflinePoint, on_matrix_units, share, workload_points},
    },
    schema::{InferenceMeasurement, InferenceRecord, Outcome, PathId, ResultSet},
    workload::{Phase, Workload},
};

/// Every workload section of the report, or nothing where the run measured the MLP alone.
pub fn workloads_section(results: &ResultSet) -> String {
    let points = workload_points(results);
    let mut out = String::new();
    for workload in &results.config.workloads {
        out.push_str(&workload_section(results, workload, &points));
    }
    out
}

fn workload_section(results: &ResultSet, workload: &Workload, points: &[RooflinePoint]) -> String {
    let mut out = format!(
        "## {}: {}\n\n{}\n\n",
        workload.kind().title(),
        workload.name(),
        workload.shapes().describe()
    );
    for &phase in workload.phases() {
        for path in results.path_ids() {
            for &precision in &results.config.precisions {
                let rows: Vec<&InferenceRecord> = results
                    .workload_rows()
                    .filter(|r| {
                        workload.is(r.workload, &r.model)
                            && r.phase == phase
                            && r.path == path
                            && r.precision == precision
                    })
                    .collect();
                if !rows.is_empty() {
                    out.push_str(&phase_table(results, workload, phase, path, &rows, points));
                }
            }
        }
    }
    out.push_str(&llama_bench::table(results, workload));
    out.push_str(&kernels(results, workload));
    out
}

fn phase_table(
    results: &ResultSet,
    workload: &Workload,
    phase: Phase,
    path: PathId,
    rows: &[&InferenceRecord],
    points: &[RooflinePoint],
) -> String {
    let unit = workload.unit(phase);
    let precision = rows[0].precision;
    let title = match (phase, workload.test_name(phase)) {
        (Phase::Forward, _) => format!("{} {precision}, {}", workload.label(), path.label()),
        (phase, Some(test)) => format!(
            "{} {phase} ({test}), {precision}, {}",
            workload.label(),
            path.label()
        ),
        (phase, None) => format!(
            "{} {phase}, {precision}, {}",
            workload.label(),
            path.label()
        ),
    };
    let latency = match phase {
        Phase::Prefill => "Time to first token, median [95 % CI] (ms)",
        Phase::Decode => "Per-token latency, median [95 % CI] (ms)",
        Phase::Forward => "Batch latency, median [95 % CI] (ms)",
        Phase::Generate => "Whole generation, median [95 % CI] (ms)",
    };
    let throughput = format!("{}/s, 95 % CI", capitalised(unit.samples));
    let mut header = vec![
        "Batch".to_owned(),
        latency.to_owned(),
        "p99 [95 % CI] (ms)".to_owned(),
        throughput,
    ];
    let tokens = unit.tokens.filter(|&t| t > 1);
    if tokens.is_some() {
        header.push("Tokens/s".into());
    }
    let generation = phase == Phase::Generate;
    if generation {
        header.extend(
            [
                "Time per output token, median [95 % CI] (ms)",
                "TPOT p90 [95 % CI] (ms)",
                "TPOT p99 [95 % CI] (ms)",
            ]
            .map(str::to_owned),
        );
    }
    header.extend(
        [
            "GFLOP/s",
            "% of SIMT FMA ceiling",
            "GB/s (fewest bytes)",
            "% of bandwidth ceiling",
            "Check (max error)",
            "Verdicts",
        ]
        .map(str::to_owned),
    );
    let columns = header.len();
    let mut table = markdown_table(header);
    for record in rows {
        let row = match &record.outcome {
            Outcome::Measured(m) => {
                let point = points.iter().find(|p| {
                    p.path == record.path
                        && p.model == record.label()
                        && p.precision == record.precision
                        && p.batch_size == record.batch_size
                });
                measured_row(results, record, m, tokens, generation, point)
            }
            other => {
                let mut row = vec![
                    record.batch_size.to_string(),
                    not_measured_text(other).unwrap_or_default(),
                ];
                row.resize(columns, String::new());
                row
            }
        };
        table.add_row(row);
    }
    let cache = match phase {
        Phase::Decode => {
            let bytes = workload.figures(phase).cache_elements * precision.bytes();
            format!(" The KV cache holds {} per sequence.", fmt_bytes(bytes))
        }
        Phase::Generate => {
            let bytes = workload.figures(phase).cache_elements * precision.bytes();
            format!(
                " The KV cache grows to {} per sequence by the last step.",
                fmt_bytes(bytes)
            )
        }
        _ => String::new(),
    };
    let clock = if generation {
        "Host clock: a run is every step of the generation, each step ending when its token is \
         on the host; the time per output token is each step's own."
    } else {
        "Host clock, each run ending when one element of its output is on the host."
    };
    format!("### {title}\n\n{clock}{cache}\n\n{table}\n\n")
}

fn measured_row(
    results: &ResultSet,
    record: &InferenceRecord,
    m: &InferenceMeasurement,
    tokens: Option<u64>,
    generation: bool,
    point: Option<&RooflinePoint>,
) -> Vec<String> {
    let b = &m.timed.batch_latency_ms;
    let ceilings = results.ceilings.as_ref();
    let mut row = vec![
        record.batch_size.to_string(),
        median_cell(b),
        tail_cell(b.p99, b.p99_ci, b.count, 0.99),
        throughput_cell(&m.timed, record.batch_size),
    ];
    if let Some(tokens) = tokens {
        row.push(fmt_count(m.timed.throughput * tokens as f64));
    }
    if generation {
        match &m.token_latency_ms {
            Some(steps) => row.extend([
                median_cell(steps),
                tail_cell(steps.p90, steps.p90_ci, steps.count, 0.9),
                tail_cell(steps.p99, steps.p99_ci, steps.count, 0.99),
            ]),
            None => row.extend(["–", "–", "–"].map(str::to_owned)),
        }
    }
    let gbps = point.map(|p| p.gbps);
    row.extend([
        format!("{:.2}", m.timed.gflops),
        fmt_percent(share(
            m.timed.gflops,
            ceilings.and_then(|c| c.fma_gflops(record.precision)),
        )),
        gbps.map_or_else(|| "n/a".into(), |g| format!("{g:.2}")),
        fmt_percent(gbps.and_then(|g| share(g, ceilings.and_then(|c| c.bandwidth_gbps())))),
        m.accuracy
            .as_ref()
            .map_or_else(|| "–".into(), |a| format!("{:.1e}", a.max_abs_error)),
        verdict_cell(&m.timed.verdicts),
    ]);
    row
}

/// What ran each row's tuned operations, and what the checks held the outputs against.
fn kernels(results: &ResultSet, workload: &Workload) -> String {
    let mut lines = String::new();
    let mut checks: Vec<String> = Vec::new();
    for record in results
        .workload_rows()
        .filter(|r| workload.is(r.workload, &r.model))
    {
        let Outcome::Measured(m) = &record.outcome else {
            continue;
        };
        if let Some(against) = m.accuracy.as_ref().and_then(|a| a.against.clone())
            && !checks.contains(&against)
        {
            checks.push(against);
        }
        let ran: Vec<String> = m
            .kernels
            .iter()
            .map(|k| {
                let tuning = k.tuning.map_or("", |t| t.label());
                let units = if on_matrix_units(&k.kernel) {
                    ", on matrix units"
                } else {
                    ""
                };
                format!("{}: `{}` ({tuning}{units})", k.operation, k.kernel)
            })
            .collect();
        if !ran.is_empty() {
            writeln!(
                lines,
                "- {} {} batch {} ({}): {}",
                record.label(),
                record.precision,
                record.batch_size,
                record.path.label(),
                ran.join("; ")
            )
            .unwrap();
        }
    }
    let mut out = String::new();
    if !checks.is_empty() {
        writeln!(
            out,
            "Every measured row passed its check against {} (the error column: the largest \
             absolute difference).\n",
            checks.join(" and ")
        )
        .unwrap();
    }
    if lines.is_empty() {
        out.push_str(
            "No row names its kernels: cubecl announced no tuning during these rows (the \
             CPU backend tunes nothing; a tuning kept from an earlier run is found in \
             cubecl's cache without a word).\n\n",
        );
    } else {
        writeln!(
            out,
            "Kernels cubecl's autotuner chose during each row's untimed runs:\n\n{lines}"
        )
        .unwrap();
    }
    out
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
