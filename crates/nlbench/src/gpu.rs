//! nlbench's own WGSL kernels on a wgpu device (the ceilings' microbenchmarks and the
//! reference forward pass): compiling them, binding buffers, submitting a compute pass of
//! dispatches and reading results back. Passes are timed by the one [`Stopwatch`] every
//! figure goes through: on the host clock until one element of the output is back, or by
//! GPU timestamps written at the pass's beginning and end ([`PassTimer`]) where the device
//! has `timestamp-query`.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use futures::{channel::oneshot, future::LocalBoxFuture};

use crate::{
    error::{ErrorKind, RunError},
    measure::{DeviceTimer, Routine, Stopwatch},
};

/// The wgpu device and queue the kernels run on.
pub struct Gpu<'a> {
    pub device: &'a wgpu::Device,
    pub queue: &'a wgpu::Queue,
    /// Where a [`PassTimer`]'s timestamps go; `None` without `timestamp-query`.
    stamps: Option<Arc<Stamps>>,
}

/// A query set for two timestamps, the buffers that bring them back to the host, and whether
/// a timed span waits for the next submitted pass to carry them.
struct Stamps {
    queries: wgpu::QuerySet,
    resolve: wgpu::Buffer,
    readback: wgpu::Buffer,
    /// Nanoseconds per timestamp tick.
    period_ns: f64,
    armed: AtomicBool,
}

const TIMESTAMP_BYTES: u64 = 2 * 8;

/// Dispatches in one compute pass per run, as the measurement protocol's routine (a ceiling's
/// one kernel, the reference's forward pass). A timed run ends when one element of `output`
/// (what the last dispatch writes) is back on the host, or between the pass's timestamps.
pub struct Passes<'a> {
    pub gpu: &'a Gpu<'a>,
    pub dispatches: &'a [&'a Dispatch],
    pub output: &'a wgpu::Buffer,
    pub stopwatch: Stopwatch<'a>,
}

impl Routine for Passes<'_> {
    fn run_untimed(&mut self) -> LocalBoxFuture<'_, Result<(), RunError>> {
        Box::pin(async move {
            self.gpu.submit(self.dispatches, 1);
            self.gpu.read_one(self.output).await
        })
    }

    /// `repeats` repetitions of the dispatches go into one pass, so a microbenchmark's
    /// short kernel is timed over many launches without a pass boundary between them.
    fn run_timed(&mut self, repeats: u32) -> LocalBoxFuture<'_, Result<f64, RunError>> {
        Box::pin(async move {
            let (gpu, dispatches, output) = (self.gpu, self.dispatches, self.output);
            self.stopwatch
                .time(1, &mut || gpu.submit(dispatches, repeats), &mut || {
                    Box::pin(gpu.read_one(output))
                })
                .await
        })
    }
}

/// A compiled kernel with its buffers bound, and the workgroups one dispatch launches.
pub struct Dispatch {
    pub pipeline: wgpu::ComputePipeline,
    pub bind_group: wgpu::BindGroup,
    pub groups: (u32, u32, u32),
}

impl<'a> Gpu<'a> {
    pub fn new(device: &'a wgpu::Device, queue: &'a wgpu::Queue) -> Self {
        let stamps = device
            .features()
            .contains(wgpu::Features::TIMESTAMP_QUERY)
            .then(|| {
                Arc::new(Stamps {
                    queries: device.create_query_set(&wgpu::QuerySetDescriptor {
                        label: Some("nlbench timestamps"),
                        ty: wgpu::QueryType::Timestamp,
                        count: 2,
                    }),
                    resolve: buffer(
                        device,
                        TIMESTAMP_BYTES,
                        wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
                    ),
                    readback: buffer(
                        device,
                        TIMESTAMP_BYTES,
                        wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    ),
                    period_ns: f64::from(queue.get_timestamp_period()),
                    armed: AtomicBool::new(false),
                })
            });
        Self {
            device,
            queue,
            stamps,
        }
    }

    /// The device timer of this device's passes; `None` without `timestamp-query`.
    pub fn timer(&self) -> Option<PassTimer> {
        self.stamps.as_ref().map(|stamps| PassTimer {
            device: self.device.clone(),
            stamps: stamps.clone(),
        })
    }

