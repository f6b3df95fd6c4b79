//! nlbench: benchmarks of the NeuralLayers network on any burn backend.
//!
//! One library under two front ends (`nlbench-native` and the browser dashboard). A front end
//! opens a device ([`backends`]), builds a [`plan::Plan`] from what the user typed
//! ([`config::Request`]), and hands both to [`session::run`] with its [`session::Platform`]
//! (clock, identity, events, stop requests); the session measures through the one protocol in
//! [`measure`] and returns a [`schema::ResultSet`], from which [`export`] makes every file and
//! [`analysis`] every derived figure. The library reads no clock, file or thread of its own,
//! so it compiles for wasm32 unchanged.

pub mod accuracy;
pub mod analysis;
pub mod backends;
pub mod ceilings;
pub mod compiler;
pub mod config;
pub mod device;
pub mod error;
pub mod export;
mod gpu;
pub mod kernels;
pub mod limits;
pub mod measure;
pub mod memo;
pub mod plan;
pub mod precision;
mod readback;
pub mod reference;
pub mod schema;
pub mod session;
pub mod stats;
pub mod suite;
pub mod untrusted;
pub mod workload;

/// burn version every result records; the workspace pins burn to exactly this version.
pub const BURN_VERSION: &str = "0.21.0";

#[cfg(test)]
mod fixtures;
