//! `nlbench-native --quick` end to end, on the CPU backend and on wgpu over a real Vulkan
//! device (lavapipe where there is no GPU): every output exists, parses, and its figures
//! agree with each other.

use std::path::Path;

use crate::common::{SHORT, nlbench, succeeded};
use nlbench::{
    analysis::{
        compare::{Line, find, rows},
        roofline::uses_matrix_units,
    },
    precision::Precision,
    schema::{Ceiling, ClockKind, DeviceClock, MemoryOutcome, Outcome, PathId, ResultSet},
};

const OUTPUTS: [&str; 13] = [
    "BENCHMARK_REPORT.md",
    "MEMORY_REPORT.md",
    "results.json",
    "throughput_benchmark.png",
    "throughput_benchmark.svg",
    "model_size_benchmark.png",
    "model_size_benchmark.svg",
    "roofline.png",
    "roofline.svg",
    "memory_comparison.png",
    "memory_comparison.svg",
    "training_memory_breakdown.png",
    "training_memory_breakdown.svg",
];

/// Runs both suites of the quick plan on `backend`, with `extra` arguments (`--quick`, unless
/// the device runs the quick plan by default), into a fresh folder, on a terminal `columns`
/// wide, and checks what every backend must satisfy.
fn quick_run(
    backend: &str,
    extra: &[&str],
    columns: usize,
) -> (tempfile::TempDir, ResultSet, String) {
    let dir = tempfile::tempdir().unwrap();
    let output = nlbench()
        .args(["--suite", "all", "--backend", backend])
        .args(extra)
        .arg("--out")
        .arg(dir.path())
        .arg("--export-csv")
        .arg(dir.path().join("rows.csv"))
        .arg("--export-jsonl")
        .arg(dir.path().join("rows.jsonl"))
        .env("COLUMNS", columns.to_string())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{backend} run failed: {stderr}");
    // The summary, and the rows printed as they finish, fit the terminal.
    let rows = stderr.lines().filter(|l| l.contains(" batch "));
    for line in stdout.lines().chain(rows) {
        assert!(
            line.chars().count() <= columns,
            "wider than {columns} columns: {line}\n{stdout}"
        );
    }
    assert!(stdout.contains("Verdict") || columns < 120, "{stdout}");
    check_share_link(dir.path(), &stdout);
    // Every row is printed as it finishes, before the tables at the end.
    let first_row = stderr
        .find("small FP32 batch 1 · burn: ")
        .unwrap_or_else(|| panic!("rows as they finish: {stderr}"));
    assert!(stderr[first_row..].contains(" samples/s"), "{stderr}");
    for name in OUTPUTS {
        assert!(dir.path().join(name).is_file(), "{name} missing");
    }
    let results =
        ResultSet::from_json(&std::fs::read_to_string(dir.path().join("results.json")).unwrap())
            .unwrap();
    assert_eq!(results.config.models.len(), 2);
    // Every configuration on every path: burn, and on wgpu the WGSL reference beside it.
    assert_eq!(results.inference.len(), results.paths.len() * 2 * 2 * 3);
    assert_eq!(results.memory.len(), 2 * 3);
    assert!(!results.training.is_empty(), "--suite all trains");
    assert_eq!(
        load_exports_with_python(&dir.path().join("rows.csv"), &dir.path().join("rows.jsonl")),
        results.inference.len() + results.training.len(),
        "one flat record per row and per training step"
    );
    check_figures_agree(&results);
    check_charts(dir.path());
    let report = std::fs::read_to_string(dir.path().join("BENCHMARK_REPORT.md")).unwrap();
    assert!(report.contains("## Throughput and latency"));
    assert!(report.contains(&results.device.name));
    let memory = std::fs::read_to_string(dir.path().join("MEMORY_REPORT.md")).unwrap();
    for section in [
        "### Inference memory",
        "### Training memory",
        "### Efficiency",
    ] {
        assert!(memory.contains(section), "MEMORY_REPORT.md lacks {section}");
    }
    (dir, results, stderr)
}

