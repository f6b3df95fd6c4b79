//! The bounds every front end enforces: every number a user gives has one, stated in its
//! error message, so no accepted configuration can overflow a byte count.

/// Widest input, output or hidden layer.
pub const MAX_DIM: usize = 65_536;
/// Most Linear layers.
pub const MAX_LAYERS: usize = 64;
/// Largest batch.
pub const MAX_BATCH: usize = 1 << 20;
/// Most batch sizes, and most models, in one run.
pub const MAX_LIST: usize = 32;
/// Most timed iterations per configuration.
pub const MAX_ITERATIONS: usize = 100_000;
/// Longest warm-up and longest sampling time per configuration, in milliseconds.
pub const MAX_MS: f64 = 600_000.0;
/// Most interleaved rounds.
pub const MAX_REPEAT: usize = 100;
/// Widest accepted interval target (a share of the median).
pub const MAX_TARGET_CI: f64 = 0.5;
/// Longest model name.
pub const MAX_NAME: usize = 64;
