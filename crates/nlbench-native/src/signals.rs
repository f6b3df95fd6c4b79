//! Ctrl-C and SIGTERM, for a run in this process and for the supervisor: what the first and
//! the second signal do, and the notes a result carries when one came.

use std::{
    path::PathBuf,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use nlbench::schema::ResultSet;
use nlbench_report::Options;

use crate::output;

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

    /// The latest result and where it goes, which a second signal writes; `None` once the
    /// run wrote it itself.
    pub fn keep_latest(&self, latest: Option<(PathBuf, Options, ResultSet)>) {
        if let Ok(mut kept) = self.latest.lock() {
            *kept = latest;
        }
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
