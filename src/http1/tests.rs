use super::*;

use crate::fuzz::unchunk_own as unchunk;

/// Feed `input` to a decoder in pieces of `step` bytes (as reads would
/// bring it); the decoded data, whether it ended, and bytes left after.
fn decode_in_steps(input: &[u8], step: usize) -> Result<(Vec<u8>, bool, Vec<u8>), &'static str> {
    let mut d = Chunked::default();
    let mut buf = BytesMut::new();
    let mut out = BytesMut::new();
    let mut done = false;
    for piece in input.chunks(step.max(1)) {
        buf.extend_from_slice(piece);
        if d.decode(&mut buf, &mut out)? {
            done = true;
            break;
        }
    }
    if done {
        // The rest of the input after the end stays unread.
        let consumed = input.len() - buf.len();
        buf = BytesMut::from(&input[consumed..]);
    }
    let (data, ended) = unchunk(&out);
    assert_eq!(ended, done, "the end is written exactly when it is reached");
    Ok((data, done, buf.to_vec()))
}

#[test]
fn chunked_bodies_decode_the_same_whatever_the_reads() {
    let cases: [(&[u8], &[u8]); 6] = [
        (b"5\r\nhello\r\n0\r\n\r\n", b"hello"),
        (b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", b"hello world"),
        // Extensions, upper-case hex, blanks before an extension.
        (
            b"A;name=value\r\n0123456789\r\n1 ;x\r\n!\r\n0;last\r\n\r\n",
            b"0123456789!",
        ),
        // Trailers are read and dropped.
        (
            b"3\r\nabc\r\n0\r\nX-Checksum: 1\r\nX-Other: 2\r\n\r\n",
            b"abc",
        ),
        (b"0\r\n\r\n", b""),
        (b"000003\r\nabc\r\n0\r\n\r\n", b"abc"),
    ];
    for (input, want) in cases {
        for step in 1..=input.len() {
            let (data, done, rest) = decode_in_steps(input, step).unwrap();
            assert!(
                done,
                "{:?} in steps of {step}",
                String::from_utf8_lossy(input)
            );
            assert_eq!(
                data,
                want,
                "{:?} in steps of {step}",
                String::from_utf8_lossy(input)
            );
            assert!(rest.is_empty());
        }
    }
    // What follows the end (a pipelined answer) is left in the buffer.
    let (data, done, rest) = decode_in_steps(b"2\r\nok\r\n0\r\n\r\nHTTP/1.1 200", 64).unwrap();
    assert_eq!(
        (data.as_slice(), done, rest.as_slice()),
        (&b"ok"[..], true, &b"HTTP/1.1 200"[..])
    );
    // Unfinished: what arrived so far goes out, and the end is not claimed.
    let (data, done, _) = decode_in_steps(b"5\r\nhel", 2).unwrap();
    assert_eq!((data.as_slice(), done), (&b"hel"[..], false));
}

#[test]
fn malformed_chunked_bodies_are_refused() {
    let long_ext = format!("1;{}\r\nx\r\n0\r\n\r\n", "e".repeat(MAX_CHUNK_LINE));
    let long_trailer = format!("0\r\nX: {}\r\n\r\n", "t".repeat(MAX_TRAILERS));
    let cases: Vec<(&[u8], &str)> = vec![
        (
            b"5\nhello\r\n0\r\n\r\n",
            "a chunk size line does not end in CRLF",
        ),
        (
            b"\r\nhello\r\n0\r\n\r\n",
            "a chunk size is missing or too large",
        ),
        (
            b"-5\r\nhello\r\n0\r\n\r\n",
            "a chunk size is missing or too large",
        ),
        (b"0x5\r\nhello\r\n0\r\n\r\n", "a chunk size is malformed"),
        (b"5 5\r\nhello\r\n0\r\n\r\n", "a chunk size is malformed"),
        (
            b"1000000000000000\r\n",
            "a chunk size is missing or too large",
        ),
        (
            b"5\r\nhelloXX0\r\n\r\n",
            "a chunk's data is not followed by CRLF",
        ),
        (
            b"5\r\nhello\n0\r\n\r\n",
            "a chunk's data is not followed by CRLF",
        ),
        (b"0\r\nX: 1\n\r\n", "a trailer line does not end in CRLF"),
        (long_ext.as_bytes(), "a chunk size line is too long"),
        (long_trailer.as_bytes(), "the trailer section is too large"),
    ];
    for (input, why) in cases {
        for step in [1, 3, input.len()] {
            assert_eq!(
                decode_in_steps(input, step).err(),
                Some(why),
                "{:?} in steps of {step}",
                String::from_utf8_lossy(&input[..input.len().min(40)])
            );
        }
    }
}

#[test]
fn chunk_sizes_are_written_in_lower_case_hex() {
    for n in [1usize, 9, 10, 15, 16, 255, 256, 4096, 65535, 1 << 20] {
        let mut out = BytesMut::new();
        put_chunk(&mut out, &vec![b'x'; n]);
        let head = format!("{n:x}\r\n");
        assert!(out.starts_with(head.as_bytes()), "{n}");
        assert_eq!(out.len(), head.len() + n + 2);
    }
    let mut out = BytesMut::new();
    put_chunk(&mut out, b"");
    assert!(
        out.is_empty(),
        "no data, no chunk (an empty one would end the body)"
    );
}

#[test]
fn content_lengths_are_digits_only() {
    for (v, want) in [
        ("0", Some(0)),
        ("42", Some(42)),
        (" 42 ", Some(42)),
        ("0042", Some(42)),
        ("18446744073709551615", None),
        ("9999999999999999999", Some(9_999_999_999_999_999_999)),
        ("", None),
        ("-1", None),
        ("+1", None),
        ("1,1", None),
        ("1 1", None),
        ("0x10", None),
        ("١", None),
    ] {
        assert_eq!(parse_length(v.as_bytes()), want, "{v:?}");
    }
}

#[test]
fn hop_by_hop_names_read_as_text_are_those_of_the_one_list() {
    for name in &HOP_BY_HOP {
        let upper = name.as_str().to_ascii_uppercase();
        assert!(is_hop_by_hop_name(upper.as_bytes()), "{name}");
    }
    for name in [
        "host",
        "cookie",
        "x-connection",
        "connections",
        "tee",
        "",
        "trailers",
        "upgrade-insecure-requests",
        "keep-alive2",
        "http2-setting",
        "proxy-authorizatio",
    ] {
        assert!(!is_hop_by_hop_name(name.as_bytes()), "{name}");
    }
    // The text predicate and the one for header maps agree, both ways.
    for name in [
        "accept",
        "authorization",
        "connection",
        "content-length",
        "expect",
        "forwarded",
        "host",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "http2-settings",
        "x-forwarded-for",
        "set-cookie",
        "date",
        "via",
        "warning",
        "x-hop",
    ] {
        let n = HeaderName::from_static(name);
        assert_eq!(
            is_hop_by_hop_name(name.as_bytes()),
            is_hop_by_hop(&n),
            "{name}"
        );
    }
    // And header maps lose each of them.
    for name in &HOP_BY_HOP {
        let mut h = http::HeaderMap::new();
        h.insert(name.clone(), HeaderValue::from_static("x"));
        h.insert("x-kept", HeaderValue::from_static("1"));
        remove_hop_by_hop(&mut h);
        assert!(!h.contains_key(name), "{name}");
        assert!(h.contains_key("x-kept"));
    }
}

fn no_more(_: &[u8], _: &[u8]) -> bool {
    false
}

/// Parse `answer` as the answer to a GET (or HEAD); the head and what the
/// client gets.
fn rewrite(answer: &str, head: bool, close: bool) -> Result<(AnswerHead, String), &'static str> {
    rewrite_dropping(answer, head, close, no_more)
}

