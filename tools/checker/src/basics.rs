//! Chapter 12's stages (with what chapter 11 built under them): the page,
//! answered again and again, with the right Content-Type, a 404, and a
//! server that survives a request that is not HTTP.

use std::time::Duration;

use crate::causes::{self, hint};
use crate::client::{self, Expect, Reply, dur, escape, fetch};
use crate::text::{CH10_HEAD, CH11_404, CH11_FILE, CH12_LOOP, CH12_TYPES};
use crate::{Ctx, Group, Hint, Outcome, Repro, Stage, Text};

/// How many requests the repeat stage sends, each on a new connection.
pub const REPEATS: usize = 5;
/// A name no static folder has.
pub const MISSING: &str = "checker-no-such-file.html";
/// What a browser sends when it is told `https://` for a plain-HTTP port:
/// the start of a TLS handshake. Not HTTP at all.
pub const NOT_HTTP: &[u8] =
    b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03 this is not HTTP\r\n\r\n";

/// The three files of the book's page and their types.
const FILES: [(&str, &str); 3] = [
    ("index.html", "text/html"),
    ("index.css", "text/css"),
    ("logo.png", "image/png"),
];

/// The stages, in the book's order.
pub fn stages() -> Vec<Stage> {
    vec![
        Stage {
            id: "index",
            group: Group::Basics,
            title: Text::new(
                "GET /index.html にページが返る",
                "GET /index.html gets the page",
            ),
            source: CH11_FILE,
            advice: hint(
                "リクエストラインからパスを取り出し、static/ のファイルを読んで、200 OK と Content-Length を付けて返します",
                "take the path from the request line, read that file under static/, and answer 200 OK with its Content-Length",
                "リクエストのパスのファイルを common::open_static_file(&config.static_root, &request.path) で開き、Response::file(file, content_type) を response.send(&client_socket) で返します",
                "open the file the request's path names with common::open_static_file(&config.static_root, &request.path), and answer Response::file(file, content_type) with response.send(&client_socket)",
            ),
            needs: &[],
            run: index,
        },
        Stage {
            id: "repeat",
            group: Group::Basics,
            title: Text::new(
                "何度でも応答する（毎回新しい接続で）",
                "answers again and again (a new connection each time)",
            ),
            source: CH12_LOOP,
            advice: hint(
                "accept からレスポンスの送信までを while True のループに入れ、1 回ごとにクライアントのソケットを閉じます",
                "put everything from accept to sending the response in a `while True` loop, closing the client's socket each time",
                "server_socket.accept() から response.send(&client_socket) までを loop { … } に入れます。1 回ごとに client_socket が drop され、接続が閉じます",
                "put everything from server_socket.accept() to response.send(&client_socket) inside loop { … }: each round drops client_socket, which closes the connection",
            ),
            needs: &["index"],
            run: repeat,
        },
        Stage {
            id: "line-endings",
            group: Group::Basics,
            title: Text::new(
                "ヘッダーの各行が \\r\\n で終わる",
                "every line of the head ends with \\r\\n",
            ),
            source: CH10_HEAD,
            advice: line_endings_advice(),
            needs: &["index"],
            run: line_endings,
        },
        Stage {
            id: "files",
            group: Group::Basics,
            title: Text::new(
                "CSS と PNG もファイルのとおりに届く",
                "the CSS and the PNG arrive as the files are",
            ),
            source: CH11_FILE,
            advice: hint(
                "リクエストのパスのファイルを open(static_file_path, \"rb\") でバイト列のまま読み、そのまま送ります",
                "read the file the request's path names as bytes, open(static_file_path, \"rb\"), and send them unchanged",
                "リクエストのパスのファイルをバイト列のまま送ります：common::open_static_file(&config.static_root, &request.path) で開き、Response::file(file, content_type) で送ります",
                "send the file the request's path names as its bytes: open it with common::open_static_file(&config.static_root, &request.path) and send Response::file(file, content_type)",
            ),
            needs: &["index"],
            run: files,
        },
        Stage {
            id: "content-type",
            group: Group::Basics,
            title: Text::new(
                "HTML・CSS・PNG に正しい Content-Type",
                "HTML, CSS and PNG come with the right Content-Type",
            ),
            source: CH12_TYPES,
            advice: hint(
                "拡張子から Content-Type を決めます（html → text/html、css → text/css、png → image/png）。ブラウザは text/css でない CSS を使いません",
                "pick Content-Type from the extension (html → text/html, css → text/css, png → image/png); a browser ignores a stylesheet that is not text/css",
                "拡張子から Content-Type を決めます：mime_guess::from_path(&file.path).first_or_octet_stream()（chapter13-refactor からは get_content_type(path) の中）を Response::file(file, content_type) に渡します。ブラウザは text/css でない CSS を使いません",
                "pick Content-Type from the extension, mime_guess::from_path(&file.path).first_or_octet_stream() (inside get_content_type(path) from chapter13-refactor on), and give it to Response::file(file, content_type); a browser ignores a stylesheet that is not text/css",
            ),
            needs: &["index", "files"],
            run: content_types,
        },
        Stage {
            id: "not-found",
            group: Group::Basics,
            title: Text::new(
                "ないファイルに 404、そのあとも応答する",
                "a missing file gets 404, and the server answers afterwards",
            ),
            source: CH11_404,
            advice: missing_file_advice(),
            needs: &["index"],
            run: not_found,
        },
        Stage {
            id: "garbage",
            group: Group::Basics,
            title: Text::new(
                "HTTP でないバイト列のあとも応答する",
                "bytes that are not HTTP do not stop the server",
            ),
            source: CH12_LOOP,
            advice: garbage_advice(),
            needs: &["index"],
            run: garbage,
        },
    ]
}

