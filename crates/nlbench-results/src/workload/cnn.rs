//! A ResNet-style CNN, ResNet-50's architecture (v1.5: the stride on the 3×3 convolution):
//! a stem, stages of bottleneck blocks (1×1, 3×3, 1×1 convolutions, each with batch norm, a
//! residual add and ReLU), global average pooling and a classifier. The same walk over its
//! layers gives the parameter count, the FLOPs and the activation sizes.
//!
//! This module is its configuration, shapes and figures; its network on burn is the module of
//! the same name in the `nlbench` crate.

use serde::{Deserialize, Serialize};

use super::{Definition, Figures, Phase, Shapes, Unit, bounded, matmul_flops};
use crate::error::ConfigError;

/// Widest image side.
pub const MAX_IMAGE: usize = 4_096;
/// Most channels of a stage (before the ×4 expansion).
pub const MAX_CHANNELS: usize = 4_096;
/// Output channels of a bottleneck block per channel of its 3×3 convolution.
pub const EXPANSION: usize = 4;

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

/// One convolution of the walk, with its output's side: what the figures count and the
/// network builds.
#[derive(Debug, Clone, Copy)]
pub struct Conv {
    pub input: usize,
    pub output: usize,
    pub kernel: usize,
    pub stride: usize,
    pub out_side: usize,
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
    pub fn walk(&self) -> (Vec<Conv>, usize) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resnet50_has_resnet50_figures() {
        let resnet = CnnConfig::preset("resnet50").unwrap();
        // torchvision's resnet50: 25,557,032 parameters.
        assert_eq!(resnet.parameter_count(), 25_557_032);
        // About 4.1 G multiply-adds per 224×224 image, as published.
        let gmac = resnet.figures(Phase::Forward).flops_per_sample as f64 / 2e9;
        assert!((4.0..4.2).contains(&gmac), "{gmac}");
    }
}
