//! Chapter 12's stages (with what chapter 11 built under them): the page,
//! answered again and again, with the right Content-Type, a 404, and a
//! server that survives a request that is not HTTP.

use std::time::Duration;

use crate::client::{self, Expect, Reply, dur, escape, fetch};
use crate::text::{CH11_404, CH11_FILE, CH12_LOOP, CH12_TYPES};
use crate::{Ctx, Group, Outcome, Repro, Stage, Text};

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
            advice: Text::new(
                "リクエストラインからパスを取り出し、static/ のファイルを読んで、200 OK と Content-Length を付けて返します",
                "take the path from the request line, read that file under static/, and answer 200 OK with its Content-Length",
            ),
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
            advice: Text::new(
                "accept からレスポンスの送信までを while True のループに入れ、1 回ごとにクライアントのソケットを閉じます",
                "put everything from accept to sending the response in a `while True` loop, closing the client's socket each time",
            ),
            run: repeat,
        },
        Stage {
            id: "content-type",
            group: Group::Basics,
            title: Text::new(
                "HTML・CSS・PNG に正しい Content-Type",
                "HTML, CSS and PNG come with the right Content-Type",
            ),
            source: CH12_TYPES,
            advice: Text::new(
                "拡張子から Content-Type を決めます（html → text/html、css → text/css、png → image/png）。ブラウザは text/css でない CSS を使いません",
                "pick Content-Type from the extension (html → text/html, css → text/css, png → image/png); a browser ignores a stylesheet that is not text/css",
            ),
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
            advice: Text::new(
                "ファイルを開けないとき（OSError）は 404 Not Found のページを返し、ループを続けます",
                "when the file cannot be opened (OSError), answer a 404 Not Found page and go on with the loop",
            ),
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
            advice: Text::new(
                "1 回分の処理を try / except で囲み、例外はログに出して次の accept に戻ります（本の 89-97行目）",
                "wrap one client's handling in try / except: log the exception and go back to accept (the book's lines 89-97)",
            ),
            run: garbage,
        },
    ]
}

/// `curl`, or `curl.exe` on Windows: in PowerShell, `curl` is an alias of
/// `Invoke-WebRequest`, which takes none of curl's options.
pub const CURL: &str = if cfg!(windows) { "curl.exe" } else { "curl" };

/// `curl -v URL` for a GET of `path`.
pub fn curl(ctx: &Ctx, path: &str) -> Text {
    let line = format!("{CURL} -v {}", ctx.target.url(path));
    Text::new(line.clone(), line)
}

/// The note for an answer after which the server left the connection open.
pub fn kept_open_note(reply: &Reply) -> Option<Text> {
    reply.kept_open.then(|| {
        Text::new(
            "。サーバーは応答のあとも接続を開いたままでした（リクエストは Connection: close で、本のサーバーは応答のたびに閉じます）",
            "; the server kept the connection open after the answer (the request said Connection: close; the book's server closes it after each answer)",
        )
    })
}

