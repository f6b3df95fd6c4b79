//! The checkpoint of a run: one JSON line per finished piece, appended as each finishes, so a
//! run that is interrupted or killed (even by the kernel, on an allocation that cannot be
//! caught) keeps everything it measured and `--resume` continues it. The first line holds the
//! plan and the device, so a resume can check it continues the same run.

use serde::{Deserialize, Serialize};

use crate::{
    device::DeviceInfo,
    plan::Plan,
    schema::{BurnProbes, Ceilings, InferenceRecord, MemoryRecord, SCHEMA_VERSION},
};

/// The checkpoint's file name in the output folder.
pub const FILE_NAME: &str = "checkpoint.jsonl";

/// One line of the checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "line", rename_all = "snake_case")]
pub enum Line {
    Start {
        schema_version: u32,
        created: String,
        plan: Box<Plan>,
        device: Box<DeviceInfo>,
    },
    Inference {
        round: usize,
        record: InferenceRecord,
    },
    Memory {
        record: MemoryRecord,
    },
    Ceilings {
        ceilings: Ceilings,
    },
    Probes {
        probes: BurnProbes,
    },
}

impl Line {
    /// The line as written: compact JSON and a newline.
    pub fn encode(&self) -> String {
        let mut text = serde_json::to_string(self).expect("a checkpoint line always serialises");
        text.push('\n');
        text
    }
}

/// A checkpoint read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    pub created: String,
    pub plan: Plan,
    pub device: DeviceInfo,
    /// Every finished piece after the start line, in order.
    pub lines: Vec<Line>,
}

impl Checkpoint {
    /// Reads a checkpoint. A last line cut short (the process died while writing it) is
    /// dropped; any other unreadable line is an error.
    pub fn decode(text: &str) -> Result<Self, String> {
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let mut parsed = Vec::with_capacity(lines.len());
        for (index, line) in lines.iter().enumerate() {
            match serde_json::from_str::<Line>(line) {
                Ok(line) => parsed.push(line),
                Err(_) if index + 1 == lines.len() && !text.ends_with('\n') => {}
                Err(err) => return Err(format!("line {}: {err}", index + 1)),
            }
        }
        let mut parsed = parsed.into_iter();
        match parsed.next() {
            Some(Line::Start {
                schema_version,
                created,
                plan,
                device,
            }) => {
                if schema_version > SCHEMA_VERSION {
                    return Err(format!(
                        "written by a newer nlbench (schema version {schema_version})"
                    ));
                }
                Ok(Self {
                    created,
                    plan: *plan,
                    device: *device,
                    lines: parsed.collect(),
                })
            }
            _ => Err("it does not start with a start line".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{config::BenchConfig, fixtures};

    #[test]
    fn round_trip_and_torn_last_line() {
        let results = fixtures::results();
        let start = Line::Start {
            schema_version: SCHEMA_VERSION,
            created: results.created.clone(),
            plan: Box::new(Plan::new(BenchConfig::quick())),
            device: Box::new(results.device.clone()),
        };
        let row = Line::Inference {
            round: 0,
            record: results.inference[0].clone(),
        };
        let text = format!("{}{}", start.encode(), row.encode());
        let checkpoint = Checkpoint::decode(&text).unwrap();
        assert_eq!(checkpoint.lines, vec![row.clone()]);
        assert_eq!(checkpoint.plan, Plan::new(BenchConfig::quick()));

        // Killed while writing the next line: that line is lost, the rest is read.
        let torn = format!("{text}{}", &row.encode()[..40]);
        assert_eq!(Checkpoint::decode(&torn).unwrap().lines.len(), 1);
        // Damage in the middle is an error, and so is a file without a start.
        let damaged = format!("{}garbage\n{}", start.encode(), row.encode());
        assert!(
            Checkpoint::decode(&damaged)
                .unwrap_err()
                .starts_with("line 2")
        );
        assert!(Checkpoint::decode(&row.encode()).is_err());
        assert!(Checkpoint::decode("").is_err());
    }
}
