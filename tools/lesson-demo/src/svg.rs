//! The timeline as an SVG picture, written by hand with a tiny builder: the
//! bars need a class (the tests count them) and a `<title>` (the browser
//! shows it on hover), which a plotting crate's SVG backend does not write.

use std::fmt::Write;

use crate::ms;
use crate::timeline::{Row, serving_threads};

/// Colours given to the serving threads in turn (ColorBrewer's Dark2).
pub const PALETTE: [&str; 8] = [
    "#1b9e77", "#7570b3", "#d95f02", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666",
];

/// A minimal SVG document: elements are appended as text.
pub struct Svg {
    width: u32,
    height: u32,
    body: String,
}

impl Svg {
    /// An empty white picture.
    pub fn new(width: u32, height: u32) -> Svg {
        let mut svg = Svg {
            width,
            height,
            body: String::new(),
        };
        svg.rect(0.0, 0.0, width as f64, height as f64, r##"fill="#fff""##);
        svg
    }

    /// A rectangle; `attrs` are written as given (class, fill, ...).
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, attrs: &str) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" {attrs}/>"#
        );
    }

    /// A rectangle with a tooltip.
    pub fn rect_titled(&mut self, x: f64, y: f64, w: f64, h: f64, attrs: &str, title: &str) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" {attrs}><title>{}</title></rect>"#,
            escape(title)
        );
    }

    /// A line from (x1, y1) to (x2, y2).
    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, attrs: &str) {
        let _ = writeln!(
            self.body,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" {attrs}/>"#
        );
    }

    /// Text whose baseline starts at (x, y); `text` is escaped.
    pub fn text(&mut self, x: f64, y: f64, attrs: &str, text: &str) {
        let _ = writeln!(
            self.body,
            r#"<text x="{x:.1}" y="{y:.1}" {attrs}>{}</text>"#,
            escape(text)
        );
    }

    /// Elements written as given (polylines, markers), on top of what is drawn so far.
    pub fn raw(&mut self, elements: &str) {
        self.body.push_str(elements);
        if !elements.ends_with('\n') {
            self.body.push('\n');
        }
    }

    /// The whole document.
    pub fn finish(self) -> String {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
             viewBox=\"0 0 {w} {h}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" \
             font-size=\"13\">\n{}</svg>\n",
            self.body,
            w = self.width,
            h = self.height
        )
    }
}

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Tick step in ms for an axis up to `max_ms`: 1, 2 or 5 × 10^k, at most 8 steps.
fn step(max_ms: f64) -> f64 {
    let mut unit = 1.0;
    loop {
        for step in [unit, 2.0 * unit, 5.0 * unit] {
            if max_ms / step <= 8.0 {
                return step;
            }
        }
        unit *= 10.0;
    }
}

/// Where the shared time axis ends (ms): the last response, rounded up to a tick.
pub fn axis_end(rows: &[Row]) -> f64 {
    let last = rows
        .iter()
        .map(|r| ms(r.exchange.ended))
        .fold(1.0, f64::max);
    let step = step(last);
    (last / step).ceil() * step
}

/// The ticks from 0 to `end` (ms).
pub fn ticks(end: f64) -> Vec<f64> {
    let step = step(end);
    (0..=(end / step).round() as usize)
        .map(|i| i as f64 * step)
        .collect()
}

/// A tick's label: seconds when the ticks are at least 100 ms apart.
pub fn tick_label(t: f64, ticks: &[f64]) -> String {
    let step = ticks.get(1).map_or(1.0, |second| second - ticks[0]);
    if t == 0.0 {
        "0".to_owned()
    } else if step >= 1000.0 {
        format!("{:.0} s", t / 1000.0)
    } else if step >= 100.0 {
        format!("{:.1} s", t / 1000.0)
    } else {
        format!("{t:.0} ms")
    }
}

