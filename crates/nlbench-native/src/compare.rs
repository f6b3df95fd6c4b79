//! `nlbench-native compare`: several results.json files side by side.

use std::path::{Path, PathBuf};

use nlbench::{schema::ResultSet, share};

use crate::output;

/// Reads every file (the first error stops, naming the file), writes the comparison and
/// returns its share link.
pub fn compare(files: &[PathBuf], out: &Path, share_base: &str) -> Result<String, String> {
    let results = files
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            ResultSet::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    std::fs::create_dir_all(out)
        .map_err(|e| format!("cannot create output folder {}: {e}", out.display()))?;
    let (written, failed) = output::write_all(out, output::comparison_exporters(&results));
    for path in &written {
        println!("wrote {}", path.display());
    }
    if !failed.is_empty() {
        return Err(format!("could not write {}", failed.join("; ")));
    }
    Ok(share_link(share_base, &share::encode_many(&results)))
}

/// `base` with `fragment` as its hash.
pub fn share_link(base: &str, fragment: &str) -> String {
    format!("{}#{fragment}", base.trim_end_matches('#'))
}
