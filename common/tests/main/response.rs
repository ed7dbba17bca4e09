//! Writing responses: the head, HEAD, streamed files, error pages.
#![allow(
    clippy::unwrap_used,
    reason = "in a test, a panic is the failure report"
)]

use std::fs;
use std::io::Write;

use common::{HttpError, Response, StaticFile};

/// Parses what was written with httparse's response parser.
fn parse(raw: &[u8]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut response = httparse::Response::new(&mut headers);
    let httparse::Status::Complete(head_len) = response.parse(raw).unwrap() else {
        panic!("incomplete head");
    };
    let headers = response
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_owned(),
                String::from_utf8(h.value.to_vec()).unwrap(),
            )
        })
        .collect();
    (response.code.unwrap(), headers, raw[head_len..].to_vec())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn temp_file(name: &str, content: &[u8]) -> StaticFile {
    let path = std::env::temp_dir().join(format!("henaserver-resp-{}-{name}", std::process::id()));
    fs::File::create(&path).unwrap().write_all(content).unwrap();
    let file = StaticFile {
        file: fs::File::open(&path).unwrap(),
        len: content.len() as u64,
        path: path.clone(),
    };
    fs::remove_file(&path).unwrap();
    file
}

/// 200 with `file`, typed by its extension as the chapters do it.
fn file_response(file: StaticFile) -> Response {
    let content_type = mime_guess::from_path(&file.path).first_or_octet_stream();
    Response::file(file, content_type)
}

#[test]
fn content_types_by_extension_and_text_in_utf_8() {
    for (name, expected) in [
        ("index.html", "text/html; charset=utf-8"),
        ("index.css", "text/css; charset=utf-8"),
        ("notes.txt", "text/plain; charset=utf-8"),
        ("logo.png", "image/png"),
        ("photo.jpg", "image/jpeg"),
        ("photo.JPEG", "image/jpeg"),
        ("anim.gif", "image/gif"),
        ("icon.svg", "image/svg+xml"),
        ("data.json", "application/json"),
        ("archive.unknownext", "application/octet-stream"),
        ("noextension", "application/octet-stream"),
    ] {
        let head = file_response(temp_file(name, b"x")).head();
        assert!(
            head.contains(&format!("\r\nContent-Type: {expected}\r\n")),
            "{name}: {head}"
        );
    }
}

#[test]
fn head_has_the_books_headers_in_order() {
    let response = file_response(temp_file("a.html", b"<p>hi</p>"));
    let head = response.head();
    let names: Vec<&str> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        names,
        [
            "Date",
            "Server",
            "Content-Length",
            "Connection",
            "Content-Type"
        ]
    );
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"));
    assert!(head.ends_with("\r\n\r\n"));
}

#[test]
fn small_and_large_files_round_trip() {
    // Below and above the size where the body stops being inlined with the head.
    for size in [0, 1, 9, 64 * 1024, 64 * 1024 + 1, 3 * 1024 * 1024 + 7] {
        let content: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        let mut out = Vec::new();
        file_response(temp_file(&format!("{size}.png"), &content))
            .write_to(&mut out, false)
            .unwrap();
        let (status, headers, body) = parse(&out);
        assert_eq!(status, 200);
        assert_eq!(
            header(&headers, "Content-Length"),
            Some(size.to_string().as_str())
        );
        assert_eq!(header(&headers, "Content-Type"), Some("image/png"));
        assert_eq!(header(&headers, "Server"), Some("HenaServer/0.1"));
        assert_eq!(header(&headers, "Connection"), Some("close"));
        assert!(body == content, "size {size}: body differs");
    }
}

#[test]
fn head_only_sends_no_body_but_the_same_length() {
    let mut out = Vec::new();
    file_response(temp_file("b.css", b"h1 { color: red; }"))
        .write_to(&mut out, true)
        .unwrap();
    let (status, headers, body) = parse(&out);
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "Content-Length"), Some("18"));
    assert!(body.is_empty());
}

#[test]
fn a_file_that_shrank_is_an_error() {
    let mut file = temp_file("c.bin", b"12345");
    file.len = 10;
    assert!(
        file_response(file)
            .write_to(&mut Vec::new(), false)
            .is_err()
    );
}

#[test]
fn error_pages_carry_their_status() {
    let mut out = Vec::new();
    Response::not_found().write_to(&mut out, false).unwrap();
    let (status, headers, body) = parse(&out);
    assert_eq!(status, 404);
    assert_eq!(
        header(&headers, "Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("<h1>404 Not Found</h1>")
    );

    let response = Response::error(&HttpError::MethodNotAllowed("PUT".into())).unwrap();
    assert_eq!(response.status(), 405);
    let mut out = Vec::new();
    response.write_to(&mut out, false).unwrap();
    let (_, headers, _) = parse(&out);
    assert_eq!(header(&headers, "Allow"), Some("GET, HEAD"));

    assert!(
        Response::error(&HttpError::Closed).is_none(),
        "nobody to answer"
    );

    let response = Response::error(&HttpError::MovedPermanently("/sub/?x=1".into())).unwrap();
    let mut out = Vec::new();
    response.write_to(&mut out, false).unwrap();
    let (status, headers, _) = parse(&out);
    assert_eq!(status, 301);
    assert_eq!(header(&headers, "Location"), Some("/sub/?x=1"));

    let fs_error = HttpError::FileSystem(std::io::Error::from_raw_os_error(24));
    let mut out = Vec::new();
    Response::error(&fs_error)
        .unwrap()
        .write_to(&mut out, true)
        .unwrap();
    let (status, headers, body) = parse(&out);
    assert_eq!(status, 500);
    assert!(body.is_empty(), "HEAD: no body");
    assert_ne!(header(&headers, "Content-Length"), Some("0"));
}

#[test]
fn date_is_imf_fixdate() {
    let head = Response::not_found().head();
    let date = head.lines().find_map(|l| l.strip_prefix("Date: ")).unwrap();
    let parsed = httpdate::parse_http_date(date).unwrap();
    let age = std::time::SystemTime::now().duration_since(parsed).unwrap();
    assert!(age.as_secs() < 5, "{date}");
    assert!(date.ends_with(" GMT") && date.len() == 29, "{date}");
}
