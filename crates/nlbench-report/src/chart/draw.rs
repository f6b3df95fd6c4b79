//! Drawing a [`Figure`] onto any plotters backend. `scale` multiplies every size (fonts,
//! strokes, margins) so the same layout fits a 100 px/in SVG and a 300 DPI PNG.

use num_format::{Locale, ToFormattedString};
use plotters::{coord::Shift, prelude::*};

use super::{ChartError, Figure, Panel, PanelKind, Series};

/// Pixels per inch at scale 1.
pub const BASE_PPI: f64 = 100.0;
const FONT: &str = "sans-serif";

/// Line colours: twenty distinguishable ones (the ten of Tableau's palette, then their
/// lighter twins); past twenty the marker shape changes, so eighty series stay apart.
const COLORS: [RGBColor; 20] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(174, 199, 232),
    RGBColor(255, 187, 120),
    RGBColor(152, 223, 138),
    RGBColor(255, 152, 150),
    RGBColor(197, 176, 213),
    RGBColor(196, 156, 148),
    RGBColor(247, 182, 210),
    RGBColor(199, 199, 199),
    RGBColor(219, 219, 141),
    RGBColor(158, 218, 229),
];

/// The colour of palette entry `index`.
fn colour(index: usize) -> RGBColor {
    COLORS[index % COLORS.len()]
}

/// Marker shapes, one per pass through the palette.
#[derive(Clone, Copy)]
enum Marker {
    Circle,
    Triangle,
    Square,
    Diamond,
}

fn marker(index: usize) -> Marker {
    [
        Marker::Circle,
        Marker::Triangle,
        Marker::Square,
        Marker::Diamond,
    ][(index / COLORS.len()) % 4]
}

/// A marker of `shape` centred on pixel `(x, y)`, `r` pixels from centre to edge.
fn marker_points(shape: Marker, (x, y): (i32, i32), r: i32) -> Vec<(i32, i32)> {
    match shape {
        Marker::Circle => (0..16)
            .map(|i| {
                let a = f64::from(i) * std::f64::consts::TAU / 16.0;
                (
                    x + (f64::from(r) * a.cos()).round() as i32,
                    y + (f64::from(r) * a.sin()).round() as i32,
                )
            })
            .collect(),
        Marker::Triangle => vec![(x, y - r), (x + r, y + r), (x - r, y + r)],
        Marker::Square => vec![
            (x - r, y - r),
            (x + r, y - r),
            (x + r, y + r),
            (x - r, y + r),
        ],
        Marker::Diamond => vec![(x, y - r), (x + r, y), (x, y + r), (x - r, y)],
    }
}

fn err<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError(e.to_string())
}

/// A drawn point or bar, in backend pixels, and what it shows: the screen's charts answer a
/// hover or a tap with `text`.
#[derive(Debug, Clone, PartialEq)]
pub struct Hotspot {
    pub x: i32,
    pub y: i32,
    pub text: String,
}

/// Draws `figure` on `root`; returns where its points landed.
pub fn draw_figure<DB: DrawingBackend>(
    figure: &Figure,
    root: DrawingArea<DB, Shift>,
    scale: f64,
) -> Result<Vec<Hotspot>, ChartError> {
    let px = |v: f64| (v * scale).round() as i32;
    root.fill(&WHITE).map_err(err)?;
    let body = root.margin(px(12.0), px(8.0), px(8.0), px(8.0));
    // A page prints the title above the chart itself, where it can wrap.
    let body = if figure.title.is_empty() {
        body
    } else {
        body.titled(&figure.title, (FONT, px(20.0)).into_font().color(&BLACK))
            .map_err(err)?
    };
    let shared = !figure.shared_legend.is_empty();
    let (plots, legend) = if shared {
        let (width, height) = body.dim_in_pixel();
        let legend_height = legend_height(&figure.shared_legend, width, scale);
        let (plots, legend) = body.split_vertically(height.saturating_sub(legend_height));
        (plots, Some(legend))
    } else {
        (body, None)
    };
    let count = figure.panels.len().max(1);
    let columns = match figure.columns {
        0 => count,
        n => n.min(count),
    };
    let rows = count.div_ceil(columns);
    let mut hotspots = Vec::new();
    for (area, panel) in plots
        .split_evenly((rows, columns))
        .iter()
        .zip(&figure.panels)
    {
        hotspots.extend(draw_panel(panel, area, scale, !shared)?);
    }
    if let Some(area) = legend {
        draw_shared_legend(&figure.shared_legend, &area, scale)?;
    }
    root.present().map_err(err)?;
    Ok(hotspots)
}

