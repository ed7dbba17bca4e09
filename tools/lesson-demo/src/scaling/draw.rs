//! The sweeps as one picture, drawn with `svg.rs`: requests per second
//! against busy clients; threads, memory and the fresh GET's time against
//! silent clients.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::Duration;

use super::{BusyPoint, SilentPoint, servers};
use crate::svg::{PALETTE, Svg, escape, ticks};

/// Width and height of [`draw`]'s picture.
pub const SIZE: (f64, f64) = (1180.0, 900.0);
/// A legend name's width per character (13 px DejaVu Sans, generously).
const LEGEND_CHAR: f64 = 7.6;
/// The distance between two rows of the legend.
const LEGEND_ROW: f64 = 22.0;

/// A plot area: where the data may be drawn.
#[derive(Debug, Clone, Copy)]
struct Area {
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
}

/// A log-scale axis from 10^lo to 10^hi onto pixels `from`..`to`.
#[derive(Debug, Clone, Copy)]
struct Log {
    lo: f64,
    hi: f64,
    from: f64,
    to: f64,
}

impl Log {
    fn at(&self, value: f64) -> f64 {
        let t = (value.max(1e-12).log10() - self.lo) / (self.hi - self.lo);
        self.from + t.clamp(0.0, 1.0) * (self.to - self.from)
    }
}

/// The decades from 10^lo to 10^hi.
fn decades(lo: f64, hi: f64) -> impl Iterator<Item = f64> {
    (lo.round() as i32..=hi.round() as i32).map(|e| 10f64.powi(e))
}

/// A count for an axis: 5000 → "5k".
fn count_label(v: f64) -> String {
    if v >= 1000.0 && v % 1000.0 == 0.0 {
        format!("{:.0}k", v / 1000.0)
    } else if v >= 1.0 || v == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// A time for an axis: "0.1 ms", "100 ms", "3 s".
fn ms_label(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{} s", ms / 1000.0)
    } else {
        format!("{ms} ms")
    }
}

/// How a series is drawn: colour, dashes, marker.
struct Style {
    colour: &'static str,
    dash: &'static str,
    marker: usize,
}

fn style(index: usize, server: &str) -> Style {
    if server.starts_with("nginx") {
        return Style {
            colour: "#222",
            dash: r#" stroke-dasharray="2 3""#,
            marker: 4,
        };
    }
    // The step the picture is about: a colour no other line has.
    if server.ends_with("-async") {
        return Style {
            colour: "#0072b2",
            dash: "",
            marker: 0,
        };
    }
    Style {
        colour: PALETTE[index % PALETTE.len()],
        // The two sequential chapters measure alike: dashes keep both visible.
        dash: if index % 2 == 1 {
            r#" stroke-dasharray="7 4""#
        } else {
            ""
        },
        marker: index % 4,
    }
}

/// A marker at (x, y): circle, square, triangle, diamond, or a ring for nginx.
fn marker(out: &mut String, s: &Style, x: f64, y: f64, hollow: bool, title: &str) {
    let fill = if hollow || s.marker == 4 {
        "#fff"
    } else {
        s.colour
    };
    let paint = format!(
        r#"fill="{fill}" stroke="{}" stroke-width="1.5" class="marker""#,
        s.colour
    );
    let title = format!("<title>{}</title>", escape(title));
    let _ = match s.marker {
        0 | 4 => writeln!(
            out,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="4" {paint}>{title}</circle>"#
        ),
        1 => writeln!(
            out,
            r#"<rect x="{:.1}" y="{:.1}" width="7" height="7" {paint}>{title}</rect>"#,
            x - 3.5,
            y - 3.5
        ),
        2 => writeln!(
            out,
            r#"<polygon points="{x:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" {paint}>{title}</polygon>"#,
            y - 5.0,
            x - 4.5,
            y + 3.5,
            x + 4.5,
            y + 3.5
        ),
        _ => writeln!(
            out,
            r#"<polygon points="{x:.1},{:.1} {:.1},{y:.1} {x:.1},{:.1} {:.1},{y:.1}" {paint}>{title}</polygon>"#,
            y - 5.0,
            x + 5.0,
            y + 5.0,
            x - 5.0
        ),
    };
}

