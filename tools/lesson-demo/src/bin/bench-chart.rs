//! Draws `tools/scripts/bench.sh`'s table as an SVG chart.
//!
//!     bench-chart TABLE.tsv OUT.svg "subtitle"
//!
//! TABLE.tsv: `server<TAB>a_ratio<TAB>d_mibs<TAB>d_rss_mib` per line.

use std::process::ExitCode;

use lesson_demo::chart;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [table, out, subtitle] = &args[..] else {
        eprintln!("usage: bench-chart TABLE.tsv OUT.svg SUBTITLE");
        return ExitCode::from(2);
    };
    let result = std::fs::read_to_string(table)
        .map_err(|e| format!("{table}: {e}"))
        .and_then(|tsv| chart::parse(&tsv))
        .and_then(|rows| {
            let title = "The chapters beside nginx";
            let svg = chart::bench(title, subtitle, &rows);
            std::fs::write(out, svg).map_err(|e| format!("{out}: {e}"))
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench-chart: {message}");
            ExitCode::FAILURE
        }
    }
}