    /// Submits one compute pass that runs `dispatches` in order, `repeats` times. Inside a
    /// [`PassTimer`] span the pass carries its beginning and end timestamps.
    pub fn submit(&self, dispatches: &[&Dispatch], repeats: u32) {
        let stamps = self
            .stamps
            .as_ref()
            .filter(|s| s.armed.swap(false, Ordering::SeqCst));
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("nlbench pass"),
                timestamp_writes: stamps.map(|t| wgpu::ComputePassTimestampWrites {
                    query_set: &t.queries,
                    beginning_of_pass_write_index: Some(0),
                    end_of_pass_write_index: Some(1),
                }),
            });
            for _ in 0..repeats {
                for dispatch in dispatches {
                    pass.set_pipeline(&dispatch.pipeline);
                    pass.set_bind_group(0, &dispatch.bind_group, &[]);
                    let (x, y, z) = dispatch.groups;
                    pass.dispatch_workgroups(x, y, z);
                }
            }
        }
        if let Some(t) = stamps {
            encoder.resolve_query_set(&t.queries, 0..2, &t.resolve, 0);
            encoder.copy_buffer_to_buffer(&t.resolve, 0, &t.readback, 0, TIMESTAMP_BYTES);
        }
        self.queue.submit([encoder.finish()]);
    }

    /// Reads the first element (4 bytes) of `source` back to the host: the completion rule of
    /// every host-timed figure, since the copy waits for all the work queued before it.
    pub async fn read_one(&self, source: &wgpu::Buffer) -> Result<(), RunError> {
        self.read_range(source, 4).await.map(|_| ())
    }

    /// Compiles `source` (its entry point is `main`) and binds `buffers` at bindings 0, 1, …
    pub fn dispatch(
        &self,
        source: &str,
        buffers: &[&wgpu::Buffer],
        groups: (u32, u32, u32),
    ) -> Dispatch {
        let resources: Vec<_> = buffers.iter().map(|b| b.as_entire_binding()).collect();
        self.bind(&self.pipeline(source), &resources, groups)
    }

    /// Compiles `source`, whose entry point is `main`.
    pub fn pipeline(&self, source: &str) -> wgpu::ComputePipeline {
        let module = self
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some("nlbench kernel"),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            });
        self.device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some("nlbench kernel"),
                layout: None,
                module: &module,
                entry_point: Some("main"),
                compilation_options: Default::default(),
                cache: None,
            })
    }

    /// `pipeline` with `resources` bound at bindings 0, 1, …
    pub fn bind(
        &self,
        pipeline: &wgpu::ComputePipeline,
        resources: &[wgpu::BindingResource<'_>],
        groups: (u32, u32, u32),
    ) -> Dispatch {
        let entries: Vec<wgpu::BindGroupEntry<'_>> = resources
            .iter()
            .enumerate()
            .map(|(binding, resource)| wgpu::BindGroupEntry {
                binding: binding as u32,
                resource: resource.clone(),
            })
            .collect();
        let bind_group = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("nlbench kernel"),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &entries,
        });
        Dispatch {
            pipeline: pipeline.clone(),
            bind_group,
            groups,
        }
    }

    /// A storage buffer of `bytes` zeros, or holding `contents` (and as large as they need),
    /// usable as any binding and as a copy source. Sizes round up to whole 4-byte words, as
    /// wgpu copies need.
    pub fn storage(&self, bytes: u64, contents: Option<&[u8]>) -> wgpu::Buffer {
        let bytes = bytes.max(contents.map_or(0, |c| c.len() as u64));
        let storage = buffer(
            self.device,
            bytes.max(4).next_multiple_of(4),
            wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_DST
                | wgpu::BufferUsages::COPY_SRC,
        );
        if let Some(contents) = contents {
            let mut padded = contents.to_vec();
            padded.resize(contents.len().next_multiple_of(4), 0);
            self.queue.write_buffer(&storage, 0, &padded);
        }
        storage
    }

    /// A `width × height` texture of `format` holding `texels` (rows one after another),
    /// for kernels to read with `textureLoad`.
    pub fn texture(
        &self,
        width: u32,
        height: u32,
        format: wgpu::TextureFormat,
        texels: &[u8],
    ) -> wgpu::TextureView {
        let size = wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        };
        let texture = self.device.create_texture(&wgpu::TextureDescriptor {
            label: Some("nlbench texture"),
            size,
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        });
        let row_bytes = format.block_copy_size(None).expect("a colour format") * width;
        self.queue.write_texture(
            texture.as_image_copy(),
            texels,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(row_bytes),
                rows_per_image: None,
            },
            size,
        );
        texture.create_view(&Default::default())
    }

    /// A uniform buffer holding `contents`.
    pub fn uniform(&self, contents: &[u8]) -> wgpu::Buffer {
        let uniform = buffer(
            self.device,
            contents.len() as u64,
            wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        );
        self.queue.write_buffer(&uniform, 0, contents);
        uniform
    }

    /// The bytes of `source` (a storage buffer) once the work queued before has finished.
    pub async fn read(&self, source: &wgpu::Buffer) -> Result<Vec<u8>, RunError> {
        self.read_range(source, source.size()).await
    }

    /// The first `bytes` of `source`, once the work queued before has finished.
    async fn read_range(&self, source: &wgpu::Buffer, bytes: u64) -> Result<Vec<u8>, RunError> {
        let staging = buffer(
            self.device,
            bytes,
            wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        );
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        encoder.copy_buffer_to_buffer(source, 0, &staging, 0, bytes);
        self.queue.submit([encoder.finish()]);
        map(self.device, &staging).await
    }
}

