//! SVG output: a self-contained string for report folders and the dashboard.

use plotters::prelude::*;

use super::{ChartError, Figure, Plotter, draw};

/// Draws figures as SVG at 100 px per inch of print size.
pub struct SvgPlotter;

impl Plotter for SvgPlotter {
    type Output = String;

    fn plot(&self, figure: &Figure) -> Result<String, ChartError> {
        crate::fonts::register();
        let size = (
            (figure.width_in * draw::BASE_PPI).round() as u32,
            (figure.height_in * draw::BASE_PPI).round() as u32,
        );
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
            draw::draw_figure(figure, root, 1.0)?;
        }
        Ok(svg)
    }
}