fn line_endings_advice() -> Hint {
    hint(
        "ステータスラインとヘッダーの各行を、本のとおり \\r\\n で終えます（response_line = \"HTTP/1.1 200 OK\\r\\n\"、response_header += \"...\\r\\n\"）。curl やブラウザは \\n だけでも受け付けるので、違いはチェッカーでしか見えません",
        "end the status line and every header line with \\r\\n, as the book does (response_line = \"HTTP/1.1 200 OK\\r\\n\", response_header += \"...\\r\\n\"); curl and browsers accept a bare \\n, so only the checker shows it",
        "ステータスラインとヘッダーの各行を \\r\\n で終えます。response.send(&client_socket) はそう書きます。ヘッダーを自分で書くなら writeln! ではなく write!(…, \"…\\r\\n\") です（writeln! は \\n だけを書きます）。curl やブラウザは \\n だけでも受け付けるので、違いはチェッカーでしか見えません",
        "end the status line and every header line with \\r\\n: response.send(&client_socket) does; writing the head yourself, use write!(…, \"…\\r\\n\"), not writeln!, which writes a bare \\n; curl and browsers accept a bare \\n, so only the checker shows it",
    )
}

fn missing_file_advice() -> Hint {
    hint(
        "ファイルがないと open() は FileNotFoundError（OSError の一種）を投げます。open を try で囲み、except OSError: で 404 のページと response_line = \"HTTP/1.1 404 Not Found\\r\\n\" を用意して、ループを続けます",
        "when the file does not exist, open() raises FileNotFoundError (an OSError): put open in a try, and in except OSError: make the 404 page and response_line = \"HTTP/1.1 404 Not Found\\r\\n\", then go on with the loop",
        "ファイルがないと common::open_static_file は Err(HttpError::NotFound) を返します。unwrap() や expect() で panic させず、match で Err(HttpError::NotFound) => Response::not_found() と受けて 404 を返し、ループを続けます",
        "when the file does not exist, common::open_static_file returns Err(HttpError::NotFound): instead of a panicking unwrap() or expect(), match it, Err(HttpError::NotFound) => Response::not_found(), answer 404 and go on with the loop",
    )
}

fn garbage_advice() -> Hint {
    hint(
        "HTTP でないバイト列では、リクエストの分解（request.split(b\"\\r\\n\") や request_line.decode().split(\" \")）が ValueError や UnicodeDecodeError を投げます。1 回分の処理を try / except Exception で囲み、例外はログに出して次の accept に戻ります（本の 89-97行目）",
        "bytes that are not HTTP make the parsing raise (request.split(b\"\\r\\n\") or request_line.decode().split(\" \"): ValueError, UnicodeDecodeError): wrap one client's handling in try / except Exception, log the exception and go back to accept (the book's lines 89-97)",
        "HTTP でないバイト列には common::receive_request(&mut client_socket) が Err を返します。unwrap() で panic させず、1 回分の処理の中では ? で返し、外側の if let Err(err) で common::report_error(&client_socket, &err) に渡して、次の accept に戻ります（本の try / except）",
        "for bytes that are not HTTP, common::receive_request(&mut client_socket) returns Err: instead of a panicking unwrap(), return it with ? from one client's handling, take it with if let Err(err) around that, hand it to common::report_error(&client_socket, &err) and go back to accept (the book's try / except)",
    )
}

/// `curl`, or `curl.exe` on Windows: in PowerShell, `curl` is an alias of
/// `Invoke-WebRequest`, which takes none of curl's options.
pub const CURL: &str = if cfg!(windows) { "curl.exe" } else { "curl" };

/// `curl -v URL` for a GET of `path`.
pub fn curl(ctx: &Ctx, path: &str) -> Text {
    let line = format!("{CURL} -v {}", ctx.target.url(path));
    Text::new(line.clone(), line)
}

/// The note for an answer after which the server left the connection open:
/// what it costs, and where in the book the close is.
pub fn kept_open_note(reply: &Reply) -> Option<Text> {
    reply.kept_open.then(|| {
        Text::new(
            "。ただしサーバーは応答のあとも接続を閉じませんでした。リクエストは Connection: close なので、接続が閉じるまで読むクライアントは、サーバーが閉じるまで待たされます（チェッカーは Content-Length の分で読み終えました）。本は応答のたびに finally: client_socket.close() で閉じます",
            "; but the server did not close the connection after the answer: the request said Connection: close, so a client that reads until the close waits until the server closes it (the checker stopped at Content-Length); the book closes it after every answer, in finally: client_socket.close()",
        )
    })
}

/// What a failed file answer points at, beside the message.
struct Problem {
    measured: Text,
    causes: Vec<Hint>,
}

impl Problem {
    fn new(measured: Text, causes: Vec<Hint>) -> Problem {
        Problem { measured, causes }
    }

    fn outcome(self, repro: Vec<Text>) -> Outcome {
        Outcome::fail(self.measured, repro).because(self.causes)
    }
}

