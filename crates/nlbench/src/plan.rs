//! A run's plan: the configuration, which suites, probes and ceilings run, which paths
//! (burn, the WGSL reference) and how they are timed. Both front ends build one and hand it to
//! [`crate::session::run`]; a checkpoint stores it so `--resume` continues the same plan.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::config::{BenchConfig, ConfigError};

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
    pub paths: Paths,
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
            paths: Paths::default(),
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
}

impl Default for Suites {
    fn default() -> Self {
        Self {
            inference: true,
            memory: false,
        }
    }
}

impl FromStr for Suites {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (inference, memory) = match s.trim().to_ascii_lowercase().as_str() {
            "inference" => (true, false),
            "memory" => (false, true),
            "all" => (true, true),
            other => {
                return Err(ConfigError(format!(
                    "unknown suite '{other}' (expected inference, memory or all)"
                )));
            }
        };
        Ok(Self { inference, memory })
    }
}

impl fmt::Display for Suites {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match (self.inference, self.memory) {
            (true, true) => "all",
            (false, true) => "memory",
            _ => "inference",
        })
    }
}

/// How burn's rows are timed, which decides which of burn's backends run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockPolicy {
    /// Device timestamps where the device writes them, the host clock elsewhere.
    #[default]
    Auto,
    /// Device timestamps; an error where the device has none.
    Device,
    /// The host clock around a completed read-back.
    Host,
    /// Both, where the device has timestamps: burn's fused backend on the host clock and,
    /// natively, its unfused backend on device timestamps, with their ratio.
    Both,
}

impl FromStr for ClockPolicy {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(ClockPolicy::Auto),
            "device" => Ok(ClockPolicy::Device),
            "host" => Ok(ClockPolicy::Host),
            "both" => Ok(ClockPolicy::Both),
            other => Err(ConfigError(format!(
                "unknown clock '{other}' (expected auto, device, host or both)"
            ))),
        }
    }
}

impl fmt::Display for ClockPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClockPolicy::Auto => "auto",
            ClockPolicy::Device => "device",
            ClockPolicy::Host => "host",
            ClockPolicy::Both => "both",
        })
    }
}

/// Which implementations of the forward pass run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paths {
    pub burn: bool,
    /// nlbench's WGSL reference, on wgpu devices.
    pub reference: bool,
}

impl Default for Paths {
    fn default() -> Self {
        Self {
            burn: true,
            reference: true,
        }
    }
}

impl FromStr for Paths {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut paths = Paths {
            burn: false,
            reference: false,
        };
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            match item.to_ascii_lowercase().as_str() {
                "burn" => paths.burn = true,
                "reference" => paths.reference = true,
                other => {
                    return Err(ConfigError(format!(
                        "unknown path '{other}' (expected burn, reference, or both separated by a comma)"
                    )));
                }
            }
        }
        if !paths.burn && !paths.reference {
            return Err(ConfigError("at least one path is needed".into()));
        }
        Ok(paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_one_line_errors() {
        assert_eq!(
            "all".parse::<Suites>().unwrap(),
            Suites {
                inference: true,
                memory: true
            }
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
        let paths: Paths = "reference".parse().unwrap();
        assert!(paths.reference && !paths.burn);
        assert!("".parse::<Paths>().is_err());
        assert!("cuda".parse::<Paths>().unwrap_err().0.contains("'cuda'"));
        assert_eq!(Suites::default().to_string(), "inference");
    }
}
