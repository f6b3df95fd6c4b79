//! Figures derived from results: roofline points and shares of the ceilings, memory peaks and
//! footprints, sample verdicts, comparisons. The reports, the charts, the terminal and the
//! dashboard all read them from here, so a figure is computed one way everywhere.

pub mod compare;
pub mod memory;
pub mod roofline;
pub mod verdicts;

use crate::{
    config::ModelConfig,
    precision::Precision,
    schema::{
        InferenceMeasurement, InferenceRecord, MemoryMeasurement, MemoryOutcome, Outcome, PathId,
        ResultSet,
    },
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

    /// The record of one configuration on one path.
    pub fn record_on(
        &self,
        path: PathId,
        model: &str,
        precision: Precision,
        batch_size: usize,
    ) -> Option<&InferenceRecord> {
        self.inference.iter().find(|r| {
            r.path == path
                && r.model == model
                && r.precision == precision
                && r.batch_size == batch_size
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

    /// The memory measurement of one model at one batch size, if it was measured.
    pub fn memory_measured(&self, model: &str, batch_size: usize) -> Option<&MemoryMeasurement> {
        self.memory
            .iter()
            .find(|r| r.model == model && r.batch_size == batch_size)
            .and_then(|r| match &r.outcome {
                MemoryOutcome::Measured(m) => Some(m.as_ref()),
                _ => None,
            })
    }

    /// The memory measurements of one model, in the run's batch order, measured ones only.
    pub fn memory_by_batch(&self, model: &str) -> Vec<(usize, &MemoryMeasurement)> {
        self.config
            .batch_sizes
            .iter()
            .filter_map(|&b| self.memory_measured(model, b).map(|m| (b, m)))
            .collect()
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
