//! Command-line arguments. Settings stay text until the library parses them
//! ([`nlbench::config::Request`]), so the command line and the dashboard's form give the same
//! messages for the same mistakes.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, builder::PossibleValuesParser};
use nlbench::{
    config::{self, BenchConfig, Request},
    plan::{ClockPolicy, Paths, Plan, Suites},
    workload::WorkloadKind,
};

use crate::devices;

/// Benchmarks inference of the NeuralLayers network on a GPU (wgpu: Vulkan, Metal, DX12), on
/// NVIDIA through CUDA, or on the CPU, and writes Markdown reports, results.json and charts.
#[derive(Debug, Parser)]
#[command(
    name = "nlbench-native",
    version,
    args_conflicts_with_subcommands = true
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Base address of the dashboard for the printed share link (default: the published
    /// dashboard, which anyone can open).
    #[arg(long, env = "NLBENCH_SHARE_BASE", default_value_t = default_share_base())]
    pub share_base: String,

    /// Print the share link itself at the end (for scripts), instead of a line naming
    /// share-link.txt, the file beside the reports that holds it.
    #[arg(long)]
    pub print_link: bool,

    #[command(flatten)]
    pub exports: Exports,

    /// Where to run: `auto` tries CUDA, then ROCm, then a hardware GPU through wgpu, then the
    /// CPU (a software adapter such as lavapipe only when asked for: `vulkan`, `--device`).
    #[arg(long, default_value = devices::AUTO, value_parser = PossibleValuesParser::new(devices::backend_names()))]
    pub backend: String,

    /// The device to run on, by its index in `nlbench-native devices` or a piece of its name
    /// only it has (replaces --backend).
    #[arg(long, conflicts_with = "backend")]
    pub device: Option<String>,

    /// Run the plan on every listed device in turn, each into its own folder under --out,
    /// and compare them all.
    #[arg(long, conflicts_with_all = ["backend", "device", "resume"])]
    pub all_devices: bool,

    /// With --all-devices, software devices (lavapipe, SwiftShader, WARP, the CPU) too.
    #[arg(long, requires = "all_devices")]
    pub include_software: bool,

    /// Which suites: inference (throughput, latency, buffer memory), memory (inference,
    /// training and per-layer memory), training (a training step's time), several
    /// comma-separated, or all.
    #[arg(long, default_value = "inference")]
    pub suite: Suites,

    /// Which figures every row gets: the headline is always the host's monotonic clock around
    /// what users run (burn with fusion), each iteration ending with one element of the output
    /// read back; `auto` adds device time (the device's timestamps, in runs of their own)
    /// where the device writes timestamps, `both` insists on it, `host` leaves it out
    /// (default: auto; host with --quick, whose device-time runs would double its length).
    #[arg(long)]
    pub clock: Option<ClockPolicy>,

    /// Implementations of the forward pass: burn, unfused (burn without its fusion layer),
    /// reference (nlbench's WGSL, on wgpu devices), comma-separated (default: burn, and the
    /// reference where the device runs it).
    #[arg(long)]
    pub paths: Option<Paths>,

    /// Workloads, comma-separated (the help lists the registered ones with their presets).
    #[arg(long, help = workloads_help())]
    pub workloads: Option<String>,

    /// Tokens of the decoder's prompt, its prefill phase and llama-bench's ppN test
    /// (default: the preset's, 64 for tiny, 512 for gpt2 and 1b); several, comma-separated,
    /// sweep the prefill over them and chart the time to first token against the length.
    #[arg(long, allow_hyphen_values = true)]
    pub prompt_len: Option<String>,

    /// Positions a decoder's decode step attends to, its KV cache with the new token
    /// (default: the preset's, 128 for tiny, 512 for gpt2, 1024 for 1b).
    #[arg(long, allow_hyphen_values = true)]
    pub context_len: Option<String>,

    /// Tokens the decoder generates one after another, llama-bench's tgN test (default: the
    /// preset's, 32 for tiny, 128 for gpt2 and 1b).
    #[arg(long, allow_hyphen_values = true)]
    pub gen_len: Option<String>,

    /// Tokens of context before the generation starts, llama-bench's `tgN @ dM` (default 0:
    /// an empty cache).
    #[arg(long, allow_hyphen_values = true)]
    pub depth: Option<String>,

    /// Batch sizes, comma-separated (default 1,16,64,128,256).
    #[arg(long, allow_hyphen_values = true)]
    pub batch_sizes: Option<String>,

    /// Input and output width of every model (default 1024).
    #[arg(long, allow_hyphen_values = true)]
    pub input_dim: Option<String>,

    /// Hidden width of a custom model named "custom" (replaces the size presets unless
    /// --sizes is given too).
    #[arg(long, allow_hyphen_values = true)]
    pub hidden_dim: Option<String>,

    /// Number of Linear layers of the custom model (default 2).
    #[arg(long, allow_hyphen_values = true)]
    pub layers: Option<String>,

    /// Model size presets, comma-separated: small, medium, large, xl (default
    /// small,medium,large).
    #[arg(long)]
    pub sizes: Option<String>,

    /// Precisions, comma-separated: f32, f16, bf16 (default f32,f16).
    #[arg(long)]
    pub precision: Option<String>,

    /// Timed iterations per configuration and round, the least taken (default 20).
    #[arg(long, allow_hyphen_values = true)]
    pub iterations: Option<String>,

    /// Minimum warm-up per configuration in milliseconds (default 500).
    #[arg(long, allow_hyphen_values = true)]
    pub warmup_ms: Option<String>,

    /// Keep timing until the median's 95 % interval is within ± this many percent (default
    /// 2), or `off` for exactly --iterations.
    #[arg(long, allow_hyphen_values = true)]
    pub target_ci: Option<String>,

    /// Longest sampling per configuration and round in milliseconds, past --iterations
    /// (default 400).
    #[arg(long, allow_hyphen_values = true)]
    pub max_time_ms: Option<String>,

    /// Run the whole plan this many times in interleaved rounds (default 3): with two or more,
    /// each row's interval is the run-to-run spread the rounds measured, pooled over the plan;
    /// with 1, one run's samples' (an identical rerun often falls outside it).
    #[arg(long, allow_hyphen_values = true)]
    pub repeat: Option<String>,

    /// Keep timing each configuration until its p99 has a 95 % interval (299 samples), within
    /// --max-time-ms.
    #[arg(long)]
    pub tail: bool,

    /// Seed of weights and inputs (default 42).
    #[arg(long, allow_hyphen_values = true)]
    pub seed: Option<String>,

    /// Smoke run: small and medium models, batch sizes 1,16,64, 10 iterations and 100 ms of
    /// sampling at most per round, the headline clock alone unless --clock says otherwise.
    #[arg(long)]
    pub quick: bool,

    /// Tune every kernel afresh: forget the tunings earlier runs kept for these devices
    /// (they are kept per device, driver and version in nlbench's cache folder, or
    /// NLBENCH_CACHE_DIR).
    #[arg(long)]
    pub retune: bool,

    /// Output folder.
    #[arg(long, default_value = "benchmark_results")]
    pub out: PathBuf,

    /// TOML file with several named models and any of the settings above; see docs/options.md.
    #[arg(long)]
    pub config: Option<PathBuf>,

    /// Continue the interrupted run whose checkpoint is in --out, with its plan.
    #[arg(long)]
    pub resume: bool,

    /// Replace what --out holds (earlier results, an interrupted run) instead of keeping it.
    #[arg(long)]
    pub force: bool,

    /// Longest time one configuration may run, in seconds, before the watchdog ends it and
    /// records it as timed out (a hung driver never returns; tuning a kernel on a software
    /// device can take a minute).
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,

    /// Run every configuration in this process instead of in a supervised worker process:
    /// a crash then ends the run (the checkpoint keeps what finished), and --timeout is not
    /// enforced. For debugging.
    #[arg(long)]
    pub no_isolation: bool,

    /// Try every configuration, also those the pre-flight check says cannot fit the memory
    /// limits (for a limit it misjudges); one that does not fit is recorded as failed or
    /// crashed.
    #[arg(long)]
    pub no_preflight: bool,

    /// Run the job the supervisor writes on standard input (internal: the supervisor starts
    /// this binary so).
    #[arg(long, hide = true)]
    pub worker: bool,
}

