//! Beyond the book (`--beyond`): what a server on a real network must do and
//! the book's code does not. Its code is not expected to pass these; each
//! stage's advice says why it matters.

use std::io::Write;
use std::path::Path;
use std::thread;
use std::time::Duration;

use crate::basics::{CURL, check_file, check_length, curl};
use crate::causes::hint;
use crate::client::{Expect, FetchError, dur, escape, fetch, read_answer};
use crate::text::BEYOND;
use crate::{Ctx, Group, Hint, Outcome, Repro, Stage, Text};

/// Requests that climb out of the served folder.
const TRAVERSALS: [&str; 4] = [
    "/../../../../../../../../etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/..\\..\\..\\..\\..\\..\\..\\..\\Windows\\win.ini",
];
/// Bytes of padding in the long request: with the rest, over 4096.
const PADDING: usize = 5000;
/// The split request goes out in this many pieces.
const PIECES: usize = 12;

fn stage(id: &'static str, title: Text, advice: Hint, run: fn(&Ctx) -> Outcome) -> Stage {
    Stage {
        id,
        group: Group::Beyond,
        title,
        source: BEYOND,
        advice,
        needs: &["index"],
        run,
    }
}

/// The stages.
pub fn stages() -> Vec<Stage> {
    vec![
        stage(
            "traversal",
            Text::new(
                "公開フォルダーの外のファイルを返さない",
                "no file outside the served folder",
            ),
            hint(
                "os.path.join(STATIC_ROOT, path) は /../ で外に出られます。正規化したパスが STATIC_ROOT の中にあるか確かめます。これがないと、誰でもサーバーの任意のファイルを読めます",
                "os.path.join(STATIC_ROOT, path) climbs out with /../: check that the normalised path is still under STATIC_ROOT; without that, anyone can read any file of the machine",
                "common::open_static_file(&config.static_root, &request.path) は公開フォルダーの外に出るパスを 404 にします。パスを自分で結合するなら、正規化したパスが static_root の中にあるか確かめます。これがないと、誰でもサーバーの任意のファイルを読めます",
                "common::open_static_file(&config.static_root, &request.path) answers 404 to a path out of the served folder; joining paths yourself, check that the normalised path is still under static_root; without that, anyone can read any file of the machine",
            ),
            traversal,
        ),
        stage(
            "head",
            Text::new("HEAD にはヘッダーだけ", "HEAD gets the headers only"),
            hint(
                "HEAD には GET と同じヘッダーを返し、本文は送りません。curl -I やリンクチェッカー、キャッシュが使います",
                "answer HEAD with GET's headers and no body; curl -I, link checkers and caches use it",
                "HEAD には GET と同じヘッダーを返し、本文は送りません。Connection::new で包んだソケットは HEAD のリクエストを覚えていて、response.send(&client_socket) が本文を省きます。curl -I やリンクチェッカー、キャッシュが使います",
                "answer HEAD with GET's headers and no body: the socket wrapped in Connection::new remembers a HEAD request, and response.send(&client_socket) leaves the body out; curl -I, link checkers and caches use it",
            ),
            head,
        ),
        stage(
            "malformed",
            Text::new("壊れたリクエストに 400", "a malformed request gets 400"),
            hint(
                "解釈できないリクエストには 400 Bad Request を返します。何も返さずに閉じると、クライアントには理由が分かりません",
                "answer 400 Bad Request to what cannot be parsed; closing without a word leaves the client guessing",
                "解釈できないリクエストには 400 Bad Request を返します。common::receive_request の Err を common::report_error(&client_socket, &err) に渡すと 400 を送ります。何も返さずに閉じると、クライアントには理由が分かりません",
                "answer 400 Bad Request to what cannot be parsed: common::report_error(&client_socket, &err) sends it for common::receive_request's Err; closing without a word leaves the client guessing",
            ),
            malformed,
        ),
        stage(
            "method",
            Text::new(
                "ほかのメソッドに 405 か 501",
                "another method gets 405 or 501",
            ),
            hint(
                "GET と HEAD しか扱わないなら、DELETE などには 405 Method Not Allowed（または 501）を返します。200 を返すと、削除できたとクライアントが思います",
                "a server that only serves GET and HEAD answers DELETE and the like with 405 Method Not Allowed (or 501); a 200 tells the client it worked",
                "GET と HEAD しか扱わないなら、DELETE などには 405 Method Not Allowed（または 501）を返します。common::receive_request はほかのメソッドを Err にし、common::report_error がそれに答えます。200 を返すと、削除できたとクライアントが思います",
                "a server that only serves GET and HEAD answers DELETE and the like with 405 Method Not Allowed (or 501): common::receive_request makes another method an Err, which common::report_error answers; a 200 tells the client it worked",
            ),
            method,
        ),
        stage(
            "split",
            Text::new(
                "何回にも分かれて届くリクエスト",
                "a request split over many packets",
            ),
            hint(
                "recv(4096) を 1 回呼ぶだけでは、分かれて届いたリクエストの最初の断片しか読めません。空行（\\r\\n\\r\\n）が来るまで読み足します",
                "one recv(4096) reads only the first piece of a request that arrives in pieces; read on until the empty line (\\r\\n\\r\\n)",
                "1 回の read では、分かれて届いたリクエストの最初の断片しか読めません。common::receive_request(&mut client_socket) は空行（\\r\\n\\r\\n）が来るまで読み足します",
                "one read gets only the first piece of a request that arrives in pieces; common::receive_request(&mut client_socket) reads on until the empty line (\\r\\n\\r\\n)",
            ),
            split,
        ),
        stage(
            "long-request",
            Text::new(
                "4096 バイトを超えるリクエスト",
                "a request longer than 4096 bytes",
            ),
            hint(
                "recv(4096) は 4096 バイトで切れます。長い Cookie やヘッダーを持つブラウザのリクエストは普通にこの長さになります",
                "recv(4096) cuts at 4096 bytes; a browser with long cookies or headers sends requests this long every day",
                "4096 バイトのバッファーに 1 回 read するだけでは、4096 バイトで切れます。common::receive_request(&mut client_socket) は上限まで読み足します。長い Cookie やヘッダーを持つブラウザのリクエストは普通にこの長さになります",
                "a single read into a 4096-byte buffer cuts at 4096 bytes; common::receive_request(&mut client_socket) reads on up to its limit; a browser with long cookies or headers sends requests this long every day",
            ),
            long_request,
        ),
        stage(
            "large-file",
            Text::new("大きなファイルが欠けずに届く", "a large file arrives whole"),
            hint(
                "socket.send() は一部しか送らないことがあります。sendall() を使うか、送れたバイト数を確かめて送り続けます",
                "socket.send() may send only part: use sendall(), or check how much was sent and go on",
                "write は一部しか書かないことがあります。response.send(&client_socket) はファイルを最後まで書きます。自分で書くなら write_all を使います",
                "write may write only part: response.send(&client_socket) writes the whole file; writing it yourself, use write_all",
            ),
            large_file,
        ),
    ]
}

