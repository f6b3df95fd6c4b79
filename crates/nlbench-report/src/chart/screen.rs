//! Charts for a screen: the same figures as the reports' print charts, drawn as inline SVG at
//! the width the page gives them, with text at a readable size, one legend outside the plots
//! (its colours the same line in every panel), panels stacked on a narrow screen, and a
//! transparent target over every point carrying what it shows, for a hover or a tap. The
//! title is left to the page, which can wrap it.

use plotters::prelude::*;

use super::{ChartError, Figure, Plotter, draw};

/// Below this width, panels stack one per row.
const NARROW_PX: u32 = 720;
/// Height of one row of panels, as a share of its width, within bounds (a stacked panel on a
/// narrow screen taller, so its plot keeps room beside the axes' labels).
const PANEL_ASPECT: f64 = 0.62;
const NARROW_PANEL_ASPECT: f64 = 0.85;
const PANEL_HEIGHT_PX: std::ops::RangeInclusive<f64> = 240.0..=420.0;
/// Radius of a point's hover target, in pixels.
const TARGET_PX: u32 = 9;

/// Draws figures as SVG `width_px` wide, for a page.
pub struct ScreenPlotter {
    pub width_px: u32,
}

impl ScreenPlotter {
    /// Sizes scale with the print layout's. plotters writes an SVG font size as its pixel
    /// size over 1.24, so at 1.4 the layout's 11 px labels render at 12 px (at 1.25, on a
    /// narrow screen, at 11).
    fn scale(&self) -> f64 {
        if self.width_px < NARROW_PX { 1.25 } else { 1.4 }
    }

    /// `figure` laid out for this width: one legend under the panels, each line's colour
    /// fixed by its label across panels, and a column of panels on a narrow screen.
    fn layout(&self, figure: &Figure) -> Figure {
        let mut screen = figure.clone();
        screen.title.clear();
        if screen.shared_legend.is_empty() {
            let legend = &mut screen.shared_legend;
            for series in screen.panels.iter_mut().flat_map(|p| p.series.iter_mut()) {
                let colour = match legend.iter().find(|(l, _)| *l == series.label) {
                    Some(&(_, colour)) => colour,
                    None => {
                        let colour = series.colour.unwrap_or(legend.len());
                        legend.push((series.label.clone(), colour));
                        colour
                    }
                };
                series.colour = Some(colour);
            }
        }
        if self.width_px < NARROW_PX {
            screen.columns = 1;
        }
        screen
    }

    /// The figure's height at this width: rows of panels, the title and the legend.
    fn height_px(&self, figure: &Figure) -> u32 {
        let count = figure.panels.len().max(1);
        let columns = match figure.columns {
            0 => count,
            n => n.min(count),
        };
        let rows = count.div_ceil(columns);
        let aspect = if self.width_px < NARROW_PX {
            NARROW_PANEL_ASPECT
        } else {
            PANEL_ASPECT
        };
        let panel = (f64::from(self.width_px) / columns as f64 * aspect)
            .clamp(*PANEL_HEIGHT_PX.start(), *PANEL_HEIGHT_PX.end());
        let scale = self.scale();
        let legend = draw::legend_height(&figure.shared_legend, self.width_px, scale);
        (rows as f64 * panel + 20.0 * scale + f64::from(legend)).round() as u32
    }
}

impl Plotter for ScreenPlotter {
    type Output = String;

    fn plot(&self, figure: &Figure) -> Result<String, ChartError> {
        crate::fonts::register();
        let figure = self.layout(figure);
        let size = (self.width_px, self.height_px(&figure));
        let mut svg = String::new();
        let hotspots = {
            let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
            draw::draw_figure(&figure, root, self.scale())?
        };
        let targets: String = hotspots
            .iter()
            .map(|h| {
                let text = escape(&h.text);
                format!(
                    r#"<circle class="point" cx="{}" cy="{}" r="{TARGET_PX}" fill="transparent" data-tip="{text}"><title>{text}</title></circle>"#,
                    h.x, h.y
                )
            })
            .collect();
        let end = svg
            .rfind("</svg>")
            .ok_or_else(|| ChartError("the SVG has no end".into()))?;
        svg.insert_str(end, &format!("<g class=\"points\">{targets}</g>\n"));
        Ok(svg)
    }
}

/// Text safe inside an attribute and an element.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::throughput_figure;
    use nlbench_results::fixtures;

    #[test]
    fn sized_for_the_page_with_a_target_per_point() {
        let figure = throughput_figure(&fixtures::results());
        let points: usize = figure
            .panels
            .iter()
            .flat_map(|p| &p.series)
            .map(|s| s.points.len())
            .sum();
        for width in [1100, 340] {
            let svg = ScreenPlotter { width_px: width }.plot(&figure).unwrap();
            let doc = roxmltree::Document::parse(&svg).unwrap();
            let root = doc.root_element();
            assert_eq!(root.attribute("width"), Some(width.to_string().as_str()));
            let targets: Vec<_> = doc
                .descendants()
                .filter(|n| n.attribute("class") == Some("point"))
                .collect();
            assert_eq!(targets.len(), points, "a target per point at {width} px");
            let tip = targets[0].attribute("data-tip").unwrap();
            assert!(
                tip.contains("Batch size: ") && tip.contains("95 % CI"),
                "{tip}"
            );
            // Every text at 11 px or more.
            for node in doc.descendants().filter(|n| n.has_tag_name("text")) {
                let size = node.attribute("font-size").unwrap_or("0");
                let px: f64 = size.trim_end_matches("px").parse().unwrap();
                assert!(px >= 11.0, "{size} at {width} px: {:?}", node.text());
            }
        }
    }
}
