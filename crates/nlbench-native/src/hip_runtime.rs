//! Looks for AMD's HIP runtime before ROCm is used: burn's ROCm backend resolves HIP's symbols
//! when it first calls them and panics deep inside its bindings when the library is missing,
//! so nlbench loads the runtime itself first and turns its absence into a sentence. HIP also
//! says how much of a GPU's memory is free, for the pre-flight check.

use std::ffi::{c_char, c_int};

use libloading::Library;

/// The runtime library's names.
const LIBRARIES: &[&str] = if cfg!(windows) {
    &["amdhip64_6.dll", "amdhip64.dll"]
} else {
    &["libamdhip64.so.6", "libamdhip64.so.7", "libamdhip64.so"]
};

fn load() -> Option<Library> {
    // SAFETY: loading the HIP runtime library runs only its own initialisers.
    LIBRARIES
        .iter()
        .find_map(|name| unsafe { Library::new(name) }.ok())
}

/// What the runtime says about one device.
#[derive(Debug, Clone)]
pub struct HipDevice {
    /// The device's HIP ordinal.
    pub ordinal: i32,
    pub device_name: String,
    /// HIP runtime version, for example 60241512 for HIP 6.2.41512.
    pub runtime_version: i32,
}

impl HipDevice {
    /// "HIP runtime 6.2".
    pub fn runtime_label(&self) -> String {
        format!(
            "HIP runtime {}.{}",
            self.runtime_version / 10_000_000,
            self.runtime_version / 100_000 % 100
        )
    }
}

impl std::fmt::Display for HipDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "HIP device {}: {} ({})",
            self.ordinal,
            self.device_name,
            self.runtime_label()
        )
    }
}

/// Loads the runtime library and queries every HIP device; the error says what is missing.
pub fn probe() -> Result<Vec<HipDevice>, String> {
    let library = load().ok_or_else(|| {
        format!(
            "no HIP runtime found ({} could not be loaded; install ROCm)",
            LIBRARIES.join(" / ")
        )
    })?;
    // SAFETY: the symbols are declared with the signatures of the HIP runtime API, and every
    // out-pointer is a live local.
    unsafe {
        let init = library
            .get::<unsafe extern "C" fn(u32) -> c_int>(b"hipInit\0")
            .map_err(|e| format!("the HIP runtime library lacks hipInit: {e}"))?;
        let status = init(0);
        if status != 0 {
            return Err(format!(
                "the HIP runtime failed to initialise (hipInit error {status}); is an AMD GPU \
                 present?"
            ));
        }
        let get_count = library
            .get::<unsafe extern "C" fn(*mut c_int) -> c_int>(b"hipGetDeviceCount\0")
            .map_err(|e| e.to_string())?;
        let mut count = 0;
        if get_count(&mut count) != 0 || count == 0 {
            return Err("the HIP runtime reports no AMD GPU".into());
        }
        let get_name = library
            .get::<unsafe extern "C" fn(*mut c_char, c_int, c_int) -> c_int>(b"hipDeviceGetName\0")
            .map_err(|e| e.to_string())?;
        let get_version = library
            .get::<unsafe extern "C" fn(*mut c_int) -> c_int>(b"hipRuntimeGetVersion\0")
            .map_err(|e| e.to_string())?;
        let mut runtime_version = 0;
        get_version(&mut runtime_version);
        Ok((0..count)
            .map(|ordinal| {
                let mut name = [0 as c_char; 256];
                let device_name = if get_name(name.as_mut_ptr(), 256, ordinal) == 0 {
                    std::ffi::CStr::from_ptr(name.as_ptr())
                        .to_string_lossy()
                        .trim()
                        .to_owned()
                } else {
                    format!("AMD GPU {ordinal}")
                };
                HipDevice {
                    ordinal,
                    device_name,
                    runtime_version,
                }
            })
            .collect())
    }
}

/// Bytes free on HIP device `ordinal` now (`hipMemGetInfo` after `hipSetDevice` on this
/// thread); `None` where the runtime does not answer.
#[cfg(feature = "rocm")]
pub fn free_memory(ordinal: usize) -> Option<u64> {
    let library = load()?;
    let ordinal = c_int::try_from(ordinal).ok()?;
    // SAFETY: the symbols are declared with the signatures of the HIP runtime API and the
    // out-pointers are live locals.
    unsafe {
        let set_device = library
            .get::<unsafe extern "C" fn(c_int) -> c_int>(b"hipSetDevice\0")
            .ok()?;
        let mem_get_info = library
            .get::<unsafe extern "C" fn(*mut usize, *mut usize) -> c_int>(b"hipMemGetInfo\0")
            .ok()?;
        if set_device(ordinal) != 0 {
            return None;
        }
        let (mut free, mut total) = (0usize, 0usize);
        (mem_get_info(&mut free, &mut total) == 0).then_some(free as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_runtime_version() {
        let device = HipDevice {
            ordinal: 0,
            device_name: "AMD Instinct MI300X".into(),
            runtime_version: 60_241_512,
        };
        assert_eq!(device.runtime_label(), "HIP runtime 6.2");
        assert_eq!(
            device.to_string(),
            "HIP device 0: AMD Instinct MI300X (HIP runtime 6.2)"
        );
    }
}
