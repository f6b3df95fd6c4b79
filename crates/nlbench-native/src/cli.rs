//! Command-line arguments, and turning them (with an optional TOML file) into a
//! [`BenchConfig`].

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};
use nlbench::{
    config::{BenchConfig, DEFAULT_INPUT_DIM, ModelConfig},
    precision::Precision,
};
use serde::Deserialize;

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

    /// Base address of the dashboard for the printed share link.
    #[arg(long, default_value = DEFAULT_SHARE_BASE)]
    pub share_base: String,

    /// Where to run: `auto` tries CUDA, then a hardware GPU through wgpu, then a software
    /// Vulkan device, then the CPU.
    #[arg(long, value_enum, default_value_t = BackendChoice::Auto)]
    pub backend: BackendChoice,

    /// Which suite: inference (throughput, latency, buffer memory), memory (inference,
    /// training and per-layer memory), or all.
    #[arg(long, value_enum, default_value_t = Suite::Inference)]
    pub suite: Suite,

    /// How iterations are timed: `device` uses the GPU's timestamps (burn's backend without
    /// its fusion layer, which would run kernels outside the timed span), `host` the host
    /// clock around a read-back (burn's fused backend), `auto` device where the GPU has them.
    #[arg(long, value_enum, default_value_t = ClockChoice::Auto)]
    pub clock: ClockChoice,

    /// Batch sizes, comma-separated (default 1,16,64,128,256).
    #[arg(long, value_delimiter = ',')]
    pub batch_sizes: Option<Vec<usize>>,

    /// Input and output width of every model (default 1024).
    #[arg(long)]
    pub input_dim: Option<usize>,

    /// Hidden width of a custom model named "custom" (replaces the size presets unless
    /// --sizes is given too).
    #[arg(long)]
    pub hidden_dim: Option<usize>,

    /// Number of Linear layers of the custom model (default 2).
    #[arg(long)]
    pub layers: Option<usize>,

    /// Model size presets, comma-separated: small, medium, large, xl (default
    /// small,medium,large).
    #[arg(long, value_delimiter = ',')]
    pub sizes: Option<Vec<String>>,

    /// Precisions, comma-separated: f32, f16, bf16 (default f32,f16).
    #[arg(long, value_delimiter = ',')]
    pub precision: Option<Vec<Precision>>,

    /// Timed iterations per configuration (default 50).
    #[arg(long)]
    pub iterations: Option<usize>,

    /// Minimum warm-up per configuration in milliseconds (default 500).
    #[arg(long)]
    pub warmup_ms: Option<f64>,

    /// Seed of weights and inputs (default 42).
    #[arg(long)]
    pub seed: Option<u64>,

    /// Smoke run: small and medium models, batch sizes 1,16,64, 10 iterations.
    #[arg(long)]
    pub quick: bool,

    /// Output folder.
    #[arg(long, default_value = "benchmark_results")]
    pub out: PathBuf,

    /// TOML file with several named models and any of the settings above; see README.md.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClockChoice {
    Auto,
    Device,
    Host,
}

