//! Runs a plan in this process (`--no-isolation`): the native [`Platform`] (the host's
//! monotonic clock, this machine's identity, a progress bar, the checkpoint, Ctrl-C) and a
//! blocking executor around the library's session. The clock and the Ctrl-C handling are the
//! worker's too.

use std::{
    cell::RefCell,
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Instant,
};

use nlbench::{
    export::Options,
    measure::Clock,
    memo::Memo,
    schema::ResultSet,
    session::{self, Event, Identity, Platform},
};

use crate::{job::Ready, output, system, terminal::Terminal};

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

/// Ctrl-C and SIGTERM: the first lets the configuration in progress finish and ends the run
/// there; the second writes what finished and exits at once.
#[derive(Clone)]
pub struct Interrupts {
    count: Arc<AtomicUsize>,
    /// The latest result and where it goes, for a second signal to write.
    latest: Arc<Mutex<Option<(PathBuf, Options, ResultSet)>>>,
}

impl Interrupts {
    /// Installs the handler; `Err` with the interrupts anyway and why the handler is missing.
    /// Without it Ctrl-C ends the process at once: the checkpoint still holds every finished
    /// configuration, but no report is written.
    pub fn install() -> (Self, Result<(), String>) {
        let interrupts = Self {
            count: Arc::new(AtomicUsize::new(0)),
            latest: Arc::new(Mutex::new(None)),
        };
        let handler = interrupts.clone();
        let installed = ctrlc::set_handler(move || handler.signalled()).map_err(handler_missing);
        (interrupts, installed)
    }

    fn signalled(&self) {
        if self.count.fetch_add(1, Ordering::SeqCst) == 0 {
            eprintln!(
                "\ninterrupted: stopping after the configuration in progress (again to stop now)"
            );
            return;
        }
        if let Some((dir, options, mut results)) =
            self.latest.lock().ok().and_then(|mut l| l.take())
        {
            results.partial = Some(STOPPED_AT_ONCE.into());
            let (written, _) = output::write_results(&dir, &results, options);
            eprintln!(
                "stopped at once: wrote {} files for the finished configurations to {}",
                written.len(),
                dir.display()
            );
        }
        std::process::exit(130);
    }

    /// `Some(reason)` once Ctrl-C or SIGTERM came.
    pub fn stop_reason(&self) -> Option<String> {
        (self.count.load(Ordering::SeqCst) > 0).then(|| STOPPED.into())
    }
}

/// The note of a run whose Ctrl-C handler could not be installed.
pub fn handler_missing(err: ctrlc::Error) -> String {
    format!(
        "Ctrl-C could not be caught ({err}): an interrupt ends the run at once, without \
         reports; checkpoint.jsonl keeps every finished configuration"
    )
}

pub const STOPPED: &str = "interrupted (Ctrl-C or SIGTERM) before every configuration ran";
pub const STOPPED_AT_ONCE: &str = "interrupted twice (Ctrl-C or SIGTERM): stopped at once";

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
                if let Ok(mut latest) = self.interrupts.latest.lock() {
                    *latest = Some((self.out.to_owned(), self.options, so_far.clone()));
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
    if let Ok(mut latest) = interrupts.latest.lock() {
        *latest = None;
    }
    Ok(Finished {
        results,
        checkpoint_error: platform.checkpoint_error.into_inner(),
    })
}
