//! What the reference must compute: the network's weights, an input batch and burn's output
//! on them, from burn's CPU backend with the run's seed. The reference path uploads these
//! weights and this input, and its output is held against this output.

use burn::{
    backend::{Flex, flex::FlexDevice},
    tensor::{Distribution, Tensor},
};

use crate::{
    error::RunError,
    workload::{ModelConfig, mlp::NeuralLayers},
};

/// One Linear layer's parameters: `weight` is `input × output`, row-major (burn's layout).
pub struct Layer {
    pub input: usize,
    pub output: usize,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

/// The weights, input and expected output of one configuration, in FP32.
pub struct Truth {
    pub layers: Vec<Layer>,
    /// `batch × input_dim`, row-major.
    pub input: Vec<f32>,
    /// burn's output for `input`: `batch × input_dim`, row-major.
    pub output: Vec<f32>,
}

impl Truth {
    pub fn of(model: &ModelConfig, seed: u64, batch_size: usize) -> Result<Self, RunError> {
        let device = FlexDevice;
        let network = NeuralLayers::<Flex>::init(model, seed, &device);
        let input = Tensor::<Flex, 2>::random(
            [batch_size, model.input_dim],
            Distribution::Default,
            &device,
        );
        let output = network.forward(input.clone());
        let widths = model.widths();
        let layers = network
            .layers
            .iter()
            .zip(widths.windows(2))
            .map(|(layer, pair)| {
                Ok(Layer {
                    input: pair[0],
                    output: pair[1],
                    weight: values(layer.weight.val())?,
                    bias: match &layer.bias {
                        Some(bias) => values(bias.val())?,
                        None => vec![0.0; pair[1]],
                    },
                })
            })
            .collect::<Result<_, RunError>>()?;
        Ok(Self {
            layers,
            input: values(input)?,
            output: values(output)?,
        })
    }
}

fn values<const D: usize>(tensor: Tensor<Flex, D>) -> Result<Vec<f32>, RunError> {
    tensor
        .into_data()
        .to_vec::<f32>()
        .map_err(|e| RunError::backend(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accuracy::errors;

    #[test]
    fn truth_is_burns_forward_pass() {
        let model = ModelConfig::new("tiny", 8, 4);
        let truth = Truth::of(&model, 7, 3).unwrap();
        assert_eq!(truth.layers.len(), 2);
        assert_eq!(truth.layers[0].weight.len(), 8 * 4);
        assert_eq!(truth.input.len(), 3 * 8);
        // Recompute the forward pass by hand from the extracted weights.
        let linear = |x: &[f32], layer: &Layer, relu: bool| -> Vec<f32> {
            let rows = x.len() / layer.input;
            let mut y = vec![0.0; rows * layer.output];
            for r in 0..rows {
                for c in 0..layer.output {
                    let mut v = layer.bias[c];
                    for k in 0..layer.input {
                        v += x[r * layer.input + k] * layer.weight[k * layer.output + c];
                    }
                    y[r * layer.output + c] = if relu { v.max(0.0) } else { v };
                }
            }
            y
        };
        let hidden = linear(&truth.input, &truth.layers[0], true);
        let out = linear(&hidden, &truth.layers[1], false);
        let (abs, _) = errors(&out, &truth.output);
        assert!(abs < 1e-5, "{abs}");
        // Same seed, same weights.
        assert_eq!(
            Truth::of(&model, 7, 3).unwrap().layers[1].bias,
            truth.layers[1].bias
        );
    }
}
