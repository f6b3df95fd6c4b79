//! A vision transformer, ViT's architecture (torchvision's `vit_b_16`): the image cut into
//! patches by a strided convolution, a class token and learned position embeddings, pre-norm
//! encoder blocks (multi-head self-attention through burn's fused op and a GELU MLP, each
//! around a residual add), a final layer norm and a classifier on the class token.
//!
//! This module is its network on burn; its configuration, shapes and figures are the module
//! of the same name in `nlbench-results`.

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

use super::{Network, Preset, block::PreNormBlock, check, floats, VitConfig};
use crate::{accuracy::{self, Accuracy}, error::RunError, precision::{Precision, cast}, readback::read_values};

impl<B: Backend> Vit<B> {
    /// The network on `device`, weights from the backend's generator seeded with `seed`.
    pub fn init(config: &VitConfig, seed: u64, device: &B::Device) -> Self {
        B::seed(device, seed);
        let d = config.width;
        let embedding = |shape: [usize; 3]| {
            Param::from_tensor(Tensor::random(shape, Distribution::Normal(0.0, 0.02), device))
        };
        Vit {
            patches: Conv2dConfig::new([3, d], [config.patch, config.patch])
                .with_stride([config.patch, config.patch])
                .init(device),
            class_token: embedding([1, 1, d]),
            positions: embedding([1, config.tokens(), d]),
            blocks: (0..config.layers)
                .map(|_| PreNormBlock::init(d, config.mlp, config.heads, device))
                .collect(),
            norm: LayerNormConfig::new(d).init(device),
            head: LinearConfig::new(d, config.classes).init(device),
        }
    }
}

impl<B: Backend> Preset<B> for VitConfig {
    type Network = Vit<B>;
    fn network(&self, seed: u64, precision: Precision, device: &B::Device) -> Vit<B> {
        cast(Vit::init(self, seed, device), precision)
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
    use crate::workload::Definition;

    #[test]
    fn the_module_has_the_counted_parameters_shape_and_a_passing_check() {
        let tiny = VitConfig::preset("tiny").unwrap();
        let device = Default::default();
        let vit = Vit::<Flex>::init(&tiny, 1, &device);
        assert_eq!(vit.num_params() as u64, tiny.parameter_count());
        let images = Preset::<Flex>::input(&tiny, 3, Precision::F32, &device);
        assert_eq!(vit.forward(images.clone()).dims(), [3, 10]);
        let accuracy = pollster::block_on(vit.check(&images, Precision::F32, &device))
            .unwrap()
            .unwrap();
        assert!(accuracy.max_abs_error <= accuracy.tolerance, "{accuracy:?}");
    }
}