/// The cause of a file not found that is there: the path as looked up.
fn path_causes() -> Vec<Hint> {
    vec![
        hint(
            "パスの先頭の / を取らずに os.path.join(STATIC_ROOT, path) すると、/index.html は絶対パスなので static/ の外を指します。本は relative_path = path.lstrip(\"/\") としてから結合します",
            "os.path.join(STATIC_ROOT, path) with the leading / kept gives /index.html, an absolute path outside static/; the book joins relative_path = path.lstrip(\"/\")",
            "パスの先頭の / を残したまま static_root.join(path) すると、/index.html は絶対パスなので static/ の外を指します（Path::join は絶対パスでフォルダーごと置き換えます）。common::open_static_file(&config.static_root, &request.path) はリクエストのパスをそのまま受け取り、正しく結合します",
            "static_root.join(path) with the leading / kept gives /index.html, an absolute path outside static/ (Path::join with an absolute path replaces the folder); common::open_static_file(&config.static_root, &request.path) takes the request's path as it is and joins it right",
        ),
        hint(
            "STATIC_ROOT が index.html のあるフォルダーを指していません。本は BASE_DIR（webserver.py のあるフォルダー）から STATIC_ROOT = os.path.join(BASE_DIR, \"static\") を作ります。相対パスにすると、起動したフォルダーによって変わります",
            "STATIC_ROOT is not the folder that holds index.html: the book builds it from BASE_DIR, the folder of webserver.py (STATIC_ROOT = os.path.join(BASE_DIR, \"static\")); a relative path depends on the folder the server was started from",
            "config.static_root が index.html のあるフォルダーを指していません。既定はワークスペースのいちばん上の static/ です。別の場所から起動したなら --static-dir でそのフォルダーを指定します",
            "config.static_root is not the folder that holds index.html: by default it is static/ at the top of the workspace; started from somewhere else, give the folder with --static-dir",
        ),
    ]
}

/// The path of the request is not what is served.
fn ignores_path() -> Hint {
    hint(
        "リクエストのパスを使わず、どのパスにも同じファイルを返しています。リクエストラインからパスを取り出し（本の method, path, http_version = request_line.decode().split(\" \")）、そのファイルを開きます",
        "the request's path is not used: every path gets the same file; take the path from the request line (the book's method, path, http_version = request_line.decode().split(\" \")) and open that file",
        "リクエストのパスを使わず、どのパスにも同じファイルを返しています。request.path のファイルを開きます：common::open_static_file(&config.static_root, &request.path)",
        "the request's path is not used: every path gets the same file; open the file request.path names, common::open_static_file(&config.static_root, &request.path)",
    )
}

/// A file read as text instead of bytes.
fn read_as_text() -> Hint {
    hint(
        "ファイルをテキストとして読んでいます。テキストモードの open(static_file_path) は PNG のバイト列を読めず（UnicodeDecodeError）、読めても別のバイト列に変えてしまいます。本のとおり open(static_file_path, \"rb\") でバイト列のまま読み、そのまま送ります",
        "the file is read as text: open(static_file_path) in text mode cannot read the PNG's bytes (UnicodeDecodeError), or changes them; read it as bytes, open(static_file_path, \"rb\") as the book does, and send them unchanged",
        "ファイルをテキストとして読んでいます。fs::read_to_string は PNG のバイト列を読めず（UTF-8 ではないので Err）、String::from_utf8_lossy は別のバイト列に変えてしまいます。バイト列のまま送ります：common::open_static_file で開いて Response::file(file, content_type)",
        "the file is read as text: fs::read_to_string cannot read the PNG's bytes (not UTF-8: an Err), and String::from_utf8_lossy changes them; send it as bytes: open it with common::open_static_file and send Response::file(file, content_type)",
    )
}

fn length_cause() -> Hint {
    hint(
        "Content-Length には送る本文のバイト数を書きます：本の f\"Content-Length: {len(response_body)}\\r\\n\"（response_body はバイト列）",
        "Content-Length is the byte count of the body sent: the book's f\"Content-Length: {len(response_body)}\\r\\n\", with response_body the bytes",
        "Content-Length には送る本文のバイト数を書きます。Response::file(file, content_type) はファイルの大きさを書きます。自分で数えるなら文字数（chars().count()）ではなくバイト列の len() です",
        "Content-Length is the byte count of the body sent: Response::file(file, content_type) writes the file's size; counting yourself, take len() of the bytes, not chars().count()",
    )
}

/// Checks one file's answer: 200, the media type, `Content-Length` against
/// the body, and the body (byte for byte with `--static-dir`, else its kind).
/// `Ok` is a short summary, `Err` the problem.
pub fn check_file(ctx: &Ctx, reply: &Reply, name: &str, media: &str) -> Result<Text, Text> {
    check_body(ctx, reply, name, media).map_err(|p| p.measured)?;
    check_type(reply, name, media)?;
    Ok(Text::new(
        format!("{name} {media} {} バイト", reply.body.len()),
        format!("{name} {media} {} bytes", reply.body.len()),
    ))
}

