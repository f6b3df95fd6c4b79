//! A job: what one process runs, a plan (or the checkpoint it continues) on one device into
//! one folder. The command line runs its jobs in worker processes under a supervisor, or in
//! its own process with `--no-isolation`; both set up and open a job the same way, here.

use std::path::PathBuf;

use nlbench::{
    memo::Memo,
    plan::Plan,
    session::{self, Capacity, checkpoint::Checkpoint},
};
use serde::{Deserialize, Serialize};

use crate::{Failure, devices, output, signals::Interrupts, tuning_cache::Tuning};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    /// The plan of a new run; `None` continues the run whose checkpoint is in `out`.
    pub plan: Option<Plan>,
    /// The plan a new run takes instead where the device is a software one (lavapipe,
    /// SwiftShader, WARP): the quick plan, where no setting asked for configurations.
    pub software_plan: Option<Plan>,
    /// The plan a new run takes instead on a hardware GPU: bare workload names (and the
    /// default plan's workloads) at their realistic presets (`bert-base`, `gpt2`, `resnet50`).
    pub hardware_plan: Option<Plan>,
    pub device: DeviceChoice,
    pub out: PathBuf,
    /// Check each configuration against the memory limits before it runs (`--no-preflight`
    /// turns it off, for a limit the check misjudges).
    pub preflight: bool,
}

/// How the device is chosen: `--backend`, or `--device` (an index or a piece of a name).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceChoice {
    /// `--backend`'s value.
    Backend(String),
    Named(String),
}

/// What a process that runs jobs sets up once, before any device opens: the device list,
/// the kept tunings (cubecl reads where they are only once) and the Ctrl-C handler.
pub struct Setup {
    pub listed: Vec<devices::Listed>,
    pub tuning: Tuning,
    pub interrupts: Interrupts,
}

impl Setup {
    /// Adds to `notes` (and says) what could not be set up as planned.
    pub fn start(retune: bool, notes: &mut Vec<String>) -> Self {
        let before = notes.len();
        let listed = devices::list();
        let infos: Vec<_> = listed.iter().map(|l| l.info.clone()).collect();
        let tuning = Tuning::start(retune, &infos, notes);
        nlbench::kernels::listen_to_autotune(None, tuning.cubecl(), tuning.kernels());
        let (interrupts, installed) = Interrupts::install();
        if let Err(note) = installed {
            notes.push(note);
        }
        for note in &notes[before..] {
            eprintln!("warning: {note}");
        }
        Self {
            listed,
            tuning,
            interrupts,
        }
    }
}

/// A job with its device open, ready for the session.
pub struct Ready {
    pub plan: Plan,
    pub device: session::Device,
    pub resume: Option<Checkpoint>,
    /// The pieces' times of earlier runs on the device, kept for the next.
    pub costs: Option<Box<dyn Memo>>,
}

impl Job {
    /// Opens the job's device for its plan; a continued run must find the device it started
    /// on.
    pub fn open(&self, setup: &Setup) -> Result<Ready, Failure> {
        let (plan, resume) = match &self.plan {
            Some(plan) => (plan.clone(), None),
            None => {
                let checkpoint = output::read_checkpoint(&self.out).map_err(Failure::usage)?;
                (checkpoint.plan.clone(), Some(checkpoint))
            }
        };
        let selected = match &self.device {
            DeviceChoice::Named(wanted) => devices::find(&setup.listed, wanted)
                .map_err(Failure::usage)?
                .open()
                .map_err(Failure::other)?,
            DeviceChoice::Backend(choice) => devices::select(choice).map_err(Failure::other)?,
        };
        eprintln!(
            "device: {} [{}] — {}",
            selected.info.label(),
            selected.info.backend,
            selected.reason
        );
        let plan = match &self.software_plan {
            Some(short) if selected.info.emulated_gpu() && resume.is_none() => {
                eprintln!(
                    "plan: the quick one, as on every software device (it rates no GPU, and the \
                     default plan takes it minutes); --sizes, --batch-sizes, --workloads or \
                     --config ask for more"
                );
                short.clone()
            }
            _ => match &self.hardware_plan {
                Some(realistic) if selected.info.hardware_gpu() && resume.is_none() => {
                    realistic.clone()
                }
                _ => plan,
            },
        };
        if let Some(checkpoint) = &resume {
            let started = &checkpoint.start.device;
            if started.name != selected.info.name || started.backend != selected.info.backend {
                return Err(Failure::usage(format!(
                    "--resume: the interrupted run used {} [{}]; select that device again",
                    started.label(),
                    started.backend
                )));
            }
        }
        let mut device = selected
            .open(&plan, setup.tuning.reference(&selected.info))
            .map_err(|e| Failure::new(e.kind.exit_code(), e.message))?;
        if !self.preflight {
            device.capacity = Capacity::unknown();
        }
        // burn's CPU backend tunes nothing: the folder is this machine's GPUs' business.
        if selected.info.backend != "cpu" {
            eprintln!("{}", setup.tuning.summary());
        }
        Ok(Ready {
            plan,
            device,
            resume,
            costs: setup.tuning.costs(&selected.info),
        })
    }
}
