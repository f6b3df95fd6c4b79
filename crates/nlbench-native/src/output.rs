//! The output folder: every file is rendered from the result set by one [`Exporter`], and
//! `results.json` is written first, so a failure in a later file never loses the figures.

use std::path::{Path, PathBuf};

use nlbench::{
    chart::{Figure, Plotter, PngPlotter, SvgPlotter, inference_figures, memory_figures},
    report::{benchmark_report, memory_report},
    schema::ResultSet,
};

/// One file of the output folder.
pub trait Exporter {
    fn file_name(&self) -> String;
    fn render(&self, results: &ResultSet) -> Result<Vec<u8>, String>;
}

struct Json;

impl Exporter for Json {
    fn file_name(&self) -> String {
        "results.json".into()
    }

    fn render(&self, results: &ResultSet) -> Result<Vec<u8>, String> {
        Ok(results.to_json().into_bytes())
    }
}

/// `BENCHMARK_REPORT.md`, or `BENCHMARK_REPORT_<model>.md` for one model.
struct BenchmarkReport {
    model: Option<String>,
}

impl Exporter for BenchmarkReport {
    fn file_name(&self) -> String {
        match &self.model {
            Some(model) => format!("BENCHMARK_REPORT_{}.md", file_safe(model)),
            None => "BENCHMARK_REPORT.md".into(),
        }
    }

    fn render(&self, results: &ResultSet) -> Result<Vec<u8>, String> {
        Ok(benchmark_report(results, self.model.as_deref()).into_bytes())
    }
}

struct MemoryReport;

impl Exporter for MemoryReport {
    fn file_name(&self) -> String {
        "MEMORY_REPORT.md".into()
    }

    fn render(&self, results: &ResultSet) -> Result<Vec<u8>, String> {
        Ok(memory_report(results).into_bytes())
    }
}

#[derive(Clone, Copy)]
enum ChartFormat {
    Png,
    Svg,
}

struct Chart {
    stem: &'static str,
    figure: Figure,
    format: ChartFormat,
}

impl Exporter for Chart {
    fn file_name(&self) -> String {
        match self.format {
            ChartFormat::Png => format!("{}.png", self.stem),
            ChartFormat::Svg => format!("{}.svg", self.stem),
        }
    }

    /// The figure was described from the same result set when the exporter was made.
    fn render(&self, _: &ResultSet) -> Result<Vec<u8>, String> {
        match self.format {
            ChartFormat::Png => PngPlotter::default().plot(&self.figure),
            ChartFormat::Svg => SvgPlotter.plot(&self.figure).map(String::into_bytes),
        }
        .map_err(|e| e.to_string())
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

fn exporters(results: &ResultSet, per_model_reports: bool) -> Vec<Box<dyn Exporter>> {
    let mut list: Vec<Box<dyn Exporter>> = vec![Box::new(Json)];
    let mut figures = Vec::new();
    if !results.inference.is_empty() {
        list.push(Box::new(BenchmarkReport { model: None }));
        if per_model_reports {
            for model in &results.config.models {
                list.push(Box::new(BenchmarkReport {
                    model: Some(model.name.clone()),
                }));
            }
        }
        figures.extend(inference_figures(results));
    }
    if !results.memory.is_empty() {
        list.push(Box::new(MemoryReport));
        figures.extend(memory_figures(results));
    }
    for (stem, figure) in figures {
        for format in [ChartFormat::Png, ChartFormat::Svg] {
            list.push(Box::new(Chart {
                stem,
                figure: figure.clone(),
                format,
            }));
        }
    }
    list
}

/// Writes every output into `dir`. Returns the files written and, separately, the files that
/// failed with their reasons.
pub fn write_all(
    dir: &Path,
    results: &ResultSet,
    per_model_reports: bool,
) -> (Vec<PathBuf>, Vec<String>) {
    let mut written = Vec::new();
    let mut failed = Vec::new();
    for exporter in exporters(results, per_model_reports) {
        let path = dir.join(exporter.file_name());
        let outcome = exporter
            .render(results)
            .and_then(|bytes| std::fs::write(&path, bytes).map_err(|e| e.to_string()));
        match outcome {
            Ok(()) => written.push(path),
            Err(reason) => failed.push(format!("{}: {reason}", path.display())),
        }
    }
    (written, failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_safe("my model/v2"), "my_model_v2");
        assert_eq!(
            BenchmarkReport {
                model: Some("xl".into())
            }
            .file_name(),
            "BENCHMARK_REPORT_xl.md"
        );
    }
}
