//! Mapping a request target onto a file under the static root, safely.
//!
//! The book joins the target onto `STATIC_ROOT` with `os.path.join`, which
//! happily serves `/../../etc/passwd`. Here the target is decoded and checked
//! segment by segment before any file-system call, and symbolic links under
//! the root are followed only when they stay inside it.
//!
//! The checks are the same on every system, so that a test run on Linux
//! proves what a reader's Windows or macOS machine does: a name that is
//! another name for something else on *some* system (a drive, a data stream,
//! a device, a resource fork, a file whose name loses its trailing dot) is
//! refused everywhere, even where it would be an ordinary file.

use std::fs::{self, File, Metadata};
use std::io;
use std::path::{Path, PathBuf};

use percent_encoding::percent_decode_str;

use crate::HttpError;

/// An opened file ready to be streamed, with what its headers need.
#[derive(Debug)]
pub struct StaticFile {
    /// The open file; the response streams it instead of reading it whole.
    pub file: File,
    /// Its size when opened: the `Content-Length`.
    pub len: u64,
    /// Where it is: its extension tells the `Content-Type`.
    pub path: PathBuf,
}

/// Opens the file that `target` names under `static_root` (which must be
/// canonical, as [`crate::Config`] makes it). `/` and directories mean their
/// `index.html`; a directory named without its trailing slash gets
/// [`HttpError::MovedPermanently`].
pub fn open_static_file(static_root: &Path, target: &str) -> Result<StaticFile, HttpError> {
    let path = resolve(static_root, target)?;
    let file = File::open(&path).map_err(fs_error)?;
    let len = file.metadata().map_err(fs_error)?.len();
    Ok(StaticFile { file, len, path })
}

/// The path of the regular file that `target` names, proven to be inside `static_root`.
pub fn resolve(static_root: &Path, target: &str) -> Result<PathBuf, HttpError> {
    let segments = decode_target(target)?;
    let mut path = static_root.to_path_buf();
    // `None` stands for the root itself, a directory: no need to stat it again.
    let mut meta = None;
    for segment in &segments {
        push_under(static_root, &mut path, segment)?;
        // No such name can exist on any system: not found, without asking
        // the file system, which would fail with another error.
        if name_too_long(segment) || path.as_os_str().len() >= 4096 {
            return Err(HttpError::NotFound);
        }
        meta = Some(checked_metadata(static_root, &path)?);
    }
    let meta = match meta {
        Some(meta) if !meta.is_dir() => meta,
        Some(_) if !target_path(target).ends_with('/') => {
            return Err(HttpError::MovedPermanently(with_slash(target)));
        }
        _ => {
            path.push("index.html");
            checked_metadata(static_root, &path)?
        }
    };
    // Only regular files: opening a FIFO or a device could block or worse.
    if !meta.is_file() {
        return Err(HttpError::NotFound);
    }
    Ok(path)
}

/// Appends `segment` and proves the result is still under `static_root`.
///
/// On Windows, pushing `C:x` (a drive without a root) *replaces* the path,
/// so a segment alone could leave the root; [`check_segment`] already
/// refuses every `:`, and this catches whatever a future system might add.
fn push_under(static_root: &Path, path: &mut PathBuf, segment: &str) -> Result<(), HttpError> {
    path.push(segment);
    if path.starts_with(static_root) {
        Ok(())
    } else {
        Err(HttpError::BadPath("path leaves the static root"))
    }
}

/// True when no system could hold a file of this name.
///
/// Linux limits a name to 255 *bytes*; macOS and Windows to 255 characters
/// (UTF-16 units), so a Japanese name of 86 to 255 characters is legal there
/// and must not be refused here. A name within 255 characters that the file
/// system still finds too long is a 404 too ([`fs_error`]).
fn name_too_long(segment: &str) -> bool {
    segment.chars().count() > 255
}

