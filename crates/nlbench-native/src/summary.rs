//! The tables printed on the terminal at the end of a run.

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use nlbench::{
    export::report::{TextTable, ceilings_summary, inference_summary, memory_summary},
    schema::ResultSet,
};

fn table(text: TextTable) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_header(text.headers);
    for row in text.rows {
        table.add_row(row);
    }
    table
}

/// `nlbench-native devices`: every device with the index `--device` takes.
pub fn devices(list: &[crate::devices::Listed]) {
    let mut rows = Vec::new();
    for (index, listed) in list.iter().enumerate() {
        let info = &listed.info;
        rows.push(vec![
            index.to_string(),
            info.name.clone(),
            info.vendor.clone(),
            listed.kind().to_owned(),
            info.api.clone(),
            format!("{} {}", info.driver, info.driver_info)
                .trim()
                .to_owned(),
            if listed.timestamps { "yes" } else { "no" }.to_owned(),
        ]);
    }
    println!(
        "{}",
        table(TextTable {
            headers: [
                "Index",
                "Device",
                "Vendor",
                "Type",
                "API",
                "Driver",
                "Timestamps",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        })
    );
}

/// The ceilings, inference and memory tables of the suites that ran.
pub fn print(results: &ResultSet) {
    if let Some(ceilings) = ceilings_summary(results) {
        println!("{}", table(ceilings));
    }
    if !results.inference.is_empty() {
        println!("{}", table(inference_summary(results)));
    }
    if !results.memory.is_empty() {
        println!("{}", table(memory_summary(results)));
    }
}
