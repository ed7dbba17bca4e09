//! Book chapter 13, second half: 「複数のリクエストを「並列処理」する」
//! (Python: `codes/chapter13-2/webserver.py` and `workerthread.py`).
//!
//! The lesson: the server only accepts; each client gets a thread of its own
//! (`worker.rs`, the book's `WorkerThread`), so one slow client no longer makes
//! the others wait. Unlike the book, threads are bounded and reused, as its
//! column on `ThreadPoolExecutor` suggests.

mod worker;

use std::io;
use std::net::{SocketAddr, TcpListener};

use common::{Config, Shutdown, Workers};
use log::{error, info};
use socket2::{Domain, Socket, Type};

fn main() -> io::Result<()> {
    let config = Config::from_args();
    common::init_logging(config.log_level);
    serve(&config)
}

/// The book's `serve`: accept clients and hand each to a new worker thread.
fn serve(config: &Config) -> io::Result<()> {
    info!("=== Server: サーバーを起動します ===");
    let server_socket = create_server_socket(config)?;
    info!("open http://{}/index.html", server_socket.local_addr()?);
    let shutdown = Shutdown::on_ctrl_c(&server_socket)?;
    let workers = Workers::new(config.max_workers);

    loop {
        info!("=== Server: クライアントからの接続を待ちます ===");
        let (client_socket, address) = match server_socket.accept() {
            Ok(accepted) => accepted,
            Err(err) => {
                error!("accept failed: {err}");
                continue;
            }
        };
        if shutdown.requested() {
            break;
        }
        info!("=== Server: クライアントとの接続が完了しました remote_address: {address} ===");

        // The book's 28-31行目: this client is handled on a thread of its own,
        // and the loop goes straight back to accepting. `Workers` starts the
        // thread, or reuses one whose client is done (at most `--max-workers`).
        let config = config.clone();
        if let Err(err) = workers.spawn(move || worker::run(client_socket, address, &config)) {
            error!("could not start a worker thread: {err}");
        }
    }
    // Let the workers still answering finish, but not forever.
    workers.wait_idle(config.read_timeout);
    info!("=== Server: サーバーを停止します。 ===");
    Ok(())
}

/// The book's `create_server_socket`: socket, SO_REUSEADDR, bind, listen.
fn create_server_socket(config: &Config) -> io::Result<TcpListener> {
    let address: SocketAddr = config.address();
    let socket = Socket::new(Domain::for_address(address), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&address.into())?;
    socket.listen(common::LISTEN_BACKLOG)?;
    Ok(socket.into())
}