/// The chapter's timeline: one bar per request (class `bar`, the slow one
/// also `slow`), coloured by serving thread; `footer` says how it was made.
pub fn timeline(chapter: &str, subtitle: &str, rows: &[Row], footer: &str) -> String {
    const ROW: f64 = 26.0;
    const TOP: f64 = 116.0;
    const PLOT: (f64, f64) = (380.0, 860.0);
    let end = axis_end(rows);
    let ticks = ticks(end);
    let threads = serving_threads(rows);
    let x = |t_ms: f64| PLOT.0 + t_ms / end * (PLOT.1 - PLOT.0);
    let bottom = TOP + ROW * rows.len() as f64;
    let mut svg = Svg::new(960, (bottom + 90.0) as u32);

    svg.text(20.0, 32.0, r#"font-size="20" font-weight="bold""#, chapter);
    svg.text(20.0, 54.0, r##"fill="#444""##, subtitle);
    let mut accepting: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.accepted_by.as_deref())
        .collect();
    accepting.dedup();
    if let [thread] = accepting[..] {
        let note = format!("every client was accepted by thread {thread}");
        svg.text(20.0, 74.0, r##"fill="#444" font-style="italic""##, &note);
    }
    let head = r##"fill="#444" font-weight="bold""##;
    svg.text(20.0, TOP - 12.0, head, "request");
    svg.text(170.0, TOP - 12.0, head, "served by thread");
    let right = r#"text-anchor="end""#;
    svg.text(940.0, TOP - 12.0, &format!("{head} {right}"), "latency");
    for &t in &ticks {
        svg.line(x(t), TOP - 4.0, x(t), bottom, r##"stroke="#ddd""##);
        let label = tick_label(t, &ticks);
        svg.text(x(t), bottom + 18.0, r#"text-anchor="middle""#, &label);
    }
    svg.line(PLOT.0, bottom, PLOT.1, bottom, r##"stroke="#444""##);
    let axis = "time since the slow client connected";
    svg.text(
        (PLOT.0 + PLOT.1) / 2.0,
        bottom + 38.0,
        r#"text-anchor="middle""#,
        axis,
    );

    if let Some(slow) = rows.iter().find(|r| r.exchange.slow) {
        let at = x(ms(slow.exchange.ended));
        let red = r##"stroke="#c00" stroke-dasharray="4 3""##;
        svg.line(at, TOP - 24.0, at, bottom, red);
        let label = "slow response ends";
        svg.text(
            at - 4.0,
            TOP - 28.0,
            r##"fill="#c00" text-anchor="end""##,
            label,
        );
    }

    for (i, row) in rows.iter().enumerate() {
        let e = &row.exchange;
        let y = TOP + ROW * i as f64;
        let colour = threads
            .iter()
            .position(|t| Some(t) == row.served_by.as_ref())
            .map_or("#999", |i| PALETTE[i % PALETTE.len()]);
        let (name, style) = match e.slow {
            true => (
                "slow client".to_owned(),
                r##"fill="#c00" font-weight="bold""##,
            ),
            false => (format!("fast {i}"), ""),
        };
        svg.text(
            20.0,
            y + 13.0,
            style,
            &format!("{name}  :{}", e.local.port()),
        );
        let thread = row.served_by.as_deref().unwrap_or("?");
        svg.text(170.0, y + 13.0, &format!(r#"fill="{colour}""#), thread);
        let (x0, x1) = (x(ms(e.connected)), x(ms(e.ended)));
        let (class, stroke) = match e.slow {
            true => ("bar slow", r##" stroke="#c00" stroke-width="2""##),
            false => ("bar", ""),
        };
        let accepted = row.accepted_by.as_deref().unwrap_or("?");
        let title = format!(
            "{name} ({}): accepted by {accepted}, served by {thread}; \
             connected at {:.1} ms, response ended at {:.1} ms",
            e.local,
            ms(e.connected),
            ms(e.ended)
        );
        let attrs = format!(r#"class="{class}" fill="{colour}"{stroke}"#);
        svg.rect_titled(x0, y, (x1 - x0).max(2.0), 16.0, &attrs, &title);
        let latency = format!("{:.1} ms", ms(e.latency()));
        svg.text(940.0, y + 13.0, right, &latency);
    }
    svg.text(
        20.0,
        bottom + 74.0,
        r##"fill="#777" font-size="11""##,
        footer,
    );
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_axis() {
        assert_eq!(step(3100.0), 500.0);
        assert_eq!(step(4100.0), 1000.0);
        assert_eq!(ticks(5000.0), [0.0, 1000.0, 2000.0, 3000.0, 4000.0, 5000.0]);
        assert_eq!(ticks(1000.0).len(), 6);
        assert_eq!(tick_label(400.0, &ticks(1000.0)), "0.4 s");
        assert_eq!(tick_label(40.0, &ticks(50.0)), "40 ms");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape(r#"a<b & "c">"#), "a&lt;b &amp; &quot;c&quot;&gt;");
    }
}
