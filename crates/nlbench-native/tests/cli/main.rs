//! The command line's tests, end to end through the built binary. They form one test binary:
//! the library is linked once instead of once per file, and the harness runs the slow tests
//! (those on lavapipe) side by side on the machine's cores instead of one file after another.

mod common;

mod bad_input;
mod crash_isolation;
mod devices;
mod pytorch_baseline;
mod quick_run;
mod run_safety;
mod run_to_run;
mod tuning_cache;
mod workloads;
