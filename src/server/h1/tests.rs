use super::*;
use http::header;

fn buf(s: &str) -> BytesMut {
    BytesMut::from(s.as_bytes())
}

/// What `take_request` makes of `input`, with the buffer afterwards.
fn take(input: &str) -> (Take, BytesMut) {
    let mut b = buf(input);
    let t = take_request(&mut b);
    (t, b)
}

#[test]
fn requests_it_does_not_serve_are_left_whole_for_hyper() {
    let cases = [
        ("GET / HTTP/1.0\r\nHost: a\r\n\r\n", "HTTP/1.0"),
        (
            "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n",
            "a target not in origin form",
        ),
        (
            "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
            "a target not in origin form",
        ),
        (
            "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
            "a target not in origin form",
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "a request body in chunks",
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\ntransfer-encoding: gzip, chunked\r\n\r\n",
            "a request body in chunks",
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc",
            "a request body in chunks",
        ),
        (
            "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
            "Expect",
        ),
        (
            "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
            "an upgrade",
        ),
        (
            "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\n\r\n",
            "an upgrade",
        ),
        (
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, upgrade\r\n\r\n",
            "an upgrade",
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
            "a bad Content-Length",
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\nx",
            "a bad Content-Length",
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 1\r\n\r\nx",
            "a bad Content-Length",
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
            "a bad Content-Length",
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 65537\r\n\r\n",
            "a large request body",
        ),
        (
            "GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n",
            "a malformed head",
        ),
        (
            "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n",
            "a malformed head",
        ),
        ("GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", "a malformed head"),
        (
            "\x16\x03\x01\x02\x00\x01\x00\x01\x7e\x03\x03",
            "a malformed head",
        ),
        (
            "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
            "a malformed head",
        ),
    ];
    for (input, reason) in cases {
        let (t, rest) = take(input);
        match t {
            Take::Hyper(why) => assert_eq!(why, reason, "{input:?}"),
            Take::More | Take::MoreBody(_) => panic!("{input:?}: asked for more"),
            Take::Request(_) => panic!("{input:?}: taken by the fast path"),
        }
        assert_eq!(
            &rest[..],
            input.as_bytes(),
            "{input:?}: bytes left as they were"
        );
    }
}

#[test]
fn heads_over_the_limit_or_with_too_many_fields_go_to_hyper() {
    let big = format!(
        "GET / HTTP/1.1\r\nHost: a\r\nX-Big: {}\r\n\r\n",
        "a".repeat(MAX_HEAD)
    );
    assert!(matches!(take(&big).0, Take::Hyper("a large head")));
    // Unfinished but already over the limit: no point waiting.
    let unfinished = format!("GET / HTTP/1.1\r\nX-Big: {}", "a".repeat(MAX_HEAD + 1));
    assert!(matches!(take(&unfinished).0, Take::Hyper("a large head")));
    let many: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: 1\r\n")).collect();
    let many = format!("GET / HTTP/1.1\r\nHost: a\r\n{many}\r\n");
    assert!(matches!(take(&many).0, Take::Hyper("a large head")));
    // Just under both limits: served here.
    let fields: String = (0..MAX_HEADERS - 1)
        .map(|i| format!("X-{i}: 1\r\n"))
        .collect();
    let ok = format!("GET / HTTP/1.1\r\nHost: a\r\n{fields}\r\n");
    assert!(matches!(take(&ok).0, Take::Request(_)));
}

#[test]
fn unfinished_requests_wait_for_more_bytes() {
    for (input, body_coming) in [
        ("G", false),
        ("GET / HTTP/1.1\r\n", false),
        ("GET / HTTP/1.1\r\nHost: a\r\n", false),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
            true,
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nabcd",
            true,
        ),
    ] {
        let (t, rest) = take(input);
        match t {
            Take::More => assert!(!body_coming, "{input:?}"),
            Take::MoreBody(_) => assert!(body_coming, "{input:?}"),
            _ => panic!("{input:?}: not waiting"),
        }
        assert_eq!(&rest[..], input.as_bytes());
    }
}

