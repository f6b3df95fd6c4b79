//! What the library's device tests share: a real Vulkan device (lavapipe where the machine
//! has no GPU) and the host's clock.

use std::time::Instant;

use nlbench::{device::DeviceInfo, measure::Clock};

/// The host's monotonic clock, from when the test made it.
pub struct Host(pub Instant);

impl Clock for Host {
    fn now_ms(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1000.0
    }
    fn name(&self) -> &str {
        "std::time::Instant"
    }
    fn resolution_ms(&self) -> f64 {
        1e-6
    }
}

/// A Vulkan device with FP16 and timestamps where the adapter has them.
pub fn vulkan() -> (wgpu::Device, wgpu::Queue, DeviceInfo) {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends: wgpu::Backends::VULKAN,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    let adapter = pollster::block_on(instance.request_adapter(&Default::default()))
        .expect("a Vulkan adapter (on Linux without a GPU, `apt-get install mesa-vulkan-drivers`)");
    let features =
        adapter.features() & (wgpu::Features::SHADER_F16 | wgpu::Features::TIMESTAMP_QUERY);
    let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
        required_features: features,
        required_limits: adapter.limits(),
        ..Default::default()
    }))
    .expect("the Vulkan device opens");
    let info = nlbench::device::from_wgpu(&adapter.get_info(), features);
    (device, queue, info)
}
