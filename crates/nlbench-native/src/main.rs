//! `nlbench-native`: the command-line front end. It gathers arguments, picks a device, drives
//! the library's session with a blocking executor and writes the outputs; everything else
//! lives in the `nlbench` crate.

mod cli;
mod compare;
mod cuda_driver;
mod devices;
mod exports;
mod hip_runtime;
mod job;
mod limits;
mod link;
mod output;
mod run;
mod signals;
mod summary;
mod supervisor;
mod system;
mod terminal;
mod tuning_cache;
mod worker;

use std::{
    cell::Cell,
    panic::{AssertUnwindSafe, catch_unwind},
    process::ExitCode,
    time::Duration,
};

use clap::Parser;
use nlbench::{error::ErrorKind, schema::ResultSet};
use nlbench_report::Options;

use crate::{
    cli::{Args, Command},
    job::{DeviceChoice, Job, Setup},
    supervisor::Supervisor,
};

/// A command that stops: its exit status and a one-line message.
pub struct Failure {
    pub code: u8,
    pub message: String,
    /// The message is already on standard error (a worker said it).
    pub said: bool,
}

impl Failure {
    fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            said: false,
        }
    }

    fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid.exit_code(), message)
    }

    fn other(message: impl Into<String>) -> Self {
        Self::new(1, message)
    }

    /// The failure of the files in `failed` (each "path: why") that could not be written,
    /// after the others were; none where `failed` is empty.
    fn unwritten(failed: &[String]) -> Result<(), Self> {
        if failed.is_empty() {
            Ok(())
        } else {
            Err(Self::other(format!(
                "could not write {}",
                failed.join("; ")
            )))
        }
    }

    /// A stop a worker already told the terminal of.
    fn said(code: u8, message: impl Into<String>) -> Self {
        Self {
            said: true,
            ..Self::new(code, message)
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    // Backend panics are caught per configuration and recorded with their message; the
    // default hook would also print them with a backtrace hint, so it stays silent.
    std::panic::set_hook(Box::new(|_| {}));
    match catch_unwind(AssertUnwindSafe(|| dispatch(&args))) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(failure)) => {
            if !failure.said {
                eprintln!("error: {}", failure.message);
            }
            ExitCode::from(failure.code)
        }
        Err(payload) => {
            let err = nlbench::error::RunError::from_panic(payload.as_ref());
            eprintln!("error: internal error: {}", err.message);
            ExitCode::FAILURE
        }
    }
}

fn dispatch(args: &Args) -> Result<u8, Failure> {
    match &args.command {
        Some(Command::Compare {
            files,
            out,
            share_base,
            print_link,
            exports,
        }) => {
            exports.check()?;
            let results = compare::compare(files, out, share_base, *print_link)?;
            exports.write(&results)?;
            Ok(0)
        }
        Some(Command::Devices) => {
            summary::devices(&devices::list());
            Ok(0)
        }
        None if args.worker => worker::serve(),
        None => benchmark(args),
    }
}

/// A benchmark run: the plan (from the flags, or from the checkpoint with `--resume`), the
/// device (or every device), supervised workers (or this process with `--no-isolation`), then
/// the files. Returns the exit status: 0, or 130 where the run was interrupted (its files are
/// written and marked partial).
fn benchmark(args: &Args) -> Result<u8, Failure> {
    args.exports.check()?;
    // With --resume the plan is the checkpoint's, read where the run continues.
    let plan = if args.resume {
        if cli::sets_plan(args) {
            return Err(Failure::usage(
                "--resume continues the checkpoint's plan: leave out the settings \
                 (--quick, --config, --sizes, --batch-sizes, …)",
            ));
        }
        None
    } else {
        let (plan, notes) = cli::plan(args).map_err(Failure::usage)?;
        for note in notes {
            eprintln!("note: {note}");
        }
        Some(plan)
    };
    let job = Job {
        software_plan: plan.as_ref().and_then(|_| cli::software_plan(args)),
        hardware_plan: plan.as_ref().and_then(|_| cli::hardware_plan(args)),
        plan,
        device: match &args.device {
            Some(wanted) => DeviceChoice::Named(wanted.clone()),
            None => DeviceChoice::Backend(args.backend.clone()),
        },
        out: args.out.clone(),
        preflight: !args.no_preflight,
    };
    let options = Options {
        per_model_reports: args.config.is_some(),
    };
    // What could not be set up as planned: each is said now and recorded in the results.
    let mut notes = Vec::new();
    if args.no_isolation {
        let setup = Setup::start(args.retune, &mut notes);
        let run = |job: Job| run_here(job, &setup, options, args.force, &notes);
        return if args.all_devices {
            all_devices(&setup.listed, job, args, &notes, &run)
        } else {
            one_device(job, args, &run)
        };
    }
    let (relay, installed) = supervisor::Relay::install();
    if let Err(note) = installed {
        eprintln!("warning: {note}");
        notes.push(note);
    }
    let supervisor = Supervisor {
        timeout: Duration::from_secs(args.timeout),
        force: args.force,
        retune: Cell::new(args.retune),
        notes: &notes,
        relay: &relay,
    };
    let run = |job: Job| {
        let out = job.out.clone();
        let supervised = supervisor::supervise(job, &supervisor)?;
        let results = finish(
            &out,
            supervised.results,
            options,
            supervised.checkpoint_error,
        )?;
        match (&results.partial, supervised.stalled) {
            // Written, and said with the files: the run could not go on.
            (Some(reason), true) => Err(Failure::said(1, reason.clone())),
            _ => Ok(results),
        }
    };
    if args.all_devices {
        all_devices(&devices::list(), job, args, &notes, &run)
    } else {
        one_device(job, args, &run)
    }
}