/// `3.142`, `12,345`, `16`: four significant figures (whole numbers whole), for a point's
/// hover text.
fn figure(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    if v.abs() >= 1e4 || v.fract() == 0.0 {
        return (v.round() as i64).to_formatted_string(&Locale::en);
    }
    let decimals = (3 - v.abs().log10().floor().max(-6.0) as i32).max(0) as usize;
    format!("{v:.decimals$}")
}

/// What a point of `series` at `(x, y)` shows: its line, both coordinates with their axes'
/// names, its 95 % interval where it has one, and the series' detail at `x`.
fn point_text(
    panel: &Panel,
    series: &Series,
    (x, y): (f64, f64),
    bar: Option<(f64, f64)>,
) -> String {
    let interval = bar.map_or_else(
        || " (no interval)".to_owned(),
        |(lo, hi)| format!(" (95 % CI {} to {})", figure(lo), figure(hi)),
    );
    let mut text = format!(
        "{}\n{}: {}\n{}: {}{interval}",
        series.label,
        panel.x_label,
        figure(x),
        panel.y_label,
        figure(y)
    );
    if let Some((_, detail)) = series.details.iter().find(|d| d.0 == x) {
        text.push('\n');
        text.push_str(detail);
    }
    text
}

/// Height of one row of the shared legend, in pixels at scale 1.
const LEGEND_ROW: f64 = 18.0;

/// Width of every entry of the shared legend at scale 1: the longest label's (about 6.5 px a
/// character at the legend's 11 px font) after the line sample, so no label runs into the
/// next.
fn legend_entry(entries: &[(String, usize)]) -> f64 {
    let longest = entries
        .iter()
        .map(|(label, _)| label.chars().count())
        .max()
        .unwrap_or(0);
    40.0 + 6.5 * longest as f64
}

/// Entries per row of the shared legend in `width` pixels.
fn legend_per_row(entries: &[(String, usize)], width: u32, scale: f64) -> usize {
    ((f64::from(width) / (legend_entry(entries) * scale)).floor() as usize).max(1)
}

/// Pixels the shared legend takes under panels `width` pixels wide.
pub fn legend_height(entries: &[(String, usize)], width: u32, scale: f64) -> u32 {
    let rows = entries
        .len()
        .div_ceil(legend_per_row(entries, width, scale));
    (rows as f64 * LEGEND_ROW * scale + 12.0 * scale) as u32
}

/// The legend under the panels: one entry per colour, in rows, outside every plot.
fn draw_shared_legend<DB: DrawingBackend>(
    entries: &[(String, usize)],
    area: &DrawingArea<DB, Shift>,
    scale: f64,
) -> Result<(), ChartError> {
    let px = |v: f64| (v * scale).round() as i32;
    let (width, _) = area.dim_in_pixel();
    let per_row = legend_per_row(entries, width, scale);
    let entry = legend_entry(entries);
    let stroke = px(2.0).max(1) as u32;
    for (i, (label, index)) in entries.iter().enumerate() {
        let x = px(10.0) + (i % per_row) as i32 * px(entry);
        let y = px(12.0) + (i / per_row) as i32 * px(LEGEND_ROW);
        let c = colour(*index);
        area.draw(&PathElement::new(
            vec![(x, y), (x + px(22.0), y)],
            c.stroke_width(stroke),
        ))
        .map_err(err)?;
        area.draw(&Polygon::new(
            marker_points(marker(*index), (x + px(11.0), y), px(3.5)),
            c.filled(),
        ))
        .map_err(err)?;
        area.draw(&Text::new(
            label.clone(),
            (x + px(28.0), y - px(6.0)),
            (FONT, px(11.0)),
        ))
        .map_err(err)?;
    }
    Ok(())
}

/// Log-axis range covering `values`, padded so markers stay off the frame.
/// Values a log axis can show: positive, and within 10^±100 (no figure nlbench measures comes
/// near those; a result file can hold anything, and an axis of thousands of decades would
/// take plotters forever to tick).
fn drawable(v: f64) -> bool {
    (1e-100..=1e100).contains(&v)
}

