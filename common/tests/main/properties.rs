//! Property tests: no input makes the reader panic or overread, no target
//! escapes the static root, and every response parses back.
#![allow(
    clippy::unwrap_used,
    reason = "in a test, a panic is the failure report"
)]

use std::fs;
use std::io::{self, Read, Write};
use std::path::PathBuf;

use common::{HttpError, Limits, RequestParser, Response, StaticFile, read_request, resolve};
use proptest::prelude::*;

const LIMITS: Limits = Limits {
    max_head: 512,
    max_body: 256,
};

/// Feeds `data` in the given chunk sizes and counts every byte handed out.
struct Counting {
    data: Vec<u8>,
    sizes: Vec<usize>,
    at: usize,
    reads: usize,
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let size = self.sizes[self.reads % self.sizes.len()];
        self.reads += 1;
        let n = size.min(buf.len()).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Bytes that are often almost a request: a valid start, then anything.
fn request_like() -> impl Strategy<Value = Vec<u8>> {
    let start = prop_oneof![
        Just(b"GET / HTTP/1.1\r\nHost: x\r\n".to_vec()),
        Just(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n".to_vec()),
        Just(b"POST /a HTTP/1.0\r\nContent-Length: 300\r\n\r\n".to_vec()),
        Just(Vec::new()),
    ];
    // Plain random bytes rarely contain the characters HTTP is made of, so
    // bytes 0-3 stand for CR, LF, ':' and ' '.
    let tail = prop::collection::vec(any::<u8>(), 0..1200);
    (start, tail).prop_map(|(mut start, tail)| {
        start.extend(tail.into_iter().map(|b| match b {
            0 => b'\r',
            1 => b'\n',
            2 => b':',
            3 => b' ',
            other => other,
        }));
        start
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn reader_never_panics_or_overreads(
        data in request_like(),
        sizes in prop::collection::vec(1usize..700, 1..8),
    ) {
        let mut reader = Counting { data, sizes, at: 0, reads: 0 };
        let result = read_request(&mut reader, &LIMITS);
        // Never past the head: a body is never read.
        prop_assert!(reader.at <= LIMITS.max_head, "read {} bytes", reader.at);
        if let Ok(Some(request)) = result {
            prop_assert!(request.body.is_empty());
            prop_assert!(request.path.len() < LIMITS.max_head);
        }
    }

    /// The sans-I/O parser, fed the bytes in any pieces (as the async reader
    /// feeds it), decides as the blocking reader does: the same request, or
    /// the same refusal, or none. Both are that parser, so this also pins
    /// that no decision depends on where the reads happened to end.
    #[test]
    fn parser_fed_in_any_pieces_decides_as_the_reader(
        data in request_like(),
        sizes in prop::collection::vec(1usize..700, 1..8),
    ) {
        let mut reader = Counting { data: data.clone(), sizes: vec![data.len().max(1)], at: 0, reads: 0 };
        let whole = outcome(read_request(&mut reader, &LIMITS));
        let mut parser = RequestParser::new(LIMITS);
        let mut fed = Ok(None);
        let (mut at, mut piece) = (0, 0);
        while at < data.len() && matches!(fed, Ok(None)) {
            let n = sizes[piece % sizes.len()].min(data.len() - at);
            fed = parser.feed(&data[at..at + n]);
            at += n;
            piece += 1;
        }
        if matches!(fed, Ok(None)) {
            fed = parser.end(HttpError::Closed);
        }
        prop_assert_eq!(whole, outcome(fed));
    }
}

/// A reader's result, comparable: the request, `none`, or the status.
fn outcome(result: Result<Option<common::Request>, HttpError>) -> String {
    match result {
        Ok(Some(request)) => format!("{request:?}"),
        Ok(None) => "none".to_owned(),
        Err(err) => format!("{:?}", err.status()),
    }
}

/// A static tree with links inside and out; removed on drop.
struct Tree {
    base: PathBuf,
}

impl Tree {
    fn new() -> Tree {
        let base = std::env::temp_dir().join(format!("henaserver-prop-{}", std::process::id()));
        let _ = fs::remove_dir_all(&base);
        fs::create_dir_all(base.join("site/sub")).unwrap();
        fs::write(base.join("outside.txt"), "outside").unwrap();
        for name in [
            "site/index.html",
            "site/a.css",
            "site/sub/index.html",
            "site/sub/b.png",
            "site/日本.txt",
        ] {
            fs::write(base.join(name), name).unwrap();
        }
        // Windows creates symbolic links only in Developer Mode: there the
        // tree has no links (links are tried in static_files.rs, ignored on
        // Windows), and the other escapes are still tried.
        #[cfg(unix)]
        {
            use std::os::unix::fs::symlink;
            symlink(base.join("outside.txt"), base.join("site/out")).unwrap();
            symlink(&base, base.join("site/up")).unwrap();
            symlink(base.join("site/sub"), base.join("site/in")).unwrap();
        }
        // Names Linux allows that are a drive, a device or another name on
        // Windows or macOS: they exist here, and must never be served.
        #[cfg(not(windows))]
        {
            fs::create_dir(base.join("site/C:")).unwrap();
            fs::write(base.join("site/C:/x.txt"), "drive").unwrap();
            fs::write(base.join("site/nul.txt"), "device").unwrap();
            fs::write(base.join("site/index.html."), "dot").unwrap();
        }
        // On macOS `..namedfork` is the fork itself, not a name to create.
        #[cfg(target_os = "linux")]
        {
            fs::create_dir(base.join("site/sub/..namedfork")).unwrap();
            fs::write(base.join("site/sub/..namedfork/rsrc"), "fork").unwrap();
        }
        Tree {
            base: base.canonicalize().unwrap(),
        }
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.base);
    }
}

/// Targets built segment by segment from a vocabulary weighted toward
/// escapes, so `/../outside.txt` and its encodings come up often.
fn target() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => Just(".."),
        2 => Just("."),
        2 => Just("%2e%2e"),
        1 => Just("%2E."),
        2 => Just("..%2f.."),
        1 => Just("..%5c.."),
        1 => Just("..\\.."),
        1 => Just(""),
        1 => Just("%00"),
        1 => Just("%"),
        1 => Just("%zz"),
        1 => Just("?x=/.."),
        1 => Just("#/.."),
        1 => Just("日本.txt"),
        1 => Just("%E6%97%A5%E6%9C%AC.txt"),
        2 => Just("index.html"),
        1 => Just("a.css"),
        2 => Just("sub"),
        1 => Just("b.png"),
        3 => Just("out"),
        3 => Just("up"),
        2 => Just("in"),
        3 => Just("outside.txt"),
        1 => Just("site"),
        1 => Just("x".repeat(300).leak() as &str),
        2 => Just("C:"),
        1 => Just("C%3A"),
        1 => Just("%3a"),
        1 => Just("x.txt"),
        2 => Just("nul.txt"),
        1 => Just("NUL"),
        1 => Just("%2e"),
        2 => Just("index.html."),
        1 => Just("%20"),
        1 => Just("::$DATA"),
        2 => Just("..namedfork"),
        1 => Just("rsrc"),
    ];
    let segment = prop::collection::vec(piece, 1..3).prop_map(|p| p.concat());
    (
        prop::bool::weighted(0.9),
        prop::collection::vec(segment, 0..7),
    )
        .prop_map(|(slash, segments)| {
            format!("{}{}", if slash { "/" } else { "" }, segments.join("/"))
        })
}

#[test]
fn lookup_stays_inside_the_root() {
    let tree = Tree::new();
    let site = tree.base.join("site");
    proptest!(ProptestConfig::with_cases(3000), |(target in target())| {
        match resolve(&site, &target) {
            Ok(path) => {
                let real = path.canonicalize().unwrap();
                prop_assert!(real.starts_with(&site), "{target} -> {}", real.display());
                prop_assert!(real.is_file());
                let inside = path.strip_prefix(&site).unwrap().to_string_lossy().into_owned();
                for refused in [":", "nul", "index.html.", "namedfork"] {
                    prop_assert!(!inside.to_lowercase().contains(refused), "{target} -> {inside}");
                }
            }
            Err(HttpError::MovedPermanently(location)) => {
                let slashed = resolve(&site, &location);
                prop_assert!(
                    !matches!(slashed, Err(HttpError::MovedPermanently(_))),
                    "{target} -> {location} redirects again"
                );
            }
            Err(HttpError::BadPath(_) | HttpError::NotFound | HttpError::Forbidden) => {}
            Err(other) => prop_assert!(false, "{target}: unexpected {other}"),
        }
    });
}

fn parse_response(raw: &[u8]) -> (u16, Option<u64>, usize) {
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut response = httparse::Response::new(&mut headers);
    let httparse::Status::Complete(head_len) = response.parse(raw).unwrap() else {
        panic!("incomplete head");
    };
    let length = response
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("Content-Length"))
        .map(|h| std::str::from_utf8(h.value).unwrap().parse().unwrap());
    (response.code.unwrap(), length, raw.len() - head_len)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn file_responses_round_trip(content in prop::collection::vec(any::<u8>(), 0..150_000), head_only: bool) {
        let path = std::env::temp_dir().join(format!("henaserver-prop-file-{}", std::process::id()));
        fs::File::create(&path).unwrap().write_all(&content).unwrap();
        let file = StaticFile { file: fs::File::open(&path).unwrap(), len: content.len() as u64, path: path.clone() };
        fs::remove_file(&path).unwrap();
        let mut out = Vec::new();
        Response::file(file, mime_guess::mime::IMAGE_PNG).write_to(&mut out, head_only).unwrap();
        let (status, length, body_len) = parse_response(&out);
        prop_assert_eq!(status, 200);
        prop_assert_eq!(length, Some(content.len() as u64));
        prop_assert_eq!(body_len, if head_only { 0 } else { content.len() });
        prop_assert!(head_only || out.ends_with(&content));
    }

    #[test]
    fn error_responses_round_trip(which in 0usize..12) {
        let errors = [
            HttpError::MovedPermanently("/x/".into()), HttpError::PermissionDenied,
            HttpError::FileSystem(io::Error::from_raw_os_error(24)),
            HttpError::BadRequest("x".into()), HttpError::BadPath("x"), HttpError::Forbidden,
            HttpError::NotFound, HttpError::MethodNotAllowed("PUT".into()), HttpError::Timeout,
            HttpError::PayloadTooLarge(9), HttpError::HeaderTooLarge, HttpError::NotImplemented("x".into()),
        ];
        let err = &errors[which];
        let mut out = Vec::new();
        Response::error(err).unwrap().write_to(&mut out, false).unwrap();
        let (status, length, body_len) = parse_response(&out);
        prop_assert_eq!(Some(status), err.status().map(|s| s.0));
        prop_assert_eq!(length, Some(body_len as u64));
    }
}
