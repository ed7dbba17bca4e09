//! Mapping request targets onto files: traversal attempts, links, types.
#![allow(
    clippy::unwrap_used,
    reason = "in a test, a panic is the failure report"
)]

use std::fs;
use std::path::{Path, PathBuf};

use common::{HttpError, open_static_file, resolve};

/// A temp tree: `root/site` is the static root; `root/secret.txt` is outside it.
struct Tree {
    root: PathBuf,
}

impl Tree {
    fn new(name: &str) -> Tree {
        let root =
            std::env::temp_dir().join(format!("henaserver-static-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("site/sub")).unwrap();
        fs::write(root.join("secret.txt"), "secret").unwrap();
        fs::write(root.join("site/index.html"), "<h1>home</h1>").unwrap();
        fs::write(root.join("site/a b.txt"), "space").unwrap();
        fs::write(root.join("site/日本.txt"), "nihon").unwrap();
        fs::write(root.join("site/sub/index.html"), "<h1>sub</h1>").unwrap();
        fs::write(root.join("site/sub/page.css"), "h1{}").unwrap();
        fs::create_dir(root.join("site/empty")).unwrap();
        let root = root.canonicalize().unwrap();
        Tree { root }
    }

    fn site(&self) -> PathBuf {
        self.root.join("site")
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

fn found(site: &Path, target: &str) -> PathBuf {
    resolve(site, target).unwrap_or_else(|err| panic!("{target}: {err}"))
}

/// `site` joined with a `/`-separated relative path, one component at a time
/// (Windows' canonical `\\?\` paths take no `/` separators).
fn under(site: &Path, relative: &str) -> PathBuf {
    relative
        .split('/')
        .fold(site.to_path_buf(), |path, part| path.join(part))
}

#[test]
fn ordinary_targets_resolve_inside_the_root() {
    let tree = Tree::new("ok");
    let site = tree.site();
    for (target, file) in [
        ("/", "index.html"),
        ("/index.html", "index.html"),
        ("/index.html?q=1#frag", "index.html"),
        ("//index.html", "index.html"),
        ("/./index.html", "index.html"),
        ("/sub/", "sub/index.html"),
        ("/sub/?x", "sub/index.html"),
        ("/sub/page.css", "sub/page.css"),
        ("/a%20b.txt", "a b.txt"),
        ("/%E6%97%A5%E6%9C%AC.txt", "日本.txt"),
        ("/日本.txt", "日本.txt"),
        ("http://example.com/sub/page.css", "sub/page.css"),
        ("HTTP://example.com", "index.html"),
    ] {
        assert_eq!(found(&site, target), under(&site, file), "{target}");
    }
}

#[test]
fn a_directory_without_its_slash_is_redirected() {
    let tree = Tree::new("redirect");
    let site = tree.site();
    for (target, location) in [
        ("/sub", "/sub/"),
        ("/sub?lang=ja", "/sub/?lang=ja"),
        ("/sub#top", "/sub/"),
        ("/empty", "/empty/"),
        ("http://example.com/sub", "/sub/"),
        ("/%E6%97%A5", "/%E6%97%A5/"),
    ] {
        if target.contains("%E6") {
            fs::create_dir(site.join("日")).unwrap();
        }
        match resolve(&site, target) {
            Err(HttpError::MovedPermanently(got)) => assert_eq!(got, location, "{target}"),
            other => panic!("{target}: {other:?}"),
        }
    }
}

#[test]
fn traversal_attempts_are_rejected_before_touching_the_disk() {
    // A root that does not exist: any file-system call would give NotFound,
    // so BadPath proves the check happened first.
    let root = Path::new("/nonexistent/henaserver/static");
    for target in [
        "/..",
        "/../secret.txt",
        "/sub/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/.%2e/secret.txt",
        "/..%2fsecret.txt",
        "/..%2Fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/..\\secret.txt",
        "/..%5csecret.txt",
        "/sub%5c..%5c..%5csecret.txt",
        "/index.html%00.png",
        "/%00",
        "/%zz",
        "/%2",
        "/%",
        "/%ff%fe",
        "secret.txt",
        "*",
        "../secret.txt",
        "http://host/../secret.txt",
        // Names that are something else on Windows or macOS (see below).
        "/C:/Cargo.toml",
        "/C%3A/Cargo.toml",
        "/c%3a/Cargo.toml",
        "/D:/x",
        "/C:Cargo.toml",
        "/index.html::$DATA",
        "/index.html%3A%3A$DATA",
        "/index.html:Zone.Identifier",
        "/index.html/..namedfork/rsrc",
        "/index.html/..NamedFork/data",
        "/CON",
        "/aux.html",
        "/sub/nul.txt",
        "/com1.tar.gz",
        "/LPT%C2%B9",
        "/index.html.",
        "/index.html%2e",
        "/index.html%20",
        "/sub%2E",
        "/...",
    ] {
        let result = resolve(root, target);
        assert!(
            matches!(result, Err(HttpError::BadPath(_))),
            "{target}: {result:?}"
        );
    }
}

/// Files that Linux allows but that are something else on Windows (a drive,
/// a device, the file without its trailing dot) or macOS (a resource fork):
/// refused with 400 even here, where they really are files, so every system
/// answers alike.
#[test]
fn windows_and_macos_aliases_are_refused_even_where_they_are_files() {
    let tree = Tree::new("aliases");
    let site = tree.site();
    // None of these can be created on Windows: there only the targets are tried.
    if cfg!(not(windows)) {
        fs::create_dir(site.join("C:")).unwrap();
        fs::write(site.join("C:/Cargo.toml"), "[workspace]").unwrap();
        fs::write(site.join("nul.txt"), "nul").unwrap();
        fs::write(site.join("index.html."), "dot").unwrap();
        fs::write(site.join("index.html "), "space").unwrap();
        fs::write(site.join("aux.html"), "aux").unwrap();
        fs::write(site.join("CON"), "con").unwrap();
        fs::write(site.join("COM¹.txt"), "com").unwrap();
        fs::write(site.join("a:b.txt"), "stream").unwrap();
    }
    // On macOS `..namedfork` is the fork itself, not a name to create.
    if cfg!(target_os = "linux") {
        fs::create_dir_all(site.join("sub/..namedfork")).unwrap();
        fs::write(site.join("sub/..namedfork/rsrc"), "fork").unwrap();
    }
    for target in [
        "/C:/Cargo.toml",
        "/C%3A/Cargo.toml",
        "/C%3a%2FCargo.toml",
        "/nul.txt",
        "/NUL.TXT",
        "/index.html.",
        "/index.html%2E",
        "/index.html%20",
        "/index.html ",
        "/aux.html",
        "/Aux.Html",
        "/CON",
        "/con",
        "/COM%C2%B9.txt",
        "/sub/..namedfork/rsrc",
        "/sub/..NAMEDFORK/rsrc",
        "/a:b.txt",
        "/a%3Ab.txt",
    ] {
        let result = resolve(&site, target);
        assert!(
            matches!(result, Err(HttpError::BadPath(_))),
            "{target}: {result:?}"
        );
        assert_eq!(result.unwrap_err().status().unwrap().0, 400, "{target}");
    }
    // Names that merely look alike are ordinary files.
    for name in ["console.txt", "null.txt", "com10.txt", "index.html.bak"] {
        fs::write(site.join(name), name).unwrap();
        assert_eq!(found(&site, &format!("/{name}")), site.join(name));
    }
}

/// A name's length counts in characters where the system's limit does:
/// macOS and Windows take 255 characters, so a 100-character Japanese name
/// (300 bytes, over Linux's 255-byte limit) is a legal file there. Here the
/// file system decides: served when it could be created, 404 when not, and
/// never a 400 or a 500.
#[test]
fn long_japanese_names_are_measured_in_characters() {
    let tree = Tree::new("long-names");
    let site = tree.site();
    // 85 characters, 247 bytes: legal on every system.
    let fits = format!("{}.txt", "あ".repeat(81));
    fs::write(site.join(&fits), "fits").unwrap();
    assert_eq!(found(&site, &format!("/{fits}")), site.join(&fits));
    let encoded: String = fits.bytes().map(|b| format!("%{b:02X}")).collect();
    assert_eq!(found(&site, &format!("/{encoded}")), site.join(&fits));

    let long = "あ".repeat(100);
    let target = format!("/{long}");
    match fs::write(site.join(&long), "long") {
        Ok(()) => assert_eq!(found(&site, &target), site.join(&long)),
        Err(err) => {
            eprintln!("NOTE: a 300-byte name cannot be created here ({err}); it must be a 404");
            let result = resolve(&site, &target);
            assert!(matches!(result, Err(HttpError::NotFound)), "{result:?}");
        }
    }
    // Over 255 characters, no system has such a name.
    for name in ["あ".repeat(256), "a".repeat(256)] {
        let result = resolve(&site, &format!("/{name}"));
        assert!(matches!(result, Err(HttpError::NotFound)), "{result:?}");
    }
}

#[test]
fn double_encoding_stays_a_literal_name() {
    let tree = Tree::new("double");
    // `%252e%252e` decodes once to the name `%2e%2e`, which does not exist.
    let result = resolve(&tree.site(), "/%252e%252e/secret.txt");
    assert!(matches!(result, Err(HttpError::NotFound)), "{result:?}");
}

#[test]
fn missing_files_and_non_files_are_404() {
    let tree = Tree::new("missing");
    let site = tree.site();
    for target in [
        "/nope.html",
        "/sub/nope",
        "/empty/",
        "/index.html/x",
        &format!("/{}", "a".repeat(300)),
        &format!("/{}", "a/".repeat(2100)),
    ] {
        assert!(
            matches!(resolve(&site, target), Err(HttpError::NotFound)),
            "{target}"
        );
    }
}

/// Symbolic links: Windows creates them only in Developer Mode or as an
/// administrator, and reports their loops differently, so there these are
/// ignored unless asked for.
mod links {
    use super::*;

    #[cfg(unix)]
    fn symlink(original: impl AsRef<Path>, link: impl AsRef<Path>) -> std::io::Result<()> {
        std::os::unix::fs::symlink(original, link)
    }

    #[cfg(windows)]
    fn symlink(original: impl AsRef<Path>, link: impl AsRef<Path>) -> std::io::Result<()> {
        let (original, link) = (original.as_ref(), link.as_ref());
        let target = link
            .parent()
            .map_or(original.to_path_buf(), |dir| dir.join(original));
        if target.is_dir() {
            std::os::windows::fs::symlink_dir(original, link)
        } else {
            std::os::windows::fs::symlink_file(original, link)
        }
    }

    #[test]
    #[cfg_attr(
        windows,
        ignore = "symbolic links need Developer Mode on Windows: cargo test -- --ignored there"
    )]
    fn file_system_failures_are_not_404() {
        let tree = Tree::new("fs-errors");
        let site = tree.site();
        // A link to itself: the lookup fails with "too many levels of symbolic links".
        symlink(site.join("loop"), site.join("loop")).unwrap();
        let result = resolve(&site, "/loop");
        assert!(
            matches!(&result, Err(HttpError::FileSystem(_))),
            "{result:?}"
        );
        let status = result.unwrap_err().status().unwrap().0;
        assert_eq!(status, 500);
    }

    #[test]
    #[cfg_attr(
        windows,
        ignore = "symbolic links need Developer Mode on Windows: cargo test -- --ignored there"
    )]
    fn links_inside_are_followed_and_links_outside_are_403() {
        let tree = Tree::new("links");
        let site = tree.site();
        symlink(site.join("sub/page.css"), site.join("alias.css")).unwrap();
        symlink(site.join("sub"), site.join("subalias")).unwrap();
        symlink(tree.root.join("secret.txt"), site.join("leak.txt")).unwrap();
        symlink(&tree.root, site.join("up")).unwrap();
        symlink("../secret.txt", site.join("relative-leak.txt")).unwrap();
        symlink("/etc", site.join("etc")).unwrap();
        assert_eq!(found(&site, "/alias.css"), site.join("alias.css"));
        assert_eq!(
            found(&site, "/subalias/page.css"),
            under(&site, "subalias/page.css")
        );
        for target in [
            "/leak.txt",
            "/up",
            "/up/secret.txt",
            "/relative-leak.txt",
            "/etc/passwd",
        ] {
            let result = resolve(&site, target);
            assert!(
                matches!(result, Err(HttpError::Forbidden)),
                "{target}: {result:?}"
            );
        }
    }
}

#[test]
fn opened_file_has_length_and_path() {
    let tree = Tree::new("open");
    let file = open_static_file(&tree.site(), "/sub/page.css").unwrap();
    assert_eq!(file.len, 4);
    assert_eq!(file.path, tree.site().join("sub").join("page.css"));
    // `/` and a directory mean its index.html: the path says so, for the type.
    let index = open_static_file(&tree.site(), "/").unwrap();
    assert_eq!(index.path.file_name().unwrap(), "index.html");
}