/// The media type of `reply` is `media`.
fn check_type(reply: &Reply, name: &str, media: &str) -> Result<(), Text> {
    match reply.media_type() {
        Some(got) if got == media => Ok(()),
        Some(got) => Err(Text::new(
            format!("/{name} の Content-Type が {got} です（{media} のはず）"),
            format!("/{name} came as {got} (expected {media})"),
        )),
        None => Err(Text::new(
            format!("/{name} の応答に Content-Type ヘッダーがありません（{media} のはず）"),
            format!("/{name} came with no Content-Type header (expected {media})"),
        )),
    }
}

/// 200, `Content-Length` against the body, and the body: byte for byte with
/// `--static-dir`, else its kind (`media` says which). Not the Content-Type:
/// that is the content-type stage's lesson.
fn check_body(ctx: &Ctx, reply: &Reply, name: &str, media: &str) -> Result<(), Problem> {
    match reply.status {
        200 => {}
        404 => {
            return Err(Problem::new(
                Text::new(
                    format!(
                        "/{name} に 404 が返りました（200 のはず）：サーバーはファイルを見つけられませんでした"
                    ),
                    format!("/{name} got 404 instead of 200: the server did not find the file"),
                ),
                path_causes(),
            ));
        }
        status => {
            let causes = if status >= 500 {
                vec![causes::exception()]
            } else {
                Vec::new()
            };
            return Err(Problem::new(
                Text::new(
                    format!("/{name} に {status} が返りました（200 のはず）"),
                    format!("/{name} got {status} instead of 200"),
                ),
                causes,
            ));
        }
    }
    check_length(reply, name).map_err(|m| {
        let causes = if media == "image/png" {
            vec![read_as_text(), length_cause()]
        } else {
            vec![length_cause()]
        };
        Problem::new(m, causes)
    })?;
    let body = &reply.body;
    let bytes_cause = if media == "image/png" {
        vec![read_as_text()]
    } else {
        Vec::new()
    };
    if media != "text/html" && looks_like_html(body) {
        return Err(Problem::new(
            Text::new(
                format!("/{name} に HTML のページが返りました"),
                format!("/{name} got an HTML page"),
            ),
            vec![ignores_path()],
        ));
    }
    match ctx.files.get(name) {
        Some(expected) if body != expected => Err(Problem::new(
            Text::new(
                format!(
                    "/{name} の本文が --static-dir のファイルと違います（{} バイト、ファイルは {} バイト）",
                    body.len(),
                    expected.len()
                ),
                format!(
                    "the body of /{name} differs from the file in --static-dir ({} bytes, the file {})",
                    body.len(),
                    expected.len()
                ),
            ),
            bytes_cause,
        )),
        Some(_) => Ok(()),
        None => check_kind(body, name, media).map_err(|m| Problem::new(m, bytes_cause)),
    }
}

/// `Content-Length` is there and equals the body received.
pub fn check_length(reply: &Reply, name: &str) -> Result<(), Text> {
    match reply.content_length() {
        None => Err(Text::new(
            format!("/{name} の応答に Content-Length ヘッダーがありません"),
            format!("the answer for /{name} has no Content-Length header"),
        )),
        Some(len) if len != reply.body.len() as u64 => Err(Text::new(
            format!(
                "/{name} の Content-Length は {len} ですが、本文は {} バイト届きました。Content-Length は文字数ではなくバイト数です（Python なら str の len() ではなく、encode() したバイト列の len()。日本語は UTF-8 で 1 文字 3 バイトです）",
                reply.body.len()
            ),
            format!(
                "/{name}: Content-Length says {len}, but the body has {} bytes; Content-Length counts bytes, not characters (in Python, len() of the encoded bytes, not of a str: a Japanese character is 3 bytes in UTF-8)",
                reply.body.len()
            ),
        )),
        Some(_) => Ok(()),
    }
}

fn looks_like_html(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
    text.contains("<html") || text.contains("<!doctype html")
}

/// Without the files to compare with: HTML looks like HTML, a PNG is a
/// whole PNG (signature first, IEND chunk last), CSS is text.
fn check_kind(body: &[u8], name: &str, media: &str) -> Result<(), Text> {
    let ok = match media {
        "text/html" => looks_like_html(body),
        "image/png" => body.starts_with(b"\x89PNG\r\n\x1a\n") && body.ends_with(b"IEND\xaeB`\x82"),
        _ => std::str::from_utf8(body).is_ok(),
    };
    if ok {
        return Ok(());
    }
    Err(Text::new(
        format!(
            "/{name} の本文が {media} に見えません（先頭：{}）",
            escape(&body[..body.len().min(24)])
        ),
        format!(
            "the body of /{name} does not look like {media} (it starts {})",
            escape(&body[..body.len().min(24)])
        ),
    ))
}

/// GETs `path`, as a browser would.
fn get(ctx: &Ctx, path: &str) -> Result<Reply, client::FetchError> {
    fetch(
        ctx.target,
        &ctx.target.request("GET", path),
        Expect::default(),
    )
}

