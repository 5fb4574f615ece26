//! Charts of readings as PNG or SVG files (`pacsys history ... --plot out.png`): time on the
//! x axis (UTC), values on the y axis labelled with the devices' units, one coloured line per
//! DRF, and failed samples marked with red crosses along the bottom of the plot.
//!
//! The glyphs come from a font embedded in the binary (egui's default fonts crate,
//! rasterised by ab_glyph), so drawing needs no fontconfig or any other system library.
//!
//! ```
//! use pacsys_cli::plot::{Series, draw};
//!
//! let mut s = Series::new("Z:SINE", Some("V".into()));
//! for i in 0..100 {
//!     s.point(1_700_000_000_000_000 + i * 1_000_000, (i as f64 / 10.0).sin());
//! }
//! let path = std::env::temp_dir().join(format!("pacsys-doc-plot-{}.svg", std::process::id()));
//! let stats = draw(&path, &[s], (800, 480))?;
//! assert_eq!(stats.points, 100);
//! assert!(std::fs::read_to_string(&path)?.contains("Z:SINE"));
//! std::fs::remove_file(&path)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

/// The font family the plots use (registered from the embedded font on first use).
const FONT: &str = "sans-serif";

/// Line colours, one per series in turn (a colour-blind-safe palette, Okabe-Ito).
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(0, 0, 0),
];

/// The colour of error marks.
const ERROR_RED: RGBColor = RGBColor(220, 20, 60);

/// One DRF's samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The legend label (the DRF as the user gave it).
    pub label: String,
    /// Engineering units, if the server sent them.
    pub units: Option<String>,
    /// (time in microseconds since the Unix epoch, value), in any order.
    pub points: Vec<(i64, f64)>,
    /// Times of failed samples (microseconds since the Unix epoch).
    pub errors: Vec<i64>,
}

impl Series {
    /// An empty series.
    pub fn new(label: impl Into<String>, units: Option<String>) -> Series {
        Series {
            label: label.into(),
            units,
            points: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Adds a sample.
    pub fn point(&mut self, micros: i64, value: f64) {
        self.points.push((micros, value));
    }

    /// Marks a failed sample.
    pub fn error(&mut self, micros: i64) {
        self.errors.push(micros);
    }
}

/// What a drawn plot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlotStats {
    /// Samples drawn.
    pub points: usize,
    /// Error marks drawn.
    pub errors: usize,
    /// Outages shaded.
    pub outages: usize,
}

/// What an [`Outage`] was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutageKind {
    /// The connection was lost (from the disconnection to the reconnection).
    Disconnected,
    /// Readings that could not be recovered (a recording's `gap`).
    Gap,
}

/// A span of time without data, shaded across the plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outage {
    /// Its start, microseconds since the Unix epoch.
    pub from: i64,
    /// Its end, microseconds since the Unix epoch.
    pub to: i64,
    /// What it was.
    pub kind: OutageKind,
}

/// The shade of disconnections.
const DISCONNECTED_GREY: RGBColor = RGBColor(150, 150, 150);
/// The shade of gaps.
const GAP_AMBER: RGBColor = RGBColor(240, 180, 60);

/// The image formats, chosen by the file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// `.png`
    Png,
    /// `.svg`
    Svg,
}

impl ImageKind {
    /// The kind a path's extension names (case-insensitive).
    pub fn of(path: &Path) -> Result<ImageKind, PlotError> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("png") => Ok(ImageKind::Png),
            Some("svg") => Ok(ImageKind::Svg),
            _ => Err(PlotError::Extension(path.to_path_buf())),
        }
    }
}