/// The published dashboard: the GitHub Pages site of the repository in `Cargo.toml`
/// (`https://github.com/<owner>/<name>` → `https://<owner>.github.io/<name>/`), which serves
/// the static build of `web/` (see `.github/workflows/pages.yml`); `http://127.0.0.1:8080/`
/// when the repository is not on GitHub.
pub fn default_share_base() -> String {
    let repository = env!("CARGO_PKG_REPOSITORY").trim_end_matches('/');
    match repository
        .strip_prefix("https://github.com/")
        .and_then(|path| path.split_once('/'))
    {
        Some((owner, name)) => format!("https://{}.github.io/{name}/", owner.to_lowercase()),
        None => "http://127.0.0.1:8080/".into(),
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lists every device this build can run on, with the index --device takes.
    Devices,
    /// Puts results side by side: COMPARISON.md, overlaid charts and a share link.
    Compare {
        /// results.json files (from nlbench-native, the dashboard or a baseline), or folders
        /// searched for every results.json under them; the first is the baseline of the ratios.
        #[arg(required = true, num_args = 1..)]
        files: Vec<PathBuf>,

        /// Output folder.
        #[arg(long, default_value = "comparison_results")]
        out: PathBuf,

        /// Base address of the dashboard for the printed share link (default: the published
        /// dashboard).
        #[arg(long, env = "NLBENCH_SHARE_BASE", default_value_t = default_share_base())]
        share_base: String,

        /// Print the share link itself (for scripts), instead of a line naming
        /// share-link.txt in the output folder.
        #[arg(long)]
        print_link: bool,

        #[command(flatten)]
        exports: Exports,
    },
}

/// Flat copies of every row, for tools that read tables (fields in docs/exports.md).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Exports {
    /// Also write every row as CSV with a header line, one line per row.
    #[arg(long, value_name = "PATH")]
    pub export_csv: Option<PathBuf>,

    /// Also write every row as JSON Lines, one object per row.
    #[arg(long, value_name = "PATH")]
    pub export_jsonl: Option<PathBuf>,
}