#[test]
fn a_whole_request_is_taken_with_its_body_and_what_follows_stays() {
    let input = "POST /a/b?x=1&y=%20 HTTP/1.1\r\nHost: app.example.com\r\nCookie: a=1\r\nX-Two: 1\r\nx-two: 2\r\nContent-Length: 5\r\n\r\nhelloGET /next HTTP/1.1\r\n";
    let (t, rest) = take(input);
    let Take::Request(t) = t else {
        panic!("not taken")
    };
    assert_eq!(t.req.method(), Method::POST);
    assert_eq!(t.req.uri().path(), "/a/b");
    assert_eq!(t.req.uri().query(), Some("x=1&y=%20"));
    let h = t.req.headers();
    assert_eq!(h.get(header::HOST).unwrap(), "app.example.com");
    let two: Vec<_> = h.get_all("x-two").iter().collect();
    assert_eq!(two, ["1", "2"], "repeated fields kept, in order");
    assert_eq!(&t.body[..], b"hello");
    assert!(!t.close);
    assert_eq!(
        &rest[..],
        b"GET /next HTTP/1.1\r\n",
        "the next request stays"
    );

    // Connection: close is seen among other tokens, in any case.
    let (t, _) = take("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Close\r\n\r\n");
    assert!(matches!(t, Take::Request(Taken { close: true, .. })));
    // HEAD and other methods are served; extension methods too.
    for m in ["HEAD", "DELETE", "OPTIONS", "PATCH", "PROPFIND"] {
        let (t, _) = take(&format!("{m} / HTTP/1.1\r\nHost: a\r\n\r\n"));
        let Take::Request(t) = t else {
            panic!("{m} not taken")
        };
        assert_eq!(t.req.method().as_str(), m);
    }
}

#[test]
fn a_buffer_is_whole_again_once_a_request_taken_from_it_is_dropped() {
    let mut b = buffer();
    b.extend_from_slice(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    let cap = b.capacity();
    let Take::Request(t) = take_request(&mut b) else {
        panic!("not taken")
    };
    assert!(b.capacity() < cap, "the head is split off the same storage");
    drop(t);
    assert!(b.try_reclaim(cap), "reclaimed in place");
    assert_eq!(b.capacity(), cap);
}

#[tokio::test]
async fn a_rewound_connection_reads_what_was_read_before_then_the_socket() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut peer = TcpStream::connect(addr).await.unwrap();
    let (ours, _) = listener.accept().await.unwrap();
    let mut r = Rewind {
        pre: Bytes::from_static(b"before "),
        io: ours,
    };
    peer.write_all(b"after").await.unwrap();
    drop(peer);
    let mut got = String::new();
    r.read_to_string(&mut got).await.unwrap();
    assert_eq!(got, "before after");
}

#[test]
fn field_names_are_lower_cased_whether_known_or_not() {
    for (raw, want) in [
        ("X-Forwarded-Proto", "x-forwarded-proto"),
        ("x-forwarded-uri", "x-forwarded-uri"),
        ("X-ORIGINAL-URL", "x-original-url"),
        ("X-Forwarded-Protocol", "x-forwarded-protocol"),
        ("X-Forwarded-Prot", "x-forwarded-prot"),
        ("Cookie", "cookie"),
        ("X", "x"),
        ("Remote_User", "remote_user"),
    ] {
        assert_eq!(header_name(raw.as_bytes()).unwrap().as_str(), want, "{raw}");
    }
    assert!(header_name(b"bad name").is_none());
    assert!(header_name(b"").is_none());
}

/// A head trickled in a byte at a time is parsed again only when the new
/// bytes may end it (and on its first byte), yet never missed: for heads
/// with CRLF, bare LF and mixed line ends, fed one byte at a time, the
/// last byte is always found worth a parse, and nearly all before it not.
#[test]
fn a_trickled_head_is_parsed_only_when_it_may_end() {
    for head in [
        &b"GET / HTTP/1.1\r\nHost: a\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"[..],
        b"GET / HTTP/1.1\nHost: a\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaa\n\n",
        b"GET / HTTP/1.1\r\nHost: a\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaa\n\r\n",
    ] {
        let mut scanned = 0;
        let mut parses = 0;
        for n in 1..=head.len() {
            let worth = head_may_end(&head[..n], &mut scanned);
            if worth {
                parses += 1;
            }
            if n == head.len() {
                assert!(
                    worth,
                    "{:?}: the last byte ends the head",
                    String::from_utf8_lossy(head)
                );
            }
        }
        assert!(
            parses <= 3,
            "{:?}: parsed {parses} times",
            String::from_utf8_lossy(head)
        );
        // Several bytes at once: the end is found wherever the reads split it.
        for split in 1..head.len() {
            let mut scanned = 0;
            let _ = head_may_end(&head[..split], &mut scanned);
            assert!(head_may_end(head, &mut scanned), "split at {split}");
        }
    }
}
