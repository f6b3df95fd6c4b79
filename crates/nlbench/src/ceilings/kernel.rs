//! One WGSL microbenchmark kernel on a wgpu device, and timing a compute pass of it: GPU
//! timestamps written at the pass's beginning and end where the device has
//! `timestamp-query`, otherwise the host clock from submission until a read-back completes.

use futures::channel::oneshot;

use crate::{
    error::{ErrorKind, RunError},
    measure::Clock,
};

/// The wgpu device and queue the kernels run on, and how passes are timed.
pub struct Bench<'a> {
    pub device: &'a wgpu::Device,
    pub queue: &'a wgpu::Queue,
    pub clock: &'a dyn Clock,
    timestamps: Option<Timestamps>,
}

/// A query set for two timestamps, and the buffers that bring them back to the host.
struct Timestamps {
    queries: wgpu::QuerySet,
    resolve: wgpu::Buffer,
    readback: wgpu::Buffer,
    /// Nanoseconds per timestamp tick.
    period_ns: f64,
}

const TIMESTAMP_BYTES: u64 = 2 * 8;

impl<'a> Bench<'a> {
    pub fn new(device: &'a wgpu::Device, queue: &'a wgpu::Queue, clock: &'a dyn Clock) -> Self {
        let timestamps = device
            .features()
            .contains(wgpu::Features::TIMESTAMP_QUERY)
            .then(|| Timestamps {
                queries: device.create_query_set(&wgpu::QuerySetDescriptor {
                    label: Some("nlbench ceilings timestamps"),
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
            });
        Self {
            device,
            queue,
            clock,
            timestamps,
        }
    }

    /// The clock the ceilings were timed with, as written in the report.
    pub fn clock_name(&self) -> String {
        match self.timestamps {
            Some(_) => "GPU timestamps at the beginning and end of each compute pass".into(),
            None => format!(
                "{} from submission until a read-back completed",
                self.clock.name()
            ),
        }
    }

    /// Compiles `source` (its entry point is `main`) with `input` bound at 0 and `output`
    /// at 1.
    pub fn kernel(&self, source: &str, input: &wgpu::Buffer, output: &wgpu::Buffer) -> Kernel {
        let module = self
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some("nlbench ceiling"),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            });
        let pipeline = self
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some("nlbench ceiling"),
                layout: None,
                module: &module,
                entry_point: Some("main"),
                compilation_options: Default::default(),
                cache: None,
            });
        let bind_group = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("nlbench ceiling"),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: input.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: output.as_entire_binding(),
                },
            ],
        });
        Kernel {
            pipeline,
            bind_group,
        }
    }

    /// A storage buffer of `bytes` zeros (or of `contents`), usable as either binding.
    pub fn storage(&self, bytes: u64, contents: Option<&[u8]>) -> wgpu::Buffer {
        let storage = buffer(
            self.device,
            bytes,
            wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
        );
        if let Some(contents) = contents {
            self.queue.write_buffer(&storage, 0, contents);
        }
        storage
    }

    /// Milliseconds of one compute pass that dispatches `kernel` over `groups` workgroups,
    /// `repeats` times in a row.
    pub async fn time(
        &self,
        kernel: &Kernel,
        groups: (u32, u32),
        repeats: u32,
    ) -> Result<f64, RunError> {
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("nlbench ceiling"),
                timestamp_writes: self.timestamps.as_ref().map(|t| {
                    wgpu::ComputePassTimestampWrites {
                        query_set: &t.queries,
                        beginning_of_pass_write_index: Some(0),
                        end_of_pass_write_index: Some(1),
                    }
                }),
            });
            pass.set_pipeline(&kernel.pipeline);
            pass.set_bind_group(0, &kernel.bind_group, &[]);
            for _ in 0..repeats {
                pass.dispatch_workgroups(groups.0, groups.1, 1);
            }
        }
        match &self.timestamps {
            Some(t) => {
                encoder.resolve_query_set(&t.queries, 0..2, &t.resolve, 0);
                encoder.copy_buffer_to_buffer(&t.resolve, 0, &t.readback, 0, TIMESTAMP_BYTES);
                self.queue.submit([encoder.finish()]);
                let bytes = self.read(&t.readback).await?;
                let tick = |i: usize| {
                    u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().expect("8 bytes"))
                };
                let ticks = tick(1).saturating_sub(tick(0));
                Ok(ticks as f64 * t.period_ns / 1e6)
            }
            None => {
                let (sender, receiver) = oneshot::channel();
                let start = self.clock.now_ms();
                self.queue.submit([encoder.finish()]);
                self.queue.on_submitted_work_done(move || {
                    let _ = sender.send(());
                });
                self.wait()?;
                receiver
                    .await
                    .map_err(|_| RunError::new(ErrorKind::DeviceLost, "the device was lost"))?;
                Ok(self.clock.now_ms() - start)
            }
        }
    }

    /// Natively, waits until the device has finished its queued work and run its callbacks;
    /// in the browser it does nothing and the event loop runs them.
    fn wait(&self) -> Result<(), RunError> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map(|_| ())
            .map_err(|err| RunError::backend(err.to_string()))
    }

    /// Maps `buffer` once the device has finished the work queued before, and copies it out.
    async fn read(&self, buffer: &wgpu::Buffer) -> Result<Vec<u8>, RunError> {
        let (sender, receiver) = oneshot::channel();
        buffer
            .slice(..)
            .map_async(wgpu::MapMode::Read, move |result| {
                let _ = sender.send(result);
            });
        self.wait()?;
        receiver
            .await
            .map_err(|_| RunError::new(ErrorKind::DeviceLost, "the device was lost"))?
            .map_err(|err| RunError::backend(err.to_string()))?;
        let bytes = buffer.slice(..).get_mapped_range().to_vec();
        buffer.unmap();
        Ok(bytes)
    }
}

/// A compiled kernel with its buffers bound.
pub struct Kernel {
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
}

fn buffer(device: &wgpu::Device, size: u64, usage: wgpu::BufferUsages) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("nlbench ceiling"),
        size,
        usage,
        mapped_at_creation: false,
    })
}
