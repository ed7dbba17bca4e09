//! Mapping a request target onto a file under the static root, safely.
//!
//! The book joins the target onto `STATIC_ROOT` with `os.path.join`, which
//! happily serves `/../../etc/passwd`. Here the target is decoded and checked
//! segment by segment before any file-system call, and symbolic links under
//! the root are followed only when they stay inside it.

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
    /// From its extension, e.g. `text/html; charset=utf-8`.
    pub content_type: String,
}

/// Opens the file that `target` names under `static_root` (which must be
/// canonical, as [`crate::Config`] makes it). `/` and directories mean their
/// `index.html`; a directory named without its trailing slash gets
/// [`HttpError::MovedPermanently`].
pub fn open_static_file(static_root: &Path, target: &str) -> Result<StaticFile, HttpError> {
    let path = resolve(static_root, target)?;
    let file = File::open(&path).map_err(fs_error)?;
    let len = file.metadata().map_err(fs_error)?.len();
    Ok(StaticFile {
        file,
        len,
        content_type: content_type(&path),
    })
}

/// The path of the regular file that `target` names, proven to be inside `static_root`.
pub fn resolve(static_root: &Path, target: &str) -> Result<PathBuf, HttpError> {
    let segments = decode_target(target)?;
    let mut path = static_root.to_path_buf();
    // `None` stands for the root itself, a directory: no need to stat it again.
    let mut meta = None;
    for segment in &segments {
        path.push(segment);
        // No such name can exist (NAME_MAX, PATH_MAX): not found, without
        // asking the file system, which would fail with another error.
        if segment.len() > 255 || path.as_os_str().len() >= 4096 {
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

/// `Content-Type` from the file extension; text types say they are UTF-8.
pub fn content_type(path: &Path) -> String {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    if mime.type_() == mime_guess::mime::TEXT {
        format!("{}; charset=utf-8", mime.essence_str())
    } else {
        mime.essence_str().to_owned()
    }
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
    match err.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => HttpError::NotFound,
        io::ErrorKind::PermissionDenied => HttpError::PermissionDenied,
        _ => HttpError::FileSystem(err),
    }
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
            _ => segments.push(segment.to_owned()),
        }
    }
    Ok(segments)
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
