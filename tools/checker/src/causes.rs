//! The causes that fit a measurement, most likely first: what a hint says
//! when a stage fails. Each names the fix twice ([`Hint`]): in the book's
//! Python (its names, its lines) and in this workspace's Rust (`common`'s
//! functions, `thread::Builder::spawn`, `get_content_type`).

use crate::Chapter;
use crate::client::FetchError;
use crate::text::{Hint, Text};

/// A hint from its four sentences: Python in Japanese and English, then Rust.
pub(crate) fn hint(py_ja: &str, py_en: &str, rs_ja: &str, rs_en: &str) -> Hint {
    Hint::new(Text::new(py_ja, py_en), Text::new(rs_ja, rs_en))
}

/// What a failed fetch points at, most likely first; empty when nothing
/// more than the stage's advice can be said.
pub fn of_fetch(err: &FetchError) -> Vec<Hint> {
    match err {
        FetchError::Refused(_) => vec![console()],
        FetchError::NoAnswer(_) => vec![hint(
            "接続は受け付けられましたが、何も返ってきません。このリクエストに client_socket.send(response) まで届いているか確かめます。クライアントが閉じるまで recv を繰り返すループは、応答を待つクライアントと互いに待ち続けます（本は recv(4096) を 1 回だけ呼びます）",
            "the connection was accepted but nothing came back: check that this request reaches client_socket.send(response); a loop that calls recv until the client closes waits forever, while the client waits for the answer (the book calls recv(4096) once)",
            "接続は受け付けられましたが、何も返ってきません。このリクエストが response.send(&client_socket) まで届いているか確かめます。common::receive_request(&mut client_socket) はリクエストを 1 つだけ読みます。クライアントが閉じるまで自分で読み続けるループは、応答を待つクライアントと互いに待ち続けます",
            "the connection was accepted but nothing came back: check that this request reaches response.send(&client_socket); common::receive_request(&mut client_socket) reads one request, while a loop of your own that reads until the client closes waits forever, and the client waits for the answer",
        )],
        FetchError::Stalled {
            expected: Some(_), ..
        } => vec![hint(
            "Content-Length は送る本文のバイト数 len(response_body) にし、本文を全部送ります（send は一部しか送らないことがあります。sendall なら全部送ります）",
            "make Content-Length the byte count of the body sent, len(response_body), and send all of it (send may send only part; sendall sends it all)",
            "Content-Length は本文のバイト数にし、本文を全部送ります。Response::file(file, content_type) を response.send(&client_socket) で送れば両方とも正しくなります（自分で書くなら write は一部しか書かないことがあるので write_all）",
            "make Content-Length the body's byte count and send all of it: Response::file(file, content_type) sent with response.send(&client_socket) does both (writing it yourself, write may write only part: write_all writes it all)",
        )],
        FetchError::Stalled { expected: None, .. } => vec![empty_line()],
        FetchError::NoLength { .. } => vec![hint(
            "ヘッダーに Content-Length: len(response_body) を入れるか、本文を送ったら接続を閉じます（本の finally: client_socket.close()）",
            "put Content-Length: len(response_body) in the head, or close the connection after the body (the book's finally: client_socket.close())",
            "ヘッダーに Content-Length を入れるか（Response が入れます）、本文を送ったら接続を閉じます（client_socket を drop します。本の finally: client_socket.close()）",
            "put Content-Length in the head (Response does), or close the connection after the body: drop client_socket (the book's finally: client_socket.close())",
        )],
        FetchError::BadHead {
            no_empty_line: true,
            ..
        } => vec![empty_line()],
        FetchError::BadHead { .. } => vec![hint(
            "ステータスラインは response_line = \"HTTP/1.1 200 OK\\r\\n\"、ヘッダーは 1 行ずつ「名前: 値\\r\\n」の形で書きます（本の response_header += \"Content-Length: ...\\r\\n\"）",
            "write the status line as response_line = \"HTTP/1.1 200 OK\\r\\n\" and each header as one line `Name: value\\r\\n` (the book's response_header += \"Content-Length: ...\\r\\n\")",
            "ステータスラインとヘッダーは response.send(&client_socket) が書きます。自分で書くなら、ステータスラインは \"HTTP/1.1 200 OK\\r\\n\"、ヘッダーは 1 行ずつ「名前: 値\\r\\n」の形です",
            "response.send(&client_socket) writes the status line and the headers; writing them yourself, the status line is \"HTTP/1.1 200 OK\\r\\n\" and each header one line `Name: value\\r\\n`",
        )],
        FetchError::Closed | FetchError::ClosedMidHead(_) | FetchError::Reset(_) => {
            vec![exception()]
        }
        FetchError::NotHttp(_) => vec![hint(
            "応答はステータスライン（本の response_line = \"HTTP/1.1 200 OK\\r\\n\"）で始め、ヘッダー、空行、本文の順に送ります",
            "start the answer with the status line (the book's response_line = \"HTTP/1.1 200 OK\\r\\n\"), then the headers, an empty line, and the body",
            "応答は Response（Response::file(file, content_type) や Response::not_found()）で作り、response.send(&client_socket) で送ります。ステータスライン、ヘッダー、空行、本文の順に書かれます",
            "make the answer a Response (Response::file(file, content_type), Response::not_found()) and send it with response.send(&client_socket): it writes the status line, the headers, an empty line and the body, in that order",
        )],
        FetchError::Unended(_) => vec![hint(
            "Content-Length を付け、そのバイト数だけ送ったら接続を閉じます",
            "send Content-Length, exactly that many bytes of body, then close the connection",
            "Content-Length を付け（Response が付けます）、そのバイト数だけ送ったら接続を閉じます（client_socket を drop します）",
            "send Content-Length (Response does), exactly that many bytes of body, then close the connection (drop client_socket)",
        )],
        FetchError::OwnLimit(_) | FetchError::Io(_) => Vec::new(),
    }
}

