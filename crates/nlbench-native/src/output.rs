//! The output folder: every file the library's export plans, written atomically (a temporary
//! file, then a rename), so a crash never leaves half a report; earlier results are kept
//! aside rather than overwritten; the checkpoint is appended line by line.

use std::{
    fs::{File, OpenOptions},
    io::Write,
    path::{Path, PathBuf},
};

use nlbench::{
    schema::ResultSet,
    session::checkpoint::{self, Line},
};
use nlbench_report::{self as export, Options, RESULTS_FILE};

/// The file beside the reports that holds the share link (`link` writes it; an earlier
/// run's is moved aside with its results).
pub const SHARE_LINK_FILE: &str = "share-link.txt";

/// Folder, inside an output folder, where earlier results are moved.
const EARLIER: &str = "earlier";

/// Makes `dir` ready for a new run. Where it holds an earlier run's files, they move into
/// `earlier/<that run's date>/` (or, with `force`, are removed); an interrupted run's
/// checkpoint is never dropped silently: without `force` the run stops and points at
/// `--resume`. Returns a sentence saying what was done, if anything.
pub fn prepare(dir: &Path, force: bool) -> Result<Option<String>, String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create output folder {}: {e}", dir.display()))?;
    let checkpoint = dir.join(checkpoint::FILE_NAME);
    if checkpoint.exists() && !force {
        return Err(format!(
            "{} holds an interrupted run ({}): --resume continues it, --force discards it",
            dir.display(),
            checkpoint::FILE_NAME
        ));
    }
    let results_path = dir.join(RESULTS_FILE);
    if !results_path.exists() {
        if force && checkpoint.exists() {
            remove(&checkpoint)?;
            return Ok(Some(format!(
                "discarded the interrupted run in {}",
                dir.display()
            )));
        }
        return Ok(None);
    }
    let text = std::fs::read_to_string(&results_path)
        .map_err(|e| format!("cannot read {}: {e}", results_path.display()))?;
    let earlier = ResultSet::from_json(&text).map_err(|e| {
        format!(
            "{} holds a {RESULTS_FILE} this nlbench cannot read ({e}); choose another --out \
             or pass --force",
            dir.display()
        )
    })?;
    let mut names = earlier_files(&earlier);
    names.push(checkpoint::FILE_NAME.into());
    let present: Vec<PathBuf> = names
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect();
    if force {
        for path in &present {
            remove(path)?;
        }
        return Ok(Some(format!(
            "replaced the earlier results in {} (--force)",
            dir.display()
        )));
    }
    let aside = dir.join(EARLIER).join(folder_name(&earlier.created));
    std::fs::create_dir_all(&aside)
        .map_err(|e| format!("cannot create {}: {e}", aside.display()))?;
    for path in &present {
        let target = aside.join(path.file_name().expect("a file"));
        std::fs::rename(path, &target)
            .map_err(|e| format!("cannot move {} aside: {e}", path.display()))?;
    }
    Ok(Some(format!(
        "kept the earlier results of {} in {}",
        earlier.created,
        aside.display()
    )))
}

/// Every file an earlier result wrote (per-model reports included, in case it had them), and
/// its share link.
fn earlier_files(results: &ResultSet) -> Vec<String> {
    export::plan(
        results,
        Options {
            per_model_reports: true,
        },
    )
    .into_iter()
    .map(|p| p.name)
    .chain([SHARE_LINK_FILE.to_owned()])
    .collect()
}

/// The folder of one device in an `--all-devices` run: `1-llvmpipe-LLVM-15-0-6-256-bits`.
pub fn device_folder(index: usize, name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    format!("{index}-{}", slug.trim_matches('-'))
}

/// A folder name from an RFC 3339 date: `2026-11-27T09-00-00Z`.
fn folder_name(created: &str) -> String {
    let name: String = created
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if name.is_empty() {
        "unknown-date".into()
    } else {
        name
    }
}