/// Labelled ticks of a log axis over `range`: enough to read a value off it at any span
/// (1–9 of each decade over one decade, 1, 2 and 5 over three, 1 and 3 over six, then every
/// decade, thinned past a dozen), and evenly spaced round values where the range lies within
/// so small a part of a decade that fewer than three of those would fall in it.
fn log_ticks(range: &std::ops::Range<f64>) -> Vec<f64> {
    let (lo, hi) = (range.start, range.end);
    let span = (hi / lo).log10();
    let steps: &[f64] = if span <= 1.0 {
        &[1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    } else if span <= 3.0 {
        &[1.0, 2.0, 5.0]
    } else if span <= 6.0 {
        &[1.0, 3.0]
    } else {
        &[1.0]
    };
    let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let every = ((last - first) / 12).max(1) as usize;
    let mut ticks: Vec<f64> = (first..=last)
        .step_by(every)
        .flat_map(|e| steps.iter().map(move |m| m * 10f64.powi(e)))
        .filter(|v| range.contains(v))
        .collect();
    if ticks.len() < 3 {
        let step = round_step((hi - lo) / 4.0);
        let start = (lo / step).ceil() as i64;
        let end = (hi / step).floor() as i64;
        ticks = (start..=end)
            .map(|i| i as f64 * step)
            .filter(|v| range.contains(v))
            .collect();
    }
    ticks
}

/// The round step (1, 2 or 5 times a power of ten) nearest `raw` from below.
fn round_step(raw: f64) -> f64 {
    let power = 10f64.powf(raw.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&s| s <= raw)
        .unwrap_or(power)
}

fn log_range(values: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (lo, hi) = values.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() || hi <= 0.0 {
        return 1.0..10.0;
    }
    lo / 1.3..hi * 1.3
}

fn draw_panel<DB: DrawingBackend>(
    panel: &Panel,
    area: &DrawingArea<DB, Shift>,
    scale: f64,
    legend: bool,
) -> Result<Vec<Hotspot>, ChartError> {
    match &panel.kind {
        PanelKind::LogLines => draw_lines(panel, area, scale, legend),
        PanelKind::StackedBars { categories } => {
            draw_stacked_bars(panel, categories, area, scale, legend)
        }
    }
}

fn draw_lines<DB: DrawingBackend>(
    panel: &Panel,
    area: &DrawingArea<DB, Shift>,
    scale: f64,
    legend: bool,
) -> Result<Vec<Hotspot>, ChartError> {
    let px = |v: f64| (v * scale).round() as i32;
    let points: Vec<Vec<(f64, f64)>> = panel
        .series
        .iter()
        .map(|s| {
            s.points
                .iter()
                .copied()
                .filter(|&(x, y)| drawable(x) && drawable(y))
                .collect()
        })
        .collect();
    let bars: Vec<Vec<(f64, f64, f64)>> = panel
        .series
        .iter()
        .map(|s| {
            s.bars
                .iter()
                .copied()
                .filter(|&(x, lo, hi)| drawable(x) && drawable(lo) && drawable(hi) && lo <= hi)
                .collect()
        })
        .collect();
    let x_range = log_range(points.iter().flatten().map(|p| p.0));
    let y_range = log_range(
        points
            .iter()
            .flatten()
            .map(|p| p.1)
            .chain(bars.iter().flatten().flat_map(|&(_, lo, hi)| [lo, hi])),
    );
    let (x_ticks, y_ticks) = (log_ticks(&x_range), log_ticks(&y_range));

    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, (FONT, px(15.0)))
        .margin(px(10.0))
        .x_label_area_size(px(45.0))
        .y_label_area_size(px(70.0))
        .build_cartesian_2d(
            x_range.log_scale().with_key_points(x_ticks),
            y_range.log_scale().with_key_points(y_ticks),
        )
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(&panel.x_label)
        .y_desc(&panel.y_label)
        .label_style((FONT, px(11.0)))
        .axis_desc_style((FONT, px(12.0)))
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .light_line_style(RGBColor(246, 246, 246).stroke_width(px(1.0).max(1) as u32))
        .bold_line_style(RGBColor(200, 200, 200).stroke_width(px(1.0).max(1) as u32))
        .draw()
        .map_err(err)?;

    if points.iter().all(Vec::is_empty) {
        return no_measurements(area, scale);
    }

    let mut hotspots = Vec::new();
    let stroke = px(2.0).max(1) as u32;
    for (index, ((series, pts), bars)) in panel.series.iter().zip(&points).zip(&bars).enumerate() {
        if pts.is_empty() {
            continue;
        }
        let palette_index = series.colour.unwrap_or(index);
        let color = colour(palette_index);
        let shape = marker(palette_index);
        // Each point's 95 % interval, under its marker.
        chart
            .draw_series(bars.iter().map(|&(x, lo, hi)| {
                // The bar's centre is its point's value, so its mark sits under the marker.
                let y = pts
                    .iter()
                    .find(|p| p.0 == x)
                    .map_or((lo * hi).sqrt(), |p| p.1.clamp(lo, hi));
                ErrorBar::new_vertical(
                    x,
                    lo,
                    y,
                    hi,
                    color.stroke_width(px(1.0).max(1) as u32),
                    px(6.0).max(2) as u32,
                )
            }))
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                pts.iter().copied(),
                color.stroke_width(stroke),
            ))
            .map_err(err)?
            .label(&series.label)
            .legend(move |(x, y)| {
                PathElement::new(
                    vec![(x, y), (x + (20.0 * scale) as i32, y)],
                    color.stroke_width(stroke),
                )
            });
        let r = px(3.5);
        chart
            .draw_series(pts.iter().map(|&p| {
                EmptyElement::at(p) + Polygon::new(marker_points(shape, (0, 0), r), color.filled())
            }))
            .map_err(err)?;
        for &(x, y) in pts {
            let bar = bars.iter().find(|b| b.0 == x).map(|&(_, lo, hi)| (lo, hi));
            let (px_x, px_y) = chart.backend_coord(&(x, y));
            hotspots.push(Hotspot {
                x: px_x,
                y: px_y,
                text: point_text(panel, series, (x, y), bar),
            });
        }
    }
    if legend {
        draw_legend(&mut chart, legend_corner(&points), scale)?;
    }
    Ok(hotspots)
}

