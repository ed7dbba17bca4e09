//! The behaviour every chapter shares, as test bodies; each chapter's test
//! file instantiates them with [`crate::http_suite!`] against its own binary.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use crate::{Server, request, static_dir, static_file};

/// Defines one `#[test]` per shared check, run against the binary `$bin`.
/// A check that cannot run on a system is ignored there, with the reason
/// (`cargo test` prints it; `-- --include-ignored` runs it and it fails).
#[macro_export]
macro_rules! http_suite {
    ($bin:expr) => {
        $crate::http_suite!(@each $bin;
            serves_static_files_byte_exact, root_serves_index_html, missing_file_gets_html_404,
            head_sends_headers_only, garbage_gets_400_then_serves, post_gets_405_then_serves,
            traversal_never_leaves_static,
            #[cfg_attr(windows, ignore = "Windows makes symbolic links only in Developer Mode; Linux and macOS run this test")]
            symlink_out_of_static_is_refused,
            other_systems_aliases_are_refused_everywhere,
            request_sent_one_byte_at_a_time, request_longer_than_4096_bytes,
            oversized_head_gets_431, http11_without_host_gets_400, body_with_a_get_does_not_spoil_the_reply);
    };
    (@each $bin:expr; $($(#[$attr:meta])* $name:ident),*) => {
        $( #[test] $(#[$attr])* fn $name() { $crate::suite::$name($bin) } )*
    };
}

/// index.html, index.css and logo.png arrive byte for byte, correctly labelled.
pub fn serves_static_files_byte_exact(bin: &str) {
    let server = Server::start(bin, &[]);
    for (name, content_type) in [
        ("index.html", "text/html; charset=utf-8"),
        ("index.css", "text/css; charset=utf-8"),
        ("logo.png", "image/png"),
    ] {
        let reply = server.get(&format!("/{name}"));
        let expected = static_file(name);
        assert_eq!(reply.status, 200, "{name}");
        assert_eq!(reply.header("Content-Type"), Some(content_type), "{name}");
        assert_eq!(
            reply.header("Content-Length"),
            Some(expected.len().to_string().as_str())
        );
        assert_eq!(reply.header("Server"), Some("HenaServer/0.1"));
        assert_eq!(reply.header("Connection"), Some("close"));
        let date = reply.header("Date").expect("Date header");
        assert!(
            date.ends_with(" GMT") && date.len() == 29,
            "IMF-fixdate: {date}"
        );
        assert!(reply.body == expected, "{name}: body differs from the file");
    }
}

/// `/` and a query string still find index.html.
pub fn root_serves_index_html(bin: &str) {
    let server = Server::start(bin, &[]);
    for path in ["/", "/index.html?lang=ja", "/./index.html#top"] {
        let reply = server.get(path);
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.body, static_file("index.html"), "{path}");
    }
}

/// A missing file gets 404 with an HTML page, labelled as HTML whatever the extension.
pub fn missing_file_gets_html_404(bin: &str) {
    let server = Server::start(bin, &[]);
    let reply = server.get("/no-such-file.png");
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    let body = String::from_utf8(reply.body.clone()).expect("UTF-8 page");
    assert!(body.contains("<h1>404 Not Found</h1>"), "{body}");
    assert_eq!(
        reply.header("Content-Length"),
        Some(body.len().to_string().as_str())
    );
}

/// HEAD gets GET's headers and no body.
pub fn head_sends_headers_only(bin: &str) {
    let server = Server::start(bin, &[]);
    let reply = server.exchange(request("HEAD", "/logo.png").as_bytes());
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("Content-Type"), Some("image/png"));
    let len = static_file("logo.png").len().to_string();
    assert_eq!(reply.header("Content-Length"), Some(len.as_str()));
    assert!(reply.body.is_empty(), "HEAD response has a body");
}

/// Garbage gets 400 and the server goes on serving.
pub fn garbage_gets_400_then_serves(bin: &str) {
    let server = Server::start(bin, &[]);
    for garbage in [
        &b"\x00\x01\x02 hello\r\n\r\n"[..],
        b"GET\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
    ] {
        let reply = server.exchange(garbage);
        assert_eq!(reply.status, 400, "{:?}", String::from_utf8_lossy(garbage));
        assert_eq!(server.get("/index.html").status, 200);
    }
}

/// POST gets 405 with `Allow`, and the server goes on serving.
pub fn post_gets_405_then_serves(bin: &str) {
    let server = Server::start(bin, &[]);
    let post = "POST /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
    let reply = server.exchange(post.as_bytes());
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("Allow"), Some("GET, HEAD"));
    assert_eq!(server.get("/index.css").status, 200);
}

