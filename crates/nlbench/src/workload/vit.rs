//! A vision transformer, ViT's architecture (torchvision's `vit_b_16`): the image cut into
//! patches by a strided convolution, a class token and learned position embeddings, pre-norm
//! encoder blocks (multi-head self-attention through burn's fused op and a GELU MLP, each
//! around a residual add), a final layer norm and a classifier on the class token.

use burn::{
    backend::{Flex, flex::FlexDevice},
    module::{Module, Param},
    nn::{
        LayerNorm, LayerNormConfig, Linear, LinearConfig,
        conv::{Conv2d, Conv2dConfig},
    },
    tensor::{Distribution, Tensor, TensorData, backend::Backend},
};
use futures::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};

use super::{
    Definition, Figures, Network, Phase, Preset, Shapes, Unit, block::PreNormBlock, bounded,
    check, check_stack, cnn::MAX_IMAGE, encoder::MAX_SEQUENCE, floats, matmul_flops,
};
use crate::{
    accuracy::{self, Accuracy},
    error::{ConfigError, RunError},
    limits::MAX_DIM,
    precision::{Precision, cast},
    readback::read_values,
};

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
    fn tokens(&self) -> usize {
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

    /// The network on `device`, weights from the backend's generator seeded with `seed`.
    pub fn init<B: Backend>(&self, seed: u64, device: &B::Device) -> Vit<B> {
        B::seed(device, seed);
        let d = self.width;
        let embedding = |shape: [usize; 3]| {
            Param::from_tensor(Tensor::random(shape, Distribution::Normal(0.0, 0.02), device))
        };
        Vit {
            patches: Conv2dConfig::new([3, d], [self.patch, self.patch])
                .with_stride([self.patch, self.patch])
                .init(device),
            class_token: embedding([1, 1, d]),
            positions: embedding([1, self.tokens(), d]),
            blocks: (0..self.layers)
                .map(|_| PreNormBlock::init(d, self.mlp, self.heads, device))
                .collect(),
            norm: LayerNormConfig::new(d).init(device),
            head: LinearConfig::new(d, self.classes).init(device),
        }
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

impl<B: Backend> Preset<B> for VitConfig {
    type Network = Vit<B>;
    fn network(&self, seed: u64, precision: Precision, device: &B::Device) -> Vit<B> {
        cast(self.init(seed, device), precision)
    }
    fn input(&self, batch: usize, precision: Precision, device: &B::Device) -> Tensor<B, 4> {
        floats([batch, 3, self.image, self.image], precision, device)
    }
}

#[derive(Module, Debug)]
pub struct Vit<B: Backend> {
    pub patches: Conv2d<B>,
    pub class_token: Param<Tensor<B, 3>>,
    pub positions: Param<Tensor<B, 3>>,
    pub blocks: Vec<PreNormBlock<B>>,
    pub norm: LayerNorm<B>,
    pub head: Linear<B>,
}

impl<B: Backend> Vit<B> {
    /// Images `[batch, 3, side, side]` to class logits `[batch, classes]`.
    pub fn forward(&self, images: Tensor<B, 4>) -> Tensor<B, 2> {
        let patches = self.patches.forward(images).flatten::<3>(2, 3).swap_dims(1, 2);
        let [batch, _, width] = patches.dims();
        let class = self.class_token.val().expand([batch, 1, width]);
        let x = Tensor::cat(vec![class, patches], 1) + self.positions.val();
        let x = self
            .blocks
            .iter()
            .fold(x, |x, block| block.forward(x, None, false).0);
        let class = self.norm.forward(x.narrow(1, 0, 1));
        self.head.forward(class.reshape([batch, width]))
    }
}

impl<B: Backend> Network<B> for Vit<B> {
    type Input = Tensor<B, 4>;
    fn pass(&self, input: Self::Input) -> (Tensor<B, 2>, Vec<Tensor<B, 4>>) {
        (self.forward(input), Vec::new())
    }

    /// burn's fused attention at the blocks' shape, and the network's own patch embedding of
    /// (at most [`check::CHECKED_BATCH`] of) the step's images against the explicit product
    /// on the CPU; the figures of whichever differs more.
    fn check<'a>(
        &'a self,
        images: &'a Self::Input,
        precision: Precision,
        device: &'a B::Device,
    ) -> LocalBoxFuture<'a, Result<Option<Accuracy>, RunError>> {
        Box::pin(async move {
            let [batch, _, side, _] = images.dims();
            let [width, _, patch, _] = self.patches.weight.dims();
            let tokens = (side / patch) * (side / patch) + 1;
            let heads = self.blocks.first().map_or(1, |b| b.heads);
            let shape = check::attention_shape(batch, heads, tokens, width);
            let attention = check::attention::<B>(shape, false, precision, device).await?;
            let patches = self.check_patches(images, precision).await?;
            Ok(Some(if attention.max_rel_error > patches.max_rel_error {
                attention
            } else {
                patches
            }))
        })
    }
}

