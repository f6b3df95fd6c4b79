//! The supervisor: the process the user started runs each job in a worker process (this
//! binary with `--worker`, see [`crate::worker`]) and keeps what the worker finishes. Each
//! finished piece reaches it as the worker's checkpoint line, which it appends to the
//! checkpoint at once. When the worker dies (an allocation that aborts, a signal, the kernel's
//! OOM killer, a driver that crashed) or stays silent past `--timeout`, the piece it was
//! running is recorded as crashed or timed out, with the exit status and the worker's last
//! words, and a new worker continues after it. The result is then built from the checkpoint,
//! so nothing that finished is lost.

use std::{
    io::{BufRead, BufReader, Write},
    path::PathBuf,
    process::{Child, Command, ExitStatus, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, AtomicUsize, Ordering},
        mpsc::{self, RecvTimeoutError},
    },
    time::{Duration, Instant},
};

use nlbench::{
    error::ErrorKind,
    schema::ResultSet,
    session::{
        self, Piece,
        checkpoint::{Checkpoint, Line},
    },
};

use crate::{
    Failure,
    job::Job,
    output::{self, CheckpointFile},
    signals::{STOPPED, STOPPED_AT_ONCE, handler_missing},
    terminal::Terminal,
    worker::{Assignment, DEVICE_LOST, Message},
};

/// Lines of the worker's standard error kept for the record of a crash.
const LAST_WORDS: usize = 4;

/// What every job of one command shares.
pub struct Supervisor<'a> {
    /// Longest silence of a worker (a piece that runs on without finishing).
    pub timeout: Duration,
    /// Replace what the output folder holds.
    pub force: bool,
    /// Forget kept tunings first: taken by the command's first worker.
    pub retune: std::cell::Cell<bool>,
    pub notes: &'a [String],
    pub relay: &'a Relay,
}

/// A supervised job's end.
pub struct Supervised {
    pub results: ResultSet,
    /// A worker died before it finished anything, so the run stopped short (its reason is
    /// the result's `partial`).
    pub stalled: bool,
    /// A problem with the checkpoint file while running (the results are complete).
    pub checkpoint_error: Option<String>,
}

/// Ctrl-C and SIGTERM in the supervisor: counted, and passed on to the worker (in a process
/// group of its own on Unix, so a terminal's Ctrl-C reaches it once, through here). The
/// worker then stops as it would alone: after its piece, or at once the second time.
pub struct Relay {
    count: Arc<AtomicUsize>,
    worker: Arc<AtomicU32>,
}

impl Relay {
    /// Installs the handler; `Err` with the relay anyway and why the handler is missing.
    pub fn install() -> (Self, Result<(), String>) {
        let relay = Self {
            count: Arc::new(AtomicUsize::new(0)),
            worker: Arc::new(AtomicU32::new(0)),
        };
        let (count, worker) = (relay.count.clone(), relay.worker.clone());
        let installed = ctrlc::set_handler(move || {
            count.fetch_add(1, Ordering::SeqCst);
            interrupt(worker.load(Ordering::SeqCst));
        })
        .map_err(handler_missing);
        (relay, installed)
    }

