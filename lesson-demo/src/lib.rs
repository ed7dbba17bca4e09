//! The book's chapter 13 scenario as a function, used by the `lesson-demo`
//! binary and by the chapters' tests.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

/// How many fast requests follow the slow one.
pub const FAST: usize = 9;

/// One slow client first (it sends its last two bytes after `slow`), then
/// [`FAST`] fast ones at the same moment; returns the fast ones' latencies.
pub fn scenario(addr: SocketAddr, path: &str, slow: Duration) -> Result<Vec<Duration>, String> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n\r\n");
    let (head, end) = request.split_at(request.len() - 2);
    let barrier = Barrier::new(FAST);
    thread::scope(|scope| {
        let slow_client = scope.spawn(move || -> Result<(), String> {
            let mut stream = connect(addr)?;
            stream
                .write_all(head.as_bytes())
                .map_err(|e| e.to_string())?;
            thread::sleep(slow); // the "30-second query", on the client's side
            stream
                .write_all(end.as_bytes())
                .map_err(|e| e.to_string())?;
            read_status(&mut stream).map(|_| ())
        });
        thread::sleep(Duration::from_millis(200)); // the slow client is first in line
        let fast: Vec<_> = (0..FAST)
            .map(|_| {
                let (barrier, request) = (&barrier, &request);
                scope.spawn(move || -> Result<Duration, String> {
                    barrier.wait();
                    let started = Instant::now();
                    let mut stream = connect(addr)?;
                    stream
                        .write_all(request.as_bytes())
                        .map_err(|e| e.to_string())?;
                    match read_status(&mut stream)? {
                        200 => Ok(started.elapsed()),
                        status => Err(format!("fast request got status {status}")),
                    }
                })
            })
            .collect();
        let latencies = fast
            .into_iter()
            .map(|h| h.join().map_err(|_| "a client panicked".to_owned())?)
            .collect();
        slow_client
            .join()
            .map_err(|_| "the slow client panicked".to_owned())??;
        latencies
    })
}

fn connect(addr: SocketAddr) -> Result<TcpStream, String> {
    let stream = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    Ok(stream)
}

/// Reads the whole response (the servers close after it) and returns its status.
fn read_status(stream: &mut TcpStream) -> Result<u16, String> {
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&response);
    text.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| "no HTTP status in the response".to_owned())
}

/// Median and maximum, in milliseconds.
pub fn summary(latencies: &[Duration]) -> (f64, f64) {
    let mut sorted: Vec<f64> = latencies.iter().map(|d| ms(*d)).collect();
    sorted.sort_by(f64::total_cmp);
    (sorted[sorted.len() / 2], sorted[sorted.len() - 1])
}

/// A duration in milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