fn remove(path: &Path) -> Result<(), String> {
    std::fs::remove_file(path).map_err(|e| format!("cannot remove {}: {e}", path.display()))
}

/// Renders and writes every file of `results` into `dir`, `results.json` first. Returns the
/// files written and, separately, those that failed with their reasons.
pub fn write_results(
    dir: &Path,
    results: &ResultSet,
    options: Options,
) -> (Vec<PathBuf>, Vec<String>) {
    write_planned(dir, export::plan(results, options))
}

/// The same for a comparison.
pub fn write_comparison(dir: &Path, results: &[ResultSet]) -> (Vec<PathBuf>, Vec<String>) {
    write_planned(dir, export::comparison_plan(results))
}

fn write_planned(dir: &Path, planned: Vec<export::Planned<'_>>) -> (Vec<PathBuf>, Vec<String>) {
    let mut written = Vec::new();
    let mut failed = Vec::new();
    for file in planned {
        let path = dir.join(&file.name);
        match file
            .render()
            .map_err(|e| e.message)
            .and_then(|artifact| write_atomic(&path, &artifact.bytes))
        {
            Ok(()) => written.push(path),
            Err(reason) => failed.push(format!("{}: {reason}", path.display())),
        }
    }
    (written, failed)
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so
/// readers see the old file or the new one, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(|e| e.to_string())?;
    file.write_all(bytes).map_err(|e| e.to_string())?;
    file.as_file().sync_all().map_err(|e| e.to_string())?;
    file.persist(path).map_err(|e| e.error.to_string())?;
    Ok(())
}

/// The checkpoint of a run in progress, appended and flushed line by line.
pub struct CheckpointFile {
    file: File,
    path: PathBuf,
}

impl CheckpointFile {
    /// Opens the checkpoint in `dir` for appending. A last line cut short (a process that
    /// died while writing it) is cut off first: the next line would otherwise run into it.
    pub fn open(dir: &Path) -> Result<Self, String> {
        let path = dir.join(checkpoint::FILE_NAME);
        let cannot = |e: std::io::Error| format!("cannot open {}: {e}", path.display());
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(cannot)?;
        let text = std::fs::read(&path).map_err(cannot)?;
        if !text.ends_with(b"\n") {
            let whole = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            file.set_len(whole as u64).map_err(cannot)?;
        }
        Ok(Self { file, path })
    }

    /// Appends one line and makes sure it reached the disk.
    pub fn append(&mut self, line: &Line) -> Result<(), String> {
        self.file
            .write_all(line.encode().as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }
}

/// A completed run's files hold everything: its checkpoint goes.
pub fn discard_checkpoint(dir: &Path) -> Result<(), String> {
    remove(&dir.join(checkpoint::FILE_NAME))
}

/// The checkpoint in `dir`, read back.
pub fn read_checkpoint(dir: &Path) -> Result<checkpoint::Checkpoint, String> {
    let path = dir.join(checkpoint::FILE_NAME);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "--resume: no interrupted run in {} ({}: {e})",
            dir.display(),
            checkpoint::FILE_NAME
        )
    })?;
    checkpoint::Checkpoint::decode(&text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_cut_short_is_cut_off_before_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(checkpoint::FILE_NAME);
        std::fs::write(&path, "{\"whole\":1}\n{\"cut").unwrap();
        let line = Line::Ceilings {
            ceilings: nlbench::schema::Ceilings::unavailable("test"),
        };
        CheckpointFile::open(dir.path())
            .unwrap()
            .append(&line)
            .unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{{\"whole\":1}}\n{}", line.encode())
        );
    }

    #[test]
    fn dates_become_folder_names() {
        assert_eq!(folder_name("2026-11-27T09:00:00Z"), "2026-11-27T09-00-00Z");
        assert_eq!(folder_name(""), "unknown-date");
        assert_eq!(
            device_folder(1, "llvmpipe (LLVM 15.0.6, 256 bits)"),
            "1-llvmpipe-LLVM-15-0-6-256-bits"
        );
    }
}