    fn interrupts(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

/// Passes an interrupt on to the worker `pid` (0: none running). Elsewhere than Unix the
/// console sends Ctrl-C to every process attached to it, the worker included.
fn interrupt(pid: u32) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(pid)
        && pid > 0
    {
        // SAFETY: kill(2) takes any pid and signal number; an exited pid only fails.
        unsafe {
            libc::kill(pid, libc::SIGINT);
        }
    }
    #[cfg(not(unix))]
    let _ = pid;
}

/// How one worker ended.
struct WorkerEnd {
    status: ExitStatus,
    /// The piece it had announced and not finished.
    running: Option<(Piece, String)>,
    finished_any: bool,
    /// The watchdog ended it.
    timed_out: bool,
    last_words: String,
}

/// Why a supervised run stopped before its plan's end.
enum Ending {
    Complete,
    Interrupted,
    Stalled(String),
}

/// Runs `job` in workers until its plan is done, interrupted, or a worker dies without
/// finishing anything; returns the result the checkpoint holds.
pub fn supervise(job: Job, supervisor: &Supervisor<'_>) -> Result<Supervised, Failure> {
    let started = Instant::now();
    let mut keeper = Keeper {
        out: job.out.clone(),
        force: supervisor.force,
        file: None,
        checkpoint: None,
        error: None,
    };
    if job.plan.is_none() {
        keeper.continue_file()?;
    }
    let terminal = Terminal::new();
    let mut assignment = Assignment {
        job,
        retune: supervisor.retune.take(),
        notes: supervisor.notes.to_vec(),
    };
    let ending = loop {
        let end = run_worker(&assignment, supervisor, &terminal, &mut keeper)?;
        // Every later worker continues the checkpoint, with the tunings the first one kept.
        assignment.job.plan = None;
        assignment.retune = false;
        let how = describe(&end.status);
        let lost = match (&end.running, end.timed_out) {
            (Some((piece, label)), true) => Some((
                piece,
                label,
                ErrorKind::TimedOut,
                format!(
                    "ran past --timeout ({} s) and was ended",
                    supervisor.timeout.as_secs()
                ),
            )),
            (Some((piece, label)), false) if !end.status.success() && !interrupted(&end) => {
                Some((piece, label, ErrorKind::Crashed, crash_reason(&how, &end)))
            }
            _ => None,
        };
        if let Some((piece, label, kind, reason)) = lost {
            terminal.say(&format!("{label}: {}: {reason}", kind.label()));
            keeper.keep(&piece.lost(kind, &reason))?;
            if supervisor.relay.interrupts() > 0 {
                break Ending::Interrupted;
            }
            continue;
        }
        if end.status.success() {
            break Ending::Complete;
        }
        if interrupted(&end) {
            break Ending::Interrupted;
        }
        let silent = format!(
            "the worker process said nothing for {} s (--timeout) and was ended",
            supervisor.timeout.as_secs()
        );
        if end.timed_out && keeper.checkpoint.is_some() {
            break Ending::Stalled(format!("stopped: {silent}"));
        }
        if end.timed_out {
            terminal.finish();
            return Err(Failure::other(format!("{silent} before the run began")));
        }
        if keeper.checkpoint.is_none() {
            // It stopped before the run began: a usage error or a device that would not open,
            // which it said itself, or a crash.
            terminal.finish();
            return Err(match end.status.code() {
                // Its last line is its error, already on the terminal.
                Some(code) => Failure::said(
                    u8::try_from(code).unwrap_or(1),
                    end.last_words
                        .rsplit(" / ")
                        .next()
                        .unwrap_or_default()
                        .trim_start_matches("error: "),
                ),
                None => Failure::other(format!(
                    "the worker process {how} before the run began{}",
                    words(&end.last_words)
                )),
            });
        }
        if !end.finished_any {
            break Ending::Stalled(format!(
                "stopped: a worker process {how} before it finished anything{}",
                words(&end.last_words)
            ));
        }
        // A worker whose device was lost said so itself.
        if end.status.code() != Some(i32::from(DEVICE_LOST)) {
            terminal.say(&format!(
                "the worker process {how} between configurations; a new one continues"
            ));
        }
    };
    terminal.finish();
    let checkpoint = keeper.checkpoint.as_ref().ok_or_else(|| {
        Failure::other("the worker ended before the run began, without saying why")
    })?;
    let mut results = session::assemble(checkpoint);
    results.run_seconds = started.elapsed().as_secs_f64();
    let stalled = matches!(ending, Ending::Stalled(_));
    results.partial = match ending {
        Ending::Complete => None,
        Ending::Interrupted if supervisor.relay.interrupts() > 1 => Some(STOPPED_AT_ONCE.into()),
        Ending::Interrupted => Some(STOPPED.into()),
        Ending::Stalled(reason) => Some(reason),
    };
    Ok(Supervised {
        results,
        stalled,
        checkpoint_error: keeper.error,
    })
}

/// Whether the worker stopped because it was asked to (130, 128 + SIGINT).
fn interrupted(end: &WorkerEnd) -> bool {
    !end.timed_out && end.status.code() == Some(i32::from(ErrorKind::Interrupted.exit_code()))
}

fn crash_reason(how: &str, end: &WorkerEnd) -> String {
    format!("the worker process {how}{}", words(&end.last_words))
}

fn words(last_words: &str) -> String {
    if last_words.is_empty() {
        String::new()
    } else {
        format!("; it said: {last_words}")
    }
}

/// Starts one worker on `assignment` and follows it to its end: its messages to the
/// checkpoint and the terminal, its standard error to the terminal (the last lines kept).
fn run_worker(
    assignment: &Assignment,
    supervisor: &Supervisor<'_>,
    terminal: &Terminal,
    keeper: &mut Keeper,
) -> Result<WorkerEnd, Failure> {
    let mut child = spawn(assignment)?;
    supervisor.relay.worker.store(child.id(), Ordering::SeqCst);
    let last_words = Arc::new(Mutex::new(Vec::<String>::new()));
    let stderr = child.stderr.take().map(|stderr| {
        let (terminal, last_words) = (terminal.clone(), last_words.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                // Rust's hint at backtraces says nothing of the crash.
                if line.starts_with("note: run with `RUST_BACKTRACE") {
                    continue;
                }
                terminal.say(&line);
                if let Ok(mut words) = last_words.lock() {
                    words.push(line);
                    let excess = words.len().saturating_sub(LAST_WORDS);
                    words.drain(..excess);
                }
            }
        })
    });
    let (sender, messages) = mpsc::channel();
    let stdout = child.stdout.take().map(|stdout| {
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        })
    });
    let mut running = None;
    let mut finished_any = false;
    let mut timed_out = false;
    loop {
        match messages.recv_timeout(supervisor.timeout) {
            Ok(text) => match serde_json::from_str::<Message>(&text) {
                Ok(Message::Progress(progress)) => {
                    terminal.progress(&progress);
                    if let Ok(mut words) = last_words.lock() {
                        words.clear();
                    }
                    running = Some((progress.piece, progress.label));
                }
                Ok(Message::Finished(line)) => {
                    if let Err(failure) = keeper.keep(&line) {
                        end(&mut child);
                        return Err(failure);
                    }
                    if let Some(checkpoint) = &keeper.checkpoint {
                        terminal.finished(&line, &checkpoint.plan.config);
                    }
                    running = None;
                    finished_any = true;
                }
                // Anything else a library printed.
                Err(_) => println!("{text}"),
            },
            Err(RecvTimeoutError::Timeout) => {
                timed_out = true;
                end(&mut child);
                break;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    let status = child
        .wait()
        .map_err(|e| Failure::other(format!("cannot wait for the worker process: {e}")))?;
    supervisor.relay.worker.store(0, Ordering::SeqCst);
    for thread in [stdout, stderr].into_iter().flatten() {
        let _ = thread.join();
    }
    let last_words = last_words.lock().map(|w| w.join(" / ")).unwrap_or_default();
    Ok(WorkerEnd {
        status,
        running,
        finished_any,
        timed_out,
        last_words,
    })
}

/// This binary as a worker, its assignment on standard input.
fn spawn(assignment: &Assignment) -> Result<Child, Failure> {
    let exe = std::env::current_exe()
        .map_err(|e| Failure::other(format!("cannot find this program to start a worker: {e}")))?;
    let mut command = Command::new(exe);
    command
        .arg("--worker")
        // A dying worker's last words are recorded: its message, not a backtrace.
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .map_err(|e| Failure::other(format!("cannot start a worker process: {e}")))?;
    let text = serde_json::to_vec(assignment).expect("an assignment always serialises");
    if let Some(mut stdin) = child.stdin.take() {
        // A worker that cannot read its job says so and exits; that is reported then.
        let _ = stdin.write_all(&text);
    }
    Ok(child)
}

/// Ends a worker at once (SIGKILL on Unix).
fn end(child: &mut Child) {
    let _ = child.kill();
}

/// An exit status in words: "was killed by signal 9 (SIGKILL)", "exited with status 3".
fn describe(status: &ExitStatus) -> String {
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(status) {
        return format!("was killed by signal {signal}{}", signal_name(signal));
    }
    match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => "ended without a status".into(),
    }
}

/// What the usual fatal signals mean here.
#[cfg(unix)]
fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGABRT => " (SIGABRT: it aborted, as on an allocation that failed)",
        libc::SIGKILL => " (SIGKILL: the kernel's OOM killer, the watchdog or another process)",
        libc::SIGSEGV => " (SIGSEGV: an invalid memory access, often inside a driver)",
        libc::SIGBUS => " (SIGBUS)",
        libc::SIGILL => " (SIGILL)",
        libc::SIGTERM => " (SIGTERM)",
        _ => "",
    }
}

