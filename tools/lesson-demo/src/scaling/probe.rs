//! The live half of the silent sweep: clients that connect and send nothing,
//! and what the server shows meanwhile (its threads and memory from `/proc`,
//! its listen queue, and how long one fresh request takes).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// Connections that connect and then send nothing.
#[derive(Debug, Default)]
pub struct SilentClients {
    streams: Vec<TcpStream>,
}

impl SilentClients {
    /// How many are held open.
    pub fn len(&self) -> usize {
        self.streams.len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.streams.is_empty()
    }

    /// Connects until `k` are held. Stops at the first connection that fails
    /// or takes longer than `timeout` (a full listen queue drops the
    /// handshake, so the next ones would fail too) and says which and why.
    pub fn grow_to(&mut self, addr: SocketAddr, k: usize, timeout: Duration) -> Result<(), String> {
        while self.streams.len() < k {
            let stream = TcpStream::connect_timeout(&addr, timeout)
                .map_err(|e| format!("connection {} of {k}: {e}", self.streams.len() + 1))?;
            self.streams.push(stream);
        }
        Ok(())
    }
}

/// What one fresh `GET /index.html` got.
#[derive(Debug, Clone, PartialEq)]
pub enum Fresh {
    /// A 200 response, complete, after this long.
    Answered(Duration),
    /// No complete response within the cap.
    Waits,
    /// Refused, reset, or not a 200.
    Failed(String),
}