/// Targets that would reach the workspace's Cargo.toml (a real file right
/// outside `static/`) never return it; nor does `/C:/Cargo.toml`, which on
/// Windows would name the Cargo.toml in the server's current directory.
pub fn traversal_never_leaves_static(bin: &str) {
    let outside = std::fs::read_to_string(static_dir().join("../Cargo.toml")).expect("Cargo.toml");
    assert!(outside.contains("[workspace]"));
    let server = Server::start(bin, &[]);
    for target in [
        "/C:/Cargo.toml",
        "/C%3A/Cargo.toml",
        "/c%3a%2fCargo.toml",
        "/C:Cargo.toml",
        "/D:/x",
        "/C:/Windows/win.ini",
        "/index.html::$DATA",
        "/index.html%3A%3A%24DATA",
        "/index.html:Zone.Identifier",
        "/index.html/..namedfork/rsrc",
        "/CON",
        "/aux.html",
        "/nul",
        "/index.html.",
        "/index.html%2e",
        "/index.html%20",
    ] {
        let reply = server.get(target);
        let body = String::from_utf8_lossy(&reply.body);
        assert_eq!(reply.status, 400, "{target}");
        assert!(
            !body.contains("[workspace]") && !body.contains("[package]"),
            "{target} leaked a Cargo.toml"
        );
    }
    for target in [
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/%2E%2E%2FCargo.toml",
        "/..%2fCargo.toml",
        "/..%5cCargo.toml",
        "/..\\Cargo.toml",
        "/static/../../Cargo.toml",
        "/./../Cargo.toml",
        "/%252e%252e/Cargo.toml",
        "//../Cargo.toml",
        "/index.html%00/../../Cargo.toml",
        "http://localhost/../Cargo.toml",
    ] {
        let reply = server.get(target);
        let body = String::from_utf8_lossy(&reply.body);
        assert!(reply.status >= 400, "{target} got {}", reply.status);
        assert!(!body.contains("[workspace]"), "{target} leaked Cargo.toml");
    }
}

/// Names that Linux allows but that are a drive or a data stream (`C:`,
/// `a:b`), a device (`nul.txt`) or another file (`index.html.`) on Windows,
/// or a resource fork on macOS: refused with 400 on every system, here where
/// they really are files too.
pub fn other_systems_aliases_are_refused_everywhere(bin: &str) {
    let site = TempDir::new();
    let dir = site.path();
    std::fs::write(dir.join("index.html"), "home").expect("write index.html");
    // None of these can be created on Windows: there only the requests are tried.
    if cfg!(not(windows)) {
        std::fs::create_dir(dir.join("C:")).expect("mkdir C:");
        std::fs::write(dir.join("C:/secret.txt"), "secret").expect("write C:/secret.txt");
        std::fs::write(dir.join("nul.txt"), "secret").expect("write nul.txt");
        std::fs::write(dir.join("index.html."), "secret").expect("write index.html.");
        std::fs::write(dir.join("a:b.txt"), "secret").expect("write a:b.txt");
    }
    // On macOS `..namedfork` is the fork itself, not a name to create.
    if cfg!(target_os = "linux") {
        std::fs::create_dir(dir.join("..namedfork")).expect("mkdir ..namedfork");
        std::fs::write(dir.join("..namedfork/rsrc"), "secret").expect("write rsrc");
    }
    let site_arg = dir.to_str().expect("UTF-8 temp path");
    let server = Server::start(bin, &["--static-dir", site_arg]);
    for target in [
        "/C:/secret.txt",
        "/C%3A/secret.txt",
        "/nul.txt",
        "/NUL.txt",
        "/index.html.",
        "/index.html%2E",
        "/a:b.txt",
        "/..namedfork/rsrc",
    ] {
        let reply = server.get(target);
        assert_eq!(reply.status, 400, "{target}");
        assert!(!String::from_utf8_lossy(&reply.body).contains("secret"));
    }
    assert_eq!(server.get("/index.html").body, b"home");
}

/// Where symbolic links cannot be made (Windows, outside Developer Mode):
/// the test is ignored there, and fails, saying why, when run anyway.
#[cfg(not(unix))]
pub fn symlink_out_of_static_is_refused(_bin: &str) {
    panic!("Windows makes symbolic links only in Developer Mode; Linux and macOS run this test");
}

/// A link inside the static root that points outside it is refused (403).
#[cfg(unix)]
pub fn symlink_out_of_static_is_refused(bin: &str) {
    let root = TempDir::new();
    let secret = root.path().join("secret.txt");
    std::fs::write(&secret, "top secret").expect("write secret");
    let site = root.path().join("site");
    std::fs::create_dir(&site).expect("mkdir site");
    std::fs::write(site.join("ok.txt"), "fine").expect("write ok.txt");
    use std::os::unix::fs::symlink;
    symlink(&secret, site.join("leak.txt")).expect("symlink");
    symlink(root.path(), site.join("up")).expect("symlink");
    symlink(site.join("ok.txt"), site.join("alias.txt")).expect("symlink");
    let site_arg = site.to_str().expect("UTF-8 temp path");
    let server = Server::start(bin, &["--static-dir", site_arg]);
    assert_eq!(server.get("/ok.txt").body, b"fine");
    assert_eq!(
        server.get("/alias.txt").body,
        b"fine",
        "a link inside the root is fine"
    );
    for target in ["/leak.txt", "/up/secret.txt"] {
        let reply = server.get(target);
        assert_eq!(reply.status, 403, "{target}");
        assert!(!String::from_utf8_lossy(&reply.body).contains("top secret"));
    }
}

