//! The results' precisions ([`nlbench_results::precision`]) as burn's data types.

use burn::{
    module::{Module, ModuleMapper, Param},
    tensor::{DType, FloatDType, Tensor, backend::Backend},
};
pub use nlbench_results::precision::Precision;

/// burn's data type of `precision`'s elements.
pub fn dtype(precision: Precision) -> DType {
    match precision {
        Precision::F32 => DType::F32,
        Precision::F16 => DType::F16,
        Precision::Bf16 => DType::BF16,
    }
}

/// burn's float type of `precision`, for casts.
pub fn float_dtype(precision: Precision) -> FloatDType {
    match precision {
        Precision::F32 => FloatDType::F32,
        Precision::F16 => FloatDType::F16,
        Precision::Bf16 => FloatDType::BF16,
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
        let dtype = float_dtype(self.precision);
        param.map(|tensor| tensor.cast(dtype))
    }
}