fn index(ctx: &Ctx) -> Outcome {
    let path = ctx.target.path("index.html");
    let repro = vec![curl(ctx, &path)];
    // This answer's report says whether the server closed after it: give
    // the close a margin a busy machine cannot miss.
    let expect = Expect {
        close_grace: client::CLOSE_VERDICT_GRACE,
        ..Expect::default()
    };
    let reply = match fetch(ctx.target, &ctx.target.request("GET", &path), expect) {
        Ok(reply) => reply,
        Err(err) => {
            let mut outcome = Outcome::failed_fetch(&err, None, repro);
            // With threads, a socket closed under the worker is likelier
            // than an exception on the very first request.
            if ctx.chapter >= crate::Chapter::Threaded
                && matches!(
                    err,
                    client::FetchError::Closed | client::FetchError::Reset(_)
                )
            {
                outcome.hint.insert(0, causes::closed_by_the_loop());
            }
            return outcome;
        }
    };
    match check_body(ctx, &reply, "index.html", "text/html") {
        Ok(()) => {
            let took = dur(reply.elapsed);
            let mut measured = Text::new(
                format!("200、index.html {} バイト（{}）", reply.body.len(), took.ja),
                format!("200, index.html {} bytes ({})", reply.body.len(), took.en),
            );
            if let Some(note) = kept_open_note(&reply) {
                measured = measured.join("", &note);
            }
            Outcome::pass(measured, repro)
        }
        Err(problem) => {
            let mut problem = problem;
            if problem.causes.is_empty() && reply.status == 200 {
                problem.causes.push(hint(
                    "本文にはファイルの中身をそのまま送ります：open(static_file_path, \"rb\") で読んだ response_body",
                    "send the file's contents as the body: response_body, read with open(static_file_path, \"rb\")",
                    "本文にはファイルの中身をそのまま送ります：common::open_static_file で開いたファイルを Response::file(file, content_type) に渡します",
                    "send the file's contents as the body: give the file common::open_static_file opened to Response::file(file, content_type)",
                ));
            }
            problem.outcome(repro)
        }
    }
}

fn line_endings(ctx: &Ctx) -> Outcome {
    // The 404 answer is not-found's lesson: a server that stops on a
    // missing file must fail there, not here.
    let paths = [ctx.target.path("index.html")];
    let repro: Vec<Text> = paths
        .iter()
        .map(|path| {
            let line = format!("{CURL} -s --trace - {}", ctx.target.url(path));
            Text::new(
                format!(
                    "{line}   （ヘッダーの各行の終わりは 0d 0a のはず。0a だけなら \\n だけです）"
                ),
                format!(
                    "{line}   (each line of the head should end 0d 0a; 0a alone is a bare \\n)"
                ),
            )
        })
        .collect();
    let mut seen = Vec::new();
    for path in &paths {
        match get(ctx, path) {
            Ok(reply) if !reply.bare_lf.is_empty() => seen.push((path.clone(), reply.bare_lf)),
            Ok(_) => {}
            Err(err) => {
                return Outcome::failed_fetch(
                    &err,
                    Some(Text::new(path.clone(), path.clone())),
                    repro,
                );
            }
        }
    }
    if seen.is_empty() {
        return Outcome::pass(
            Text::new(
                format!(
                    "{} の応答のヘッダーは、各行が \\r\\n で終わっています",
                    paths[0]
                ),
                format!(
                    "the head of the answer to {} ends every line with \\r\\n",
                    paths[0]
                ),
            ),
            repro,
        );
    }
    let (ja, en): (Vec<String>, Vec<String>) = seen
        .iter()
        .map(|(path, lines)| {
            (
                format!("{path} の応答で {} 行（最初は {}）", lines.len(), lines[0]),
                format!(
                    "{} line{} of the answer to {path} (the first: {})",
                    lines.len(),
                    if lines.len() == 1 { "" } else { "s" },
                    lines[0]
                ),
            )
        })
        .unzip();
    Outcome::fail(
        Text::new(
            format!(
                "ヘッダーの行が \\r\\n ではなく \\n だけで終わっています：{}",
                ja.join("、")
            ),
            format!(
                "lines of the head end with a bare \\n, not \\r\\n: {}",
                en.join("; ")
            ),
        ),
        repro,
    )
}

