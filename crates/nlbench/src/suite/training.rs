//! The training suite on burn: one optimizer step of a workload (forward, a mean squared
//! error against a seeded target, backward, the optimizer's update, every parameter read back)
//! on burn's autodiff backend over this one, timed by the protocol on the host clock. The
//! same batch and target every step, so the loss falls where the step trains.

use burn::{
    backend::Autodiff,
    module::AutodiffModule,
    nn::loss::{MseLoss, Reduction},
    optim::{AdamConfig, GradientsParams, Optimizer},
    tensor::{
        Distribution, Tensor,
        backend::{AutodiffBackend, Backend},
    },
};
use futures::future::LocalBoxFuture;

use super::{Burn, memory::sync_all, settle};
use crate::{
    analysis::row::{RowSettings, timed_samples},
    error::{ErrorKind, RunError},
    measure::{self, Clock, Environment, Routine, Samples, protocol::inference_policy},
    precision::Precision,
    readback::read_values,
    schema::{ClockKind, TrainingMeasurement},
    session::{StepContext, TrainingSuite},
    workload::{Network, OnBackend, Preset, VisitTrainable, Workload},
};

/// The optimizer's learning rate: Adam's usual default.
const LEARNING_RATE: f64 = 1e-3;
/// Steps whose loss the row keeps: the first ones, untimed included.
const LOSS_STEPS: usize = 8;

impl<B: Backend> TrainingSuite for Burn<B> {
    fn measure<'a>(
        &'a self,
        workload: &'a Workload,
        batch_size: usize,
        cx: &'a StepContext<'a>,
    ) -> LocalBoxFuture<'a, Result<TrainingMeasurement, RunError>> {
        Box::pin(async move {
            settle::<B>(&self.device).await?;
            let timing: Timing<'_, Autodiff<B>> = Timing {
                device: &self.device,
                batch_size,
                cx,
            };
            let (samples, losses) = workload.visit_trainable::<Autodiff<B>, _>(timing).await?;
            let settings = RowSettings {
                batch_size,
                flops_per_sample: workload.training_flops_per_sample(),
                target_ci: cx.config.target_ci,
                resolution_ms: Some(cx.clock.resolution_ms()),
            };
            Ok(TrainingMeasurement {
                clock: ClockKind::Host,
                timed: timed_samples(&samples, settings)?,
                losses,
            })
        })
    }
}

/// The protocol over one workload's training steps, generic over its configuration type.
struct Timing<'a, B: Backend> {
    device: &'a B::Device,
    batch_size: usize,
    cx: &'a StepContext<'a>,
}

/// A workload's timed steps and its first steps' losses.
type Stepped = Result<(Samples, Vec<f64>), RunError>;

impl<'a, B: AutodiffBackend> VisitTrainable<B> for Timing<'a, B> {
    type Output = LocalBoxFuture<'a, Stepped>;

    fn visit<P: Preset<B>>(self, preset: &P) -> Self::Output
    where
        P::Network: AutodiffModule<B>,
    {
        let preset = preset.clone();
        Box::pin(async move {
            self.time(&preset, AdamConfig::new().init::<B, P::Network>())
                .await
        })
    }
}

impl<B: AutodiffBackend> Timing<'_, B> {
    async fn time<P: Preset<B>, O: Optimizer<P::Network, B>>(&self, preset: &P, optim: O) -> Stepped
    where
        P::Network: AutodiffModule<B>,
    {
        let seed = self.cx.config.seed;
        let network = preset.network(seed, Precision::F32, self.device);
        let input = preset.input(self.batch_size, Precision::F32, self.device);
        let (output, _) = network.pass(input.clone());
        let target = Tensor::random(output.dims(), Distribution::Default, self.device);
        let mut step = TrainingStep {
            network: Some(network),
            optim,
            input,
            target,
            clock: self.cx.clock,
            losses: Vec::new(),
        };
        let env = Environment {
            clock: self.cx.clock,
            tuned: self.cx.tuned,
        };
        let samples = measure::measure(&mut step, &inference_policy(self.cx.config), &env).await?;
        Ok((samples, step.losses))
    }
}

/// A network, its optimizer and the fixed batch and target every step trains on.
struct TrainingStep<'a, B: AutodiffBackend, N: Network<B> + AutodiffModule<B>, O> {
    /// Taken by each step and given back updated (burn's optimizers consume the module).
    network: Option<N>,
    optim: O,
    input: N::Input,
    target: Tensor<B, 2>,
    clock: &'a dyn Clock,
    /// The loss before each of the first [`LOSS_STEPS`] steps.
    losses: Vec<f64>,
}

impl<B, N, O> TrainingStep<'_, B, N, O>
where
    B: AutodiffBackend,
    N: Network<B> + AutodiffModule<B>,
    O: Optimizer<N, B>,
{
    /// One step, ending once its loss and every updated parameter are on the host.
    async fn step(&mut self) -> Result<(), RunError> {
        let network = self
            .network
            .take()
            .ok_or_else(|| RunError::backend("a step failed before: no network to train"))?;
        let (output, _) = network.pass(self.input.clone());
        let loss = MseLoss::new().forward(output, self.target.clone(), Reduction::Mean);
        let value = read_values(loss.clone().inner()).await?[0] as f64;
        if !value.is_finite() {
            return Err(RunError::new(
                ErrorKind::WrongResult,
                format!("the training loss is {value}: the step does not train"),
            ));
        }
        if self.losses.len() < LOSS_STEPS {
            self.losses.push(value);
        }
        let gradients = GradientsParams::from_grads(loss.backward(), &network);
        let network = self.optim.step(LEARNING_RATE, network, gradients);
        sync_all(&network).await?;
        self.network = Some(network);
        Ok(())
    }
}

impl<B, N, O> Routine for TrainingStep<'_, B, N, O>
where
    B: AutodiffBackend,
    N: Network<B> + AutodiffModule<B>,
    O: Optimizer<N, B>,
{
    fn run_untimed(&mut self) -> LocalBoxFuture<'_, Result<(), RunError>> {
        Box::pin(self.step())
    }

    /// The inference protocol's policy takes one step per sample.
    fn run_timed(&mut self, repeats: u32) -> LocalBoxFuture<'_, Result<f64, RunError>> {
        Box::pin(async move {
            let start = self.clock.now_ms();
            for _ in 0..repeats.max(1) {
                self.step().await?;
            }
            Ok(self.clock.now_ms() - start)
        })
    }
}
