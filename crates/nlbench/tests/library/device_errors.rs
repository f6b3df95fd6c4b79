//! A timed span in which the device refuses a kernel fails as a refused kernel when the
//! stopwatch watches the device (as the dashboard's does, where the browser drops such work
//! silently), instead of timing work that never ran.

use std::time::Instant;

use crate::common::{Host, vulkan};
use nlbench::{error::ErrorKind, measure::Stopwatch};

#[test]
fn a_refused_kernel_fails_the_span_it_was_launched_in() {
    let (device, _queue, _) = vulkan();
    let clock = Host(Instant::now());
    let watched = Stopwatch::new(&clock, None).watching(Some(&device));
    let mut sync = || -> futures::future::LocalBoxFuture<'static, _> { Box::pin(async { Ok(()) }) };

    // A kernel that does not compile (a float where a u32 is declared).
    let mut launch_broken = || {
        let _module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("broken"),
            source: wgpu::ShaderSource::Wgsl(
                "@compute @workgroup_size(1) fn main() { let x: u32 = 1.5; }".into(),
            ),
        });
    };
    let refused = pollster::block_on(watched.time(1, &mut launch_broken, &mut sync))
        .expect_err("the refusal fails the span");
    assert_eq!(refused.kind, ErrorKind::KernelRejected);
    assert!(
        refused.message.contains("did not run"),
        "{}",
        refused.message
    );
    assert!(!refused.message.contains('\n'), "{}", refused.message);

    // Spans the device accepts are timed as before, and the watch goes on: a second refusal
    // fails its own span too.
    pollster::block_on(watched.time(3, &mut || {}, &mut sync))
        .expect("a span the device accepts is timed after a refused one");
    let again = pollster::block_on(watched.time(1, &mut launch_broken, &mut sync))
        .expect_err("a later refusal fails its span as well");
    assert_eq!(again.kind, ErrorKind::KernelRejected);
}
