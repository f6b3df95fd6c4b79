//! The workloads on a backend. What a workload is (its configuration, shapes, figures and
//! presets) is part of the results ([`nlbench_results::workload`], re-exported here); each
//! registered workload's module here holds its burn network ([`Preset`], [`Network`]) and its
//! correctness check, generated from the same list ([`OnBackend`]).

pub mod attention;
mod block;
pub mod check;
mod network;
#[macro_use]
mod registry;

pub use network::{Generation, Network, Pass, Preset, Runnable, Visit, VisitTrainable, floats};
pub use nlbench_results::workload::*;

nlbench_results::registered_workloads!(networks);