fn traversal(ctx: &Ctx) -> Outcome {
    let repro: Vec<Text> = TRAVERSALS
        .iter()
        .map(|path| {
            let line = format!("{CURL} -v --path-as-is '{}'", ctx.target.url(path));
            Text::new(line.clone(), line)
        })
        .collect();
    let mut answers = Vec::new();
    for path in TRAVERSALS {
        match fetch(
            ctx.target,
            &ctx.target.request("GET", path),
            Expect::default(),
        ) {
            Ok(reply) if (200..300).contains(&reply.status) => {
                return Outcome::fail(
                    Text::new(
                        format!(
                            "{path} に {} と {} バイトが返りました：公開フォルダーの外のファイルが読めます",
                            reply.status,
                            reply.body.len()
                        ),
                        format!(
                            "{path} got {} and {} bytes: files outside the served folder can be read",
                            reply.status,
                            reply.body.len()
                        ),
                    ),
                    repro,
                );
            }
            Ok(reply) => answers.push(reply.status.to_string()),
            Err(err) if err.is_unresponsive() => {
                return Outcome::failed_fetch(&err, Some(Text::new(path, path)), repro);
            }
            Err(_) => answers.push("-".to_owned()),
        }
    }
    let answers = answers.join(", ");
    Outcome::pass(
        Text::new(
            format!(
                "/../ やエンコードした %2e%2e の {} 通りに {answers}",
                TRAVERSALS.len()
            ),
            format!(
                "{} ways up with /../ and encoded %2e%2e: {answers}",
                TRAVERSALS.len()
            ),
        ),
        repro,
    )
}

