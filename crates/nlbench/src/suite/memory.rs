//! The memory suite: how much device memory each workload needs for inference and for
//! training, and where it goes (weights, saved activations, gradients, optimizer state; for
//! the MLP each layer).
//!
//! Every reading waits for the device first (an element of each relevant tensor is read
//! back), so the allocator has seen the work it reports on. Training runs at FP32 on burn's
//! autodiff backend, one step on the workload's first phase (the decoder's prefill) against a
//! random target of the output's shape.

use burn::{
    backend::Autodiff,
    module::{AutodiffModule, Module, ModuleVisitor, Param},
    nn::loss::{MseLoss, Reduction},
    optim::{AdamConfig, GradientsParams, Optimizer, SgdConfig},
    tensor::{
        Distribution, Tensor,
        backend::{AutodiffBackend, Backend},
    },
};
use futures::future::LocalBoxFuture;

use super::{Burn, probes::Work, settle};
use crate::{
    error::RunError,
    measure::{
        self, Clock, Environment, MemoryProbe, MemorySnapshot, Policy, Repeats, Stop, Stopwatch,
    },
    precision::Precision,
    readback::read_one,
    schema::{
        InferenceMemory, LayerProfile, MemoryMeasurement, OptimizerKind, TimingInfo,
        TrainingAnalytical, TrainingMemory,
    },
    session::{MemorySuite, StepContext},
    stats::Summary,
    workload::{
        ModelConfig, Network, OnBackend, Preset, Visit, VisitTrainable, Workload, mlp::NeuralLayers,
    },
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
        workload: &'a Workload,
        batch_size: usize,
        cx: &'a StepContext<'a>,
    ) -> LocalBoxFuture<'a, Result<MemoryMeasurement, RunError>> {
        Box::pin(measure_step(self, workload, batch_size, cx))
    }
}

async fn measure_step<B: Backend>(
    burn: &Burn<B>,
    workload: &Workload,
    batch_size: usize,
    cx: &StepContext<'_>,
) -> Result<MemoryMeasurement, RunError> {
    let readings = Readings {
        memory: burn.memory.as_ref(),
        workload,
        batch_size,
        seed: cx.config.seed,
    };
    let inference = readings.inference::<B>(&burn.device).await?;
    let mut training = Vec::new();
    for optimizer in [OptimizerKind::Sgd, OptimizerKind::Adam] {
        if let Ok(run) = readings.training::<B>(&burn.device, optimizer).await? {
            training.push(run);
        }
    }
    let layers = match workload {
        Workload::Mlp(model) => layer_profile(burn, model, batch_size, cx).await?,
        _ => Vec::new(),
    };
    let (inference, allocator_unavailable) = match inference {
        Ok(inference) => (Some(inference), None),
        Err(reason) => (None, Some(reason)),
    };
    Ok(MemoryMeasurement {
        analytical: TrainingAnalytical::of_workload(workload, batch_size),
        allocator_unavailable,
        inference,
        training,
        layers,
    })
}

/// What the allocator readings of one configuration are taken of: the workload's first
/// phase at FP32. Each reading answers `Ok(Err(why))` where the allocator gives no figures.
struct Readings<'a> {
    memory: &'a dyn MemoryProbe,
    workload: &'a Workload,
    batch_size: usize,
    seed: u64,
}

impl Readings<'_> {
    /// Weights, then a pass with its output (and the KV cache it writes) alive.
    async fn inference<B: Backend>(
        &self,
        device: &B::Device,
    ) -> Result<Result<InferenceMemory, String>, RunError> {
        settle::<B>(device).await?;
        let baseline = match self.memory.snapshot() {
            Ok(baseline) => baseline,
            Err(reason) => return Ok(Err(reason)),
        };
        let [weights, forward] = self
            .workload
            .visit::<B, _>(Forward {
                readings: self,
                device,
            })
            .await?;
        Ok(Ok(InferenceMemory {
            baseline_in_use: baseline.in_use,
            after_weights: weights.in_use,
            after_forward: forward.in_use,
            peak_reserved: weights.reserved.max(forward.reserved),
        }))
    }

    /// Snapshots once the weights exist and once a pass has run, its outputs alive.
    async fn forward<B: Backend, P: Preset<B>>(
        &self,
        preset: &P,
        device: &B::Device,
    ) -> Result<[MemorySnapshot; 2], RunError> {
        let network = preset.network(self.seed, Precision::F32, device);
        // Parameters are created lazily: reading each one makes them all exist.
        sync_all(&network).await?;
        let weights = snapshot(self.memory)?;
        let input = preset.input(self.batch_size, Precision::F32, device);
        let (output, kept) = network.pass(input);
        read_one(output.clone()).await?;
        for tensor in &kept {
            read_one(tensor.clone()).await?;
        }
        let forward = snapshot(self.memory)?;
        drop((output, kept));
        Ok([weights, forward])
    }

    /// Weights, forward (activations saved for backward), backward (gradients), one
    /// optimizer step (optimizer state), on the autodiff backend.
    async fn training<B: Backend>(
        &self,
        device: &B::Device,
        optimizer: OptimizerKind,
    ) -> Result<Result<TrainingMemory, String>, RunError> {
        settle::<B>(device).await?;
        let baseline = match self.memory.snapshot() {
            Ok(baseline) => baseline,
            Err(reason) => return Ok(Err(reason)),
        };
        let stages = self
            .workload
            .visit_trainable::<Autodiff<B>, _>(Train {
                readings: self,
                device,
                optimizer,
            })
            .await?;
        let peak = stages.iter().fold(
            MemorySnapshot {
                in_use: 0,
                reserved: 0,
            },
            |a, b| MemorySnapshot {
                in_use: a.in_use.max(b.in_use),
                reserved: a.reserved.max(b.reserved),
            },
        );
        let [weights, forward, backward, step] = stages;
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

    /// One training step of `preset`'s network: snapshots after the weights, the forward
    /// pass, the backward pass and the optimizer's step.
    async fn train<B: AutodiffBackend, P: Preset<B>>(
        &self,
        preset: &P,
        device: &B::Device,
        optimizer: OptimizerKind,
    ) -> Result<[MemorySnapshot; 4], RunError>
    where
        P::Network: AutodiffModule<B>,
    {
        let network = preset.network(self.seed, Precision::F32, device);
        sync_all(&network).await?;
        let weights = snapshot(self.memory)?;

        let input = preset.input(self.batch_size, Precision::F32, device);
        let (output, _) = network.pass(input);
        let target = Tensor::random(output.dims(), Distribution::Default, &output.device());
        let loss = MseLoss::new().forward(output, target, Reduction::Mean);
        read_one(loss.clone()).await?;
        let forward = snapshot(self.memory)?;

        let gradients = loss.backward();
        let mut found = Gradients {
            gradients: &gradients,
            found: Vec::new(),
            missing: 0,
        };
        network.visit(&mut found);
        if found.missing > 0 {
            return Err(RunError::backend(format!(
                "backward produced no gradient for {} of the parameters",
                found.missing
            )));
        }
        for grad in found.found {
            read_one(grad).await?;
        }
        let backward = snapshot(self.memory)?;

        let gradients = GradientsParams::from_grads(gradients, &network);
        let step = match optimizer {
            OptimizerKind::Sgd => {
                let optim = SgdConfig::new().init::<B, P::Network>();
                optimizer_step(optim, network, gradients, self.memory).await?
            }
            OptimizerKind::Adam => {
                let optim = AdamConfig::new().init::<B, P::Network>();
                optimizer_step(optim, network, gradients, self.memory).await?
            }
        };
        Ok([weights, forward, backward, step])
    }
}

