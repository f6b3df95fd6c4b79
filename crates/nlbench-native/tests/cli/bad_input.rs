//! Bad input and faults, one table: every case gets a clear one-line error (no panic, no
//! backtrace), the exit status its kind calls for (2 for usage, 1 for a device or file that
//! cannot be used), and leaves an earlier run's results in the output folder untouched.
//! Share links and the dashboard form go through the library functions the page calls.

use std::{path::Path, sync::OnceLock};

use crate::common::{SHORT, nlbench};
use nlbench::config::{BenchConfig, Request};
use nlbench_report::share;

/// What a case passes: command-line words, and files it needs, written into its folder.
struct Case {
    args: &'static [&'static str],
    files: &'static [(&'static str, &'static str)],
    code: i32,
    message: &'static str,
}

const fn case(args: &'static [&'static str], code: i32, message: &'static str) -> Case {
    Case {
        args,
        files: &[],
        code,
        message,
    }
}

const fn with_file(
    args: &'static [&'static str],
    files: &'static [(&'static str, &'static str)],
    code: i32,
    message: &'static str,
) -> Case {
    Case {
        args,
        files,
        code,
        message,
    }
}

const CLI: &[Case] = &[
    case(
        &["--batch-sizes", "0"],
        2,
        "batch sizes must be between 1 and 1048576, got 0",
    ),
    case(&["--batch-sizes", "2000000"], 2, "got 2000000"),
    case(
        &["--batch-sizes", "1,abc"],
        2,
        "batch sizes: 'abc' is not valid",
    ),
    case(&["--batch-sizes", "-4"], 2, "'-4' is not valid"),
    case(&["--sizes", "huge"], 2, "unknown model size 'huge'"),
    case(&["--precision", "f64"], 2, "unknown precision 'f64'"),
    case(
        &["--iterations", "0"],
        2,
        "iterations must be between 1 and 100000, got 0",
    ),
    case(
        &["--iterations", "-1"],
        2,
        "iterations: '-1' is not a valid number",
    ),
    case(&["--iterations", "1000000"], 2, "between 1 and 100000"),
    case(
        &["--warmup-ms", "-5"],
        2,
        "warm-up must be between 0 and 600000 ms",
    ),
    case(&["--warmup-ms", "NaN"], 2, "warm-up must be between"),
    case(
        &["--input-dim", "0"],
        2,
        "input width must be between 1 and 65536",
    ),
    case(
        &["--input-dim", "100000"],
        2,
        "input width must be between 1 and 65536",
    ),
    case(
        &["--hidden-dim", "0"],
        2,
        "hidden width must be between 1 and 65536",
    ),
    case(
        &["--layers", "1"],
        2,
        "layers must be between 2 and 64, got 1",
    ),
    case(
        &["--layers", "65"],
        2,
        "layers must be between 2 and 64, got 65",
    ),
    case(
        &["--target-ci", "0"],
        2,
        "interval target must be above 0 %",
    ),
    case(&["--target-ci", "80"], 2, "at most 50 %"),
    case(
        &["--max-time-ms", "1e9"],
        2,
        "sampling time cap must be between",
    ),
    case(&["--repeat", "0"], 2, "repeat must be between 1 and 100"),
    case(&["--seed", "-1"], 2, "seed: '-1' is not a valid number"),
    case(&["--suite", "gpu"], 2, "unknown suite 'gpu'"),
    case(&["--clock", "fast"], 2, "unknown clock 'fast'"),
    case(&["--paths", "cuda"], 2, "unknown path 'cuda'"),
    case(
        &["--backend", "dx12"],
        1,
        "DX12 is only available on Windows",
    ),
    case(
        &["--backend", "metal"],
        1,
        "Metal is only available on macOS",
    ),
    case(
        &["--clock", "device"],
        2,
        "the headline figure is always timed on the host clock",
    ),
    case(
        &["--backend", "cpu", "--clock", "both"],
        2,
        "--clock both: the CPU backend has no device clock",
    ),
    case(
        &["--backend", "cpu", "--paths", "reference"],
        2,
        "the WGSL reference needs a wgpu device",
    ),
    case(
        &["--backend", "cpu", "--paths", "burn,reference"],
        2,
        "--paths reference: the CPU backend runs burn only",
    ),
    case(&["--config", "missing.toml"], 2, "cannot read config file"),
    with_file(
        &["--config", "c.toml"],
        &[("c.toml", "batch_sizes = [1,\n")],
        2,
        "config file",
    ),
    with_file(
        &["--config", "c.toml"],
        &[("c.toml", "bogus = 1\n")],
        2,
        "unknown field `bogus`",
    ),
    with_file(
        &["--config", "c.toml"],
        &[("c.toml", "[[models]]\nname = \"m\"\ninput_dim = 8\n")],
        2,
        "missing field `hidden_dim`",
    ),
    with_file(
        &["--config", "c.toml"],
        &[("c.toml", "batch_sizes = [0]\n")],
        2,
        "batch sizes must be between",
    ),
    with_file(
        &["--config", "c.toml"],
        &[(
            "c.toml",
            "[[models]]\nname = \"m\"\ninput_dim = 8\nhidden_dim = 4\n\
             [[models]]\nname = \"m\"\ninput_dim = 8\nhidden_dim = 4\n",
        )],
        2,
        "model name 'm' is used twice",
    ),
    with_file(
        &["--config", "c.toml"],
        &[(
            "c.toml",
            "[[models]]\nname = \"m\"\ninput_dim = 8\nhidden_dim = 4\nlayers = 100\n",
        )],
        2,
        "layers must be between 2 and 64",
    ),
    with_file(
        &["--config", "c.toml"],
        &[("c.toml", "iterations = -3\n")],
        2,
        "config file",
    ),
    case(&["--resume", "--backend", "cpu"], 2, "no interrupted run"),
    with_file(
        &["compare", "a.json"],
        &[("a.json", "{}")],
        2,
        "compare needs at least two results; found 1",
    ),
    case(
        &["compare", "missing-a.json", "missing-b.json"],
        1,
        "cannot read",
    ),
    with_file(
        &["compare", "a.json", "b.json"],
        &[("a.json", "{\"schema_version\": 99}"), ("b.json", "{}")],
        1,
        "newer nlbench",
    ),
    with_file(
        &["compare", "a.json", "b.json"],
        &[("a.json", "{\"hello\": 1}"), ("b.json", "{}")],
        1,
        "not an nlbench result",
    ),
    with_file(
        &["compare", "a.json", "b.json"],
        &[("a.json", "{\"schema_version\": 3"), ("b.json", "{}")],
        1,
        "not a valid nlbench result",
    ),
    case(
        &["compare", "empty", "other"],
        2,
        "no results.json under this folder",
    ),
    case(
        &[
            "--backend",
            "cpu",
            "--export-csv",
            "no-such-folder/rows.csv",
        ],
        2,
        "no-such-folder: no such folder for the export",
    ),
    case(
        &["compare", "a.json", "b.json", "--export-jsonl", "."],
        2,
        ".: is a folder; the export needs a file name",
    ),
    with_file(
        &["--backend", "cpu", "--out", "file.txt"],
        &[("file.txt", "not a folder")],
        2,
        "cannot create output folder",
    ),
];