/// The plan the arguments describe, validated, with notes on what was changed (duplicates);
/// bare workload names take the presets of the CPU and software devices.
pub fn plan(args: &Args) -> Result<(Plan, Vec<String>), String> {
    plan_from(args, args.quick, false)
}

/// `--workloads`' help, from the workload registry: each workload with its presets.
fn workloads_help() -> String {
    let listed: Vec<String> = WorkloadKind::ALL
        .iter()
        .map(|kind| format!("{kind} ({})", kind.presets().join(", ")))
        .collect();
    format!(
        "Workloads, comma-separated, each NAME or NAME:PRESET: {}. A bare name takes the \
         realistic preset on a hardware GPU and `tiny` on the CPU and software devices \
         (default: every one; with --quick, mlp)",
        listed.join(", ")
    )
}

/// The plan a hardware GPU runs instead: bare workload names (and the default plan's
/// workloads) at their realistic presets. `None` where that is the same plan.
pub fn hardware_plan(args: &Args) -> Option<Plan> {
    let (hardware, _) = plan_from(args, args.quick, true).ok()?;
    let (plan, _) = plan(args).ok()?;
    (hardware != plan).then_some(hardware)
}

/// The plan a software device runs where the arguments ask for no configurations: the quick
/// one (a software adapter rates no GPU, and the default plan takes it ten minutes), with the
/// arguments' suites, paths and clock. `None` where they ask for configurations.
pub fn software_plan(args: &Args) -> Option<Plan> {
    if sets_configurations(args) {
        return None;
    }
    plan_from(args, true, false).ok().map(|(plan, _)| plan)
}

