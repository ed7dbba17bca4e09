//! Not a tool: the checker's own tests run this small server as a reader's
//! server that they can break and fix by writing one file, where neither
//! Python nor a Rust toolchain can be run (a Windows build under Wine).
//!
//! `fixture-server PORT STATIC_DIR` serves the files of STATIC_DIR on
//! 127.0.0.1:PORT, one client at a time, as chapter 12 does. It reads
//! `server.toml` in the current folder once, at start: `css = "text/html"`
//! (or `html`, `png`) sets the Content-Type of an extension, the reader's
//! mistake or fix; `panic = "at start"` panics before listening, as a server
//! that crashes on start does; a line it cannot read ends it at once with an
//! error, as a file that does not compile does.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(port), Some(root)) = (args.first(), args.get(1)) else {
        eprintln!("usage: fixture-server PORT STATIC_DIR");
        std::process::exit(2);
    };
    let settings = match settings(Path::new("server.toml")) {
        Ok(settings) => settings,
        Err(why) => {
            eprintln!("error: server.toml: {why}");
            std::process::exit(1);
        }
    };
    if settings.get("panic").is_some_and(|v| v == "at start") {
        panic!("server.toml asks for a panic at start");
    }
    let mut types: HashMap<String, String> = [
        ("html", "text/html"),
        ("css", "text/css"),
        ("png", "image/png"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for ext in ["html", "css", "png"] {
        if let Some(kind) = settings.get(ext) {
            types.insert(ext.to_owned(), kind.clone());
        }
    }
    println!("=== サーバーを起動します ===");
    let listener = match TcpListener::bind(format!("127.0.0.1:{port}")) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("error: cannot listen at 127.0.0.1:{port}: {err}");
            std::process::exit(1);
        }
    };
    for stream in listener.incoming().flatten() {
        answer(stream, Path::new(root), &types);
    }
}

/// `key = "value"` lines; `#` starts a comment.
fn settings(path: &Path) -> Result<HashMap<String, String>, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut settings = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!(
                "line {}: expected `key = \"value\"`: {line}",
                n + 1
            ));
        };
        let value = value.trim();
        let Some(value) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
            return Err(format!(
                "line {}: the value is not in quotes: {value}",
                n + 1
            ));
        };
        settings.insert(key.trim().to_owned(), value.to_owned());
    }
    Ok(settings)
}

/// One client: its request, then the file it names (or 404, or 400).
fn answer(mut stream: TcpStream, root: &Path, types: &HashMap<String, String>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&request).into_owned();
    let mut words = text.split(' ');
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    if !matches!(method, "GET" | "HEAD") || !path.starts_with('/') || path.contains("..") {
        let _ = stream.write_all(
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        return;
    }
    let file: PathBuf = root.join(path.trim_start_matches('/'));
    let (status, body) = match std::fs::read(&file) {
        Ok(body) => ("200 OK", body),
        Err(_) => (
            "404 Not Found",
            b"<html><body><h1>404 Not Found</h1></body></html>".to_vec(),
        ),
    };
    let ext = path.rsplit('.').next().unwrap_or("");
    let kind = types
        .get(ext)
        .map_or("application/octet-stream", String::as_str);
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    if method == "GET" {
        let _ = stream.write_all(&body);
    }
}
