//! Reading a tensor back to the host: how the suites know the device has finished, and how
//! the workloads' checks get their values.

use burn::tensor::{Int, Tensor, backend::Backend};

use crate::error::RunError;

/// Reads one element of `tensor` back to the host, which waits for all device work queued
/// before it: the way every suite knows the device has finished.
pub(crate) async fn read_one<B: Backend, const D: usize>(
    tensor: Tensor<B, D>,
) -> Result<(), RunError> {
    let flat: Tensor<B, 1> = tensor.flatten(0, D - 1);
    flat.slice(0..1)
        .into_data_async()
        .await
        .map(|_| ())
        .map_err(|err| RunError::backend(err.to_string()))
}

/// Token ids on the host, as a generation loop that detokenises or stops on a token needs
/// them: each step of a generation ends here.
pub(crate) async fn read_tokens<B: Backend, const D: usize>(
    tokens: Tensor<B, D, Int>,
) -> Result<(), RunError> {
    tokens
        .into_data_async()
        .await
        .map(|_| ())
        .map_err(|err| RunError::backend(err.to_string()))
}

/// Every element of `tensor`, as FP32 on the host.
pub(crate) async fn read_values<B: Backend, const D: usize>(
    tensor: Tensor<B, D>,
) -> Result<Vec<f32>, RunError> {
    tensor
        .cast(burn::tensor::DType::F32)
        .into_data_async()
        .await
        .map_err(|err| RunError::backend(err.to_string()))?
        .to_vec::<f32>()
        .map_err(|err| RunError::backend(format!("{err:?}")))
}
