//! Figures derived from results: roofline points and shares of the ceilings, memory peaks and
//! footprints, sample verdicts, comparisons. The reports, the charts, the terminal and the
//! dashboard all read them from here, so a figure is computed one way everywhere.

pub mod compare;
pub mod memory;
pub mod roofline;
pub mod row;
pub mod spread;
pub mod verdicts;

use crate::{
    precision::Precision,
    schema::{
        InferenceMeasurement, InferenceRecord, MemoryMeasurement, MemoryOutcome, MemoryRecord,
        Outcome, PathId, ResultSet, TrainingRecord,
    },
    workload::{ModelConfig, Phase, Workload, WorkloadKind},
};

/// Looking results up by configuration.
impl ResultSet {
    /// The path whose figures lead every table: the first the run measured.
    pub fn headline(&self) -> PathId {
        self.paths.first().map(|p| p.id).unwrap_or_default()
    }

    /// The paths measured, in run order.
    pub fn path_ids(&self) -> Vec<PathId> {
        self.paths.iter().map(|p| p.id).collect()
    }

    pub fn model(&self, name: &str) -> Option<&ModelConfig> {
        self.config.models.iter().find(|m| m.name == name)
    }

    /// The workload, with its shapes, that `record` measured.
    pub fn workload_of(&self, record: &InferenceRecord) -> Option<Workload> {
        self.config.workload(record.workload, &record.model)
    }

    /// The rows of workloads other than the MLP, in run order.
    pub fn workload_rows(&self) -> impl Iterator<Item = &InferenceRecord> {
        self.inference
            .iter()
            .filter(|r| r.workload != WorkloadKind::Mlp)
    }

    /// The record of one MLP configuration on one path.
    pub fn record_on(
        &self,
        path: PathId,
        model: &str,
        precision: Precision,
        batch_size: usize,
    ) -> Option<&InferenceRecord> {
        self.inference.iter().find(|r| {
            r.path == path
                && r.workload == WorkloadKind::Mlp
                && r.model == model
                && r.precision == precision
                && r.batch_size == batch_size
        })
    }

    /// The record of the configuration [`InferenceRecord::label`] names (`small`,
    /// `decoder:tiny decode`) on one path: how a comparison lines up every workload's rows.
    pub fn labelled_on(
        &self,
        path: PathId,
        label: &str,
        precision: Precision,
        batch_size: usize,
    ) -> Option<&InferenceRecord> {
        self.inference.iter().find(|r| {
            r.path == path
                && r.precision == precision
                && r.batch_size == batch_size
                && r.label() == label
        })
    }

    /// The measurement of one configuration on one path, if it was measured.
    pub fn measured_on(
        &self,
        path: PathId,
        model: &str,
        precision: Precision,
        batch_size: usize,
    ) -> Option<&InferenceMeasurement> {
        self.record_on(path, model, precision, batch_size)
            .and_then(|record| match &record.outcome {
                Outcome::Measured(m) => Some(m.as_ref()),
                _ => None,
            })
    }

    /// The headline path's record of one configuration.
    pub fn record(
        &self,
        model: &str,
        precision: Precision,
        batch_size: usize,
    ) -> Option<&InferenceRecord> {
        self.record_on(self.headline(), model, precision, batch_size)
    }

    /// The headline path's measurement of one configuration, if it was measured.
    pub fn measured(
        &self,
        model: &str,
        precision: Precision,
        batch_size: usize,
    ) -> Option<&InferenceMeasurement> {
        self.measured_on(self.headline(), model, precision, batch_size)
    }

    /// The memory measurement of one workload at one batch size, if it was measured.
    pub fn memory_measured(
        &self,
        workload: &Workload,
        batch_size: usize,
    ) -> Option<&MemoryMeasurement> {
        self.memory
            .iter()
            .find(|r| r.is(workload) && r.batch_size == batch_size)
            .and_then(|r| match &r.outcome {
                MemoryOutcome::Measured(m) => Some(m.as_ref()),
                _ => None,
            })
    }

    /// The memory measurements of one workload, in the run's batch order, measured ones only.
    pub fn memory_by_batch(&self, workload: &Workload) -> Vec<(usize, &MemoryMeasurement)> {
        self.config
            .batch_sizes_of(workload)
            .iter()
            .filter_map(|&b| self.memory_measured(workload, b).map(|m| (b, m)))
            .collect()
    }

    /// The workloads the memory suite has rows of, in the run's order.
    pub fn memory_workloads(&self) -> Vec<Workload> {
        self.config
            .all_workloads()
            .into_iter()
            .filter(|w| self.memory.iter().any(|r| r.is(w)))
            .collect()
    }
}

impl MemoryRecord {
    /// `small`, `decoder:tiny`: as [`InferenceRecord::label`] names a forward pass.
    pub fn label(&self) -> String {
        match self.workload {
            WorkloadKind::Mlp => self.model.clone(),
            kind => format!("{kind}:{}", self.model),
        }
    }

    /// Whether this row measured `workload`.
    pub fn is(&self, workload: &Workload) -> bool {
        workload.is(self.workload, &self.model)
    }
}

impl TrainingRecord {
    /// `small`, `decoder:tiny`: as the memory suite's rows.
    pub fn label(&self) -> String {
        match self.workload {
            WorkloadKind::Mlp => self.model.clone(),
            kind => format!("{kind}:{}", self.model),
        }
    }
}

impl InferenceRecord {
    /// `medium`, `encoder:tiny`, `decoder:gpt2 decode`: the MLP's rows by their model name,
    /// as every older result names them.
    pub fn label(&self) -> String {
        if let Some(test) = &self.test {
            return format!("{}:{} {test}", self.workload, self.model);
        }
        match (self.workload, self.phase) {
            (WorkloadKind::Mlp, _) => self.model.clone(),
            (kind, Phase::Forward) => format!("{kind}:{}", self.model),
            (kind, phase) => format!("{kind}:{} {phase}", self.model),
        }
    }

    /// Whether `other` is the same configuration (on any path).
    pub fn same_config(&self, other: &InferenceRecord) -> bool {
        self.workload == other.workload
            && self.model == other.model
            && self.phase == other.phase
            && self.test == other.test
            && self.precision == other.precision
            && self.batch_size == other.batch_size
    }
}

/// Why a record has no figures, in words for a table cell.
pub fn not_measured_text(outcome: &Outcome) -> Option<String> {
    match outcome {
        Outcome::Measured(_) => None,
        Outcome::Unsupported { reason } => Some(reason.clone()),
        Outcome::Skipped { reason } => Some(format!("skipped: {reason}")),
        Outcome::Failed { kind, reason } => Some(format!("failed ({}): {reason}", kind.label())),
    }
}
