//! nlbench's results format and what it is made of: [`schema::ResultSet`] (what
//! `results.json` holds) and the migrations of its older versions, share links, the run's
//! configuration ([`config`]), the workloads' shapes and figures ([`workload`]), the
//! statistics every figure is summarised with ([`stats`]), and the figures derived from a
//! result ([`analysis`]: rows, verdicts, rooflines, the line-up of `compare`).
//!
//! Nothing here needs burn, wgpu or a chart library: what reads a result (`compare`, the
//! reports, share links, the fuzz targets) builds this crate alone, and it compiles beside
//! burn in a full build.

pub mod accuracy;
pub mod analysis;
pub mod compiler;
pub mod config;
pub mod device;
pub mod error;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod limits;
pub mod precision;
pub mod schema;
pub mod share;
pub mod stats;
pub mod workload;

/// burn version every result records; the workspace pins burn to exactly this version.
pub const BURN_VERSION: &str = "0.21.0";