/// A request that arrives one byte per packet still parses.
pub fn request_sent_one_byte_at_a_time(bin: &str) {
    let server = Server::start(bin, &[]);
    let mut stream = server.connect();
    stream.set_nodelay(true).expect("nodelay");
    for byte in request("GET", "/index.css").bytes() {
        stream.write_all(&[byte]).expect("send byte");
        thread::sleep(Duration::from_millis(2));
    }
    let reply = crate::read_reply(&mut stream);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, static_file("index.css"));
}

/// The book reads at most 4096 bytes; a 6000-byte head must work.
pub fn request_longer_than_4096_bytes(bin: &str) {
    let server = Server::start(bin, &[]);
    let cookie = "a".repeat(6000);
    let raw = format!("GET /index.html HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n");
    let reply = server.exchange(raw.as_bytes());
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, static_file("index.html"));
}

/// A head over 8 KiB, or with too many headers, gets 431; then all is well.
pub fn oversized_head_gets_431(bin: &str) {
    let server = Server::start(bin, &[]);
    let big = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nCookie: {}\r\n\r\n",
        "a".repeat(9000)
    );
    assert_eq!(server.exchange(big.as_bytes()).status, 431);
    let many: String = (0..100).map(|i| format!("X-{i}: y\r\n")).collect();
    let many = format!("GET / HTTP/1.1\r\nHost: x\r\n{many}\r\n");
    assert_eq!(server.exchange(many.as_bytes()).status, 431);
    assert_eq!(server.get("/").status, 200);
}

/// HTTP/1.1 requires Host (RFC 9112 3.2); HTTP/1.0 does not.
pub fn http11_without_host_gets_400(bin: &str) {
    let server = Server::start(bin, &[]);
    assert_eq!(server.exchange(b"GET / HTTP/1.1\r\n\r\n").status, 400);
    assert_eq!(server.exchange(b"GET / HTTP/1.0\r\n\r\n").status, 200);
}

/// A GET may carry a body; it means nothing, so the answer does not wait for
/// it, and the rest of it, arriving after the answer, does not spoil the reply.
pub fn body_with_a_get_does_not_spoil_the_reply(bin: &str) {
    let server = Server::start(bin, &[]);
    let mut stream = server.connect();
    stream
        .write_all(b"GET /index.css HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab")
        .expect("send head");
    thread::sleep(Duration::from_millis(50));
    stream.write_all(b"cd").expect("send rest of body");
    let reply = crate::read_reply(&mut stream);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, static_file("index.css"));
}

/// A directory under the system's temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates a fresh, empty directory.
    pub fn new() -> TempDir {
        TempDir::new_in(&std::env::temp_dir())
    }

    /// Creates a fresh, empty directory in `parent`.
    pub fn new_in(parent: &Path) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "henaserver-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = parent.join(name);
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        // dunce: `C:\Users\...`, not `\\?\C:\Users\...`, which other
        // programs (a browser's --user-data-dir) take for a relative name.
        TempDir(dunce::canonicalize(&path).expect("canonical temp dir"))
    }

    /// A fresh directory that every user may enter and read (mode 755), in
    /// the first of `$TMPDIR`, `/tmp`, `/var/tmp` and `/dev/shm` whose every
    /// ancestor lets others through: for a server run as `nobody`.
    #[cfg(unix)]
    pub fn for_everyone() -> TempDir {
        use std::os::unix::fs::PermissionsExt;
        let passable = |dir: &Path| {
            dir.ancestors().all(|folder| {
                std::fs::metadata(folder).is_ok_and(|m| m.permissions().mode() & 0o001 != 0)
            })
        };
        let candidates = [
            std::env::temp_dir(),
            PathBuf::from("/tmp"),
            PathBuf::from("/var/tmp"),
            PathBuf::from("/dev/shm"),
        ];
        let parent = candidates
            .iter()
            .find(|dir| passable(dir))
            .unwrap_or_else(|| {
                panic!("no temporary folder that other users may enter among {candidates:?}")
            });
        let dir = TempDir::new_in(parent);
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod 755 the temporary folder");
        dir
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Default for TempDir {
    fn default() -> Self {
        TempDir::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
