//! The WGSL reference: the NeuralLayers forward pass as nlbench's own hand-tiled kernel
//! (`shaders/reference_linear.wgsl`: matrix multiply with bias and ReLU in the epilogue), on
//! the same wgpu device as burn, timed by the same protocol. It answers "how far is burn from
//! what this device can do": the same rows, beside burn's, beside the ceilings.
//!
//! Correctness first: every configuration runs once on weights and an input taken from
//! burn's CPU backend with the run's seed, and its output is held against burn's; a row whose
//! error exceeds the tolerance fails and has no speed. The tile shape of each layer is chosen
//! per device by a short search (every candidate that fits the device's limits, timed), kept
//! in the front end's [`Memo`] for later runs, and recorded with the row.
//!
//! Its headline is timed like burn's, on the host clock until one element of the output is
//! back; a twin ([`Reference::device_timed`]) that shares the search times the same pass by
//! its GPU timestamps for the device-time figure.

mod shapes;
mod truth;

pub use shapes::{Kernel, SHAPES, Shape, Weights};

use std::{cell::RefCell, collections::HashMap, rc::Rc};

use futures::future::LocalBoxFuture;

use crate::{
    analysis::row::{Measured, build_measurement},
    error::{ErrorKind, RunError, guarded},
    gpu::{Dispatch, Gpu, PASS_TIMESTAMPS, Passes},
    measure::{
        self, Clock, DeviceTimer, Environment, Routine, Stopwatch, protocol::inference_policy,
        scoped,
    },
    memo::Memo,
    precision::Precision,
    schema::{
        Accuracy, AnalyticalMemory, BurnProbes, InferenceMeasurement, KernelChoice, MemoryFigures,
        PathId, TimingInfo, Tuning,
    },
    session::{InferencePath, Step, StepContext},
    workload::WorkloadKind,
};
use truth::Truth;

/// Timed runs of each finalist of the search (every candidate gets one, after one untimed).
const SEARCH_RUNS: usize = 3;
/// Candidates, the fastest of their first timed run, that the search times again.
const FINALISTS: usize = 3;

/// The reference path on one wgpu device.
pub struct Reference {
    device: wgpu::Device,
    queue: wgpu::Queue,
    /// Whether its rows are timed by the pass's GPU timestamps instead of the host clock.
    device_timed: bool,
    /// The shapes to try; `None` for those [`shapes::candidates`] picks for each layer.
    forced: Option<Vec<Shape>>,
    /// The search's choices and compiled kernels, shared with the device-timed twin.
    search: Rc<Search>,
}

/// What the tile-shape search found on this device.
#[derive(Default)]
struct Search {
    /// The choice per layer shape (m, n, k) and precision, searched in this run or kept.
    chosen: RefCell<HashMap<LayerShape, (Shape, Tuning)>>,
    /// Compiled kernels per shape and precision.
    pipelines: RefCell<HashMap<(Shape, Precision), wgpu::ComputePipeline>>,
    /// Where choices are kept across runs, with what earlier runs kept.
    memo: Option<Kept>,
}

/// A layer's matmul: m, n, k and precision.
type LayerShape = (u32, u32, u32, Precision);

/// A memo, and the choices earlier runs kept in it: by [`search_key`], the shape's
/// [`Shape::describe`].
type Kept = (Box<dyn Memo>, HashMap<String, String>);

/// A layer shape's key in the memo.
fn search_key(m: u32, n: u32, k: u32, precision: Precision) -> String {
    format!("{m}×{n}×{k} {precision}")
}

impl Reference {
    /// The reference timed on the host clock: its headline.
    pub fn new(device: wgpu::Device, queue: wgpu::Queue) -> Self {
        Self {
            device,
            queue,
            device_timed: false,
            forced: None,
            search: Rc::default(),
        }
    }