fn rewrite_dropping(
    answer: &str,
    head_request: bool,
    close: bool,
    drop: fn(&[u8], &[u8]) -> bool,
) -> Result<(AnswerHead, String), &'static str> {
    let id = HeaderValue::from_static("req-1");
    let mut out = BytesMut::new();
    let how = Rewrite {
        head_request,
        request_id: &id,
        close,
        drop,
        hsts: None,
    };
    let h = rewrite_answer_head(answer.as_bytes(), &how, &mut out)?.expect("a whole head");
    Ok((h, String::from_utf8(out.to_vec()).unwrap()))
}

fn answer_head_len(answer: &str) -> usize {
    answer.find("\r\n\r\n").unwrap() + 4
}

#[test]
fn answer_heads_are_rewritten_for_the_client() {
    const ANSWER: &str = "HTTP/1.1 200 Fine Thanks\r\nContent-Type: text/plain\r\nConnection: keep-alive, X-Hop\r\nX-Hop: secret\r\nKeep-Alive: timeout=5\r\nProxy-Connection: x\r\nTrailer: X-Sum\r\nUpgrade: h2c\r\nX-Request-Id: upstream-id\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nDate: Tue, 01 Dec 2026 10:00:00 GMT\r\nContent-Length: 5\r\n\r\nhello";
    let (h, text) = rewrite(ANSWER, false, false).unwrap();
    assert_eq!(h.status, StatusCode::OK);
    assert_eq!(h.framing, Framing::Length(5));
    assert!(h.reusable);
    assert_eq!(h.len, answer_head_len(ANSWER));
    assert_eq!(
        text,
        "HTTP/1.1 200 Fine Thanks\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nDate: Tue, 01 Dec 2026 10:00:00 GMT\r\ncontent-length: 5\r\nx-request-id: req-1\r\n\r\n",
        "hop-by-hop fields and those Connection names go; the request id is ours; the upstream's spelling and order stay"
    );
}

