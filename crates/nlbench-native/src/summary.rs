//! The tables printed on the terminal, fitted to its width ([`crate::terminal::width`]).

use nlbench::{compiler::Kernels, schema::ResultSet};
use nlbench_report::report::{TextTable, fit_table, terminal_summary};

/// The devices table's columns a narrow terminal drops, first to last.
const DEVICES_DROPPED_FIRST: [&str; 6] = [
    "Timestamps",
    "Driver",
    "Subgroups",
    "Half",
    "API",
    "Matrix units",
];

/// `nlbench-native devices`: every device with the index `--device` takes, and how burn's
/// kernels reach it (each device is opened to find out: the compiler cubecl takes depends
/// on what the device offers). Below the table, why a device runs a slower compiler.
pub fn devices(list: &[crate::devices::Listed]) {
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for (index, listed) in list.iter().enumerate() {
        let info = &listed.info;
        let kernels = match listed.open() {
            Ok(selected) => selected
                .info
                .kernels
                .ok_or_else(|| "not reported".to_owned()),
            Err(reason) => Err(reason),
        };
        let [compiler, half, subgroups, matrix] = match &kernels {
            Ok(kernels) => {
                if let Some(fallback) = &kernels.fallback {
                    notes.push(format!("{index}: {}: {fallback}", kernels.compiler.name()));
                }
                kernel_columns(kernels)
            }
            Err(reason) => {
                notes.push(format!("{index}: could not be opened: {reason}"));
                [
                    "n/a".to_owned(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]
            }
        };
        rows.push(vec![
            index.to_string(),
            info.name.clone(),
            info.vendor.clone(),
            listed.kind().to_owned(),
            info.api.clone(),
            format!("{} {}", info.driver, info.driver_info)
                .trim()
                .to_owned(),
            compiler,
            half,
            subgroups,
            matrix,
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
            "Compiler",
            "Half",
            "Subgroups",
            "Matrix units",
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
    for note in notes {
        println!("{note}");
    }
    for missing in crate::devices::missing() {
        println!("{missing}");
    }
}

/// The compiler, the half precisions, subgroups and matrix units of one device's kernels.
fn kernel_columns(kernels: &Kernels) -> [String; 4] {
    let half = match (kernels.f16, kernels.bf16) {
        (true, true) => "f16, bf16",
        (true, false) => "f16",
        (false, true) => "bf16",
        (false, false) => "none",
    };
    let matrix = if kernels.matrix_units.is_empty() {
        "none".to_owned()
    } else {
        kernels.matrix_units.join(", ")
    };
    [
        kernels.compiler.name().to_owned(),
        half.to_owned(),
        if kernels.subgroups { "yes" } else { "no" }.to_owned(),
        matrix,
    ]
}

/// The summary of the suites that ran: ceilings, a table per workload, memory.
pub fn print(results: &ResultSet) {
    print!("{}", terminal_summary(results, crate::terminal::width()));
}