    /// The reference keeping its search's choices in `memo` and taking those kept there
    /// before: a later run on the same device skips the search.
    pub fn remembering(self, memo: Box<dyn Memo>) -> Self {
        let kept = memo.entries().into_iter().collect();
        Self {
            search: Rc::new(Search {
                memo: Some((memo, kept)),
                ..Search::default()
            }),
            ..self
        }
    }

    /// A reference that tries exactly `shapes`, whatever the device's limits and the
    /// dimensions: for tests that a broken shape is caught.
    pub fn with_shapes(device: wgpu::Device, queue: wgpu::Queue, shapes: Vec<Shape>) -> Self {
        Self {
            forced: Some(shapes),
            ..Self::new(device, queue)
        }
    }

    /// The same reference timed by its pass's GPU timestamps, sharing the search; `None`
    /// where the device writes no timestamps.
    pub fn device_timed(&self) -> Option<Self> {
        self.device
            .features()
            .contains(wgpu::Features::TIMESTAMP_QUERY)
            .then(|| Self {
                device: self.device.clone(),
                queue: self.queue.clone(),
                device_timed: true,
                forced: self.forced.clone(),
                search: self.search.clone(),
            })
    }

    /// How its rows are timed on `gpu`: the pass's timestamps for the device-timed twin, the
    /// host clock otherwise.
    fn stopwatch<'a>(
        &self,
        clock: &'a dyn Clock,
        timer: Option<&'a dyn DeviceTimer>,
    ) -> Stopwatch<'a> {
        Stopwatch::new(clock, timer.filter(|_| self.device_timed))
    }
}

impl InferencePath for Reference {
    fn id(&self) -> PathId {
        PathId::Reference
    }

    fn fusion(&self) -> bool {
        false
    }

    fn timing(&self, clock: &dyn Clock) -> TimingInfo {
        let gpu = Gpu::new(&self.device, &self.queue);
        let timer = gpu.timer();
        let mut timing = self
            .stopwatch(clock, timer.as_ref().map(|t| t as &dyn DeviceTimer))
            .timing_info();
        if self.device_timed {
            timing.clock = format!("{PASS_TIMESTAMPS} holding every dispatch of the forward pass");
        }
        timing
    }

    fn runs(&self, workload: WorkloadKind) -> bool {
        workload == WorkloadKind::Mlp
    }

    fn supports(&self, precision: Precision) -> Result<(), RunError> {
        match precision {
            Precision::F32 => Ok(()),
            Precision::F16 if self.device.features().contains(wgpu::Features::SHADER_F16) => Ok(()),
            Precision::F16 => Err(RunError::unsupported(
                "FP16 unsupported on this device (no shader-f16)",
            )),
            Precision::Bf16 => Err(RunError::unsupported(
                "BF16 has no WGSL type: the reference runs FP32 and FP16",
            )),
        }
    }

    fn measure<'a>(
        &'a self,
        step: &'a Step,
        cx: &'a StepContext<'a>,
    ) -> LocalBoxFuture<'a, Result<InferenceMeasurement, RunError>> {
        Box::pin(async move {
            let gpu = Gpu::new(&self.device, &self.queue);
            scoped(&self.device, self.measure_step(&gpu, step, cx)).await
        })
    }

    fn probes<'a>(&'a self, _cx: &'a StepContext<'a>) -> Option<LocalBoxFuture<'a, BurnProbes>> {
        None
    }
}

/// One layer's buffers on the device. `n` and `k` are padded to multiples of 4 (the direct
/// kernel reads vec4 along both; the zeros add nothing); `width` and `depth` are the layer's
/// own.
struct LayerBuffers {
    m: u32,
    n: u32,
    k: u32,
    width: usize,
    depth: usize,
    relu: bool,
    /// Input, weight, bias, output, dimensions: bindings 0 to 4.
    buffers: [wgpu::Buffer; 5],
    /// The weights again as a texture (`k` rows of `n / 4` RGBA texels) for the shapes that
    /// read them so; `None` where it would exceed the device's texture size.
    weight_texture: Option<wgpu::TextureView>,
}

