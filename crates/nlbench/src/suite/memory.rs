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

use super::{RunContext, guarded, read_one, run_steps, settle, timing};
use crate::{
    config::{BenchConfig, ModelConfig},
    model::NeuralLayers,
    precision::Precision,
    probe::{MemoryProbe, MemorySnapshot},
    schema::{
        InferenceMemory, LayerProfile, MemoryMeasurement, MemoryOutcome, MemoryRecord,
        OptimizerKind, TrainingAnalytical, TrainingMemory,
    },
    stats::Summary,
};

/// Learning rate of the single optimizer step; its value does not change the memory.
const LEARNING_RATE: f64 = 1e-3;
/// Timed passes per layer in the per-layer profile.
const LAYER_ITERATIONS: usize = 10;

/// Runs the memory suite: every model at every batch size, FP32.
pub async fn run<B: Backend>(
    device: &B::Device,
    config: &BenchConfig,
    ctx: &mut RunContext<'_>,
) -> Vec<MemoryRecord> {
    let steps: Vec<(&ModelConfig, usize)> = config
        .models
        .iter()
        .flat_map(|m| config.batch_sizes.iter().map(move |&b| (m, b)))
        .collect();
    let label = |&(model, batch_size): &(&ModelConfig, usize)| {
        format!("memory: {} batch {batch_size}", model.name)
    };
    run_steps(ctx, &steps, label, async |&(model, batch_size), ctx| {
        let outcome = match guarded(measure::<B>(device, config, model, batch_size, ctx)).await {
            Ok(m) => MemoryOutcome::Measured(Box::new(m)),
            Err(reason) => MemoryOutcome::Failed { reason },
        };
        MemoryRecord {
            model: model.name.clone(),
            batch_size,
            outcome,
        }
    })
    .await
}

async fn measure<B: Backend>(
    device: &B::Device,
    config: &BenchConfig,
    model: &ModelConfig,
    batch_size: usize,
    ctx: &RunContext<'_>,
) -> Result<MemoryMeasurement, String> {
    let memory = ctx.memory;
    let inference = inference_memory::<B>(device, config, model, batch_size, memory).await?;
    let mut training = Vec::new();
    for optimizer in [OptimizerKind::Sgd, OptimizerKind::Adam] {
        if let Some(run) =
            training_memory::<B>(device, config, model, batch_size, optimizer, memory).await?
        {
            training.push(run);
        }
    }
    let layers = layer_profile::<B>(device, config, model, batch_size, ctx).await?;
    Ok(MemoryMeasurement {
        analytical: TrainingAnalytical::of(model, batch_size),
        allocator_unavailable: inference
            .is_none()
            .then(|| memory.unavailable_reason().to_owned()),
        inference,
        training,
        layers,
    })
}

fn fresh_input<B: Backend>(model: &ModelConfig, batch: usize, device: &B::Device) -> Tensor<B, 2> {
    Tensor::random([batch, model.input_dim], Distribution::Default, device)
}

/// Weights, then a forward pass with its output alive.
async fn inference_memory<B: Backend>(
    device: &B::Device,
    config: &BenchConfig,
    model: &ModelConfig,
    batch_size: usize,
    memory: &dyn MemoryProbe,
) -> Result<Option<InferenceMemory>, String> {
    settle::<B>(device).await?;
    let Some(baseline) = memory.snapshot() else {
        return Ok(None);
    };
    let network = NeuralLayers::<B>::init(model, config.seed, device);
    // Parameters are created lazily: reading each one makes them all exist.
    sync_all(&network).await?;
    let weights = snapshot(memory)?;
    let output = network.forward(fresh_input::<B>(model, batch_size, device));
    read_one(output.clone()).await?;
    let forward = snapshot(memory)?;
    drop(output);
    Ok(Some(InferenceMemory {
        baseline_in_use: baseline.in_use,
        after_weights: weights.in_use,
        after_forward: forward.in_use,
        peak_reserved: weights.reserved.max(forward.reserved),
    }))
}

/// Weights, forward (activations saved for backward), backward (gradients), one optimizer
/// step (optimizer state), on the autodiff backend.
async fn training_memory<B: Backend>(
    device: &B::Device,
    config: &BenchConfig,
    model: &ModelConfig,
    batch_size: usize,
    optimizer: OptimizerKind,
    memory: &dyn MemoryProbe,
) -> Result<Option<TrainingMemory>, String> {
    type AB<B> = Autodiff<B>;
    settle::<B>(device).await?;
    let Some(baseline) = memory.snapshot() else {
        return Ok(None);
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
            .ok_or_else(|| "backward produced no gradient for a weight".to_owned())?;
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
    Ok(Some(TrainingMemory {
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
) -> Result<MemorySnapshot, String> {
    let network = optim.step(LEARNING_RATE, network, gradients);
    sync_all(&network).await?;
    snapshot(memory)
}

/// Waits for every parameter of `network` to be computed.
async fn sync_all<B: Backend>(network: &NeuralLayers<B>) -> Result<(), String> {
    for layer in &network.layers {
        read_one(layer.weight.val()).await?;
        if let Some(bias) = &layer.bias {
            read_one(bias.val()).await?;
        }
    }
    Ok(())
}

fn snapshot(memory: &dyn MemoryProbe) -> Result<MemorySnapshot, String> {
    memory
        .snapshot()
        .ok_or_else(|| "the allocator stopped reporting".to_owned())
}

/// Each module's parameters, output size and time, layer by layer at one batch size.
async fn layer_profile<B: Backend>(
    device: &B::Device,
    config: &BenchConfig,
    model: &ModelConfig,
    batch_size: usize,
    ctx: &RunContext<'_>,
) -> Result<Vec<LayerProfile>, String> {
    let network = NeuralLayers::<B>::init(model, config.seed, device);
    let input = fresh_input::<B>(model, batch_size, device);
    let widths = model.widths();
    let bytes = Precision::F32.bytes();
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); 2 * network.layers.len() - 1];
    // One untimed pass compiles every kernel, then the timed ones.
    for iteration in 0..=LAYER_ITERATIONS {
        if iteration == 1 {
            timing::clear_errors(ctx).await;
        }
        let mut x = input.clone();
        for (index, layer) in network.layers.iter().enumerate() {
            let linear = || layer.forward(x.clone());
            x = if iteration == 0 {
                timing::run_untimed(linear).await?
            } else {
                let (ms, output) = timing::time_once(ctx, linear).await?;
                times[2 * index].push(ms);
                output
            };
            if index + 1 < network.layers.len() {
                let activation = || network.activation.forward(x.clone());
                x = if iteration == 0 {
                    timing::run_untimed(activation).await?
                } else {
                    let (ms, output) = timing::time_once(ctx, activation).await?;
                    times[2 * index + 1].push(ms);
                    output
                };
            }
        }
    }
    Ok(times
        .iter()
        .enumerate()
        .map(|(slot, samples)| {
            let index = slot / 2;
            let (name, parameters) = if slot % 2 == 0 {
                (
                    format!(
                        "layers.{index} (Linear {}→{})",
                        widths[index],
                        widths[index + 1]
                    ),
                    (widths[index] * widths[index + 1] + widths[index + 1]) as u64,
                )
            } else {
                (format!("activation after layers.{index} (ReLU)"), 0)
            };
            let width = widths[index + 1] as u64;
            LayerProfile {
                name,
                parameter_bytes: parameters * bytes,
                output_bytes: width * batch_size as u64 * bytes,
                time_ms: Summary::of(samples),
            }
        })
        .collect())
}
