//! burn's CPU backend (Flex, on every core): always there, `auto`'s last resort.

use nlbench::{
    backends, device::DeviceInfo, error::RunError, memo::Memo, plan::Plan, session::Device,
};

use super::{Backend, Listed, Opened, Selected};
use crate::{limits, system};

pub struct Cpu;

impl Backend for Cpu {
    fn name(&self) -> &'static str {
        "cpu"
    }

    fn list(&self) -> Vec<Listed> {
        vec![Listed {
            info: info(),
            timestamps: false,
            open: Box::new(|reason| Ok(selected(reason.into()))),
        }]
    }

    fn select(&self) -> Result<Selected, String> {
        Ok(selected("asked for with --backend cpu".into()))
    }

    fn auto(&self) -> Option<Result<Selected, String>> {
        Some(Ok(selected("the CPU backend".into())))
    }
}

struct OnCpu;

impl Opened for OnCpu {
    fn open(
        &self,
        info: DeviceInfo,
        plan: &Plan,
        _: Option<Box<dyn Memo>>,
    ) -> Result<Device, RunError> {
        backends::cpu(info, plan, Box::new(limits::host_room))
    }
}

fn info() -> DeviceInfo {
    let system = system::machine();
    DeviceInfo::cpu("Flex (CPU)", system.cpu, system::cpu_vendor())
}

fn selected(reason: String) -> Selected {
    Selected {
        opened: Box::new(OnCpu),
        info: info(),
        reason,
    }
}