impl LayerBuffers {
    fn bind(&self, gpu: &Gpu<'_>, pipeline: &wgpu::ComputePipeline, shape: &Shape) -> Dispatch {
        let [x, w, b, y, dims] = &self.buffers;
        let weight = match (shape.weights, &self.weight_texture) {
            (Weights::Texture, Some(texture)) => wgpu::BindingResource::TextureView(texture),
            _ => w.as_entire_binding(),
        };
        let resources = [
            x.as_entire_binding(),
            weight,
            b.as_entire_binding(),
            y.as_entire_binding(),
            dims.as_entire_binding(),
        ];
        gpu.bind(pipeline, &resources, shape.groups(self.m, self.n))
    }

    fn describe(&self, index: usize) -> String {
        format!(
            "layer {index}: {}×{} · {}×{} + bias{}",
            self.m,
            self.depth,
            self.depth,
            self.width,
            if self.relu { ", ReLU" } else { "" }
        )
    }
}

impl Reference {
    async fn measure_step(
        &self,
        gpu: &Gpu<'_>,
        step: &Step,
        cx: &StepContext<'_>,
    ) -> Result<InferenceMeasurement, RunError> {
        let model = step.mlp("the WGSL reference")?;
        let truth = Truth::of(model, cx.config.seed, step.batch_size)?;
        let layers = upload(gpu, &truth, step.batch_size, step.precision);
        let mut dispatches = Vec::with_capacity(layers.len());
        let mut kernels = Vec::with_capacity(layers.len());
        for (index, layer) in layers.iter().enumerate() {
            let (shape, tuning) = self.shape_for(gpu, layer, step.precision, cx.clock).await?;
            dispatches.push(layer.bind(gpu, &self.pipeline(gpu, shape, step.precision), &shape));
            kernels.push(KernelChoice {
                operation: layer.describe(index),
                kernel: shape.describe(),
                tuning: Some(tuning),
            });
        }
        let passes: Vec<&Dispatch> = dispatches.iter().collect();
        let accuracy = check(gpu, &passes, &layers, &truth, step.precision).await?;

        let timer = gpu.timer();
        let stopwatch = self.stopwatch(cx.clock, timer.as_ref().map(|t| t as &dyn DeviceTimer));
        let last = layers.last().expect("at least two layers");
        let mut routine = Passes {
            gpu,
            dispatches: &passes,
            output: &last.buffers[3],
            stopwatch,
        };
        let env = Environment {
            clock: cx.clock,
            tuned: &|| true,
        };
        let samples = measure::measure(&mut routine, &inference_policy(cx.config), &env).await?;
        build_measurement(
            Measured {
                samples,
                steps_ms: Vec::new(),
                memory: MemoryFigures {
                    allocator: None,
                    allocator_unavailable: Some(
                        "the reference's own wgpu buffers are not in burn's allocator".into(),
                    ),
                    analytical: AnalyticalMemory::of(model, step.precision, step.batch_size),
                },
                kernels,
                accuracy: Some(accuracy),
            },
            step.row_settings(cx.config, stopwatch.resolution_ms()),
            stopwatch.kind(),
        )
    }

    /// The compiled kernel of `shape` at `precision`, compiled once.
    fn pipeline(&self, gpu: &Gpu<'_>, shape: Shape, precision: Precision) -> wgpu::ComputePipeline {
        self.search
            .pipelines
            .borrow_mut()
            .entry((shape, precision))
            .or_insert_with(|| gpu.pipeline(&shape.source(precision)))
            .clone()
    }

