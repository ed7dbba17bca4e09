//! The book's chapter 13 scenario as a function, used by the `lesson-demo`
//! binary and by the chapters' tests: what each client saw ([`scenario`]),
//! which server thread served it ([`timeline`], from the server's own log),
//! drawn in the terminal ([`term`]) and as SVG ([`svg`]); and the
//! benchmark's table as a chart ([`chart`]).

pub mod chart;
pub mod scaling;
pub mod svg;
pub mod term;
pub mod timeline;
pub mod two_clients;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use checker::client::{Expect, read_answer};
use checker::{Lang, Target};

/// How many fast requests follow the slow one.
pub const FAST: usize = 9;

/// One request of the scenario, as its client saw it. Times are on one
/// clock that starts when the slow client's connection is established.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The slow client (the book's 30-second query).
    pub slow: bool,
    /// The client's own address: the server logs it as `remote_address`.
    pub local: SocketAddr,
    /// When its connection was established.
    pub connected: Duration,
    /// When the last byte of its response arrived (the server closed).
    pub ended: Duration,
    /// The response's status code.
    pub status: u16,
}

impl Exchange {
    /// From connecting to the end of the response.
    pub fn latency(&self) -> Duration {
        self.ended.saturating_sub(self.connected)
    }
}

/// One slow client first (it sends its last two bytes after `slow`), then
/// [`FAST`] fast ones at the same moment. The slow exchange comes first.
pub fn scenario(addr: SocketAddr, path: &str, slow: Duration) -> Result<Vec<Exchange>, String> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\r\n");
    let (head, end) = request.split_at(request.len() - 2);
    let barrier = Barrier::new(FAST);
    let mut stream = connect(addr)?;
    let zero = Instant::now();
    let local = stream.local_addr().map_err(|e| e.to_string())?;
    thread::scope(|scope| {
        let slow_client = scope.spawn(move || -> Result<Exchange, String> {
            stream
                .write_all(head.as_bytes())
                .map_err(|e| e.to_string())?;
            thread::sleep(slow); // the "30-second query", on the client's side
            stream
                .write_all(end.as_bytes())
                .map_err(|e| e.to_string())?;
            let status = read_status(&mut stream)?;
            Ok(Exchange {
                slow: true,
                local,
                connected: Duration::ZERO,
                ended: zero.elapsed(),
                status,
            })
        });
        thread::sleep(Duration::from_millis(200)); // the slow client is first in line
        let fast: Vec<_> = (0..FAST)
            .map(|_| {
                let (barrier, request) = (&barrier, &request);
                scope.spawn(move || -> Result<Exchange, String> {
                    barrier.wait();
                    let mut stream = connect(addr)?;
                    let connected = zero.elapsed();
                    let local = stream.local_addr().map_err(|e| e.to_string())?;
                    stream
                        .write_all(request.as_bytes())
                        .map_err(|e| e.to_string())?;
                    let status = read_status(&mut stream)?;
                    let ended = zero.elapsed();
                    match status {
                        200 => Ok(Exchange {
                            slow: false,
                            local,
                            connected,
                            ended,
                            status,
                        }),
                        status => Err(format!("fast request got status {status}")),
                    }
                })
            })
            .collect();
        let mut exchanges = vec![
            slow_client
                .join()
                .map_err(|_| "the slow client panicked".to_owned())??,
        ];
        for handle in fast {
            exchanges.push(
                handle
                    .join()
                    .map_err(|_| "a client panicked".to_owned())??,
            );
        }
        Ok(exchanges)
    })
}

/// Connects with a 30-second read timeout, so no client here waits forever.
fn connect(addr: SocketAddr) -> Result<TcpStream, String> {
    let stream = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    Ok(stream)
}

/// Reads one answer (under the checker's limits of time and size, so a
/// server that answers forever cannot fill the memory) and returns its status.
fn read_status(stream: &mut TcpStream) -> Result<u16, String> {
    let expect = Expect {
        timeout: Duration::from_secs(30),
        ..Expect::default()
    };
    read_answer(stream, Instant::now(), expect)
        .map(|reply| reply.status)
        .map_err(|err| err.describe().get(Lang::En).to_owned())
}

/// The fast requests' median and maximum latency, in milliseconds.
pub fn summary(exchanges: &[Exchange]) -> (f64, f64) {
    let mut sorted: Vec<f64> = exchanges
        .iter()
        .filter(|e| !e.slow)
        .map(|e| ms(e.latency()))
        .collect();
    if sorted.is_empty() {
        return (0.0, 0.0);
    }
    sorted.sort_by(f64::total_cmp);
    (sorted[sorted.len() / 2], sorted[sorted.len() - 1])
}

/// A duration in milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `http://HOST:PORT/PATH` → the address of HOST that accepts a connection
/// (every one it resolves to is tried: `localhost` may be `::1` first), and PATH.
pub fn find_server(url: &str) -> Result<(SocketAddr, String), String> {
    let target = Target::parse(url).map_err(|err| err.get(Lang::En).to_owned())?;
    let probe = target
        .connect()
        .map_err(|err| format!("{url}: {}", err.describe().get(Lang::En)))?;
    drop(probe);
    let addr = target.chosen().ok_or("no address accepted")?;
    Ok((addr, url_path(url)))
}

/// The path part of `url`, `/` when it has none.
pub fn url_path(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.find('/')
        .map_or("/".to_owned(), |at| rest[at..].to_owned())
}
