//! Book chapter 12, 「複数回のHTTPリクエストに繰り返し応答できるようにする」
//! (Python: `codes/chapter12-2/webserver.py`).
//!
//! The lesson: answer requests again and again. One loop accepts a client,
//! reads its request, answers with a file from `static/` (with the right
//! Content-Type) or a 404 page, and closes the connection; a failure in one
//! request is logged and the loop goes on. Everything happens in `main`, in
//! order, one client at a time. HTTP details live in the `common` crate.

use std::io;
use std::net::{SocketAddr, TcpListener};

use common::{Config, HttpError, Response, Shutdown};
use log::{error, info};
use socket2::{Domain, Socket, Type};

fn main() -> io::Result<()> {
    let config = Config::from_args();
    common::init_logging(config.log_level);
    info!("=== サーバーを起動します ===");

    // Create the listening socket step by step, as the book does with `socket`.
    let address: SocketAddr = config.address();
    let socket = Socket::new(Domain::for_address(address), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&address.into())?;
    socket.listen(common::LISTEN_BACKLOG)?;
    let server_socket: TcpListener = socket.into();
    info!("open http://{}/index.html", server_socket.local_addr()?);
    let shutdown = Shutdown::on_ctrl_c(&server_socket)?;

    loop {
        info!("=== クライアントからの接続を待ちます ===");
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
        info!("=== クライアントとの接続が完了しました remote_address: {address} ===");

        // The book's `try:` block. A closure gives `?` somewhere to return to,
        // so any failure below lands in the `if let Err` branch, like `except`.
        let result = (|| -> Result<(), HttpError> {
            let Some(request) = common::receive_request(&client_socket, &config)? else {
                return Ok(());
            };
            let response = match common::open_static_file(&config.static_root, &request.path) {
                Ok(file) => Response::file(file),
                Err(HttpError::NotFound) => Response::not_found(),
                Err(HttpError::MovedPermanently(location)) => Response::redirect(location),
                Err(err) => return Err(err),
            };
            response.send(&client_socket, request.is_head())?;
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