impl<B: Backend> Vit<B> {
    /// The strided convolution of the first images against the same patches times the same
    /// kernel, written out on burn's CPU backend in FP32.
    async fn check_patches(
        &self,
        images: &Tensor<B, 4>,
        precision: Precision,
    ) -> Result<Accuracy, RunError> {
        let [batch, _, side, _] = images.dims();
        let checked = batch.min(check::CHECKED_BATCH);
        let images = images.clone().narrow(0, 0, checked);
        let got = read_values(self.patches.forward(images.clone())).await?;
        let [width, _, patch, _] = self.patches.weight.dims();
        let grid = side / patch;
        let cpu = FlexDevice;
        let pixels = Tensor::<Flex, 4>::from_data(
            TensorData::new(read_values(images).await?, [checked, 3, side, side]),
            &cpu,
        );
        let kernel = Tensor::<Flex, 2>::from_data(
            TensorData::new(
                read_values(self.patches.weight.val()).await?,
                [width, 3 * patch * patch],
            ),
            &cpu,
        );
        let bias = match &self.patches.bias {
            Some(bias) => read_values(bias.val()).await?,
            None => vec![0.0; width],
        };
        let bias = Tensor::<Flex, 2>::from_data(TensorData::new(bias, [1, width]), &cpu);
        // [b, 3, g, p, g, p] → [b, g, g, 3, p, p]: one row per patch, channels first as the
        // kernel's.
        let rows = pixels
            .reshape([checked, 3, grid, patch, grid, patch])
            .permute([0, 2, 4, 1, 3, 5])
            .reshape([checked * grid * grid, 3 * patch * patch]);
        let expected = (rows.matmul(kernel.transpose()) + bias)
            .reshape([checked, grid, grid, width])
            .permute([0, 3, 1, 2]);
        accuracy::hold(
            &got,
            &read_values(expected).await?,
            precision,
            "burn's strided convolution differs from the patches times the kernel",
            Some("the explicit product of patches and kernel on the CPU"),
        )
    }
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
    fn the_module_has_the_counted_parameters_shape_and_a_passing_check() {
        let tiny = VitConfig::preset("tiny").unwrap();
        let device = Default::default();
        let vit = tiny.init::<Flex>(1, &device);
        assert_eq!(vit.num_params() as u64, tiny.parameter_count());
        let images = Preset::<Flex>::input(&tiny, 3, Precision::F32, &device);
        assert_eq!(vit.forward(images.clone()).dims(), [3, 10]);
        let accuracy = pollster::block_on(vit.check(&images, Precision::F32, &device))
            .unwrap()
            .unwrap();
        assert!(accuracy.max_abs_error <= accuracy.tolerance, "{accuracy:?}");
    }

    #[test]
    fn a_patch_that_does_not_tile_the_image_is_refused() {
        let mut tiny = VitConfig::preset("tiny").unwrap();
        tiny.patch = 7;
        let err = tiny.validate().unwrap_err().0;
        assert!(err.contains("not a multiple of the patch side 7"), "{err}");
    }
}