#[test]
fn answer_framing_follows_rfc_9112() {
    // (answer head, HEAD request, framing, reusable, what the client's
    // head has, what it lacks)
    type Case = (
        &'static str,
        bool,
        Framing,
        bool,
        &'static [&'static str],
        &'static [&'static str],
    );
    let cases: [Case; 12] = [
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
            false,
            Framing::Length(3),
            true,
            &["content-length: 3\r\n"],
            &["transfer-encoding"],
        ),
        (
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            false,
            Framing::Chunked,
            true,
            &["transfer-encoding: chunked\r\n"],
            &["content-length"],
        ),
        (
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            false,
            Framing::Chunked,
            true,
            &["transfer-encoding: chunked\r\n"],
            &["gzip"],
        ),
        // Both: Transfer-Encoding wins and the connection is not reused.
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            false,
            Framing::Chunked,
            false,
            &["transfer-encoding: chunked\r\n"],
            &["content-length"],
        ),
        // A coding other than chunked last: the body runs until close.
        (
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
            false,
            Framing::Close,
            false,
            &["transfer-encoding: chunked\r\n"],
            &[],
        ),
        // No framing at all: until close, re-chunked for the client.
        (
            "HTTP/1.1 200 OK\r\n\r\n",
            false,
            Framing::Close,
            false,
            &["transfer-encoding: chunked\r\n"],
            &[],
        ),
        (
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n",
            false,
            Framing::Length(2),
            false,
            &["content-length: 2\r\n"],
            &["onnection"],
        ),
        (
            "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n",
            false,
            Framing::Length(2),
            false,
            &[],
            &[],
        ),
        (
            "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n",
            false,
            Framing::Length(2),
            true,
            &[],
            &["keep-alive"],
        ),
        // No body whatever the fields say; HEAD and 304 keep the length.
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n",
            true,
            Framing::Empty,
            true,
            &["content-length: 300\r\n"],
            &[],
        ),
        (
            "HTTP/1.1 304 Not Modified\r\nContent-Length: 300\r\n\r\n",
            false,
            Framing::Empty,
            true,
            &["content-length: 300\r\n"],
            &[],
        ),
        (
            "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
            false,
            Framing::Empty,
            true,
            &[],
            &["content-length", "transfer-encoding"],
        ),
    ];
    for (answer, head, framing, reusable, has, lacks) in cases {
        let (h, text) = rewrite(answer, head, false).unwrap();
        assert_eq!(h.framing, framing, "{answer:?}");
        assert_eq!(h.reusable, reusable, "{answer:?}");
        assert!(
            text.starts_with("HTTP/1.1 "),
            "the client always gets HTTP/1.1: {text}"
        );
        for s in has {
            assert!(text.contains(s), "{answer:?} -> {text:?} lacks {s:?}");
        }
        for s in lacks {
            assert!(
                !text.to_ascii_lowercase().contains(&s.to_ascii_lowercase()),
                "{answer:?} -> {text:?} has {s:?}"
            );
        }
    }
}

