//! PNG output for print: rendered at the figure's print size and DPI, with the DPI written
//! into the file's pHYs chunk so viewers and word processors size it correctly.

use plotters::prelude::*;

use super::{ChartError, Figure, Plotter, draw};

/// Draws figures as PNG at a given resolution (300 DPI for print).
pub struct PngPlotter {
    pub dpi: u32,
}

impl Default for PngPlotter {
    fn default() -> Self {
        Self { dpi: 300 }
    }
}

impl Plotter for PngPlotter {
    type Output = Vec<u8>;

    fn plot(&self, figure: &Figure) -> Result<Vec<u8>, ChartError> {
        crate::fonts::register();
        let dpi = f64::from(self.dpi);
        let (w, h) = (
            (figure.width_in * dpi).round() as u32,
            (figure.height_in * dpi).round() as u32,
        );
        let mut rgb = vec![0u8; (w * h * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
            draw::draw_figure(figure, root, dpi / draw::BASE_PPI)?;
        }
        encode(&rgb, w, h, self.dpi)
    }
}

fn encode(rgb: &[u8], width: u32, height: u32, dpi: u32) -> Result<Vec<u8>, ChartError> {
    let to_err = |e: png::EncodingError| ChartError(e.to_string());
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let per_metre = (f64::from(dpi) / 0.0254).round() as u32;
    encoder.set_pixel_dims(Some(png::PixelDimensions {
        xppu: per_metre,
        yppu: per_metre,
        unit: png::Unit::Meter,
    }));
    let mut writer = encoder.write_header().map_err(to_err)?;
    writer.write_image_data(rgb).map_err(to_err)?;
    writer.finish().map_err(to_err)?;
    Ok(bytes)
}
