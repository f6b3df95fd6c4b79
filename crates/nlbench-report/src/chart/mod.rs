//! Charts: one description per figure ([`Figure`]), drawn by plotters onto whichever
//! [`Plotter`] the front end needs — an SVG string (reports, the dashboard) or a 300 DPI PNG.

mod comparison;
mod draw;
mod figures;
#[cfg(not(target_arch = "wasm32"))]
mod png;
mod screen;
mod svg;

pub use comparison::{Metric, comparison_figure, comparison_figures};
pub use figures::{
    inference_figures, memory_comparison_figure, memory_figures, model_size_figure, result_figures,
    roofline_figure, throughput_figure, training_breakdown_figure,
};
#[cfg(not(target_arch = "wasm32"))]
pub use png::PngPlotter;
pub use screen::ScreenPlotter;
pub use svg::SvgPlotter;

/// A figure: a title over one or more panels, side by side or in a grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub title: String,
    /// Print size, in inches; the PNG is this size at its DPI, the SVG at 100 px per inch.
    pub width_in: f64,
    pub height_in: f64,
    pub panels: Vec<Panel>,
    /// One legend under every panel, its entries' colours as their series': for small
    /// multiples where each colour means one thing (a device) everywhere. Empty: each panel
    /// draws its own legend.
    pub shared_legend: Vec<(String, usize)>,
    /// Panels per row; 0 puts them all in one row.
    pub columns: usize,
}

/// One plot.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub kind: PanelKind,
    pub series: Vec<Series>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PanelKind {
    /// Lines with markers on log-scaled axes: batch sizes, model sizes, throughput, latency
    /// and memory all span orders of magnitude.
    LogLines,
    /// One stacked bar per category; series point `(i, v)` adds `v` to bar `i`, in series
    /// order from the bottom. The y axis is linear, in the series' unit.
    StackedBars { categories: Vec<String> },
}

/// A line with markers (or one layer of stacked bars); on log axes, points with non-positive
/// coordinates cannot be drawn and are left out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// Palette index; `None` takes the series' position in its panel.
    pub colour: Option<usize>,
    pub label: String,
    pub points: Vec<(f64, f64)>,
    /// Each point's 95 % interval, `(x, low, high)`, drawn as an error bar.
    pub bars: Vec<(f64, f64, f64)>,
    /// What a point's hover text adds on a screen (its tails, the kernels that ran it),
    /// `(x, text)`.
    pub details: Vec<(f64, String)>,
}

/// A figure that could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("could not draw the chart: {0}")]
pub struct ChartError(pub String);

/// Draws figures into one output format.
pub trait Plotter {
    type Output;
    fn plot(&self, figure: &Figure) -> Result<Self::Output, ChartError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use nlbench_results::fixtures;

    #[test]
    fn png_is_print_sized_with_300_dpi() {
        let figure = throughput_figure(&fixtures::results());
        let bytes = PngPlotter::default().plot(&figure).unwrap();
        let decoder = ::png::Decoder::new(std::io::Cursor::new(bytes));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert_eq!((info.width, info.height), (3300, 1350));
        let dims = info.pixel_dims.expect("pHYs chunk");
        assert_eq!(dims.unit, ::png::Unit::Meter);
        assert_eq!((dims.xppu, dims.yppu), (11811, 11811));
    }

    #[test]
    fn svg_parses_and_names_series() {
        let figure = model_size_figure(&fixtures::results());
        let svg = SvgPlotter.plot(&figure).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
        assert!(texts.iter().any(|t| t.contains("batch 16")));
        assert!(texts.iter().any(|t| t.contains("Parameters")));
    }

    #[test]
    fn empty_figure_still_draws() {
        let mut results = fixtures::results();
        results.inference.clear();
        let svg = SvgPlotter.plot(&throughput_figure(&results)).unwrap();
        assert!(svg.contains("no measurements"));
    }
}