/// Why a plot could not be drawn.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// The file name ends in neither `.png` nor `.svg`.
    #[error("{}: a plot file must end in .png or .svg", .0.display())]
    Extension(PathBuf),
    /// No series has a sample or an error to draw, and there is no outage.
    #[error("nothing to plot: no samples")]
    Empty,
    /// Drawing or writing the file failed.
    #[error("cannot draw {}: {message}", path.display())]
    Draw {
        /// The output file.
        path: PathBuf,
        /// What the drawing library said.
        message: String,
    },
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded font is valid TrueType; were it not, text would be missing from the
        // plot and drawing would report it (no panic either way).
        let _ = plotters::style::register_font(
            FONT,
            FontStyle::Normal,
            epaint_default_fonts::UBUNTU_LIGHT,
        );
    });
}

/// Draws `series` into `path` (PNG or SVG by its extension), `size` pixels wide and high.
pub fn draw(path: &Path, series: &[Series], size: (u32, u32)) -> Result<PlotStats, PlotError> {
    draw_with_outages(path, series, &[], size)
}

/// [`draw`], with `outages` shaded across the plot (disconnections grey, gaps amber).
pub fn draw_with_outages(
    path: &Path,
    series: &[Series],
    outages: &[Outage],
    size: (u32, u32),
) -> Result<PlotStats, PlotError> {
    let kind = ImageKind::of(path)?;
    let stats = PlotStats {
        points: series.iter().map(|s| s.points.len()).sum(),
        errors: series.iter().map(|s| s.errors.len()).sum(),
        outages: outages.len(),
    };
    if stats.points + stats.errors + stats.outages == 0 {
        return Err(PlotError::Empty);
    }
    register_font();
    let size = (size.0.clamp(200, 10_000), size.1.clamp(150, 10_000));
    let failed = |message: String| PlotError::Draw {
        path: path.to_path_buf(),
        message,
    };
    match kind {
        ImageKind::Png => {
            let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
                chart(&root, series, outages).map_err(failed)?;
                root.present().map_err(|e| failed(e.to_string()))?;
            }
            write_png(path, size, &rgb).map_err(failed)?;
        }
        ImageKind::Svg => {
            let root = SVGBackend::new(path, size).into_drawing_area();
            chart(&root, series, outages).map_err(failed)?;
            root.present().map_err(|e| failed(e.to_string()))?;
        }
    }
    Ok(stats)
}

/// Writes an 8-bit RGB image as a PNG file.
fn write_png(path: &Path, (width, height): (u32, u32), rgb: &[u8]) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(rgb).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())
}

/// The axes' extent: (first µs, last µs) and (low, high) values, padded so nothing sits on
/// the frame.
fn extent(series: &[Series], outages: &[Outage]) -> ((i64, i64), (f64, f64)) {
    let times = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0).chain(s.errors.iter().copied()))
        .chain(outages.iter().flat_map(|o| [o.from, o.to]));
    let (t0, t1) = times.fold((i64::MAX, i64::MIN), |(a, b), t| (a.min(t), b.max(t)));
    let values = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .filter(|v| v.is_finite());
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let (lo, hi) = if lo > hi {
        (0.0, 1.0)
    } else if lo == hi {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        (lo - pad, hi + pad)
    } else {
        let pad = (hi - lo) * 0.05;
        (lo - pad, hi + pad)
    };
    let (t0, t1) = if t1 <= t0 {
        (t0 - 500_000, t0 + 500_000)
    } else {
        (t0, t1)
    };
    ((t0, t1), (lo, hi))
}

/// A tick label for `seconds` after `t0_micros`: UTC time of day, with the date when the
/// window spans days.
fn time_label(t0_micros: i64, seconds: f64, with_date: bool) -> String {
    let micros = t0_micros.saturating_add((seconds * 1e6) as i64);
    let Ok(t) = jiff::Timestamp::from_microsecond(micros) else {
        return format!("{seconds:.0}s");
    };
    let format = if with_date { "%m-%d %H:%M" } else { "%H:%M:%S" };
    t.strftime(format).to_string()
}

