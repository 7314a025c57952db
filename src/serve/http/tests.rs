//! The server over real sockets on 127.0.0.1, with a small in-memory site. Every client socket
//! has a read timeout, so a server that fails to answer fails the test instead of hanging it.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::*;

const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
const PAGE: &str = "<!DOCTYPE html><html><head><title>首页</title></head><body><h1>首页</h1></body></html>";
const NOT_FOUND: &str = "<!DOCTYPE html><html><body><h1>页面不存在</h1></body></html>";

/// An in-memory site that records every path it is asked for.
#[derive(Default)]
struct MemorySite {
    files: HashMap<String, Arc<[u8]>>,
    asked: Mutex<Vec<String>>,
}

impl MemorySite {
    fn new(files: &[(&str, &[u8])]) -> Arc<MemorySite> {
        let files = files.iter().map(|(path, bytes)| (path.to_string(), Arc::from(*bytes))).collect();
        Arc::new(MemorySite { files, asked: Mutex::new(Vec::new()) })
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

impl Site for MemorySite {
    fn file(&self, path: &str) -> Option<Arc<[u8]>> {
        self.asked.lock().unwrap().push(path.to_string());
        self.files.get(path).cloned()
    }
}

/// The sample site most tests use.
fn sample_site() -> Arc<MemorySite> {
    MemorySite::new(&[
        ("index.html", PAGE.as_bytes()),
        ("404.html", NOT_FOUND.as_bytes()),
        ("style.css", b"body { color: red }"),
        ("tags/ai/index.html", PAGE.as_bytes()),
        ("tags/中级/index.html", "<html><body>中级</body></html>".as_bytes()),
    ])
}

fn start(site: Arc<MemorySite>) -> (Server, Events) {
    start_with(site, LIMITS)
}

fn start_with(site: Arc<MemorySite>, limits: Limits) -> (Server, Events) {
    let events = Events::new();
    let source: SiteSource = Arc::new(move || -> Arc<dyn Site> { site.clone() });
    let server = Server::start_with(Options::default(), source, events.clone(), limits).unwrap();
    (server, events)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    stream
}

/// A response as the client saw it.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
}

/// Send `request` as it is and read the whole response; the server closes the connection.
fn exchange(addr: SocketAddr, request: &[u8]) -> Reply {
    let mut stream = connect(addr);
    stream.write_all(request).unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).expect("the server answers and closes");
    parse_reply(&bytes)
}

fn parse_reply(bytes: &[u8]) -> Reply {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete head");
    let head = std::str::from_utf8(&bytes[..end]).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    assert!(status_line.starts_with("HTTP/1.1 "), "{status_line}");
    let status = status_line[9..12].parse().unwrap();
    let headers = lines
        .map(|line| {
            let (name, value) = line.split_once(": ").unwrap();
            (name.to_string(), value.to_string())
        })
        .collect();
    Reply { status, headers, body: bytes[end + 4..].to_vec() }
}

fn get(addr: SocketAddr, target: &str) -> Reply {
    exchange(addr, format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes())
}

