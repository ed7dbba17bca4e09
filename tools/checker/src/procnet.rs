//! What Linux tells about a server on this machine, read from `/proc`: the
//! process listening on a port (through `/proc/net/tcp` and `tcp6`), its
//! threads, and how many connections wait in its listen queue. The one
//! place in the workspace that parses `/proc/net/tcp`: the checker's
//! many-silent stage, `lesson-demo` and the tests read it from here.
//!
//! Elsewhere (macOS, Windows) and for a server on another machine every
//! function answers `None`: callers say what they could not see.

use std::net::IpAddr;

/// A listening socket, as a line of `/proc/net/tcp` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listening {
    /// Connections the kernel accepted that the server has not (`rx_queue`
    /// of a socket in state `0A`).
    pub queued: u64,
    /// The socket's inode, which `/proc/PID/fd` links to.
    pub inode: u64,
}

/// The socket listening (state `0A`) on `port` in a `/proc/net/tcp` text.
pub fn parse_listening(proc_net_tcp: &str, port: u16) -> Option<Listening> {
    let port = format!(":{port:04X}");
    proc_net_tcp.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (local, state, queues, inode) = (
            fields.get(1)?,
            fields.get(3)?,
            fields.get(4)?,
            fields.get(9)?,
        );
        if !local.ends_with(&port) || *state != "0A" {
            return None;
        }
        Some(Listening {
            queued: u64::from_str_radix(queues.split(':').nth(1)?, 16).ok()?,
            inode: inode.parse().ok()?,
        })
    })
}

/// The socket listening on `port` on this machine, IPv4 or IPv6.
pub fn listening(port: u16) -> Option<Listening> {
    if cfg!(target_os = "linux") {
        ["/proc/net/tcp", "/proc/net/tcp6"]
            .iter()
            .filter_map(|path| read(path))
            .find_map(|text| parse_listening(&text, port))
    } else {
        None
    }
}

/// The inode of the socket listening on `port` in a `/proc/net/tcp` text.
pub fn listening_inode(proc_net_tcp: &str, port: u16) -> Option<u64> {
    parse_listening(proc_net_tcp, port).map(|l| l.inode)
}

/// How many connections wait in the listen queue of the socket listening
/// on `port` (accepted by the kernel, not yet by the server).
pub fn listen_queue(port: u16) -> Option<u64> {
    listening(port).map(|l| l.queued)
}

/// The process listening on `ip:port`, found through its socket's inode
/// (`/proc/net/tcp*`, then `/proc/PID/fd`): loopback only (a server
/// elsewhere is not a process here).
pub fn server_pid(ip: IpAddr, port: u16) -> Option<u32> {
    if !ip.is_loopback() {
        return None;
    }
    let socket = format!("socket:[{}]", listening(port)?.inode);
    let procs = if cfg!(target_os = "linux") {
        std::fs::read_dir("/proc").ok()?
    } else {
        return None;
    };
    procs.flatten().find_map(|entry| {
        let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
        let fds = std::fs::read_dir(entry.path().join("fd")).ok()?;
        fds.flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|l| l.as_os_str() == socket.as_str()))
            .then_some(pid)
    })
}

/// A field of `/proc/PID/status`, e.g. `Threads:` or `VmRSS:` (kB), as a number.
pub fn status_field(pid: u32, name: &str) -> Option<u64> {
    let status = if cfg!(target_os = "linux") {
        read(&format!("/proc/{pid}/status"))?
    } else {
        return None;
    };
    let line = status.lines().find(|l| l.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

/// `Threads:` of `/proc/PID/status`.
pub fn thread_count(pid: u32) -> Option<u64> {
    status_field(pid, "Threads:")
}

#[cfg(target_os = "linux")]
fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

#[cfg(not(target_os = "linux"))]
fn read(_path: &str) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listening_socket_is_found_by_its_port() {
        let text = "  sl  local_address rem_address   st tx_queue:rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
             0: 0100007F:1F90 00000000:0000 0A 00000000:0000000C 00:00000000 00000000     0        0 4242 1\n\
             1: 0100007F:1F90 0100007F:C000 01 00000000:00000000 00:00000000 00000000     0        0 4343 1\n";
        assert_eq!(
            parse_listening(text, 8080),
            Some(Listening {
                queued: 12,
                inode: 4242
            })
        );
        assert_eq!(listening_inode(text, 8080), Some(4242));
        assert_eq!(parse_listening(text, 8081), None);
        let remote: IpAddr = "192.0.2.1".parse().expect("address");
        assert_eq!(server_pid(remote, 8080), None, "not a process here");
    }

    #[test]
    #[cfg_attr(not(target_os = "linux"), ignore = "reads /proc, which only Linux has")]
    fn this_process_is_found_listening() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("address");
        assert_eq!(server_pid(addr.ip(), addr.port()), Some(std::process::id()));
        assert_eq!(listen_queue(addr.port()), Some(0));
        assert!(thread_count(std::process::id()).is_some_and(|n| n >= 1));
    }
}