fn plan_from(args: &Args, quick: bool, hardware_gpu: bool) -> Result<(Plan, Vec<String>), String> {
    let mut base = if quick {
        BenchConfig::quick()
    } else {
        BenchConfig::default_for(hardware_gpu)
    };
    if let Some(path) = &args.config {
        base = read_config_file(path, base, hardware_gpu)?;
    }
    let request = Request {
        sizes: args.sizes.clone(),
        input_dim: args.input_dim.clone(),
        hidden_dim: args.hidden_dim.clone(),
        layers: args.layers.clone(),
        batch_sizes: args.batch_sizes.clone(),
        precisions: args.precision.clone(),
        iterations: args.iterations.clone(),
        warmup_ms: args.warmup_ms.clone(),
        seed: args.seed.clone(),
        target_ci: args.target_ci.clone(),
        max_time_ms: args.max_time_ms.clone(),
        repeat: args.repeat.clone(),
        workloads: args.workloads.clone(),
        prompt_len: args.prompt_len.clone(),
        context_len: args.context_len.clone(),
        gen_len: args.gen_len.clone(),
        depth: args.depth.clone(),
        tail: args.tail,
        hardware_gpu,
    };
    let resolved = request.resolve(base).map_err(|e| e.0)?;
    let mut plan = Plan::new(resolved.config);
    plan.suites = args.suite;
    plan.clock = args.clock.unwrap_or(if quick {
        ClockPolicy::Host
    } else {
        ClockPolicy::Auto
    });
    plan.paths = args.paths;
    Ok((plan, resolved.notes))
}

/// True where the arguments set anything of the plan (which `--resume` takes from the
/// checkpoint instead).
pub fn sets_plan(args: &Args) -> bool {
    sets_configurations(args) || args.paths.is_some() || args.clock.is_some()
}

/// True where the arguments choose the configurations or how they are timed (`--quick`, a
/// config file, sizes, batch sizes, iterations, …).
fn sets_configurations(args: &Args) -> bool {
    args.quick
        || args.tail
        || args.config.is_some()
        || [
            &args.sizes,
            &args.input_dim,
            &args.hidden_dim,
            &args.layers,
            &args.batch_sizes,
            &args.precision,
            &args.iterations,
            &args.warmup_ms,
            &args.seed,
            &args.target_ci,
            &args.max_time_ms,
            &args.repeat,
            &args.workloads,
            &args.prompt_len,
            &args.context_len,
            &args.gen_len,
            &args.depth,
        ]
        .iter()
        .any(|field| field.is_some())
}

