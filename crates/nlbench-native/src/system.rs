//! The machine a native run happens on, for the report's header.

use nlbench::{
    schema::{MachineInfo, ToolInfo},
    session::Identity,
};
use sysinfo::{CpuRefreshKind, RefreshKind, System};

pub fn machine() -> MachineInfo {
    let system =
        System::new_with_specifics(RefreshKind::nothing().with_cpu(CpuRefreshKind::nothing()));
    let cpu = system
        .cpus()
        .first()
        .map(|cpu| cpu.brand().trim().to_owned())
        .filter(|brand| !brand.is_empty())
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    MachineInfo {
        os: System::long_os_version().unwrap_or_else(|| std::env::consts::OS.to_owned()),
        cpu,
        cpu_cores: std::thread::available_parallelism().ok().map(usize::from),
        browser: None,
    }
}

/// The CPU's vendor string (for example GenuineIntel, AuthenticAMD).
pub fn cpu_vendor() -> String {
    let system =
        System::new_with_specifics(RefreshKind::nothing().with_cpu(CpuRefreshKind::nothing()));
    system
        .cpus()
        .first()
        .map(|cpu| cpu.vendor_id().trim().to_owned())
        .filter(|vendor| !vendor.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// Who runs, where, and now, with what could not be set up as planned.
pub fn identity(notes: &[String]) -> Identity {
    Identity {
        tool: tool(),
        machine: machine(),
        created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        notes: notes.to_vec(),
    }
}

fn tool() -> ToolInfo {
    ToolInfo {
        front_end: env!("CARGO_PKG_NAME").into(),
        version: env!("CARGO_PKG_VERSION").into(),
        burn_version: nlbench::BURN_VERSION.into(),
        git_commit: option_env!("NLBENCH_GIT_COMMIT").map(str::to_owned),
    }
}
