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
        None => benchmark(args),
    }
}

/// A benchmark run: the plan (from the flags, or from the checkpoint with `--resume`), the
/// output folder, the device, the session, then the files. Returns the exit status: 0, or
/// 130 where the run was interrupted (its files are written and marked partial).
fn benchmark(args: &Args) -> Result<u8, Failure> {
    let interrupts = run::Interrupts::install();
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
    let selected = devices::select(args.backend).map_err(Failure::other)?;
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
    let device = selected.open(&plan).map_err(|e| Failure {
        code: e.kind.exit_code(),
        message: e.message,
    })?;
    // Only now, with a plan and a device that can run it, is the folder touched.
    if resume.is_none()
        && let Some(done) = output::prepare(&args.out, args.force).map_err(Failure::usage)?
    {
        eprintln!("note: {done}");
    }
    let options = Options {
        per_model_reports: args.config.is_some(),
    };
    let finished = run::run(&plan, &device, &args.out, options, resume, &interrupts)
        .map_err(Failure::other)?;
    let results = finished.results;
    summary::print(&results);
    let (written, failed) = output::write_results(&args.out, &results, options);
    for path in &written {
        println!("wrote {}", path.display());
    }
    println!(
        "share link: {}",
        compare::share_link(
            &args.share_base,
            &compare::fragment(std::slice::from_ref(&results))
        )
    );
    if let Some(err) = finished.checkpoint_error {
        eprintln!("warning: {err}; the results above are complete");
    }
    if !failed.is_empty() {
        return Err(Failure::other(format!(
            "could not write {}",
            failed.join("; ")
        )));
    }
    finish(&args.out, &results)
}

/// A complete run drops its checkpoint; an interrupted one keeps it and exits with 130.
fn finish(out: &std::path::Path, results: &ResultSet) -> Result<u8, Failure> {
    match &results.partial {
        None => {
            output::discard_checkpoint(out).map_err(Failure::other)?;
            Ok(0)
        }
        Some(reason) => {
            eprintln!(
                "{reason}: the files above hold what finished; `--resume --out {}` continues",
                out.display()
            );
            Ok(ErrorKind::Interrupted.exit_code())
        }
    }
}
