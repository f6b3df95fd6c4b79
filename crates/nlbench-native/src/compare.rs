//! `nlbench-native compare`: several results side by side. Arguments are `results.json`
//! files or folders, searched for every `results.json` under them (a CI matrix's artifacts,
//! a cluster's job array).

use std::path::{Path, PathBuf};

use nlbench::schema::ResultSet;
use nlbench_report::RESULTS_FILE;

use crate::{Failure, link, output};

/// Reads every result (the first error stops, naming the file), writes the comparison and
/// its share link; returns the results read, in their order.
pub fn compare(
    inputs: &[PathBuf],
    out: &Path,
    share_base: &str,
    print_link: bool,
) -> Result<Vec<ResultSet>, Failure> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let found = find_results(input).map_err(Failure::other)?;
            if found.is_empty() {
                return Err(Failure::usage(format!(
                    "{}: no {RESULTS_FILE} under this folder",
                    input.display()
                )));
            }
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
    if files.len() < 2 {
        return Err(Failure::usage(format!(
            "compare needs at least two results; found {}",
            files.len()
        )));
    }
    let results = files
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::other(format!("cannot read {}: {e}", path.display())))?;
            ResultSet::from_json(&text)
                .map_err(|e| Failure::other(format!("{}: {e}", path.display())))
        })
        .collect::<Result<Vec<_>, _>>()?;
    std::fs::create_dir_all(out).map_err(|e| {
        Failure::other(format!(
            "cannot create output folder {}: {e}",
            out.display()
        ))
    })?;
    write(out, &results)?;
    link::publish(out, share_base, &results, print_link);
    Ok(results)
}

/// Writes the comparison of `results` into `out` and lists what it wrote; a file that could
/// not be written fails the command (after the others are written).
pub fn write(out: &Path, results: &[ResultSet]) -> Result<(), Failure> {
    let (written, failed) = output::write_comparison(out, results);
    for path in &written {
        println!("wrote {}", path.display());
    }
    Failure::unwritten(&failed)
}

/// Every `results.json` under `dir`, in path order, not following links (the earlier results
/// a run keeps aside included).
fn find_results(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder)
            .map_err(|e| format!("cannot read {}: {e}", folder.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read {}: {e}", folder.display()))?;
            let kind = entry
                .file_type()
                .map_err(|e| format!("cannot read {}: {e}", entry.path().display()))?;
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() && entry.file_name() == RESULTS_FILE {
                found.push(entry.path());
            }
        }
    }
    found.sort();
    Ok(found)
}