fn head(ctx: &Ctx) -> Outcome {
    let path = ctx.target.path("index.html");
    let line = format!("{CURL} -I {}", ctx.target.url(&path));
    let repro = vec![Text::new(line.clone(), line)];
    let expect = Expect {
        head_only: true,
        ..Expect::default()
    };
    let reply = match fetch(ctx.target, &ctx.target.request("HEAD", &path), expect) {
        Ok(reply) => reply,
        Err(err) => return Outcome::failed_fetch(&err, None, repro),
    };
    let problem = if reply.status != 200 {
        Some(Text::new(
            format!("{} が返りました（200 のはず）", reply.status),
            format!("got {} instead of 200", reply.status),
        ))
    } else if !reply.body.is_empty() {
        Some(Text::new(
            format!("HEAD に本文が {} バイト付いてきました", reply.body.len()),
            format!("HEAD got a body of {} bytes", reply.body.len()),
        ))
    } else if reply.content_length().unwrap_or(0) == 0 {
        Some(Text::new(
            "HEAD の応答に GET と同じ Content-Length がありません",
            "the answer to HEAD lacks GET's Content-Length",
        ))
    } else {
        None
    };
    match problem {
        Some(problem) => Outcome::fail(problem, repro),
        None => Outcome::pass(
            Text::new(
                format!(
                    "200、Content-Length {}、本文なし",
                    reply.content_length().unwrap_or(0)
                ),
                format!(
                    "200, Content-Length {}, no body",
                    reply.content_length().unwrap_or(0)
                ),
            ),
            repro,
        ),
    }
}

/// Sends `raw` and expects one of `statuses`.
fn expect_status(
    ctx: &Ctx,
    raw: &[u8],
    statuses: &[u16],
    what: Text,
    repro: Vec<Repro>,
) -> Outcome {
    let wanted: Vec<String> = statuses.iter().map(ToString::to_string).collect();
    let wanted = wanted.join(" / ");
    match fetch(ctx.target, raw, Expect::default()) {
        Ok(reply) if statuses.contains(&reply.status) => Outcome::pass(
            Text::new(
                format!("{}に {}", what.ja, reply.status),
                format!("{}: {}", what.en, reply.status),
            ),
            repro,
        ),
        Ok(reply) => Outcome::fail(
            Text::new(
                format!(
                    "{}に {} が返りました（{wanted} のはず）",
                    what.ja, reply.status
                ),
                format!("{}: got {} instead of {wanted}", what.en, reply.status),
            ),
            repro,
        ),
        Err(err) => {
            let mut outcome = Outcome::failed_fetch(&err, Some(what), repro);
            outcome.unresponsive = matches!(err, FetchError::Refused(_));
            outcome
        }
    }
}

fn malformed(ctx: &Ctx) -> Outcome {
    let path = ctx.target.path("index.html");
    let raw = format!(
        "GET {path} HTTP/1.1\r\nHost {}\r\nConnection: close\r\n\r\n",
        ctx.target.authority()
    );
    let telnet = format!("{CURL} telnet://{}", ctx.target.authority());
    let typed = format!("GET {path} HTTP/1.1 / Host {}", ctx.target.authority());
    let repro = vec![
        Repro::Command(Text::new(
            format!("{telnet}   （{typed} と 1 行ずつ打ち、空行で終える。2 行目は「:」なし）"),
            format!(
                "{telnet}   (type {typed}, one line each, then an empty line; no `:` on the second)"
            ),
        )),
        Repro::Bytes(escape(raw.as_bytes())),
    ];
    let what = Text::new("コロンのないヘッダー行", "a header line without a colon");
    expect_status(ctx, raw.as_bytes(), &[400], what, repro)
}