/// Times one `GET /index.html` on a new connection, from sending the
/// request to the end of the answer, giving up after `cap` (for the connect
/// too: a full listen queue leaves it hanging). The connect itself is not
/// timed: the kernel completes it without the server, and with 19,000
/// silent clients from this address it costs this client milliseconds of
/// its own, searching for a free local port.
pub fn fresh_get(addr: SocketAddr, cap: Duration) -> Fresh {
    let mut stream = match TcpStream::connect_timeout(&addr, cap) {
        Ok(stream) => stream,
        Err(e) if is_timeout(&e) => return Fresh::Waits,
        Err(e) => return Fresh::Failed(format!("connect: {e}")),
    };
    let start = Instant::now();
    let request = "GET /index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let sent = stream
        .set_write_timeout(Some(cap))
        .and_then(|()| stream.write_all(request.as_bytes()));
    if let Err(e) = sent {
        return Fresh::Failed(format!("send: {e}"));
    }
    let mut response = Vec::new();
    let mut buf = [0; 16 * 1024];
    loop {
        let left = cap.saturating_sub(start.elapsed());
        if left.is_zero() {
            return Fresh::Waits;
        }
        let read = stream
            .set_read_timeout(Some(left))
            .and_then(|()| stream.read(&mut buf));
        match read {
            Ok(0) => break,
            // index.html is small; a runaway answer is not one.
            Ok(n) if response.len() + n <= 1 << 20 => response.extend_from_slice(&buf[..n]),
            Ok(_) => return Fresh::Failed("answer over 1 MiB".to_owned()),
            Err(e) if is_timeout(&e) => return Fresh::Waits,
            Err(e) => return Fresh::Failed(format!("receive: {e}")),
        }
    }
    let elapsed = start.elapsed();
    let status_line = response.split(|&b| b == b'\r').next().unwrap_or_default();
    let status_line = String::from_utf8_lossy(status_line);
    match status_line.split(' ').nth(1) {
        Some("200") => Fresh::Answered(elapsed),
        _ => Fresh::Failed(format!("answer: {status_line:?}")),
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// A process's thread count and resident memory, from `/proc/PID/status`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProcessStatus {
    /// `Threads:`
    pub threads: u64,
    /// `VmRSS:`, KiB.
    pub rss_kib: u64,
}

/// Reads `/proc/PID/status` (Linux only: `None` elsewhere, or if it is gone).
pub fn process_status(pid: u32) -> Option<ProcessStatus> {
    if cfg!(target_os = "linux") {
        read_proc(&format!("/proc/{pid}/status")).and_then(|text| parse_status(&text))
    } else {
        None
    }
}

/// The `Threads:` and `VmRSS:` lines of a `/proc/PID/status` text.
pub fn parse_status(text: &str) -> Option<ProcessStatus> {
    Some(ProcessStatus {
        threads: proc_field(text, "Threads:")?,
        rss_kib: proc_field(text, "VmRSS:")?,
    })
}

/// The whole machine's `KernelStack:` (KiB) from `/proc/meminfo`: every
/// thread has a kernel stack that its process's RSS does not show.
pub fn kernel_stack_kib() -> Option<u64> {
    if cfg!(target_os = "linux") {
        read_proc("/proc/meminfo").and_then(|text| proc_field(&text, "KernelStack:"))
    } else {
        None
    }
}

fn proc_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

/// How many connections wait in the listen queue of the socket listening on
/// `port` (accepted by the kernel, not yet by the server): the checker reads
/// `/proc/net/tcp` and `tcp6` (Linux only).
pub use checker::procnet::listen_queue;

#[cfg(target_os = "linux")]
fn read_proc(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

#[cfg(not(target_os = "linux"))]
fn read_proc(_path: &str) -> Option<String> {
    None
}

/// One measurement of a server holding some silent clients.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// Connections in the server's listen queue, not accepted.
    pub queued: Option<u64>,
    /// The server's threads and memory.
    pub status: Option<ProcessStatus>,
    /// The machine's kernel stacks, KiB.
    pub kernel_stack_kib: Option<u64>,
    /// One fresh request, timed.
    pub fresh: Fresh,
}

/// How many fresh GETs [`probe`] times, to take their median: seven, since
/// on a shared 2-core machine one in three can be a few ms late whatever the
/// server.
pub const FRESH_SAMPLES: usize = 7;

/// Lets the server take in the clients just opened (its thread count stops
/// changing for 200 ms, 3 s at most), then measures it and times fresh
/// GETs capped at `cap` each.
pub fn probe(addr: SocketAddr, pid: u32, cap: Duration) -> Probe {
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut last = process_status(pid).map(|s| s.threads);
    let mut stable_since = Instant::now();
    while Instant::now() < deadline && stable_since.elapsed() < Duration::from_millis(200) {
        thread::sleep(Duration::from_millis(25));
        let now = process_status(pid).map(|s| s.threads);
        if now != last {
            (last, stable_since) = (now, Instant::now());
        }
    }
    let (queued, status, kernel_stack_kib) = (
        listen_queue(addr.port()),
        process_status(pid),
        kernel_stack_kib(),
    );
    // The median of FRESH_SAMPLES answers (one is at the mercy of a busy
    // machine); the first wait or failure is the result.
    let mut answered = Vec::new();
    let fresh = loop {
        match fresh_get(addr, cap) {
            Fresh::Answered(d) if answered.len() + 1 < FRESH_SAMPLES => answered.push(d),
            Fresh::Answered(d) => {
                answered.push(d);
                answered.sort();
                break Fresh::Answered(answered[FRESH_SAMPLES / 2]);
            }
            other => break other,
        }
    };
    Probe {
        queued,
        status,
        kernel_stack_kib,
        fresh,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A server on a free port that answers each connection with `answer`
    /// after reading its request, or (`None`) takes it and says nothing.
    fn server(answer: Option<&'static str>) -> (SocketAddr, thread::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("address");
        let handle = thread::spawn(move || {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            let mut request = [0; 1024];
            let _ = stream.read(&mut request);
            match answer {
                Some(answer) => {
                    let _ = stream.write_all(answer.as_bytes());
                }
                None => thread::sleep(Duration::from_secs(3)),
            }
        });
        (addr, handle)
    }

    #[test]
    fn a_fresh_get_is_answered_waits_or_fails() {
        let ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi";
        let (addr, done) = server(Some(ok));
        assert!(matches!(
            fresh_get(addr, Duration::from_secs(5)),
            Fresh::Answered(_)
        ));
        done.join().expect("server thread");

        let (addr, _silent) = server(None);
        assert_eq!(fresh_get(addr, Duration::from_millis(300)), Fresh::Waits);

        let (addr, done) = server(Some("HTTP/1.1 404 Not Found\r\n\r\n"));
        let fresh = fresh_get(addr, Duration::from_secs(5));
        assert!(
            matches!(&fresh, Fresh::Failed(why) if why.contains("404")),
            "{fresh:?}"
        );
        done.join().expect("server thread");
    }

    #[test]
    fn silent_clients_are_held_open() {
        // Nobody accepts: the connections wait in the listen queue.
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("address");
        let mut clients = SilentClients::default();
        assert!(clients.is_empty());
        clients
            .grow_to(addr, 5, Duration::from_secs(3))
            .expect("connect");
        clients
            .grow_to(addr, 3, Duration::from_secs(3))
            .expect("nothing to do");
        assert_eq!(clients.len(), 5);
        if cfg!(target_os = "linux") {
            assert_eq!(listen_queue(addr.port()), Some(5));
        }
    }

    #[test]
    fn proc_texts_are_read() {
        let status = "Name:\tchapter13-threa\nUmask:\t0022\nVmRSS:\t   76356 kB\nThreads:\t5002\n";
        assert_eq!(
            parse_status(status),
            Some(ProcessStatus {
                threads: 5002,
                rss_kib: 76356
            })
        );
        assert_eq!(parse_status("Name:\tx\n"), None);
        let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
           0: 0100007F:4739 00000000:0000 0A 00000000:00000401 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n\
           1: 0100007F:4739 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1\n";
        let queued = |port| checker::procnet::parse_listening(tcp, port).map(|l| l.queued);
        assert_eq!(queued(0x4739), Some(1025));
        assert_eq!(queued(80), None);
    }

    #[test]
    #[cfg_attr(
        not(target_os = "linux"),
        ignore = "reads /proc/PID/status and /proc/meminfo, which Linux alone has"
    )]
    fn this_process_can_be_measured_on_linux() {
        let status = process_status(std::process::id()).expect("our own status");
        assert!(status.threads >= 1 && status.rss_kib > 0, "{status:?}");
        assert!(kernel_stack_kib().is_some_and(|kib| kib > 0));
    }
}
