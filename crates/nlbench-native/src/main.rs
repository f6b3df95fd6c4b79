//! `nlbench-native`: the command-line front end. It gathers arguments, picks a device, drives
//! the library's suites and writes the outputs; everything else lives in the `nlbench` crate.

mod backend;
mod cli;
mod compare;
mod cuda_driver;
mod output;
mod run;
mod summary;
mod system;

use std::{
    panic::{AssertUnwindSafe, catch_unwind},
    process::ExitCode,
};

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use nlbench::{
    report::{ceilings_summary, inference_summary, memory_summary},
    schema::{ResultSet, SCHEMA_VERSION},
    share,
};

use crate::{
    cli::{Args, Command},
    run::InstantClock,
};

/// Exit status of a command line that cannot be run as given.
const USAGE_ERROR: u8 = 2;

fn main() -> ExitCode {
    let args = Args::parse();
    // Backend panics are caught per configuration and recorded with their message; the
    // default hook would also print them with a backtrace hint, so it stays silent.
    std::panic::set_hook(Box::new(|_| {}));
    match catch_unwind(AssertUnwindSafe(|| dispatch(&args))) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err((code, message))) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
        }
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".into());
            eprintln!(
                "error: internal error: {}",
                message.lines().next().unwrap_or_default()
            );
            ExitCode::FAILURE
        }
    }
}

fn dispatch(args: &Args) -> Result<(), (u8, String)> {
    match &args.command {
        Some(Command::Compare {
            files,
            out,
            share_base,
        }) => {
            let link = compare::compare(files, out, share_base).map_err(|e| (1, e))?;
            println!("share link: {link}");
            Ok(())
        }
        None => benchmark(args),
    }
}

fn benchmark(args: &Args) -> Result<(), (u8, String)> {
    let config = cli::bench_config(args).map_err(|e| (USAGE_ERROR, e))?;
    std::fs::create_dir_all(&args.out).map_err(|e| {
        (
            1,
            format!("cannot create output folder {}: {e}", args.out.display()),
        )
    })?;
    let selected = backend::select(args.backend).map_err(|e| (1, e))?;
    eprintln!(
        "device: {} [{}] — {}",
        selected.info.label(),
        selected.info.backend,
        selected.reason
    );

    let created = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let clock = InstantClock::new();
    let bar = ProgressBar::new(1).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} [{elapsed} < ETA {eta}] {msg}")
            .expect("valid template"),
    );
    let records = run::suites(
        &selected.selection,
        args.suite,
        args.clock,
        &config,
        &clock,
        &mut |p| {
            bar.set_length(p.total as u64);
            bar.set_position(p.done as u64);
            bar.set_message(p.label.clone());
        },
    )
    .map_err(|e| (1, e))?;
    bar.finish_and_clear();

    let results = ResultSet {
        schema_version: SCHEMA_VERSION,
        tool: system::tool(),
        created,
        machine: system::machine(),
        device: selected.info,
        timing: records.timing,
        ceilings: Some(records.ceilings),
        burn_probes: records.burn_probes,
        run_seconds: nlbench::clock::Clock::now_ms(&clock) / 1000.0,
        config,
        inference: records.inference,
        memory: records.memory,
    };
    if let Some(ceilings) = ceilings_summary(&results) {
        println!("{}", summary::table(ceilings));
    }
    if !results.inference.is_empty() {
        println!("{}", summary::table(inference_summary(&results)));
    }
    if !results.memory.is_empty() {
        println!("{}", summary::table(memory_summary(&results)));
    }
    let (written, failed) = output::write_all(
        &args.out,
        output::run_exporters(&results, args.config.is_some()),
    );
    for path in &written {
        println!("wrote {}", path.display());
    }
    println!(
        "share link: {}",
        compare::share_link(
            &args.share_base,
            &format!("{}{}", share::FRAGMENT_KEY, share::encode(&results))
        )
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err((1, format!("could not write {}", failed.join("; "))))
    }
}
