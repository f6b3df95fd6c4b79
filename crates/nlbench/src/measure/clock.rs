//! The protocol's source of time, injected by the front end: `std::time::Instant` natively,
//! `performance.now()` in the browser. The library never reads a clock of its own, so it
//! compiles unchanged for wasm32.

/// A monotonic clock in milliseconds since an arbitrary origin.
pub trait Clock {
    fn now_ms(&self) -> f64;
    /// What measured, as written in the report (for example "std::time::Instant").
    fn name(&self) -> &str;
    /// The smallest step the clock can show, in milliseconds: a timed run shorter than a few
    /// of these is mostly rounding.
    fn resolution_ms(&self) -> f64;
}
