//! Fuzzes [`nlbench_report::untrusted::share_link`]: see there for what must hold.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| nlbench_report::untrusted::share_link(data));