fn method(ctx: &Ctx) -> Outcome {
    let path = ctx.target.path("index.html");
    let line = format!("{CURL} -v -X DELETE {}", ctx.target.url(&path));
    let what = Text::new(format!("DELETE {path} "), format!("DELETE {path}"));
    expect_status(
        ctx,
        &ctx.target.request("DELETE", &path),
        &[405, 501],
        what,
        vec![Text::new(line.clone(), line).into()],
    )
}

fn split(ctx: &Ctx) -> Outcome {
    let path = ctx.target.path("index.html");
    let request = ctx.target.request("GET", &path);
    let repro = vec![Text::new(
        format!(
            "{CURL} telnet://{}   （リクエストを 1 行ずつ手で打つ）",
            ctx.target.authority()
        ),
        format!(
            "{CURL} telnet://{}   (type the request line by line)",
            ctx.target.authority()
        ),
    )];
    let mut stream = match ctx.target.connect() {
        Ok(stream) => stream,
        Err(err) => return Outcome::failed_fetch(&err, None, repro),
    };
    let _ = stream.set_nodelay(true);
    let started = std::time::Instant::now();
    let size = request.len().div_ceil(PIECES);
    for piece in request.chunks(size) {
        if stream.write_all(piece).is_err() {
            break; // the server gave up; read what it said
        }
        thread::sleep(Duration::from_millis(40));
    }
    match read_answer(&mut stream, started, Expect::default()) {
        Ok(reply) => match check_file(ctx, &reply, "index.html", "text/html") {
            Ok(_) => Outcome::pass(
                Text::new(
                    format!(
                        "{PIECES} 回に分けて 40 ミリ秒おきに送ったリクエストに 200（{}）",
                        dur(reply.elapsed).ja
                    ),
                    format!(
                        "a request sent in {PIECES} pieces, 40 ms apart: 200 ({})",
                        dur(reply.elapsed).en
                    ),
                ),
                repro,
            ),
            Err(problem) => Outcome::fail(problem, repro),
        },
        Err(err) => {
            let context = Text::new(
                format!("{PIECES} 回に分けて送ったリクエスト"),
                format!("a request sent in {PIECES} pieces"),
            );
            let mut outcome = Outcome::failed_fetch(&err, Some(context), repro);
            outcome.unresponsive = matches!(err, FetchError::Refused(_));
            outcome
        }
    }
}

fn long_request(ctx: &Ctx) -> Outcome {
    let path = ctx.target.path("index.html");
    let raw = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nX-Padding: {}\r\nConnection: close\r\n\r\n",
        ctx.target.authority(),
        "a".repeat(PADDING)
    );
    // No shell builds a 5000-byte value the same way: the value is said in
    // words, beside a command that runs anywhere once it is pasted in.
    let line = format!(
        "{CURL} -v -H \"X-Padding: aaaa…\" {}",
        ctx.target.url(&path)
    );
    let repro = vec![Text::new(
        format!("{line}   （aaaa… は a を {PADDING} 個並べたもの）"),
        format!("{line}   (aaaa…: the letter a, {PADDING} times)"),
    )];
    let what = Text::new(
        format!("{} バイトのリクエスト", raw.len()),
        format!("a request of {} bytes", raw.len()),
    );
    match fetch(ctx.target, raw.as_bytes(), Expect::default()) {
        Ok(reply) => match check_file(ctx, &reply, "index.html", "text/html") {
            Ok(_) => Outcome::pass(
                Text::new(format!("{}に 200", what.ja), format!("{}: 200", what.en)),
                repro,
            ),
            Err(problem) => Outcome::fail(what.then(&problem), repro),
        },
        Err(err) => {
            let mut outcome = Outcome::failed_fetch(&err, Some(what), repro);
            outcome.unresponsive = matches!(err, FetchError::Refused(_));
            outcome
        }
    }
}

