//! A ResNet-style CNN, ResNet-50's architecture (v1.5: the stride on the 3×3 convolution):
//! a stem, stages of bottleneck blocks (1×1, 3×3, 1×1 convolutions, each with batch norm, a
//! residual add and ReLU), global average pooling and a classifier. The same walk over its
//! layers gives the parameter count, the FLOPs and the activation sizes.

use burn::{
    module::Module,
    nn::{
        BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d, Relu,
        conv::{Conv2d, Conv2dConfig},
        pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig, MaxPool2d, MaxPool2dConfig},
    },
    tensor::{Tensor, backend::Backend},
};
use serde::{Deserialize, Serialize};

use super::{
    Definition, Figures, Network, Phase, Preset, Shapes, Unit, bounded, floats, matmul_flops,
};
use crate::{
    error::ConfigError,
    precision::{Precision, cast},
};

/// Widest image side.
pub const MAX_IMAGE: usize = 4_096;
/// Most channels of a stage (before the ×4 expansion).
pub const MAX_CHANNELS: usize = 4_096;
/// Output channels of a bottleneck block per channel of its 3×3 convolution.
const EXPANSION: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CnnConfig {
    pub name: String,
    /// Side of the square RGB input.
    pub image: usize,
    /// Channels out of the stem.
    pub stem_width: usize,
    /// ImageNet's stem (7×7 stride 2 and a 3×3 max pool) instead of one 3×3 convolution.
    pub large_stem: bool,
    pub stages: Vec<Stage>,
    pub classes: usize,
}

/// Bottleneck blocks of one width; the first has the stage's stride.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    pub blocks: usize,
    pub width: usize,
    pub stride: usize,
}

/// One convolution of the walk, with its output's side.
#[derive(Debug, Clone, Copy)]
struct Conv {
    input: usize,
    output: usize,
    kernel: usize,
    stride: usize,
    out_side: usize,
}

impl Conv {
    fn weights(&self) -> u64 {
        (self.output * self.input * self.kernel * self.kernel) as u64
    }

    fn out_elements(&self) -> u64 {
        (self.output * self.out_side * self.out_side) as u64
    }

    /// As an implicit GEMM: output pixels × output channels × (input channels × k²).
    fn flops(&self) -> u64 {
        matmul_flops(
            (self.out_side * self.out_side) as u64,
            self.output as u64,
            (self.input * self.kernel * self.kernel) as u64,
        )
    }
}

fn out_side(side: usize, kernel: usize, stride: usize) -> usize {
    (side + 2 * (kernel / 2) - kernel) / stride + 1
}

impl CnnConfig {

    /// Every convolution in order, then the classifier's input width.
    fn walk(&self) -> (Vec<Conv>, usize) {
        let mut convs = Vec::new();
        let mut side = self.image;
        let stem_kernel = if self.large_stem { 7 } else { 3 };
        let stem_stride = if self.large_stem { 2 } else { 1 };
        side = out_side(side, stem_kernel, stem_stride);
        convs.push(Conv {
            input: 3,
            output: self.stem_width,
            kernel: stem_kernel,
            stride: stem_stride,
            out_side: side,
        });
        if self.large_stem {
            side = out_side(side, 3, 2);
        }
        let mut channels = self.stem_width;
        for stage in &self.stages {
            for block in 0..stage.blocks {
                let stride = if block == 0 { stage.stride } else { 1 };
                let inner = out_side(side, 3, stride);
                let wide = stage.width * EXPANSION;
                let conv = |input, output, kernel, stride, out_side| Conv {
                    input,
                    output,
                    kernel,
                    stride,
                    out_side,
                };
                convs.push(conv(channels, stage.width, 1, 1, side));
                convs.push(conv(stage.width, stage.width, 3, stride, inner));
                convs.push(conv(stage.width, wide, 1, 1, inner));
                if block == 0 && (stride != 1 || channels != wide) {
                    convs.push(conv(channels, wide, 1, stride, inner));
                }
                channels = wide;
                side = inner;
            }
        }
        (convs, channels)
    }

    /// Convolution weights (none has a bias: batch norm follows), two per channel for each
    /// batch norm (its running statistics are state, not parameters), the classifier.
    pub fn parameter_count(&self) -> u64 {
        let (convs, features) = self.walk();
        let convs: u64 = convs
            .iter()
            .map(|c| c.weights() + 2 * c.output as u64)
            .sum();
        convs + (features * self.classes + self.classes) as u64
    }

