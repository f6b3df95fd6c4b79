//! `nlbench-native`: the command-line front end. It gathers arguments, picks a device, drives
//! the library's session with a blocking executor and writes the outputs; everything else
//! lives in the `nlbench` crate.

mod cli;
mod compare;
mod cuda_driver;
mod devices;
mod output;
mod run;
mod summary;
mod system;
mod tuning_cache;

use std::{
    panic::{AssertUnwindSafe, catch_unwind},
    process::ExitCode,
};

use clap::Parser;
use nlbench::{error::ErrorKind, export::Options, schema::ResultSet};

use crate::cli::{Args, Command};

/// A command that stops: its exit status and a one-line message.
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Self {
        Self {
            code: ErrorKind::Invalid.exit_code(),
            message: message.into(),
        }
    }

    fn other(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
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
            eprintln!("error: {}", failure.message);
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
        }) => {
            let link = compare::compare(files, out, share_base)?;
            println!("share link: {link}");
            Ok(0)
        }
        Some(Command::Devices) => {
            summary::devices(&devices::list());
            Ok(0)
        }
        None => benchmark(args),
    }
}

/// A benchmark run: the plan (from the flags, or from the checkpoint with `--resume`), the
/// device (or every device), the session, then the files. Returns the exit status: 0, or 130
/// where the run was interrupted (its files are written and marked partial).
fn benchmark(args: &Args) -> Result<u8, Failure> {
    // What could not be set up as planned: each is said now and recorded in the results.
    let mut notes = Vec::new();
    let (plan, resume) = if args.resume {
        if cli::sets_plan(args) {
            return Err(Failure::usage(
                "--resume continues the checkpoint's plan: leave out the settings \
                 (--quick, --config, --sizes, --batch-sizes, …)",
            ));
        }
        let checkpoint = output::read_checkpoint(&args.out).map_err(Failure::usage)?;
        (checkpoint.plan.clone(), Some(checkpoint))
    } else {
        let (plan, notes) = cli::plan(args).map_err(Failure::usage)?;
        for note in notes {
            eprintln!("note: {note}");
        }
        (plan, None)
    };
    // The tuning folder is named after this machine's devices, and cubecl must be pointed
    // at it before any device opens.
    let listed = devices::list();
    let infos: Vec<_> = listed.iter().map(|l| l.info.clone()).collect();
    let tuning = tuning_cache::Tuning::start(args.retune, &infos, &mut notes);
    nlbench::kernels::listen_to_autotune(None, tuning.cubecl(), tuning.kernels());
    let (interrupts, installed) = run::Interrupts::install();
    if let Err(note) = installed {
        notes.push(note);
    }
    for note in &notes {
        eprintln!("warning: {note}");
    }
    let settings = RunSettings {
        options: Options {
            per_model_reports: args.config.is_some(),
        },
        args,
        interrupts: &interrupts,
        notes: &notes,
        tuning: &tuning,
    };
    if args.all_devices {
        return all_devices(&listed, &plan, settings);
    }
    let selected = match &args.device {
        Some(wanted) => devices::find(&listed, wanted)
            .map_err(Failure::usage)?
            .open()
            .map_err(Failure::other)?,
        None => devices::select(args.backend).map_err(Failure::other)?,
    };
    eprintln!(
        "device: {} [{}] — {}",
        selected.info.label(),
        selected.info.backend,
        selected.reason
    );
    if let Some(checkpoint) = &resume
        && (checkpoint.device.name != selected.info.name
            || checkpoint.device.backend != selected.info.backend)
    {
        return Err(Failure::usage(format!(
            "--resume: the interrupted run used {} [{}]; select that device again",
            checkpoint.device.label(),
            checkpoint.device.backend
        )));
    }
    let results = run_on(&selected, &plan, &args.out, settings, resume)?;
    println!(
        "share link: {}",
        compare::share_link(
            &args.share_base,
            &compare::fragment(std::slice::from_ref(&results))
        )
    );
    Ok(exit_code(&results))
}

/// What every device's run of one command shares.
#[derive(Clone, Copy)]
struct RunSettings<'a> {
    options: Options,
    args: &'a Args,
    interrupts: &'a run::Interrupts,
    /// What could not be set up as planned, for the results.
    notes: &'a [String],
    tuning: &'a tuning_cache::Tuning,
}

/// Runs `plan` on one selected device into `out` and writes every file there. A plan the
/// device cannot run is an error; everything measured is written, complete or not.
fn run_on(
    selected: &devices::Selected,
    plan: &nlbench::plan::Plan,
    out: &std::path::Path,
    settings: RunSettings<'_>,
    resume: Option<nlbench::session::checkpoint::Checkpoint>,
) -> Result<ResultSet, Failure> {
    let RunSettings {
        options,
        args,
        interrupts,
        notes,
        tuning,
    } = settings;
    let device = selected
        .open(plan, tuning.reference(&selected.info))
        .map_err(|e| Failure {
            code: e.kind.exit_code(),
            message: e.message,
        })?;
    // burn's CPU backend tunes nothing: the folder is this machine's GPUs' business.
    if selected.info.backend != "cpu" {
        eprintln!("{}", tuning.summary());
    }
    // Only now, with a plan and a device that can run it, is the folder touched.
    if resume.is_none()
        && let Some(done) = output::prepare(out, args.force).map_err(Failure::usage)?
    {
        eprintln!("note: {done}");
    }
    let finished =
        run::run(plan, &device, out, options, resume, interrupts, notes).map_err(Failure::other)?;
    let results = finished.results;
    summary::print(&results);
    let (written, failed) = output::write_results(out, &results, options);
    for path in &written {
        println!("wrote {}", path.display());
    }
    if let Some(err) = finished.checkpoint_error {
        eprintln!("warning: {err}; the results above are complete");
    }
    if !failed.is_empty() {
        return Err(Failure::other(format!(
            "could not write {}",
            failed.join("; ")
        )));
    }
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
    plan: &nlbench::plan::Plan,
    settings: RunSettings<'_>,
) -> Result<u8, Failure> {
    let RunSettings { args, notes, .. } = settings;
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
        let outcome = listed
            .open()
            .map_err(Failure::other)
            .and_then(|selected| run_on(&selected, plan, &out, settings, None));
        match outcome {
            Ok(result) => {
                let stopped = result.partial.is_some();
                results.push(result);
                if stopped {
                    break;
                }
            }
            Err(failure) => {
                eprintln!("device {index} did not run: {}", failure.message);
                results.push(nlbench::session::not_run(
                    plan,
                    listed.info.clone(),
                    system::identity(notes),
                    failure.message,
                ));
            }
        }
    }
    if results.len() > 1 {
        compare::write(&args.out, &results)?;
        println!(
            "share link: {}",
            compare::share_link(&args.share_base, &compare::fragment(&results))
        );
    }
    Ok(results.iter().map(exit_code).max().unwrap_or(0))
}
