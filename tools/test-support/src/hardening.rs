//! Hardening (issue 13): one check per point, as test bodies; each chapter's
//! `tests/hardening.rs` instantiates them with [`crate::hardening_suite!`].
//!
//! 1 truncated downloads, 2 memory amplification, 3 descriptor exhaustion,
//! 4 bounded shutdown, 5 `Expect: 100-continue`, 6 option ranges,
//! 7 honest log levels and messages, 8 HTTP details, 9 the URL line.

use std::io::{Read, Write};
use std::net::TcpStream;
#[cfg(unix)]
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::robustness::path_arg;
#[cfg(unix)]
use crate::static_file;
use crate::suite::TempDir;
use crate::{PATIENCE, Server, parse_reply, request};

/// Defines one `#[test]` per hardening check, run against the binary `$bin`.
/// A check that cannot run on a system is ignored there, with the reason
/// (`cargo test` prints it; `-- --include-ignored` runs it and it fails).
#[macro_export]
macro_rules! hardening_suite {
    ($bin:expr) => {
        $crate::hardening_suite!(@each $bin;
            pipelined_request_does_not_cut_the_download,
            stray_crlf_does_not_cut_the_download,
            heads_announcing_big_bodies_are_answered_without_them,
            #[cfg_attr(windows, ignore = "no way to read another process's memory on Windows without unsafe code; Linux and macOS run this test")]
            heads_announcing_big_bodies_take_no_memory,
            #[cfg_attr(windows, ignore = "Windows has no per-process descriptor limit to exhaust; Linux and macOS run this test")]
            descriptor_exhaustion_neither_spins_nor_floods_the_log,
            #[cfg_attr(windows, ignore = "a test cannot send Ctrl+C to another process on Windows; Linux and macOS run this test")]
            ctrl_c_with_300_idle_clients_stops_within_the_read_timeout,
            expect_100_continue_is_answered_at_once,
            out_of_range_timeouts_are_refused_at_start_up,
            preconnect_is_not_an_error,

            #[cfg_attr(windows, ignore = "needs a symbolic link loop, which Windows makes only in Developer Mode; Linux and macOS run this test")]
            file_system_errors_are_500_with_the_cause,
            #[cfg_attr(windows, ignore = "needs Unix permission bits (chmod 000); Linux and macOS run this test")]
            unreadable_file_is_403_with_an_honest_message,
            host_must_be_single_and_valid,
            unknown_method_gets_501_and_known_ones_405,
            error_pages_to_head_have_no_body,
            directory_without_slash_is_redirected,
            url_is_printed_at_log_level_warn);
    };
    (@each $bin:expr; $($(#[$attr:meta])* $name:ident),*) => {
        $( #[test] $(#[$attr])* fn $name() { $crate::hardening::$name($bin) } )*
    };
}

/// The chapter's log line for a failed request, in every chapter.
const ERROR_LINE: &str = "リクエストの処理中にエラーが発生しました";

/// Reads until the server closes, failing the test on a reset or a timeout.
fn read_all(stream: &mut TcpStream, what: &str) -> Vec<u8> {
    let mut raw = Vec::new();
    if let Err(err) = stream.read_to_end(&mut raw) {
        panic!("{what}: {err} after {} bytes", raw.len());
    }
    raw
}

// ---- 1. No truncated downloads --------------------------------------------

/// A client that sends a second request 50 ms after its first (pipelining,
/// RFC 9112 9.3.2), before reading, still receives all of a 200 KiB file.
/// Its first request keeps the connection (no `Connection: close`, which
/// would promise that nothing follows, RFC 9112 9.6).
pub fn pipelined_request_does_not_cut_the_download(bin: &str) {
    extra_bytes_do_not_cut_the_download(bin, request("GET", "/index.html").as_bytes());
}

/// The same with a stray CRLF after the request (RFC 9112 2.2 allows it).
pub fn stray_crlf_does_not_cut_the_download(bin: &str) {
    extra_bytes_do_not_cut_the_download(bin, b"\r\n");
}

fn extra_bytes_do_not_cut_the_download(bin: &str, extra: &[u8]) {
    let site = TempDir::new();
    let content: Vec<u8> = (0..204_800).map(|i| (i % 251) as u8).collect();
    std::fs::write(site.path().join("dl.bin"), &content).expect("write dl.bin");
    let server = Server::start(bin, &["--static-dir", path_arg(&site)]);
    let mut stream = server.connect();
    stream
        .write_all(b"GET /dl.bin HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .expect("send request");
    thread::sleep(Duration::from_millis(50));
    stream.write_all(extra).expect("send the extra bytes");
    // Give a reset, if the server sends one, time to arrive before reading.
    thread::sleep(Duration::from_millis(200));
    let raw = read_all(&mut stream, "download");
    let reply = parse_reply(&raw);
    assert_eq!(reply.status, 200);
    assert!(
        reply.body == content,
        "download cut short: {} of {} bytes",
        reply.body.len(),
        content.len()
    );
}

// ---- 2. No memory amplification -------------------------------------------

/// Memory held by process `pid`, in KiB. On Linux its peak resident set
/// (`VmHWM` in `/proc`), so that memory taken and given back between two
/// looks still counts.
#[cfg(target_os = "linux")]
fn memory_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let peak = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
    peak.expect("VmHWM line")
}

/// Elsewhere (macOS) its resident set now, from `ps`.
#[cfg(all(unix, not(target_os = "linux")))]
fn memory_kib(pid: u32) -> u64 {
    let out = ps(pid, "rss=");
    out.trim().parse().expect("ps -o rss= prints KiB")
}

/// `ps -o FIELD -p PID`'s output (macOS and the BSDs have no `/proc`).
#[cfg(all(unix, not(target_os = "linux")))]
fn ps(pid: u32, field: &str) -> String {
    let out = Command::new("ps")
        .args(["-o", field, "-p", &pid.to_string()])
        .output()
        .expect("run ps");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A GET whose head announces a 1 MiB body that never comes.
const BIG_BODY_HEAD: &str =
    "GET /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n";

/// The servers of these tests wait this long for a body that never comes:
/// longer than [`PATIENCE`], so that a server that waits fails the test.
const LONGER_THAN_PATIENCE: &str = "60";

/// Opens `clients` connections and sends each [`BIG_BODY_HEAD`].
fn send_big_body_heads(server: &Server, clients: usize) -> Vec<TcpStream> {
    (0..clients)
        .map(|_| {
            let mut stream = server.connect();
            stream
                .write_all(BIG_BODY_HEAD.as_bytes())
                .expect("send head");
            stream
        })
        .collect()
}

/// Each stream gets its 200 without sending the body it announced.
fn read_answers(streams: Vec<TcpStream>) {
    for (i, mut stream) in streams.into_iter().enumerate() {
        let reply = parse_reply(&read_all(&mut stream, &format!("client {i}")));
        assert_eq!(reply.status, 200, "client {i}");
    }
}

/// 128 heads of 65 bytes announcing 1 MiB bodies that never come are each
/// answered without waiting for the body. (Fewer where the listen queue is
/// shorter, as on macOS.)
pub fn heads_announcing_big_bodies_are_answered_without_them(bin: &str) {
    let clients =
        crate::connections_that_fit("heads_announcing_big_bodies_are_answered_without_them", 128);
    let server = Server::start(bin, &["--read-timeout", LONGER_THAN_PATIENCE]);
    read_answers(send_big_body_heads(&server, clients));
}

/// The same 128 heads: the server's memory grows by far less than the
/// 128 MiB they announce. On Linux the peak is read once every head has been
/// answered; where only the memory held now can be read (macOS), it is read
/// while every client is still connected.
#[cfg(unix)]
pub fn heads_announcing_big_bodies_take_no_memory(bin: &str) {
    let peak = cfg!(target_os = "linux");
    let clients = crate::connections_that_fit("heads_announcing_big_bodies_take_no_memory", 128);
    let server = Server::start(bin, &["--read-timeout", LONGER_THAN_PATIENCE]);
    assert_eq!(server.get("/index.html").status, 200);
    let before = memory_kib(server.pid());
    let streams = send_big_body_heads(&server, clients);
    let mut after = 0;
    if !peak {
        // Only a lower bound on what was taken: time can make this check
        // miss a fault, never fail a right server.
        thread::sleep(Duration::from_secs(1));
        after = memory_kib(server.pid());
    }
    read_answers(streams);
    if peak {
        after = memory_kib(server.pid());
    }
    let grown = after.saturating_sub(before);
    assert!(
        grown < 32 * 1024,
        "memory grew by {grown} KiB for {clients} announced bodies of 1 MiB"
    );
}

/// Ignored on Windows (no way to read another process's memory there
/// without unsafe code); run anyway, it fails, saying why.
#[cfg(not(unix))]
pub fn heads_announcing_big_bodies_take_no_memory(_bin: &str) {
    panic!(
        "no way to read another process's memory on Windows without unsafe code; Linux and macOS run this test"
    );
}

// ---- 3. Descriptor exhaustion ----------------------------------------------

/// CPU time (user + system) of process `pid`, in seconds.
#[cfg(target_os = "linux")]
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc stat");
    // The fields after the command name, which is in parentheses: utime and
    // stime are the 12th and 13th of these (fields 14 and 15 of the line).
    let after = stat.rsplit_once(')').expect("comm").1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |i: usize| fields[i].parse::<u64>().expect("tick count");
    (field(11) + field(12)) as f64 / clock_ticks_per_second()
}

#[cfg(target_os = "linux")]
fn clock_ticks_per_second() -> f64 {
    let out = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .expect("getconf");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("CLK_TCK")
}

/// From `ps -o time=`, which macOS prints as `M:SS.cc`.
#[cfg(all(unix, not(target_os = "linux")))]
fn cpu_seconds(pid: u32) -> f64 {
    let out = ps(pid, "time=");
    crate::parse_cpu_time(&out).unwrap_or_else(|| panic!("ps -o time= printed {out:?}"))
}

/// Ignored on Windows, which has no per-process descriptor limit (the
/// limit is set with the shell's `ulimit`); run anyway, it fails, saying why.
#[cfg(not(unix))]
pub fn descriptor_exhaustion_neither_spins_nor_floods_the_log(_bin: &str) {
    panic!("Windows has no per-process descriptor limit to exhaust; Linux and macOS run this test");
}

/// With 48 descriptors and 60 idle clients the server runs out of
/// descriptors: it must neither spin on `accept` nor flood its log, and once
/// the clients leave it serves again. (CPU time is what the server used, so
/// a busy machine cannot raise it; it can only make a spinning server show
/// less.)
#[cfg(unix)]
pub fn descriptor_exhaustion_neither_spins_nor_floods_the_log(bin: &str) {
    let mut command = Command::new("sh");
    command.args([
        "-c",
        "ulimit -n 48 && exec \"$0\" \"$@\"",
        bin,
        "--port",
        "0",
    ]);
    let server = Server::start_command(command);
    let idle: Vec<TcpStream> = (0..60).map(|_| server.connect()).collect();
    thread::sleep(Duration::from_millis(300));
    let before = cpu_seconds(server.pid());
    let window = Duration::from_secs(1);
    thread::sleep(window);
    let cpu = cpu_seconds(server.pid()) - before;
    let log_bytes: usize = server.log().iter().map(|l| l.len() + 1).sum();
    assert!(
        cpu < 0.25,
        "{cpu:.2} s of CPU in {window:?} with descriptors exhausted"
    );
    assert!(
        log_bytes < 256 * 1024,
        "{log_bytes} bytes of log; it ends with:\n{}",
        server
            .log()
            .iter()
            .rev()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    drop(idle);
    assert_eq!(server.get("/index.html").status, 200);
}

// ---- 4. Bounded shutdown ---------------------------------------------------

/// Ctrl+C with 300 idle clients and `--read-timeout 2`: the server exits 0
/// while they are all still connected, within about the read timeout. The
/// threaded chapters also hold four clients that trickle their heads (no
/// read times out, the request deadline is 60 s away): those are cut short
/// at the bound, and the log says so. A server that waited for the idle
/// clients, or for the tricklers' deadline, would still be running when the
/// test gives up ([`PATIENCE`]): the margin is the design's, not the
/// machine's speed.
///
/// Where the listen queue or the descriptor limit is smaller (macOS: 128 and
/// 256), as many idle clients as fit. Ignored on Windows, where a test
/// cannot send Ctrl+C to another process.
pub fn ctrl_c_with_300_idle_clients_stops_within_the_read_timeout(bin: &str) {
    const TEST: &str = "ctrl_c_with_300_idle_clients_stops_within_the_read_timeout";
    let clients = crate::connections_that_fit(TEST, 300);
    // Every chapter that answers clients side by side: threads, or tasks.
    let threaded = bin.contains("thread") || bin.contains("async");
    let mut server = Server::start(bin, &["--read-timeout", "2", "--request-timeout", "60"]);
    let stop = AtomicBool::new(false);
    thread::scope(|scope| {
        if threaded {
            for _ in 0..4 {
                let mut trickler = server.connect();
                let stop = &stop;
                scope.spawn(move || {
                    let head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ";
                    let endless = head.iter().chain(std::iter::repeat(&b'a'));
                    for byte in endless {
                        if stop.load(Ordering::SeqCst) || trickler.write_all(&[*byte]).is_err() {
                            break;
                        }
                        thread::sleep(Duration::from_millis(200));
                    }
                });
            }
        }
        let idle: Vec<TcpStream> = (0..clients).map(|_| server.connect()).collect();
        server.wait_for_log("接続が完了しました", PATIENCE);
        // Let the server take more of them in; how many makes no difference.
        thread::sleep(Duration::from_millis(500));
        let started = Instant::now();
        server.signal("INT");
        let status = server.wait_exit(PATIENCE);
        let took = started.elapsed();
        stop.store(true, Ordering::SeqCst);
        let status = status.unwrap_or_else(|| {
            panic!("still running {took:?} after Ctrl+C, with {clients} idle clients connected")
        });
        assert!(status.success(), "exit status {status}");
        if threaded {
            server.wait_for_log("cut short", PATIENCE);
        }
        drop(idle);
    });
}

// ---- 5. Expect: 100-continue -----------------------------------------------

/// A client that waits for `100 Continue` before sending its body gets its
/// answer at once: the answer never depends on the body. (A server that
/// waited for the body would wait its read timeout, 60 s here, and the test
/// gives up before that.)
pub fn expect_100_continue_is_answered_at_once(bin: &str) {
    let server = Server::start(bin, &["--read-timeout", LONGER_THAN_PATIENCE]);
    for (raw, status) in [
        (
            "POST /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n",
            405,
        ),
        (
            "GET /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n",
            200,
        ),
    ] {
        let mut stream = server.connect();
        stream.write_all(raw.as_bytes()).expect("send head");
        let raw_reply = read_all(&mut stream, "waiting without sending the body");
        // An interim `100 Continue` may come first; the final answer follows.
        let final_reply = match raw_reply.strip_prefix(b"HTTP/1.1 100") {
            Some(rest) => {
                let end = rest.windows(4).position(|w| w == b"\r\n\r\n");
                &rest[end.expect("end of the 100 response") + 4..]
            }
            None => &raw_reply[..],
        };
        assert_eq!(parse_reply(final_reply).status, status, "{raw:?}");
    }
}

// ---- 6. Option ranges ------------------------------------------------------

/// Timeouts too large to add to a clock are refused at start-up: a plain
/// message and a non-zero exit, not a panic later.
pub fn out_of_range_timeouts_are_refused_at_start_up(bin: &str) {
    for option in ["--request-timeout", "--read-timeout"] {
        let mut server = Server::spawn(Server::command(bin, &[option, "1e19"]));
        let status = server.wait_exit(PATIENCE);
        let first = server.find_log("", PATIENCE);
        let log = server.log().join("\n");
        let status = status
            .unwrap_or_else(|| panic!("{option} 1e19 was accepted: still running; log:\n{log}"));
        assert!(!status.success(), "{option} 1e19: exit status {status}");
        assert!(first.is_some(), "{option} 1e19: nothing on stderr");
        assert!(
            log.contains(option) || log.contains("1e19"),
            "{option}: the message does not say what is wrong:\n{log}"
        );
        assert!(!log.contains("panicked"), "{log}");
    }
}

// ---- 7. Log levels and messages that say what happened ----------------------

/// A client that connects and leaves without a request (a browser's
/// preconnect, a health check), or stays silent until the read timeout, is
/// no error: once the server has said it got no request from either, its
/// log holds no error.
pub fn preconnect_is_not_an_error(bin: &str) {
    let server = Server::start(bin, &["--read-timeout", "0.5"]);
    drop(server.connect());
    let silent = server.connect();
    server.wait_for_log_count("no request", 2, PATIENCE);
    drop(silent);
    assert_eq!(server.get("/index.html").status, 200);
    let log = server.log();
    let errors: Vec<&String> = log
        .iter()
        .filter(|l| l.contains("[ERROR]") || l.contains(ERROR_LINE))
        .collect();
    assert!(errors.is_empty(), "logged as errors:\n{errors:#?}");
}

/// Ignored on Windows, which makes links only in Developer Mode; run
/// anyway, it fails, saying why.
#[cfg(not(unix))]
pub fn file_system_errors_are_500_with_the_cause(_bin: &str) {
    panic!(
        "needs a symbolic link loop, which Windows makes only in Developer Mode; Linux and macOS run this test"
    );
}

/// Ignored on Windows, which has no mode bits to make a file unreadable;
/// run anyway, it fails, saying why.
#[cfg(not(unix))]
pub fn unreadable_file_is_403_with_an_honest_message(_bin: &str) {
    panic!("needs Unix permission bits (chmod 000); Linux and macOS run this test");
}

/// A file-system failure other than a missing file (here a link that points
/// to itself) is the server's failure: 500, with the cause in the log.
#[cfg(unix)]
pub fn file_system_errors_are_500_with_the_cause(bin: &str) {
    let site = TempDir::new();
    std::fs::write(site.path().join("index.html"), static_file("index.html")).expect("index");
    std::os::unix::fs::symlink(site.path().join("loop"), site.path().join("loop"))
        .expect("symlink");
    let server = Server::start(bin, &["--static-dir", path_arg(&site)]);
    assert_eq!(server.get("/loop").status, 500);
    let line = server.wait_for_log("cause:", PATIENCE);
    // The system's own words for ELOOP, not the message for links that leave the root.
    let cause = line.to_lowercase();
    assert!(
        cause.contains("symbolic link") && !cause.contains("outside"),
        "{line}"
    );
    assert_eq!(server.get("/index.html").status, 200);
}

/// A file the server may not read is a 403 whose logged cause says so (and
/// not that a symbolic link leaves the root). Root reads anything, so as
/// root the server runs as `nobody` (Linux's `setpriv`, on a copy of the
/// binary and the site that `nobody` may read, wherever the workspace is).
#[cfg(unix)]
pub fn unreadable_file_is_403_with_an_honest_message(bin: &str) {
    // `_keep` holds the temporary folders until the end of the test.
    #[cfg(target_os = "linux")]
    let (_keep, site, command) = if crate::running_as_root() {
        let nobody = crate::AsNobody::new(bin);
        let site = nobody.site();
        let site_arg = site.to_str().expect("UTF-8 temp path").to_owned();
        let command = nobody.command(&["--port", "0", "--static-dir", &site_arg]);
        let keep: Box<dyn std::any::Any> = Box::new(nobody);
        (keep, site, command)
    } else {
        as_this_user(bin)
    };
    #[cfg(not(target_os = "linux"))]
    let (_keep, site, command) = {
        assert!(
            !crate::running_as_root(),
            "running as root, which reads any file, and without Linux's setpriv to run the \
             server as another user: run the tests as an ordinary user"
        );
        as_this_user(bin)
    };
    let secret = site.join("secret.txt");
    std::fs::write(&secret, "secret").expect("secret");
    let unreadable = std::os::unix::fs::PermissionsExt::from_mode(0o000);
    std::fs::set_permissions(&secret, unreadable).expect("chmod 000");
    let server = Server::start_command(command);
    assert_eq!(server.get("/index.html").status, 200, "index.html readable");
    let reply = server.get("/secret.txt");
    assert_eq!(reply.status, 403);
    assert!(!String::from_utf8_lossy(&reply.body).contains("secret\n"));
    let line = server.wait_for_log("cause:", PATIENCE);
    assert!(
        line.to_lowercase().contains("permission") && !line.contains("symbolic link"),
        "{line}"
    );
}

/// A site in a temporary folder (removed when the first value is dropped),
/// its path, and `bin` to serve it as this user.
#[cfg(unix)]
fn as_this_user(bin: &str) -> (Box<dyn std::any::Any>, std::path::PathBuf, Command) {
    let site = TempDir::new();
    std::fs::write(site.path().join("index.html"), static_file("index.html")).expect("index");
    let mut command = Command::new(bin);
    command.args(["--port", "0", "--static-dir", path_arg(&site)]);
    let path = site.path().to_path_buf();
    (Box::new(site), path, command)
}

// ---- 8. HTTP details -------------------------------------------------------

/// Two `Host` lines or an invalid `Host` get 400 (RFC 9112 3.2).
pub fn host_must_be_single_and_valid(bin: &str) {
    let server = Server::start(bin, &[]);
    for raw in [
        "GET /index.html HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET /index.html HTTP/1.1\r\nHost: exa mple\r\n\r\n",
        "GET /index.html HTTP/1.1\r\nHost: x/y\r\n\r\n",
        "GET /index.html HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n",
    ] {
        assert_eq!(server.exchange(raw.as_bytes()).status, 400, "{raw:?}");
    }
    let fine = "GET /index.html HTTP/1.1\r\nHost: localhost:8080\r\n\r\n";
    assert_eq!(server.exchange(fine.as_bytes()).status, 200);
}

/// A method HTTP does not define gets 501 (RFC 9110 9.1); a defined one
/// this server does not serve gets 405 with `Allow`.
pub fn unknown_method_gets_501_and_known_ones_405(bin: &str) {
    let server = Server::start(bin, &[]);
    let reply = server.exchange(request("FOO", "/index.html").as_bytes());
    assert_eq!(reply.status, 501);
    let reply = server.exchange(request("PUT", "/index.html").as_bytes());
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("Allow"), Some("GET, HEAD"));
    assert_eq!(server.get("/index.html").status, 200);
}

/// An error page answering HEAD has its headers and no body.
pub fn error_pages_to_head_have_no_body(bin: &str) {
    let server = Server::start(bin, &[]);
    for (raw, status) in [
        ("HEAD /%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (
            "HEAD /index.html HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            400,
        ),
        ("HEAD /no-such-file HTTP/1.1\r\nHost: x\r\n\r\n", 404),
    ] {
        let reply = server.exchange(raw.as_bytes());
        assert_eq!(reply.status, status, "{raw:?}");
        assert!(
            reply.body.is_empty(),
            "{raw:?}: a body of {} bytes",
            reply.body.len()
        );
        let length = reply.header("Content-Length").expect("Content-Length");
        assert_ne!(length, "0", "HEAD gets the length GET would get");
    }
}

/// `/sub` (a directory) redirects to `/sub/`, so that relative links in its
/// index.html resolve inside it; the redirect is a normal answer, not an error.
pub fn directory_without_slash_is_redirected(bin: &str) {
    let site = TempDir::new();
    let sub = site.path().join("sub");
    std::fs::create_dir(&sub).expect("mkdir sub");
    let page = "<link rel=\"stylesheet\" href=\"style.css\"><h1>sub</h1>";
    std::fs::write(sub.join("index.html"), page).expect("sub/index.html");
    std::fs::write(sub.join("style.css"), "h1 { color: red; }").expect("style.css");
    let server = Server::start(bin, &["--static-dir", path_arg(&site)]);
    for (target, location) in [("/sub", "/sub/"), ("/sub?lang=ja", "/sub/?lang=ja")] {
        let reply = server.get(target);
        assert_eq!(reply.status, 301, "{target}");
        assert_eq!(reply.header("Location"), Some(location), "{target}");
    }
    let reply = server.exchange(request("HEAD", "/sub").as_bytes());
    assert_eq!((reply.status, reply.body.len()), (301, 0));
    let reply = server.get("/sub/");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, page.as_bytes());
    assert_eq!(server.get("/sub/style.css").status, 200);
    let log = server.log();
    assert!(
        !log.iter().any(|l| l.contains(ERROR_LINE)),
        "a redirect logged as an error:\n{}",
        log.join("\n")
    );
}

// ---- 9. The URL line ---------------------------------------------------------

/// With `--log-level warn` (as the benchmark runs it) and `--port 0`, the
/// URL line still says which port was chosen.
pub fn url_is_printed_at_log_level_warn(bin: &str) {
    let mut server = Server::spawn(Server::command(bin, &["--log-level", "warn"]));
    let addr = server
        .find_url(PATIENCE)
        .unwrap_or_else(|| panic!("no URL line; log:\n{}", server.log().join("\n")));
    assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}");
    server.addr = addr;
    assert_eq!(server.get("/index.html").status, 200);
}
