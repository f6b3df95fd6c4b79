//! `--export-csv` and `--export-jsonl`: every row of a run (or of the results a comparison
//! reads) as flat records, for pandas, DuckDB and spreadsheets.

use std::path::Path;

use nlbench::schema::ResultSet;
use nlbench_report::flat::{self, Csv, Exporter, Jsonl};

use crate::{Failure, cli::Exports, output};

impl Exports {
    /// The exports asked for, each with its exporter.
    fn chosen(&self) -> Vec<(&Path, &dyn Exporter)> {
        let mut chosen: Vec<(&Path, &dyn Exporter)> = Vec::new();
        if let Some(path) = &self.export_csv {
            chosen.push((path, &Csv));
        }
        if let Some(path) = &self.export_jsonl {
            chosen.push((path, &Jsonl));
        }
        chosen
    }

    /// A usage error, before anything runs, where an export's folder does not exist: a long
    /// run should not end on a file it cannot write.
    pub fn check(&self) -> Result<(), Failure> {
        for (path, _) in self.chosen() {
            if path.is_dir() {
                return Err(Failure::usage(format!(
                    "{}: is a folder; the export needs a file name",
                    path.display()
                )));
            }
            if !folder_of(path).is_dir() {
                return Err(Failure::usage(format!(
                    "{}: no such folder for the export",
                    folder_of(path).display()
                )));
            }
        }
        Ok(())
    }

    /// Writes every export asked for, naming each; one that cannot be written fails the
    /// command after the others are written.
    pub fn write(&self, results: &[ResultSet]) -> Result<(), Failure> {
        let records = flat::records(results);
        let mut failed = Vec::new();
        for (path, exporter) in self.chosen() {
            let written = exporter
                .export(&records)
                .and_then(|bytes| output::write_atomic(&in_folder(path), &bytes));
            match written {
                Ok(()) => println!("wrote {} ({} rows)", path.display(), records.len()),
                Err(e) => failed.push(format!("{}: {e}", path.display())),
            }
        }
        Failure::unwritten(&failed)
    }
}

/// The folder `path` is in: the current one for a bare file name.
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// `path` with its folder spelled out, which the atomic write's temporary file needs.
fn in_folder(path: &Path) -> std::path::PathBuf {
    match path.file_name() {
        Some(name) => folder_of(path).join(name),
        None => path.to_owned(),
    }
}
