//! One error type for everything a run can meet. Each configuration that fails records its
//! [`ErrorKind`] and message in `results.json`, the reports show the kind, and the command line
//! maps kinds to exit codes, so an out-of-memory can be told from a rejected kernel.

use serde::{Deserialize, Serialize};

/// What went wrong, in the categories a reader acts on differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The configuration or the input cannot be run as given.
    Invalid,
    /// The device cannot run it (a precision or feature it lacks).
    Unsupported,
    /// The device or the host ran out of memory, or a pre-flight check showed it would.
    OutOfMemory,
    /// The device refused a kernel (validation, compilation, resource limits).
    KernelRejected,
    /// The device was lost or stopped answering.
    DeviceLost,
    /// The output differs from burn's on the same weights and input beyond the tolerance.
    WrongResult,
    /// The user stopped the run (Ctrl-C, the dashboard's Stop).
    Interrupted,
    /// The process running it died (an allocation that aborts, a signal, the kernel's OOM
    /// killer, a driver that crashed) and the command line's supervisor recorded it (schema
    /// version 7).
    Crashed,
    /// It ran far past its expected time and the supervisor's watchdog ended it (schema
    /// version 7).
    TimedOut,
    /// Reading or writing a file failed.
    Io,
    /// Any other failure inside the backend (a panic, an error without a recognisable cause).
    Backend,
}

impl ErrorKind {
    /// The words reports put before the message.
    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::Invalid => "invalid configuration",
            ErrorKind::Unsupported => "unsupported on this device",
            ErrorKind::OutOfMemory => "out of memory",
            ErrorKind::KernelRejected => "kernel rejected",
            ErrorKind::DeviceLost => "device lost",
            ErrorKind::WrongResult => "wrong result",
            ErrorKind::Interrupted => "interrupted",
            ErrorKind::Crashed => "crashed",
            ErrorKind::TimedOut => "timed out",
            ErrorKind::Io => "I/O error",
            ErrorKind::Backend => "backend error",
        }
    }

    /// Exit status of a command line that stops with this kind: 2 for usage errors (as
    /// clap and most Unix tools use), 130 for an interrupt (128 + SIGINT), 1 otherwise.
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::Invalid => 2,
            ErrorKind::Interrupted => 130,
            _ => 1,
        }
    }

    /// The kind a backend's message most likely describes. Backends report failures as text
    /// (a panic message, a wgpu validation error, a CUDA error name); these are the phrases
    /// burn 0.21, cubecl 0.10 and wgpu 29 use.
    pub fn classify(message: &str) -> Self {
        let text = message.to_ascii_lowercase();
        let any = |phrases: &[&str]| phrases.iter().any(|p| text.contains(p));
        if any(&[
            "out of memory",
            "outofmemory",
            "out_of_memory",
            "memory allocation",
            "allocation failed",
            "failed to allocate",
            "cannot allocate",
            "exceeds the maximum",
            "buffer size",
        ]) {
            ErrorKind::OutOfMemory
        } else if any(&[
            "device lost",
            "device is lost",
            "devicelost",
            "device_lost",
            // CUDA's sticky errors leave the context unusable: as good as lost.
            "illegal_address",
            "illegal memory access",
            "device was lost",
            "lost the device",
        ]) {
            ErrorKind::DeviceLost
        } else if any(&[
            "validation",
            "shader",
            "compil",
            "pipeline",
            "kernel",
            "launch",
            "invalid resource",
            "too many",
        ]) {
            ErrorKind::KernelRejected
        } else {
            ErrorKind::Backend
        }
    }
}

/// A failure with its kind and a one-line message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RunError {
    pub kind: ErrorKind,
    pub message: String,
}

impl RunError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: first_line(&message.into()),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, message)
    }

    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported, message)
    }

    pub fn io(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Io, message)
    }

    /// A backend's message, its kind read from the text.
    pub fn backend(message: impl Into<String>) -> Self {
        let message = first_line(&message.into());
        Self {
            kind: ErrorKind::classify(&message),
            message,
        }
    }

    /// A panic caught inside the backend, as a run error.
    pub fn from_panic(payload: &(dyn std::any::Any + Send)) -> Self {
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the backend panicked".into());
        Self::backend(text)
    }
}

/// The first non-empty line of a message: backend errors can span many lines (driver dumps,
/// backtraces), and the first one says what happened.
pub fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("unknown error")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_backend_messages() {
        let cases = [
            (
                "Out of memory: could not allocate 4 GiB",
                ErrorKind::OutOfMemory,
            ),
            (
                "Buffer size 68719476736 exceeds the maximum 2147483648",
                ErrorKind::OutOfMemory,
            ),
            (
                "Validation Error: shader module is invalid",
                ErrorKind::KernelRejected,
            ),
            ("the device was lost", ErrorKind::DeviceLost),
            ("Parent device is lost", ErrorKind::DeviceLost),
            (
                "CUDA_ERROR_ILLEGAL_ADDRESS: an illegal memory access was encountered",
                ErrorKind::DeviceLost,
            ),
            ("index out of bounds: the len is 3", ErrorKind::Backend),
        ];
        for (message, kind) in cases {
            assert_eq!(RunError::backend(message).kind, kind, "{message}");
        }
    }

    #[test]
    fn messages_are_one_line_and_codes_follow_kinds() {
        let err = RunError::backend("\n  first line\nsecond line\n");
        assert_eq!(err.message, "first line");
        assert_eq!(ErrorKind::Invalid.exit_code(), 2);
        assert_eq!(ErrorKind::Interrupted.exit_code(), 130);
        assert_eq!(ErrorKind::OutOfMemory.exit_code(), 1);
        let payload: Box<dyn std::any::Any + Send> = Box::new("Out of memory".to_owned());
        assert_eq!(
            RunError::from_panic(payload.as_ref()).kind,
            ErrorKind::OutOfMemory
        );
    }
}

/// A configuration that cannot be run, with a sentence saying why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);
