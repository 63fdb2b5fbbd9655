//! A database outage seen over HTTP/2 and WebSocket: cached sessions go on
//! at once on both, an established WebSocket is not disturbed, and what
//! cannot be checked gets its 503 at once.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::common::gateway::{Db, Gateway, Upstream};
use crate::common::private_pg::PrivatePostgres;

/// A WebSocket upstream that echoes every message.
async fn ws_echo() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(s).await else {
                    return;
                };
                while let Some(Ok(m)) = ws.next().await {
                    if (m.is_text() || m.is_binary()) && ws.send(m).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Open a WebSocket through passgate with `token`: the socket, or the
/// status of the refusal.
async fn ws_open(gw: &Gateway, token: &str) -> Result<Ws, u16> {
    let mut req = format!("ws://localhost:{}/socket", gw.port)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "cookie",
        format!("passgate_session={token}").parse().unwrap(),
    );
    match tokio::time::timeout(
        Duration::from_secs(10),
        tokio_tungstenite::connect_async(req),
    )
    .await
    {
        Ok(Ok((ws, _))) => Ok(ws),
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(resp))) => Err(resp.status().as_u16()),
        Ok(Err(e)) => panic!("websocket: {e}"),
        Err(_) => panic!("the WebSocket handshake hung"),
    }
}

async fn ping(ws: &mut Ws, i: usize) {
    ws.send(Message::text(format!("m{i}"))).await.unwrap();
    let back = tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .expect("an echo within 5 s")
        .unwrap()
        .unwrap();
    assert_eq!(back, Message::text(format!("m{i}")));
}

#[tokio::test]
async fn http2_and_websockets_carry_on_through_a_database_outage() {
    let pg = PrivatePostgres::start();
    let up = Upstream::start().await;
    let ws_up = ws_echo().await;
    let gw = Gateway::start_with(Db::PostgresAt(pg.url()), None, |s| {
        s.config(
            "",
            &format!(
                "[session]\ncache_ttl = \"1s\"\n\n[[route]]\nhost = \"localhost\"\npath = \"/socket\"\nupstream = \"http://{ws_up}\"\n\n[[route]]\nhost = \"localhost\"\nupstream = \"{}\"\n",
                up.url()
            ),
        )
    })
    .await;
    let token = gw.session_for("h2ws@example.com", &[]).await;
    let (unseen, _) = passgate::session::new_token();
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let get = async |t: &str| {
        let started = Instant::now();
        let r = h2
            .get(gw.url("/x"))
            .header("cookie", format!("passgate_session={t}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.version(), reqwest::Version::HTTP_2);
        (r.status().as_u16(), started.elapsed())
    };
    assert_eq!(get(&token).await.0, 200);
    let mut open = ws_open(&gw, &token)
        .await
        .expect("a WebSocket before the outage");
    ping(&mut open, 0).await;

    pg.down();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let (s, first) = get(&token).await;
    assert_eq!(s, 200, "HTTP/2, cached session, database down");
    assert!(first < Duration::from_secs(7), "{first:?}");
    for i in 0..20 {
        let (s, took) = get(&token).await;
        assert_eq!(s, 200, "HTTP/2 request {i}");
        assert!(
            took < Duration::from_secs(1),
            "HTTP/2 request {i}: {took:?}"
        );
    }
    let (s, took) = get(&unseen).await;
    assert_eq!(s, 503, "HTTP/2, unseen session, database down");
    assert!(took < Duration::from_secs(1), "{took:?}");
    // The WebSocket opened before the outage goes on; a new one opens for
    // a cached session and is refused at once for an unseen one.
    for i in 1..20 {
        ping(&mut open, i).await;
    }
    let started = Instant::now();
    let mut during = ws_open(&gw, &token)
        .await
        .expect("a new WebSocket for a cached session during the outage");
    assert!(started.elapsed() < Duration::from_secs(1));
    ping(&mut during, 100).await;
    let started = Instant::now();
    assert_eq!(ws_open(&gw, &unseen).await.err(), Some(503));
    assert!(started.elapsed() < Duration::from_secs(1));

    pg.up();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if get(&unseen).await.0 == 401 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the database was not used again:\n{}",
            gw.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let fresh = gw.session_for("after@example.com", &[]).await;
    assert_eq!(get(&fresh).await.0, 200);
    ping(&mut open, 200).await;
}
