//! Book chapter 13, first half: 「いったんリファクタリングする」
//! (Python: `codes/chapter13/webserver.py`).
//!
//! The lesson: the same server as chapter 12, with the loop body cut into
//! functions named as the book names them. Where the book adds type hints that
//! only an editor checks, every signature here is checked by the compiler.
//! New log line: the end of each conversation with a client.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};

use common::{Config, HttpError, Response, Shutdown, StaticFile};
use log::{error, info};
use socket2::{Domain, Socket, Type};

fn main() -> io::Result<()> {
    let config = Config::from_args();
    common::init_logging(config.log_level);
    serve(&config)
}

/// The book's `serve`: accept clients one after another and answer each.
fn serve(config: &Config) -> io::Result<()> {
    info!("=== サーバーを起動します ===");
    let server_socket = create_server_socket(config)?;
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

        if let Err(err) = handle_client(&client_socket, config) {
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
    socket.set_reuse_address(true)?;
    socket.bind(&address.into())?;
    socket.listen(common::LISTEN_BACKLOG)?;
    Ok(socket.into())
}

/// The book's `handle_client`: read one request, answer with a file or a 404 page.
fn handle_client(client_socket: &TcpStream, config: &Config) -> Result<(), HttpError> {
    let Some(request) = common::receive_request(client_socket, config)? else {
        return Ok(());
    };
    let response = match get_static_file_content(&request.path, config) {
        Ok(file) => Response::file(file),
        Err(HttpError::NotFound) => Response::not_found(),
        Err(HttpError::MovedPermanently(location)) => Response::redirect(location),
        Err(err) => return Err(err),
    };
    response.send(client_socket, request.is_head())?;
    Ok(())
}

/// The book's `get_static_file_content`: the file under `static/` that `path` names.
/// It is opened, not read: the response streams it.
fn get_static_file_content(path: &str, config: &Config) -> Result<StaticFile, HttpError> {
    common::open_static_file(&config.static_root, path)
}
