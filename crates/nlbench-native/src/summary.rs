//! The tables printed on the terminal at the end of a run.

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use nlbench::report::TextTable;

pub fn table(text: TextTable) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_header(text.headers);
    for row in text.rows {
        table.add_row(row);
    }
    table
}
