//! nlbench: benchmarks of the NeuralLayers network on any burn backend.
//!
//! One library under two front ends (`nlbench-native` and the browser dashboard): the model,
//! the suites and their runner, statistics, the `results.json` schema, Markdown reports and
//! charts. It reads no clock, file or thread of its own, so it compiles for wasm32 unchanged;
//! the front ends inject a [`clock::Clock`], a [`probe::MemoryProbe`] and, where the device
//! writes timestamps, a [`timer::DeviceTimer`], and drive the async
//! suites with whatever executor they have.

pub mod ceilings;
pub mod chart;
pub mod clock;
pub mod compare;
pub mod config;
pub mod device;
mod fonts;
pub mod model;
pub mod precision;
pub mod probe;
pub mod report;
pub mod schema;
pub mod share;
pub mod stats;
pub mod suite;
pub mod timer;

/// burn version every result records; the workspace pins burn to exactly this version.
pub const BURN_VERSION: &str = "0.21.0";

#[cfg(test)]
mod fixtures;
