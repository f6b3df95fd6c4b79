//! Every file a result produces, as named artifacts: `results.json`, the Markdown reports
//! (per-model ones too), the charts as SVG and, natively, 300 DPI PNG; for several results,
//! `COMPARISON.md` and the comparison charts. The command line writes them, the dashboard
//! offers the same list for download and shows the SVG charts; neither spells a file name.
//!
//! PNG is native only: plotters lays text out with the browser's fonts on wasm32 and cannot
//! rasterise it into a bitmap there.
//!
//! This crate reads results ([`nlbench_results`]) and nothing of burn, so it compiles beside
//! burn and its backends.

pub mod chart;
pub mod flat;
pub(crate) mod fonts;
pub mod report;
#[cfg(test)]
mod robustness;
#[cfg(test)]
mod snapshots;
pub mod untrusted;

/// Share links are part of the results format; offered here too, beside the files.
pub use nlbench_results::share;

use chart::{Figure, Plotter, SvgPlotter};

use nlbench_results::{error::RunError, schema::ResultSet};

/// One file of a result's output.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    /// File name, for example `BENCHMARK_REPORT.md`.
    pub name: String,
    /// What it holds, for download buttons and image alt text.
    pub title: String,
    pub format: Format,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Markdown,
    Svg,
    Png,
}

impl Format {
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Markdown => "text/markdown",
            Format::Svg => "image/svg+xml",
            Format::Png => "image/png",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Markdown => "md",
            Format::Svg => "svg",
            Format::Png => "png",
        }
    }
}

/// The name of the results file, which `compare` and resuming look for.
pub const RESULTS_FILE: &str = "results.json";

/// What to produce beyond the standard set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// One `BENCHMARK_REPORT_<model>.md` per model besides the combined report.
    pub per_model_reports: bool,
}

/// An artifact before rendering: its name and kind are known at once, its bytes on demand
/// (a 300 DPI PNG takes a while), so a front end can list or replace files cheaply.
pub struct Planned<'a> {
    pub name: String,
    pub title: String,
    pub format: Format,
    render: Box<dyn FnOnce() -> Result<Vec<u8>, RunError> + 'a>,
}

impl Planned<'_> {
    pub fn render(self) -> Result<Artifact, RunError> {
        Ok(Artifact {
            bytes: (self.render)()?,
            name: self.name,
            title: self.title,
            format: self.format,
        })
    }
}

/// The files of a run: `results.json` first (so a failure later never loses the figures),
/// then the reports and charts of the suites that ran.
pub fn plan(results: &ResultSet, options: Options) -> Vec<Planned<'_>> {
    let mut list = vec![Planned {
        name: RESULTS_FILE.into(),
        title: "All figures and raw timings".into(),
        format: Format::Json,
        render: Box::new(|| Ok(results.to_json().into_bytes())),
    }];
    if !results.inference.is_empty() || !results.training.is_empty() {
        list.push(markdown(
            "BENCHMARK_REPORT",
            "Inference and training report",
            move || report::benchmark_report(results, None),
        ));
    }
    if !results.inference.is_empty() {
        if options.per_model_reports {
            for model in &results.config.models {
                list.push(markdown(
                    &format!("BENCHMARK_REPORT_{}", file_safe(&model.name)),
                    &format!("Inference report: {}", model.name),
                    move || report::benchmark_report(results, Some(&model.name)),
                ));
            }
        }
        list.extend(charts(chart::inference_figures(results)));
    }
    if !results.memory.is_empty() {
        list.push(markdown("MEMORY_REPORT", "Memory report", move || {
            report::memory_report(results)
        }));
        list.extend(charts(chart::memory_figures(results)));
    }
    list
}

/// Every file of a run, rendered.
pub fn artifacts(results: &ResultSet, options: Options) -> Result<Vec<Artifact>, RunError> {
    plan(results, options)
        .into_iter()
        .map(Planned::render)
        .collect()
}

/// The files of a comparison: `COMPARISON.md` and the comparison charts.
pub fn comparison_plan(results: &[ResultSet]) -> Vec<Planned<'_>> {
    let mut list = vec![markdown("COMPARISON", "Comparison report", move || {
        report::comparison_report(results)
    })];
    list.extend(charts(chart::comparison_figures(results)));
    list
}

/// Every file of a comparison, rendered.
pub fn comparison_artifacts(results: &[ResultSet]) -> Result<Vec<Artifact>, RunError> {
    comparison_plan(results)
        .into_iter()
        .map(Planned::render)
        .collect()
}

fn markdown<'a>(stem: &str, title: &str, text: impl FnOnce() -> String + 'a) -> Planned<'a> {
    Planned {
        name: format!("{stem}.{}", Format::Markdown.extension()),
        title: title.into(),
        format: Format::Markdown,
        render: Box::new(move || Ok(text().into_bytes())),
    }
}

/// Every figure as SVG and, natively, as 300 DPI PNG.
fn charts<'a>(figures: Vec<(&'static str, Figure)>) -> Vec<Planned<'a>> {
    let mut list = Vec::new();
    for (stem, figure) in figures {
        #[cfg(not(target_arch = "wasm32"))]
        list.push(chart_file(stem, figure.clone(), Format::Png, |f| {
            chart::PngPlotter::default().plot(f)
        }));
        list.push(chart_file(stem, figure, Format::Svg, |f| {
            SvgPlotter.plot(f).map(String::into_bytes)
        }));
    }
    list
}

fn chart_file<'a>(
    stem: &str,
    figure: Figure,
    format: Format,
    draw: impl FnOnce(&Figure) -> Result<Vec<u8>, chart::ChartError> + 'a,
) -> Planned<'a> {
    Planned {
        name: format!("{stem}.{}", format.extension()),
        title: figure.title.clone(),
        format,
        render: Box::new(move || draw(&figure).map_err(|e| RunError::backend(e.to_string()))),
    }
}

/// Model names may hold any character; file names keep letters, digits, `-` and `_`.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use nlbench_results::fixtures;

    #[test]
    fn a_result_gives_every_file_once() {
        let results = fixtures::results();
        let list = artifacts(
            &results,
            Options {
                per_model_reports: true,
            },
        )
        .unwrap();
        let names: Vec<&str> = list.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names[0], RESULTS_FILE);
        for name in [
            "BENCHMARK_REPORT.md",
            "BENCHMARK_REPORT_small.md",
            "MEMORY_REPORT.md",
            "throughput_benchmark.svg",
            "throughput_benchmark.png",
            "roofline.png",
            "memory_comparison.svg",
            "training_memory_breakdown.png",
        ] {
            assert_eq!(names.iter().filter(|n| **n == name).count(), 1, "{name}");
        }
        let json = list.iter().find(|a| a.format == Format::Json).unwrap();
        assert_eq!(
            ResultSet::from_json(std::str::from_utf8(&json.bytes).unwrap()).unwrap(),
            results
        );
        let comparison = comparison_artifacts(&[results.clone(), results]).unwrap();
        assert_eq!(comparison[0].name, "COMPARISON.md");
        assert!(
            comparison
                .iter()
                .any(|a| a.name == "comparison_throughput.png")
        );
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_safe("my model/v2"), "my_model_v2");
        assert_eq!(file_safe("xl"), "xl");
    }
}