/// A folder with a finished run's results, made once and copied into every case.
fn earlier_run() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let output = nlbench()
            .args(["--backend", "cpu"])
            .args(SHORT)
            .arg("--out")
            .arg(dir.path().join("results"))
            .output()
            .unwrap();
        assert!(output.status.success());
        dir
    })
    .path()
}

#[test]
fn every_bad_input_is_one_line_with_its_exit_code_and_loses_nothing() {
    assert!(CLI.len() >= 40, "the table holds {} cases", CLI.len());
    let earlier = earlier_run().join("results");
    let json = std::fs::read(earlier.join("results.json")).unwrap();
    for case in CLI {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("results");
        std::fs::create_dir(&out).unwrap();
        for entry in std::fs::read_dir(&earlier).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), out.join(entry.file_name())).unwrap();
        }
        for (name, text) in case.files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        std::fs::create_dir(dir.path().join("empty")).unwrap();
        let mut command = nlbench();
        command.current_dir(dir.path()).args(case.args);
        if !case.args.contains(&"compare") && !case.args.contains(&"--out") {
            command.arg("--out").arg(&out);
        }
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let args = case.args;
        assert_eq!(output.status.code(), Some(case.code), "{args:?}: {stderr}");
        assert!(stderr.contains(case.message), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        // The chosen device (and the tuning it starts from) are named before a
        // device-dependent error; then one error line.
        let lines: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.starts_with("device: ") && !l.starts_with("tuning: "))
            .collect();
        let first = lines.first().copied().unwrap_or_default();
        assert!(first.starts_with("error: "), "{args:?}: {stderr}");
        // clap adds a usage hint after its own errors; nlbench's are one line.
        if !first.contains("invalid value") {
            assert_eq!(lines.len(), 1, "{args:?}: {stderr}");
        }
        assert_eq!(
            std::fs::read(out.join("results.json")).unwrap(),
            json,
            "{args:?}: the earlier results changed"
        );
        assert!(!out.join("earlier").exists(), "{args:?}: nothing moved");
    }
}

#[test]
fn bad_share_links_and_form_entries_are_sentences() {
    let links: [(&str, &str); 6] = [
        ("", "holds no nlbench result"),
        ("#r=", "holds no nlbench result"),
        ("r=7.AAAA", "newer nlbench"),
        ("r=1.!!!!", "damaged"),
        ("r=1.AAAA", "damaged"),
        ("r=hello", "damaged"),
    ];
    for (link, needle) in links {
        let err = share::decode(link).unwrap_err().to_string();
        assert!(err.contains(needle), "{link}: {err}");
    }
    let long = format!("r=1.{}", "A".repeat(share::MAX_PAYLOAD_CHARS + 1));
    assert!(
        share::decode(&long)
            .unwrap_err()
            .to_string()
            .contains("too long")
    );

    // The dashboard's form fills a Request as the command line does.
    let form: [(Request, &str); 5] = [
        (
            Request {
                batch_sizes: Some("1, x".into()),
                ..Request::default()
            },
            "batch sizes: 'x' is not valid",
        ),
        (
            Request {
                layers: Some("1".into()),
                ..Request::default()
            },
            "layers must be between 2 and 64",
        ),
        (
            Request {
                warmup_ms: Some("soon".into()),
                ..Request::default()
            },
            "warm-up (ms): 'soon' is not a valid number",
        ),
        (
            Request {
                precisions: Some("fp8".into()),
                ..Request::default()
            },
            "unknown precision 'fp8'",
        ),
        (
            Request {
                hidden_dim: Some("70000".into()),
                ..Request::default()
            },
            "hidden width must be between 1 and 65536",
        ),
    ];
    for (request, needle) in form {
        let err = request.resolve(BenchConfig::quick()).unwrap_err().0;
        assert!(err.contains(needle), "{request:?}: {err}");
    }
}
