//! `tools/scripts/bench.sh`'s table as a picture: for each server, A's requests
//! per second as a ratio to nginx, D's MiB/s and D's peak memory, each panel
//! a horizontal bar per server.

use crate::svg::{PALETTE, Svg};

/// One server's row of the benchmark table; `None` where it was not measured.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchRow {
    /// e.g. `chapter13-threaded-warn`, `nginx`.
    pub server: String,
    /// Workload A: requests per second ÷ nginx's.
    pub a_ratio: Option<f64>,
    /// Workload D: MiB/s.
    pub d_mibs: Option<f64>,
    /// Workload D: the server's peak resident memory, MiB.
    pub d_rss_mib: Option<f64>,
}

/// Reads `server<TAB>a_ratio<TAB>d_mibs<TAB>d_rss_mib` lines; `#` lines are
/// comments, and a cell that is not a number (`-`, empty) is `None`.
pub fn parse(tsv: &str) -> Result<Vec<BenchRow>, String> {
    tsv.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            let [server, a, d, rss] = cells[..] else {
                return Err(format!("expected 4 tab-separated cells: {line:?}"));
            };
            let number = |cell: &str| cell.trim().parse::<f64>().ok();
            Ok(BenchRow {
                server: server.to_owned(),
                a_ratio: number(a),
                d_mibs: number(d),
                d_rss_mib: number(rss),
            })
        })
        .collect()
}

/// The chart: three panels side by side, one row per server. Each line of
/// `subtitle` goes under the title.
pub fn bench(title: &str, subtitle: &str, rows: &[BenchRow]) -> String {
    const ROW: f64 = 24.0;
    const PANEL: f64 = 230.0;
    const LEFT: f64 = 240.0;
    let top = 88.0 + 17.0 * subtitle.lines().count() as f64;
    let bottom = top + ROW * rows.len() as f64;
    let mut svg = Svg::new(960, (bottom + 30.0) as u32);
    svg.text(20.0, 32.0, r#"font-size="20" font-weight="bold""#, title);
    for (i, line) in subtitle.lines().enumerate() {
        svg.text(20.0, 54.0 + 17.0 * i as f64, r##"fill="#444""##, line);
    }

    type Pick = fn(&BenchRow) -> Option<f64>;
    let panels: [(&str, &str, Pick); 3] = [
        ("A: req/s × nginx", "50 clients, /index.html", |r| {
            r.a_ratio
        }),
        ("D: MiB/s", "16 clients, an 8 MiB file", |r| r.d_mibs),
        ("D: peak RSS, MiB", "the server process", |r| r.d_rss_mib),
    ];
    for (p, (name, what, pick)) in panels.into_iter().enumerate() {
        let x0 = LEFT + p as f64 * (PANEL + 10.0);
        let bold = r##"fill="#222" font-weight="bold""##;
        svg.text(x0, top - 26.0, bold, name);
        svg.text(x0, top - 10.0, r##"fill="#666" font-size="11""##, what);
        let max = rows.iter().filter_map(pick).fold(0.0, f64::max);
        let scale = (PANEL - 60.0) / if max > 0.0 { max } else { 1.0 };
        svg.line(x0, top - 4.0, x0, bottom, r##"stroke="#444""##);
        if p == 0 {
            // Where nginx is: ratio 1.
            let at = x0 + scale;
            svg.line(
                at,
                top - 4.0,
                at,
                bottom,
                r##"stroke="#999" stroke-dasharray="3 3""##,
            );
        }
        for (i, row) in rows.iter().enumerate() {
            let y = top + ROW * i as f64;
            let Some(value) = pick(row) else {
                svg.text(x0 + 6.0, y + 15.0, r##"fill="#999""##, "–");
                continue;
            };
            let colour = if row.server.starts_with("nginx") {
                "#999"
            } else {
                PALETTE[chapter_index(rows, &row.server) % PALETTE.len()]
            };
            let w = (value * scale).max(1.0);
            let title = format!("{}: {name} {value}", row.server);
            let attrs = format!(r#"class="bar" fill="{colour}""#);
            svg.rect_titled(x0, y + 3.0, w, 16.0, &attrs, &title);
            let label = if p == 0 {
                format!("{value:.2}")
            } else {
                format!("{value:.0}")
            };
            svg.text(x0 + w + 5.0, y + 16.0, "", &label);
        }
    }
    for (i, row) in rows.iter().enumerate() {
        svg.text(20.0, top + ROW * i as f64 + 16.0, "", &row.server);
    }
    svg.finish()
}

/// Rows of one chapter (its `-info` and `-warn` runs) share a colour.
fn chapter_index(rows: &[BenchRow], server: &str) -> usize {
    let chapter = |s: &str| s.rsplit_once('-').map_or(s, |(c, _)| c).to_owned();
    let mut seen: Vec<String> = Vec::new();
    for row in rows {
        let c = chapter(&row.server);
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    seen.iter().position(|c| *c == chapter(server)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bar_per_measured_cell() {
        let rows = parse(
            "# server\ta\td\trss\nchapter12-sequential-warn\t0.61\t900\t2.5\nnginx\t1.00\t-\t3.1\n",
        )
        .expect("parses");
        assert_eq!(rows[1].d_mibs, None);
        let text = bench("title", "subtitle", &rows);
        let doc = roxmltree::Document::parse(&text).expect("well-formed");
        let bars = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("bar"));
        assert_eq!(bars.count(), 5);
        assert!(parse("only\ttwo").is_err());
    }
}
