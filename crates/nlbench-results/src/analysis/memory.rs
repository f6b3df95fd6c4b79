//! Memory figures that follow from a model's shape, the headline peaks of a memory-suite row,
//! and the footprint a configuration needs, which the pre-flight check holds against what the
//! device can give.

use crate::{
    precision::Precision,
    schema::{
        AnalyticalMemory, InferenceMemory, MemoryMeasurement, OptimizerKind, TrainingAnalytical,
        TrainingMemory,
    },
    workload::{ModelConfig, Phase, Workload},
};

impl AnalyticalMemory {
    pub fn of(model: &ModelConfig, precision: Precision, batch_size: usize) -> Self {
        Self::of_workload(
            &Workload::Mlp(model.clone()),
            Phase::Forward,
            precision,
            batch_size,
        )
    }

    /// Any workload's phase, from its figures; saturating, as a bound's arithmetic may be.
    pub fn of_workload(
        workload: &Workload,
        phase: Phase,
        precision: Precision,
        batch_size: usize,
    ) -> Self {
        let figures = workload.figures(phase);
        let bytes = precision.bytes();
        let per_batch = |elements: u64| {
            elements
                .saturating_mul(batch_size as u64)
                .saturating_mul(bytes)
        };
        Self {
            parameter_bytes: figures.parameters.saturating_mul(bytes),
            input_bytes: per_batch(figures.input_elements),
            activation_bytes: per_batch(figures.activation_elements),
            kv_cache_bytes: per_batch(figures.cache_elements),
        }
    }

    /// Saturating: a result file may hold any byte counts.
    pub fn total(&self) -> u64 {
        self.parameter_bytes
            .saturating_add(self.input_bytes)
            .saturating_add(self.activation_bytes)
            .saturating_add(self.kv_cache_bytes)
    }
}

impl TrainingAnalytical {
    pub fn of(model: &ModelConfig, batch_size: usize) -> Self {
        Self::of_workload(&Workload::Mlp(model.clone()), batch_size)
    }

    /// A training step on `workload`'s first phase (the pass it trains on), at FP32.
    pub fn of_workload(workload: &Workload, batch_size: usize) -> Self {
        let inference = AnalyticalMemory::of_workload(
            workload,
            workload.phases()[0],
            Precision::F32,
            batch_size,
        );
        Self {
            parameter_bytes: inference.parameter_bytes,
            input_bytes: inference.input_bytes,
            activation_bytes: inference.activation_bytes,
            kv_cache_bytes: inference.kv_cache_bytes,
            gradient_bytes: inference.parameter_bytes,
            sgd_state_bytes: 0,
            adam_state_bytes: inference.parameter_bytes.saturating_mul(2),
        }
    }

    pub fn inference_total(&self) -> u64 {
        self.parameter_bytes
            .saturating_add(self.input_bytes)
            .saturating_add(self.activation_bytes)
            .saturating_add(self.kv_cache_bytes)
    }

    pub fn state_bytes(&self, optimizer: OptimizerKind) -> u64 {
        match optimizer {
            OptimizerKind::Sgd => self.sgd_state_bytes,
            OptimizerKind::Adam => self.adam_state_bytes,
        }
    }

    pub fn training_total(&self, optimizer: OptimizerKind) -> u64 {
        self.inference_total()
            .saturating_add(self.gradient_bytes)
            .saturating_add(self.state_bytes(optimizer))
    }
}

impl TrainingMemory {
    /// Peak in use above the baseline.
    pub fn peak_above_baseline(&self) -> u64 {
        self.peak_in_use.saturating_sub(self.baseline_in_use)
    }
}

impl InferenceMemory {
    pub fn peak_above_baseline(&self) -> u64 {
        self.after_forward.saturating_sub(self.baseline_in_use)
    }
}

/// The headline figures of one configuration, in bytes above the baseline: the allocator's
/// where there is one, the analytical ones otherwise (`measured` says which).
pub struct Peaks {
    pub inference: u64,
    pub sgd: u64,
    pub adam: u64,
    /// Training memory once the loss is computed: weights plus saved activations.
    pub training_forward: u64,
    /// What a forward pass adds to the weights, per sample (inference, then training).
    pub inference_per_sample: u64,
    pub training_per_sample: u64,
    pub measured: bool,
}

