//! HTTP/1.1 on the wire, for tests that need exact bytes: an upstream that
//! answers from a script and records what reached it, and a client
//! connection that sends raw requests and reads answers one by one.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A request as the upstream received it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The head, as text (request line and fields, no final blank line).
    pub head: String,
    /// The body, decoded if it came in chunks.
    pub body: Vec<u8>,
    /// Which connection (from 1) it came on.
    pub connection: usize,
}

impl Seen {
    pub fn target(&self) -> &str {
        self.head.split(' ').nth(1).unwrap_or("")
    }

    /// Every value of the field `name` (any case, as spelled), in order.
    pub fn fields(&self, name: &str) -> Vec<(String, String)> {
        self.head
            .split("\r\n")
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(n, v)| (n.to_string(), v.trim().to_string()))
            .collect()
    }

    /// The field names, as spelled.
    pub fn names(&self) -> Vec<String> {
        self.head
            .split("\r\n")
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .map(|(n, _)| n.to_string())
            .collect()
    }
}

/// One step of an answer.
pub enum Step {
    Send(Vec<u8>),
    /// Wait until the test says so.
    Until(Arc<tokio::sync::Notify>),
    /// Close the connection (whatever the answer said).
    Close,
}

pub fn send(s: impl AsRef<[u8]>) -> Step {
    Step::Send(s.as_ref().to_vec())
}

type Script = dyn Fn(&Seen) -> Vec<Step> + Send + Sync;