    /// The fastest shape for `layer`: searched once per layer shape and precision (or kept
    /// from an earlier run, where it is still a candidate), each candidate in its own error
    /// scope (one the device refuses drops out), timed by the pass's timestamps where the
    /// device has them (the finer clock), else the host clock.
    async fn shape_for(
        &self,
        gpu: &Gpu<'_>,
        layer: &LayerBuffers,
        precision: Precision,
        clock: &dyn Clock,
    ) -> Result<(Shape, Tuning), RunError> {
        let key = (layer.m, layer.n, layer.k, precision);
        if let Some(&chosen) = self.search.chosen.borrow().get(&key) {
            return Ok(chosen);
        }
        let candidates = self.forced.clone().unwrap_or_else(|| {
            shapes::candidates(layer.m, layer.n, layer.k, precision, &self.device.limits())
        });
        let memo_key = search_key(layer.m, layer.n, layer.k, precision);
        let kept = self.search.memo.as_ref().and_then(|(_, kept)| {
            let name = kept.get(&memo_key)?;
            candidates.iter().find(|s| &s.describe() == name).copied()
        });
        if let Some(shape) = kept {
            let chosen = (shape, Tuning::Reused);
            self.search.chosen.borrow_mut().insert(key, chosen);
            return Ok(chosen);
        }
        let timer = gpu.timer();
        let stopwatch = Stopwatch::new(clock, timer.as_ref().map(|t| t as &dyn DeviceTimer));
        // Every candidate runs once untimed (compiling it) and once timed; the fastest few
        // get more timed runs, the slow majority none: their one run already rules them out
        // (on lavapipe that is most of the search's time).
        let mut timed = Vec::new();
        let mut refused = Vec::new();
        for shape in candidates {
            let trial = self.trial(gpu, layer, shape, precision, stopwatch, 1);
            match guarded(scoped(&self.device, trial)).await {
                Ok(ms) => timed.push((ms, shape)),
                Err(err) => {
                    self.search
                        .pipelines
                        .borrow_mut()
                        .remove(&(shape, precision));
                    refused.push(format!("{}: {}", shape.describe(), err.message));
                }
            }
        }
        timed.sort_by(|a, b| a.0.total_cmp(&b.0));
        timed.truncate(FINALISTS);
        let mut best: Option<(f64, Shape)> = None;
        for (first, shape) in timed {
            let trial = self.trial(gpu, layer, shape, precision, stopwatch, SEARCH_RUNS - 1);
            let ms = guarded(scoped(&self.device, trial)).await?.min(first);
            if best.is_none_or(|(b, _)| ms < b) {
                best = Some((ms, shape));
            }
        }
        let (_, shape) = best.ok_or_else(|| {
            RunError::new(
                ErrorKind::KernelRejected,
                format!("no tile shape ran on this device ({})", refused.join("; ")),
            )
        })?;
        if let Some((memo, _)) = &self.search.memo {
            memo.keep(&memo_key, &shape.describe());
        }
        let chosen = (shape, Tuning::Fresh);
        self.search.chosen.borrow_mut().insert(key, chosen);
        Ok(chosen)
    }

    /// The fastest of `runs` timed runs of `shape` on `layer`, after one untimed (which, the
    /// first time, compiles it).
    async fn trial(
        &self,
        gpu: &Gpu<'_>,
        layer: &LayerBuffers,
        shape: Shape,
        precision: Precision,
        stopwatch: Stopwatch<'_>,
        runs: usize,
    ) -> Result<f64, RunError> {
        let dispatch = layer.bind(gpu, &self.pipeline(gpu, shape, precision), &shape);
        let dispatches = [&dispatch];
        let mut passes = Passes {
            gpu,
            dispatches: &dispatches,
            output: &layer.buffers[3],
            stopwatch,
        };
        passes.run_untimed().await?;
        let mut fastest = f64::INFINITY;
        for _ in 0..runs {
            fastest = fastest.min(passes.run_timed(1).await?);
        }
        Ok(fastest)
    }
}