impl Peaks {
    pub fn of(m: &MemoryMeasurement, batch_size: usize) -> Self {
        let batch = batch_size.max(1) as u64;
        let run = |kind: OptimizerKind| m.training.iter().find(|t| t.optimizer == kind);
        match (
            m.inference,
            run(OptimizerKind::Sgd),
            run(OptimizerKind::Adam),
        ) {
            (Some(inference), Some(sgd), Some(adam)) => Self {
                inference: inference.peak_above_baseline(),
                sgd: sgd.peak_above_baseline(),
                adam: adam.peak_above_baseline(),
                training_forward: adam.after_forward.saturating_sub(adam.baseline_in_use),
                inference_per_sample: inference
                    .after_forward
                    .saturating_sub(inference.after_weights)
                    / batch,
                training_per_sample: adam.after_forward.saturating_sub(adam.after_weights) / batch,
                measured: true,
            },
            _ => {
                let a = &m.analytical;
                let per_sample = a.input_bytes.saturating_add(a.activation_bytes) / batch;
                Self {
                    inference: a.inference_total(),
                    sgd: a.training_total(OptimizerKind::Sgd),
                    adam: a.training_total(OptimizerKind::Adam),
                    training_forward: a.inference_total(),
                    inference_per_sample: per_sample,
                    training_per_sample: per_sample,
                    measured: false,
                }
            }
        }
    }
}

/// What a configuration needs from the device at once, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footprint {
    /// Every buffer alive at the peak.
    pub total: u64,
    /// The largest single buffer (a device caps one allocation and one binding).
    pub largest_buffer: u64,
}

impl Footprint {
    /// A forward pass: weights, input and every activation, none freed.
    pub fn inference(model: &ModelConfig, precision: Precision, batch_size: usize) -> Self {
        Self {
            total: AnalyticalMemory::of(model, precision, batch_size).total(),
            largest_buffer: largest_buffer(model, batch_size) * precision.bytes(),
        }
    }

    /// A workload's phase; the MLP's as [`Footprint::inference`].
    pub fn of_workload(
        workload: &Workload,
        phase: Phase,
        precision: Precision,
        batch_size: usize,
    ) -> Self {
        if let Workload::Mlp(model) = workload {
            return Self::inference(model, precision, batch_size);
        }
        let figures = workload.figures(phase);
        Self {
            total: AnalyticalMemory::of_workload(workload, phase, precision, batch_size).total(),
            largest_buffer: figures
                .largest_elements
                .saturating_mul(batch_size as u64)
                .max(figures.largest_weight)
                .saturating_mul(precision.bytes()),
        }
    }

    /// One Adam training step (its largest) on `workload`'s first phase, at FP32: the
    /// forward pass's buffers with gradients and the optimizer's state beside them.
    pub fn training(workload: &Workload, batch_size: usize) -> Self {
        let forward = Self::of_workload(workload, workload.phases()[0], Precision::F32, batch_size);
        Self {
            total: TrainingAnalytical::of_workload(workload, batch_size)
                .training_total(OptimizerKind::Adam),
            largest_buffer: forward.largest_buffer,
        }
    }
}

/// Elements of the largest tensor of a forward pass: a weight matrix or an activation.
fn largest_buffer(model: &ModelConfig, batch_size: usize) -> u64 {
    model
        .widths()
        .windows(2)
        .map(|pair| {
            let weights = pair[0] as u64 * pair[1] as u64;
            weights.max(batch_size as u64 * pair[0].max(pair[1]) as u64)
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_analytical_by_hand() {
        // 4 -> 3 -> 4, batch 2: params 124 B, input 32 B, activations 80 B.
        let a = TrainingAnalytical::of(&ModelConfig::new("tiny", 4, 3), 2);
        assert_eq!(a.inference_total(), 236);
        assert_eq!(a.training_total(OptimizerKind::Sgd), 236 + 124);
        assert_eq!(a.training_total(OptimizerKind::Adam), 236 + 124 + 248);
    }

    #[test]
    fn analytical_memory_by_hand() {
        // 4 -> 3 -> 4 at FP32, batch 2: params 31·4; input 2·4·4; activations 10·2·4.
        let a = AnalyticalMemory::of(&ModelConfig::new("tiny", 4, 3), Precision::F32, 2);
        assert_eq!(a.parameter_bytes, 124);
        assert_eq!(a.input_bytes, 32);
        assert_eq!(a.activation_bytes, 80);
        assert_eq!(a.total(), 236);
    }

    #[test]
    fn footprints_by_hand() {
        let tiny = ModelConfig::new("tiny", 4, 3);
        let f = Footprint::inference(&tiny, Precision::F16, 2);
        assert_eq!(f.total, 118);
        // The weight matrices are 12 elements; the largest activation 2·4 = 8.
        assert_eq!(f.largest_buffer, 12 * 2);
        let wide = ModelConfig::new("wide", 1024, 512);
        assert_eq!(
            Footprint::inference(&wide, Precision::F32, 4096).largest_buffer,
            4096 * 1024 * 4
        );
        assert_eq!(
            Footprint::training(&Workload::Mlp(tiny), 2).total,
            236 + 124 + 248
        );
    }
}
