//! The fuzz targets of `passgate::fuzz` on stable Rust: each is run over a
//! seed corpus of interesting inputs and over seeded random mutations of
//! it (bit flips, byte insertions and deletions, tokens that matter to the
//! parser, splices of two inputs). cargo-fuzz (`fuzz/`, `scripts/fuzz`)
//! does the same with coverage guidance on nightly.
//!
//! `PASSGATE_FUZZ_ITERS` (default 20,000 per target) and
//! `PASSGATE_FUZZ_SEED` (default: from the clock, printed) say how many
//! and which; a failure prints the input, as bytes, and the seed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Inputs each target starts from.
fn corpus(target: &str) -> Vec<Vec<u8>> {
    let strs: &[&str] = match target {
        "request_head" => &[
            "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
            "POST /pub/x HTTP/1.1\r\nHost: H\r\nConnection: content-length\r\nContent-Length: 66\r\n\r\nGET /secret/x HTTP/1.1\r\nHost: H\r\nRemote-User: admin\r\n\r\n",
            "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            "GET /a HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nxx",
            "GET /a HTTP/1.0\r\n\r\n",
            "GET http://a/b HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /a HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
            "GET /a HTTP/1.1\nHost: a\n\n",
            "GET /a#frag HTTP/1.1\r\nHost: a\r\nConnection: close, upgrade\r\nUpgrade: h2c\r\n\r\n",
        ],
        "chunked" => &[
            "\x035\r\nhello\r\n0\r\n\r\n",
            "\x01A;name=value\r\n0123456789\r\n1 ;x\r\n!\r\n0;last\r\nX-T: 1\r\n\r\n",
            "\x075\nhello\r\n0\r\n\r\n",
            "\x02000003\r\nabc\r\n0\r\n\r\nHTTP/1.1 200",
            "\x04-1\r\n",
            "\x0bffffffffffffffff\r\n",
        ],
        "answer_head" => &[
            "\x04HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: passgate_session=x\r\nSet-Cookie: a=1\r\n\r\nhello",
            "\x0fHTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 3\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n\r\n",
            "\x00HTTP/1.0 304 Not Modified\r\nContent-Length: 10\r\nConnection: keep-alive\r\n\r\n",
            "\x01HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
            "\x02HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "\x08HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
        ],
        "path" => &[
            "/pub/%25%32%65%25%32%65/admin",
            "/.passgate/../secret",
            "//x/admin",
            "/a/%c0%ae",
            "/ADMIN;x=1/%2F..%5C/",
            "/admin%3F/../pub",
            "/ａｄｍｉｎ／..",
            "/%2525252e",
            "/a\\b/../../c",
            "/%25zz/%2",
            // Found by cargo-fuzz: a `?` read as plain by one check and as
            // the end of the path by another.
            "/.passgate?",
        ],
        "cookies" => &[
            "a=1; passgate_session=S; b=2\n__Host-passgate-csrf=c",
            "passgate_session\n;;\n a = \"q\" ; passgate_email=e",
            "a=\"x; passgate_session=tok\"\ntheme=dark",
            "__host-passgate=x; Path=/",
        ],
        "forwarded" => &[
            "https\nlocalhost:8080\n/.passgate/../secret\nGET\n443\nhttp://a/b\nPOST\n1.2.3.4, unknown, 10.0.0.2",
            "http\n\n\n\n\nhttps://x/?q\n\n[2001:db8::1]:80",
            "wss, http\nA.B.\n//x/admin\nget\n99999\nHTTP://h:1\n\n10.0.0.9,10.0.0.8",
            // Found by cargo-fuzz: a numeric host with two trailing dots.
            "https\n800000030400304..",
        ],
        "config" => &[
            "[server]\nlisten = \"127.0.0.1:0\"\n\n[[route]]\nhost = \"a\"\npath = \"/x\"\nupstreams = 1\n",
            "[[route]]\nhost = \"*.example.com\"\nupgrades = [\"h2c\", \"websocket\"]\npolicy = \"public\"\ngroups = [\"a\"]\n",
            "[server]\nhsts = \"max-age=\"\npublic_url = \"https://a.example.com\"\n[webauthn]\nrp_id = \"example.com\"\n",
            "[session]\ncookie_domain = \".\"\n[email]\ntoken_ttl = \"-1s\"\n",
        ],
        _ => &[],
    };
    strs.iter().map(|s| s.as_bytes().to_vec()).collect()
}

