//! Output folders: every file is rendered by one [`Exporter`]; a run writes `results.json`
//! first, so a failure in a later file never loses the figures.

use std::path::{Path, PathBuf};

use nlbench::{
    chart::{Figure, Plotter, PngPlotter, SvgPlotter, inference_figures, memory_figures},
    compare::{Metric, comparison_figure, comparison_report},
    report::{benchmark_report, memory_report},
    schema::ResultSet,
};

/// One file of the output folder.
pub trait Exporter {
    fn file_name(&self) -> String;
    fn render(&self) -> Result<Vec<u8>, String>;
}

struct Json<'a>(&'a ResultSet);

impl Exporter for Json<'_> {
    fn file_name(&self) -> String {
        "results.json".into()
    }

    fn render(&self) -> Result<Vec<u8>, String> {
        Ok(self.0.to_json().into_bytes())
    }
}

/// A Markdown report, rendered by the library when the exporter is made.
struct Markdown {
    file_name: String,
    text: String,
}

impl Exporter for Markdown {
    fn file_name(&self) -> String {
        self.file_name.clone()
    }

    fn render(&self) -> Result<Vec<u8>, String> {
        Ok(self.text.clone().into_bytes())
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

    fn render(&self) -> Result<Vec<u8>, String> {
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

/// Both formats of every figure.
fn charts<'a>(
    figures: Vec<(&'static str, Figure)>,
) -> impl Iterator<Item = Box<dyn Exporter + 'a>> {
    figures.into_iter().flat_map(|(stem, figure)| {
        [ChartFormat::Png, ChartFormat::Svg].map(|format| {
            Box::new(Chart {
                stem,
                figure: figure.clone(),
                format,
            }) as Box<dyn Exporter + 'a>
        })
    })
}

/// The files of a run: `results.json` first, then reports and charts of the suites that ran.
pub fn run_exporters(results: &ResultSet, per_model_reports: bool) -> Vec<Box<dyn Exporter + '_>> {
    let mut list: Vec<Box<dyn Exporter + '_>> = vec![Box::new(Json(results))];
    if !results.inference.is_empty() {
        list.push(Box::new(Markdown {
            file_name: "BENCHMARK_REPORT.md".into(),
            text: benchmark_report(results, None),
        }));
        if per_model_reports {
            for model in &results.config.models {
                list.push(Box::new(Markdown {
                    file_name: format!("BENCHMARK_REPORT_{}.md", file_safe(&model.name)),
                    text: benchmark_report(results, Some(&model.name)),
                }));
            }
        }
        list.extend(charts(inference_figures(results)));
    }
    if !results.memory.is_empty() {
        list.push(Box::new(Markdown {
            file_name: "MEMORY_REPORT.md".into(),
            text: memory_report(results),
        }));
        list.extend(charts(memory_figures(results)));
    }
    list
}

/// The files of `compare`: `COMPARISON.md` and one overlaid chart per metric.
pub fn comparison_exporters(results: &[ResultSet]) -> Vec<Box<dyn Exporter>> {
    let mut list: Vec<Box<dyn Exporter>> = vec![Box::new(Markdown {
        file_name: "COMPARISON.md".into(),
        text: comparison_report(results),
    })];
    list.extend(charts(
        Metric::ALL
            .iter()
            .map(|&m| (m.stem(), comparison_figure(results, m)))
            .collect(),
    ));
    list
}

/// Writes every exporter's file into `dir`, in order. Returns the files written and,
/// separately, the files that failed with their reasons.
pub fn write_all(
    dir: &Path,
    exporters: Vec<Box<dyn Exporter + '_>>,
) -> (Vec<PathBuf>, Vec<String>) {
    let mut written = Vec::new();
    let mut failed = Vec::new();
    for exporter in exporters {
        let path = dir.join(exporter.file_name());
        let outcome = exporter
            .render()
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
        assert_eq!(file_safe("xl"), "xl");
    }
}