/// One series in one panel: a polyline (class `series`) and its markers.
/// `points` are (x, y, hollow, tooltip).
fn series(
    out: &mut String,
    panel: &str,
    server: &str,
    s: &Style,
    points: &[(f64, f64, bool, String)],
) {
    if points.is_empty() {
        return;
    }
    let coords: Vec<String> = points
        .iter()
        .map(|(x, y, ..)| format!("{x:.1},{y:.1}"))
        .collect();
    let _ = writeln!(
        out,
        r#"<polyline class="series" data-panel="{panel}" data-series="{}" points="{}" fill="none" stroke="{}" stroke-width="2"{}/>"#,
        escape(server),
        coords.join(" "),
        s.colour,
        s.dash
    );
    for (x, y, hollow, title) in points {
        marker(out, s, *x, *y, *hollow, title);
    }
}

/// A panel's frame, its name above, its grid and y labels.
fn frame(svg: &mut Svg, panel: &str, area: Area, heading: &str) {
    svg.rect(
        area.left,
        area.top,
        area.right - area.left,
        area.bottom - area.top,
        &format!(r##"class="plot" data-panel="{panel}" fill="#fafafa" stroke="#bbb""##),
    );
    svg.text(
        area.left,
        area.top - 10.0,
        r##"font-weight="bold" fill="#222""##,
        heading,
    );
}

fn y_tick(svg: &mut Svg, area: Area, y: f64, label: &str) {
    svg.line(area.left, y, area.right, y, r##"stroke="#e4e4e4""##);
    svg.text(
        area.left - 6.0,
        y + 4.0,
        r##"text-anchor="end" fill="#444" font-size="12""##,
        label,
    );
}

fn x_ticks(svg: &mut Svg, area: Area, ticks: &[(f64, String)]) {
    for (x, label) in ticks {
        svg.line(*x, area.top, *x, area.bottom, r##"stroke="#e4e4e4""##);
        svg.text(
            *x,
            area.bottom + 16.0,
            r##"text-anchor="middle" fill="#444" font-size="12""##,
            label,
        );
    }
}

/// The picture: requests per second against busy clients on the left;
/// threads, memory and the fresh GET's time against silent clients on the
/// right, one line per server, x on a log scale. Each line of `subtitle`
/// goes under the title; `cap` is where the fresh GET stopped waiting.
pub fn draw(
    title: &str,
    subtitle: &str,
    busy: &[BusyPoint],
    silent: &[SilentPoint],
    cap: Duration,
) -> String {
    let (width, height) = SIZE;
    let mut svg = Svg::new(width as u32, height as u32);
    let mut overlay = String::new();
    svg.text(24.0, 34.0, r#"font-size="21" font-weight="bold""#, title);
    for (i, line) in subtitle.lines().enumerate() {
        svg.text(
            24.0,
            56.0 + 17.0 * i as f64,
            r##"fill="#555" font-size="12""##,
            line,
        );
    }
    let names = servers(
        busy.iter()
            .map(|p| p.server.as_str())
            .chain(silent.iter().map(|p| p.server.as_str())),
    );
    let styles: Vec<Style> = names.iter().enumerate().map(|(i, n)| style(i, n)).collect();
    let top = 76.0 + 17.0 * subtitle.lines().count() as f64;

    // Legend: each entry as wide as its name, on as many rows as it takes.
    let (mut x, mut y) = (24.0, top + 4.0);
    for (name, s) in names.iter().zip(&styles) {
        let entry = 42.0 + LEGEND_CHAR * name.chars().count() as f64;
        if x > 24.0 && x + entry > width - 24.0 {
            (x, y) = (24.0, y + LEGEND_ROW);
        }
        let _ = writeln!(
            overlay,
            r#"<line class="legend" x1="{x:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{}" stroke-width="2"{}/>"#,
            x + 34.0,
            s.colour,
            s.dash
        );
        marker(&mut overlay, s, x + 17.0, y, false, name);
        svg.text(x + 42.0, y + 4.5, r##"fill="#222""##, name);
        x += entry + 26.0;
    }

    let plot_top = y - 4.0 + 62.0;
    let plot_bottom = height - 80.0;
    busy_panel(
        &mut svg,
        &mut overlay,
        &names,
        &styles,
        busy,
        Area {
            left: 96.0,
            top: plot_top,
            right: 520.0,
            bottom: plot_bottom,
        },
    );
    silent_panels(
        &mut svg,
        &mut overlay,
        &names,
        &styles,
        silent,
        cap,
        (650.0, width - 28.0),
        (plot_top, plot_bottom),
    );

    // The series go on top of the frames and grids.
    svg.raw(&overlay);
    svg.finish()
}

fn busy_panel(
    svg: &mut Svg,
    overlay: &mut String,
    names: &[String],
    styles: &[Style],
    busy: &[BusyPoint],
    area: Area,
) {
    frame(svg, "busy", area, "Busy clients: requests per second");
    let clients: BTreeSet<u64> = busy.iter().map(|p| p.clients).collect();
    let lo = clients
        .first()
        .map_or(0.0, |&c| (c.max(1) as f64).log10().floor());
    let hi = clients
        .last()
        .map_or(1.0, |&c| (c.max(1) as f64).log10().ceil())
        .max(lo + 1.0);
    let x = Log {
        lo,
        hi,
        from: area.left + 14.0,
        to: area.right - 14.0,
    };
    let x_at = |c: u64| x.at(c.max(1) as f64);
    x_ticks(
        svg,
        area,
        &clients
            .iter()
            .map(|&c| (x_at(c), count_label(c as f64)))
            .collect::<Vec<_>>(),
    );
    let max = busy.iter().map(|p| p.rps.median).fold(0.0, f64::max);
    let ticks = ticks(max.max(1.0));
    let step = ticks.get(1).copied().unwrap_or(1.0);
    let end = ticks
        .last()
        .copied()
        .filter(|&t| t >= max)
        .unwrap_or(step * ticks.len() as f64);
    let y = |v: f64| area.bottom - v / end * (area.bottom - area.top - 10.0);
    for k in 0..=(end / step).round() as usize {
        let v = k as f64 * step;
        y_tick(svg, area, y(v), &count_label(v));
    }
    let mid = (area.top + area.bottom) / 2.0;
    svg.text(
        area.left - 58.0,
        mid,
        &format!(
            r##"text-anchor="middle" fill="#222" transform="rotate(-90 {:.1} {mid:.1})""##,
            area.left - 58.0
        ),
        "requests per second (median)",
    );
    svg.text(
        (area.left + area.right) / 2.0,
        area.bottom + 40.0,
        r##"text-anchor="middle" fill="#222""##,
        "busy clients (wrk connections, Connection: close; log scale)",
    );
    for (name, s) in names.iter().zip(styles) {
        let points: Vec<_> = busy
            .iter()
            .filter(|p| &p.server == name)
            .map(|p| {
                let tip = format!(
                    "{name}, {} busy clients: {:.0} req/s, p99 {:.2} ms, {} errors",
                    p.clients, p.rps.median, p.p99_ms.median, p.errors
                );
                (x_at(p.clients), y(p.rps.median), false, tip)
            })
            .collect();
        series(overlay, "busy", name, s, &points);
    }
}

#[allow(clippy::too_many_arguments)]
fn silent_panels(
    svg: &mut Svg,
    overlay: &mut String,
    names: &[String],
    styles: &[Style],
    silent: &[SilentPoint],
    cap: Duration,
    (left, right): (f64, f64),
    (top, bottom): (f64, f64),
) {
    let ks: BTreeSet<u64> = silent.iter().map(|p| p.k).collect();
    // K = 0 has no place on a log scale: it sits one decade left of the
    // smallest K, behind a break in the axis.
    let smallest = ks.iter().copied().find(|&k| k > 0).unwrap_or(10) as f64;
    let lo = smallest.log10().floor() - 1.0;
    let hi = ks
        .last()
        .map_or(lo + 2.0, |&k| (k.max(1) as f64).log10())
        .max(lo + 1.0);
    let x = Log {
        lo,
        hi,
        from: left + 14.0,
        to: right - 14.0,
    };
    let x_at = |k: u64| if k == 0 { x.from } else { x.at(k as f64) };
    let x_ticks_at: Vec<(f64, String)> = ks
        .iter()
        .map(|&k| (x_at(k), count_label(k as f64)))
        .collect();

    let gap = 58.0;
    let h = (bottom - top - 2.0 * gap) / 3.0;
    let area = |i: f64| Area {
        left,
        top: top + i * (h + gap),
        right,
        bottom: top + i * (h + gap) + h,
    };
    let cap_ms = cap.as_secs_f64() * 1000.0;

    type Pick = fn(&SilentPoint) -> Option<f64>;
    let panels: [(&str, &str, Pick); 3] = [
        ("threads", "Silent clients: the server's threads", |p| {
            Some(p.threads?.median)
        }),
        (
            "memory",
            "Silent clients: resident memory (VmRSS, MiB)",
            |p| Some(p.rss_kib?.median / 1024.0),
        ),
        (
            "fresh",
            "Silent clients: one fresh GET /index.html",
            |p| match p.mostly_waits() {
                true => None,
                false => Some(p.fresh_ms?.median),
            },
        ),
    ];
    for (i, (panel, heading, pick)) in panels.into_iter().enumerate() {
        let a = area(i as f64);
        let heading = match panel {
            "fresh" => format!("{heading}, capped at {}", ms_label(cap_ms)),
            _ => heading.to_owned(),
        };
        frame(svg, panel, a, &heading);
        x_ticks(svg, a, &x_ticks_at);
        let values: Vec<f64> = silent
            .iter()
            .filter_map(pick)
            .filter(|v| *v > 0.0)
            .collect();
        let band = if panel == "fresh" { 24.0 } else { 0.0 };
        let (lo_y, hi_y) = match panel {
            "fresh" => (
                values
                    .iter()
                    .copied()
                    .fold(cap_ms, f64::min)
                    .log10()
                    .floor(),
                cap_ms.log10(),
            ),
            _ => (
                values
                    .iter()
                    .copied()
                    .fold(f64::MAX, f64::min)
                    .min(1.0)
                    .log10()
                    .floor(),
                values
                    .iter()
                    .copied()
                    .fold(1.0, f64::max)
                    .log10()
                    .ceil()
                    .max(1.0),
            ),
        };
        let lo_y = if lo_y.is_finite() { lo_y } else { 0.0 };
        let y = Log {
            lo: lo_y,
            hi: hi_y.max(lo_y + 1.0),
            from: a.bottom - 6.0,
            to: a.top + band + 6.0,
        };
        for d in decades(y.lo, y.hi.floor()) {
            let label = match panel {
                "fresh" => ms_label(d),
                _ => count_label(d),
            };
            y_tick(svg, a, y.at(d), &label);
        }
        let waits_y = a.top + band / 2.0;
        if panel == "fresh" {
            svg.rect(a.left, a.top, a.right - a.left, band, r##"fill="#fde8e8""##);
            let red = r##"text-anchor="end" fill="#b00" font-size="12""##;
            svg.text(a.left - 6.0, waits_y + 4.0, red, "waits");
        }
        // The break between K = 0 and the log scale.
        let brk = (x.from + x_at(smallest as u64)) / 2.0;
        svg.text(
            brk,
            a.bottom + 4.0,
            r##"text-anchor="middle" fill="#888""##,
            "//",
        );
        for (name, s) in names.iter().zip(styles) {
            let points: Vec<_> = silent
                .iter()
                .filter(|p| &p.server == name)
                .filter_map(|p| {
                    let short = p.held < p.k;
                    let held = if short {
                        format!(" (held {} of {})", p.held, p.k)
                    } else {
                        String::new()
                    };
                    if panel == "fresh" && p.mostly_waits() {
                        let tip = format!("{name}, K = {}{held}: the fresh GET waits", p.k);
                        return Some((x_at(p.k), waits_y, short, tip));
                    }
                    let v = pick(p)?;
                    let tip = format!(
                        "{name}, K = {}{held}: {heading_value} {v:.2}",
                        p.k,
                        heading_value = panel
                    );
                    Some((x_at(p.k), y.at(v), short, tip))
                })
                .collect();
            series(overlay, panel, name, s, &points);
        }
    }
    let last = area(2.0);
    svg.text(
        (left + right) / 2.0,
        last.bottom + 40.0,
        r##"text-anchor="middle" fill="#222""##,
        "silent clients held open (connected, sending nothing; log scale)",
    );
    svg.text(
        left,
        last.bottom + 58.0,
        r##"fill="#666" font-size="11""##,
        "A hollow marker: the server took fewer silent clients than asked (see the table).",
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaling::{
        SilentRow, busy_points, parse_busy, parse_silent, recorded, silent_points,
    };

    fn picture() -> String {
        let busy = busy_points(&parse_busy(recorded::BUSY).expect("parses"));
        let silent = silent_points(&parse_silent(recorded::SILENT).expect("parses"));
        draw(
            "title",
            "line 1\nline 2",
            &busy,
            &silent,
            Duration::from_secs(2),
        )
    }

    fn number(node: roxmltree::Node, name: &str) -> f64 {
        node.attribute(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} of {node:?}"))
    }

    #[test]
    fn one_line_per_server_in_each_panel_every_point_inside_it() {
        let text = picture();
        let doc = roxmltree::Document::parse(&text).expect("well-formed");
        let plots: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("plot"))
            .collect();
        let panels: Vec<&str> = plots
            .iter()
            .filter_map(|n| n.attribute("data-panel"))
            .collect();
        assert_eq!(panels, ["busy", "threads", "memory", "fresh"]);
        let servers = [
            "chapter12-sequential",
            "chapter13-refactor",
            "chapter13-threaded",
            "chapter13-threadpool",
            "nginx",
        ];
        for plot in plots {
            let panel = plot.attribute("data-panel").expect("named");
            let (x, y) = (number(plot, "x"), number(plot, "y"));
            let (right, bottom) = (x + number(plot, "width"), y + number(plot, "height"));
            let lines: Vec<_> = doc
                .descendants()
                .filter(|n| n.has_tag_name("polyline") && n.attribute("data-panel") == Some(panel))
                .collect();
            let names: Vec<&str> = lines
                .iter()
                .filter_map(|n| n.attribute("data-series"))
                .collect();
            assert_eq!(names, servers, "panel {panel}");
            for line in lines {
                let points = line.attribute("points").expect("points");
                assert_eq!(points.split(' ').count(), 5, "{panel}: {points}");
                for point in points.split(' ') {
                    let (px, py) = point.split_once(',').expect("x,y");
                    let (px, py): (f64, f64) = (px.parse().expect("x"), py.parse().expect("y"));
                    assert!(
                        (x..=right).contains(&px) && (y..=bottom).contains(&py),
                        "{panel}: {point} outside {x},{y} – {right},{bottom}"
                    );
                }
            }
        }
    }

    #[test]
    fn axes_and_legend_are_labelled() {
        let text = picture();
        let doc = roxmltree::Document::parse(&text).expect("well-formed");
        let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
        for label in [
            "requests per second (median)",
            "busy clients (wrk connections, Connection: close; log scale)",
            "silent clients held open (connected, sending nothing; log scale)",
            "Silent clients: the server's threads",
            "Silent clients: resident memory (VmRSS, MiB)",
            "Silent clients: one fresh GET /index.html, capped at 2 s",
            "waits",
            "5k",
            "nginx",
            "line 2",
        ] {
            assert!(texts.contains(&label), "no {label:?} in {texts:?}");
        }
        let legend = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("legend"));
        assert_eq!(legend.count(), 5);
    }

    #[test]
    fn a_long_legend_wraps_without_overlapping_and_the_plots_start_below_it() {
        let mut rows = parse_silent(recorded::SILENT).expect("parses");
        for extra in ["chapter13-async", "a-reader-s-own-server-with-a-long-name"] {
            let copies: Vec<_> = rows
                .iter()
                .filter(|r| r.server == "nginx")
                .map(|r| SilentRow {
                    server: extra.to_owned(),
                    ..r.clone()
                })
                .collect();
            rows.extend(copies);
        }
        let text = draw("t", "s", &[], &silent_points(&rows), Duration::from_secs(2));
        let doc = roxmltree::Document::parse(&text).expect("well-formed");
        let legend: Vec<(f64, f64, &str)> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("legend"))
            .map(|n| {
                let name = n
                    .next_sibling_element()
                    .and_then(|m| m.children().find_map(|t| t.text()))
                    .expect("a marker with its title");
                (number(n, "x1"), number(n, "y1"), name)
            })
            .collect();
        assert_eq!(legend.len(), 7);
        let rows_y: BTreeSet<u64> = legend.iter().map(|(_, y, _)| *y as u64).collect();
        assert!(
            rows_y.len() >= 2,
            "seven long names take two rows: {legend:?}"
        );
        for pair in legend.windows(2) {
            let ((x0, y0, name), (x1, y1, _)) = (pair[0], pair[1]);
            if y0 == y1 {
                assert!(
                    x1 >= x0 + 42.0 + LEGEND_CHAR * name.chars().count() as f64,
                    "{name} runs into the next entry: {legend:?}"
                );
            }
        }
        for (x, _, name) in &legend {
            assert!(
                x + 42.0 + LEGEND_CHAR * name.chars().count() as f64 <= SIZE.0,
                "{name} runs off the picture"
            );
        }
        let last_row = legend.iter().map(|(_, y, _)| *y).fold(0.0, f64::max);
        let first_plot = doc
            .descendants()
            .find(|n| n.attribute("class") == Some("plot"))
            .expect("a plot");
        assert!(
            number(first_plot, "y") > last_row + 30.0,
            "the plots start below the legend"
        );
    }

    #[test]
    fn a_missing_quantity_draws_no_line() {
        // Off Linux there are no thread counts: those panels stay empty.
        let mut rows = parse_silent(recorded::SILENT).expect("parses");
        for row in &mut rows {
            row.probe.status = None;
        }
        let text = draw("t", "", &[], &silent_points(&rows), Duration::from_secs(2));
        let doc = roxmltree::Document::parse(&text).expect("well-formed");
        let panels: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .filter_map(|n| n.attribute("data-panel"))
            .collect();
        assert_eq!(panels, ["fresh"; 5]);
    }

    #[test]
    fn counts_and_times_read_as_people_write_them() {
        assert_eq!(count_label(5000.0), "5k");
        assert_eq!(count_label(200.0), "200");
        assert_eq!(count_label(0.0), "0");
        assert_eq!(ms_label(0.1), "0.1 ms");
        assert_eq!(ms_label(3000.0), "3 s");
        let log = Log {
            lo: 0.0,
            hi: 3.0,
            from: 100.0,
            to: 400.0,
        };
        assert_eq!(
            (log.at(1.0), log.at(1000.0), log.at(10.0)),
            (100.0, 400.0, 200.0)
        );
        assert_eq!(log.at(0.0), 100.0, "clamped into the plot");
    }
}