/// The empty line between the head and the body.
pub fn empty_line() -> Hint {
    hint(
        "ヘッダーのあとに空行（\\r\\n）を送ってから本文を送ります：本の response = (response_line + response_header + \"\\r\\n\").encode() + response_body",
        "send an empty line (\\r\\n) after the headers, before the body: the book's response = (response_line + response_header + \"\\r\\n\").encode() + response_body",
        "ヘッダーのあとに空行（\\r\\n）を送ってから本文を送ります。response.send(&client_socket) は空行を書きます。ヘッダーを自分で書くなら、最後を \"\\r\\n\\r\\n\" で終えます",
        "send an empty line (\\r\\n) after the headers, before the body: response.send(&client_socket) writes it; writing the head yourself, end it with \"\\r\\n\\r\\n\"",
    )
}

/// An exception (Python) or an error or panic (Rust) while handling one request.
pub fn exception() -> Hint {
    hint(
        "このリクエストの処理中に例外が起きています。サーバーのコンソールに出ているトレースバック（本の except の traceback.print_exc()）が、例外を起こした行を示します",
        "an exception while handling this request: the server's console shows the traceback (the book's except prints it with traceback.print_exc()), naming the line that raised",
        "このリクエストの処理中にエラーか panic が起きています。サーバーのコンソールに、common::report_error(&client_socket, &err) が書いたエラーか、panic の場所（thread '…' panicked at src/…:行）が出ています",
        "an error or a panic while handling this request: the server's console shows the error common::report_error(&client_socket, &err) logged, or where the panic was (thread '…' panicked at src/…:LINE)",
    )
}

/// The accept loop closing the client's socket that a thread still uses.
pub fn closed_by_the_loop() -> Hint {
    hint(
        "スレッドを使っているなら、accept のループが thread.start() のすぐあとで client_socket.close() を呼ぶと、ワーカーが応答する前に接続が閉じます。閉じるのは WorkerThread の run の finally です",
        "with threads: the accept loop calling client_socket.close() right after thread.start() closes the connection before the worker answers; the book closes it in WorkerThread's run, in finally",
        "スレッドを使っているなら、ワーカーが応答する前に接続が閉じています。client_socket はスレッドに move し（thread::Builder::new().spawn(move || worker::run(client_socket, address, &config))）、閉じるのはワーカーが使い終えて drop するときです。try_clone() したソケットをループが shutdown すると、ワーカーの接続も閉じます",
        "with threads: the connection closed before the worker answered; move client_socket into the thread, thread::Builder::new().spawn(move || worker::run(client_socket, address, &config)), and let the worker drop it when done (a try_clone() that the loop shuts down closes the worker's connection too)",
    )
}

/// Look at the console: the server stopped.
pub fn console() -> Hint {
    hint(
        "サーバーのコンソールを見てください。プロセスが終わっていれば、最後のトレースバックが止まった行を示します。1 回分の処理を try / except で囲めば、例外があってもループは続きます",
        "look at the server's console: if the process ended, the last traceback there names the line it stopped at; with one client's handling inside try / except, the loop goes on after an exception",
        "サーバーのコンソールを見てください。プロセスが終わっていれば、最後の panic のメッセージが止まった行を示します（unwrap() や expect() の失敗など）。1 回分の処理のエラーを if let Err(err) で受けて common::report_error(&client_socket, &err) に渡せば、ループは続きます",
        "look at the server's console: if the process ended, the last panic message names the line it stopped at (an unwrap() or expect() that failed, say); take one client's error with if let Err(err) and hand it to common::report_error(&client_socket, &err), and the loop goes on",
    )
}

