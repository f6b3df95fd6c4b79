//! The suites a run can ask for, in the order they run: the inference rows, the device's
//! ceilings, burn's probes and the memory suite.

mod ceilings;
mod inference;
mod memory;
mod probes;

use super::{Device, suite::Suite};
use crate::plan::Plan;

/// The suites `plan` asks for on `device`, in run order (a suite the plan leaves out has no
/// pieces).
pub fn of<'a>(plan: &'a Plan, device: &'a Device) -> Vec<Box<dyn Suite + 'a>> {
    vec![
        Box::new(inference::Inference::new(plan, device)),
        Box::new(ceilings::Ceilings::new(plan, device)),
        Box::new(probes::Probes::new(plan, device)),
        Box::new(memory::Memory::new(plan, device)),
    ]
}