/// Loads a CSV and a JSON Lines export with Python's own `csv` and `json` modules, as a
/// user's script would, and returns how many records they hold; fails where a value is
/// nested, where the two disagree, or where a measured row lacks its throughput.
fn load_exports_with_python(csv: &Path, jsonl: &Path) -> usize {
    const SCRIPT: &str = r#"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
lines = [json.loads(line) for line in open(sys.argv[2])]
assert len(rows) == len(lines), (len(rows), len(lines))
for row, line in zip(rows, lines):
    assert list(row) == list(line), (list(row), list(line))
    for key, value in line.items():
        assert value is None or isinstance(value, (str, int, float, bool)), (key, value)
    if line["status"] == "measured":
        assert float(row["throughput"]) == line["throughput"] > 0, (row, line)
        assert int(row["batch"]) == line["batch"]
    else:
        assert row["throughput"] == "" and line["throughput"] is None, (row, line)
print(len(rows))
"#;
    let output = std::process::Command::new("python3")
        .args(["-c", SCRIPT])
        .arg(csv)
        .arg(jsonl)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap()
}

/// The results the share link in `dir`'s `share-link.txt` holds, each decoded, and the line
/// the terminal should name the file with.
fn shared(dir: &Path) -> (Vec<ResultSet>, String) {
    let file = dir.join("share-link.txt");
    let link = std::fs::read_to_string(&file).unwrap();
    let fragment = link
        .trim_end()
        .strip_prefix("https://nlbench.github.io/nlbench/#")
        .unwrap_or_else(|| panic!("a link to the dashboard: {link}"));
    let results = nlbench_report::share::decode_fragment(fragment)
        .into_iter()
        .map(|r| r.expect("the link decodes"))
        .collect();
    (results, format!("share link: {} (", file.display()))
}

/// The share link is in `share-link.txt`, whole, and the terminal names the file in one line
/// instead of printing kilobytes of it.
fn check_share_link(dir: &Path, stdout: &str) {
    let (shared, line) = shared(dir);
    assert_eq!(shared.len(), 1);
    assert_eq!(shared[0].inference.len(), read(dir).inference.len());
    assert_eq!(stdout.matches(&line).count(), 1, "{stdout}");
    assert!(
        !stdout.contains("#r=1."),
        "the link itself is not printed: {stdout}"
    );
}

fn check_figures_agree(results: &ResultSet) {
    let mut measured = 0;
    for record in &results.inference {
        let Outcome::Measured(m) = &record.outcome else {
            continue;
        };
        measured += 1;
        // samples/s × ms/sample ÷ 1000 = 1.
        let product = m.timed.throughput * m.timed.sample_latency_ms.median / 1000.0;
        assert!(
            (product - 1.0).abs() < 1e-6,
            "throughput × latency = {product}"
        );
        let b = &m.timed.batch_latency_ms;
        assert!(b.min > 0.0 && b.min <= b.median && b.median <= b.p99 && b.p99 <= b.max);
        // Adaptive sampling takes at least the planned iterations.
        assert!(b.count >= results.config.iterations);
        assert_eq!(m.timed.raw_batch_ms.len(), b.count);
        let ci = b.median_ci.expect("every row has its interval");
        assert!(ci.low <= b.median && b.median <= ci.high);
        assert!(m.timed.warmup_runs >= 3);
        assert!(m.timed.gflops > 0.0);
    }
    // Every FP32 configuration runs on every backend.
    let fp32 = results
        .inference
        .iter()
        .filter(|r| r.precision == Precision::F32)
        .count();
    assert!(measured >= fp32, "{measured} measured of {fp32} FP32 rows");
}

fn check_charts(dir: &Path) {
    for stem in ["throughput_benchmark", "model_size_benchmark", "roofline"] {
        let png = std::fs::read(dir.join(format!("{stem}.png"))).unwrap();
        let reader = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        let dims = reader.info().pixel_dims.expect("pHYs chunk");
        assert_eq!(dims.xppu, 11811, "300 DPI is 11811 pixels per metre");
        let svg = std::fs::read_to_string(dir.join(format!("{stem}.svg"))).unwrap();
        roxmltree::Document::parse(&svg).unwrap();
    }
}

