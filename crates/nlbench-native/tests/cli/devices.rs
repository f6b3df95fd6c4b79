//! Every device of the machine: listing them, choosing one by index or by name, running the
//! plan on all of them with one comparison, comparing folders, fused and unfused burn on one
//! clock, and the GPU check's refusal where there is no NVIDIA driver.

use std::{path::Path, process::Command};

use crate::common::{BRIEF, SHORT, nlbench, results, succeeded};

use nlbench::{
    precision::Precision,
    schema::{ClockKind, DeviceClock, Outcome, PathId},
};

fn run(args: &[&str], out: &Path) -> std::process::Output {
    nlbench().args(args).arg("--out").arg(out).output().unwrap()
}

/// The index column of `devices` for the row that mentions `name`.
fn index_of(listing: &str, name: &str) -> String {
    listing
        .lines()
        .find(|l| l.contains(name))
        .and_then(|l| l.split(['│', '┆']).nth(1))
        .map(|cell| cell.trim().to_owned())
        .unwrap_or_else(|| panic!("{name} is not listed:\n{listing}"))
}

#[test]
fn devices_are_listed_and_chosen_by_index_or_name() {
    let listing = |columns: usize| {
        let output = nlbench()
            .arg("devices")
            .env("COLUMNS", columns.to_string())
            .output()
            .unwrap();
        assert!(output.status.success());
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    // A narrow terminal keeps the index and the device, dropping the timestamps first.
    let narrow = listing(80);
    assert!(narrow.lines().all(|l| l.chars().count() <= 80), "{narrow}");
    assert!(
        narrow.contains("Index") && narrow.contains("llvmpipe"),
        "{narrow}"
    );
    assert!(!narrow.contains("Timestamps"), "{narrow}");
    let listing = listing(200);
    for column in [
        "Index",
        "Vendor",
        "Type",
        "API",
        "Driver",
        "Compiler",
        "Half",
        "Subgroups",
        "Matrix units",
        "Timestamps",
    ] {
        assert!(listing.contains(column), "{column}:\n{listing}");
    }
    // lavapipe has what cubecl's SPIR-V compiler needs, FP16, and no matrix units; the CPU
    // backend compiles nothing.
    let cells = |name: &str| -> Vec<String> {
        let line = listing.lines().find(|l| l.contains(name)).unwrap();
        line.split(['│', '┆'])
            .map(|c| c.trim().to_owned())
            .collect()
    };
    let lavapipe_cells = cells("llvmpipe");
    for expected in ["spirv", "f16", "no", "none"] {
        assert!(
            lavapipe_cells.iter().any(|c| c == expected),
            "{expected}: {lavapipe_cells:?}"
        );
    }
    assert!(cells("Flex (CPU)").iter().any(|c| c == "cpu"), "{listing}");
    assert!(
        listing.contains("llvmpipe") && listing.contains("software"),
        "{listing}"
    );
    assert!(
        listing.contains("Flex (CPU)") && listing.contains("CPU"),
        "{listing}"
    );
    let lavapipe = index_of(&listing, "llvmpipe");

    let dir = tempfile::tempdir().unwrap();
    let by_index = dir.path().join("index");
    let output = run(
        &[&SHORT[..], &["--device", &lavapipe, "--paths", "burn"]].concat(),
        &by_index,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(results(&by_index).device.name.contains("llvmpipe"));

    let by_name = dir.path().join("name");
    let output = run(&[&SHORT[..], &["--device", "flex"]].concat(), &by_name);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(results(&by_name).device.backend, "cpu");

    let output = run(
        &[&SHORT[..], &["--device", "no-such-gpu"]].concat(),
        &by_name,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no device matches 'no-such-gpu'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("llvmpipe") && stderr.contains("Flex (CPU)"),
        "the list: {stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    let output = run(&[&SHORT[..], &["--device", "99"]].concat(), &by_name);
    assert_eq!(output.status.code(), Some(2));
}

/// `--backend auto` on a machine whose only GPU adapter is a software one (lavapipe here)
/// runs on the CPU backend and says why; a machine with a hardware GPU runs there instead.
#[test]
fn auto_passes_a_software_adapter_over_for_the_cpu() {
    let listing = succeeded(nlbench().arg("devices").output().unwrap());
    let listing = String::from_utf8_lossy(&listing.stdout).into_owned();
    if ["discrete", "integrated", "virtual"]
        .iter()
        .any(|kind| listing.contains(kind))
    {
        eprintln!("skipped: this machine has a hardware GPU, which auto picks");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("auto");
    let output = succeeded(run(&SHORT, &out));
    assert_eq!(results(&out).device.backend, "cpu");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let picked = stderr
        .lines()
        .find(|l| l.starts_with("device:"))
        .unwrap_or_else(|| panic!("no device line: {stderr}"));
    assert!(picked.contains("the CPU backend"), "{picked}");
    if listing.contains("llvmpipe") {
        assert!(
            picked.contains("llvmpipe") && picked.contains("software adapter"),
            "{picked}"
        );
        assert!(picked.contains("--backend vulkan"), "{picked}");
    }
}

#[test]
fn all_devices_writes_a_folder_each_and_one_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("all");
    let output = nlbench()
        .args(["--all-devices", "--include-software", "--quick"])
        .args([
            "--sizes",
            "small",
            "--batch-sizes",
            "1,16",
            "--precision",
            "f32",
        ])
        .args(["--target-ci", "off", "--paths", "burn", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let folders: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().join("results.json").is_file())
        .collect();
    assert_eq!(folders.len(), 2, "lavapipe and the CPU: {folders:?}");
    let comparison = std::fs::read_to_string(out.join("COMPARISON.md")).unwrap();
    assert!(comparison.contains("llvmpipe") && comparison.contains("Flex (CPU)"));
    assert!(out.join("comparison_throughput.png").is_file());

    // `compare` on the folder finds both results.
    let compared = dir.path().join("compared");
    succeeded(
        nlbench()
            .arg("compare")
            .arg(&out)
            .arg("--out")
            .arg(&compared)
            .output()
            .unwrap(),
    );
    let report = std::fs::read_to_string(compared.join("COMPARISON.md")).unwrap();
    assert!(report.contains("| 2 "), "two results: {report}");

    // Without --include-software this machine has no device to run on.
    let output = nlbench()
        .args(["--all-devices", "--quick", "--out"])
        .arg(dir.path().join("none"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !stderr.contains("discrete") {
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("--include-software"), "{stderr}");
    }
}

/// `--paths burn,unfused` on lavapipe: both headlines on the host clock, so their ratio is
/// fusion's effect; each row's device time (timestamps, burn without fusion) beside them.
#[test]
fn fused_and_unfused_burn_on_one_clock_with_device_time_beside() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("both");
    let output = run(
        &[
            &SHORT[..],
            &[
                "--backend",
                "vulkan",
                "--clock",
                "both",
                "--paths",
                "burn,unfused",
            ],
        ]
        .concat(),
        &out,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results = results(&out);
    assert_eq!(results.path_ids(), [PathId::Burn, PathId::BurnUnfused]);
    assert!(results.paths[0].fusion && !results.paths[1].fusion);
    for path in &results.paths {
        assert_eq!(path.clock, ClockKind::Host);
        assert!(path.timing.clock.contains("Instant"), "{path:?}");
        match &path.device_time {
            Some(DeviceClock::Timed { timing, fusion }) => {
                assert!(timing.clock.starts_with("device timestamps"), "{timing:?}");
                assert!(!fusion, "natively device time is burn without fusion");
            }
            other => panic!("{other:?}"),
        }
    }
    for path in [PathId::Burn, PathId::BurnUnfused] {
        let m = results
            .measured_on(path, "small", Precision::F32, 1)
            .unwrap_or_else(|| panic!("{path:?}"));
        assert_eq!(m.clock, ClockKind::Host);
        assert!(
            m.device_time.as_ref().and_then(|d| d.measured()).is_some(),
            "{path:?}: {:?}",
            m.device_time
        );
    }
    let report = std::fs::read_to_string(out.join("BENCHMARK_REPORT.md")).unwrap();
    assert!(
        report.contains("burn ÷ burn unfused (host clock)"),
        "the ratio of the two headlines"
    );
}

#[test]
fn the_gpu_check_says_plainly_when_there_is_no_gpu_driver() {
    let has_driver = Command::new("bash")
        .args([
            "-c",
            "ldconfig -p | grep -q 'libcuda.so\\|libamdhip64.so' || command -v nvidia-smi \
             || compgen -G '/opt/rocm*/lib/libamdhip64.so*'",
        ])
        .status()
        .is_ok_and(|s| s.success());
    if has_driver {
        eprintln!("skipped: this machine has an NVIDIA driver or ROCm, where the check would run");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/gpu-check.sh");
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new("bash")
        .arg(script)
        .arg(dir.path().join("check"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("no NVIDIA driver") && stderr.contains("no HIP runtime"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("check").exists(),
        "nothing was built or written"
    );
}

/// A precision burn's SPIR-V kernels cannot use on lavapipe (it has no bfloat16 for them)
/// fails its row as unsupported, naming the Vulkan extension the device lacks.
#[test]
fn a_precision_the_compiler_lacks_names_what_the_device_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bf16");
    let asked = [
        "--backend",
        "vulkan",
        "--sizes",
        "small",
        "--batch-sizes",
        "1",
        "--precision",
        "bf16",
    ];
    let output = run(&[&asked[..], &BRIEF[..]].concat(), &out);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results = results(&out);
    let burn = results
        .inference
        .iter()
        .find(|r| r.path == PathId::Burn)
        .expect("burn's bf16 row");
    match &burn.outcome {
        Outcome::Unsupported { reason } => {
            assert!(reason.contains("VK_KHR_shader_bfloat16"), "{reason}")
        }
        other => panic!("bf16 on lavapipe: {other:?}"),
    }
}
