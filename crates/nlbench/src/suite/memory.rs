//! The memory suite: how much device memory the model needs for inference and for training,
//! and where it goes (weights, saved activations, gradients, optimizer state, each layer).
//!
//! Every reading waits for the device first (an element of the relevant tensor is read back),
//! so the allocator has seen the work it reports on. Training runs at FP32 on burn's autodiff
//! backend.

use burn::{
    backend::Autodiff,
    nn::loss::{MseLoss, Reduction},
    optim::{AdamConfig, GradientsParams, Optimizer, SgdConfig},
    tensor::{
        Distribution, Tensor,
        backend::{AutodiffBackend, Backend},
    },
};
use futures::future::LocalBoxFuture;

use super::{Burn, probes::Work, read_one, settle};
use crate::{
    config::{BenchConfig, ModelConfig},
    error::RunError,
    measure::{
        self, Clock, Environment, MemoryProbe, MemorySnapshot, Policy, Repeats, Stop, Stopwatch,
    },
    model::NeuralLayers,
    precision::Precision,
    schema::{
        InferenceMemory, LayerProfile, MemoryMeasurement, OptimizerKind, TimingInfo,
        TrainingAnalytical, TrainingMemory,
    },
    session::{MemorySuite, StepContext},
    stats::Summary,
};

/// Learning rate of the single optimizer step; its value does not change the memory.
const LEARNING_RATE: f64 = 1e-3;
/// Timed passes per module in the per-layer profile, after one untimed pass.
const LAYER_ITERATIONS: usize = 10;

impl<B: Backend> MemorySuite for Burn<B> {
    fn timing(&self, clock: &dyn Clock) -> TimingInfo {
        self.stopwatch(clock).timing_info()
    }

    fn measure<'a>(
        &'a self,
        model: &'a ModelConfig,
        batch_size: usize,
        cx: &'a StepContext<'a>,
    ) -> LocalBoxFuture<'a, Result<MemoryMeasurement, RunError>> {
        Box::pin(measure_step(self, model, batch_size, cx))
    }
}

async fn measure_step<B: Backend>(
    burn: &Burn<B>,
    model: &ModelConfig,
    batch_size: usize,
    cx: &StepContext<'_>,
) -> Result<MemoryMeasurement, RunError> {
    let device = &burn.device;
    let memory = burn.memory.as_ref();
    let config = cx.config;
    let inference = inference_memory::<B>(device, config, model, batch_size, memory).await?;
    let mut training = Vec::new();
    for optimizer in [OptimizerKind::Sgd, OptimizerKind::Adam] {
        if let Ok(run) =
            training_memory::<B>(device, config, model, batch_size, optimizer, memory).await?
        {
            training.push(run);
        }
    }
    let layers = layer_profile(burn, model, batch_size, cx).await?;
    let (inference, allocator_unavailable) = match inference {
        Ok(inference) => (Some(inference), None),
        Err(reason) => (None, Some(reason)),
    };
    Ok(MemoryMeasurement {
        analytical: TrainingAnalytical::of(model, batch_size),
        allocator_unavailable,
        inference,
        training,
        layers,
    })
}

fn fresh_input<B: Backend>(model: &ModelConfig, batch: usize, device: &B::Device) -> Tensor<B, 2> {
    Tensor::random([batch, model.input_dim], Distribution::Default, device)
}

/// Weights, then a forward pass with its output alive; `Ok(Err(why))` where the allocator
/// gives no figures.
async fn inference_memory<B: Backend>(
    device: &B::Device,
    config: &BenchConfig,
    model: &ModelConfig,
    batch_size: usize,
    memory: &dyn MemoryProbe,
) -> Result<Result<InferenceMemory, String>, RunError> {
    settle::<B>(device).await?;
    let baseline = match memory.snapshot() {
        Ok(baseline) => baseline,
        Err(reason) => return Ok(Err(reason)),
    };
    let network = NeuralLayers::<B>::init(model, config.seed, device);
    // Parameters are created lazily: reading each one makes them all exist.
    sync_all(&network).await?;
    let weights = snapshot(memory)?;
    let output = network.forward(fresh_input::<B>(model, batch_size, device));
    read_one(output.clone()).await?;
    let forward = snapshot(memory)?;
    drop(output);
    Ok(Ok(InferenceMemory {
        baseline_in_use: baseline.in_use,
        after_weights: weights.in_use,
        after_forward: forward.in_use,
        peak_reserved: weights.reserved.max(forward.reserved),
    }))
}

