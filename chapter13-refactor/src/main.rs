//! Book chapter 13, 「リクエストを並列処理する」
//! (Python: `codes/chapter13/webserver.py`),
//! section 「いったんリファクタリングする」.
//!
//! The lesson: the same server, its loop body cut into functions named as the
//! book names them; where Python has type hints, the compiler checks types.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;

use common::{Config, Connection, HttpError, Response, Shutdown, StaticFile};
use log::{error, info};
use mime_guess::Mime;
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
    let server_socket = create_server_socket(config)?;
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

        if let Err(err) = handle_client(&mut client_socket, config) {
            error!("=== リクエストの処理中にエラーが発生しました ===");
            common::report_error(&client_socket, &err);
        }
        info!("=== クライアントとの通信を終了します ===");
        // `client_socket` is dropped here, which closes it: the book's `finally`.
    }
    info!("=== サーバーを停止します。 ===");
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

/// The book's `handle_client`: read one request, answer with a file or a 404 page.
fn handle_client(client_socket: &mut Connection, config: &Config) -> Result<(), HttpError> {
    let Some(request) = common::receive_request(client_socket)? else {
        return Ok(()); // connected, then left without a request (a preconnect)
    };
    let response = match get_static_file_content(&request.path, config) {
        Ok(file) => {
            let content_type = get_content_type(&file.path);
            Response::file(file, content_type)
        }
        Err(HttpError::NotFound) => Response::not_found(),
        Err(HttpError::MovedPermanently(location)) => Response::redirect(location),
        Err(err) => return Err(err),
    };
    response.send(client_socket)?;
    Ok(())
}

/// The book's `get_static_file_content`: the file under `static/` that `path` names.
/// It is opened, not read: the response streams it.
fn get_static_file_content(path: &str, config: &Config) -> Result<StaticFile, HttpError> {
    common::open_static_file(&config.static_root, path)
}

/// The Content-Type half of the book's `build_response_header`: the type
/// from the file's extension (`Response` writes the header lines).
fn get_content_type(path: &Path) -> Mime {
    mime_guess::from_path(path).first_or_octet_stream()
}
