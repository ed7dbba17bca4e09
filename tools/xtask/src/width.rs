//! Text measured in terminal cells, not characters: a Japanese character
//! takes two cells, so `chars().count()` would misalign every column after it.

use unicode_width::UnicodeWidthChar;

/// Tab stops every this many cells, as most editors show Rust and Python.
const TAB: usize = 4;

/// Cells `c` takes on a terminal. Control characters never reach the output
/// (see [`clean`]), so their width does not matter.
fn cells(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// Cells `text` takes on a terminal.
pub fn width(text: &str) -> usize {
    text.chars().map(cells).sum()
}

/// One line made safe to print in a column: tabs expanded to the next stop,
/// a trailing `\r` (a CRLF checkout) dropped, and other control characters
/// (an escape code in a source file, say) shown as `?` so they can neither
/// move the cursor nor colour the terminal.
pub fn clean(line: &str) -> String {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut out = String::with_capacity(line.len());
    let mut column = 0;
    for c in line.chars() {
        if c == '\t' {
            let spaces = TAB - column % TAB;
            out.extend(std::iter::repeat_n(' ', spaces));
            column += spaces;
        } else if c.is_control() {
            out.push('?');
            column += 1;
        } else {
            out.push(c);
            column += cells(c);
        }
    }
    out
}

/// `text` cut into pieces of at most `cells` cells each, every piece padded
/// with spaces to exactly `cells` (a wide character that would straddle the
/// edge starts the next piece). An empty line gives one blank piece.
pub fn wrap(text: &str, cells_per_piece: usize) -> Vec<String> {
    let cells_per_piece = cells_per_piece.max(2);
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = cells(c);
        if used + w > cells_per_piece {
            // Break after the last space if it is in the piece's second half,
            // so words stay whole; code without spaces breaks at the edge. A
            // space at the break is the break: it starts no row.
            let carried = match piece.rfind(' ') {
                Some(at) if width(&piece[..at]) >= cells_per_piece / 2 && c != ' ' => {
                    piece.split_off(at + 1)
                }
                _ => String::new(),
            };
            let kept = width(&piece);
            pieces.push(pad(piece, kept, cells_per_piece));
            used = width(&carried);
            piece = carried;
            if c == ' ' {
                continue;
            }
        }
        piece.push(c);
        used += w;
    }
    pieces.push(pad(piece, used, cells_per_piece));
    pieces
}

fn pad(mut piece: String, used: usize, cells: usize) -> String {
    piece.extend(std::iter::repeat_n(' ', cells.saturating_sub(used)));
    piece
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_takes_two_cells_and_wraps_before_the_edge() {
        assert_eq!(width("サーバー"), 8);
        let pieces = wrap("abサーバー", 5);
        assert_eq!(pieces, ["abサ ", "ーバ ", "ー   "]);
        assert!(pieces.iter().all(|p| width(p) == 5));
    }

    #[test]
    fn words_stay_whole_when_a_space_is_near_the_edge() {
        assert_eq!(wrap("let x = value;", 10), ["let x =   ", "value;    "]);
        assert_eq!(wrap("abcdefghijkl", 5), ["abcde", "fghij", "kl   "]);
        assert_eq!(wrap("abcde fg", 5), ["abcde", "fg   "]);
    }

    #[test]
    fn tabs_expand_and_controls_are_neutralised() {
        assert_eq!(clean("\tx\ty\r\n"), "    x   y");
        assert_eq!(clean("a\u{1b}[31m"), "a?[31m");
    }
}
