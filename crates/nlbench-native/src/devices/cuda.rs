//! NVIDIA's GPUs through burn's CUDA backend, where it is compiled in (`--features cuda`) and a
//! driver is present; without either, every use says which is missing in one line.

use nlbench::device::{DeviceInfo, DeviceType};

use super::{Selected, vendor::Stack};
use crate::cuda_driver::{self, CudaDriver};

pub struct Cuda;

impl Stack for Cuda {
    type Device = CudaDriver;
    const NAME: &'static str = "cuda";
    const TITLE: &'static str = "CUDA";
    const COMPILED: bool = cfg!(feature = "cuda");
    const FOUND: &'static str = "NVIDIA driver found";
    const NONE: &'static str = "the NVIDIA driver reports no CUDA device";

    fn probe() -> Result<Vec<CudaDriver>, String> {
        cuda_driver::probe()
    }

    fn info(driver: &CudaDriver) -> DeviceInfo {
        let (major, minor) = driver.compute_capability;
        DeviceInfo {
            backend: "cuda".into(),
            api: "CUDA".into(),
            name: driver.device_name.clone(),
            vendor_id: Some(0x10de),
            vendor: "NVIDIA".into(),
            device_id: None,
            device_type: DeviceType::DiscreteGpu,
            driver: driver.driver_label(),
            driver_info: format!("compute capability {major}.{minor}"),
            software: false,
            features: vec!["timestamp-query".into()],
            kernels: None,
        }
    }

    #[cfg(feature = "cuda")]
    fn open(driver: CudaDriver, reason: &str) -> Result<Selected, String> {
        use nlbench::compiler::{self, Compiler};
        let device = burn::backend::cuda::CudaDevice::new(driver.ordinal as usize);
        let info = DeviceInfo {
            kernels: Some(compiler::of::<burn::cubecl::cuda::CudaRuntime>(
                &device,
                Compiler::Cuda,
                None,
            )),
            ..Self::info(&driver)
        };
        Ok(Selected {
            opened: Box::new(OnCuda(device)),
            info,
            reason: reason.into(),
        })
    }

    #[cfg(not(feature = "cuda"))]
    fn open(_: CudaDriver, _: &str) -> Result<Selected, String> {
        Err(super::vendor::not_compiled::<Self>())
    }
}

#[cfg(feature = "cuda")]
struct OnCuda(burn::backend::cuda::CudaDevice);

#[cfg(feature = "cuda")]
impl super::Opened for OnCuda {
    fn open(
        &self,
        info: DeviceInfo,
        plan: &nlbench::plan::Plan,
        _: Option<Box<dyn nlbench::memo::Memo>>,
    ) -> Result<nlbench::session::Device, nlbench::error::RunError> {
        let ordinal = self.0.index;
        let free = move || {
            cuda_driver::free_memory(ordinal).map(|bytes| nlbench::session::Room {
                bytes,
                what: "the GPU's free memory (cuMemGetInfo)".into(),
            })
        };
        nlbench::backends::cuda(self.0.clone(), info, plan, Box::new(free))
    }
}
