//! Reading the device allocator. cubecl backends (wgpu, CUDA) report bytes in use and
//! reserved; the CPU backend reports nothing, and its figures then stay `n/a`.

use burn::cubecl::{Runtime, client::ComputeClient};

/// One reading of the device allocator, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemorySnapshot {
    pub in_use: u64,
    pub reserved: u64,
}

/// Where the runner reads device memory from.
pub trait MemoryProbe {
    /// The allocator's current figures; `None` where the backend reports none.
    fn snapshot(&self) -> Option<MemorySnapshot>;
    /// Why [`MemoryProbe::snapshot`] returns `None`, for the report.
    fn unavailable_reason(&self) -> &str;
}

/// A backend without an allocator report (the CPU backend).
pub struct NoMemoryProbe(pub &'static str);

impl MemoryProbe for NoMemoryProbe {
    fn snapshot(&self) -> Option<MemorySnapshot> {
        None
    }

    fn unavailable_reason(&self) -> &str {
        self.0
    }
}

/// The allocator of a cubecl runtime's device (wgpu or CUDA).
pub struct CubeMemoryProbe<R: Runtime> {
    device: R::Device,
}

impl<R: Runtime> CubeMemoryProbe<R> {
    pub fn new(device: R::Device) -> Self {
        Self { device }
    }
}

impl<R: Runtime> MemoryProbe for CubeMemoryProbe<R> {
    fn snapshot(&self) -> Option<MemorySnapshot> {
        let usage = ComputeClient::<R>::load(&self.device).memory_usage().ok()?;
        Some(MemorySnapshot {
            in_use: usage.bytes_in_use,
            reserved: usage.bytes_reserved,
        })
    }

    fn unavailable_reason(&self) -> &str {
        "the allocator report failed"
    }
}
