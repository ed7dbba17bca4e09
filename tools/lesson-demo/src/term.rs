//! The timeline in the terminal: one row per request on a shared time axis,
//! at most [`WIDTH`] columns, coloured by serving thread only on a terminal.

use std::fmt::Write;

use crate::timeline::{Row, serving_threads};
use crate::{ms, svg};

/// The widest line printed.
pub const WIDTH: usize = 100;
const LABEL: usize = 13; // "fast 9 :56249"
const THREAD: usize = 22; // "worker 127.0.0.1:56249"
const TIME: usize = 11; // " 2801.3 ms" after the bar
const BAR: usize = WIDTH - LABEL - 1 - THREAD - 1 - 1 - TIME;

/// ANSI colours given to the serving threads in turn.
const PALETTE: [&str; 6] = ["36", "32", "35", "34", "33", "31"];

/// Renders the timeline of one chapter; `colour` adds ANSI escapes.
pub fn timeline(title: &str, rows: &[Row], colour: bool) -> String {
    let span = svg::axis_end(rows);
    let ticks = svg::ticks(span);
    let threads = serving_threads(rows);
    let paint = |text: &str, code: &str| match colour {
        true => format!("\x1b[{code}m{text}\x1b[0m"),
        false => text.to_owned(),
    };
    let col = |t_ms: f64| t_ms / span * BAR as f64;
    let slow_end = rows
        .iter()
        .find(|r| r.exchange.slow)
        .map(|r| col(ms(r.exchange.ended)));

    let mut out = format!("{}\n", paint(title, "1"));
    // Tick labels above the bars, each starting at its tick.
    let mut header = format!("{:<LABEL$} {:<THREAD$} ", "request", "server thread");
    let mut line = vec![' '; BAR + TIME];
    for &t in &ticks {
        let at = (col(t).round() as usize).min(BAR);
        let label = svg::tick_label(t, &ticks);
        let at = at.min(line.len() - label.chars().count());
        for (i, c) in label.chars().enumerate() {
            line[at + i] = c;
        }
    }
    header.extend(line);
    let _ = writeln!(out, "{}", header.trim_end());

    for (i, row) in rows.iter().enumerate() {
        let e = &row.exchange;
        let name = if e.slow {
            "slow".to_owned()
        } else {
            format!("fast {i}")
        };
        let label = format!("{name:<6} :{:<5}", e.local.port());
        let label = if e.slow { paint(&label, "1") } else { label };
        let thread = row.served_by.as_deref().unwrap_or("?");
        let thread = fit(thread, THREAD);
        let code = threads
            .iter()
            .position(|t| Some(t) == row.served_by.as_ref())
            .map_or("0", |i| PALETTE[i % PALETTE.len()]);
        let bar = bar(
            col(ms(e.connected)),
            col(ms(e.ended)),
            slow_end.filter(|_| !e.slow),
        );
        let _ = writeln!(
            out,
            "{label} {} {} {:>8.1} ms",
            paint(&format!("{thread:<THREAD$}"), code),
            paint(&bar, code),
            ms(e.latency())
        );
    }
    let mut axis = vec!['─'; BAR + 1];
    for &t in &ticks {
        axis[(col(t).round() as usize).min(BAR)] = '┼';
    }
    let axis: String = axis.into_iter().collect();
    let _ = writeln!(out, "{:LABEL$} {:THREAD$} {axis}", "", "");
    let _ = writeln!(
        out,
        "bar: from connecting to the end of the response; ┊ where the slow response ended"
    );
    out
}

/// One row's bar: cells `from..to` (fractional) filled, eighth blocks at
/// the end, and `┊` where the slow response ended if the bar is not there.
fn bar(from: f64, to: f64, mark: Option<f64>) -> String {
    (0..BAR)
        .map(|cell| {
            let (start, end) = (cell as f64, cell as f64 + 1.0);
            let covered = to.min(end) - from.max(start);
            if covered >= 1.0 {
                '█'
            } else if from - start >= 0.125 && from < end && to < end {
                // A bar inside one cell: a thin mark on the side where it is.
                if from - start < 0.5 { '▏' } else { '▕' }
            } else if from - start >= 0.125 && from < end {
                // The bar starts inside this cell.
                if covered > 0.75 {
                    '█'
                } else if covered > 0.25 {
                    '▐'
                } else {
                    '▕'
                }
            } else if covered > 0.0 {
                // The bar ends inside this cell: left blocks by eighths.
                let eighths = (covered * 8.0).round().clamp(1.0, 7.0) as usize;
                ['▏', '▎', '▍', '▌', '▋', '▊', '▉'][eighths - 1]
            } else if mark.is_some_and(|m| m >= start && m < end) {
                '┊'
            } else {
                ' '
            }
        })
        .collect()
}

/// `text` cut to `width` characters, with `…` when it was longer.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_fill_whole_cells_and_end_in_eighths() {
        let b = bar(0.0, 2.5, None);
        assert!(b.starts_with("██▌"), "{b:?}");
        assert_eq!(b.chars().count(), BAR);
        assert!(bar(10.0, 10.01, Some(20.5)).contains('▏'));
        assert_eq!(bar(10.0, 10.01, Some(20.5)).chars().nth(20), Some('┊'));
    }
}
