//! Windows' special path spellings, sent to a chapter's binary over real
//! sockets: drive letters in every encoding, `\` and `%5c`, `\\?\` and UNC
//! forms, device names, data streams, trailing dots and spaces, 8.3 short
//! names. Each gets its expected status, and no answer is ever a file from
//! outside `static/`.
//!
//! Built for Windows and run under Wine (`tools/scripts/test-windows-wine.sh`) or
//! on Windows, the server applies Windows' own path rules: this is the test
//! that proves the path handling there. On Linux and macOS the same table
//! shows that the rules are the same on every system (`common` refuses these
//! names everywhere), which is what lets a Linux run vouch for Windows.
//!
//! Each chapter's `tests/http.rs` adds it with one line,
//! [`crate::windows_paths_test!`].

use std::fmt::Write as _;
use std::path::Path;

use crate::suite::TempDir;
use crate::{Reply, Server};

/// Defines the `#[test]` that sends the table to the binary `$bin`.
#[macro_export]
macro_rules! windows_paths_test {
    ($bin:expr) => {
        #[test]
        fn windows_path_spellings_never_leave_static() {
            $crate::windows_paths::spellings_never_leave_static($bin)
        }
    };
}

/// What a spelling must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// 400: no client may send it, on any system.
    Refused,
    /// 404: an ordinary name under the root, which does not exist.
    Missing,
    /// 200 with `index.html` of the root: what follows `?` is a query.
    Index,
    /// 200 with a file inside the root, or 404: systems differ (a
    /// case-insensitive name, an 8.3 short name) but only within the root.
    InsideOrMissing,
    /// 400 or 404, never a device: `CONIN$` and `CONOUT$`, which only some
    /// Windows versions treat as devices in every folder.
    NotServed,
}

impl Expect {
    fn allows(self, status: u16, inside: Option<&str>) -> bool {
        match self {
            Expect::Refused => status == 400,
            Expect::Missing => status == 404,
            Expect::Index => status == 200 && inside == Some("index.html"),
            Expect::InsideOrMissing => status == 404 || (status == 200 && inside.is_some()),
            Expect::NotServed => status == 400 || status == 404,
        }
    }
}

/// The files of the site the server gets, and the secret next to it.
const SITE: [(&str, &str); 3] = [
    ("index.html", "inside: index.html\n"),
    ("long-file-name.html", "inside: long-file-name.html\n"),
    ("sub/page.txt", "inside: sub/page.txt\n"),
];

/// `C:` and the rest of `path` with `\` separators: on Windows its own
/// drive; elsewhere the path as Windows would spell it on drive C.
fn windows_spelling(path: &Path) -> (String, String) {
    let text = path.to_string_lossy().replace('/', "\\");
    match text.as_bytes() {
        [letter, b':', ..] if letter.is_ascii_alphabetic() => {
            (text[..2].to_owned(), text[2..].to_owned())
        }
        _ => ("C:".to_owned(), text),
    }
}

