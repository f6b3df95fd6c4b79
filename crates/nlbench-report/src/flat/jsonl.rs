//! JSON Lines: one JSON object per record and line; an absent figure is `null`.

use super::{Exporter, FlatRecord};

pub struct Jsonl;

impl Exporter for Jsonl {
    fn export(&self, records: &[FlatRecord]) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        for record in records {
            serde_json::to_writer(&mut out, record).map_err(|e| e.to_string())?;
            out.push(b'\n');
        }
        Ok(out)
    }
}
