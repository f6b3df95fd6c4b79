//! CSV with a header line, RFC 4180 quoting; an absent figure is an empty field.

use super::{Exporter, FlatRecord};

pub struct Csv;

impl Exporter for Csv {
    fn export(&self, records: &[FlatRecord]) -> Result<Vec<u8>, String> {
        let mut writer = ::csv::Writer::from_writer(Vec::new());
        for record in records {
            writer.serialize(record).map_err(|e| e.to_string())?;
        }
        if records.is_empty() {
            writer
                .write_record(FlatRecord::FIELDS)
                .map_err(|e| e.to_string())?;
        }
        writer.into_inner().map_err(|e| e.to_string())
    }
}
