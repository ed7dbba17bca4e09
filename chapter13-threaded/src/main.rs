//! Book chapter 13, 「リクエストを並列処理する」
//! (Python: `codes/chapter13-2/webserver.py` and `workerthread.py`),
//! section 「複数のリクエストを「並列処理」する」.
//!
//! The lesson: each client gets a thread of its own (`worker.rs`, the book's
//! `WorkerThread`), so a slow client no longer makes the others wait.

mod worker;

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread;

use common::{Config, Connection, Shutdown};
use log::{error, info};
use socket2::{Domain, Socket, Type};

/// The book's `if __name__ == "__main__"`: read the options, start logging, serve.
fn main() {
    let config = Config::from_args(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_DESCRIPTION"));
    let config = Arc::new(config);
    common::init_logging(config.log_level);
    if let Err(err) = serve(&config) {
        common::exit_on_start_error(&config, err);
    }
}

/// The book's `WebServer.serve`: accept clients and answer each.
fn serve(config: &Arc<Config>) -> io::Result<()> {
    info!("=== Server: サーバーを起動します ===");
    let server_socket = create_server_socket(config)?;
    common::show_url(&server_socket)?;
    let shutdown = Shutdown::on_ctrl_c(&server_socket)?;
    // The threads answering a client, to wait for them when the server stops.
    let mut workers = Vec::new();

    loop {
        info!("=== Server: クライアントからの接続を待ちます ===");
        let accepted = server_socket.accept();
        if shutdown.requested() {
            break;
        }
        let (client_socket, address) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => {
                common::accept_failed(&err);
                continue;
            }
        };
        info!("=== Server: クライアントとの接続が完了しました remote_address: {address} ===");
        // The socket, and what answering this client must remember.
        let client_socket = Connection::new(client_socket, config);

        // The book's `WorkerThread(client_socket, address).start()`: the `move`
        // closure takes the socket (and a handle on the config) into a thread.
        let config = Arc::clone(config);
        let started = thread::Builder::new()
            .name(format!("worker {address}"))
            .spawn(move || worker::run(client_socket, address, &config));
        match started {
            Ok(worker) => workers.push(worker),
            Err(err) => error!("could not start a thread for {address}: {err}"),
        }
        // Forget the threads that have finished.
        workers.retain(|worker| !worker.is_finished());
    }
    shutdown.wait_for(workers, config.read_timeout);
    info!("=== Server: サーバーを停止します。 ===");
    Ok(())
}

/// The book's `create_server_socket`: socket, SO_REUSEADDR, bind, listen.
fn create_server_socket(config: &Config) -> io::Result<TcpListener> {
    let address: SocketAddr = config.address();
    let socket = Socket::new(Domain::for_address(address), Type::STREAM, None)?;
    // SO_REUSEADDR as in the book; Unix only: on Windows it lets others take the port.
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    socket.bind(&address.into())?;
    socket.listen(common::LISTEN_BACKLOG)?;
    Ok(socket.into())
}
