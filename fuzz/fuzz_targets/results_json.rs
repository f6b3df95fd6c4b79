//! Fuzzes [`nlbench_report::untrusted::results_json`]: see there for what must hold.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| nlbench_report::untrusted::results_json(data));
