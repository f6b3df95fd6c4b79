//! Tunings kept across runs on lavapipe: a second run reuses what the first tuned and still
//! names every kernel; a damaged cache is set aside with a warning; `--retune` tunes afresh.

use std::path::Path;

use crate::common::{SHORT, nlbench, results, succeeded};
use nlbench::schema::{Outcome, PathId, ResultSet, Tuning};

/// The tests' short run (batch 1, whose matrix-vector kernels cubecl still tunes) of burn
/// and the reference, keeping tunings in `cache`. Returns the results and the standard error.
fn run(cache: &Path, extra: &[&str]) -> (ResultSet, String) {
    let out = tempfile::tempdir().unwrap();
    let output = succeeded(
        nlbench()
            .env("NLBENCH_CACHE_DIR", cache)
            .args(SHORT)
            .args(["--backend", "vulkan", "--clock", "host"])
            .args(["--paths", "burn,reference"])
            .args(extra)
            .arg("--out")
            .arg(out.path())
            .output()
            .unwrap(),
    );
    (
        results(out.path()),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A kernel behind a row: its path, operation, name and tuning.
type Kernel = (PathId, String, String, Option<Tuning>);

/// Every row's kernels; each row must name some.
fn kernels(results: &ResultSet) -> Vec<Kernel> {
    let mut all = Vec::new();
    for record in &results.inference {
        let Outcome::Measured(m) = &record.outcome else {
            panic!("{:?} did not run: {:?}", record.path, record.outcome);
        };
        assert!(!m.kernels.is_empty(), "{:?} names no kernel", record.path);
        for k in &m.kernels {
            all.push((record.path, k.operation.clone(), k.kernel.clone(), k.tuning));
        }
    }
    assert!(all.iter().any(|k| k.0 == PathId::Burn));
    assert!(all.iter().any(|k| k.0 == PathId::Reference));
    all
}

fn all_tuned(kernels: &[Kernel], tuning: Tuning) -> bool {
    kernels.iter().all(|k| k.3 == Some(tuning))
}

#[test]
fn tunings_are_reused_named_retuned_and_survive_damage() {
    let cache = tempfile::tempdir().unwrap();
    let (first, stderr) = run(cache.path(), &[]);
    assert!(stderr.contains("tuning: nothing kept yet"), "{stderr}");
    let tuned = kernels(&first);
    assert!(all_tuned(&tuned, Tuning::Fresh), "{tuned:?}");

    let (second, stderr) = run(cache.path(), &[]);
    assert!(
        stderr.contains("choices kept from earlier runs are reused"),
        "{stderr}"
    );
    let kept = kernels(&second);
    assert!(all_tuned(&kept, Tuning::Reused), "{kept:?}");
    let names = |k: &[Kernel]| {
        k.iter()
            .map(|(p, o, n, _)| (*p, o.clone(), n.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&kept), names(&tuned), "the same kernels, named again");

    // Every kept file cut in half and ended with bytes that are no JSON: the run warns,
    // tunes again what it lost, and still names every kernel.
    let mut damaged = 0;
    for file in walk(cache.path()) {
        let name = file.to_string_lossy();
        if name.ends_with(".jsonl") || name.ends_with(".json.log") {
            let mut bytes = std::fs::read(&file).unwrap();
            bytes.truncate(bytes.len() / 2);
            bytes.extend_from_slice(b"\n\xff\xfe garbage\n");
            std::fs::write(&file, bytes).unwrap();
            damaged += 1;
        }
    }
    assert!(
        damaged >= 2,
        "cubecl's cache and nlbench's memos were written"
    );
    let (repaired, stderr) = run(cache.path(), &[]);
    assert!(stderr.contains("warning: tuning cache file"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // What was lost is tuned again, and may choose differently: every operation is named.
    let operations = |k: &[Kernel]| {
        k.iter()
            .map(|(p, o, ..)| (*p, o.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(operations(&kernels(&repaired)), operations(&tuned));

    let (retuned, stderr) = run(cache.path(), &["--retune"]);
    assert!(stderr.contains("tuning: nothing kept yet"), "{stderr}");
    let fresh = kernels(&retuned);
    assert!(all_tuned(&fresh, Tuning::Fresh), "{fresh:?}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