/// The checkpoint, in the output folder and in memory: what the supervisor keeps.
struct Keeper {
    out: PathBuf,
    force: bool,
    file: Option<CheckpointFile>,
    /// Everything finished so far; `None` until the run's start line arrives.
    checkpoint: Option<Checkpoint>,
    /// The first write to the file that failed (the run goes on: the memory copy holds all).
    error: Option<String>,
}

impl Keeper {
    /// Continues the checkpoint in the output folder (`--resume`, or a later worker).
    fn continue_file(&mut self) -> Result<(), Failure> {
        self.checkpoint = Some(output::read_checkpoint(&self.out).map_err(Failure::usage)?);
        self.file = Some(CheckpointFile::open(&self.out).map_err(Failure::other)?);
        Ok(())
    }

    /// Keeps one finished piece. The start line of a new run first makes the folder ready:
    /// only then, with a device that opened and a plan it runs, is the folder touched.
    fn keep(&mut self, line: &Line) -> Result<(), Failure> {
        match (Checkpoint::begun_by(line), &mut self.checkpoint) {
            (Some(begun), None) => {
                if let Some(done) =
                    output::prepare(&self.out, self.force).map_err(Failure::usage)?
                {
                    eprintln!("note: {done}");
                }
                self.file = Some(CheckpointFile::open(&self.out).map_err(Failure::other)?);
                self.checkpoint = Some(begun);
            }
            // A run has one start; a worker that continues one sends none.
            (Some(_), Some(_)) => return Ok(()),
            (None, Some(checkpoint)) => checkpoint.lines.push(line.clone()),
            (None, None) => {
                return Err(Failure::other(
                    "the worker sent a finished piece before the run's start",
                ));
            }
        }
        if let Some(file) = &mut self.file
            && let Err(err) = file.append(line)
        {
            self.error.get_or_insert(err);
        }
        Ok(())
    }
}