#[test]
fn answers_without_a_date_get_one_and_a_closing_client_is_told() {
    let (_, text) = rewrite("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, true).unwrap();
    assert!(text.contains("\r\ndate: "), "{text}");
    assert!(text.ends_with("connection: close\r\n\r\n"), "{text}");
    let (_, text) = rewrite("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n", false, false).unwrap();
    assert!(
        text.starts_with("HTTP/1.1 404 Not Found\r\n"),
        "an empty reason gets the usual one: {text}"
    );
}

#[test]
fn interim_and_bad_answer_heads() {
    for interim in [
        "HTTP/1.1 100 Continue\r\n\r\n",
        "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n",
    ] {
        let (h, _) = rewrite(interim, false, false).unwrap();
        assert!(h.status.is_informational());
        assert_eq!(h.len, interim.len());
    }
    for (answer, why) in [
        (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
            "answered 101 to a request that did not ask to upgrade",
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "its answer has conflicting Content-Length values",
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "its answer's Content-Length is invalid",
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\n",
            "its answer's Content-Length is invalid",
        ),
        ("HTTP/1.1 2000 OK\r\n\r\n", "its answer's head is malformed"),
        ("HTTP/1.1 099 Odd\r\n\r\n", "its answer's status is invalid"),
        (
            "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
            "its answer's head is malformed",
        ),
        (
            "SSH-2.0-OpenSSH_9.2\r\n\r\n",
            "its answer's head is malformed",
        ),
    ] {
        assert_eq!(rewrite(answer, false, false).err(), Some(why), "{answer:?}");
    }
    let many: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: 1\r\n")).collect();
    assert_eq!(
        rewrite(&format!("HTTP/1.1 200 OK\r\n{many}\r\n"), false, false).err(),
        Some("its answer has too many header fields")
    );
    let id = HeaderValue::from_static("req-1");
    let mut out = BytesMut::new();
    let how = Rewrite {
        head_request: false,
        request_id: &id,
        close: false,
        drop: no_more,
        hsts: None,
    };
    assert!(matches!(
        rewrite_answer_head(b"HTTP/1.1 200 OK\r\nContent-Le", &how, &mut out),
        Ok(None)
    ));
}

#[test]
fn requests_are_written_in_origin_form_with_their_fields_and_body() {
    let mut h = HeaderMap::new();
    h.insert("host", HeaderValue::from_static("app"));
    h.append("x-two", HeaderValue::from_static("1"));
    h.append("x-two", HeaderValue::from_static("2"));
    let mut out = BytesMut::new();
    write_request(&mut out, &Method::PUT, "/a%20b/c?x=1", &h, b"hi");
    assert_eq!(
        &out[..],
        b"PUT /a%20b/c?x=1 HTTP/1.1\r\nhost: app\r\nx-two: 1\r\nx-two: 2\r\ncontent-length: 2\r\n\r\nhi"
    );
}

/// The framing an upstream reads is the body passgate sends, whatever
/// fields survived on the way (a `Connection: content-length` once made
/// the upstream read a smuggled request out of the body).
#[test]
fn a_written_request_states_the_length_of_the_body_it_carries() {
    type Case = (
        Method,
        &'static [(&'static str, &'static str)],
        &'static [u8],
        Option<&'static str>,
    );
    let cases: [Case; 7] = [
        (Method::POST, &[], b"GET /x HTTP/1.1\r\n\r\n", Some("19")),
        (
            Method::POST,
            &[("content-length", "999")],
            b"abc",
            Some("3"),
        ),
        (
            Method::POST,
            &[("transfer-encoding", "chunked")],
            b"abc",
            Some("3"),
        ),
        (
            Method::POST,
            &[("connection", "content-length")],
            b"",
            Some("0"),
        ),
        (Method::PUT, &[], b"", Some("0")),
        (Method::GET, &[("content-length", "0")], b"", None),
        (Method::DELETE, &[], b"x", Some("1")),
    ];
    for (method, fields, body, want) in cases {
        let mut h = HeaderMap::new();
        for (n, v) in fields {
            h.append(HeaderName::from_static(n), HeaderValue::from_static(v));
        }
        let mut out = BytesMut::new();
        write_request(&mut out, &method, "/", &h, body);
        let text = String::from_utf8_lossy(&out).to_string();
        let (head, rest) = text.split_once("\r\n\r\n").unwrap();
        let lengths: Vec<&str> = head
            .lines()
            .filter_map(|l| l.strip_prefix("content-length: "))
            .collect();
        assert_eq!(
            lengths,
            want.into_iter().collect::<Vec<_>>(),
            "{method} {fields:?}: {text:?}"
        );
        assert!(!head.contains("transfer-encoding"), "{text:?}");
        assert!(!head.contains("connection"), "{text:?}");
        assert_eq!(rest.as_bytes(), body);
    }
}

#[test]
fn request_fields_say_what_the_loop_serves_and_what_goes_to_hyper() {
    let framing = |fields: &[(&str, &str)]| {
        let mut f = RequestFraming::default();
        for (n, v) in fields {
            f.field(n.as_bytes(), v.as_bytes())?;
        }
        Ok::<_, &'static str>(f)
    };
    let f = framing(&[
        ("Content-Length", "12"),
        ("Connection", "keep-alive, Close"),
    ])
    .unwrap();
    assert_eq!((f.body_len, f.close), (12, true));
    let f = framing(&[
        ("connection", "keep-alive, content-length"),
        ("content-length", "0"),
    ])
    .unwrap();
    assert_eq!((f.body_len, f.close), (0, false));
    for (fields, why) in [
        (
            &[("Transfer-Encoding", "chunked")][..],
            "a request body in chunks",
        ),
        (
            &[("transfer-encoding", "identity")][..],
            "a request body in chunks",
        ),
        (&[("Expect", "100-continue")][..], "Expect"),
        (&[("Upgrade", "h2c")][..], "an upgrade"),
        (
            &[("Connection", "Upgrade, HTTP2-Settings")][..],
            "an upgrade",
        ),
        (
            &[("Content-Length", "1"), ("Content-Length", "1")][..],
            "a bad Content-Length",
        ),
        (&[("Content-Length", "1, 1")][..], "a bad Content-Length"),
        (&[("Content-Length", "+1")][..], "a bad Content-Length"),
        (&[("Content-Length", "")][..], "a bad Content-Length"),
    ] {
        assert_eq!(framing(fields).err(), Some(why), "{fields:?}");
    }
}

#[test]
fn hop_by_hop_headers_go_including_those_named_in_connection() {
    let mut h = HeaderMap::new();
    h.insert(
        header::CONNECTION,
        HeaderValue::from_static("keep-alive, x-secret-hop"),
    );
    h.insert("x-secret-hop", HeaderValue::from_static("1"));
    h.insert("keep-alive", HeaderValue::from_static("timeout=5"));
    h.insert(header::TE, HeaderValue::from_static("trailers"));
    h.insert(
        header::TRANSFER_ENCODING,
        HeaderValue::from_static("chunked"),
    );
    h.insert(
        header::PROXY_AUTHORIZATION,
        HeaderValue::from_static("Basic x"),
    );
    h.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
    remove_hop_by_hop(&mut h);
    assert_eq!(h.len(), 1);
    assert!(h.contains_key(header::ACCEPT));

    // Host is never a hop's own, whatever Connection says.
    let mut h = HeaderMap::new();
    h.insert(header::CONNECTION, HeaderValue::from_static("Host, x-a"));
    h.insert(header::HOST, HeaderValue::from_static("app.example.com"));
    h.insert("x-a", HeaderValue::from_static("1"));
    remove_hop_by_hop(&mut h);
    assert_eq!(h.len(), 1);
    assert_eq!(
        h.get(header::HOST).map(|v| v.as_bytes()),
        Some(&b"app.example.com"[..])
    );
}

#[test]
fn upgrade_detection() {
    let mut h = HeaderMap::new();
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    assert!(!wants_upgrade(&h));
    h.insert(
        header::CONNECTION,
        HeaderValue::from_static("keep-alive, Upgrade"),
    );
    assert!(wants_upgrade(&h));
}

#[test]
fn the_hop_by_hop_predicate_is_the_list() {
    for n in &HOP_BY_HOP {
        assert!(is_hop_by_hop(n), "{n}");
    }
    // Every other name the http crate knows, and some near misses.
    let others = [
        header::ACCEPT,
        header::ACCEPT_ENCODING,
        header::AGE,
        header::ALLOW,
        header::AUTHORIZATION,
        header::CACHE_CONTROL,
        header::CONTENT_ENCODING,
        header::CONTENT_LENGTH,
        header::CONTENT_TYPE,
        header::COOKIE,
        header::DATE,
        header::ETAG,
        header::EXPECT,
        header::FORWARDED,
        header::HOST,
        header::LOCATION,
        header::ORIGIN,
        header::RANGE,
        header::REFERER,
        header::SERVER,
        header::SET_COOKIE,
        header::USER_AGENT,
        header::VARY,
        header::VIA,
        header::WWW_AUTHENTICATE,
        header::SEC_WEBSOCKET_KEY,
        header::STRICT_TRANSPORT_SECURITY,
        HeaderName::from_static("keep-alives"),
        HeaderName::from_static("x-connection"),
        HeaderName::from_static("proxy-connections"),
        HeaderName::from_static("tee"),
    ];
    for n in &others {
        assert!(!is_hop_by_hop(n), "{n}");
        assert!(!HOP_BY_HOP.contains(n), "{n}");
    }
}

#[test]
fn passgates_own_answers_carry_their_length_date_and_close() {
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    // A stray length or connection field in the map is not repeated.
    h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("99"));
    h.insert(header::CONNECTION, HeaderValue::from_static("keep-alive"));
    let mut out = BytesMut::new();
    write_answer_head(&mut out, StatusCode::FOUND, &h, 12, true);
    let text = String::from_utf8(out.to_vec()).unwrap();
    assert!(text.starts_with("HTTP/1.1 302 Found\r\n"), "{text}");
    assert!(text.contains("content-type: text/plain\r\n"), "{text}");
    assert!(text.contains("content-length: 12\r\n"), "{text}");
    assert!(!text.contains("99"), "{text}");
    assert!(!text.contains("keep-alive"), "{text}");
    assert!(text.contains("\r\ndate: "), "{text}");
    assert!(text.ends_with("connection: close\r\n\r\n"), "{text}");

    let mut out = BytesMut::new();
    write_answer_head(
        &mut out,
        StatusCode::NO_CONTENT,
        &HeaderMap::new(),
        0,
        false,
    );
    let text = String::from_utf8(out.to_vec()).unwrap();
    assert!(!text.contains("content-length"), "204 has none: {text}");
    assert!(!text.contains("connection"), "{text}");
}
