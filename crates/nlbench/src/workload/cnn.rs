//! A ResNet-style CNN, ResNet-50's architecture (v1.5: the stride on the 3×3 convolution):
//! a stem, stages of bottleneck blocks (1×1, 3×3, 1×1 convolutions, each with batch norm, a
//! residual add and ReLU), global average pooling and a classifier. The same walk over its
//! layers gives the parameter count, the FLOPs and the activation sizes.
//!
//! This module is its network on burn; its configuration, shapes and figures are the module
//! of the same name in `nlbench-results`.

use burn::{
    module::Module,
    nn::{
        BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d, Relu,
        conv::{Conv2d, Conv2dConfig},
        pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig, MaxPool2d, MaxPool2dConfig},
    },
    tensor::{Tensor, backend::Backend},
};

use nlbench_results::workload::cnn::{Conv, EXPANSION};

use super::{Network, Preset, floats, CnnConfig};
use crate::{precision::{Precision, cast}};

impl<B: Backend> Cnn<B> {
    pub fn init(config: &CnnConfig, seed: u64, device: &B::Device) -> Self {
        B::seed(device, seed);
        let (convs, features) = config.walk();
        let mut convs = convs.into_iter().map(|c| ConvNorm::init(c, device));
        let stem = convs.next().expect("a stem");
        let mut blocks = Vec::new();
        let mut channels = config.stem_width;
        for stage in &config.stages {
            for block in 0..stage.blocks {
                let stride = if block == 0 { stage.stride } else { 1 };
                let wide = stage.width * EXPANSION;
                let mut next = || convs.next().expect("the walk's convolutions");
                let (reduce, spatial, expand) = (next(), next(), next());
                let shortcut = (block == 0 && (stride != 1 || channels != wide)).then(next);
                blocks.push(Bottleneck {
                    reduce,
                    spatial,
                    expand,
                    shortcut,
                });
                channels = wide;
            }
        }
        Cnn {
            stem,
            pool: config.large_stem.then(|| {
                MaxPool2dConfig::new([3, 3])
                    .with_strides([2, 2])
                    .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                    .init()
            }),
            blocks,
            average: AdaptiveAvgPool2dConfig::new([1, 1]).init(),
            classifier: LinearConfig::new(features, config.classes).init(device),
            activation: Relu::new(),
        }
    }
}

impl<B: Backend> Network<B> for Cnn<B> {
    type Input = Tensor<B, 4>;
    fn pass(&self, input: Self::Input) -> (Tensor<B, 2>, Vec<Tensor<B, 4>>) {
        (self.forward(input), Vec::new())
    }
}

impl<B: Backend> Preset<B> for CnnConfig {
    type Network = Cnn<B>;
    fn network(&self, seed: u64, precision: Precision, device: &B::Device) -> Cnn<B> {
        cast(Cnn::init(self, seed, device), precision)
    }
    fn input(&self, batch: usize, precision: Precision, device: &B::Device) -> Tensor<B, 4> {
        floats([batch, 3, self.image, self.image], precision, device)
    }
}

#[derive(Module, Debug)]
pub struct Cnn<B: Backend> {
    pub stem: ConvNorm<B>,
    pub pool: Option<MaxPool2d>,
    pub blocks: Vec<Bottleneck<B>>,
    pub average: AdaptiveAvgPool2d,
    pub classifier: Linear<B>,
    pub activation: Relu,
}

impl<B: Backend> Cnn<B> {
    /// Images `[batch, 3, side, side]` to class logits `[batch, classes]`.
    pub fn forward(&self, images: Tensor<B, 4>) -> Tensor<B, 2> {
        let mut x = self.activation.forward(self.stem.forward(images));
        if let Some(pool) = &self.pool {
            x = pool.forward(x);
        }
        for block in &self.blocks {
            x = block.forward(x, &self.activation);
        }
        let [batch, channels, _, _] = x.dims();
        self.classifier
            .forward(self.average.forward(x).reshape([batch, channels]))
    }
}

/// A convolution without bias and its batch norm.
#[derive(Module, Debug)]
pub struct ConvNorm<B: Backend> {
    pub conv: Conv2d<B>,
    pub norm: BatchNorm<B>,
}

impl<B: Backend> ConvNorm<B> {
    fn init(shape: Conv, device: &B::Device) -> Self {
        let pad = shape.kernel / 2;
        Self {
            conv: Conv2dConfig::new([shape.input, shape.output], [shape.kernel, shape.kernel])
                .with_stride([shape.stride, shape.stride])
                .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
                .with_bias(false)
                .init(device),
            norm: BatchNormConfig::new(shape.output).init(device),
        }
    }

    fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        self.norm.forward(self.conv.forward(x))
    }
}

#[derive(Module, Debug)]
pub struct Bottleneck<B: Backend> {
    pub reduce: ConvNorm<B>,
    pub spatial: ConvNorm<B>,
    pub expand: ConvNorm<B>,
    pub shortcut: Option<ConvNorm<B>>,
}

impl<B: Backend> Bottleneck<B> {
    fn forward(&self, x: Tensor<B, 4>, relu: &Relu) -> Tensor<B, 4> {
        let y = relu.forward(self.reduce.forward(x.clone()));
        let y = relu.forward(self.spatial.forward(y));
        let y = self.expand.forward(y);
        let shortcut = match &self.shortcut {
            Some(shortcut) => shortcut.forward(x),
            None => x,
        };
        relu.forward(y + shortcut)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::Definition;
    use burn::backend::Flex;

    #[test]
    fn the_module_has_the_counted_parameters_and_shape() {
        let tiny = CnnConfig::preset("tiny").unwrap();
        let device = Default::default();
        let cnn = Cnn::<Flex>::init(&tiny, 1, &device);
        assert_eq!(
            cnn.num_params() as u64,
            tiny.parameter_count() + 2 * tiny.norm_channels()
        );
        let images = Tensor::<Flex, 4>::ones([2, 3, 32, 32], &device);
        assert_eq!(cnn.forward(images).dims(), [2, 10]);
    }
}
