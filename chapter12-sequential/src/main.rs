//! Book chapter 12, 「複数回のHTTPリクエストに繰り返し応答できるようにする」
//! (Python: `codes/chapter12-2/webserver.py`).
//!
//! The lesson: answer requests again and again, with the right Content-Type;
//! one client at a time, everything in `serve`, as in the book.

use std::io;
use std::net::{SocketAddr, TcpListener};

use common::{Config, Connection, HttpError, Response, Shutdown};
use log::{error, info};
use socket2::{Domain, Socket, Type};

/// The book's `if __name__ == "__main__"`: read the options, start logging, serve.
fn main() {
    let config = Config::from_args(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_DESCRIPTION"));
    common::init_logging(config.log_level);
    if let Err(err) = serve(&config) {
        common::exit_on_start_error(&config, err);
    }
}

/// The book's `WebServer.serve`: accept clients and answer each.
fn serve(config: &Config) -> io::Result<()> {
    info!("=== サーバーを起動します ===");
    // Create the listening socket step by step, as the book does with `socket`.
    let address: SocketAddr = config.address();
    let socket = Socket::new(Domain::for_address(address), Type::STREAM, None)?;
    // SO_REUSEADDR as in the book; Unix only: on Windows it lets others take the port.
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    socket.bind(&address.into())?;
    socket.listen(common::LISTEN_BACKLOG)?;
    let server_socket: TcpListener = socket.into();
    common::show_url(&server_socket)?;
    let shutdown = Shutdown::on_ctrl_c(&server_socket)?;

    loop {
        info!("=== クライアントからの接続を待ちます ===");
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
        info!("=== クライアントとの接続が完了しました remote_address: {address} ===");
        // The socket, and what answering this client must remember.
        let mut client_socket = Connection::new(client_socket, config);

        // The book's `try:`. In a closure, `?` sends any failure to `except` below.
        let result = (|| -> Result<(), HttpError> {
            let Some(request) = common::receive_request(&mut client_socket)? else {
                return Ok(()); // connected, then left without a request (a preconnect)
            };
            let response = match common::open_static_file(&config.static_root, &request.path) {
                Ok(file) => {
                    // The book's MIME_TYPES: the Content-Type from the extension.
                    let content_type = mime_guess::from_path(&file.path).first_or_octet_stream();
                    Response::file(file, content_type)
                }
                Err(HttpError::NotFound) => Response::not_found(),
                Err(HttpError::MovedPermanently(location)) => Response::redirect(location),
                Err(err) => return Err(err),
            };
            response.send(&client_socket)?;
            Ok(())
        })();
        if let Err(err) = result {
            error!("=== リクエストの処理中にエラーが発生しました ===");
            common::report_error(&client_socket, &err);
        }
        // `client_socket` is dropped here, which closes it: the book's `finally`.
    }
    info!("=== サーバーを停止します。 ===");
    Ok(())
}
