//! Each measured inference row against the device's ceilings: its arithmetic intensity,
//! achieved GFLOP/s and effective bandwidth, their shares of the roofs, and which roof bounds
//! it.

use crate::{
    error::RunError,
    precision::Precision,
    schema::{BurnProbes, Ceiling, Ceilings, KernelChoice, Outcome, PathId, ResultSet},
    schema::{PROBE_ADD_ELEMENTS, PROBE_LARGEST_SIDE},
    workload::ModelConfig,
};

/// Whether any of `kernels` runs on matrix units: cubecl's cooperative-matrix (`cmma`) and
/// `mma` matmuls use tensor cores and their kin, which the SIMT FMA ceiling does not bound.
pub fn uses_matrix_units(kernels: &[KernelChoice]) -> bool {
    kernels.iter().any(|k| on_matrix_units(&k.kernel))
}

/// Whether the kernel a tuner named runs on matrix units.
pub fn on_matrix_units(kernel: &str) -> bool {
    let name = kernel.to_ascii_lowercase();
    name.contains("cmma") || name.contains("_mma")
}

impl Ceiling {
    /// A measurement's outcome: the figure where it is positive and finite, otherwise why not.
    pub fn from_result(result: Result<f64, RunError>) -> Self {
        match result {
            Ok(value) if value.is_finite() && value > 0.0 => Ceiling::Measured { value },
            Ok(value) => Ceiling::Unavailable {
                reason: format!("the clock gave an unusable figure ({value})"),
            },
            Err(err) => Ceiling::Unavailable {
                reason: err.message,
            },
        }
    }
}

impl BurnProbes {
    /// The probes of a run whose process died while they ran: both unavailable with `err`,
    /// at the sizes they would have run.
    pub fn lost(err: RunError) -> Self {
        Self {
            matmul_n: PROBE_LARGEST_SIDE,
            add_elements: PROBE_ADD_ELEMENTS,
            matmul_gflops: Ceiling::from_result(Err(err.clone())),
            add_gbps: Ceiling::from_result(Err(err)),
        }
    }
}

impl Ceilings {
    /// Every limit unavailable for one reason (a device the microbenchmarks cannot run on).
    pub fn unavailable(reason: &str) -> Self {
        let none = || Ceiling::Unavailable {
            reason: reason.to_owned(),
        };
        Self {
            clock: "not run".into(),
            copy_gbps: none(),
            read_gbps: none(),
            fma_f32_gflops: none(),
            fma_f16_gflops: none(),
            matrix_f16_gflops: none(),
            dispatch_us: none(),
        }
    }

    /// The memory roof: the higher of the copy and read bandwidths, GB/s.
    pub fn bandwidth_gbps(&self) -> Option<f64> {
        match (self.copy_gbps.value(), self.read_gbps.value()) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// The roof a row is held against: the matrix-unit ceiling for an FP16 row whose kernels
    /// ran on matrix units (none for other precisions there: the ceiling takes FP16 inputs),
    /// the SIMT FMA ceiling otherwise.
    pub fn compute_roof(&self, precision: Precision, matrix_units: bool) -> Option<f64> {
        match (matrix_units, precision) {
            (true, Precision::F16) => self.matrix_f16_gflops.value(),
            (true, _) => None,
            (false, _) => self.fma_gflops(precision),
        }
    }

    /// The SIMT compute roof for `precision`, GFLOP/s (none for BF16: no microbenchmark has
    /// it).
    pub fn fma_gflops(&self, precision: Precision) -> Option<f64> {
        match precision {
            Precision::F32 => self.fma_f32_gflops.value(),
            Precision::F16 => self.fma_f16_gflops.value(),
            Precision::Bf16 => None,
        }
    }
}

/// One measured inference row on the roofline.
#[derive(Debug, Clone, PartialEq)]
pub struct RooflinePoint {
    pub path: PathId,
    pub model: String,
    pub precision: Precision,
    pub batch_size: usize,
    /// FLOPs per byte of the fewest bytes the pass must move.
    pub intensity: f64,
    pub gflops: f64,
    /// Effective bandwidth: those bytes over the median batch time, GB/s.
    pub gbps: f64,
    /// Whether its kernels ran on matrix units (see [`uses_matrix_units`]).
    pub matrix_units: bool,
}

/// Every measured row of `models` on every path, in path then run order.
pub fn roofline_points(results: &ResultSet, models: &[&ModelConfig]) -> Vec<RooflinePoint> {
    let mut points = Vec::new();
    for path in results.path_ids() {
        for model in models {
            for &precision in &results.config.precisions {
                for &batch in &results.config.batch_sizes {
                    let Some(m) = results.measured_on(path, &model.name, precision, batch) else {
                        continue;
                    };
                    let bytes = model.min_traffic_bytes(batch, precision) as f64;
                    let flops = (model.flops_per_sample() * batch as u64) as f64;
                    points.push(RooflinePoint {
                        path,
                        model: model.name.clone(),
                        precision,
                        batch_size: batch,
                        intensity: flops / bytes,
                        gflops: m.timed.gflops,
                        gbps: bytes / (m.timed.batch_latency_ms.median / 1000.0) / 1e9,
                        matrix_units: uses_matrix_units(&m.kernels),
                    });
                }
            }
        }
    }
    points
}

/// Every measured row of the workloads other than the MLP, in run order, named by their
/// labels (`decoder:gpt2 decode`).
pub fn workload_points(results: &ResultSet) -> Vec<RooflinePoint> {
    results
        .workload_rows()
        .filter_map(|record| {
            let Outcome::Measured(m) = &record.outcome else {
                return None;
            };
            let workload = results.workload_of(record)?;
            let batch = record.batch_size;
            let bytes = workload.min_traffic_bytes(record.phase, batch, record.precision) as f64;
            let flops = workload.figures(record.phase).flops_per_sample as f64 * batch as f64;
            Some(RooflinePoint {
                path: record.path,
                model: record.label(),
                precision: record.precision,
                batch_size: batch,
                intensity: flops / bytes,
                gflops: m.timed.gflops,
                gbps: bytes / (m.timed.batch_latency_ms.median / 1000.0) / 1e9,
                matrix_units: uses_matrix_units(&m.kernels),
            })
        })
        .collect()
}

/// `value` as a percentage of `ceiling`.
pub fn share(value: f64, ceiling: Option<f64>) -> Option<f64> {
    ceiling.map(|c| 100.0 * value / c)
}

/// Which roof bounds a point: memory left of the ridge (its compute roof ÷ bandwidth),
/// compute right of it; `None` without both roofs.
pub fn bound(ceilings: &Ceilings, p: &RooflinePoint) -> Option<&'static str> {
    match (
        ceilings.compute_roof(p.precision, p.matrix_units),
        ceilings.bandwidth_gbps(),
    ) {
        (Some(flops), Some(bandwidth)) if p.intensity < flops / bandwidth => Some("memory"),
        (Some(_), Some(_)) => Some("compute"),
        _ => None,
    }
}