/// The metadata of `path` (following a link), refusing links that leave the root.
fn checked_metadata(static_root: &Path, path: &Path) -> Result<Metadata, HttpError> {
    let meta = fs::symlink_metadata(path).map_err(fs_error)?;
    if !meta.file_type().is_symlink() {
        return Ok(meta);
    }
    let real = fs::canonicalize(path).map_err(fs_error)?;
    if !real.starts_with(static_root) {
        return Err(HttpError::Forbidden);
    }
    fs::metadata(&real).map_err(fs_error)
}

/// A missing file is a 404, as in the book; a file the server may not read is
/// a 403. Anything else (no descriptors left, an I/O error, a loop of links)
/// is the server's failure, 500, with the cause in the log.
fn fs_error(err: io::Error) -> HttpError {
    if name_cannot_exist_here(&err) {
        return HttpError::NotFound;
    }
    match err.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => HttpError::NotFound,
        io::ErrorKind::PermissionDenied => HttpError::PermissionDenied,
        _ => HttpError::FileSystem(err),
    }
}

/// The system's own "no file can have this name" errors, which mean not
/// found: a name too long for this file system (a 100-character Japanese
/// name is 300 bytes, over Linux's 255), or, on Windows, characters such as
/// `*` or `?` that no Windows file name can hold. `std` has no stable kind
/// for these before Rust 1.87 (the workspace supports 1.85), hence the codes.
fn name_cannot_exist_here(err: &io::Error) -> bool {
    let codes: &[i32] = if cfg!(windows) {
        // ERROR_INVALID_NAME, ERROR_FILENAME_EXCED_RANGE.
        &[123, 206]
    } else if cfg!(any(target_os = "linux", target_os = "android")) {
        // ENAMETOOLONG.
        &[36]
    } else {
        // ENAMETOOLONG on macOS and the BSDs.
        &[63]
    };
    err.raw_os_error().is_some_and(|code| codes.contains(&code))
}

/// Splits a request target into decoded path segments, rejecting anything
/// that could name a file outside the root. Touches no file.
fn decode_target(target: &str) -> Result<Vec<String>, HttpError> {
    let path = target_path(target);
    if !path.starts_with('/') {
        return Err(HttpError::BadPath("target must start with '/'"));
    }
    // The crate passes a `%` without two hex digits through as is; such a
    // target is malformed, not a file name.
    let escapes_valid = path
        .split('%')
        .skip(1)
        .all(|rest| rest.len() >= 2 && rest.as_bytes()[..2].iter().all(u8::is_ascii_hexdigit));
    if !escapes_valid {
        return Err(HttpError::BadPath("invalid percent-encoding"));
    }
    // One decoding pass: `%252e` stays the literal name `%2e`.
    let decoded = percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| HttpError::BadPath("path is not UTF-8"))?;
    if decoded.contains('\0') {
        return Err(HttpError::BadPath("NUL byte in path"));
    }
    if decoded.contains('\\') {
        return Err(HttpError::BadPath("backslash in path"));
    }
    let mut segments = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => return Err(HttpError::BadPath("'..' in path")),
            _ => {
                check_segment(segment)?;
                segments.push(segment.to_owned());
            }
        }
    }
    Ok(segments)
}

/// Refuses, on every system, a segment that names something other than a
/// file under the root on some system. These are 400, like `..`: the target
/// is one no client may send, whether or not such a file could exist here.
/// (A name no system can hold at all is a 404 instead, see [`resolve`].)
/// Windows' 8.3 short names (`INDEX~1.HTM`) are not refused: they name only
/// files in the same directory, which are served under their long names anyway.
fn check_segment(segment: &str) -> Result<(), HttpError> {
    if segment.contains(':') {
        // Windows: `C:` is a drive, `name:stream` an alternate data stream.
        return Err(HttpError::BadPath("':' in a path segment"));
    }
    if segment.ends_with(['.', ' ']) {
        // Windows drops them: `index.html.` opens `index.html`.
        return Err(HttpError::BadPath("a name ending in '.' or ' '"));
    }
    if segment.eq_ignore_ascii_case("..namedfork") {
        // macOS: `file/..namedfork/rsrc` is the file's resource fork.
        return Err(HttpError::BadPath("'..namedfork' in path"));
    }
    if is_windows_device_name(segment) {
        return Err(HttpError::BadPath("a Windows device name"));
    }
    Ok(())
}