/// The measurement when, after a lost connection, nothing accepts any more.
pub fn stopped(authority: &str) -> Text {
    Text::new(
        format!(
            "応答がなく、それ以降 {authority} は接続を受け付けません：サーバーが止まりました（落ちた？ コンソールの最後の行を見てください）"
        ),
        format!(
            "no answer, and since then nothing accepts connections at {authority}: the server stopped (did it crash? look at the last lines of its console)"
        ),
    )
}

/// "Answers one client at a time": everything that fits, most likely first
/// for `chapter` (a pool of one first when the pool is checked).
pub fn one_at_a_time(chapter: Chapter) -> Vec<Hint> {
    let mut causes = vec![
        hint(
            "クライアントごとのスレッドがない：ループが自分で応答してから次の accept に進んでいます。accept したら WorkerThread(client_socket, address) を作って thread.start() し、すぐ accept に戻ります",
            "no thread per client: the loop answers each client itself before the next accept; make a WorkerThread(client_socket, address), call thread.start(), and go straight back to accept",
            "クライアントごとのスレッドがない：ループが自分で応答してから次の accept に進んでいます。accept したら thread::Builder::new().spawn(move || worker::run(client_socket, address, &config)) でスレッドに任せ、すぐ accept に戻ります（本の WorkerThread(...).start()）",
            "no thread per client: the loop answers each client itself before the next accept; hand the client to a thread, thread::Builder::new().spawn(move || worker::run(client_socket, address, &config)), and go straight back to accept (the book's WorkerThread(...).start())",
        ),
        hint(
            "thread.start() ではなく thread.run() を呼んでいる：run() は処理を accept しているスレッドでそのまま実行します。新しいスレッドで動かすのは start() です",
            "thread.run() instead of thread.start(): run() does the work in the accepting thread itself; start() runs it in a new thread",
            "worker::run(client_socket, address, &config) をループの中でそのまま呼んでいる：処理は accept しているスレッドで実行されます。spawn(move || worker::run(...)) のクロージャの中で呼べば、新しいスレッドで動きます（本の thread.run() と thread.start() の違い）",
            "worker::run(client_socket, address, &config) called in the loop itself: the accepting thread does the work; call it inside the closure, spawn(move || worker::run(...)), and a new thread does it (the book's thread.run() against thread.start())",
        ),
        hint(
            "thread.start() のすぐあとに thread.join() がある：ループがスレッドの終わりを待ってから次の accept に進みます。join しません",
            "a thread.join() right after thread.start(): the loop waits for the thread to end before the next accept; do not join",
            "spawn のすぐあとに .join() がある：ループがスレッドの終わりを待ってから次の accept に進みます。JoinHandle は workers の Vec にしまい、待つのは終わるときの shutdown.wait_for(workers) だけにします",
            "a .join() right after the spawn: the loop waits for the thread to end before the next accept; keep the JoinHandle in the workers Vec and wait only at the end, in shutdown.wait_for(workers)",
        ),
        hint(
            "会話全体（recv から close まで）をロックで囲んでいる：ほかのスレッドはそのロックを待ちます。この章のコードは何も共有しないので、ロックは要りません",
            "a lock held around the whole conversation, recv to close: the other threads wait for it; the chapter's code shares nothing and needs no lock",
            "会話全体（common::receive_request から response.send まで）で Mutex のロックを持っている：ほかのスレッドはそのロックを待ちます。この章のコードが共有するのは読むだけの Arc<Config> なので、ロックは要りません",
            "a Mutex locked around the whole conversation, common::receive_request to response.send: the other threads wait for it; the chapter's threads share only the read-only Arc<Config> and need no lock",
        ),
        hint(
            "ワーカー 1 個のプール（ThreadPoolExecutor(max_workers=1)）：max_workers を 2 以上にします",
            "a pool of one worker (ThreadPoolExecutor(max_workers=1)): give max_workers more than 1",
            "ワーカー 1 個のプール（--max-workers 1、または pool::ThreadPool::new(1)）：上限を 2 以上にします",
            "a pool of one worker (--max-workers 1, or pool::ThreadPool::new(1)): give it more than 1",
        ),
    ];
    if chapter == Chapter::Pool {
        causes.rotate_right(1);
    }
    causes
}
