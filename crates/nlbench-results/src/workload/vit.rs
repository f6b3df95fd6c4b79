//! A vision transformer, ViT's architecture (torchvision's `vit_b_16`): the image cut into
//! patches by a strided convolution, a class token and learned position embeddings, pre-norm
//! encoder blocks (multi-head self-attention through burn's fused op and a GELU MLP, each
//! around a residual add), a final layer norm and a classifier on the class token.
//!
//! This module is its configuration, shapes and figures; its network on burn is the module of
//! the same name in the `nlbench` crate.

use serde::{Deserialize, Serialize};

use super::{Definition, Figures, Phase, Shapes, Unit, bounded, check_stack, cnn::MAX_IMAGE, encoder::MAX_SEQUENCE, matmul_flops};
use crate::{error::ConfigError, limits::MAX_DIM};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VitConfig {
    pub name: String,
    /// Side of the square RGB input.
    pub image: usize,
    /// Side of a square patch: the embedding convolution's kernel and stride.
    pub patch: usize,
    pub width: usize,
    pub layers: usize,
    pub heads: usize,
    /// Width of each block's MLP.
    pub mlp: usize,
    pub classes: usize,
}

impl VitConfig {
    /// Patches per side.
    fn grid(&self) -> usize {
        self.image / self.patch
    }

    /// Tokens a block sees: every patch and the class token.
    pub fn tokens(&self) -> usize {
        self.grid() * self.grid() + 1
    }

    /// The patch embedding `3p²d + d`, the class token `d`, the positions `(n + 1)d`, per
    /// block two layer norms `4d`, QKV and projection `4d² + 4d`, the MLP `2dm + m + d`; the
    /// final norm `2d` and the classifier `dc + c`.
    pub fn parameter_count(&self) -> u64 {
        let (d, m, c, p) = (
            self.width as u64,
            self.mlp as u64,
            self.classes as u64,
            self.patch as u64,
        );
        let block = 4 * d * d + 2 * d * m + 9 * d + m;
        3 * p * p * d
            + d
            + d
            + self.tokens() as u64 * d
            + self.layers as u64 * block
            + 2 * d
            + d * c
            + c
    }
}

impl Shapes for VitConfig {
    fn preset_name(&self) -> &str {
        &self.name
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let name = format!("vit '{}'", self.name);
        bounded(&name, "image side", self.image, MAX_IMAGE)?;
        bounded(&name, "patch side (at most the image's)", self.patch, self.image)?;
        if !self.image.is_multiple_of(self.patch) {
            return Err(ConfigError(format!(
                "{name}: image side {} is not a multiple of the patch side {}",
                self.image, self.patch
            )));
        }
        check_stack(&name, self.width, self.layers, self.heads)?;
        bounded(&name, "MLP width", self.mlp, MAX_DIM)?;
        bounded(&name, "classes", self.classes, 1 << 20)?;
        bounded(&name, "tokens (patches and the class token)", self.tokens(), MAX_SEQUENCE)
    }

    /// One image: the patch embedding as a product of every patch with the kernel, per block
    /// the four projections, QKᵀ and the weighted sum over every pair of tokens and the MLP,
    /// and the classifier on the class token.
    fn figures(&self, _: Phase) -> Figures {
        let (s, d, m, h) = (
            self.tokens() as u64,
            self.width as u64,
            self.mlp as u64,
            self.heads as u64,
        );
        let (patches, patch_size) = ((s - 1), (3 * self.patch * self.patch) as u64);
        let per_layer = matmul_flops(s, 3 * d, d)
            + matmul_flops(s, d, d)
            + 2 * matmul_flops(s, s, d)
            + matmul_flops(s, m, d)
            + matmul_flops(s, d, m);
        let input = (3 * self.image * self.image) as u64;
        Figures {
            parameters: self.parameter_count(),
            flops_per_sample: matmul_flops(patches, d, patch_size)
                + self.layers as u64 * per_layer
                + matmul_flops(1, self.classes as u64, d),
            weights_read: self.parameter_count(),
            input_elements: input,
            output_elements: self.classes as u64,
            // The patches, the tokens with their positions and the final norm; per block as
            // the encoder's layer: QKV and its per-head copies, the context and its copy, the
            // projection, two residuals and two norms, the MLP's two wide tensors, its output,
            // and the scores with their softmax.
            activation_elements: 3 * s * d + self.layers as u64 * (14 * s * d + 2 * s * m + 2 * h * s * s),
            largest_elements: (3 * s * d).max(s * m).max(h * s * s).max(input),
            largest_weight: (3 * d * d).max(d * m).max(d * patch_size),
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
            "{}×{} RGB input in {}×{} patches ({} tokens with the class token), width {}, {} \
             layers, {} heads, MLP {}, {} classes; {} parameters, {:.2} GFLOP per image. The \
             patch embedding is checked against the explicit product of patches and kernel, \
             and attention against the explicit softmax(QKᵀ/√d)·V, before any row is timed.",
            self.image,
            self.image,
            self.patch,
            self.patch,
            self.tokens(),
            self.width,
            self.layers,
            self.heads,
            self.mlp,
            self.classes,
            super::thousands(self.parameter_count()),
            super::gflop(self, Phase::Forward)
        )
    }
}

impl Definition for VitConfig {
    const NAME: &'static str = "vit";
    const TITLE: &'static str = "Vision transformer";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vit_b16_has_vit_b16_figures() {
        let vit = VitConfig::preset("vit-b16").unwrap();
        // torchvision's vit_b_16: 86,567,656 parameters, 17.56 G multiply-adds per image.
        assert_eq!(vit.parameter_count(), 86_567_656);
        let gmac = vit.figures(Phase::Forward).flops_per_sample as f64 / 2e9;
        assert!((17.5..17.6).contains(&gmac), "{gmac}");
        vit.validate().unwrap();
    }

    #[test]
    fn a_patch_that_does_not_tile_the_image_is_refused() {
        let mut tiny = VitConfig::preset("tiny").unwrap();
        tiny.patch = 7;
        let err = tiny.validate().unwrap_err().0;
        assert!(err.contains("not a multiple of the patch side 7"), "{err}");
    }
}
