//! What a benchmark run shows on the terminal: a progress bar on standard error, and each
//! finished row above it as it finishes (as hyperfine prints each result), whichever process
//! measured it.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use nlbench::{
    config::BenchConfig,
    session::{Progress, TimeLeft, checkpoint::Line},
};
use nlbench_report::report::row_line;

/// Columns the terminal has: `COLUMNS` where set (scripts and tests fix it), else the width
/// of the terminal on standard output or standard error, else 120 (output to a file or a
/// pipe: what a normal terminal shows).
pub fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|columns| columns.trim().parse().ok())
        .filter(|&columns: &usize| columns >= MIN_WIDTH)
        .or_else(|| {
            [console::Term::stdout(), console::Term::stderr()]
                .iter()
                .find_map(console::Term::size_checked)
                .map(|(_, columns)| usize::from(columns).max(MIN_WIDTH))
        })
        .unwrap_or(120)
}

/// Narrower than this, nothing is fitted: the tables keep their configuration and
/// throughput columns.
const MIN_WIDTH: usize = 40;

/// The session's time left and when it came: the bar counts it down between pieces.
type Announced = Arc<Mutex<Option<(TimeLeft, Instant)>>>;

/// The progress bar, shared by every thread that prints beside it.
#[derive(Clone)]
pub struct Terminal {
    bar: ProgressBar,
    announced: Announced,
}

impl Terminal {
    pub fn new() -> Self {
        let announced: Announced = Arc::new(Mutex::new(None));
        // The session's estimate weighs each piece left by its time in earlier runs or its
        // cost; indicatif's own ETA, the mean time per piece so far, comes out short when the
        // cheapest run first. Redrawn every second, it counts down while a piece runs.
        let shown = announced.clone();
        let left = move |_: &ProgressState, out: &mut dyn std::fmt::Write| {
            if let Some((left, at)) = *shown.lock().expect("the estimate's lock") {
                let _ = write!(out, ", {}", left.after(at.elapsed().as_secs_f64() * 1000.0));
            }
        };
        let bar = ProgressBar::new(1).with_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} [{elapsed}{left}] {wide_msg}")
                .expect("valid template")
                .with_key("left", left),
        );
        bar.enable_steady_tick(Duration::from_secs(1));
        Self { bar, announced }
    }

    pub fn progress(&self, progress: &Progress) {
        *self.announced.lock().expect("the estimate's lock") =
            progress.left.map(|left| (left, Instant::now()));
        self.bar.set_length(progress.total as u64);
        self.bar.set_position(progress.done as u64);
        self.bar.set_message(progress.label.clone());
    }

    /// A finished piece: its row, for an inference row of a run of `config`.
    pub fn finished(&self, line: &Line, config: &BenchConfig) {
        if let Line::Inference { round, record } = line {
            let round = if config.repeat > 1 {
                format!("round {}: ", round + 1)
            } else {
                String::new()
            };
            let width = width().saturating_sub(round.chars().count());
            self.say(&format!("{round}{}", row_line(config, record, width)));
        }
    }

    /// A line above the bar.
    pub fn say(&self, text: &str) {
        // A hidden bar (standard error is no terminal) prints nothing of its own.
        if self.bar.is_hidden() {
            eprintln!("{text}");
        } else {
            self.bar.println(text);
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