/// One device's run, and its share link.
fn one_device(
    job: Job,
    args: &Args,
    run: &dyn Fn(Job) -> Result<ResultSet, Failure>,
) -> Result<u8, Failure> {
    let out = job.out.clone();
    let results = run(job)?;
    link::publish(
        &out,
        &args.share_base,
        std::slice::from_ref(&results),
        args.print_link,
    );
    args.exports.write(std::slice::from_ref(&results))?;
    Ok(exit_code(&results))
}

/// Runs `job` in this process (`--no-isolation`) and writes every file.
fn run_here(
    job: Job,
    setup: &Setup,
    options: Options,
    force: bool,
    notes: &[String],
) -> Result<ResultSet, Failure> {
    let ready = job.open(setup)?;
    // Only now, with a plan and a device that can run it, is the folder touched.
    if ready.resume.is_none()
        && let Some(done) = output::prepare(&job.out, force).map_err(Failure::usage)?
    {
        eprintln!("note: {done}");
    }
    let finished =
        run::run(ready, &job.out, options, &setup.interrupts, notes).map_err(Failure::other)?;
    finish(
        &job.out,
        finished.results,
        options,
        finished.checkpoint_error,
    )
}

/// Prints the summary of a finished run and writes its files into `out`; the checkpoint goes
/// once a complete run's files are written.
fn finish(
    out: &std::path::Path,
    results: ResultSet,
    options: Options,
    checkpoint_error: Option<String>,
) -> Result<ResultSet, Failure> {
    summary::print(&results);
    let (written, failed) = output::write_results(out, &results, options);
    for path in &written {
        println!("wrote {}", path.display());
    }
    if let Some(err) = checkpoint_error {
        eprintln!("warning: {err}; the results above are complete");
    }
    Failure::unwritten(&failed)?;
    match &results.partial {
        None => output::discard_checkpoint(out).map_err(Failure::other)?,
        Some(reason) => eprintln!(
            "{reason}: the files above hold what finished; `--resume --out {}` continues",
            out.display()
        ),
    }
    Ok(results)
}

/// 0 for a complete run, 130 for one interrupted.
fn exit_code(results: &ResultSet) -> u8 {
    match results.partial {
        None => 0,
        Some(_) => ErrorKind::Interrupted.exit_code(),
    }
}

/// `--all-devices`: the plan on every listed device (software ones with
/// `--include-software`), each into `<out>/<index>-<name>/`, then one comparison of them all
/// in `<out>`. A device that cannot run is recorded as such, and the others still run.
fn all_devices(
    list: &[devices::Listed],
    job: Job,
    args: &Args,
    notes: &[String],
    run: &dyn Fn(Job) -> Result<ResultSet, Failure>,
) -> Result<u8, Failure> {
    let Some(plan) = job.plan.clone() else {
        return Err(Failure::usage(
            "--all-devices runs a new plan on every device; it cannot --resume",
        ));
    };
    let chosen: Vec<(usize, &devices::Listed)> = list
        .iter()
        .enumerate()
        .filter(|(_, l)| args.include_software || !l.info.software)
        .collect();
    if chosen.is_empty() {
        return Err(Failure::usage(format!(
            "--all-devices: no hardware device here; --include-software adds {}",
            list.iter()
                .map(|l| l.info.label())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    std::fs::create_dir_all(&args.out).map_err(|e| {
        Failure::usage(format!(
            "cannot create output folder {}: {e}",
            args.out.display()
        ))
    })?;
    let mut results = Vec::new();
    for (index, listed) in chosen {
        let out = args
            .out
            .join(output::device_folder(index, &listed.info.name));
        eprintln!(
            "device {index}: {} → {}",
            listed.info.label(),
            out.display()
        );
        // Every device runs the same plan, so that their results line up.
        let device_job = Job {
            device: DeviceChoice::Named(index.to_string()),
            out: out.clone(),
            software_plan: None,
            hardware_plan: None,
            ..job.clone()
        };
        match run(device_job) {
            Ok(result) => {
                link::publish(
                    &out,
                    &args.share_base,
                    std::slice::from_ref(&result),
                    args.print_link,
                );
                let stopped = result.partial.is_some();
                results.push(result);
                if stopped {
                    break;
                }
            }
            Err(failure) => {
                eprintln!("device {index} did not run: {}", failure.message);
                results.push(nlbench::session::not_run(
                    &plan,
                    listed.info.clone(),
                    system::identity(notes),
                    failure.message,
                ));
            }
        }
    }
    if results.len() > 1 {
        compare::write(&args.out, &results)?;
        link::publish(&args.out, &args.share_base, &results, args.print_link);
    }
    args.exports.write(&results)?;
    Ok(results.iter().map(exit_code).max().unwrap_or(0))
}
