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
    /// The allocator's current figures, or why there are none (for the report): the backend
    /// reports none, or its report failed.
    fn snapshot(&self) -> Result<MemorySnapshot, String>;
}

/// A backend without an allocator report (the CPU backend).
pub struct NoMemoryProbe(pub &'static str);

impl MemoryProbe for NoMemoryProbe {
    fn snapshot(&self) -> Result<MemorySnapshot, String> {
        Err(self.0.to_owned())
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
    fn snapshot(&self) -> Result<MemorySnapshot, String> {
        let usage = ComputeClient::<R>::load(&self.device)
            .memory_usage()
            .map_err(|err| format!("the allocator report failed: {err}"))?;
        Ok(MemorySnapshot {
            in_use: usage.bytes_in_use,
            reserved: usage.bytes_reserved,
        })
    }
}