/// `compare` of two results into a fresh folder, with `extra` arguments: the folder, and what
/// it printed.
fn compare(a: &Path, b: &Path, extra: &[&str]) -> (tempfile::TempDir, String) {
    let out = tempfile::tempdir().unwrap();
    let output = succeeded(
        nlbench()
            .arg("compare")
            .arg(a.join("results.json"))
            .arg(b.join("results.json"))
            .args(extra)
            .arg("--out")
            .arg(out.path())
            .output()
            .unwrap(),
    );
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (out, stdout)
}

fn read(dir: &Path) -> ResultSet {
    ResultSet::from_json(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap()
}

/// Both quick runs, each checked, then compared: a CPU result and a lavapipe result give a
/// headline ratio for every configuration both hold, and two lavapipe results give
/// device-time ratios too.
#[test]
fn quick_runs_on_cpu_and_vulkan_then_compare() {
    let (cpu_dir, _) = quick_on_cpu();
    let (vulkan_dir, _) = quick_on_vulkan();
    let (csv, jsonl) = (
        cpu_dir.path().join("compared.csv"),
        cpu_dir.path().join("compared.jsonl"),
    );
    let (out, stdout) = compare(
        cpu_dir.path(),
        vulkan_dir.path(),
        &[
            "--export-csv",
            csv.to_str().unwrap(),
            "--export-jsonl",
            jsonl.to_str().unwrap(),
        ],
    );
    check_share_link_of_comparison(out.path(), &stdout);
    let (cpu, vulkan) = (read(cpu_dir.path()), read(vulkan_dir.path()));
    assert_eq!(
        load_exports_with_python(&csv, &jsonl),
        cpu.inference.len() + cpu.training.len() + vulkan.inference.len() + vulkan.training.len(),
        "every row and training step of both results"
    );
    let lined_up = rows(&[cpu.clone(), vulkan.clone()]);
    let shared: Vec<_> = lined_up
        .iter()
        .filter(|r| r.line == Line::Headline && r.clock == ClockKind::Host)
        .filter(|r| r.figures.iter().all(Option::is_some))
        .collect();
    let both_measured = cpu
        .inference
        .iter()
        .filter(|r| {
            vulkan
                .measured(&r.model, r.precision, r.batch_size)
                .is_some()
        })
        .filter(|r| cpu.measured(&r.model, r.precision, r.batch_size).is_some())
        .count();
    assert!(both_measured >= 6, "every FP32 configuration on both");
    assert_eq!(shared.len(), both_measured);
    for row in &shared {
        let ratio = row.ratio(1).expect("a headline ratio");
        assert!(ratio.value > 0.0 && ratio.range.is_some(), "{row:?}");
    }
    let report = std::fs::read_to_string(out.path().join("COMPARISON.md")).unwrap();
    assert!(report.contains("1 (baseline)") && report.contains("llvmpipe"));
    assert!(report.contains("#2 ÷ #1"));
    let headline_ratios = report
        .lines()
        .map(|l| l.split('|').map(str::trim).collect::<Vec<_>>())
        .filter(|cells| cells.len() > 6 && cells[4] == "headline path: burn")
        .filter(|cells| cells[5] == "host clock" && cells[cells.len() - 2].contains('×'))
        .count();
    assert_eq!(headline_ratios, both_measured, "{report}");
    for stem in [
        "comparison_throughput",
        "comparison_latency",
        "comparison_memory",
    ] {
        assert!(
            out.path().join(format!("{stem}.png")).is_file(),
            "{stem}.png"
        );
        let svg = std::fs::read_to_string(out.path().join(format!("{stem}.svg"))).unwrap();
        roxmltree::Document::parse(&svg).unwrap();
    }

    // A second lavapipe run: device time against device time, beside the headlines.
    let again = tempfile::tempdir().unwrap();
    succeeded(
        nlbench()
            .args(SHORT)
            .args(["--backend", "vulkan", "--paths", "burn", "--out"])
            .arg(again.path())
            .output()
            .unwrap(),
    );
    let (out, stdout) = compare(vulkan_dir.path(), again.path(), &["--print-link"]);
    let printed = stdout
        .lines()
        .find_map(|line| line.strip_prefix("share link: "))
        .unwrap_or_else(|| panic!("--print-link prints the link: {stdout}"));
    let written = std::fs::read_to_string(out.path().join("share-link.txt")).unwrap();
    assert_eq!(printed, written.trim_end());
    let lined_up = rows(&[vulkan, read(again.path())]);
    for clock in [ClockKind::Host, ClockKind::Device] {
        let row = find(
            &lined_up,
            Line::Headline,
            clock,
            ("small", Precision::F32, 1),
        )
        .unwrap_or_else(|| panic!("no {clock:?} row"));
        assert!(row.ratio(1).is_some(), "{clock:?}: {row:?}");
    }
    let report = std::fs::read_to_string(out.path().join("COMPARISON.md")).unwrap();
    assert!(report.contains("| device time |"), "{report}");
    assert!(
        out.path()
            .join("comparison_device_throughput.png")
            .is_file()
    );
}

/// A comparison's link holds both results, and the terminal names its file.
fn check_share_link_of_comparison(dir: &Path, stdout: &str) {
    let (shared, line) = shared(dir);
    assert_eq!(shared.len(), 2);
    assert!(stdout.contains(&line), "{stdout}");
    assert!(!stdout.contains("#r=1."), "{stdout}");
}

#[test]
fn compare_needs_readable_results() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("bogus.json");
    std::fs::write(&bogus, "{\"schema_version\": 99}").unwrap();
    let output = nlbench()
        .arg("compare")
        .arg(&bogus)
        .arg(dir.path().join("missing.json"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("newer nlbench"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

fn quick_on_cpu() -> (tempfile::TempDir, ResultSet) {
    let (dir, results, _) = quick_run("cpu", &["--quick"], 80);
    assert_eq!(results.device.backend, "cpu");
    // The quick run takes the headline clock alone unless asked, and says so.
    assert!(
        results.paths[0].device_time.is_none(),
        "{:?}",
        results.paths
    );
    let report = std::fs::read_to_string(dir.path().join("BENCHMARK_REPORT.md")).unwrap();
    assert!(
        report.contains("no device time (the run asked for the host clock alone)"),
        "{report}"
    );
    for record in &results.memory {
        let MemoryOutcome::Measured(m) = &record.outcome else {
            panic!("{} batch {} failed", record.model, record.batch_size);
        };
        assert!(m.inference.is_none() && m.training.is_empty());
        assert_eq!(m.layers.len(), 3, "Linear, ReLU, Linear");
    }
    assert_eq!(results.paths.len(), 1, "the CPU backend runs burn only");
    // The CPU's own ceilings, measured in Rust, bound every CPU row.
    check_below_ceilings(&results);
    let ceilings = results.ceilings.as_ref().expect("ceilings recorded");
    assert!(
        ceilings.clock.contains("Rust kernels"),
        "{}",
        ceilings.clock
    );
    assert!(
        matches!(&ceilings.dispatch_us, Ceiling::Unavailable { .. }),
        "{ceilings:?}"
    );
    let probes = results.burn_probes.as_ref().expect("burn probes ran");
    assert!(
        probes.matmul_gflops.value().is_some_and(|v| v > 0.0),
        "{probes:?}"
    );
    let memory = std::fs::read_to_string(dir.path().join("MEMORY_REPORT.md")).unwrap();
    assert!(memory.contains("n/a (the CPU backend has no allocator report)"));
    assert!(memory.contains("saved activations, analytical)"));
    for record in &results.inference {
        if let Outcome::Measured(m) = &record.outcome {
            assert!(
                m.memory.allocator.is_none(),
                "the CPU backend reports no allocator"
            );
            assert!(m.memory.allocator_unavailable.is_some());
        }
    }
    (dir, results)
}

fn quick_on_vulkan() -> (tempfile::TempDir, ResultSet) {
    // A software device runs the quick plan unless configurations are asked for; here with
    // device time, which lavapipe's timestamps give.
    let (dir, results, stderr) = quick_run("vulkan", &["--clock", "auto"], 120);
    assert!(stderr.contains("plan: the quick one"), "{stderr}");
    assert_eq!(results.config, nlbench::config::BenchConfig::quick());
    assert_eq!(results.device.backend, "wgpu");
    assert_eq!(results.device.api, "Vulkan");
    // burn's allocator; the reference's own buffers are not in it.
    for record in results
        .inference
        .iter()
        .filter(|r| r.path != PathId::Reference)
    {
        let Outcome::Measured(m) = &record.outcome else {
            continue;
        };
        let alloc = m.memory.allocator.expect("wgpu reports its allocator");
        let params = m.memory.analytical.parameter_bytes;
        assert!(
            alloc.peak_in_use >= params,
            "{} {} batch {}: peak {} < parameters {params}",
            record.model,
            record.precision,
            record.batch_size,
            alloc.peak_in_use
        );
        assert!(alloc.peak_reserved >= alloc.peak_in_use);
    }
    let report = std::fs::read_to_string(dir.path().join("BENCHMARK_REPORT.md")).unwrap();
    assert!(report.contains("## Buffer memory"));
    assert!(report.contains("## Device ceilings and roofline"));
    // The headline is burn with fusion on the host clock; lavapipe's timestamps give each
    // row its device time, on burn without fusion.
    assert!(
        results.timing.clock.contains("Instant"),
        "{:?}",
        results.timing
    );
    assert!(results.paths[0].fusion);
    match &results.paths[0].device_time {
        Some(DeviceClock::Timed { timing, fusion }) => {
            assert!(
                timing.clock.starts_with("device timestamps (wgpu"),
                "{timing:?}"
            );
            assert!(!fusion);
        }
        other => panic!("lavapipe has timestamp queries: {other:?}"),
    }
    for record in &results.inference {
        if let Outcome::Measured(m) = &record.outcome {
            assert_eq!(m.clock, ClockKind::Host);
            let device = m.device_time.as_ref().and_then(|d| d.measured());
            assert!(device.is_some(), "{}: {:?}", record.model, m.device_time);
        }
    }
    crate::common::check_measured_memory(&results);
    check_below_ceilings(&results);
    // lavapipe exposes no matrix units to cubecl, so the matrix-unit ceiling says so.
    let matrix = &results.ceilings.as_ref().unwrap().matrix_f16_gflops;
    assert_eq!(
        matrix,
        &Ceiling::Unavailable {
            reason: nlbench::ceilings::NO_MATRIX_UNITS.into()
        }
    );
    // The WGSL reference ran beside burn, and agreed with it.
    let reference: Vec<_> = results
        .inference
        .iter()
        .filter(|r| r.path == PathId::Reference)
        .collect();
    assert_eq!(reference.len(), 2 * 2 * 3);
    for record in reference {
        match &record.outcome {
            Outcome::Measured(m) => {
                let accuracy = m.accuracy.clone().expect("the reference records its error");
                assert!(accuracy.max_abs_error <= accuracy.tolerance, "{accuracy:?}");
            }
            Outcome::Unsupported { .. } => assert_eq!(record.precision, Precision::F16),
            other => panic!("{} {}: {other:?}", record.model, record.batch_size),
        }
    }
    assert!(report.contains("## Paths side by side"));
    (dir, results)
}

/// The microbenchmarks give positive figures, and no burn row on SIMT kernels goes above the
/// SIMT FMA ceiling (one that did would mean a timing bug; kernels on matrix units may). burn's
/// rows stay far below it on these devices; the WGSL reference, built to approach the ceiling,
/// is left out: it and the ceiling are measured minutes apart on a machine whose speed can
/// change in between.
fn check_below_ceilings(results: &ResultSet) {
    let ceilings = results.ceilings.as_ref().expect("ceilings measured");
    let mut figures = vec![
        ("copy", &ceilings.copy_gbps),
        ("read", &ceilings.read_gbps),
        ("FMA f32", &ceilings.fma_f32_gflops),
    ];
    if results.device.backend != "cpu" {
        figures.push(("dispatch", &ceilings.dispatch_us));
    }
    for (name, ceiling) in figures {
        let value = ceiling
            .value()
            .unwrap_or_else(|| panic!("{name}: {ceiling:?}"));
        assert!(value > 0.0, "{name}: {value}");
    }
    let mut checked = 0;
    for record in &results.inference {
        let Outcome::Measured(m) = &record.outcome else {
            continue;
        };
        let Some(roof) = ceilings.fma_gflops(record.precision) else {
            continue;
        };
        if record.path == PathId::Reference || uses_matrix_units(&m.kernels) {
            continue;
        }
        assert!(
            m.timed.gflops < roof,
            "{} {} batch {}: {} GFLOP/s above the measured ceiling {roof}",
            record.model,
            record.precision,
            record.batch_size,
            m.timed.gflops
        );
        checked += 1;
    }
    assert!(
        checked >= 6,
        "every FP32 row of burn has a roof ({checked} checked)"
    );
    // burn's own matmul, timed like the suites, also stays under the FMA ceiling.
    let probes = results.burn_probes.as_ref().expect("burn probes ran");
    let matmul = probes.matmul_gflops.value().expect("burn matmul measured");
    let roof = ceilings.fma_f32_gflops.value().unwrap();
    assert!(
        matmul > 0.0 && matmul < roof,
        "burn matmul {matmul} against {roof}"
    );
    assert!(
        probes.add_gbps.value().is_some_and(|v| v > 0.0),
        "{probes:?}"
    );
}

#[test]
fn config_file_writes_one_report_per_model() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("models.toml");
    std::fs::write(
        &config,
        "batch_sizes = [1, 4]\nprecisions = [\"f32\"]\niterations = 3\nwarmup_ms = 10\n\
         [[models]]\nname = \"narrow\"\ninput_dim = 32\nhidden_dim = 8\n\
         [[models]]\nname = \"wide\"\ninput_dim = 32\nhidden_dim = 64\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let status = nlbench()
        .args(["--backend", "cpu", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    for name in [
        "BENCHMARK_REPORT.md",
        "BENCHMARK_REPORT_narrow.md",
        "BENCHMARK_REPORT_wide.md",
    ] {
        assert!(out.join(name).is_file(), "{name} missing");
    }
    let wide = std::fs::read_to_string(out.join("BENCHMARK_REPORT_wide.md")).unwrap();
    assert!(wide.contains("### wide · FP32") && !wide.contains("### narrow"));
}

/// Bad input: one line on stderr, no panic, exit 2 for usage errors and 1 for a missing device.
#[test]
fn bad_input_is_one_clear_line() {
    let cases: [(&[&str], i32, &str); 5] = [
        (&["--batch-sizes", "0"], 2, "batch sizes"),
        (&["--sizes", "huge"], 2, "unknown model size"),
        (&["--precision", "f64"], 2, "unknown precision"),
        (
            &["--backend", "dx12"],
            1,
            "DX12 is only available on Windows",
        ),
        (
            &["--backend", "cpu", "--clock", "both"],
            2,
            "the CPU backend has no device clock",
        ),
    ];
    for (args, code, needle) in cases {
        let output = nlbench().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[cfg(not(feature = "cuda"))]
#[test]
fn vendor_stacks_without_their_feature_name_it() {
    for backend in ["cuda", "rocm"] {
        let output = nlbench().args(["--backend", backend]).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{backend}: {stderr}");
        assert!(
            stderr.contains(&format!("--features {backend}")),
            "{stderr}"
        );
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }
}
