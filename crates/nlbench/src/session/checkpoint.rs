//! The checkpoint of a run: one JSON line per finished piece, appended as each finishes, so a
//! run that is interrupted or killed (even by the kernel, on an allocation that cannot be
//! caught) keeps everything it measured and `--resume` continues it. The first line holds the
//! plan and the result before any row (device, paths, clocks, identity), so a resume can check
//! it continues the same run, and a front end can rebuild the result from the file alone
//! ([`super::assemble`]) when the process that measured it is gone.

use serde::{Deserialize, Serialize};

use crate::{
    error::ErrorKind,
    plan::Plan,
    schema::{
        BurnProbes, Ceilings, InferenceRecord, MemoryOutcome, MemoryRecord, Outcome, ResultSet,
        SCHEMA_VERSION, TrainingOutcome, TrainingRecord,
    },
};

/// The checkpoint's file name in the output folder.
pub const FILE_NAME: &str = "checkpoint.jsonl";

/// One line of the checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "line", rename_all = "snake_case")]
pub enum Line {
    Start {
        schema_version: u32,
        plan: Box<Plan>,
        /// The result before any row: what every row of the run shares.
        start: Box<ResultSet>,
    },
    Inference {
        round: usize,
        record: InferenceRecord,
    },
    Memory {
        record: MemoryRecord,
    },
    Training {
        record: TrainingRecord,
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

    /// The kind of failure of a row that failed (an inference or memory row); `None` for
    /// anything else.
    pub fn failure(&self) -> Option<ErrorKind> {
        match self {
            Line::Inference { record, .. } => match record.outcome {
                Outcome::Failed { kind, .. } => Some(kind),
                _ => None,
            },
            Line::Memory { record } => match record.outcome {
                MemoryOutcome::Failed { kind, .. } => Some(kind),
                _ => None,
            },
            Line::Training { record } => match record.outcome {
                TrainingOutcome::Failed { kind, .. } => Some(kind),
                _ => None,
            },
            _ => None,
        }
    }
}

/// A checkpoint read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    pub plan: Plan,
    /// The result before any row (its device, paths, clocks and creation time).
    pub start: ResultSet,
    /// Every finished piece after the start line, in order.
    pub lines: Vec<Line>,
}

impl Checkpoint {
    /// The checkpoint a run's start line begins, with no piece in it yet; `None` for any
    /// other line. A front end that keeps the lines as they come starts here.
    pub fn begun_by(line: &Line) -> Option<Self> {
        match line {
            Line::Start { plan, start, .. } => Some(Self {
                plan: (**plan).clone(),
                start: (**start).clone(),
                lines: Vec::new(),
            }),
            _ => None,
        }
    }

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
                plan,
                start,
            }) => {
                if schema_version != SCHEMA_VERSION {
                    return Err(format!(
                        "written by another version of nlbench (schema version \
                         {schema_version}, this one writes {SCHEMA_VERSION})"
                    ));
                }
                Ok(Self {
                    plan: *plan,
                    start: *start,
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
        let mut empty = results.clone();
        empty.inference.clear();
        let start = Line::Start {
            schema_version: SCHEMA_VERSION,
            plan: Box::new(Plan::new(BenchConfig::quick())),
            start: Box::new(empty.clone()),
        };
        let row = Line::Inference {
            round: 0,
            record: results.inference[0].clone(),
        };
        let text = format!("{}{}", start.encode(), row.encode());
        let checkpoint = Checkpoint::decode(&text).unwrap();
        assert_eq!(checkpoint.lines, vec![row.clone()]);
        assert_eq!(checkpoint.plan, Plan::new(BenchConfig::quick()));
        assert_eq!(checkpoint.start, empty);
        assert_eq!(Checkpoint::begun_by(&start).unwrap().start, empty);
        assert!(Checkpoint::begun_by(&row).is_none());

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
