//! Book chapter 13, 「リクエストを並列処理する」
//! (Python: `codes/chapter13-2/webserver.py` and `workerthread.py`),
//! section 「複数のリクエストを「並列処理」する」.
//!
//! The lesson, beyond the book: each client gets a task of its own (`worker.rs`,
//! the book's `WorkerThread` as an `async fn`), so a silent client costs no thread.

mod worker;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use common::{Config, Shutdown, async_io::Connection};
use log::info;
use socket2::{Domain, Socket, Type};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

/// The book's `if __name__ == "__main__"`: read the options, start logging, serve.
fn main() {
    let config = Config::from_args(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_DESCRIPTION"));
    let config = Arc::new(config);
    common::init_logging(config.log_level);
    // `#[tokio::main]` with names for the log: one thread per core runs the tasks.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name_fn(common::async_io::thread_name)
        .build();
    if let Err(err) = runtime.and_then(|runtime| runtime.block_on(serve(&config))) {
        common::exit_on_start_error(&config, err);
    }
}

/// The book's `WebServer.serve`: accept clients and answer each.
async fn serve(config: &Arc<Config>) -> io::Result<()> {
    info!("=== Server: サーバーを起動します ===");
    let server_socket = create_server_socket(config)?;
    common::show_url(&server_socket)?;
    let shutdown = Shutdown::on_ctrl_c(&server_socket)?;
    // The tasks answering a client, to wait for them when the server stops.
    let mut workers = JoinSet::new();

    loop {
        info!("=== Server: クライアントからの接続を待ちます ===");
        let accepted = server_socket.accept().await;
        if shutdown.requested() {
            break;
        }
        let (client_socket, address) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => {
                common::async_io::accept_failed(&err).await;
                continue;
            }
        };
        info!("=== Server: クライアントとの接続が完了しました remote_address: {address} ===");
        // The socket, and what answering this client must remember.
        let client_socket = Connection::new(client_socket, config);

        // The book's `WorkerThread(client_socket, address).start()`: the `move`
        // block takes the socket (and a handle on the config) into a task.
        let config = Arc::clone(config);
        workers.spawn(async move { worker::run(client_socket, address, &config).await });
        // Forget the tasks that have finished.
        while workers.try_join_next().is_some() {}
    }
    shutdown.wait_for_tasks(workers, config.read_timeout).await;
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
    // The runtime waits for clients on its own: `accept` must never block.
    socket.set_nonblocking(true)?;
    TcpListener::from_std(socket.into())
}
