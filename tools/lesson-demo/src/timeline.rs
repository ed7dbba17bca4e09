//! Which server thread served whom: the client's records joined with the
//! server's log. Nothing is added to the servers for this: every log line
//! names its thread (`08:01:12 [INFO] (main) === ... ===`), and the lines
//! about a client name its address (`remote_address: 127.0.0.1:56249`),
//! which is the client's own local address.

use std::net::SocketAddr;

use crate::Exchange;

/// One request of the scenario with the server threads that logged it.
#[derive(Debug, Clone)]
pub struct Row {
    /// What the client saw.
    pub exchange: Exchange,
    /// The thread of the first log line naming this client: the one that
    /// accepted it (`None` without a log).
    pub accepted_by: Option<String>,
    /// The thread of the last log line naming this client: the one that
    /// served it (the accepting thread when no worker logged it).
    pub served_by: Option<String>,
}

/// Joins each exchange with the log lines that name its client's address.
pub fn join(exchanges: &[Exchange], log: &[String]) -> Vec<Row> {
    exchanges
        .iter()
        .map(|exchange| {
            let mut threads = log
                .iter()
                .filter(|line| names_client(line, exchange.local))
                .filter_map(|line| thread_name(line));
            let accepted_by = threads.next();
            let served_by = threads.next_back().or_else(|| accepted_by.clone());
            Row {
                exchange: exchange.clone(),
                accepted_by,
                served_by,
            }
        })
        .collect()
}

/// The text a log line contains when it is about the client at `addr`.
pub fn address_mark(addr: SocketAddr) -> String {
    // The closing " ===" keeps 127.0.0.1:5601 from matching 127.0.0.1:56012.
    format!("remote_address: {addr} ===")
}

fn names_client(line: &str, addr: SocketAddr) -> bool {
    line.contains(&address_mark(addr))
}

/// The thread name of a log line: what stands in parentheses after the level.
pub fn thread_name(line: &str) -> Option<String> {
    let (_, rest) = line.split_once("] (")?;
    let (name, _) = rest.split_once(')')?;
    Some(name.to_owned())
}

/// The distinct threads that served requests, in order of first appearance.
pub fn serving_threads(rows: &[Row]) -> Vec<String> {
    let mut threads: Vec<String> = Vec::new();
    for thread in rows.iter().filter_map(|r| r.served_by.as_ref()) {
        if !threads.contains(thread) {
            threads.push(thread.clone());
        }
    }
    threads
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn exchange(port: u16) -> Exchange {
        Exchange {
            slow: false,
            local: SocketAddr::from(([127, 0, 0, 1], port)),
            connected: Duration::ZERO,
            ended: Duration::ZERO,
            status: 200,
        }
    }

    #[test]
    fn thread_names_in_both_schemes() {
        let pool = "08:01:12 [INFO] (worker-3) === Worker: x remote_address: 127.0.0.1:5 ===";
        let own = "08:01:12 [INFO] (worker 127.0.0.1:56249) === Worker: x ===";
        assert_eq!(thread_name(pool).as_deref(), Some("worker-3"));
        assert_eq!(thread_name(own).as_deref(), Some("worker 127.0.0.1:56249"));
        assert_eq!(thread_name("no thread here"), None);
    }

    #[test]
    fn last_line_naming_the_client_tells_who_served_it() {
        let log = [
            "t [INFO] (main) === Server: 接続 remote_address: 127.0.0.1:5601 ===",
            "t [INFO] (main) === Server: 接続 remote_address: 127.0.0.1:56012 ===",
            "t [INFO] (worker-2) === Worker: 終了 remote_address: 127.0.0.1:56012 ===",
        ]
        .map(String::from);
        let rows = join(&[exchange(5601), exchange(56012), exchange(9)], &log);
        assert_eq!(rows[0].served_by.as_deref(), Some("main"));
        assert_eq!(rows[1].accepted_by.as_deref(), Some("main"));
        assert_eq!(rows[1].served_by.as_deref(), Some("worker-2"));
        assert_eq!(rows[2].served_by, None);
        assert_eq!(serving_threads(&rows), ["main", "worker-2"]);
    }
}