fn no_measurements<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    scale: f64,
) -> Result<Vec<Hotspot>, ChartError> {
    let (w, h) = area.dim_in_pixel();
    area.draw(&Text::new(
        "no measurements",
        (w as i32 / 2 - (50.0 * scale) as i32, h as i32 / 2),
        (FONT, (14.0 * scale) as i32),
    ))
    .map_err(err)?;
    Ok(Vec::new())
}

fn draw_stacked_bars<DB: DrawingBackend>(
    panel: &Panel,
    categories: &[String],
    area: &DrawingArea<DB, Shift>,
    scale: f64,
    legend: bool,
) -> Result<Vec<Hotspot>, ChartError> {
    let px = |v: f64| (v * scale).round() as i32;
    let mut totals = vec![0.0f64; categories.len()];
    for series in &panel.series {
        for &(i, v) in &series.points {
            if let Some(total) = totals.get_mut(i as usize) {
                *total += v.clamp(0.0, 1e100);
            }
        }
    }
    // Bars beyond 10^100 (only a hand-made result holds such) are drawn at that height.
    let top = totals
        .iter()
        .copied()
        .fold(0.0, f64::max)
        .clamp(1e-9, 1e100)
        * 1.25;
    let labels = categories.to_vec();
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, (FONT, px(15.0)))
        .margin(px(10.0))
        .x_label_area_size(px(45.0))
        .y_label_area_size(px(70.0))
        .build_cartesian_2d(-0.5f64..categories.len().max(1) as f64 - 0.5, 0.0..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_desc(&panel.x_label)
        .y_desc(&panel.y_label)
        .label_style((FONT, px(11.0)))
        .axis_desc_style((FONT, px(12.0)))
        .x_labels(categories.len().max(1))
        .x_label_formatter(&move |v| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .bold_line_style(RGBColor(220, 220, 220).stroke_width(px(1.0).max(1) as u32))
        .light_line_style(RGBColor(246, 246, 246).stroke_width(px(1.0).max(1) as u32))
        .draw()
        .map_err(err)?;
    if categories.is_empty() {
        return no_measurements(area, scale);
    }
    let mut base = vec![0.0f64; categories.len()];
    let mut hotspots = Vec::new();
    for (index, series) in panel.series.iter().enumerate() {
        let color = colour(series.colour.unwrap_or(index));
        let bars: Vec<Rectangle<(f64, f64)>> = series
            .points
            .iter()
            .filter(|(i, _)| (*i as usize) < categories.len())
            .map(|&(i, v)| {
                let slot = i as usize;
                let bottom = base[slot];
                base[slot] += v.clamp(0.0, 1e100);
                let (x, y) = chart.backend_coord(&(i, (bottom + base[slot]) / 2.0));
                hotspots.push(Hotspot {
                    x,
                    y,
                    text: format!(
                        "{}\n{}: {}\n{}: {}",
                        series.label,
                        panel.x_label,
                        categories[slot],
                        panel.y_label,
                        figure(v)
                    ),
                });
                Rectangle::new([(i - 0.35, bottom), (i + 0.35, base[slot])], color.filled())
            })
            .collect();
        chart
            .draw_series(bars)
            .map_err(err)?
            .label(&series.label)
            .legend(move |(x, y)| {
                Rectangle::new(
                    [
                        (x, y - (5.0 * scale) as i32),
                        (x + (15.0 * scale) as i32, y + (5.0 * scale) as i32),
                    ],
                    color.filled(),
                )
            });
    }
    if legend {
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft, scale)?;
    }
    Ok(hotspots)
}

