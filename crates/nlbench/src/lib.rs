//! nlbench: benchmarks of the NeuralLayers network on any burn backend.
//!
//! One library under two front ends (`nlbench-native` and the browser dashboard). A front end
//! opens a device ([`backends`]), builds a [`plan::Plan`] from what the user typed
//! ([`config::Request`]), and hands both to [`session::run`] with its [`session::Platform`]
//! (clock, identity, events, stop requests); the session measures through the one protocol in
//! [`measure`] and returns a [`schema::ResultSet`], from which the `nlbench-report` crate makes
//! every file and [`analysis`] every derived figure. The library reads no clock, file or
//! thread of its own, so it compiles for wasm32 unchanged. It does not depend on the reports:
//! a full build compiles them beside this crate.

pub mod backends;
pub mod ceilings;
pub mod compiler;
pub mod device;
pub mod error;
mod gpu;
pub mod kernels;
pub mod measure;
pub mod memo;
pub mod plan;
pub mod precision;
mod readback;
pub mod reference;
pub mod session;
pub mod suite;
pub mod workload;

/// What the results are made of, and the figures derived from them (burn-free, in their
/// own crate).
pub use nlbench_results::{BURN_VERSION, accuracy, analysis, config, limits, schema, share, stats};

#[cfg(test)]
use nlbench_results::fixtures;
