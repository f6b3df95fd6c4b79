//! The sections every report starts with: whether the run is complete, which machine and
//! device measured, how, and what.

use std::fmt::Write;

use super::{fmt_bytes, fmt_count, markdown_table};
use nlbench_results::{
    precision::Precision,
    schema::{DeviceClock, PathInfo, ResultSet},
    stats::samples_for_interval,
};

/// How a path's figures were timed, in a sentence: the headline's clock and completion rule,
/// and the device time's.
pub(crate) fn path_timing(path: &PathInfo) -> String {
    let device = match &path.device_time {
        Some(DeviceClock::Timed { timing, fusion }) => format!(
            "; device time: {}{}",
            timing.clock,
            if *fusion {
                ""
            } else if path.fusion {
                " (on burn without its fusion layer)"
            } else {
                ""
            }
        ),
        Some(DeviceClock::Unavailable { reason }) => format!("; device time n/a ({reason})"),
        None => "; no device time (the run asked for the host clock alone)".into(),
    };
    format!(
        "{} ({}; {}){device}",
        path.timing.clock,
        path.clock.label(),
        path.timing.completion
    )
}

/// "Machine and device" and "Configuration" sections. `models` limits the model table to
/// those names (a per-model report); `None` lists all.
pub fn header(results: &ResultSet, models: Option<&[&str]>) -> String {
    let mut out = String::new();
    if let Some(reason) = &results.partial {
        writeln!(
            out,
            "> **Partial result: {reason}.** Only the configurations below finished; the rest \
             of the plan did not run.\n"
        )
        .unwrap();
    }
    for note in &results.notes {
        writeln!(out, "> **Note:** {note}\n").unwrap();
    }
    let device = &results.device;
    let or_unknown = |s: &str| {
        if s.trim().is_empty() {
            "not reported".to_owned()
        } else {
            s.to_owned()
        }
    };
    let rows: Vec<(&str, String)> = vec![
        ("Backend", device.backend_label()),
        ("Device", device.name.clone()),
        ("Vendor", device.vendor.clone()),
        (
            "Device type",
            if device.emulated_gpu() {
                format!(
                    "{} (software rasteriser: not a GPU)",
                    device.device_type.label()
                )
            } else {
                device.device_type.label().to_owned()
            },
        ),
        (
            "Driver",
            format!(
                "{} {}",
                or_unknown(&device.driver),
                device.driver_info.trim()
            )
            .trim()
            .to_owned(),
        ),
        (
            "Device features",
            if device.features.is_empty() {
                "none reported".to_owned()
            } else {
                device.features.join(", ")
            },
        ),
        (
            "burn's kernels",
            device.kernels.as_ref().map_or_else(
                || "not recorded (not burn, or results before schema version 10)".to_owned(),
                |kernels| {
                    let reference = if device.backend == "wgpu" {
                        "; nlbench's reference is WGSL"
                    } else {
                        ""
                    };
                    format!("{}{reference}", kernels.describe())
                },
            ),
        ),
        ("OS", results.machine.os.clone()),
        (
            "CPU",
            match results.machine.cpu_cores {
                Some(cores) => format!("{} ({cores} cores)", results.machine.cpu),
                None => results.machine.cpu.clone(),
            },
        ),
        (
            "Browser",
            results
                .machine
                .browser
                .clone()
                .unwrap_or_else(|| "none (native run)".into()),
        ),
        (
            "nlbench",
            format!(
                "{} {} (commit {})",
                results.tool.front_end,
                results.tool.version,
                results.tool.git_commit.as_deref().unwrap_or("unknown")
            ),
        ),
        ("burn", results.tool.burn_version.clone()),
        ("Date", results.created.clone()),
        ("Timing clock", results.timing.clock.clone()),
        (
            "Paths",
            results
                .paths
                .iter()
                .map(|p| format!("{}: {}", p.id.label(), path_timing(p)))
                .collect::<Vec<_>>()
                .join(" · "),
        ),
        ("Run time", format!("{:.1} s", results.run_seconds)),
    ];
    let mut table = markdown_table(["Property", "Value"]);
    for (key, value) in rows {
        table.add_row(vec![key.to_owned(), value]);
    }
    writeln!(out, "## Machine and device\n\n{table}\n").unwrap();
    if device.software {
        writeln!(
            out,
            "> **{}** runs on the CPU. Its figures show how nlbench behaves there, not how a GPU \
             performs.\n",
            device.name
        )
        .unwrap();
    }

    let config = &results.config;
    let mut table = markdown_table([
        "Model",
        "Widths",
        "Parameters",
        "Parameter bytes (FP32)",
        "FLOPs per sample",
    ]);
    for model in config
        .models
        .iter()
        .filter(|m| models.is_none_or(|names| names.contains(&m.name.as_str())))
    {
        table.add_row(vec![
            model.name.clone(),
            model
                .widths()
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(" → "),
            fmt_count(model.parameter_count() as f64),
            fmt_bytes(model.parameter_bytes(Precision::F32)),
            fmt_count(model.flops_per_sample() as f64),
        ]);
    }
    let list = |items: Vec<String>| items.join(", ");
    let sampling = match (config.target_ci, config.max_time_ms) {
        (Some(target), Some(cap)) => format!(
            "at least {} timed iterations per configuration, then more until the median's 95 % \
             interval is within ±{:.1} % or {} ms of timing have passed",
            config.iterations,
            target * 100.0,
            cap
        ),
        _ => format!("{} timed iterations per configuration", config.iterations),
    };
    let sampling = if config.tail {
        format!(
            "{sampling}; with --tail, on until p99 has its 95 % interval ({} samples){}",
            samples_for_interval(0.99),
            config
                .max_time_ms
                .map(|cap| format!(" or {cap} ms have passed"))
                .unwrap_or_default()
        )
    } else {
        sampling
    };
    writeln!(
        out,
        "## Configuration\n\n{table}\n\n\
         - Batch sizes: {}\n\
         - Precisions: {}\n\
         - Sampling: {sampling}; warm-up: at least {} ms, until autotuning has finished and the \
           last runs vary by under 10 %\n\
         - Rounds: {}{}\n\
         - Seed: {}\n\
         - Timing: {}; {}.\n",
        list(config.batch_sizes.iter().map(usize::to_string).collect()),
        list(
            config
                .precisions
                .iter()
                .map(|p| p.label().to_owned())
                .collect()
        ),
        config.warmup_ms,
        config.repeat,
        if config.repeat > 1 {
            " (every configuration once per round, rounds one after another, so a slow drift of \
             the machine hits every row alike)"
        } else {
            ""
        },
        config.seed,
        results.timing.clock,
        results.timing.completion,
    )
    .unwrap();
    out
}
