//! Runs a plan in this process (`--no-isolation`): the native [`Platform`] (the host's
//! monotonic clock, this machine's identity, a progress bar, the checkpoint, Ctrl-C) and a
//! blocking executor around the library's session. The clock is the worker's too.

use std::{cell::RefCell, path::Path, time::Instant};

use nlbench::{
    measure::Clock,
    memo::Memo,
    schema::ResultSet,
    session::{self, Event, Identity, Platform},
};
use nlbench_report::Options;

use crate::{job::Ready, output, signals::Interrupts, system, terminal::Terminal};

/// `std::time::Instant`, the host's monotonic clock.
pub struct InstantClock(Instant);

impl InstantClock {
    pub fn new() -> Self {
        Self(Instant::now())
    }
}

impl Clock for InstantClock {
    fn now_ms(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1000.0
    }

    fn name(&self) -> &str {
        "std::time::Instant (host wall clock)"
    }

    fn resolution_ms(&self) -> f64 {
        // Rust's Instant counts nanoseconds on every platform nlbench builds for.
        1e-6
    }
}

/// The native platform of one run.
struct NativePlatform<'a> {
    clock: InstantClock,
    identity: Identity,
    terminal: Terminal,
    checkpoint: RefCell<output::CheckpointFile>,
    /// The first checkpoint write that failed: the run goes on, and says so at the end.
    checkpoint_error: RefCell<Option<String>>,
    interrupts: &'a Interrupts,
    out: &'a Path,
    options: Options,
    costs: Option<Box<dyn Memo>>,
}

impl Platform for NativePlatform<'_> {
    fn clock(&self) -> &dyn Clock {
        &self.clock
    }

    fn identity(&self) -> Identity {
        self.identity.clone()
    }

    fn event(&self, event: Event<'_>) {
        match event {
            Event::Progress(p) => self.terminal.progress(p),
            Event::Finished { line, so_far } => {
                if let Err(err) = self.checkpoint.borrow_mut().append(line) {
                    self.checkpoint_error.borrow_mut().get_or_insert(err);
                }
                self.terminal.finished(line, &so_far.config);
                self.interrupts.keep_latest(Some((
                    self.out.to_owned(),
                    self.options,
                    so_far.clone(),
                )));
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

/// How a run ended.
pub struct Finished {
    pub results: ResultSet,
    /// A problem with the checkpoint while running (the results are complete regardless).
    pub checkpoint_error: Option<String>,
}

/// Runs the opened job, appending to the checkpoint in `out` as pieces finish. The
/// checkpoint stays until the caller has written the results.
pub fn run(
    ready: Ready,
    out: &Path,
    options: Options,
    interrupts: &Interrupts,
    notes: &[String],
) -> Result<Finished, String> {
    let platform = NativePlatform {
        clock: InstantClock::new(),
        identity: system::identity(notes),
        terminal: Terminal::new(),
        checkpoint: RefCell::new(output::CheckpointFile::open(out)?),
        checkpoint_error: RefCell::new(None),
        interrupts,
        out,
        options,
        costs: ready.costs,
    };
    let results = pollster::block_on(session::run(
        &ready.plan,
        &ready.device,
        &platform,
        ready.resume,
    ));
    platform.terminal.finish();
    interrupts.keep_latest(None);
    Ok(Finished {
        results,
        checkpoint_error: platform.checkpoint_error.into_inner(),
    })
}
