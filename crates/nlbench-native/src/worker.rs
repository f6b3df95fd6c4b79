//! The worker: this binary started with `--worker` by the supervisor
//! ([`crate::supervisor`]). It reads its [`Job`] from standard input, runs it, and tells the
//! supervisor on standard output, a JSON line each ([`Message`]), what is about to run and what
//! finished. It writes no file: the supervisor keeps the checkpoint and writes the results,
//! so a worker that dies loses nothing that finished.

use std::io::Write;

use nlbench::{
    error::ErrorKind,
    measure::Clock,
    memo::Memo,
    session::{self, Event, Identity, Platform, Progress, checkpoint::Line},
};
use serde::{Deserialize, Serialize};

use crate::{
    Failure,
    job::{Job, Setup},
    run::InstantClock,
    signals::Interrupts,
    system,
};

/// What a worker tells its supervisor.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "event", content = "data", rename_all = "snake_case")]
pub enum Message {
    /// The piece about to run.
    Progress(Progress),
    /// A piece finished: its checkpoint line.
    Finished(Line),
}

/// The exit status of a worker whose device was lost: every piece after would fail on it, so
/// the worker ends after recording the piece, and the supervisor starts one that opens the
/// device again.
pub const DEVICE_LOST: u8 = 3;

/// What the supervisor hands a worker on standard input.
#[derive(Debug, Serialize, Deserialize)]
pub struct Assignment {
    pub job: Job,
    /// Forget kept tunings first (the first worker of a command only).
    pub retune: bool,
    /// What the supervisor could not set up as planned, for the results.
    pub notes: Vec<String>,
}

/// Runs the job on standard input; the exit status is 0 when every piece ran, 130 when a
/// stop request (the supervisor passes Ctrl-C on) ended it early.
pub fn serve() -> Result<u8, Failure> {
    let assignment: Assignment = serde_json::from_reader(std::io::stdin().lock())
        .map_err(|e| Failure::usage(format!("--worker reads a job from its supervisor: {e}")))?;
    let mut notes = assignment.notes;
    let setup = Setup::start(assignment.retune, &mut notes);
    let ready = assignment.job.open(&setup)?;
    let platform = WorkerPlatform {
        clock: InstantClock::new(),
        identity: system::identity(&notes),
        interrupts: &setup.interrupts,
        costs: ready.costs,
    };
    let results = pollster::block_on(session::run(
        &ready.plan,
        &ready.device,
        &platform,
        ready.resume,
    ));
    Ok(crate::exit_code(&results))
}

/// The worker's platform: events go to the supervisor.
struct WorkerPlatform<'a> {
    clock: InstantClock,
    identity: Identity,
    interrupts: &'a Interrupts,
    costs: Option<Box<dyn Memo>>,
}

impl WorkerPlatform<'_> {
    fn tell(&self, message: &Message) {
        let mut text = serde_json::to_string(message).expect("a message always serialises");
        text.push('\n');
        let mut stdout = std::io::stdout().lock();
        if stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            .is_err()
        {
            // The supervisor is gone: nothing measured from now on could be kept.
            eprintln!("error: the supervisor stopped listening; the worker ends");
            std::process::exit(1);
        }
    }
}

impl Platform for WorkerPlatform<'_> {
    fn clock(&self) -> &dyn Clock {
        &self.clock
    }

    fn identity(&self) -> Identity {
        self.identity.clone()
    }

    fn event(&self, event: Event<'_>) {
        match event {
            Event::Progress(progress) => self.tell(&Message::Progress(progress.clone())),
            Event::Finished { line, .. } => {
                self.tell(&Message::Finished(line.clone()));
                if line.failure() == Some(ErrorKind::DeviceLost) {
                    eprintln!("the device was lost: a new worker opens it again");
                    std::process::exit(i32::from(DEVICE_LOST));
                }
            }
        }
    }

    fn stop_requested(&self) -> Option<String> {
        self.interrupts.stop_reason()
    }

    fn costs(&self) -> Option<&dyn Memo> {
        self.costs.as_deref()
    }
}