/// Checks one file's answer: 200, the media type, `Content-Length` against
/// the body, and the body (byte for byte with `--static-dir`, else its kind).
/// `Ok` is a short summary, `Err` the problem.
pub fn check_file(ctx: &Ctx, reply: &Reply, name: &str, media: &str) -> Result<Text, Text> {
    if reply.status != 200 {
        return Err(Text::new(
            format!("/{name} に {} が返りました（200 のはず）", reply.status),
            format!("/{name} got {} instead of 200", reply.status),
        ));
    }
    check_length(reply, name)?;
    let got = reply.media_type();
    if got.as_deref() != Some(media) {
        let got = got.unwrap_or_else(|| "(no Content-Type)".to_owned());
        return Err(Text::new(
            format!("/{name} の Content-Type が {got} です（{media} のはず）"),
            format!("/{name} came as {got} (expected {media})"),
        ));
    }
    let body = &reply.body;
    match ctx.files.get(name) {
        Some(expected) if body != expected => {
            return Err(Text::new(
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
            ));
        }
        Some(_) => {}
        None => check_kind(body, name, media)?,
    }
    Ok(Text::new(
        format!("{name} {media} {} バイト", body.len()),
        format!("{name} {media} {} bytes", body.len()),
    ))
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

/// Without the files to compare with: HTML looks like HTML, a PNG is a
/// whole PNG (signature first, IEND chunk last), CSS is text.
fn check_kind(body: &[u8], name: &str, media: &str) -> Result<(), Text> {
    let ok = match media {
        "text/html" => {
            let text = String::from_utf8_lossy(body).to_ascii_lowercase();
            text.contains("<html") || text.contains("<!doctype html")
        }
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

fn index(ctx: &Ctx) -> Outcome {
    let path = ctx.target.path("index.html");
    let repro = vec![curl(ctx, &path)];
    let reply = match fetch(
        ctx.target,
        &ctx.target.request("GET", &path),
        Expect::default(),
    ) {
        Ok(reply) => reply,
        Err(err) => return Outcome::failed_fetch(&err, None, repro),
    };
    match check_file(ctx, &reply, "index.html", "text/html") {
        Ok(summary) => {
            let took = dur(reply.elapsed);
            let mut measured = Text::new(
                format!("200、{}（{}）", summary.ja, took.ja),
                format!("200, {} ({})", summary.en, took.en),
            );
            if let Some(note) = kept_open_note(&reply) {
                measured = measured.join("", &note);
            }
            Outcome::pass(measured, repro)
        }
        Err(problem) => Outcome::fail(problem, repro),
    }
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
        let reply = match fetch(
            ctx.target,
            &ctx.target.request("GET", &path),
            Expect::default(),
        ) {
            Ok(reply) => reply,
            Err(err @ client::FetchError::Refused(_)) if i > 1 => {
                let mut outcome = Outcome::failed_fetch(&err, Some(context), repro);
                outcome.measured = outcome.measured.join(
                    " ",
                    &Text::new(
                        "（1 回応答して止まりました）",
                        "(it answered once and stopped)",
                    ),
                );
                return outcome;
            }
            Err(err) => return Outcome::failed_fetch(&err, Some(context), repro),
        };
        if let Err(problem) = check_file(ctx, &reply, "index.html", "text/html") {
            return Outcome::fail(context.then(&problem), repro);
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

fn content_types(ctx: &Ctx) -> Outcome {
    let mut repro = Vec::new();
    let mut seen = Vec::new();
    for (name, media) in FILES {
        let path = ctx.target.path(name);
        repro.push(curl(ctx, &path));
        let reply = match fetch(
            ctx.target,
            &ctx.target.request("GET", &path),
            Expect::default(),
        ) {
            Ok(reply) => reply,
            Err(err) => {
                return Outcome::failed_fetch(
                    &err,
                    Some(Text::new(format!("/{name}"), format!("/{name}"))),
                    repro,
                );
            }
        };
        match check_file(ctx, &reply, name, media) {
            Ok(_) => seen.push(format!("{name} {media}")),
            Err(problem) => return Outcome::fail(problem, repro),
        }
    }
    Outcome::pass(Text::new(seen.join("、"), seen.join(", ")), repro)
}

fn not_found(ctx: &Ctx) -> Outcome {
    let missing = ctx.target.path(MISSING);
    let index = ctx.target.path("index.html");
    let repro = vec![curl(ctx, &missing), curl(ctx, &index)];
    let reply = match fetch(
        ctx.target,
        &ctx.target.request("GET", &missing),
        Expect::default(),
    ) {
        Ok(reply) => reply,
        Err(err) => {
            return Outcome::failed_fetch(
                &err,
                Some(Text::new(missing.clone(), missing.clone())),
                repro,
            );
        }
    };
    if reply.status != 404 {
        return Outcome::fail(
            Text::new(
                format!("{missing} に {} が返りました（404 のはず）", reply.status),
                format!("{missing} got {} instead of 404", reply.status),
            ),
            repro,
        );
    }
    if let Err(problem) = check_length(&reply, MISSING) {
        return Outcome::fail(problem, repro);
    }
    let context = Text::new(
        format!("404 のあとの {index}"),
        format!("{index} after the 404"),
    );
    match fetch(
        ctx.target,
        &ctx.target.request("GET", &index),
        Expect::default(),
    ) {
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

fn garbage(ctx: &Ctx) -> Outcome {
    let index = ctx.target.path("index.html");
    let bytes = escape(NOT_HTTP);
    let repro = vec![Repro::Bytes(bytes), curl(ctx, &index).into()];
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
    match fetch(
        ctx.target,
        &ctx.target.request("GET", &index),
        Expect::default(),
    ) {
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
        Err(err) => Outcome::failed_fetch(&err, Some(context), repro),
    }
}
