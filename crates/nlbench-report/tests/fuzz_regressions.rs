//! Replays every input kept in `tests/fuzz_regressions/<target>/`: the inputs that once broke
//! a fuzz target (see `fuzz/`), and hand-made hostile ones, against the promises in
//! `nlbench_report::untrusted`. A panic fails the test.

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        eprintln!("replaying {}", path.display());
        check(&data);
        count += 1;
    }
    assert!(count > 0, "{} holds no inputs", dir.display());
}

#[test]
fn share_links() {
    replay("share_link", nlbench_report::untrusted::share_link);
}

#[test]
fn results_files() {
    replay("results_json", nlbench_report::untrusted::results_json);
}

#[test]
fn config_files_and_form_fields() {
    replay("config", nlbench_report::untrusted::config);
}
