//! NVIDIA's GPUs through burn's CUDA backend, where it is compiled in (`--features cuda`) and a
//! driver is present; without either, every use says which is missing in one line.

use nlbench::device::{DeviceInfo, DeviceType};

use super::{Backend, Listed, Selected};
use crate::cuda_driver::{self, CudaDriver};

pub struct Cuda;

impl Backend for Cuda {
    fn name(&self) -> &'static str {
        "cuda"
    }

    fn list(&self) -> Vec<Listed> {
        let devices = match cuda_driver::probe() {
            Ok(devices) if cfg!(feature = "cuda") => devices,
            _ => return Vec::new(),
        };
        devices
            .into_iter()
            .map(|driver| Listed {
                info: info(&driver),
                timestamps: true,
                open: Box::new(move |reason| selected(driver.clone(), reason)),
            })
            .collect()
    }

    fn select(&self) -> Result<Selected, String> {
        first()
    }

    fn auto(&self) -> Option<Result<Selected, String>> {
        Some(first().map_err(|reason| format!("CUDA: {reason}")))
    }

    fn missing(&self) -> Option<String> {
        match cuda_driver::probe() {
            Err(reason) if cfg!(feature = "cuda") => Some(format!("CUDA: {reason}")),
            _ => None,
        }
    }
}

/// The first CUDA device, where the backend is compiled in and a driver is present.
fn first() -> Result<Selected, String> {
    let driver = cuda_driver::probe().map_err(|reason| {
        if cfg!(feature = "cuda") {
            reason
        } else {
            "the CUDA backend is not compiled in (rebuild with `--features cuda`)".into()
        }
    })?;
    let first = driver
        .into_iter()
        .next()
        .ok_or("the NVIDIA driver reports no CUDA device")?;
    selected(first, "NVIDIA driver found")
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
fn selected(driver: CudaDriver, reason: &str) -> Result<Selected, String> {
    use nlbench::compiler::{Compiler, Kernels};
    let device = burn::backend::cuda::CudaDevice::new(driver.ordinal as usize);
    let info = DeviceInfo {
        kernels: Some(Kernels::of::<burn::cubecl::cuda::CudaRuntime>(
            &device,
            Compiler::Cuda,
            None,
        )),
        ..info(&driver)
    };
    Ok(Selected {
        opened: Box::new(OnCuda(device)),
        info,
        reason: reason.into(),
    })
}

#[cfg(not(feature = "cuda"))]
fn selected(driver: CudaDriver, _reason: &str) -> Result<Selected, String> {
    Err(format!(
        "the CUDA backend is not compiled in (rebuild with `--features cuda`), though this \
         machine has {driver}"
    ))
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
