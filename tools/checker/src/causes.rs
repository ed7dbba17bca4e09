//! The causes that fit a measurement, in the book's terms (its names, its
//! lines), most likely first: what a hint says when a stage fails.

use crate::Chapter;
use crate::client::FetchError;
use crate::text::Text;

/// What a failed fetch points at, most likely first; empty when nothing
/// more than the stage's advice can be said.
pub fn of_fetch(err: &FetchError) -> Vec<Text> {
    match err {
        FetchError::Refused(_) => vec![console()],
        FetchError::NoAnswer(_) => vec![Text::new(
            "接続は受け付けられましたが、何も返ってきません。このリクエストに client_socket.send(response) まで届いているか確かめます。クライアントが閉じるまで recv を繰り返すループは、応答を待つクライアントと互いに待ち続けます（本は recv(4096) を 1 回だけ呼びます）",
            "the connection was accepted but nothing came back: check that this request reaches client_socket.send(response); a loop that calls recv until the client closes waits forever, while the client waits for the answer (the book calls recv(4096) once)",
        )],
        FetchError::Stalled {
            expected: Some(_), ..
        } => vec![Text::new(
            "Content-Length は送る本文のバイト数 len(response_body) にし、本文を全部送ります（send は一部しか送らないことがあります。sendall なら全部送ります）",
            "make Content-Length the byte count of the body sent, len(response_body), and send all of it (send may send only part; sendall sends it all)",
        )],
        FetchError::Stalled { expected: None, .. } => vec![empty_line()],
        FetchError::NoLength { .. } => vec![Text::new(
            "ヘッダーに Content-Length: len(response_body) を入れるか、本文を送ったら接続を閉じます（本の finally: client_socket.close()）",
            "put Content-Length: len(response_body) in the head, or close the connection after the body (the book's finally: client_socket.close())",
        )],
        FetchError::BadHead {
            no_empty_line: true,
            ..
        } => vec![empty_line()],
        FetchError::BadHead { .. } => vec![Text::new(
            "ステータスラインは response_line = \"HTTP/1.1 200 OK\\r\\n\"、ヘッダーは 1 行ずつ「名前: 値\\r\\n」の形で書きます（本の response_header += \"Content-Length: ...\\r\\n\"）",
            "write the status line as response_line = \"HTTP/1.1 200 OK\\r\\n\" and each header as one line `Name: value\\r\\n` (the book's response_header += \"Content-Length: ...\\r\\n\")",
        )],
        FetchError::Closed | FetchError::ClosedMidHead(_) | FetchError::Reset(_) => {
            vec![exception()]
        }
        FetchError::NotHttp(_) => vec![Text::new(
            "応答はステータスライン（本の response_line = \"HTTP/1.1 200 OK\\r\\n\"）で始め、ヘッダー、空行、本文の順に送ります",
            "start the answer with the status line (the book's response_line = \"HTTP/1.1 200 OK\\r\\n\"), then the headers, an empty line, and the body",
        )],
        FetchError::Unended(_) => vec![Text::new(
            "Content-Length を付け、そのバイト数だけ送ったら接続を閉じます",
            "send Content-Length, exactly that many bytes of body, then close the connection",
        )],
        FetchError::OwnLimit(_) | FetchError::Io(_) => Vec::new(),
    }
}

/// The empty line between the head and the body.
pub fn empty_line() -> Text {
    Text::new(
        "ヘッダーのあとに空行（\\r\\n）を送ってから本文を送ります：本の response = (response_line + response_header + \"\\r\\n\").encode() + response_body",
        "send an empty line (\\r\\n) after the headers, before the body: the book's response = (response_line + response_header + \"\\r\\n\").encode() + response_body",
    )
}

/// An exception while handling one request.
pub fn exception() -> Text {
    Text::new(
        "このリクエストの処理中に例外が起きています。サーバーのコンソールに出ているトレースバック（本の except の traceback.print_exc()）が、例外を起こした行を示します",
        "an exception while handling this request: the server's console shows the traceback (the book's except prints it with traceback.print_exc()), naming the line that raised",
    )
}

/// The accept loop closing the client's socket that a thread still uses.
pub fn closed_by_the_loop() -> Text {
    Text::new(
        "スレッドを使っているなら、accept のループが thread.start() のすぐあとで client_socket.close() を呼ぶと、ワーカーが応答する前に接続が閉じます。閉じるのは WorkerThread の run の finally です（Rust ならソケットをスレッドに move します）",
        "with threads: the accept loop calling client_socket.close() right after thread.start() closes the connection before the worker answers; the book closes it in WorkerThread's run, in finally (in Rust, move the socket into the thread)",
    )
}

/// Look at the console: the server stopped.
pub fn console() -> Text {
    Text::new(
        "サーバーのコンソールを見てください。プロセスが終わっていれば、最後のトレースバックが止まった行を示します。1 回分の処理を try / except で囲めば、例外があってもループは続きます",
        "look at the server's console: if the process ended, the last traceback there names the line it stopped at; with one client's handling inside try / except, the loop goes on after an exception",
    )
}

/// The measurement when, after a lost connection, nothing accepts any more.
pub fn stopped(authority: &str) -> Text {
    Text::new(
        format!(
            "応答がなく、それ以降 {authority} は接続を受け付けません：サーバーが止まりました（落ちた？ コンソールのトレースバックを見てください）"
        ),
        format!(
            "no answer, and since then nothing accepts connections at {authority}: the server stopped (did it crash? look at its console for the traceback)"
        ),
    )
}

/// "Answers one client at a time": everything that fits, most likely first
/// for `chapter` (a pool of one first when the pool is checked).
pub fn one_at_a_time(chapter: Chapter) -> Vec<Text> {
    let mut causes = vec![
        Text::new(
            "クライアントごとのスレッドがない：ループが自分で応答してから次の accept に進んでいます。accept したら WorkerThread(client_socket, address) を作って thread.start() し、すぐ accept に戻ります（Rust なら thread::spawn）",
            "no thread per client: the loop answers each client itself before the next accept; make a WorkerThread(client_socket, address), call thread.start(), and go straight back to accept (in Rust, thread::spawn)",
        ),
        Text::new(
            "thread.start() ではなく thread.run() を呼んでいる：run() は処理を accept しているスレッドでそのまま実行します。新しいスレッドで動かすのは start() です",
            "thread.run() instead of thread.start(): run() does the work in the accepting thread itself; start() runs it in a new thread",
        ),
        Text::new(
            "thread.start() のすぐあとに thread.join() がある（Rust なら spawn した handle の .join()）：ループがスレッドの終わりを待ってから次の accept に進みます。join しません",
            "a thread.join() right after thread.start() (in Rust, .join() on the spawned handle): the loop waits for the thread to end before the next accept; do not join",
        ),
        Text::new(
            "会話全体（recv から close まで）をロックで囲んでいる：ほかのスレッドはそのロックを待ちます。この章のコードは何も共有しないので、ロックは要りません",
            "a lock held around the whole conversation, recv to close: the other threads wait for it; the chapter's code shares nothing and needs no lock",
        ),
        Text::new(
            "ワーカー 1 個のプール（ThreadPoolExecutor(max_workers=1)）：max_workers を 2 以上にします",
            "a pool of one worker (ThreadPoolExecutor(max_workers=1)): give max_workers more than 1",
        ),
    ];
    if chapter == Chapter::Pool {
        causes.rotate_right(1);
    }
    causes
}
