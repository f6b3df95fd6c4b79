//! The NeuralLayers network as a burn module, and the figures that follow from its shape
//! alone (parameter count, FLOPs, activation sizes), so every measured figure has an
//! analytical one beside it.

use burn::{
    module::{Module, ModuleMapper, Param},
    nn::{Linear, LinearConfig, Relu},
    tensor::{Tensor, backend::Backend},
};

use crate::{config::ModelConfig, precision::Precision};

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

/// `module` with every float parameter converted to `precision`.
pub fn cast<B: Backend, M: Module<B>>(module: M, precision: Precision) -> M {
    module.map(&mut CastMapper { precision })
}

/// Casts every float parameter; burn's tensors carry their dtype at run time.
struct CastMapper {
    precision: Precision,
}

impl<B: Backend> ModuleMapper<B> for CastMapper {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let dtype = self.precision.float_dtype();
        param.map(|tensor| tensor.cast(dtype))
    }
}

/// Shape-derived figures of a model. FLOPs count a multiply-add as two operations and
/// include the bias additions and ReLUs, one operation per element each.
impl ModelConfig {
    /// Weights and biases of every Linear layer.
    pub fn parameter_count(&self) -> u64 {
        self.widths()
            .windows(2)
            .map(|pair| pair[0] as u64 * pair[1] as u64 + pair[1] as u64)
            .sum()
    }

    pub fn parameter_bytes(&self, precision: Precision) -> u64 {
        self.parameter_count() * precision.bytes()
    }

    /// Floating-point operations of one forward pass for one sample.
    pub fn flops_per_sample(&self) -> u64 {
        let widths = self.widths();
        let linear: u64 = widths
            .windows(2)
            .map(|pair| 2 * pair[0] as u64 * pair[1] as u64 + pair[1] as u64)
            .sum();
        let relu: u64 = widths[1..widths.len() - 1].iter().map(|&w| w as u64).sum();
        linear + relu
    }

    /// Fewest bytes a forward pass over `batch` samples must move through device memory:
    /// every parameter and the input read once, every hidden activation written once and
    /// read once, the output written once. The denominator of the arithmetic intensity on
    /// the roofline chart.
    pub fn min_traffic_bytes(&self, batch: usize, precision: Precision) -> u64 {
        let widths = self.widths();
        let hidden: u64 = widths[1..widths.len() - 1].iter().map(|&w| w as u64).sum();
        let per_sample = widths[0] as u64 + widths[widths.len() - 1] as u64 + 2 * hidden;
        (self.parameter_count() + batch as u64 * per_sample) * precision.bytes()
    }

    /// Elements of every tensor one sample's forward pass produces: each Linear output and
    /// each ReLU output (the input excluded).
    pub fn activation_elements_per_sample(&self) -> u64 {
        let widths = self.widths();
        let linear: u64 = widths[1..].iter().map(|&w| w as u64).sum();
        let relu: u64 = widths[1..widths.len() - 1].iter().map(|&w| w as u64).sum();
        linear + relu
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 4 -> 3 -> 4: weights 12 + 12, biases 3 + 4.
    fn tiny() -> ModelConfig {
        ModelConfig::new("tiny", 4, 3)
    }

    #[test]
    fn parameter_count_by_hand() {
        assert_eq!(tiny().parameter_count(), 31);
        assert_eq!(tiny().parameter_bytes(Precision::F32), 124);
        assert_eq!(tiny().parameter_bytes(Precision::F16), 62);
        // The default model: 1024*512 + 512 + 512*1024 + 1024.
        let default = ModelConfig::new("medium", 1024, 512);
        assert_eq!(default.parameter_count(), 1_050_112);
    }

    #[test]
    fn flops_by_hand() {
        // Linear 4->3: 2*12 + 3 = 27; ReLU: 3; Linear 3->4: 2*12 + 4 = 28.
        assert_eq!(tiny().flops_per_sample(), 58);
        // Outputs: 3 (linear) + 3 (relu) + 4 (linear).
        assert_eq!(tiny().activation_elements_per_sample(), 10);
    }

    #[test]
    fn traffic_by_hand() {
        // Parameters 31; per sample input 4 + output 4 + hidden 3 written and read = 14.
        assert_eq!(
            tiny().min_traffic_bytes(2, Precision::F32),
            (31 + 2 * 14) * 4
        );
        assert_eq!(tiny().min_traffic_bytes(1, Precision::F16), (31 + 14) * 2);
    }
}