/// The dashboard as `trunk serve` runs it.
pub const DEFAULT_SHARE_BASE: &str = "http://127.0.0.1:8080/";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Puts results side by side: COMPARISON.md, overlaid charts and a share link.
    Compare {
        /// results.json files (from nlbench-native, the dashboard or a baseline); the first
        /// is the baseline of the ratios.
        #[arg(required = true, num_args = 2..)]
        files: Vec<PathBuf>,

        /// Output folder.
        #[arg(long, default_value = "comparison_results")]
        out: PathBuf,

        /// Base address of the dashboard for the printed share link.
        #[arg(long, default_value = DEFAULT_SHARE_BASE)]
        share_base: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendChoice {
    Auto,
    Wgpu,
    Vulkan,
    Metal,
    Dx12,
    Cuda,
    Cpu,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Suite {
    Inference,
    Memory,
    All,
}

impl Suite {
    pub fn runs_inference(self) -> bool {
        matches!(self, Suite::Inference | Suite::All)
    }

    pub fn runs_memory(self) -> bool {
        matches!(self, Suite::Memory | Suite::All)
    }
}

/// The `--config` file: every field optional; flags on the command line win.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    batch_sizes: Option<Vec<usize>>,
    precisions: Option<Vec<Precision>>,
    iterations: Option<usize>,
    warmup_ms: Option<f64>,
    seed: Option<u64>,
    #[serde(default)]
    models: Vec<ModelConfig>,
}

/// The configuration the arguments describe, validated. Errors are one sentence each.
pub fn bench_config(args: &Args) -> Result<BenchConfig, String> {
    let mut config = if args.quick {
        BenchConfig::quick()
    } else {
        BenchConfig::default()
    };
    let input_dim = args.input_dim.unwrap_or(DEFAULT_INPUT_DIM);
    if let Some(path) = &args.config {
        let file = read_config_file(path)?;
        if !file.models.is_empty() {
            config.models = file.models;
        }
        config.batch_sizes = file.batch_sizes.unwrap_or(config.batch_sizes);
        config.precisions = file.precisions.unwrap_or(config.precisions);
        config.iterations = file.iterations.unwrap_or(config.iterations);
        config.warmup_ms = file.warmup_ms.unwrap_or(config.warmup_ms);
        config.seed = file.seed.unwrap_or(config.seed);
    } else if args.input_dim.is_some() {
        for model in &mut config.models {
            model.input_dim = input_dim;
        }
    }

    let mut models = Vec::new();
    if let Some(sizes) = &args.sizes {
        for size in sizes {
            models.push(ModelConfig::preset(size.trim(), input_dim).map_err(|e| e.0)?);
        }
    }
    if args.hidden_dim.is_some() || args.layers.is_some() {
        let mut custom = ModelConfig::new(
            "custom",
            input_dim,
            args.hidden_dim
                .unwrap_or(nlbench::config::DEFAULT_HIDDEN_DIM),
        );
        custom.layers = args.layers.unwrap_or(custom.layers);
        models.push(custom);
    }
    if !models.is_empty() {
        config.models = models;
    }
    if let Some(batch_sizes) = &args.batch_sizes {
        config.batch_sizes = batch_sizes.clone();
    }
    if let Some(precisions) = &args.precision {
        config.precisions = precisions.clone();
    }
    config.iterations = args.iterations.unwrap_or(config.iterations);
    config.warmup_ms = args.warmup_ms.unwrap_or(config.warmup_ms);
    config.seed = args.seed.unwrap_or(config.seed);
    config.validate().map_err(|e| e.0)?;
    Ok(config)
}

fn read_config_file(path: &Path) -> Result<ConfigFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        format!(
            "config file {}: {}",
            path.display(),
            e.message().lines().next().unwrap_or("invalid TOML")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Args {
        Args::try_parse_from(std::iter::once("nlbench-native").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn flags_override_defaults() {
        let config = bench_config(&parse(&[
            "--batch-sizes",
            "2,4",
            "--sizes",
            "small,xl",
            "--precision",
            "f32",
        ]))
        .unwrap();
        assert_eq!(config.batch_sizes, vec![2, 4]);
        assert_eq!(config.models.len(), 2);
        assert_eq!(config.models[1].hidden_dim, 2048);
        assert_eq!(config.precisions, vec![Precision::F32]);
    }

    #[test]
    fn custom_model_from_dims() {
        let config = bench_config(&parse(&[
            "--input-dim",
            "64",
            "--hidden-dim",
            "32",
            "--layers",
            "3",
        ]))
        .unwrap();
        assert_eq!(config.models.len(), 1);
        assert_eq!(config.models[0].widths(), vec![64, 32, 32, 64]);
    }

    #[test]
    fn bad_values_are_one_line_errors() {
        let err = bench_config(&parse(&["--sizes", "huge"])).unwrap_err();
        assert!(err.contains("unknown model size 'huge'"), "{err}");
        let err = bench_config(&parse(&["--batch-sizes", "0"])).unwrap_err();
        assert!(err.contains("batch sizes"), "{err}");
        assert!(Args::try_parse_from(["nlbench-native", "--precision", "f64"]).is_err());
    }

    #[test]
    fn config_file_models() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("models.toml");
        std::fs::write(
            &path,
            "batch_sizes = [1, 8]\n\
             [[models]]\nname = \"narrow\"\ninput_dim = 64\nhidden_dim = 16\n\
             [[models]]\nname = \"wide\"\ninput_dim = 64\nhidden_dim = 128\nlayers = 3\n",
        )
        .unwrap();
        let config = bench_config(&parse(&["--config", path.to_str().unwrap()])).unwrap();
        assert_eq!(config.batch_sizes, vec![1, 8]);
        assert_eq!(config.models[1].widths(), vec![64, 128, 128, 64]);

        std::fs::write(&path, "bogus = 1\n").unwrap();
        let err = bench_config(&parse(&["--config", path.to_str().unwrap()])).unwrap_err();
        assert!(err.contains("unknown field"), "{err}");
    }
}
