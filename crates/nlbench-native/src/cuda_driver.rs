//! Looks for an NVIDIA driver before CUDA is used: burn's CUDA backend loads `libcuda` on
//! first use and panics deep inside its bindings when there is none, so nlbench asks the
//! driver itself first and turns its absence into a sentence. The driver also says how much
//! of a GPU's memory is free, which burn does not, for the pre-flight check.

use std::ffi::{c_char, c_int};

use libloading::Library;

/// The driver library's names.
const LIBRARIES: &[&str] = if cfg!(windows) {
    &["nvcuda.dll"]
} else {
    &["libcuda.so.1", "libcuda.so"]
};

fn load() -> Option<Library> {
    // SAFETY: loading the NVIDIA driver library runs only its own initialisers.
    LIBRARIES
        .iter()
        .find_map(|name| unsafe { Library::new(name) }.ok())
}

/// Bytes free on CUDA device `ordinal` now (`cuMemGetInfo` in the device's primary context,
/// the one burn's CUDA backend runs in, so asking costs no memory); `None` where the driver
/// does not answer.
#[cfg(feature = "cuda")]
pub fn free_memory(ordinal: usize) -> Option<u64> {
    type Context = *mut std::ffi::c_void;
    let library = load()?;
    let ordinal = c_int::try_from(ordinal).ok()?;
    // SAFETY: the symbols are declared with the signatures of the CUDA driver API, every
    // out-pointer is a live local, and the context pushed is popped and released again.
    unsafe {
        let get_device = library
            .get::<unsafe extern "C" fn(*mut c_int, c_int) -> c_int>(b"cuDeviceGet\0")
            .ok()?;
        let retain = library
            .get::<unsafe extern "C" fn(*mut Context, c_int) -> c_int>(
                b"cuDevicePrimaryCtxRetain\0",
            )
            .ok()?;
        let release = library
            .get::<unsafe extern "C" fn(c_int) -> c_int>(b"cuDevicePrimaryCtxRelease_v2\0")
            .ok()?;
        let push = library
            .get::<unsafe extern "C" fn(Context) -> c_int>(b"cuCtxPushCurrent_v2\0")
            .ok()?;
        let pop = library
            .get::<unsafe extern "C" fn(*mut Context) -> c_int>(b"cuCtxPopCurrent_v2\0")
            .ok()?;
        let mem_get_info = library
            .get::<unsafe extern "C" fn(*mut usize, *mut usize) -> c_int>(b"cuMemGetInfo_v2\0")
            .ok()?;
        let mut device = 0;
        if get_device(&mut device, ordinal) != 0 {
            return None;
        }
        let mut context: Context = std::ptr::null_mut();
        if retain(&mut context, device) != 0 {
            return None;
        }
        let (mut free, mut total) = (0usize, 0usize);
        let answered = push(context) == 0 && {
            let status = mem_get_info(&mut free, &mut total);
            let mut popped: Context = std::ptr::null_mut();
            pop(&mut popped);
            status == 0
        };
        release(device);
        answered.then_some(free as u64)
    }
}

/// What the driver says about one device.
#[derive(Debug, Clone)]
pub struct CudaDriver {
    /// The device's CUDA ordinal.
    pub ordinal: i32,
    pub device_name: String,
    pub compute_capability: (i32, i32),
    /// Driver API version, for example 12040 for CUDA 12.4.
    pub driver_version: i32,
}

impl CudaDriver {
    /// "CUDA driver 12.4".
    pub fn driver_label(&self) -> String {
        format!(
            "CUDA driver {}.{}",
            self.driver_version / 1000,
            self.driver_version % 1000 / 10
        )
    }
}

impl std::fmt::Display for CudaDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (major, minor) = self.compute_capability;
        write!(
            f,
            "CUDA device {}: {} (compute capability {major}.{minor}, {})",
            self.ordinal,
            self.device_name,
            self.driver_label()
        )
    }
}

const CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: c_int = 75;
const CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: c_int = 76;

/// Loads the driver library and queries every CUDA device; the error says what is missing.
pub fn probe() -> Result<Vec<CudaDriver>, String> {
    let library = load().ok_or_else(|| {
        format!(
            "no NVIDIA driver found ({} could not be loaded)",
            LIBRARIES.join(" / ")
        )
    })?;
    // SAFETY: the symbols are declared with the signatures of the CUDA driver API.
    unsafe {
        let cu_init = library
            .get::<unsafe extern "C" fn(u32) -> c_int>(b"cuInit\0")
            .map_err(|e| format!("the NVIDIA driver library lacks cuInit: {e}"))?;
        let status = cu_init(0);
        if status != 0 {
            return Err(format!(
                "the NVIDIA driver failed to initialise (cuInit error {status}); is a GPU present?"
            ));
        }
        let get_count = library
            .get::<unsafe extern "C" fn(*mut c_int) -> c_int>(b"cuDeviceGetCount\0")
            .map_err(|e| e.to_string())?;
        let mut count = 0;
        if get_count(&mut count) != 0 || count == 0 {
            return Err("the NVIDIA driver reports no CUDA device".into());
        }
        let get_device = library
            .get::<unsafe extern "C" fn(*mut c_int, c_int) -> c_int>(b"cuDeviceGet\0")
            .map_err(|e| e.to_string())?;
        let get_name = library
            .get::<unsafe extern "C" fn(*mut c_char, c_int, c_int) -> c_int>(b"cuDeviceGetName\0")
            .map_err(|e| e.to_string())?;
        let get_attribute = library
            .get::<unsafe extern "C" fn(*mut c_int, c_int, c_int) -> c_int>(
                b"cuDeviceGetAttribute\0",
            )
            .map_err(|e| e.to_string())?;
        let get_version = library
            .get::<unsafe extern "C" fn(*mut c_int) -> c_int>(b"cuDriverGetVersion\0")
            .map_err(|e| e.to_string())?;
        let mut driver_version = 0;
        get_version(&mut driver_version);
        let mut found = Vec::new();
        for ordinal in 0..count {
            let mut device = 0;
            if get_device(&mut device, ordinal) != 0 {
                return Err(format!(
                    "the NVIDIA driver cannot open CUDA device {ordinal}"
                ));
            }
            let mut buffer = [0 as c_char; 256];
            get_name(buffer.as_mut_ptr(), buffer.len() as c_int, device);
            let device_name = std::ffi::CStr::from_ptr(buffer.as_ptr())
                .to_string_lossy()
                .into_owned();
            let (mut major, mut minor) = (0, 0);
            get_attribute(
                &mut major,
                CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                device,
            );
            get_attribute(
                &mut minor,
                CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                device,
            );
            found.push(CudaDriver {
                ordinal,
                device_name,
                compute_capability: (major, minor),
                driver_version,
            });
        }
        Ok(found)
    }
}