/// Points above their own compute roof (see [`Ceilings::compute_roof`]): a timing problem.
pub fn above_roof<'a>(ceilings: &Ceilings, points: &'a [RooflinePoint]) -> Vec<&'a RooflinePoint> {
    points
        .iter()
        .filter(|p| {
            share(p.gflops, ceilings.compute_roof(p.precision, p.matrix_units))
                .is_some_and(|s| s > 100.0)
        })
        .collect()
}

/// Points on matrix units above the SIMT FMA roof with no matrix-unit roof to hold them
/// against: a figure, not a timing problem.
pub fn past_simt_on_matrix_units<'a>(
    ceilings: &Ceilings,
    points: &'a [RooflinePoint],
) -> Vec<&'a RooflinePoint> {
    points
        .iter()
        .filter(|p| {
            p.matrix_units
                && ceilings.compute_roof(p.precision, true).is_none()
                && share(p.gflops, ceilings.fma_gflops(p.precision)).is_some_and(|s| s > 100.0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn points_use_traffic_and_median_time() {
        let results = fixtures::results();
        let models: Vec<&ModelConfig> = results.config.models.iter().collect();
        let points = roofline_points(&results, &models);
        let p = &points[0];
        let model = &results.config.models[0];
        let m = results
            .measured(&p.model, p.precision, p.batch_size)
            .unwrap();
        let bytes = model.min_traffic_bytes(p.batch_size, p.precision) as f64;
        assert!((p.gbps - bytes / m.timed.batch_latency_ms.median * 1000.0 / 1e9).abs() < 1e-9);
        let flops = (model.flops_per_sample() * p.batch_size as u64) as f64;
        assert!((p.intensity - flops / bytes).abs() < 1e-9);
    }

    #[test]
    fn rows_above_the_roof_are_found() {
        let results = fixtures::results();
        let models: Vec<&ModelConfig> = results.config.models.iter().collect();
        let points = roofline_points(&results, &models);
        let mut ceilings = Ceilings::unavailable("fixture");
        assert!(above_roof(&ceilings, &points).is_empty());
        ceilings.fma_f32_gflops = Ceiling::Measured {
            value: points[0].gflops / 2.0,
        };
        assert!(above_roof(&ceilings, &points).contains(&&points[0]));
        assert_eq!(bound(&ceilings, &points[0]), None);
        // A starved memory system puts the ridge far right: memory-bound; a fast one, compute.
        ceilings.copy_gbps = Ceiling::Measured { value: 1e-9 };
        assert_eq!(bound(&ceilings, &points[0]), Some("memory"));
        ceilings.copy_gbps = Ceiling::Measured { value: 1e12 };
        assert_eq!(bound(&ceilings, &points[0]), Some("compute"));
    }
}
