//! The library's tests against real parts: a Vulkan device (lavapipe where the machine has no
//! GPU). One test binary, so the library is linked once.

mod common;

mod device_errors;
mod reference;