/// [`Readings::forward`] on the workload's configuration type.
struct Forward<'a, B: Backend> {
    readings: &'a Readings<'a>,
    device: &'a B::Device,
}

impl<'a, B: Backend> Visit<B> for Forward<'a, B> {
    type Output = LocalBoxFuture<'a, Result<[MemorySnapshot; 2], RunError>>;

    fn visit<P: Preset<B>>(self, preset: &P) -> Self::Output {
        let preset = preset.clone();
        Box::pin(async move { self.readings.forward::<B, P>(&preset, self.device).await })
    }
}

/// [`Readings::train`] on the workload's configuration type.
struct Train<'a, B: AutodiffBackend> {
    readings: &'a Readings<'a>,
    device: &'a B::Device,
    optimizer: OptimizerKind,
}

impl<'a, B: AutodiffBackend> VisitTrainable<B> for Train<'a, B> {
    type Output = LocalBoxFuture<'a, Result<[MemorySnapshot; 4], RunError>>;

    fn visit<P: Preset<B>>(self, preset: &P) -> Self::Output
    where
        P::Network: AutodiffModule<B>,
    {
        let preset = preset.clone();
        Box::pin(async move {
            self.readings
                .train::<B, P>(&preset, self.device, self.optimizer)
                .await
        })
    }
}

/// One optimizer step, read while the optimizer (and its state) is still alive.
async fn optimizer_step<B: AutodiffBackend, N: AutodiffModule<B>, O: Optimizer<N, B>>(
    mut optim: O,
    network: N,
    gradients: GradientsParams,
    memory: &dyn MemoryProbe,
) -> Result<MemorySnapshot, RunError> {
    let network = optim.step(LEARNING_RATE, network, gradients);
    sync_all(&network).await?;
    snapshot(memory)
}

/// Waits for every float parameter of `network` to be computed.
pub(super) async fn sync_all<B: Backend, M: Module<B>>(network: &M) -> Result<(), RunError> {
    let mut parameters = Parameters(Vec::new());
    network.visit(&mut parameters);
    for parameter in parameters.0 {
        read_one(parameter).await?;
    }
    Ok(())
}

/// Every float parameter of a module, flattened.
struct Parameters<B: Backend>(Vec<Tensor<B, 1>>);

impl<B: Backend> ModuleVisitor<B> for Parameters<B> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        self.0.push(param.val().flatten(0, D - 1));
    }
}

/// The gradient of every trained float parameter of a module (not batch norm's running
/// statistics, which burn visits as parameters that need none), flattened, and how many have
/// none.
struct Gradients<'a, B: AutodiffBackend> {
    gradients: &'a B::Gradients,
    found: Vec<Tensor<B::InnerBackend, 1>>,
    missing: usize,
}

impl<B: AutodiffBackend> ModuleVisitor<B> for Gradients<'_, B> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let tensor = param.val();
        if !tensor.is_require_grad() {
            return;
        }
        match tensor.grad(self.gradients) {
            Some(grad) => self.found.push(grad.flatten(0, D - 1)),
            None => self.missing += 1,
        }
    }
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
    let network: NeuralLayers<B> = model.network(cx.config.seed, Precision::F32, &burn.device);
    let widths = model.widths();
    let bytes = Precision::F32.bytes();
    let timing = LayerTiming {
        stopwatch: burn.stopwatch(cx.clock),
        env: Environment {
            clock: cx.clock,
            tuned: cx.tuned,
        },
    };
    let mut x = model.input(batch_size, Precision::F32, &burn.device);
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