    /// Channels of every batch norm: each holds a running mean and variance beside its two
    /// parameters (burn counts them with its parameters; torchvision as buffers).
    pub fn norm_channels(&self) -> u64 {
        self.walk().0.iter().map(|c| c.output as u64).sum()
    }

    pub fn init<B: Backend>(&self, seed: u64, device: &B::Device) -> Cnn<B> {
        B::seed(device, seed);
        let (convs, features) = self.walk();
        let mut convs = convs.into_iter().map(|c| ConvNorm::init(c, device));
        let stem = convs.next().expect("a stem");
        let mut blocks = Vec::new();
        let mut channels = self.stem_width;
        for stage in &self.stages {
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
            pool: self.large_stem.then(|| {
                MaxPool2dConfig::new([3, 3])
                    .with_strides([2, 2])
                    .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                    .init()
            }),
            blocks,
            average: AdaptiveAvgPool2dConfig::new([1, 1]).init(),
            classifier: LinearConfig::new(features, self.classes).init(device),
            activation: Relu::new(),
        }
    }
}

impl Shapes for CnnConfig {
    fn preset_name(&self) -> &str {
        &self.name
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let name = format!("cnn '{}'", self.name);
        bounded(&name, "image side", self.image, MAX_IMAGE)?;
        bounded(&name, "stem width", self.stem_width, MAX_CHANNELS)?;
        bounded(&name, "classes", self.classes, 1 << 20)?;
        bounded(&name, "stages", self.stages.len(), 8)?;
        for stage in &self.stages {
            bounded(&name, "blocks per stage", stage.blocks, 64)?;
            bounded(&name, "stage width", stage.width, MAX_CHANNELS)?;
            bounded(&name, "stride", stage.stride, 4)?;
        }
        Ok(())
    }

    /// One image.
    fn figures(&self, _: Phase) -> Figures {
        let (convs, features) = self.walk();
        let input = (3 * self.image * self.image) as u64;
        Figures {
            parameters: self.parameter_count(),
            flops_per_sample: convs.iter().map(Conv::flops).sum::<u64>()
                + matmul_flops(1, self.classes as u64, features as u64),
            weights_read: self.parameter_count() + 2 * self.norm_channels(),
            input_elements: input,
            output_elements: self.classes as u64,
            // Each convolution's output, its batch norm's and its ReLU's (or residual add's).
            activation_elements: 3 * convs.iter().map(Conv::out_elements).sum::<u64>(),
            largest_elements: convs
                .iter()
                .map(Conv::out_elements)
                .max()
                .unwrap_or(0)
                .max(input),
            largest_weight: convs
                .iter()
                .map(Conv::weights)
                .max()
                .unwrap_or(0)
                .max((features * self.classes) as u64),
            cache_elements: 0,
        }
    }

    fn unit(&self, _: Phase) -> Unit {
        Unit {
            samples: "images",
            tokens: None,
        }
    }

    fn describe(&self) -> String {
        format!(
            "{}×{} RGB input, {} stages of bottleneck blocks ({} blocks), {} classes; \
             {} parameters, {:.2} GFLOP per image.",
            self.image,
            self.image,
            self.stages.len(),
            self.stages.iter().map(|s| s.blocks).sum::<usize>(),
            self.classes,
            super::thousands(self.parameter_count()),
            super::gflop(self, Phase::Forward)
        )
    }
}

impl Definition for CnnConfig {
    const NAME: &'static str = "cnn";
    const TITLE: &'static str = "ResNet-style CNN";
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
        cast(self.init(seed, device), precision)
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
    use burn::backend::Flex;

    #[test]
    fn resnet50_has_resnet50_figures() {
        let resnet = CnnConfig::preset("resnet50").unwrap();
        // torchvision's resnet50: 25,557,032 parameters.
        assert_eq!(resnet.parameter_count(), 25_557_032);
        // About 4.1 G multiply-adds per 224×224 image, as published.
        let gmac = resnet.figures(Phase::Forward).flops_per_sample as f64 / 2e9;
        assert!((4.0..4.2).contains(&gmac), "{gmac}");
    }

    #[test]
    fn the_module_has_the_counted_parameters_and_shape() {
        let tiny = CnnConfig::preset("tiny").unwrap();
        let device = Default::default();
        let cnn = tiny.init::<Flex>(1, &device);
        assert_eq!(
            cnn.num_params() as u64,
            tiny.parameter_count() + 2 * tiny.norm_channels()
        );
        let images = Tensor::<Flex, 4>::ones([2, 3, 32, 32], &device);
        assert_eq!(cnn.forward(images).dims(), [2, 10]);
    }
}