/// Tokens worth inserting, per target.
fn tokens(target: &str) -> &'static [&'static str] {
    match target {
        "request_head" | "answer_head" => &[
            "\r\n",
            "\n",
            ": ",
            "Content-Length: ",
            "Transfer-Encoding: chunked",
            "Connection: ",
            "content-length",
            "Upgrade",
            " HTTP/1.1",
            "0",
            "99999999999999999999",
            ",",
            "\t",
            "\x00",
            "\u{7f}",
            "é",
            "Set-Cookie: passgate_session=",
        ],
        "chunked" => &["\r\n", ";", "0", "f", "F", " ", "\t", "\n", "X: y"],
        "path" => &[
            "%", "%2e", "%2f", "%5c", "%25", "%3b", "%3f", "%23", "/", "\\", ";", "..", ".", "//",
            "%c0", "%ae", "ａ", "／", "A",
        ],
        "cookies" => &[
            "passgate_session",
            "__Host-passgate",
            "=",
            ";",
            "\"",
            " ",
            "\n",
            "\u{ff}",
        ],
        "forwarded" => &[
            "\n", ",", ":", "[", "]", "/", "..", "%2e", "@", "#", "?", "http://", " ",
        ],
        "config" => &[
            "[",
            "]",
            "\n",
            "=",
            "\"",
            "[[route]]\n",
            "path",
            "host",
            "upstream",
            "true",
            "1",
        ],
        _ => &[],
    }
}

fn mutate(rng: &mut StdRng, base: &[u8], corpus: &[Vec<u8>], tokens: &[&str]) -> Vec<u8> {
    let mut v = base.to_vec();
    for _ in 0..rng.gen_range(1..=4) {
        match rng.gen_range(0..6) {
            0 if !v.is_empty() => {
                let i = rng.gen_range(0..v.len());
                v[i] ^= 1 << rng.gen_range(0..8);
            }
            1 => {
                let i = rng.gen_range(0..=v.len());
                v.insert(i, rng.r#gen());
            }
            2 if !v.is_empty() => {
                let i = rng.gen_range(0..v.len());
                let n = rng.gen_range(1..=8).min(v.len() - i);
                v.drain(i..i + n);
            }
            3 if !tokens.is_empty() => {
                let t = tokens[rng.gen_range(0..tokens.len())].as_bytes();
                let i = rng.gen_range(0..=v.len());
                v.splice(i..i, t.iter().copied());
            }
            4 if !corpus.is_empty() => {
                let other = &corpus[rng.gen_range(0..corpus.len())];
                let cut = rng.gen_range(0..=v.len());
                let from = rng.gen_range(0..=other.len());
                v.truncate(cut);
                v.extend_from_slice(&other[from..]);
            }
            _ => {
                let i = rng.gen_range(0..=v.len());
                let j = rng.gen_range(i..=v.len());
                let piece = v[i..j].to_vec();
                v.splice(j..j, piece);
            }
        }
    }
    v
}

#[test]
fn every_fuzz_target_holds_on_its_corpus_and_mutations() {
    let iters = crate::common::env_number("PASSGATE_FUZZ_ITERS", 20_000) as usize;
    let seed = crate::common::env_seed("PASSGATE_FUZZ_SEED");
    eprintln!("fuzz: {iters} inputs per target, PASSGATE_FUZZ_SEED={seed}");
    for (name, target) in passgate::fuzz::TARGETS {
        let corpus = corpus(name);
        assert!(!corpus.is_empty(), "{name} has a corpus");
        let tokens = tokens(name);
        let mut rng =
            StdRng::seed_from_u64(seed ^ name.len() as u64 ^ u64::from(name.as_bytes()[0]));
        // Grow a pool from the corpus: mutations of mutations go deeper.
        let mut pool = corpus.clone();
        for i in 0..iters + corpus.len() {
            let input = if i < corpus.len() {
                corpus[i].clone()
            } else {
                let base = pool[rng.gen_range(0..pool.len())].clone();
                mutate(&mut rng, &base, &corpus, tokens)
            };
            let ran = std::panic::catch_unwind(|| target(&input));
            if ran.is_err() {
                panic!(
                    "fuzz target {name} failed (PASSGATE_FUZZ_SEED={seed}) on {:?}\n(as text: {:?})",
                    input,
                    String::from_utf8_lossy(&input)
                );
            }
            if pool.len() < 4096 && rng.gen_bool(0.05) {
                pool.push(input);
            }
        }
    }
}
