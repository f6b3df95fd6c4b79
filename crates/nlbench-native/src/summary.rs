//! The tables printed on the terminal, fitted to its width ([`crate::terminal::width`]).

use nlbench::{
    export::report::{TextTable, fit_table, terminal_summary},
    schema::ResultSet,
};

/// The devices table's columns a narrow terminal drops, first to last.
const DEVICES_DROPPED_FIRST: [&str; 3] = ["Timestamps", "Driver", "API"];

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
    let table = TextTable {
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
    };
    print!(
        "{}",
        fit_table(table, &DEVICES_DROPPED_FIRST, crate::terminal::width())
    );
}

/// The summary of the suites that ran: ceilings, a table per workload, memory.
pub fn print(results: &ResultSet) {
    print!("{}", terminal_summary(results, crate::terminal::width()));
}