#[test]
fn serve_files_with_media_types_and_dev_headers() {
    let table: &[(&str, &str)] = &[
        ("index.html", "text/html; charset=utf-8"),
        ("style.css", "text/css; charset=utf-8"),
        ("theme.js", "text/javascript; charset=utf-8"),
        ("graph.json", "application/json; charset=utf-8"),
        ("atom.xml", "application/atom+xml; charset=utf-8"),
        ("tags/ai/atom.xml", "application/atom+xml; charset=utf-8"),
        ("sitemap.xml", "application/xml; charset=utf-8"),
        ("robots.txt", "text/plain; charset=utf-8"),
        ("logo.svg", "image/svg+xml; charset=utf-8"),
        ("a.png", "image/png"),
        ("b.JPG", "image/jpeg"),
        ("c.gif", "image/gif"),
        ("d.webp", "image/webp"),
        ("favicon.ico", "image/x-icon"),
        ("fonts/noto.woff2", "font/woff2"),
        ("fonts/noto.woff", "font/woff"),
        ("paper.pdf", "application/pdf"),
        ("search.wasm", "application/wasm"),
        ("archive.bin", "application/octet-stream"),
        ("LICENSE", "application/octet-stream"),
    ];
    let files: Vec<(&str, &[u8])> = table.iter().map(|(path, _)| (*path, path.as_bytes())).collect();
    let (server, _events) = start(MemorySite::new(&files));
    for (path, expected) in table {
        let reply = get(server.local_addr(), &format!("/{path}"));
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("Content-Type"), Some(*expected), "{path}");
        assert_eq!(reply.header("X-Content-Type-Options"), Some("nosniff"), "{path}");
        assert_eq!(reply.header("Cache-Control"), Some("no-store"), "{path}");
        assert_eq!(reply.header("Content-Length"), Some(reply.body.len().to_string().as_str()), "{path}");
        if !expected.starts_with("text/html") {
            assert_eq!(reply.body, path.as_bytes(), "{path}");
        }
    }
    server.stop();
}

#[test]
fn serve_injects_the_live_reload_client_into_html_only() {
    let (server, _events) = start(sample_site());
    let page = get(server.local_addr(), "/");
    let text = page.text();
    let script = text.find("<script>").expect("a script was injected");
    assert_eq!(&text[..script], PAGE.strip_suffix("</body></html>").unwrap());
    assert!(text.ends_with("</script></body></html>"));
    assert!(text.contains("new EventSource(\"/__themata/events\")"));
    assert_eq!(page.header("Content-Length"), Some(page.body.len().to_string().as_str()));
    let missing = get(server.local_addr(), "/nowhere/");
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("页面不存在") && missing.text().contains("EventSource"));
    let css = get(server.local_addr(), "/style.css");
    assert_eq!(css.text(), "body { color: red }");
    server.stop();
}

#[test]
fn serve_decodes_percent_encoded_and_raw_utf8_paths() {
    let site = sample_site();
    let (server, _events) = start(site.clone());
    for target in ["/tags/%E4%B8%AD%E7%BA%A7/", "/tags/%e4%b8%ad%e7%ba%a7/", "/tags/中级/", "/tags/中级/?page=2#top"]
    {
        let reply = get(server.local_addr(), target);
        assert_eq!(reply.status, 200, "{target}");
        assert!(reply.text().starts_with("<html><body>中级<script>"), "{target}");
    }
    assert_eq!(get(server.local_addr(), "/style.css?v=3").text(), "body { color: red }");
    assert_eq!(get(server.local_addr(), "/tags/%E4%B8%AD%E7%BA%A7/index.html").status, 200);
    assert!(site.asked().iter().all(|path| path == "tags/中级/index.html" || path == "style.css"));
    server.stop();
}

#[test]
fn serve_redirects_a_folder_without_its_slash_keeping_the_query() {
    let (server, _events) = start(sample_site());
    let addr = server.local_addr();
    for (target, location) in [
        ("/tags/ai", "/tags/ai/"),
        ("/tags/ai?sort=date&q=%E4%B8%AD", "/tags/ai/?sort=date&q=%E4%B8%AD"),
        ("/tags/中级", "/tags/%E4%B8%AD%E7%BA%A7/"),
        ("/tags/%E4%B8%AD%E7%BA%A7?q=中", "/tags/%E4%B8%AD%E7%BA%A7/?q=%E4%B8%AD"),
    ] {
        let reply = get(addr, target);
        assert_eq!(reply.status, 301, "{target}");
        assert_eq!(reply.header("Location"), Some(location), "{target}");
        // Following the redirect lands on the page.
        assert_eq!(get(addr, location).status, 200, "{location}");
    }
    // A folder without an index.html is not a page.
    assert_eq!(get(addr, "/tags").status, 404);
    assert_eq!(get(addr, "/tags/").status, 404);
    server.stop();
}