fn repeat(ctx: &Ctx) -> Outcome {
    let path = ctx.target.path("index.html");
    let repro = vec![curl(ctx, &path)];
    let mut slowest = Duration::ZERO;
    for i in 1..=REPEATS {
        let context = Text::new(
            format!("{REPEATS} 回中 {i} 回目のリクエスト"),
            format!("request {i} of {REPEATS}"),
        );
        let reply = match get(ctx, &path) {
            Ok(reply) => reply,
            // index's request was answered: `i` answers so far.
            Err(err @ client::FetchError::Refused(_)) => {
                let mut outcome = Outcome::failed_fetch(&err, Some(context), repro);
                outcome.lost = None; // known already: nothing listens any more
                outcome.measured = Text::new(
                    format!(
                        "{i} 回応答したあと（index の 1 回を含む）、{REPEATS} 回中 {i} 回目のリクエストは接続できません：サーバーは応答したあとに終わりました"
                    ),
                    format!(
                        "after {i} answer{} (index's included), request {i} of {REPEATS} could not connect: the server ended after answering",
                        plural(i)
                    ),
                );
                return outcome.because(vec![no_loop(), causes::console()]);
            }
            Err(err @ client::FetchError::NoAnswer(_)) => {
                let outcome = Outcome::failed_fetch(&err, Some(context.clone()), repro);
                return Outcome {
                    measured: Text::new(
                        format!("{i} 回応答したあと（index の 1 回を含む）、{REPEATS} 回中 {i} 回目のリクエストは接続できても{}待って応答がありません", dur(ANSWER_WAIT).ja),
                        format!("after {i} answer{} (index's included), request {i} of {REPEATS} was connected but got no answer in {}", plural(i), dur(ANSWER_WAIT).en),
                    ),
                    ..outcome
                }
                .because(vec![hint(
                    "ループが次の server_socket.accept() に戻っていません。while True: の中に accept があるか（本は accept の前からループします）、ループの中で前のクライアントのソケットを読み続けていないか確かめます",
                    "the loop does not reach server_socket.accept() again: check that accept is inside the while True: (the book's loop begins before it), and that the loop is not still reading the previous client's socket",
                    "ループが次の server_socket.accept() に戻っていません。accept が loop { … } の中にあるか、ループの中で前のクライアントのソケットを読み続けていないか確かめます",
                    "the loop does not reach server_socket.accept() again: check that accept is inside the loop { … }, and that the loop is not still reading the previous client's socket",
                )]);
            }
            // Connected, then closed or reset without an answer: a server that
            // ended after its answer drops the connections still queued, as a
            // crash on this request does. The same request was answered just
            // before, so an end with no loop comes first.
            Err(err) if err.is_lost() => {
                let mut outcome = Outcome::failed_fetch(&err, Some(context), repro);
                outcome.hint.insert(0, no_loop());
                return outcome;
            }
            Err(err) => return Outcome::failed_fetch(&err, Some(context), repro),
        };
        if let Err(problem) = check_body(ctx, &reply, "index.html", "text/html") {
            return Outcome::fail(context.then(&problem.measured), repro).because(problem.causes);
        }
        slowest = slowest.max(reply.elapsed);
    }
    Outcome::pass(
        Text::new(
            format!(
                "{REPEATS} 回とも新しい接続で 200（最も遅くて {}）",
                dur(slowest).ja
            ),
            format!(
                "{REPEATS} requests, each on a new connection: all 200 (slowest {})",
                dur(slowest).en
            ),
        ),
        repro,
    )
}

