//! A workload on a backend: its burn module and seeded input ([`Preset`]), what one pass
//! calls ([`Network`]), and what a timed run runs ([`Runnable`]).

use burn::{
    module::{AutodiffModule, Module},
    tensor::{
        Distribution, Tensor,
        backend::{AutodiffBackend, Backend},
    },
};
use futures::future::LocalBoxFuture;

use super::Phase;
use crate::{accuracy::Accuracy, error::RunError, precision::Precision};

/// A network one pass calls on its input: what a timed run runs, and what the memory suite
/// holds alive and differentiates.
pub trait Network<B: Backend>: Module<B> + Sync {
    type Input: Clone + Sync;
    /// The output flattened to `[batch, …]`, and the state the pass leaves for the next one
    /// (the decoder's KV cache), which a memory reading keeps alive.
    fn pass(&self, input: Self::Input) -> (Tensor<B, 2>, Vec<Tensor<B, 4>>);

    /// The check a row passes before it is timed, where the workload has one (the
    /// transformers hold burn's fused attention against the explicit product).
    fn check<'a>(
        &'a self,
        _input: &'a Self::Input,
        _precision: Precision,
        _device: &'a B::Device,
    ) -> LocalBoxFuture<'a, Result<Option<Accuracy>, RunError>> {
        Box::pin(async { Ok(None) })
    }
}

/// What a workload's shapes build: its network, and a random input of its first phase
/// (the decoder's: a prompt). Apart, so the memory suite reads the weights before an input
/// exists.
pub trait Preset<B: Backend>: Clone + 'static {
    type Network: Network<B>;
    /// Weights from the backend's generator seeded with `seed`, at `precision`.
    fn network(&self, seed: u64, precision: Precision, device: &B::Device) -> Self::Network;
    fn input(
        &self,
        batch: usize,
        precision: Precision,
        device: &B::Device,
    ) -> <Self::Network as Network<B>>::Input;

    /// What one timed run of `phase` runs: a pass of the network over its input, unless the
    /// phase needs more (the decoder's decode step).
    fn build(
        &self,
        _phase: Phase,
        batch: usize,
        seed: u64,
        precision: Precision,
        device: &B::Device,
    ) -> Box<dyn Runnable<B>> {
        Box::new(Pass {
            network: self.network(seed, precision, device),
            input: self.input(batch, precision, device),
        })
    }
}

/// One step's network and input, built: what the inference suite checks and times.
pub trait Runnable<B: Backend>: Sync {
    /// One timed run: its output, flattened to `[batch, …]`.
    fn run(&self) -> Tensor<B, 2>;
    /// The check this step passes before it is timed, where its workload has one.
    fn check<'a>(
        &'a self,
        precision: Precision,
        device: &'a B::Device,
    ) -> LocalBoxFuture<'a, Result<Option<Accuracy>, RunError>>;

    /// Where one run is a generation, its steps for the suite to time one by one (`run`
    /// still queues them all, for the untimed runs).
    fn generation(&self) -> Option<&dyn Generation> {
        None
    }
}

/// A run of dependent steps that each end on the host: a language model's generation, each
/// step's token read back and fed to the next.
pub trait Generation: Sync {
    /// One run: every step in turn, `lap` called as each step's token reaches the host.
    fn generate<'a>(&'a self, lap: &'a mut dyn FnMut())
    -> LocalBoxFuture<'a, Result<(), RunError>>;
}

/// A network and its input: one pass is one run.
pub struct Pass<N, I> {
    pub network: N,
    pub input: I,
}

impl<B: Backend, N: Network<B, Input = I>, I: Clone + Sync> Runnable<B> for Pass<N, I> {
    fn run(&self) -> Tensor<B, 2> {
        self.network.pass(self.input.clone()).0
    }

    fn check<'a>(
        &'a self,
        precision: Precision,
        device: &'a B::Device,
    ) -> LocalBoxFuture<'a, Result<Option<Accuracy>, RunError>> {
        self.network.check(&self.input, precision, device)
    }
}

/// `shape`'s elements drawn from the backend's generator, at `precision`.
pub fn floats<B: Backend, const D: usize>(
    shape: [usize; D],
    precision: Precision,
    device: &B::Device,
) -> Tensor<B, D> {
    Tensor::<B, 1>::random(
        [shape.iter().product::<usize>()],
        Distribution::Default,
        device,
    )
    .cast(crate::precision::float_dtype(precision))
    .reshape(shape)
}

/// Work generic over a workload's configuration type (the memory suite's readings), which
/// [`Workload::visit`](super::Workload::visit) hands the configuration to.
pub trait Visit<B: Backend> {
    type Output;
    fn visit<P: Preset<B>>(self, preset: &P) -> Self::Output;
}

/// [`Visit`] on an autodiff backend, where the network can be trained.
pub trait VisitTrainable<B: AutodiffBackend> {
    type Output;
    fn visit<P: Preset<B>>(self, preset: &P) -> Self::Output
    where
        P::Network: AutodiffModule<B>;
}
