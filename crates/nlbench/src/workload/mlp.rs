//! The NeuralLayers MLP, `input -> Linear -> ReLU -> … -> Linear -> output`.
//!
//! This module is its network on burn; its configuration, shapes and figures are the module
//! of the same name in `nlbench-results`.

use burn::{
    module::Module,
    nn::{Linear, LinearConfig, Relu},
    tensor::{Tensor, backend::Backend},
};


use super::{Network, Preset, floats, ModelConfig};
use crate::{precision::{Precision, cast}};

impl<B: Backend> Network<B> for NeuralLayers<B> {
    type Input = Tensor<B, 2>;
    fn pass(&self, input: Self::Input) -> (Tensor<B, 2>, Vec<Tensor<B, 4>>) {
        (self.forward(input), Vec::new())
    }
}

impl<B: Backend> Preset<B> for ModelConfig {
    type Network = NeuralLayers<B>;
    fn network(&self, seed: u64, precision: Precision, device: &B::Device) -> NeuralLayers<B> {
        NeuralLayers::init(self, seed, device).into_precision(precision)
    }
    fn input(&self, batch: usize, precision: Precision, device: &B::Device) -> Tensor<B, 2> {
        floats([batch, self.input_dim], precision, device)
    }
}

/// `input -> Linear -> ReLU -> Linear -> ... -> Linear -> output`.
#[derive(Module, Debug)]
pub struct NeuralLayers<B: Backend> {
    pub layers: Vec<Linear<B>>,
    pub activation: Relu,
}

impl<B: Backend> NeuralLayers<B> {
    /// Builds the network with weights drawn from the backend's seeded generator.
    pub fn init(config: &ModelConfig, seed: u64, device: &B::Device) -> Self {
        B::seed(device, seed);
        let widths = config.widths();
        let layers = widths
            .windows(2)
            .map(|pair| LinearConfig::new(pair[0], pair[1]).init(device))
            .collect();
        Self {
            layers,
            activation: Relu::new(),
        }
    }

    /// The same network with every parameter converted to `precision`.
    pub fn into_precision(self, precision: Precision) -> Self {
        cast(self, precision)
    }

    pub fn forward(&self, input: Tensor<B, 2>) -> Tensor<B, 2> {
        let last = self.layers.len() - 1;
        self.layers
            .iter()
            .enumerate()
            .fold(input, |x, (index, layer)| {
                let y = layer.forward(x);
                if index < last {
                    self.activation.forward(y)
                } else {
                    y
                }
            })
    }
}
