//! What a benchmark run shows on the terminal: a progress bar on standard error, and each
//! finished row above it as it finishes (as hyperfine prints each result), whichever process
//! measured it.

use indicatif::{ProgressBar, ProgressStyle};
use nlbench::{
    config::BenchConfig,
    export::report::row_line,
    session::{Progress, checkpoint::Line},
};

/// The progress bar, shared by every thread that prints beside it.
#[derive(Clone)]
pub struct Terminal {
    bar: ProgressBar,
}

impl Terminal {
    pub fn new() -> Self {
        let bar = ProgressBar::new(1).with_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} [{elapsed}{prefix}] {msg}")
                .expect("valid template"),
        );
        Self { bar }
    }

    pub fn progress(&self, progress: &Progress) {
        self.bar.set_length(progress.total as u64);
        self.bar.set_position(progress.done as u64);
        self.bar.set_message(progress.label.clone());
        // The session's estimate weighs the pieces left by their cost; indicatif's own ETA,
        // the mean time per piece so far, comes out short when the cheapest run first.
        self.bar.set_prefix(
            progress
                .left
                .map(|left| format!(", {left}"))
                .unwrap_or_default(),
        );
    }

    /// A finished piece: its row, for an inference row of a run of `config`.
    pub fn finished(&self, line: &Line, config: &BenchConfig) {
        if let Line::Inference { round, record } = line {
            let round = if config.repeat > 1 {
                format!("round {}: ", round + 1)
            } else {
                String::new()
            };
            self.say(&format!("{round}{}", row_line(config, record)));
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
