//! The dashboard's panels.

pub mod adapter;
pub mod compare;
pub mod form;
pub mod results;
mod table;
mod workloads;
