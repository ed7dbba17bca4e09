//! The book's `workerthread.py`: one client's whole conversation, as a task, not a
//! thread. (The book inlines the previous step's `handle_client` in `run`.)

use std::net::SocketAddr;

use common::{Config, HttpError, Response, StaticFile};
use log::{error, info};
use tokio::net::TcpStream;

/// The book's `WorkerThread.run`: answer one client, log any failure, close.
/// An error here stays in this task; the server keeps accepting.
pub async fn run(client_socket: TcpStream, address: SocketAddr, config: &Config) {
    if let Err(err) = handle_client(&client_socket, config).await {
        error!("=== Worker: リクエストの処理中にエラーが発生しました ===");
        common::async_io::report_error(&client_socket, &err).await;
    }
    info!("=== Worker: クライアントとの通信を終了します remote_address: {address} ===");
    // `client_socket` is dropped here, which closes it: the book's `finally`.
}

/// The book's `handle_client`: read one request, answer with a file or a 404 page.
async fn handle_client(client_socket: &TcpStream, config: &Config) -> Result<(), HttpError> {
    let Some(request) = common::async_io::receive_request(client_socket, config).await? else {
        return Ok(()); // connected, then left without a request (a preconnect)
    };
    let response = match get_static_file_content(&request.path, config).await {
        Ok(file) => Response::file(file),
        Err(HttpError::NotFound) => Response::not_found(),
        Err(HttpError::MovedPermanently(location)) => Response::redirect(location),
        Err(err) => return Err(err),
    };
    common::async_io::send(response, client_socket, request.is_head()).await?;
    Ok(())
}

/// The book's `get_static_file_content`: the file under `static/` that `path` names.
/// It is opened, not read: the response streams it.
async fn get_static_file_content(path: &str, config: &Config) -> Result<StaticFile, HttpError> {
    common::async_io::open_static_file(&config.static_root, path).await
}
