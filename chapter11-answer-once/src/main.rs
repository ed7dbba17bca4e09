//! Book chapter 11, 「HTMLファイルを配信できるようにする」
//! (Python: `codes/chapter11-2/webserver.py`): where chapter 12 starts.
//!
//! It answers one request with the file its path names, then stops: a page
//! that links a stylesheet and an image never shows whole. And it sends
//! every file as `text/html`. `cargo xtask exercise 12` copies this crate
//! for you; the `TODO(chapter 12)` lines mark where you type the lesson.

use std::io;
use std::net::{SocketAddr, TcpListener};

use common::{Config, Connection, HttpError, Response};
use log::{error, info};
use mime_guess::mime;
use socket2::{Domain, Socket, Type};

/// The book's `if __name__ == "__main__"`: read the options, start logging, serve.
fn main() {
    let config = Config::from_args(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_DESCRIPTION"));
    common::init_logging(config.log_level);
    if let Err(err) = serve(&config) {
        common::exit_on_start_error(&config, err);
    }
}

/// The book's `WebServer.serve`: accept one client, answer it, stop.
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

    // TODO(chapter 12): answer client after client. Put everything from here
    // to the end of the answer in `loop { ... }` (the book's `while True:`),
    // and let Ctrl+C end it: `common::Shutdown::on_ctrl_c(&server_socket)`.
    info!("=== クライアントからの接続を待ちます ===");
    let (client_socket, address) = server_socket.accept()?;
    info!("=== クライアントとの接続が完了しました remote_address: {address} ===");
    // The socket, and what answering this client must remember.
    let mut client_socket = Connection::new(client_socket, config);

    // In a closure, `?` sends any failure to the `if let` below, which answers
    // it (400, 500, ...): the book's chapter 11 would stop with a traceback.
    let result = (|| -> Result<(), HttpError> {
        let Some(request) = common::receive_request(&mut client_socket)? else {
            return Ok(()); // connected, then left without a request (a preconnect)
        };
        let response = match common::open_static_file(&config.static_root, &request.path) {
            Ok(file) => {
                // TODO(chapter 12): send each file with the Content-Type of its
                // extension (the book's MIME_TYPES), not always text/html.
                Response::file(file, mime::TEXT_HTML)
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
    // `client_socket` is dropped here, which closes it; then `server_socket`
    // when `serve` returns: nothing listens any more.
    info!("=== サーバーを停止します。 ===");
    Ok(())
}