fn large_file(ctx: &Ctx) -> Outcome {
    let (name, expected) = match &ctx.files.largest {
        Some((name, bytes)) => (name.clone(), Some(bytes.as_slice())),
        None => ("logo.png".to_owned(), None),
    };
    let path = ctx.target.path(&name);
    let repro =
        vec![curl(ctx, &path).join(" ", &Text::new("-o 受け取ったファイル", "-o received-file"))];
    let expect = Expect {
        timeout: Duration::from_secs(8),
        cap: expected.map_or(crate::client::RESPONSE_CAP, |e| e.len() + 64 * 1024),
        ..Expect::default()
    };
    let reply = match fetch(ctx.target, &ctx.target.request("GET", &path), expect) {
        Ok(reply) => reply,
        Err(err) => return Outcome::failed_fetch(&err, Some(Text::new(path.clone(), path)), repro),
    };
    if let Err(problem) = check_length(&reply, &name) {
        return Outcome::fail(problem, repro);
    }
    match expected {
        Some(expected) if reply.status == 200 && reply.body == expected => Outcome::pass(
            Text::new(
                format!(
                    "{path}（{} バイト）が --static-dir のファイルとバイト単位で一致（{}）",
                    expected.len(),
                    dur(reply.elapsed).ja
                ),
                format!(
                    "{path} ({} bytes) is byte for byte the file in --static-dir ({})",
                    expected.len(),
                    dur(reply.elapsed).en
                ),
            ),
            repro,
        ),
        Some(expected) => Outcome::fail(
            Text::new(
                format!(
                    "{path}：{} と {} バイトが返りました。ファイルは {} バイトで、中身が一致しません",
                    reply.status,
                    reply.body.len(),
                    expected.len()
                ),
                format!(
                    "{path}: got {} and {} bytes; the file has {} bytes, and they differ",
                    reply.status,
                    reply.body.len(),
                    expected.len()
                ),
            ),
            repro,
        ),
        None => match check_file(ctx, &reply, "logo.png", "image/png") {
            Ok(_) => Outcome::pass(
                Text::new(
                    format!(
                        "logo.png（{} バイト）が PNG として最後（IEND）まで届きました。大きなファイルは --static-dir で確かめられます",
                        reply.body.len()
                    ),
                    format!(
                        "logo.png ({} bytes) arrived whole, to its IEND chunk; give --static-dir to check a larger file",
                        reply.body.len()
                    ),
                ),
                repro,
            ),
            Err(problem) => Outcome::fail(problem, repro),
        },
    }
}

/// The largest regular file under `dir` (three levels deep at most): its
/// URL path relative to the folder, percent-encoded, and its bytes.
pub fn largest_file(dir: &Path) -> Option<(String, Vec<u8>)> {
    let mut best: Option<(u64, Vec<String>)> = None;
    let mut stack = vec![(dir.to_path_buf(), Vec::<String>::new())];
    while let Some((folder, parts)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let Ok(meta) = entry.metadata() else { continue };
            let mut here = parts.clone();
            here.push(name);
            if meta.is_dir() && here.len() < 3 {
                stack.push((entry.path(), here));
            } else if meta.is_file() && best.as_ref().is_none_or(|(size, _)| meta.len() > *size) {
                best = Some((meta.len(), here));
            }
        }
    }
    let (_, parts) = best?;
    let bytes = std::fs::read(parts.iter().fold(dir.to_path_buf(), |p, s| p.join(s))).ok()?;
    let encoded: Vec<String> = parts.iter().map(|p| encode(p)).collect();
    Some((encoded.join("/"), bytes))
}

/// Percent-encodes all but the characters a path segment may hold as is.
fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_file_is_found_and_its_name_encoded() {
        let dir = std::env::temp_dir().join(format!("checker-largest-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub dir")).expect("mkdir");
        std::fs::write(dir.join("small.txt"), b"x").expect("write");
        std::fs::write(dir.join("sub dir/big file.bin"), vec![7u8; 3000]).expect("write");
        let (name, bytes) = largest_file(&dir).expect("found");
        assert_eq!(name, "sub%20dir/big%20file.bin");
        assert_eq!(bytes.len(), 3000);
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
