//! How much memory a configuration on the CPU backend may still use: the tightest of the
//! host's available memory, the cgroup's memory limit (v2 `memory.max`, v1
//! `memory.limit_in_bytes`, as sysinfo reads them) and the process's address-space and data
//! limits (`RLIMIT_AS`, `RLIMIT_DATA`, as `ulimit -v` and `ulimit -d` set them). A container
//! or a `ulimit` can leave far less than the host has free, and an allocation past the limit
//! aborts the process: it cannot be caught.

use nlbench::session::Room;
use sysinfo::{MemoryRefreshKind, RefreshKind, System};

/// The least room of every limit that applies now; `None` where none is known.
pub fn host_room() -> Option<Room> {
    let system = System::new_with_specifics(
        RefreshKind::nothing().with_memory(MemoryRefreshKind::nothing().with_ram()),
    );
    let mut rooms = Vec::new();
    if system.available_memory() > 0 {
        rooms.push(Room {
            bytes: system.available_memory(),
            what: "host memory".into(),
        });
    }
    if let Some(cgroup) = system.cgroup_limits()
        && cgroup.total_memory < system.total_memory()
    {
        rooms.push(Room {
            bytes: cgroup.free_memory,
            what: format!(
                "the cgroup's memory limit ({:.1} GB)",
                cgroup.total_memory as f64 / 1e9
            ),
        });
    }
    rooms.extend(process_limits());
    tightest(rooms)
}

fn tightest(rooms: Vec<Room>) -> Option<Room> {
    rooms.into_iter().min_by_key(|room| room.bytes)
}

/// Room under `RLIMIT_AS` and `RLIMIT_DATA`: each soft limit less what the process already
/// maps (`VmSize`) or holds as data (`VmData`).
#[cfg(target_os = "linux")]
fn process_limits() -> Vec<Room> {
    let (Ok(limits), Ok(status)) = (
        std::fs::read_to_string("/proc/self/limits"),
        std::fs::read_to_string("/proc/self/status"),
    ) else {
        return Vec::new();
    };
    rlimit_rooms(&limits, &status)
}

#[cfg(not(target_os = "linux"))]
fn process_limits() -> Vec<Room> {
    Vec::new()
}

/// The rooms `/proc/self/limits` and `/proc/self/status` describe.
#[cfg(any(target_os = "linux", test))]
fn rlimit_rooms(limits: &str, status: &str) -> Vec<Room> {
    [
        ("Max address space", "VmSize:", "RLIMIT_AS, ulimit -v"),
        ("Max data size", "VmData:", "RLIMIT_DATA, ulimit -d"),
    ]
    .into_iter()
    .filter_map(|(limit, used, name)| {
        let limit = soft_limit(limits, limit)?;
        let used = status_kb(status, used)? * 1024;
        Some(Room {
            bytes: limit.saturating_sub(used),
            what: format!(
                "the process's memory limit ({:.1} GB, {name})",
                limit as f64 / 1e9
            ),
        })
    })
    .collect()
}

/// The soft limit in bytes of the `/proc/self/limits` row `name`; `None` when unlimited.
#[cfg(any(target_os = "linux", test))]
fn soft_limit(limits: &str, name: &str) -> Option<u64> {
    let row = limits.lines().find(|l| l.starts_with(name))?;
    row[name.len()..].split_whitespace().next()?.parse().ok()
}

/// A `/proc/self/status` figure in kB.
#[cfg(any(target_os = "linux", test))]
fn status_kb(status: &str, key: &str) -> Option<u64> {
    let row = status.lines().find(|l| l.starts_with(key))?;
    row[key.len()..].split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: &str = "\
Limit                     Soft Limit           Hard Limit           Units
Max data size             unlimited            unlimited            bytes
Max stack size            8388608              unlimited            bytes
Max address space         8192000000           8192000000           bytes
";
    const STATUS: &str = "Name:\tnlbench-native\nVmSize:\t 2000000 kB\nVmData:\t  500000 kB\n";

    #[test]
    fn an_address_space_limit_leaves_what_is_not_mapped_yet() {
        let rooms = rlimit_rooms(LIMITS, STATUS);
        assert_eq!(rooms.len(), 1, "the data size is unlimited");
        assert_eq!(rooms[0].bytes, 8_192_000_000 - 2_000_000 * 1024);
        assert!(rooms[0].what.contains("RLIMIT_AS"), "{}", rooms[0].what);
        let host = Room {
            bytes: 20_000_000_000,
            what: "host memory".into(),
        };
        let least = tightest(vec![host, rooms[0].clone()]).unwrap();
        assert!(least.what.contains("ulimit -v"));
        assert!(tightest(Vec::new()).is_none());
    }

    #[test]
    fn this_process_has_room_under_some_limit() {
        let room = host_room().expect("the host's available memory at least");
        assert!(room.bytes > 0, "{room:?}");
    }
}