/// The hint for a server that ends after one answer.
fn no_loop() -> Hint {
    hint(
        "accept から送信までが while True: のループに入っていないので、1 回応答すると serve() が終わります。本のループは server_socket.accept() の前から始まります",
        "accept to send is not inside a while True: loop, so serve() returns after one answer; the book's loop begins before server_socket.accept()",
        "accept から送信までが loop { … } に入っていないので、1 回応答すると serve が終わります（chapter11-answer-once の形のままです）。server_socket.accept() とそのあとの全部をループに入れます",
        "accept to send is not inside loop { … }, so serve returns after one answer (still the shape of chapter11-answer-once); put server_socket.accept() and everything after it inside the loop",
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// How long a fetch waits for an answer.
const ANSWER_WAIT: Duration = client::ANSWER_TIMEOUT;

fn files(ctx: &Ctx) -> Outcome {
    let mut repro = Vec::new();
    let mut seen = Vec::new();
    for (name, media) in &FILES[1..] {
        let path = ctx.target.path(name);
        repro.push(curl(ctx, &path));
        let reply = match get(ctx, &path) {
            Ok(reply) => reply,
            Err(err) => {
                let context = Text::new(format!("/{name}"), format!("/{name}"));
                let mut outcome = Outcome::failed_fetch(&err, Some(context), repro);
                if *name == "logo.png" && err.is_lost() {
                    // The text files were answered, the binary one not.
                    outcome.measured = outcome.measured.join(
                        "",
                        &Text::new(
                            "（index.html と index.css には応答しました）",
                            " (index.html and index.css were answered)",
                        ),
                    );
                    outcome.hint.insert(0, read_as_text());
                }
                return outcome;
            }
        };
        if *name == "logo.png" && reply.status >= 500 {
            return Outcome::fail(
                Text::new(
                    format!(
                        "/logo.png に {} が返りました（index.html と index.css には 200）",
                        reply.status
                    ),
                    format!(
                        "/logo.png got {} (index.html and index.css got 200)",
                        reply.status
                    ),
                ),
                repro,
            )
            .because(vec![read_as_text(), causes::exception()]);
        }
        match check_body(ctx, &reply, name, media) {
            Ok(()) => seen.push(format!("{name} {}", reply.body.len())),
            Err(problem) => return problem.outcome(repro),
        }
    }
    Outcome::pass(
        Text::new(
            format!("{} バイト、ファイルのとおり", seen.join(" バイト、")),
            format!("{} bytes, as the files are", seen.join(" bytes, ")),
        ),
        repro,
    )
}

fn content_types(ctx: &Ctx) -> Outcome {
    let mut repro = Vec::new();
    let mut got = Vec::new();
    for (name, _) in FILES {
        let path = ctx.target.path(name);
        repro.push(curl(ctx, &path));
        match get(ctx, &path) {
            Ok(reply) => got.push(reply),
            Err(err) => {
                return Outcome::failed_fetch(
                    &err,
                    Some(Text::new(format!("/{name}"), format!("/{name}"))),
                    repro,
                );
            }
        }
    }
    let mut wrong = Vec::new();
    for ((name, media), reply) in FILES.iter().zip(&got) {
        if let Err(problem) = check_type(reply, name, media) {
            wrong.push((*name, *media, reply.media_type(), problem));
        }
    }
    if wrong.is_empty() {
        let seen: Vec<String> = FILES.iter().map(|(n, m)| format!("{n} {m}")).collect();
        return Outcome::pass(Text::new(seen.join("、"), seen.join(", ")), repro);
    }
    let types: Vec<Option<String>> = got.iter().map(Reply::media_type).collect();
    let mut causes = Vec::new();
    if types.iter().all(Option::is_none) {
        causes.push(hint(
            "Content-Type ヘッダーがありません。拡張子から決めた content_type をヘッダーに加えます：本の response_header += f\"Content-Type: {content_type}\\r\\n\"（第12章）",
            "there is no Content-Type header: add the content_type picked from the extension to the head, the book's response_header += f\"Content-Type: {content_type}\\r\\n\" (chapter 12)",
            "Content-Type ヘッダーがありません。拡張子から決めた content_type を Response::file(file, content_type) に渡します（第12章）",
            "there is no Content-Type header: give the content_type picked from the extension to Response::file(file, content_type) (chapter 12)",
        ));
    } else if types.windows(2).all(|w| w[0] == w[1]) {
        causes.push(hint(
            "どのファイルにも同じ Content-Type です。決め打ちではなく拡張子から選びます：本の ext = path.rsplit(\".\", maxsplit=1)[-1] と content_type = self.MIME_TYPES.get(ext, \"application/octet-stream\")",
            "every file comes with the same Content-Type: pick it from the extension instead of writing one, the book's ext = path.rsplit(\".\", maxsplit=1)[-1] and content_type = self.MIME_TYPES.get(ext, \"application/octet-stream\")",
            "どのファイルにも同じ Content-Type です。決め打ちの型（mime::TEXT_HTML や \"text/html\" など）ではなく、ファイルごとに拡張子から選びます：mime_guess::from_path(&file.path).first_or_octet_stream()（chapter13-refactor からは get_content_type(path) の中）",
            "every file comes with the same Content-Type: instead of one fixed type (mime::TEXT_HTML, \"text/html\"), pick it from each file's extension, mime_guess::from_path(&file.path).first_or_octet_stream() (inside get_content_type(path) from chapter13-refactor on)",
        ));
    } else {
        for (name, media, got, _) in &wrong {
            let ext = name.rsplit('.').next().unwrap_or("");
            causes.push(match got.as_deref() {
                Some("application/octet-stream") => Hint::new(Text::new(
                    format!("{ext} が MIME_TYPES に見つかっていません（見つからないと application/octet-stream）。キーはドットなしの拡張子 \"{ext}\" で、ext はパスの最後の「.」より後ろです（本の path.rsplit(\".\", maxsplit=1)[-1]）"),
                    format!("{ext} was not found in MIME_TYPES (a miss gives application/octet-stream): its keys are extensions without the dot, \"{ext}\", and ext is what follows the path's last \".\" (the book's path.rsplit(\".\", maxsplit=1)[-1])"),
                ), Text::new(
                    format!("/{name} に application/octet-stream が返りました。first_or_octet_stream() が型を知らないときの値です。mime_guess::from_path には拡張子のついたファイルのパス（&file.path）を渡します"),
                    format!("/{name} came as application/octet-stream, what first_or_octet_stream() gives when it knows no type: give mime_guess::from_path the file's path with its extension, &file.path"),
                )),
                _ => Hint::new(Text::new(
                    format!("MIME_TYPES の \"{ext}\" を \"{media}\" にします"),
                    format!("make MIME_TYPES map \"{ext}\" to \"{media}\""),
                ), Text::new(
                    format!("get_content_type が .{ext} に {media} を返すようにします。mime_guess::from_path(path).first_or_octet_stream() なら拡張子から正しく選びます"),
                    format!("make get_content_type give {media} for .{ext}: mime_guess::from_path(path).first_or_octet_stream() picks it from the extension"),
                )),
            });
        }
    }
    let (ja, en): (Vec<String>, Vec<String>) =
        wrong.into_iter().map(|(_, _, _, p)| (p.ja, p.en)).unzip();
    Outcome::fail(Text::new(ja.join("。"), en.join("; ")), repro).because(causes)
}

fn not_found(ctx: &Ctx) -> Outcome {
    let missing = ctx.target.path(MISSING);
    let index = ctx.target.path("index.html");
    let repro = vec![curl(ctx, &missing), curl(ctx, &index)];
    let reply = match get(ctx, &missing) {
        Ok(reply) => reply,
        Err(err) => {
            let mut outcome = Outcome::failed_fetch(
                &err,
                Some(Text::new(missing.clone(), missing.clone())),
                repro,
            );
            if err.is_lost() {
                outcome.hint = vec![missing_file_advice(), causes::exception()];
            }
            return outcome;
        }
    };
    if reply.status != 404 {
        let causes = match reply.status {
            200 if looks_like_html(&reply.body) => vec![
                hint(
                    "ないファイルにも 200 を返しています。open が OSError を投げたら、except OSError: で response_line = \"HTTP/1.1 404 Not Found\\r\\n\" にします",
                    "a file that does not exist gets 200: when open raises OSError, set response_line = \"HTTP/1.1 404 Not Found\\r\\n\" in except OSError:",
                    "ないファイルにも 200 を返しています。common::open_static_file の Err(HttpError::NotFound) には Response::not_found() で答えます",
                    "a file that does not exist gets 200: answer common::open_static_file's Err(HttpError::NotFound) with Response::not_found()",
                ),
                ignores_path(),
            ],
            500.. => vec![missing_file_advice(), causes::exception()],
            _ => Vec::new(),
        };
        return Outcome::fail(
            Text::new(
                format!("{missing} に {} が返りました（404 のはず）", reply.status),
                format!("{missing} got {} instead of 404", reply.status),
            ),
            repro,
        )
        .because(causes);
    }
    if let Err(problem) = check_length(&reply, MISSING) {
        return Outcome::fail(problem, repro).because(vec![length_cause()]);
    }
    let context = Text::new(
        format!("404 のあとの {index}"),
        format!("{index} after the 404"),
    );
    match get(ctx, &index) {
        Ok(reply) if reply.status == 200 => Outcome::pass(
            Text::new(
                format!("{missing} に 404、そのあと {index} に 200"),
                format!("404 for {missing}, then 200 for {index}"),
            ),
            repro,
        ),
        Ok(reply) => Outcome::fail(
            context.then(&Text::new(
                format!("{} が返りました", reply.status),
                format!("got {}", reply.status),
            )),
            repro,
        ),
        Err(err) => Outcome::failed_fetch(&err, Some(context), repro),
    }
}

/// The command that sends bytes that are not HTTP, as printed: `curl -k
/// https://…` to the plain-HTTP port sends the start of a TLS handshake,
/// the same kind of bytes as [`NOT_HTTP`], and types the same in bash, zsh
/// and PowerShell.
pub fn not_http_command(ctx: &Ctx) -> Text {
    let line = format!("{CURL} -k --max-time 5 https://{}/", ctx.target.authority());
    Text::new(
        format!(
            "{line}   （HTTP の代わりに TLS のハンドシェイクの始まりを送ります。curl はエラーになりますが、サーバーが受け取るのは HTTP でないバイト列です）"
        ),
        format!(
            "{line}   (sends the start of a TLS handshake instead of HTTP; curl reports an error, the server gets bytes that are not HTTP)"
        ),
    )
}

fn garbage(ctx: &Ctx) -> Outcome {
    let index = ctx.target.path("index.html");
    let bytes = escape(NOT_HTTP);
    let repro = vec![
        not_http_command(ctx).into(),
        curl(ctx, &index).into(),
        Repro::Bytes(bytes),
    ];
    // Whatever the answer to garbage is (400, nothing, a closed connection),
    // only the next request matters; wait for it briefly.
    let first = match ctx.target.connect() {
        Ok(mut stream) => client::send_and_read(
            &mut stream,
            NOT_HTTP,
            Expect {
                timeout: Duration::from_secs(2),
                ..Expect::default()
            },
        ),
        Err(err) => return Outcome::failed_fetch(&err, None, repro),
    };
    // A whole sentence for what the garbage got, so that each language
    // reads as one: `…に 400 が返りました。そのあと…`.
    let answered = match &first {
        Ok(reply) => Text::new(
            format!("HTTP でないバイト列に {} が返りました", reply.status),
            format!("bytes that are not HTTP got {}", reply.status),
        ),
        Err(client::FetchError::NoAnswer(waited)) => Text::new(
            format!(
                "HTTP でないバイト列には {}待っても応答がありませんでした",
                dur(*waited).ja
            ),
            format!("bytes that are not HTTP: no answer in {}", dur(*waited).en),
        ),
        Err(client::FetchError::Closed) => Text::new(
            "HTTP でないバイト列には、応答せずに接続を閉じました",
            "bytes that are not HTTP: the server closed the connection without answering",
        ),
        Err(err) => Text::new("HTTP でないバイト列への応答", "bytes that are not HTTP")
            .then(&err.describe()),
    };
    let context = Text::new(
        format!("{}。そのあとの {index}", answered.ja),
        format!("{}; then {index}", answered.en),
    );
    match get(ctx, &index) {
        Ok(reply) if reply.status == 200 => Outcome::pass(
            Text::new(
                format!("{}。そのあと {index} に 200", answered.ja),
                format!("{}; then 200 for {index}", answered.en),
            ),
            repro,
        ),
        Ok(reply) => Outcome::fail(
            context.then(&Text::new(
                format!("{} が返りました", reply.status),
                format!("got {}", reply.status),
            )),
            repro,
        ),
        Err(err) => {
            let mut outcome = Outcome::failed_fetch(&err, Some(context), repro);
            outcome.hint = vec![garbage_advice()];
            if matches!(err, client::FetchError::NoAnswer(_)) {
                outcome.hint.push(hint(
                    "サーバーが HTTP でないバイト列の続き（空行）を待ち続けているかもしれません。読み込みにタイムアウトを付けます（client_socket.settimeout）",
                    "the server may still wait for the rest (an empty line) of the bytes that are not HTTP: give the read a timeout (client_socket.settimeout)",
                    "サーバーが HTTP でないバイト列の続き（空行）を待ち続けているかもしれません。accept したソケットを Connection::new(client_socket, config) で包めば、読み込みに --read-timeout が付きます",
                    "the server may still wait for the rest (an empty line) of the bytes that are not HTTP: wrap the accepted socket, Connection::new(client_socket, config), and its reads get the --read-timeout",
                ));
            }
            outcome
        }
    }
}