/// Weights, forward (activations saved for backward), backward (gradients), one optimizer
/// step (optimizer state), on the autodiff backend; `Ok(Err(why))` where the allocator gives
/// no figures.
async fn training_memory<B: Backend>(
    device: &B::Device,
    config: &BenchConfig,
    model: &ModelConfig,
    batch_size: usize,
    optimizer: OptimizerKind,
    memory: &dyn MemoryProbe,
) -> Result<Result<TrainingMemory, String>, RunError> {
    type AB<B> = Autodiff<B>;
    settle::<B>(device).await?;
    let baseline = match memory.snapshot() {
        Ok(baseline) => baseline,
        Err(reason) => return Ok(Err(reason)),
    };
    let network = NeuralLayers::<AB<B>>::init(model, config.seed, device);
    sync_all(&network).await?;
    let weights = snapshot(memory)?;

    let input = fresh_input::<AB<B>>(model, batch_size, device);
    let target = fresh_input::<AB<B>>(model, batch_size, device);
    let loss = MseLoss::new().forward(network.forward(input), target, Reduction::Mean);
    read_one(loss.clone()).await?;
    let forward = snapshot(memory)?;

    let gradients = loss.backward();
    for layer in &network.layers {
        let grad = layer
            .weight
            .val()
            .grad(&gradients)
            .ok_or_else(|| RunError::backend("backward produced no gradient for a weight"))?;
        read_one(grad).await?;
    }
    let backward = snapshot(memory)?;

    let gradients = GradientsParams::from_grads(gradients, &network);
    let step = match optimizer {
        OptimizerKind::Sgd => {
            let optim = SgdConfig::new().init::<AB<B>, NeuralLayers<AB<B>>>();
            optimizer_step(optim, network, gradients, memory).await?
        }
        OptimizerKind::Adam => {
            let optim = AdamConfig::new().init::<AB<B>, NeuralLayers<AB<B>>>();
            optimizer_step(optim, network, gradients, memory).await?
        }
    };
    let peak = [weights, forward, backward, step].into_iter().fold(
        MemorySnapshot {
            in_use: 0,
            reserved: 0,
        },
        |a, b| MemorySnapshot {
            in_use: a.in_use.max(b.in_use),
            reserved: a.reserved.max(b.reserved),
        },
    );
    Ok(Ok(TrainingMemory {
        optimizer,
        baseline_in_use: baseline.in_use,
        after_weights: weights.in_use,
        after_forward: forward.in_use,
        after_backward: backward.in_use,
        after_step: step.in_use,
        peak_in_use: peak.in_use,
        peak_reserved: peak.reserved,
    }))
}

/// One optimizer step, read while the optimizer (and its state) is still alive.
async fn optimizer_step<B: AutodiffBackend, O: Optimizer<NeuralLayers<B>, B>>(
    mut optim: O,
    network: NeuralLayers<B>,
    gradients: GradientsParams,
    memory: &dyn MemoryProbe,
) -> Result<MemorySnapshot, RunError> {
    let network = optim.step(LEARNING_RATE, network, gradients);
    sync_all(&network).await?;
    snapshot(memory)
}

/// Waits for every parameter of `network` to be computed.
async fn sync_all<B: Backend>(network: &NeuralLayers<B>) -> Result<(), RunError> {
    for layer in &network.layers {
        read_one(layer.weight.val()).await?;
        if let Some(bias) = &layer.bias {
            read_one(bias.val()).await?;
        }
    }
    Ok(())
}

fn snapshot(memory: &dyn MemoryProbe) -> Result<MemorySnapshot, RunError> {
    memory
        .snapshot()
        .map_err(|reason| RunError::backend(format!("the allocator stopped reporting: {reason}")))
}

/// Each module's parameters, output size and time, layer by layer at one batch size: every
/// module is measured alone by the protocol, on the output of the one before.
async fn layer_profile<B: Backend>(
    burn: &Burn<B>,
    model: &ModelConfig,
    batch_size: usize,
    cx: &StepContext<'_>,
) -> Result<Vec<LayerProfile>, RunError> {
    let network = NeuralLayers::<B>::init(model, cx.config.seed, &burn.device);
    let widths = model.widths();
    let bytes = Precision::F32.bytes();
    let timing = LayerTiming {
        stopwatch: burn.stopwatch(cx.clock),
        env: Environment {
            clock: cx.clock,
            tuned: cx.tuned,
        },
    };
    let mut x = fresh_input::<B>(model, batch_size, &burn.device);
    let mut profile = Vec::new();
    let last = network.layers.len() - 1;
    for (index, layer) in network.layers.iter().enumerate() {
        let (width_in, width_out) = (widths[index], widths[index + 1]);
        let output_bytes = width_out as u64 * batch_size as u64 * bytes;
        let time_ms;
        (time_ms, x) = timing.module(&|x| layer.forward(x), x).await?;
        profile.push(LayerProfile {
            name: format!("layers.{index} (Linear {width_in}→{width_out})"),
            parameter_bytes: (width_in as u64 * width_out as u64 + width_out as u64) * bytes,
            output_bytes,
            time_ms,
        });
        if index < last {
            let time_ms;
            (time_ms, x) = timing.module(&|x| network.activation.forward(x), x).await?;
            profile.push(LayerProfile {
                name: format!("activation after layers.{index} (ReLU)"),
                parameter_bytes: 0,
                output_bytes,
                time_ms,
            });
        }
    }
    Ok(profile)
}

/// How the per-layer profile times one module.
struct LayerTiming<'a> {
    stopwatch: Stopwatch<'a>,
    env: Environment<'a>,
}

impl LayerTiming<'_> {
    /// The module's time on `input` (one untimed pass, then [`LAYER_ITERATIONS`] timed), and
    /// its output, the next module's input.
    async fn module<B: Backend>(
        &self,
        module: &(dyn Fn(Tensor<B, 2>) -> Tensor<B, 2> + Sync),
        input: Tensor<B, 2>,
    ) -> Result<(Option<Summary>, Tensor<B, 2>), RunError> {
        let policy = Policy {
            untimed_runs: 1,
            warmup_ms: 0.0,
            stable_cv: None,
            repeats: Repeats::Fixed(1),
            stop: Stop::count(LAYER_ITERATIONS),
        };
        let work = || module(input.clone());
        let mut routine = Work {
            work: &work,
            stopwatch: self.stopwatch,
        };
        let samples = measure::measure(&mut routine, &policy, &self.env).await?;
        let output = work();
        read_one(output.clone()).await?;
        let resolution = self.stopwatch.resolution_ms();
        Ok((
            Summary::of_timings(&samples.per_repeat(), resolution),
            output,
        ))
    }
}
