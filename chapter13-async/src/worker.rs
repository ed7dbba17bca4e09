//! The book's `workerthread.py`: one client's whole conversation, as a task, not a
//! thread. (The book inlines the previous step's `handle_client` in `run`.)

use std::net::SocketAddr;
use std::path::Path;

use common::async_io::Connection;
use common::{Config, HttpError, Response, StaticFile};
use log::{error, info};
use mime_guess::Mime;

/// The book's `WorkerThread.run`: answer one client, log any failure, close.
/// An error here stays in this task; the server keeps accepting.
pub async fn run(mut client_socket: Connection, address: SocketAddr, config: &Config) {
    if let Err(err) = handle_client(&mut client_socket, config).await {
        error!("=== Worker: リクエストの処理中にエラーが発生しました ===");
        common::async_io::report_error(&client_socket, &err).await;
    }
    info!("=== Worker: クライアントとの通信を終了します remote_address: {address} ===");
    // `client_socket` is dropped here, which closes it: the book's `finally`.
}

/// The book's `handle_client`: read one request, answer with a file or a 404 page.
async fn handle_client(client_socket: &mut Connection, config: &Config) -> Result<(), HttpError> {
    let Some(request) = common::async_io::receive_request(client_socket).await? else {
        return Ok(()); // connected, then left without a request (a preconnect)
    };
    let response = match get_static_file_content(&request.path, config).await {
        Ok(file) => {
            let content_type = get_content_type(&file.path);
            Response::file(file, content_type)
        }
        Err(HttpError::NotFound) => Response::not_found(),
        Err(HttpError::MovedPermanently(location)) => Response::redirect(location),
        Err(err) => return Err(err),
    };
    common::async_io::send(response, client_socket).await?;
    Ok(())
}

/// The book's `get_static_file_content`: the file under `static/` that `path` names.
/// It is opened, not read: the response streams it.
async fn get_static_file_content(path: &str, config: &Config) -> Result<StaticFile, HttpError> {
    common::async_io::open_static_file(&config.static_root, path).await
}

/// The Content-Type half of the book's `build_response_header`: the type
/// from the file's extension (`Response` writes the header lines).
fn get_content_type(path: &Path) -> Mime {
    mime_guess::from_path(path).first_or_octet_stream()
}