/// GPU timestamps around the next compute pass a timed span submits: the device time from
/// the pass's first dispatch to the end of its last.
pub struct PassTimer {
    device: wgpu::Device,
    stamps: Arc<Stamps>,
}

/// What pass timestamps span, written into results.
pub const PASS_TIMESTAMPS: &str = "GPU timestamps at the beginning and end of the compute pass";

impl DeviceTimer for PassTimer {
    fn time(
        &self,
        work: &mut (dyn FnMut() + Send),
    ) -> Result<LocalBoxFuture<'static, Result<f64, RunError>>, RunError> {
        self.stamps.armed.store(true, Ordering::SeqCst);
        work();
        if self.stamps.armed.swap(false, Ordering::SeqCst) {
            return Err(RunError::backend(
                "the timed work submitted no compute pass to carry the timestamps",
            ));
        }
        let (device, stamps) = (self.device.clone(), self.stamps.clone());
        Ok(Box::pin(async move {
            let bytes = map(&device, &stamps.readback).await?;
            let tick =
                |i: usize| u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().expect("8 bytes"));
            let ticks = tick(1).saturating_sub(tick(0));
            Ok(ticks as f64 * stamps.period_ns / 1e6)
        }))
    }

    fn name(&self) -> &str {
        PASS_TIMESTAMPS
    }

    fn resolution_ms(&self) -> f64 {
        self.stamps.period_ns / 1e6
    }

    fn clear_errors(&self) -> LocalBoxFuture<'static, ()> {
        Box::pin(async {})
    }
}

/// Natively, waits until the device has finished its queued work and run its callbacks; in
/// the browser it does nothing and the event loop runs them.
fn wait(device: &wgpu::Device) -> Result<(), RunError> {
    device
        .poll(wgpu::PollType::wait_indefinitely())
        .map(|_| ())
        .map_err(|err| RunError::backend(err.to_string()))
}

/// Maps `buffer` once the device has finished the work queued before, and copies it out.
async fn map(device: &wgpu::Device, buffer: &wgpu::Buffer) -> Result<Vec<u8>, RunError> {
    let (sender, receiver) = oneshot::channel();
    buffer
        .slice(..)
        .map_async(wgpu::MapMode::Read, move |result| {
            let _ = sender.send(result);
        });
    wait(device)?;
    receiver
        .await
        .map_err(|_| lost())?
        .map_err(|err| RunError::backend(err.to_string()))?;
    let bytes = buffer.slice(..).get_mapped_range().to_vec();
    buffer.unmap();
    Ok(bytes)
}

fn lost() -> RunError {
    RunError::new(ErrorKind::DeviceLost, "the device was lost")
}

fn buffer(device: &wgpu::Device, size: u64, usage: wgpu::BufferUsages) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("nlbench"),
        size,
        usage,
        mapped_at_creation: false,
    })
}
