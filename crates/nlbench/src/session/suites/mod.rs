//! The suites a run can ask for, in the order they run: the inference rows, the device's
//! ceilings, burn's probes, the memory suite and the training suite.

mod ceilings;
mod inference;
mod memory;
mod probes;
mod training;

use super::{Device, suite::Suite};
use crate::{plan::Plan, workload::Workload};

/// The suites `plan` asks for on `device`, in run order (a suite the plan leaves out has no
/// pieces).
pub fn of<'a>(plan: &'a Plan, device: &'a Device) -> Vec<Box<dyn Suite + 'a>> {
    vec![
        Box::new(inference::Inference::new(plan, device)),
        Box::new(ceilings::Ceilings::new(plan, device)),
        Box::new(probes::Probes::new(plan, device)),
        Box::new(memory::Memory::new(plan, device)),
        Box::new(training::Training::new(plan, device)),
    ]
}

/// Every workload of `plan` at each of its batch sizes: what the memory and training suites
/// run, one piece each.
fn every_workload_batch(plan: &Plan) -> Vec<(Workload, usize)> {
    plan.config
        .all_workloads()
        .into_iter()
        .flat_map(|workload| {
            let batches = plan.config.batch_sizes_of(&workload).to_vec();
            batches.into_iter().map(move |b| (workload.clone(), b))
        })
        .collect()
}