/// Percent-encodes what may not appear raw in a request target (spaces,
/// non-ASCII letters of a user's name); `keep` lists what stays as is.
fn encode(text: &str, keep: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric()
            || b"-._~/".contains(&byte)
            || keep.as_bytes().contains(&byte)
        {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// The table: every spelling, what it must get, and why it is there.
fn table(secret: &Path) -> Vec<(String, Expect)> {
    use Expect::*;
    let (drive, rest) = windows_spelling(secret);
    let letter = &drive[..1];
    let slashes = encode(&rest.replace('\\', "/"), "");
    let backslashes = encode(&rest, "\\");
    let encoded_backslashes = encode(&rest, "");
    let low = letter.to_ascii_lowercase();
    let mut rows: Vec<(String, Expect)> = vec![
        // Drive letters, in every encoding: absolute, drive-relative, both cases.
        (format!("/{drive}{slashes}"), Refused),
        (format!("/{low}:{slashes}"), Refused),
        (format!("/{letter}%3A{slashes}"), Refused),
        (format!("/{letter}%3a%2F{}", &slashes[1..]), Refused),
        (
            format!("/%{:02X}%3A{slashes}", letter.as_bytes()[0]),
            Refused,
        ),
        (format!("/{drive}{backslashes}"), Refused),
        (format!("/{letter}%3A{encoded_backslashes}"), Refused),
        (format!("/{drive}secret.txt"), Refused),
        (format!("/{drive}"), Refused),
        (format!("http://localhost/{drive}{slashes}"), Refused),
        // An overlong UTF-8 ':' is not UTF-8; a full-width '：' is no drive.
        (format!("/{letter}%C0%BA{slashes}"), Refused),
        (format!("/{letter}%EF%BC%9A{slashes}"), Missing),
        // The same path without its drive is only a name under the root.
        (slashes.clone(), Missing),
        // `\` and `%5c`, alone and with `..`.
        ("/..\\secret.txt".to_owned(), Refused),
        ("/..%5csecret.txt".to_owned(), Refused),
        ("/..%5Csecret.txt".to_owned(), Refused),
        ("/sub%5c..%5c..%5csecret.txt".to_owned(), Refused),
        ("/sub/..%5C..%5Csecret.txt".to_owned(), Refused),
        ("/index.html%5c".to_owned(), Refused),
        ("/%5csecret.txt".to_owned(), Refused),
        // `\\?\` (verbatim) and `\\.\` (device namespace) paths.
        (
            format!("/%5c%5c%3f%5c{letter}%3a{encoded_backslashes}"),
            Refused,
        ),
        (format!("/\\\\?\\{drive}{backslashes}"), Refused),
        (format!("/%2f%2f%3f%2f{letter}%3a{slashes}"), Refused),
        (format!("//./{drive}{slashes}"), Refused),
        (
            format!("/%5c%5c.%5c{letter}%3a{encoded_backslashes}"),
            Refused,
        ),
        ("/%5c%5c.%5cpipe%5cx".to_owned(), Refused),
        // Unescaped, `?` starts the query: the root's index.html, nothing else.
        (format!("//?/{drive}{slashes}"), Index),
        // UNC forms: with `/` they are names under the root.
        (
            format!("/\\\\localhost\\{letter}$\\{}", &backslashes[1..]),
            Refused,
        ),
        (
            format!("/%5c%5c127.0.0.1%5c{letter}%24{encoded_backslashes}"),
            Refused,
        ),
        (format!("//localhost/{letter}$/{}", &slashes[1..]), Missing),
        (
            format!("//?/UNC/localhost/{letter}$/{}", &slashes[1..]),
            Index,
        ),
        (
            format!("/%2f%2f%3f%2fUNC%2flocalhost%2f{letter}%24{slashes}"),
            Missing,
        ),
        // Device names, in any folder, any case, with any extension.
        ("/CON".to_owned(), Refused),
        ("/con.txt".to_owned(), Refused),
        ("/NUL".to_owned(), Refused),
        ("/nul.html".to_owned(), Refused),
        ("/sub/nul".to_owned(), Refused),
        ("/AUX".to_owned(), Refused),
        ("/PRN.txt".to_owned(), Refused),
        ("/COM1".to_owned(), Refused),
        ("/com9.log".to_owned(), Refused),
        ("/LPT1".to_owned(), Refused),
        ("/CON%20.txt".to_owned(), Refused),
        ("/LPT%C2%B9".to_owned(), Refused),
        ("/COM%C2%B2.txt".to_owned(), Refused),
        ("/CONIN$".to_owned(), NotServed),
        ("/CONOUT$".to_owned(), NotServed),
        // Alternate data streams.
        ("/index.html::$DATA".to_owned(), Refused),
        ("/index.html::$data".to_owned(), Refused),
        ("/index.html%3A%3A%24DATA".to_owned(), Refused),
        ("/index.html:Zone.Identifier".to_owned(), Refused),
        ("/index.html:$DATA".to_owned(), Refused),
        ("/sub::$INDEX_ALLOCATION/page.txt".to_owned(), Refused),
        // Trailing dots and spaces, which Windows drops.
        ("/index.html.".to_owned(), Refused),
        ("/index.html%2e".to_owned(), Refused),
        ("/index.html%2e%2e".to_owned(), Refused),
        ("/index.html%20".to_owned(), Refused),
        ("/index.html.%20.".to_owned(), Refused),
        ("/sub./page.txt".to_owned(), Refused),
        ("/sub%20/page.txt".to_owned(), Refused),
        // 8.3 short names name files of the same folder only; outside the
        // root they need `..`. Case differs only within the root too.
        ("/LONG-F~1.HTM".to_owned(), InsideOrMissing),
        ("/INDEX~1.HTM".to_owned(), InsideOrMissing),
        ("/INDEX.HTML".to_owned(), InsideOrMissing),
        ("/SUB/PAGE.TXT".to_owned(), InsideOrMissing),
        ("/../SECRET~1.TXT".to_owned(), Refused),
        ("/%2e%2e/SECRET~1.TXT".to_owned(), Refused),
        ("/sub/%2e%2e/%2e%2e/secret.txt".to_owned(), Refused),
    ];
    // The site's own files, to show the server serves at all.
    rows.extend(SITE.map(|(name, _)| (format!("/{name}"), InsideOrMissing)));
    rows
}

/// The site file whose content `reply` is, if any.
fn inside_file(reply: &Reply) -> Option<&'static str> {
    SITE.iter()
        .find(|(_, content)| reply.body == content.as_bytes())
        .map(|(name, _)| *name)
}

/// Sends every spelling of the table to `bin` serving a site whose parent
/// folder holds `secret.txt`; each gets its status, none gets the secret.
pub fn spellings_never_leave_static(bin: &str) {
    let outer = TempDir::new();
    let secret_text = format!("OUTSIDE-THE-ROOT {}", std::process::id());
    let secret = outer.path().join("secret.txt");
    std::fs::write(&secret, &secret_text).expect("write secret.txt");
    let site = outer.path().join("site");
    for (name, content) in SITE {
        let path = site.join(name);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("mkdir");
        std::fs::write(&path, content).expect("write a site file");
    }
    let server = Server::start(
        bin,
        &["--static-dir", site.to_str().expect("UTF-8 temp path")],
    );
    let rows = table(&secret);
    let mut wrong = Vec::new();
    let mut counts = std::collections::BTreeMap::new();
    for (target, expect) in &rows {
        let reply = server.get(target);
        assert!(
            !String::from_utf8_lossy(&reply.body).contains(&secret_text),
            "{target} was answered with the file outside static/"
        );
        let inside = inside_file(&reply);
        if reply.status == 200 {
            assert!(
                inside.is_some(),
                "{target}: 200 with a body that is no file of the site: {:?}",
                String::from_utf8_lossy(&reply.body)
            );
        }
        *counts.entry(reply.status).or_insert(0) += 1;
        if !expect.allows(reply.status, inside) {
            wrong.push(format!(
                "  {target}: expected {expect:?}, got {} {}",
                reply.status,
                inside.unwrap_or("")
            ));
        }
    }
    assert_eq!(
        server.get("/index.html").status,
        200,
        "the server still serves after the table"
    );
    assert!(
        wrong.is_empty(),
        "{} of {} spellings got the wrong status:\n{}",
        wrong.len(),
        rows.len(),
        wrong.join("\n")
    );
    let rules = if cfg!(windows) {
        if crate::under_wine() {
            "Windows' rules, under Wine"
        } else {
            "Windows' rules"
        }
    } else {
        "this system's rules, which common makes Windows'"
    };
    let name = Path::new(bin)
        .file_stem()
        .map_or_else(|| bin.into(), |s| s.to_string_lossy());
    let counts: Vec<String> = counts.iter().map(|(s, n)| format!("{s}×{n}")).collect();
    eprintln!(
        "{name}: {} path spellings ({rules}): {}; none served a file outside static/",
        rows.len(),
        counts.join(", ")
    );
}
