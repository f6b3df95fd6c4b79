//! What the vendors' own stacks share (NVIDIA's CUDA, AMD's ROCm): burn's backend for them is
//! a crate feature, and their driver or runtime library is loaded and asked first, since
//! burn's bindings panic deep inside when it is missing. Each stack says how to ask its
//! library and how to open one of its devices; listing, choosing and the one-line messages are
//! here, once.

use std::{fmt::Display, marker::PhantomData};

use nlbench::device::DeviceInfo;

use super::{Backend, Listed, Selected};

/// One vendor's stack.
pub trait Stack: Sync + 'static {
    /// What its library reports about one device.
    type Device: Clone + Display + 'static;
    /// Its value of `--backend`, which is also its crate feature's name.
    const NAME: &'static str;
    /// How messages name it: `CUDA`, `ROCm`.
    const TITLE: &'static str;
    /// Whether this build has burn's backend for it.
    const COMPILED: bool;
    /// Why a device is chosen when its library reports one.
    const FOUND: &'static str;
    /// Why there is none when its library reports none.
    const NONE: &'static str;

    /// Its devices, or why its library cannot say (missing, failing to start).
    fn probe() -> Result<Vec<Self::Device>, String>;
    /// The device's identity before burn opens it.
    fn info(device: &Self::Device) -> DeviceInfo;
    /// Opens the device for burn (called only where [`Self::COMPILED`]).
    fn open(device: Self::Device, reason: &str) -> Result<Selected, String>;
}

/// A vendor's stack as a backend of the registry.
pub struct Vendor<S>(PhantomData<S>);

impl<S> Vendor<S> {
    pub const BACKEND: Self = Self(PhantomData);
}

impl<S: Stack> Backend for Vendor<S> {
    fn name(&self) -> &'static str {
        S::NAME
    }

    fn list(&self) -> Vec<Listed> {
        let devices = match S::probe() {
            Ok(devices) if S::COMPILED => devices,
            _ => return Vec::new(),
        };
        devices
            .into_iter()
            .map(|device| Listed {
                info: S::info(&device),
                timestamps: true,
                open: Box::new(move |reason| selected::<S>(device.clone(), reason)),
            })
            .collect()
    }

    fn select(&self) -> Result<Selected, String> {
        first::<S>()
    }

    fn auto(&self) -> Option<Result<Selected, String>> {
        Some(first::<S>().map_err(|reason| format!("{}: {reason}", S::TITLE)))
    }

    fn missing(&self) -> Option<String> {
        match S::probe() {
            Err(reason) if S::COMPILED => Some(format!("{}: {reason}", S::TITLE)),
            _ => None,
        }
    }
}

/// The message for a build without the stack's backend.
pub fn not_compiled<S: Stack>() -> String {
    format!(
        "the {} backend is not compiled in (rebuild with `--features {}`)",
        S::TITLE,
        S::NAME
    )
}

/// The stack's first device, where its backend is compiled in and its library is present.
fn first<S: Stack>() -> Result<Selected, String> {
    let devices = S::probe().map_err(|reason| {
        if S::COMPILED {
            reason
        } else {
            not_compiled::<S>()
        }
    })?;
    let first = devices.into_iter().next().ok_or(S::NONE)?;
    selected::<S>(first, S::FOUND)
}

fn selected<S: Stack>(device: S::Device, reason: &str) -> Result<Selected, String> {
    if S::COMPILED {
        S::open(device, reason)
    } else {
        Err(format!(
            "{}, though this machine has {device}",
            not_compiled::<S>()
        ))
    }
}
