//! A WebGPU device the browser takes away (`GPUDevice.lost`: a driver reset, a GPU process
//! crash, `destroy()`): the configuration that was running is recorded as failed with the
//! browser's reason, and the run goes on with a new device where the browser gives one.

use std::cell::RefCell;

use nlbench::{
    error::ErrorKind,
    session::{Piece, checkpoint::Checkpoint},
};

thread_local! {
    /// Why the browser took the device in use away, once it has.
    static LOST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Listens for the loss of `device`, forgetting any earlier device's.
pub fn watch(device: &wgpu::Device) {
    LOST.with(|lost| lost.borrow_mut().take());
    device.set_device_lost_callback(|reason, message| {
        let reason = match reason {
            wgpu::DeviceLostReason::Destroyed => format!("destroyed ({message})"),
            wgpu::DeviceLostReason::Unknown => message,
        };
        LOST.with(|lost| *lost.borrow_mut() = Some(reason));
    });
}

/// The browser's reason, once the device in use is lost.
pub fn reason() -> Option<String> {
    LOST.with(|lost| lost.borrow().clone())
}

/// The stop reason a lost device gives the session.
pub fn stop_reason(reason: &str) -> String {
    format!("the browser lost the WebGPU device: {reason}")
}

/// Records the loss in `checkpoint`: the configuration `running` when it came, where it
/// failed, becomes a `device_lost` failure with the browser's reason. Returns the note for
/// the results: the run went on with a new device.
pub fn record(
    checkpoint: &mut Checkpoint,
    running: Option<(Piece, String)>,
    reason: &str,
) -> String {
    let stop = stop_reason(reason);
    let Some((piece, label)) = running else {
        return format!("{stop}; the run went on with a new device");
    };
    if let Some(last) = checkpoint.lines.last_mut()
        && piece.is_answered_by(last)
        && last.failure().is_some()
    {
        *last = piece.lost(ErrorKind::DeviceLost, &stop);
    }
    format!("{stop}, during {label}; the run went on with a new device")
}
