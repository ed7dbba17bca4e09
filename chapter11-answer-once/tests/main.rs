//! Every test of `chapter11-answer-once`, in one test binary: the starting
//! point of chapter 12 does what the book's chapter 11 does, against its real
//! binary on a free port.

mod answer_once {
    //! One request answered, then the server stops: the problem chapter 12 solves.

    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    use test_support::{Server, read_reply, request, static_file};

    const BIN: &str = env!("CARGO_BIN_EXE_chapter11-answer-once");

    /// How long the server may take to exit after its one answer: only one
    /// that keeps serving comes near it.
    const EXIT: Duration = Duration::from_secs(20);

    #[test]
    fn answers_the_first_client_then_exits_and_refuses_the_next() {
        let mut server = Server::start(BIN, &[]);
        // Two clients in the queue before the server takes one: the first
        // connected is the one it answers.
        let mut first = server.connect();
        let mut second = server.connect();
        first
            .write_all(request("GET", "/index.html").as_bytes())
            .expect("send the request");
        let reply = read_reply(&mut first);
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, static_file("index.html"));

        let status = server
            .wait_exit(EXIT)
            .unwrap_or_else(|| panic!("still running after one answer; log:\n{:#?}", server.log()));
        assert!(status.success(), "{status:?}; log:\n{:#?}", server.log());
        // The second client, though connected, never gets an answer: the
        // connection ends (closed or reset) with nothing in it.
        second
            .set_read_timeout(Some(EXIT))
            .expect("set a read timeout");
        let mut rest = Vec::new();
        let _ = second.read_to_end(&mut rest);
        assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
        // And nothing listens any more.
        assert!(
            TcpStream::connect(server.addr).is_err(),
            "a new connection to {} was accepted after the server stopped",
            server.addr
        );
    }

    #[test]
    fn logs_like_the_book() {
        let mut server = Server::start(BIN, &[]);
        let reply = server.get("/index.html");
        assert_eq!(reply.status, 200);
        server.wait_exit(EXIT).expect("exits after one answer");
        server.wait_for_log("=== サーバーを停止します。 ===", EXIT);
        let expected = [
            "=== サーバーを起動します ===",
            "=== クライアントからの接続を待ちます ===",
            "=== クライアントとの接続が完了しました remote_address: ",
            "=== サーバーを停止します。 ===",
        ];
        let log = server.log();
        let found: Vec<usize> = expected
            .iter()
            .map(|line| {
                log.iter()
                    .position(|l| l.contains(line))
                    .unwrap_or_else(|| panic!("no {line:?} in the log:\n{log:#?}"))
            })
            .collect();
        assert!(found.is_sorted(), "out of order: {found:?}\n{log:#?}");
        assert_eq!(
            log.iter().filter(|l| l.contains("接続を待ちます")).count(),
            1,
            "it waits for one client only:\n{log:#?}"
        );
    }

    #[test]
    fn sends_every_file_as_html() {
        // Chapter 11's other flaw: the stylesheet and the logo go out as
        // text/html, so a browser would not use them.
        for (path, file) in [("/index.css", "index.css"), ("/logo.png", "logo.png")] {
            let mut server = Server::start(BIN, &[]);
            let reply = server.get(path);
            assert_eq!(reply.status, 200, "{path}");
            assert_eq!(reply.body, static_file(file), "{path}");
            let content_type = reply.header("Content-Type").unwrap_or_default();
            assert!(
                content_type.starts_with("text/html"),
                "{path}: Content-Type {content_type:?}"
            );
            server.wait_exit(EXIT).expect("exits after one answer");
        }
    }
}