/// The buffers of every layer: the input, each layer's weights (as a buffer, and as a texture
/// where the device allows one that size) and bias, the activations between layers (each
/// layer's output is the next one's input), every width padded with zeros to a multiple of 4.
fn upload(gpu: &Gpu<'_>, truth: &Truth, batch: usize, precision: Precision) -> Vec<LayerBuffers> {
    let limits = gpu.device.limits();
    let first = truth.layers[0].input;
    let mut input = gpu.storage(
        0,
        Some(&encode(&pad(&truth.input, batch, first), precision)),
    );
    let last = truth.layers.len() - 1;
    truth
        .layers
        .iter()
        .enumerate()
        .map(|(index, layer)| {
            let (k, n) = (
                layer.input.next_multiple_of(4),
                layer.output.next_multiple_of(4),
            );
            let (m, n32, k32) = (batch as u32, n as u32, k as u32);
            let relu = index < last;
            let output = gpu.storage(batch as u64 * n as u64 * precision.bytes(), None);
            let mut weight = pad(&layer.weight, layer.input, layer.output);
            weight.resize(k * n, 0.0);
            let weight = encode(&weight, precision);
            let fits = shapes::weights_fit_texture(n32, k32, &limits);
            let weight_texture = fits.then(|| {
                let format = match precision {
                    Precision::F16 => wgpu::TextureFormat::Rgba16Float,
                    _ => wgpu::TextureFormat::Rgba32Float,
                };
                gpu.texture(n32 / 4, k32, format, &weight)
            });
            let dims: Vec<u8> = [m, n32, k32, u32::from(relu)]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect();
            let buffers = [
                std::mem::replace(&mut input, output.clone()),
                gpu.storage(0, Some(&weight)),
                gpu.storage(
                    0,
                    Some(&encode(&pad(&layer.bias, 1, layer.output), precision)),
                ),
                output,
                gpu.uniform(&dims),
            ];
            LayerBuffers {
                m,
                n: n32,
                k: k32,
                width: layer.output,
                depth: layer.input,
                relu,
                buffers,
                weight_texture,
            }
        })
        .collect()
}

/// A `rows × cols` row-major matrix with each row padded with zeros to a multiple of 4.
fn pad(values: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let padded = cols.next_multiple_of(4);
    let mut out = Vec::with_capacity(rows * padded);
    for row in values.chunks(cols.max(1)).take(rows) {
        out.extend_from_slice(row);
        out.resize(out.len() + padded - cols, 0.0);
    }
    out
}

/// Values as the kernel's element type, little-endian.
fn encode(values: &[f32], precision: Precision) -> Vec<u8> {
    match precision {
        Precision::F16 => values
            .iter()
            .flat_map(|&v| half::f16::from_f32(v).to_bits().to_le_bytes())
            .collect(),
        _ => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
    }
}

fn decode(bytes: &[u8], count: usize, precision: Precision) -> Vec<f32> {
    match precision {
        Precision::F16 => bytes
            .chunks_exact(2)
            .take(count)
            .map(|b| half::f16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f32())
            .collect(),
        _ => bytes
            .chunks_exact(4)
            .take(count)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
    }
}

/// Runs the forward pass once and holds its output against burn's.
async fn check(
    gpu: &Gpu<'_>,
    passes: &[&Dispatch],
    layers: &[LayerBuffers],
    truth: &Truth,
    precision: Precision,
) -> Result<Accuracy, RunError> {
    gpu.submit(passes, 1);
    let last = layers.last().expect("at least two layers");
    let padded = decode(
        &gpu.read(&last.buffers[3]).await?,
        last.m as usize * last.n as usize,
        precision,
    );
    // Each row's padding columns dropped.
    let got: Vec<f32> = padded
        .chunks(last.n as usize)
        .flat_map(|row| &row[..last.width])
        .copied()
        .collect();
    crate::accuracy::hold(
        &got,
        &truth.output,
        precision,
        "the output differs from burn's",
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_round_trip() {
        let values = [0.5f32, -2.25, 1024.0];
        assert_eq!(
            decode(&encode(&values, Precision::F32), 3, Precision::F32),
            values
        );
        assert_eq!(
            decode(&encode(&values, Precision::F16), 3, Precision::F16),
            values
        );
    }
}