/// An upstream answering each request with the steps `script` gives.
pub struct ScriptedUpstream {
    pub addr: std::net::SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl ScriptedUpstream {
    pub async fn start(script: impl Fn(&Seen) -> Vec<Step> + Send + Sync + 'static) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let script: Arc<Script> = Arc::new(script);
        let (s, c) = (seen.clone(), connections.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let n = c.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::spawn(serve(stream, n, script.clone(), s.clone()));
            }
        });
        ScriptedUpstream {
            addr,
            seen,
            connections,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The last request that reached it with this target.
    pub fn last(&self, target: &str) -> Seen {
        self.seen()
            .into_iter()
            .rev()
            .find(|s| s.target() == target)
            .unwrap_or_else(|| panic!("{target} never reached the upstream"))
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for ScriptedUpstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    mut s: TcpStream,
    connection: usize,
    script: Arc<Script>,
    seen: Arc<Mutex<Vec<Seen>>>,
) {
    let mut buf = Vec::new();
    loop {
        let Some(req) = read_request(&mut s, &mut buf, connection).await else {
            return;
        };
        seen.lock().unwrap().push(req.clone());
        for step in script(&req) {
            match step {
                Step::Send(bytes) => {
                    if s.write_all(&bytes).await.is_err() {
                        return;
                    }
                }
                Step::Until(n) => n.notified().await,
                Step::Close => return,
            }
        }
    }
}

/// Read one request (head and a Content-Length or chunked body).
async fn read_request(s: &mut TcpStream, buf: &mut Vec<u8>, connection: usize) -> Option<Seen> {
    let end = loop {
        if let Some(i) = find(buf, b"\r\n\r\n") {
            break i;
        }
        fill(s, buf).await?;
    };
    let head = String::from_utf8_lossy(&buf[..end]).to_string();
    buf.drain(..end + 4);
    let mut req = Seen {
        head,
        body: Vec::new(),
        connection,
    };
    if let Some((_, v)) = req.fields("content-length").first() {
        let n: usize = v.parse().ok()?;
        while buf.len() < n {
            fill(s, buf).await?;
        }
        req.body = buf.drain(..n).collect();
    } else if req
        .fields("transfer-encoding")
        .iter()
        .any(|(_, v)| v.contains("chunked"))
    {
        loop {
            let nl = loop {
                if let Some(i) = find(buf, b"\r\n") {
                    break i;
                }
                fill(s, buf).await?;
            };
            let size =
                usize::from_str_radix(std::str::from_utf8(&buf[..nl]).ok()?.trim(), 16).ok()?;
            buf.drain(..nl + 2);
            while buf.len() < size + 2 {
                fill(s, buf).await?;
            }
            req.body.extend(buf.drain(..size));
            buf.drain(..2);
            if size == 0 {
                break;
            }
        }
    }
    Some(req)
}

async fn fill(s: &mut TcpStream, buf: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0u8; 16 * 1024];
    match s.read(&mut chunk).await {
        Ok(0) | Err(_) => None,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            Some(())
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// An answer as the client received it.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
    /// The body came in chunks and ended with the last chunk.
    pub chunked: bool,
}

impl Answer {
    pub fn field(&self, name: &str) -> Option<String> {
        self.head
            .split("\r\n")
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }
}

/// A client connection for raw requests.
pub struct Client {
    s: TcpStream,
    buf: Vec<u8>,
}

/// How an answer could not be read whole.
#[derive(Debug)]
pub enum Cut {
    /// The connection ended; what had arrived of the answer.
    Closed(Vec<u8>),
    TimedOut(Vec<u8>),
}

impl Client {
    pub async fn connect(addr: std::net::SocketAddr) -> Client {
        let s = TcpStream::connect(addr).await.unwrap();
        s.set_nodelay(true).unwrap();
        Client { s, buf: Vec::new() }
    }

    pub async fn send(&mut self, bytes: impl AsRef<[u8]>) {
        self.s.write_all(bytes.as_ref()).await.unwrap();
    }

    /// Read one answer to a request (`head_request`: it was HEAD, so the
    /// answer has no body).
    pub async fn answer(&mut self, head_request: bool) -> Result<Answer, Cut> {
        tokio::time::timeout(Duration::from_secs(15), self.read_answer(head_request))
            .await
            .unwrap_or_else(|_| Err(Cut::TimedOut(std::mem::take(&mut self.buf))))
    }

    /// Bytes until `want` has arrived (or 15 s have passed).
    pub async fn until(&mut self, want: &[u8]) -> Vec<u8> {
        let _ = tokio::time::timeout(Duration::from_secs(15), async {
            while find(&self.buf, want).is_none() {
                if self.more().await.is_none() {
                    return;
                }
            }
        })
        .await;
        self.buf.clone()
    }

    /// Everything until the connection ends (or 15 s have passed).
    pub async fn rest(&mut self) -> Vec<u8> {
        let _ = self.closed().await;
        std::mem::take(&mut self.buf)
    }

    /// The connection has ended (end of stream within 15 s).
    pub async fn closed(&mut self) -> bool {
        matches!(
            tokio::time::timeout(Duration::from_secs(15), async {
                loop {
                    if self.more().await.is_none() {
                        return;
                    }
                }
            })
            .await,
            Ok(())
        )
    }

    async fn more(&mut self) -> Option<()> {
        fill(&mut self.s, &mut self.buf).await
    }

    async fn read_answer(&mut self, head_request: bool) -> Result<Answer, Cut> {
        loop {
            let end = loop {
                if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                    break i;
                }
                if self.more().await.is_none() {
                    return Err(Cut::Closed(std::mem::take(&mut self.buf)));
                }
            };
            let head = String::from_utf8_lossy(&self.buf[..end]).to_string();
            let status: u16 = head
                .split(' ')
                .nth(1)
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            let mut a = Answer {
                status,
                head,
                body: Vec::new(),
                chunked: false,
            };
            if (100..200).contains(&status) {
                self.buf.drain(..end + 4);
                continue;
            }
            let cut = |buf: &mut Vec<u8>| Err(Cut::Closed(std::mem::take(buf)));
            if head_request || status == 204 || status == 304 {
                self.buf.drain(..end + 4);
                return Ok(a);
            }
            if a.field("transfer-encoding")
                .is_some_and(|v| v.contains("chunked"))
            {
                let mut at = end + 4;
                loop {
                    let nl = loop {
                        if let Some(i) = find(&self.buf[at..], b"\r\n") {
                            break at + i;
                        }
                        if self.more().await.is_none() {
                            return cut(&mut self.buf);
                        }
                    };
                    let size = std::str::from_utf8(&self.buf[at..nl])
                        .ok()
                        .and_then(|s| usize::from_str_radix(s, 16).ok())
                        .expect("our own chunk sizes are plain hex");
                    at = nl + 2;
                    while self.buf.len() < at + size + 2 {
                        if self.more().await.is_none() {
                            return cut(&mut self.buf);
                        }
                    }
                    a.body.extend_from_slice(&self.buf[at..at + size]);
                    assert_eq!(&self.buf[at + size..at + size + 2], b"\r\n");
                    at += size + 2;
                    if size == 0 {
                        a.chunked = true;
                        self.buf.drain(..at);
                        return Ok(a);
                    }
                }
            }
            let n: usize = a
                .field("content-length")
                .map(|v| v.parse().expect("a length"))
                .expect("an answer with a length or chunks");
            while self.buf.len() < end + 4 + n {
                if self.more().await.is_none() {
                    return cut(&mut self.buf);
                }
            }
            a.body = self.buf[end + 4..end + 4 + n].to_vec();
            self.buf.drain(..end + 4 + n);
            return Ok(a);
        }
    }
}
