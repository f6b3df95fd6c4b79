//! The library's tests against real parts: a Vulkan device (lavapipe where the machine has no
//! GPU) and the inputs kept from fuzzing. One test binary, so the library is linked once.

mod common;

mod device_errors;
mod fuzz_regressions;
mod reference;