fn chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    series: &[Series],
    outages: &[Outage],
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let ((t0, t1), (lo, hi)) = extent(series, outages);
    let span = (t1 - t0) as f64 / 1e6;
    let with_date = span > 86_400.0;
    let mut units: Vec<&str> = series.iter().filter_map(|s| s.units.as_deref()).collect();
    units.dedup();
    let y_desc = if units.is_empty() {
        "value".to_owned()
    } else {
        units.join(", ")
    };
    let start = jiff::Timestamp::from_microsecond(t0)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default();
    let title: Vec<&str> = series.iter().map(|s| s.label.as_str()).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(title.join(", "), (FONT, 22))
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(0.0..span, lo..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(format!("time from {start}"))
        .y_desc(y_desc)
        .x_labels(8)
        .y_labels(8)
        .x_label_formatter(&|s| time_label(t0, *s, with_date))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()
        .map_err(err)?;
    let at = |micros: i64| (micros - t0) as f64 / 1e6;
    for (kind, colour, name) in [
        (OutageKind::Disconnected, DISCONNECTED_GREY, "disconnected"),
        (OutageKind::Gap, GAP_AMBER, "gaps"),
    ] {
        let spans: Vec<&Outage> = outages.iter().filter(|o| o.kind == kind).collect();
        if spans.is_empty() {
            continue;
        }
        // At least a pixel or so wide, so an instant outage still shows.
        let min_width = span / 400.0;
        let shade = colour.mix(0.35).filled();
        let drawn = chart
            .draw_series(spans.iter().map(|o| {
                let (a, z) = (at(o.from), at(o.to.max(o.from)));
                let z = if z - a < min_width { a + min_width } else { z };
                Rectangle::new([(a, lo), (z, hi)], shade)
            }))
            .map_err(err)?;
        drawn
            .label(format!("{name} ({})", spans.len()))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], shade));
    }
    for (i, s) in series.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let mut points = s.points.clone();
        points.sort_by_key(|p| p.0);
        // A line per run of finite values: a NaN breaks the line rather than bending it.
        let mut first = true;
        for run in points.split(|p| !p.1.is_finite()) {
            if run.is_empty() {
                continue;
            }
            let line =
                LineSeries::new(run.iter().map(|&(t, v)| (at(t), v)), colour.stroke_width(2));
            let drawn = chart.draw_series(line).map_err(err)?;
            if first {
                let label = match &s.units {
                    Some(u) => format!("{} [{u}]", s.label),
                    None => s.label.clone(),
                };
                drawn.label(label).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
                first = false;
            }
            if run.len() == 1 {
                chart
                    .draw_series(
                        run.iter()
                            .map(|&(t, v)| Circle::new((at(t), v), 3, colour.filled())),
                    )
                    .map_err(err)?;
            }
        }
    }
    let errors: Vec<i64> = series
        .iter()
        .flat_map(|s| s.errors.iter().copied())
        .collect();
    if !errors.is_empty() {
        let marks =
            chart
                .draw_series(errors.iter().map(|&t| {
                    Cross::new((at(t), lo + (hi - lo) * 0.02), 6, ERROR_RED.stroke_width(2))
                }))
                .map_err(err)?;
        marks
            .label(format!("errors ({})", errors.len()))
            .legend(|(x, y)| Cross::new((x + 9, y), 5, ERROR_RED.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font((FONT, 14))
        .draw()
        .map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("pacsys-plot-{}-{name}", std::process::id()))
    }

    fn sine() -> Series {
        let mut s = Series::new("Z:SINE", Some("V".into()));
        for i in 0..600 {
            s.point(
                1_765_000_000_000_000 + i * 1_000_000,
                10.0 + 5.0 * (i as f64 / 30.0).sin(),
            );
        }
        s.error(1_765_000_000_000_000 + 300 * 1_000_000);
        s
    }

    /// A PNG's size and its pixels as RGB triples.
    fn decode_rgb(bytes: &[u8]) -> ((u32, u32), Vec<[u8; 3]>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().expect("a valid PNG");
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).expect("a frame");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        let pixels = buf[..info.buffer_size()]
            .chunks_exact(3)
            .map(|p| [p[0], p[1], p[2]])
            .collect();
        ((info.width, info.height), pixels)
    }

    #[test]
    fn a_png_has_the_lines_and_the_error_marks() {
        let path = temp("a.png");
        let keep = std::env::var_os("PACSYS_KEEP_PLOTS").is_some();
        let mut ramp = Series::new("Z:RAMP", Some("A".into()));
        for i in 0..600 {
            ramp.point(
                1_765_000_000_000_000 + i * 1_000_000,
                (i % 100) as f64 / 10.0,
            );
        }
        let stats = draw(&path, &[sine(), ramp], (900, 500)).expect("drawn");
        assert_eq!(
            stats,
            PlotStats {
                points: 1200,
                errors: 1,
                outages: 0,
            }
        );
        let bytes = std::fs::read(&path).expect("written");
        if !keep {
            let _ = std::fs::remove_file(&path);
        }
        assert_eq!(&bytes[1..4], b"PNG");
        // Decode it and count the pixels of each series' colour and of the error red: none
        // of them is missing.
        let (dimensions, pixels) = decode_rgb(&bytes);
        assert_eq!(dimensions, (900, 500));
        let count = |c: RGBColor| pixels.iter().filter(|p| **p == [c.0, c.1, c.2]).count();
        assert!(count(PALETTE[0]) > 500, "the first line");
        assert!(count(PALETTE[1]) > 500, "the second line");
        assert!(count(ERROR_RED) > 5, "the error mark");
        let dark = pixels.iter().filter(|p| p.iter().all(|&v| v < 60)).count();
        assert!(dark > 1_000, "axes and text: {dark}");
    }

    #[test]
    fn an_svg_names_the_series_and_units() {
        let path = temp("b.svg");
        draw(&path, &[sine()], (800, 400)).expect("drawn");
        let svg = std::fs::read_to_string(&path).expect("written");
        if std::env::var_os("PACSYS_KEEP_PLOTS").is_none() {
            let _ = std::fs::remove_file(&path);
        }
        assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
        // Every <text> element's content, trimmed.
        let texts: Vec<&str> = svg
            .split("<text")
            .skip(1)
            .filter_map(|t| {
                t.split_once('>')
                    .and_then(|(_, rest)| rest.split_once("</text>"))
            })
            .map(|(content, _)| content.trim())
            .collect();
        assert!(texts.contains(&"Z:SINE [V]"), "legend: {texts:?}");
        assert!(
            texts.contains(&"V"),
            "the y axis names the units: {texts:?}"
        );
        assert!(
            texts.iter().any(|t| t.starts_with("time from 2025-12-")),
            "{texts:?}"
        );
        assert!(svg.contains("<polyline"), "a line");
    }

    #[test]
    fn bad_requests_are_typed_errors() {
        assert!(matches!(
            draw(Path::new("out.jpg"), &[sine()], (800, 400)),
            Err(PlotError::Extension(_))
        ));
        let empty = Series::new("X", None);
        assert!(matches!(
            draw(&temp("c.svg"), &[empty], (800, 400)),
            Err(PlotError::Empty)
        ));
        let missing_dir = Path::new("/nonexistent-dir-pacsys/x.png");
        assert!(matches!(
            draw(missing_dir, &[sine()], (800, 400)),
            Err(PlotError::Draw { .. })
        ));
    }

    #[test]
    fn single_values_and_nan_gaps_still_draw() {
        let path = temp("d.svg");
        let mut s = Series::new("M:OUTTMP", None);
        s.point(1_000_000, 72.5);
        s.point(2_000_000, f64::NAN);
        s.point(3_000_000, 72.5);
        draw(&path, &[s], (400, 300)).expect("drawn");
        let svg = std::fs::read_to_string(&path).expect("written");
        let _ = std::fs::remove_file(&path);
        assert!(svg.contains("<circle"), "lone points are dots");
    }
}
