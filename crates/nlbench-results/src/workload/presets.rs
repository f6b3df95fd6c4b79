//! Every workload's presets, read from `presets.json` at the crate's root: one file that the
//! PyTorch baseline (`baselines/pytorch/workloads.py`) reads too, so the two sides of a
//! comparison cannot drift apart. Each preset is its configuration as `results.json` stores
//! it (the MLP's: its hidden width; the input width is the run's).

use std::{collections::BTreeMap, sync::LazyLock};

use serde::{Deserialize, de::DeserializeOwned};

/// One workload's presets and which one a bare name takes.
#[derive(Deserialize)]
struct Family {
    /// The preset on the CPU and on software devices: small enough for a default run there.
    software: String,
    /// The preset on a hardware GPU: a realistic model.
    hardware_gpu: String,
    presets: Vec<serde_json::Value>,
}

static FAMILIES: LazyLock<BTreeMap<String, Family>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../presets.json")).expect("presets.json is valid")
});

fn family(workload: &str) -> &'static Family {
    FAMILIES
        .get(workload)
        .unwrap_or_else(|| panic!("presets.json has no {workload} presets"))
}

/// The names of `workload`'s presets, in the file's order.
pub fn names(workload: &str) -> Vec<&'static str> {
    family(workload)
        .presets
        .iter()
        .filter_map(|preset| preset["name"].as_str())
        .collect()
}

/// The preset a bare workload name takes.
pub fn default_name(workload: &str, hardware_gpu: bool) -> &'static str {
    let family = family(workload);
    if hardware_gpu {
        &family.hardware_gpu
    } else {
        &family.software
    }
}

/// The preset `name` (any case) of `workload`, as `T`.
pub fn read<T: DeserializeOwned>(workload: &str, name: &str) -> Option<T> {
    let preset = family(workload).presets.iter().find(|preset| {
        preset["name"]
            .as_str()
            .is_some_and(|n| n.eq_ignore_ascii_case(name.trim()))
    })?;
    Some(serde_json::from_value(preset.clone()).expect("presets.json's presets read"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::{Workload, WorkloadKind};

    #[test]
    fn every_preset_reads_and_validates_and_every_default_exists() {
        for kind in WorkloadKind::ALL {
            let names = names(kind.name());
            assert!(!names.is_empty(), "{kind}");
            for name in &names {
                let workload = Workload::preset(kind, name).unwrap();
                assert_eq!(workload.name(), *name);
                workload.validate().unwrap();
            }
            for hardware_gpu in [false, true] {
                assert!(names.contains(&default_name(kind.name(), hardware_gpu)));
            }
        }
        assert_eq!(names("encoder"), ["tiny", "bert-base", "roberta-base"]);
    }
}