#[test]
fn serve_answers_unknown_paths_with_the_sites_404_page_or_plain_text() {
    let (server, _events) = start(sample_site());
    let reply = get(server.local_addr(), "/articles/missing/");
    assert_eq!(reply.status, 404);
    assert_eq!(reply.header("Content-Type"), Some("text/html; charset=utf-8"));
    assert!(reply.text().starts_with("<!DOCTYPE html><html><body><h1>页面不存在</h1>"));
    server.stop();

    let (server, _events) = start(MemorySite::new(&[("index.html", PAGE.as_bytes())]));
    let reply = get(server.local_addr(), "/missing.css");
    assert_eq!(reply.status, 404);
    assert_eq!(reply.header("Content-Type"), Some("text/plain; charset=utf-8"));
    assert_eq!(reply.text(), "404 Not Found: /missing.css\n");
    server.stop();
}

#[test]
fn serve_head_sends_the_get_headers_without_a_body() {
    let (server, _events) = start(sample_site());
    let addr = server.local_addr();
    for target in ["/", "/style.css", "/missing", "/tags/ai"] {
        let get = get(addr, target);
        let head = exchange(addr, format!("HEAD {target} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes());
        assert_eq!(head.status, get.status, "{target}");
        assert!(head.body.is_empty(), "{target}");
        for name in ["Content-Type", "Content-Length", "Location", "Cache-Control", "X-Content-Type-Options"] {
            assert_eq!(head.header(name), get.header(name), "{target} {name}");
        }
    }
    server.stop();
}

#[test]
fn serve_refuses_other_methods_with_405_and_allow() {
    let (server, _events) = start(sample_site());
    for request in [
        &b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello"[..],
        b"PUT /style.css HTTP/1.1\r\nHost: localhost\r\n\r\n",
        b"DELETE /index.html HTTP/1.1\r\n\r\n",
        b"OPTIONS * HTTP/1.1\r\n\r\n",
        b"get / HTTP/1.1\r\n\r\n",
    ] {
        let reply = exchange(server.local_addr(), request);
        assert_eq!(reply.status, 405, "{}", String::from_utf8_lossy(request));
        assert_eq!(reply.header("Allow"), Some("GET, HEAD"));
    }
    server.stop();
}

#[test]
fn serve_never_passes_traversal_forms_to_the_site() {
    let site = sample_site();
    let (server, _events) = start(site.clone());
    let traversals: &[&[u8]] = &[
        b"/..",
        b"/../etc/passwd",
        b"/a/../../etc/passwd",
        b"/tags/ai/../../../etc/passwd",
        b"/%2e%2e/etc/passwd",
        b"/%2E%2E%2Fetc%2Fpasswd",
        b"/.%2e/etc/passwd",
        b"/%2e./etc/passwd",
        b"/.",
        b"/./index.html",
        b"/tags/./ai/",
        b"/...",
        b"/index.html.",
        b"/index.html%20",
        b"/a//b",
        b"//etc/passwd",
        b"/tags//",
        b"/a\\..\\..\\etc\\passwd",
        b"/%5c..%5cetc%5cpasswd",
        b"/..%5C..%5Cetc",
        b"/tags%2fai/",
        b"/..%2f..%2fetc%2fpasswd",
        b"/index.html%00.png",
        b"/%00",
        b"/a%0d%0aSet-Cookie:x",
        b"/%c0%ae%c0%ae/etc/passwd",
        b"/%c0%2e%c0%2e/etc",
        b"/%e0%80%ae%e0%80%ae/etc",
        b"/%c1%9c..",
        b"/%ed%a0%80",
        b"/%ff/",
        b"/%",
        b"/%2",
        b"/%zz",
        b"/C:/Windows/win.ini",
        b"/c:%5cwindows%5cwin.ini",
        b"/C%3A/x",
        b"/index.html::$DATA",
        b"C:/Windows/win.ini",
        b"C:\\Windows\\win.ini",
        b"\\..\\etc\\passwd",
        b"etc/passwd",
        b"*",
        b"https://localhost/index.html",
        b"file:///etc/passwd",
        b"http:///etc/passwd",
        b"http://user@localhost/index.html",
        b"http://localhost/../etc/passwd",
        b"http://localhost//etc/passwd",
        b"localhost:80",
    ];
    for target in traversals {
        let mut request = b"GET ".to_vec();
        request.extend_from_slice(target);
        request.extend_from_slice(b" HTTP/1.1\r\nHost: localhost\r\n\r\n");
        let reply = exchange(server.local_addr(), &request);
        assert_eq!(reply.status, 400, "{}", String::from_utf8_lossy(target));
        assert_eq!(reply.header("Content-Type"), Some("text/plain; charset=utf-8"));
    }
    assert_eq!(site.asked(), Vec::<String>::new(), "the site was asked for a rejected path");
    // The absolute form a proxy would send is accepted, and only its path is used.
    let reply = get(server.local_addr(), "http://localhost:1111/style.css?x");
    assert_eq!((reply.status, reply.text().as_str()), (200, "body { color: red }"));
    assert_eq!(get(server.local_addr(), "http://localhost").status, 200);
    server.stop();
}

#[test]
fn serve_answers_malformed_http_with_400_and_closes() {
    let (server, _events) = start(sample_site());
    let long_line = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(9000));
    let long_header = format!("GET / HTTP/1.1\r\nX-Long: {}\r\n\r\n", "b".repeat(9000));
    let many_headers = format!("GET / HTTP/1.1\r\n{}\r\n", "X-Many: 1\r\n".repeat(101));
    let malformed: Vec<&[u8]> = vec![
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
        b"hello\r\n\r\n",
        b"GET /\r\n\r\n",
        b"GET / \r\n\r\n",
        b"GET / HTTP/1.1 extra\r\n\r\n",
        b"GET\t/ HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\n continued\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        b"GET /\x00 HTTP/1.1\r\n\r\n",
        long_line.as_bytes(),
        long_header.as_bytes(),
        many_headers.as_bytes(),
    ];
    for request in malformed {
        let reply = exchange(server.local_addr(), request);
        assert_eq!(reply.status, 400, "{}", String::from_utf8_lossy(&request[..request.len().min(60)]));
        assert_eq!(reply.header("Connection"), Some("close"));
    }
    // A hundred headers are still fine, and so is a line of exactly 8 KiB.
    let hundred = format!("GET / HTTP/1.1\r\n{}\r\n", "X-Many: 1\r\n".repeat(100));
    assert_eq!(exchange(server.local_addr(), hundred.as_bytes()).status, 200);
    let exact = format!("GET /{}?{} HTTP/1.1\r\n\r\n", "style.css", "q".repeat(8192 - 24));
    assert_eq!(exact.find("\r\n"), Some(8192));
    assert_eq!(exchange(server.local_addr(), exact.as_bytes()).status, 200);
    // HTTP/2 spoken without TLS is a version this server does not speak.
    assert_eq!(exchange(server.local_addr(), b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").status, 505);
    server.stop();
}

#[test]
fn serve_times_out_slow_clients_without_blocking_others() {
    let limits = Limits { workers: 2, head_timeout: Duration::from_secs(1), ..LIMITS };
    let (server, _events) = start_with(sample_site(), limits);
    let addr = server.local_addr();
    // More slow clients than workers, each sending a little of its head.
    let mut slow: Vec<TcpStream> = (0..8).map(|_| connect(addr)).collect();
    for stream in &mut slow {
        stream.write_all(b"GET / HT").unwrap();
    }
    let started = Instant::now();
    assert_eq!(get(addr, "/style.css").status, 200);
    assert!(started.elapsed() < Duration::from_millis(700), "a normal request waited {:?}", started.elapsed());
    // The slow ones are told so and closed once their time is up.
    for mut stream in slow {
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).expect("closed by the server");
        assert!(bytes.is_empty() || bytes.starts_with(b"HTTP/1.1 408 "), "{}", String::from_utf8_lossy(&bytes));
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    server.stop();
}

#[test]
fn serve_survives_a_thousand_concurrent_connections() {
    let (server, _events) = start(sample_site());
    let addr = server.local_addr();
    let started = Instant::now();
    // A thousand connections at once: most idle, some with half a request.
    let mut crowd = Vec::with_capacity(1000);
    for n in 0..1000 {
        let mut stream = connect(addr);
        if n % 10 == 0 {
            stream.write_all(b"GET /index.html HTTP/1.1\r\nHost: loc").unwrap();
        }
        crowd.push(stream);
    }
    // While they are all open, a normal request is answered at once.
    let request_started = Instant::now();
    let reply = get(addr, "/tags/ai/");
    assert_eq!(reply.status, 200);
    assert!(request_started.elapsed() < Duration::from_secs(2), "took {:?}", request_started.elapsed());
    // And a burst of complete requests from a few threads is answered too.
    let clients: Vec<_> = (0..4)
        .map(|_| std::thread::spawn(move || (0..50).map(|_| get(addr, "/style.css").status).collect::<Vec<_>>()))
        .collect();
    for client in clients {
        assert!(client.join().unwrap().iter().all(|&status| status == 200));
    }
    drop(crowd);
    assert_eq!(get(addr, "/").status, 200);
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
    server.stop();
}

/// An event-stream client: reads the head, then messages.
struct Listener {
    reader: BufReader<TcpStream>,
}

impl Listener {
    fn open(addr: SocketAddr) -> Listener {
        let mut stream = connect(addr);
        stream
            .write_all(b"GET /__themata/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
            .unwrap();
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        while !head.ends_with("\r\n\r\n") {
            assert_ne!(reader.read_line(&mut head).unwrap(), 0, "stream closed in the head: {head}");
        }
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(head.contains("\r\nContent-Type: text/event-stream"), "{head}");
        assert!(head.contains("\r\nCache-Control: no-store\r\n"), "{head}");
        assert!(!head.contains("Content-Length"), "{head}");
        Listener { reader }
    }

    /// The next message's `(event, data)`, skipping comments and the `retry:` message.
    fn next(&mut self) -> (String, String) {
        loop {
            let (mut event, mut data) = (String::new(), Vec::new());
            loop {
                let mut line = String::new();
                assert_ne!(self.reader.read_line(&mut line).unwrap(), 0, "the stream ended");
                let line = line.trim_end_matches('\n');
                if line.is_empty() {
                    break;
                }
                if let Some(name) = line.strip_prefix("event: ") {
                    event = name.to_string();
                } else if let Some(value) = line.strip_prefix("data: ") {
                    data.push(value.to_string());
                }
            }
            if !event.is_empty() {
                return (event, data.join("\n"));
            }
        }
    }
}

fn wait_for(mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !condition() {
        assert!(Instant::now() < deadline, "condition not met in time");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn serve_pushes_events_and_remembers_the_last_error() {
    // One worker: listeners must not hold it.
    let (server, events) = start_with(sample_site(), Limits { workers: 1, ..LIMITS });
    let addr = server.local_addr();
    events.send("error", "content/a.md:3:1: broken link\ncontent/b.md:9:4: bad date");
    let mut first = Listener::open(addr);
    assert_eq!(first.next(), ("error".into(), "content/a.md:3:1: broken link\ncontent/b.md:9:4: bad date".into()));
    let mut second = Listener::open(addr);
    assert_eq!(second.next().0, "error");
    wait_for(|| events.connected() == 2);
    assert_eq!(get(addr, "/style.css").status, 200, "a page is served while two browsers listen");

    events.send("reload", r#"["/articles/a/"]"#);
    events.send("css", "style.css");
    events.send("ok", "");
    for listener in [&mut first, &mut second] {
        assert_eq!(listener.next(), ("reload".into(), r#"["/articles/a/"]"#.into()));
        assert_eq!(listener.next(), ("css".into(), "style.css".into()));
        assert_eq!(listener.next(), ("ok".into(), String::new()));
    }
    // After "ok" a new page starts clean.
    let mut third = Listener::open(addr);
    wait_for(|| events.connected() == 3);
    events.send("reload", "[]");
    assert_eq!(third.next(), ("reload".into(), "[]".into()));

    drop(first);
    drop(second);
    wait_for(|| events.connected() == 1);
    server.stop();
    // Stopping closes the remaining stream.
    let mut rest = String::new();
    assert_eq!(third.reader.read_to_string(&mut rest).unwrap(), 0);
    assert_eq!(events.connected(), 0);
}

#[test]
fn serve_head_on_the_event_stream_does_not_subscribe() {
    let (server, events) = start(sample_site());
    let reply = exchange(server.local_addr(), b"HEAD /__themata/events HTTP/1.1\r\n\r\n");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("Content-Type"), Some("text/event-stream; charset=utf-8"));
    assert!(reply.body.is_empty());
    assert_eq!(events.connected(), 0);
    server.stop();
}

#[test]
fn serve_asks_for_the_current_snapshot_on_every_request() {
    let current: Arc<Mutex<Arc<dyn Site>>> = Arc::new(Mutex::new(MemorySite::new(&[("style.css", b"old")])));
    let source: SiteSource = {
        let current = Arc::clone(&current);
        Arc::new(move || current.lock().unwrap().clone())
    };
    let server = Server::start(Options::default(), source, Events::new()).unwrap();
    assert_eq!(get(server.local_addr(), "/style.css").text(), "old");
    *current.lock().unwrap() = MemorySite::new(&[("style.css", b"new")]);
    assert_eq!(get(server.local_addr(), "/style.css").text(), "new");
    server.stop();
}

#[test]
fn serve_binds_loopback_by_default_and_explains_a_taken_port() {
    assert_eq!(Options::default().interface, IpAddr::V4(Ipv4Addr::LOCALHOST));
    let (server, _events) = start(sample_site());
    assert_eq!(server.local_addr().ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_ne!(server.local_addr().port(), 0);
    let port = server.local_addr().port();
    let source: SiteSource = Arc::new(|| -> Arc<dyn Site> { sample_site() });
    let taken = Options { port, ..Options::default() };
    let error = Server::start(taken, source, Events::new()).expect_err("the port is taken");
    assert_eq!(error.kind(), ErrorKind::AddrInUse);
    assert_eq!(
        error.to_string(),
        format!("cannot listen on 127.0.0.1:{port}: port {port} is already in use; pick another port")
    );
    let started = Instant::now();
    server.stop();
    assert!(started.elapsed() < Duration::from_secs(2), "stopping took {:?}", started.elapsed());
    assert!(TcpStream::connect(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).is_err(), "still listening");
}

#[test]
fn serve_makes_room_when_the_system_runs_out_of_sockets() {
    let (server, _events) = start(sample_site());
    let addr = server.local_addr();
    let mut idle: Vec<TcpStream> = (0..8).map(|_| connect(addr)).collect();
    // Let the gather thread take all eight before the accept thread reports a shortage.
    std::thread::sleep(Duration::from_millis(100));
    server.signals.short_of_sockets.store(true, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(100));
    // The four oldest were closed to make room; the four newest are still waiting.
    for (n, stream) in idle.iter_mut().enumerate() {
        if n < 4 {
            let mut bytes = Vec::new();
            assert_eq!(stream.read_to_end(&mut bytes).map(|_| bytes.len()).unwrap_or(0), 0, "connection {n}");
        } else {
            stream.set_nonblocking(true).unwrap();
            let still_open = matches!(stream.read(&mut [0u8; 1]), Err(e) if e.kind() == ErrorKind::WouldBlock);
            assert!(still_open, "connection {n} was closed");
        }
    }
    assert_eq!(get(addr, "/style.css").status, 200);
    server.stop();
}

/// A site whose code panics on one path.
struct PanickingSite;

impl Site for PanickingSite {
    fn file(&self, path: &str) -> Option<Arc<[u8]>> {
        assert_ne!(path, "boom.html", "the site's own bug");
        (path == "index.html").then(|| Arc::from(&b"<p>ok</p>"[..]))
    }
}

#[test]
fn serve_keeps_its_workers_when_the_site_panics() {
    let source: SiteSource = Arc::new(|| -> Arc<dyn Site> { Arc::new(PanickingSite) });
    let limits = Limits { workers: 2, ..LIMITS };
    let server = Server::start_with(Options::default(), source, Events::new(), limits).unwrap();
    let addr = server.local_addr();
    for _ in 0..5 {
        let reply = get(addr, "/boom.html");
        assert_eq!((reply.status, reply.text().as_str()), (500, "500 Internal Server Error: the site panicked\n"));
    }
    assert_eq!(get(addr, "/").status, 200);
    server.stop();
}

#[test]
fn serve_lets_go_of_clients_that_do_not_read_their_response() {
    // Far more than the socket buffers on both sides hold.
    let big = vec![b'x'; 32 << 20];
    let site = MemorySite::new(&[("big.bin", &big), ("style.css", b"body {}")]);
    let limits = Limits {
        workers: 1,
        write_timeout: Duration::from_millis(300),
        response_deadline: Duration::from_secs(1),
        ..LIMITS
    };
    let (server, _events) = start_with(site, limits);
    let addr = server.local_addr();
    let started = Instant::now();
    // One client never reads; the next reads a trickle, so each write makes a little progress.
    let mut stalled = connect(addr);
    stalled.write_all(b"GET /big.bin HTTP/1.1\r\n\r\n").unwrap();
    let mut trickle = connect(addr);
    trickle.write_all(b"GET /big.bin HTTP/1.1\r\n\r\n").unwrap();
    let served = Arc::new(AtomicBool::new(false));
    let reader = std::thread::spawn({
        let served = Arc::clone(&served);
        move || {
            let mut total = 0;
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                // A trickle until the other request is served, then whatever is left, at once.
                if !served.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(100));
                }
                match trickle.read(&mut buf) {
                    Ok(0) | Err(_) => return total,
                    Ok(n) => total += n,
                }
            }
        }
    });
    // The single worker gets free for this one within both limits.
    assert_eq!(get(addr, "/style.css").text(), "body {}");
    served.store(true, Ordering::SeqCst);
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    assert!(reader.join().unwrap() < big.len(), "the trickling client got everything");
    drop(stalled);
    server.stop();
}

#[test]
fn serve_refuses_listeners_past_the_limit_until_one_leaves() {
    let (server, events) = start(sample_site());
    let addr = server.local_addr();
    let mut listeners: Vec<Listener> = (0..events::MAX_LISTENERS).map(|_| Listener::open(addr)).collect();
    wait_for(|| events.connected() == events::MAX_LISTENERS);
    let refused = get(addr, "/__themata/events");
    assert_eq!(refused.status, 503);
    assert_eq!(events.connected(), events::MAX_LISTENERS);
    drop(listeners.pop());
    wait_for(|| events.connected() == events::MAX_LISTENERS - 1);
    let mut newcomer = Listener::open(addr);
    events.send("ok", "");
    assert_eq!(newcomer.next().0, "ok");
    assert_eq!(listeners[0].next().0, "ok");
    server.stop();
}
