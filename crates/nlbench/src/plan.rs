//! A run's plan: the configuration, which suites, probes and ceilings run, which paths
//! (burn, the WGSL reference) and how they are timed. Both front ends build one and hand it to
//! [`crate::session::run`]; a checkpoint stores it so `--resume` continues the same plan.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::{config::BenchConfig, error::ConfigError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub config: BenchConfig,
    pub suites: Suites,
    /// burn's own matmul and add beside the ceilings (minutes of autotuning on a software
    /// WebGPU device, so the dashboard leaves them out).
    pub probes: bool,
    /// The device's ceilings (bandwidth, FMA throughput, dispatch overhead).
    pub ceilings: bool,
    pub clock: ClockPolicy,
    /// The paths asked for; `None`: every path the device runs (burn, and the WGSL reference
    /// on wgpu devices).
    pub paths: Option<Paths>,
}

impl Plan {
    /// Everything, as the command line runs by default.
    pub fn new(config: BenchConfig) -> Self {
        Self {
            config,
            suites: Suites::default(),
            probes: true,
            ceilings: true,
            clock: ClockPolicy::Auto,
            paths: None,
        }
    }
}

/// Which suites run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suites {
    /// Throughput, latency and buffer memory.
    pub inference: bool,
    /// Inference, training and per-layer memory.
    pub memory: bool,
    /// A training step's time (older checkpoints have none).
    #[serde(default)]
    pub training: bool,
}

impl Suites {
    const ALL: Self = Self {
        inference: true,
        memory: true,
        training: true,
    };

    /// The suites a front end's choices ask for; an error where they ask for none.
    pub fn chosen(inference: bool, memory: bool, training: bool) -> Result<Self, ConfigError> {
        if inference || memory || training {
            Ok(Self {
                inference,
                memory,
                training,
            })
        } else {
            Err(ConfigError("choose at least one suite".into()))
        }
    }

    fn names(&self) -> Vec<&'static str> {
        [
            (self.inference, "inference"),
            (self.memory, "memory"),
            (self.training, "training"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }
}

impl Default for Suites {
    fn default() -> Self {
        Self {
            inference: true,
            memory: false,
            training: false,
        }
    }
}

/// `inference`, `memory`, `training`, several of them comma-separated, or `all`.
impl FromStr for Suites {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut chosen = Self {
            inference: false,
            memory: false,
            training: false,
        };
        for name in s.split(',').map(|n| n.trim().to_ascii_lowercase()) {
            match name.as_str() {
                "inference" => chosen.inference = true,
                "memory" => chosen.memory = true,
                "training" => chosen.training = true,
                "all" => chosen = Self::ALL,
                other => {
                    return Err(ConfigError(format!(
                        "unknown suite '{}' (expected inference, memory, training or all)",
                        other.chars().take(32).collect::<String>()
                    )));
                }
            }
        }
        Self::chosen(chosen.inference, chosen.memory, chosen.training)
    }
}

impl fmt::Display for Suites {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Self::ALL {
            f.write_str("all")
        } else {
            f.write_str(&self.names().join(","))
        }
    }
}

/// Which figures every row gets. The headline is always there: the host's monotonic clock
/// around the implementation users run, each iteration ending with one element of its output
/// read back. Device time is a second figure, timed by the device's own timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockPolicy {
    /// The headline, and device time where the device writes timestamps.
    #[default]
    Auto,
    /// The headline alone.
    Host,
    /// The headline and device time; an error where the device has no timestamps. (Older
    /// checkpoints said `device` for a device-timed run.)
    #[serde(alias = "device")]
    Both,
}

impl FromStr for ClockPolicy {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(ClockPolicy::Auto),
            "host" => Ok(ClockPolicy::Host),
            "both" => Ok(ClockPolicy::Both),
            "device" => Err(ConfigError(
                "clock 'device': the headline figure is always timed on the host clock; \
                 'both' adds device time to every row"
                    .into(),
            )),
            other => Err(ConfigError(format!(
                "unknown clock '{other}' (expected auto, host or both)"
            ))),
        }
    }
}

impl fmt::Display for ClockPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClockPolicy::Auto => "auto",
            ClockPolicy::Host => "host",
            ClockPolicy::Both => "both",
        })
    }
}

/// Which implementations of the forward pass run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paths {
    /// burn with fusion where the backend has it, as users run it: the headline.
    pub burn: bool,
    /// burn without its fusion layer, for fusion's effect on the same clock.
    #[serde(default)]
    pub unfused: bool,
    /// nlbench's WGSL reference, on wgpu devices.
    pub reference: bool,
}

impl FromStr for Paths {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut paths = Paths {
            burn: false,
            unfused: false,
            reference: false,
        };
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            match item.to_ascii_lowercase().as_str() {
                "burn" => paths.burn = true,
                "unfused" | "burn-unfused" => paths.unfused = true,
                "reference" => paths.reference = true,
                other => {
                    return Err(ConfigError(format!(
                        "unknown path '{other}' (expected burn, unfused or reference, separated \
                         by commas)"
                    )));
                }
            }
        }
        if !paths.burn && !paths.unfused && !paths.reference {
            return Err(ConfigError("at least one path is needed".into()));
        }
        Ok(paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_need_one_of_them() {
        assert_eq!(
            Suites::chosen(true, false, false).unwrap(),
            Suites {
                inference: true,
                memory: false,
                training: false
            }
        );
        assert!(Suites::chosen(false, true, false).unwrap().memory);
        assert!(Suites::chosen(false, false, true).unwrap().training);
        assert_eq!(
            Suites::chosen(false, false, false).unwrap_err().0,
            "choose at least one suite"
        );
    }

    #[test]
    fn parses_with_one_line_errors() {
        assert_eq!("all".parse::<Suites>().unwrap(), Suites::ALL);
        let two: Suites = "inference, training".parse().unwrap();
        assert!(two.inference && two.training && !two.memory);
        assert_eq!(two.to_string(), "inference,training");
        assert_eq!(
            "training".parse::<Suites>().unwrap().to_string(),
            "training"
        );
        assert!(
            "gpu"
                .parse::<Suites>()
                .unwrap_err()
                .0
                .contains("unknown suite 'gpu'")
        );
        assert_eq!("BOTH".parse::<ClockPolicy>().unwrap(), ClockPolicy::Both);
        assert!("gpu".parse::<ClockPolicy>().is_err());
        let device = "device".parse::<ClockPolicy>().unwrap_err().0;
        assert!(
            device.contains("always timed on the host clock"),
            "{device}"
        );
        // A checkpoint of an older run that asked for device timestamps resumes with both.
        let old: ClockPolicy = serde_json::from_str("\"device\"").unwrap();
        assert_eq!(old, ClockPolicy::Both);
        let paths: Paths = "reference".parse().unwrap();
        assert!(paths.reference && !paths.burn);
        let paths: Paths = "burn,unfused".parse().unwrap();
        assert!(paths.burn && paths.unfused && !paths.reference);
        assert!("".parse::<Paths>().is_err());
        assert!("cuda".parse::<Paths>().unwrap_err().0.contains("'cuda'"));
        assert_eq!(Suites::default().to_string(), "inference");
    }
}
