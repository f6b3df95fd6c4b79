//! What a workload is: one configuration type per workload, implementing [`Shapes`] (what
//! its shapes say: phases, figures, units, limits, its report sentence) and [`Definition`]
//! (its name, title and presets). Its burn module is built through [`Preset`](super::Preset).

use std::fmt::Debug;

use serde::{Serialize, de::DeserializeOwned};

use super::{Figures, Phase, Unit, presets};
use crate::{error::ConfigError, precision::Precision};

/// What one configuration of a workload says about itself, without a backend: everything
/// the pre-flight, the reports, the charts and `compare` read. Object-safe, so a
/// [`Workload`](super::Workload) hands out `&dyn Shapes`.
pub trait Shapes: Debug {
    /// The preset's name (the MLP's model name).
    fn preset_name(&self) -> &str;

    /// The phases each configuration runs.
    fn phases(&self) -> &'static [Phase] {
        &[Phase::Forward]
    }

    /// Shape-derived figures of one sample of `phase`.
    fn figures(&self, phase: Phase) -> Figures;

    /// Fewest bytes a pass over `batch` samples moves: the roofline's denominator.
    fn min_traffic_bytes(&self, phase: Phase, batch: usize, precision: Precision) -> u64 {
        self.figures(phase).min_traffic_bytes(batch, precision)
    }

    /// What one sample of `phase` is.
    fn unit(&self, phase: Phase) -> Unit;

    /// Every shape within its bounds, or a one-line error naming the field.
    fn validate(&self) -> Result<(), ConfigError>;

    /// The benchmark report's sentence on the shapes and analytical figures (empty where
    /// the workload has a report of its own).
    fn describe(&self) -> String;

    /// The name the field gives `phase`'s row where there is one (llama-bench's `pp512`,
    /// `tg128`, `tg128 @ d512`): what the reports show and `compare` lines rows up by.
    fn test_name(&self, _phase: Phase) -> Option<String> {
        None
    }

    /// What the memory suite's readings run, for the memory report.
    fn measured_pass(&self) -> String {
        "a forward pass".into()
    }
}

/// A workload's configuration type: its name on the command line and in `results.json`, its
/// report heading and its presets (from `presets.json`, which the PyTorch baseline reads).
pub trait Definition: Shapes + Clone + PartialEq + Serialize + DeserializeOwned + 'static {
    /// The name `--workloads` takes and `results.json` stores.
    const NAME: &'static str;
    /// The heading of its report section.
    const TITLE: &'static str;

    /// The preset `name` (any case), if there is one.
    fn preset(name: &str) -> Option<Self> {
        presets::read(Self::NAME, name)
    }
}