fn read_config_file(
    path: &Path,
    base: BenchConfig,
    hardware_gpu: bool,
) -> Result<BenchConfig, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
    config::from_toml(&text, base, hardware_gpu)
        .map_err(|e| format!("config file {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nlbench::precision::Precision;

    fn parse(args: &[&str]) -> Args {
        Args::try_parse_from(std::iter::once("nlbench-native").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn flags_become_a_plan() {
        let (plan, notes) = plan(&parse(&[
            "--batch-sizes",
            "2,4,4",
            "--sizes",
            "small,xl",
            "--precision",
            "f32",
            "--suite",
            "all",
            "--clock",
            "both",
            "--paths",
            "burn",
        ]))
        .unwrap();
        assert_eq!(plan.config.batch_sizes, vec![2, 4]);
        assert_eq!(notes.len(), 1);
        assert_eq!(plan.config.models[1].hidden_dim, 2048);
        assert_eq!(plan.config.precisions, vec![Precision::F32]);
        assert!(plan.suites.memory && plan.suites.inference);
        assert_eq!(plan.clock, ClockPolicy::Both);
        let paths = plan.paths.expect("asked for");
        assert!(paths.burn && !paths.reference);
        assert!(
            plan_of(&["--quick"]).paths.is_none(),
            "every path the device runs"
        );
    }

    #[test]
    fn the_quick_run_takes_the_headline_clock_alone_unless_asked() {
        assert_eq!(plan_of(&[]).clock, ClockPolicy::Auto);
        assert_eq!(plan_of(&["--quick"]).clock, ClockPolicy::Host);
        assert_eq!(
            plan_of(&["--quick", "--clock", "auto"]).clock,
            ClockPolicy::Auto
        );
    }

    fn plan_of(args: &[&str]) -> Plan {
        plan(&parse(args)).unwrap().0
    }

    #[test]
    fn share_links_point_at_the_published_dashboard() {
        assert_eq!(default_share_base(), "https://nlbench.github.io/nlbench/");
        assert_eq!(
            parse(&["--share-base", "https://example.org/nlbench/"]).share_base,
            "https://example.org/nlbench/"
        );
    }

    #[test]
    fn bad_values_are_one_line_errors() {
        let err = plan(&parse(&["--sizes", "huge"])).unwrap_err();
        assert!(err.contains("unknown model size 'huge'"), "{err}");
        let err = plan(&parse(&["--batch-sizes", "0"])).unwrap_err();
        assert!(err.contains("batch sizes"), "{err}");
        let err = plan(&parse(&["--precision", "f64"])).unwrap_err();
        assert!(err.contains("unknown precision 'f64'"), "{err}");
        assert!(Args::try_parse_from(["nlbench-native", "--suite", "gpu"]).is_err());
    }

    #[test]
    fn config_file_models() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("models.toml");
        std::fs::write(
            &path,
            "batch_sizes = [1, 8]\n\
             [[models]]\nname = \"narrow\"\ninput_dim = 64\nhidden_dim = 16\n",
        )
        .unwrap();
        let (plan, _) = plan(&parse(&["--config", path.to_str().unwrap()])).unwrap();
        assert_eq!(plan.config.batch_sizes, vec![1, 8]);
        assert_eq!(plan.config.models[0].name, "narrow");
        std::fs::write(&path, "bogus = 1\n").unwrap();
        let err = super::plan(&parse(&["--config", path.to_str().unwrap()])).unwrap_err();
        assert!(err.contains("unknown field"), "{err}");
        assert!(sets_plan(&parse(&["--quick"])) && !sets_plan(&parse(&["--out", "x"])));
    }

    #[test]
    fn a_hardware_gpu_takes_the_realistic_presets() {
        let names = |plan: &Plan| -> Vec<String> {
            plan.config.workloads.iter().map(|w| w.label()).collect()
        };
        // Every registered workload beside the MLP, at its preset for the device.
        let registered = |hardware_gpu: bool| -> Vec<String> {
            WorkloadKind::ALL
                .into_iter()
                .filter(|kind| !kind.is_mlp())
                .map(|kind| nlbench::workload::Workload::default_for(kind, hardware_gpu).label())
                .collect()
        };
        let default = names(&plan_of(&[]));
        assert_eq!(default, registered(false));
        assert_eq!(default[..3], ["encoder:tiny", "decoder:tiny", "cnn:tiny"]);
        let realistic = hardware_plan(&parse(&[])).unwrap();
        assert_eq!(names(&realistic), registered(true));
        assert_eq!(
            names(&realistic)[..3],
            ["encoder:bert-base", "decoder:gpt2", "cnn:resnet50"]
        );
        assert_eq!(realistic.config.workload_batch_sizes, None);
        let bare = hardware_plan(&parse(&["--workloads", "decoder"])).unwrap();
        assert_eq!(names(&bare), ["decoder:gpt2"]);
        assert!(hardware_plan(&parse(&["--workloads", "decoder:tiny"])).is_none());
        assert!(hardware_plan(&parse(&["--quick"])).is_none());
    }

    #[test]
    fn a_software_device_runs_the_quick_plan_unless_configurations_are_asked_for() {
        let quick = plan_of(&["--quick"]);
        assert_eq!(software_plan(&parse(&[])), Some(quick));
        let with_clock = software_plan(&parse(&["--clock", "auto", "--suite", "all"])).unwrap();
        assert_eq!(with_clock.config, BenchConfig::quick());
        assert_eq!(with_clock.clock, ClockPolicy::Auto);
        assert!(with_clock.suites.memory);
        for asked in [
            &["--sizes", "large"][..],
            &["--quick"],
            &["--iterations", "5"],
        ] {
            assert_eq!(software_plan(&parse(asked)), None, "{asked:?}");
        }
    }
}