/// `CON`, `nul.txt`, `Com1.tar.gz`, `LPT¹`: Windows opens a device for these
/// in every directory, whatever the extension (everything from the first
/// dot) and whatever the case; spaces before the dot are ignored too.
fn is_windows_device_name(segment: &str) -> bool {
    let stem = segment
        .split('.')
        .next()
        .unwrap_or_default()
        .trim_end_matches(' ');
    let upper = stem.to_uppercase();
    match upper.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" => true,
        _ => {
            let port = upper
                .strip_prefix("COM")
                .or_else(|| upper.strip_prefix("LPT"));
            // Windows counts the Latin-1 superscripts ¹ ² ³ as digits here.
            port.is_some_and(|n| {
                matches!(
                    n,
                    "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "¹" | "²" | "³"
                )
            })
        }
    }
}

/// The path part of a target, still percent-encoded: no query, no fragment.
fn target_path(target: &str) -> &str {
    let path = strip_absolute_form(target);
    path.split(['?', '#']).next().unwrap_or_default()
}

/// `/sub?x=1` → `/sub/?x=1`: where a directory named without its slash lives.
fn with_slash(target: &str) -> String {
    let path = target_path(target);
    let rest = &strip_absolute_form(target)[path.len()..];
    // A fragment is never sent to a server; keep only a query.
    let query = rest.split('#').next().unwrap_or_default();
    format!("{path}/{query}")
}

/// `http://host/x` (absolute-form, RFC 9112 3.2.2) → `/x`.
fn strip_absolute_form(target: &str) -> &str {
    let lower = target.get(..8).unwrap_or(target).to_ascii_lowercase();
    let rest = if lower.starts_with("http://") {
        &target[7..]
    } else if lower.starts_with("https://") {
        &target[8..]
    } else {
        return target;
    };
    rest.find('/').map_or("/", |slash| &rest[slash..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_that_replaces_the_path_is_caught_after_the_push() {
        // What `C:` does on Windows, an absolute segment does everywhere.
        let root = Path::new("/srv/static");
        let mut path = root.join("sub");
        let escaped = if cfg!(windows) { "D:\\x" } else { "/etc" };
        let result = push_under(root, &mut path, escaped);
        assert!(matches!(result, Err(HttpError::BadPath(_))), "{result:?}");
        let mut path = root.to_path_buf();
        assert!(push_under(root, &mut path, "index.html").is_ok());
    }

    #[test]
    fn names_are_measured_in_characters() {
        // 255 characters are legal on macOS and Windows, 765 bytes or not.
        assert!(!name_too_long(&"あ".repeat(255)));
        assert!(!name_too_long(&"あ".repeat(100)));
        assert!(!name_too_long(&"a".repeat(255)));
        assert!(name_too_long(&"あ".repeat(256)));
        assert!(name_too_long(&"a".repeat(256)));
    }

    #[test]
    fn device_names_in_any_case_and_with_any_extension() {
        for name in [
            "CON",
            "con",
            "Prn",
            "aux",
            "NUL",
            "nul.txt",
            "NUL.tar.gz",
            "com1",
            "COM9",
            "com1.tar.gz",
            "LPT1",
            "lpt9.log",
            "COM¹",
            "lpt³.txt",
            "nul .txt",
            "aux.",
        ] {
            assert!(is_windows_device_name(name), "{name}");
        }
        for name in [
            "CONS",
            "console.txt",
            "icon",
            "null",
            "com",
            "COM0",
            "COM10",
            "lpt",
            "LPT10",
            "COM⁴",
            "a.nul",
            "index.html",
            "con-fig",
            ".con",
        ] {
            assert!(!is_windows_device_name(name), "{name}");
        }
    }

    #[test]
    fn the_systems_name_errors_mean_not_found() {
        let code = if cfg!(windows) {
            123
        } else if cfg!(target_os = "linux") {
            36
        } else {
            63
        };
        let err = io::Error::from_raw_os_error(code);
        assert!(matches!(fs_error(err), HttpError::NotFound));
    }
}
