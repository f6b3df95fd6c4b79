//! The dashboard's panels.

pub mod adapter;
mod charts;
pub mod compare;
pub mod form;
pub mod results;
mod table;
mod workloads;