/// The series legend, in the same style on every kind of panel.
fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    scale: f64,
) -> Result<(), ChartError> {
    let px = |v: f64| (v * scale).round() as i32;
    chart
        .configure_series_labels()
        .label_font((FONT, px(11.0)))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .legend_area_size(px(28.0))
        .margin(px(8.0))
        .position(position)
        .draw()
        .map_err(err)
}

/// The upper corner the lines leave free: upper left when they mostly rise, upper right when
/// they mostly fall.
fn legend_corner(series: &[Vec<(f64, f64)>]) -> SeriesLabelPosition {
    let rising = series
        .iter()
        .filter(|pts| pts.len() > 1)
        .filter(|pts| pts[pts.len() - 1].1 > pts[0].1)
        .count();
    let falling = series.iter().filter(|pts| pts.len() > 1).count() - rising;
    if rising >= falling {
        SeriesLabelPosition::UpperLeft
    } else {
        SeriesLabelPosition::UpperRight
    }
}

/// Tick label: plain numbers, with k/M for thousands and millions.
fn tick(v: f64) -> String {
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        }
    };
    if v >= 1e6 {
        format!("{}M", trim(format!("{:.1}", v / 1e6)))
    } else if v >= 1e3 {
        format!("{}k", trim(format!("{:.1}", v / 1e3)))
    } else if v >= 1.0 {
        trim(format!("{v:.1}"))
    } else {
        trim(format!("{v:.4}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_log_axis_labels_enough_ticks() {
        // A decade and a half of throughput, as a CPU against lavapipe gives: several labels
        // per decade, not one.
        let ticks = log_ticks(&(700.0..30_000.0));
        assert!(ticks.len() >= 5, "{ticks:?}");
        assert!(ticks.contains(&1000.0) && ticks.contains(&2000.0) && ticks.contains(&5000.0));
        // Within one decade: a label every step of it.
        assert!(log_ticks(&(12_000.0..80_000.0)).len() >= 6);
        // A narrow range inside a decade still gets three labels or more.
        let narrow = log_ticks(&(95.0..110.0));
        assert!(narrow.len() >= 3, "{narrow:?}");
        assert!(narrow.iter().all(|v| (95.0..110.0).contains(v)));
        // Ten decades: one label per decade at most, and not too many.
        let wide = log_ticks(&(1e-3..1e7));
        assert!((5..=12).contains(&wide.len()), "{wide:?}");
    }

    #[test]
    fn hover_figures() {
        assert_eq!(figure(16.0), "16");
        assert_eq!(figure(12_345.6), "12,346");
        assert_eq!(figure(4.56789), "4.568");
        assert_eq!(figure(0.5), "0.5000");
    }

    #[test]
    fn ticks_and_ranges() {
        assert_eq!(tick(2000.0), "2k");
        assert_eq!(tick(1_500_000.0), "1.5M");
        assert_eq!(tick(16.0), "16");
        assert_eq!(tick(0.05), "0.05");
        let r = log_range([2.0, 100.0].into_iter());
        assert!(r.start < 2.0 && r.end > 100.0);
        assert_eq!(log_range(std::iter::empty()), 1.0..10.0);
    }
}
