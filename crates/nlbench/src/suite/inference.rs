//! The inference suite: throughput, latency and buffer memory of a forward pass, for every
//! model, precision and batch size of the configuration.

use burn::tensor::{Distribution, Tensor, backend::Backend};

use super::{RunContext, guarded, run_steps, settle, timing};
use crate::{
    config::{BenchConfig, ModelConfig},
    model::NeuralLayers,
    precision::Precision,
    probe::MemorySnapshot,
    schema::{
        AllocatorMemory, AnalyticalMemory, InferenceMeasurement, InferenceRecord, MemoryFigures,
        Outcome,
    },
    stats::Summary,
};

/// One configuration to measure.
#[derive(Debug, Clone, PartialEq)]
pub struct Step<'a> {
    pub model: &'a ModelConfig,
    pub precision: Precision,
    pub batch_size: usize,
}

impl Step<'_> {
    pub fn label(&self) -> String {
        format!(
            "{} {} batch {}",
            self.model.name, self.precision, self.batch_size
        )
    }
}

/// Every step of the suite, model by model, then precision, then batch size.
pub fn plan(config: &BenchConfig) -> Vec<Step<'_>> {
    config
        .models
        .iter()
        .flat_map(|model| {
            config.precisions.iter().flat_map(move |&precision| {
                config.batch_sizes.iter().map(move |&batch_size| Step {
                    model,
                    precision,
                    batch_size,
                })
            })
        })
        .collect()
}

/// Runs the inference suite on `device`, one record per step, in plan order.
pub async fn run<B: Backend>(
    device: &B::Device,
    config: &BenchConfig,
    ctx: &mut RunContext<'_>,
) -> Vec<InferenceRecord> {
    run_steps(ctx, &plan(config), Step::label, async |step, ctx| {
        let outcome = if B::supports_dtype(device, step.precision.dtype()) {
            match guarded(measure::<B>(device, config, step, ctx)).await {
                Ok(measurement) => Outcome::Measured(Box::new(measurement)),
                Err(reason) => Outcome::Failed { reason },
            }
        } else {
            Outcome::Unsupported {
                reason: format!("{} unsupported on this device", step.precision),
            }
        };
        InferenceRecord {
            model: step.model.name.clone(),
            precision: step.precision,
            batch_size: step.batch_size,
            outcome,
        }
    })
    .await
}

/// Prepare (model, input), warm up, then time `config.iterations` forward passes.
async fn measure<B: Backend>(
    device: &B::Device,
    config: &BenchConfig,
    step: &Step<'_>,
    ctx: &RunContext<'_>,
) -> Result<InferenceMeasurement, String> {
    settle::<B>(device).await?;
    let baseline = ctx.memory.snapshot();

    let model =
        NeuralLayers::<B>::init(step.model, config.seed, device).into_precision(step.precision);
    let input = Tensor::<B, 2>::random(
        [step.batch_size, step.model.input_dim],
        Distribution::Default,
        device,
    )
    .cast(step.precision.float_dtype());
    let forward = || model.forward(input.clone());

    let warmup_runs = timing::warm_up(ctx, config.warmup_ms, forward).await?;

    let mut raw_batch_ms = Vec::with_capacity(config.iterations);
    let mut peak: Option<MemorySnapshot> = None;
    for _ in 0..config.iterations {
        let (ms, output) = timing::time_once(ctx, forward).await?;
        peak = max_snapshot(peak, ctx.memory.snapshot());
        drop(output);
        raw_batch_ms.push(ms);
    }

    let batch_latency_ms = Summary::of(&raw_batch_ms)
        .ok_or_else(|| "the clock returned non-finite timings".to_owned())?;
    let batch = step.batch_size as f64;
    let throughput = batch / (batch_latency_ms.median / 1000.0);
    let memory = MemoryFigures {
        allocator: baseline.zip(peak).map(|(baseline, peak)| AllocatorMemory {
            baseline_in_use: baseline.in_use,
            peak_in_use: peak.in_use,
            peak_reserved: peak.reserved,
        }),
        allocator_unavailable: baseline
            .is_none()
            .then(|| ctx.memory.unavailable_reason().to_owned()),
        analytical: AnalyticalMemory::of(step.model, step.precision, step.batch_size),
    };
    Ok(InferenceMeasurement {
        warmup_runs,
        sample_latency_ms: batch_latency_ms.scaled(1.0 / batch),
        batch_latency_ms,
        throughput,
        gflops: step.model.flops_per_sample() as f64 * throughput / 1e9,
        memory,
        raw_batch_ms,
    })
}

fn max_snapshot(
    current: Option<MemorySnapshot>,
    new: Option<MemorySnapshot>,
) -> Option<MemorySnapshot> {
    match (current, new) {
        (Some(a), Some(b)) => Some(MemorySnapshot {
            in_use: a.in_use.max(b.in_use),
            reserved: a.reserved.max(b.reserved),
        }),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_covers_every_combination_in_order() {
        let config = BenchConfig::quick();
        let steps = plan(&config);
        assert_eq!(steps.len(), 2 * 2 * 3);
        assert_eq!(steps[0].label(), "small FP32 batch 1");
        assert_eq!(steps[3].label(), "small FP16 batch 1");
        assert_eq!(steps.last().unwrap().label(), "medium FP16 batch 64");
    }
}
