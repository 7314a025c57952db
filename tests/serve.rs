//! `themata serve` for real: the binary is started on a free loopback port, pages are fetched
//! over HTTP, sources are edited, and the served site must follow — exactly. Every wait is
//! bounded; the server is killed when the test ends.

mod support;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use support::Site;

/// A running `themata serve` (killed when dropped).
struct Server {
    _process: support::browser::Proc,
    port: u16,
}

impl Server {
    fn start(site: &Site) -> Server {
        let (process, port) = support::browser::serve_port(site);
        Server { _process: process, port }
    }

    /// The live-reload event stream, once its headers have arrived.
    fn events(&self) -> BufReader<TcpStream> {
        let mut events = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        events.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        write!(events, "GET /__themata/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        let mut events = BufReader::new(events);
        loop {
            let mut line = String::new();
            events.read_line(&mut line).unwrap();
            if line == "\r\n" {
                return events;
            }
        }
    }

    /// (status, headers, body) of a request.
    fn request(&self, method: &str, path: &str) -> (u16, String, Vec<u8>) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(stream, "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, head, raw[split + 4..].to_vec())
    }

    fn get(&self, path: &str) -> String {
        let (status, _, body) = self.request("GET", path);
        assert_eq!(status, 200, "GET {path}");
        String::from_utf8(body).unwrap()
    }

    /// Poll `path` until `done` holds for its body (at most 15 s).
    fn wait_for(&self, path: &str, done: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let (_, _, body) = self.request("GET", path);
            let body = String::from_utf8_lossy(&body).into_owned();
            if done(&body) {
                return body;
            }
            assert!(started.elapsed() < Duration::from_secs(15), "timed out waiting on {path}:\n{body}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// The live-reload script the server adds to HTML, taken out again to compare with a build.
fn without_reload_script(html: &str) -> String {
    match (html.find("<script>(() => {\n  const events = new EventSource"), html.rfind("</script>")) {
        (Some(start), Some(end)) if end > start => format!("{}{}", &html[..start], &html[end + "</script>".len()..]),
        _ => html.to_string(),
    }
}

fn page(title: &str, date: &str, tags: &str, body: &str) -> String {
    format!("---\ntitle: {title}\ndate: {date}\ntags: [{tags}]\n---\n{body}\n")
}

fn site() -> Site {
    Site::new()
        .page("_index.md", "---\ntitle: 首页\n---\n欢迎。\n")
        .page("articles/_index.md", "---\ntitle: 文章\n---\n")
        .page("articles/a.md", &page("甲", "2024-01-01", "AI, 中级", "第一版正文。"))
        .page("articles/b.md", &page("乙", "2024-01-02", "AI", "见[甲](a.md)。"))
}

#[test]
fn serves_the_site_with_the_right_headers() {
    let site = site();
    let server = Server::start(&site);
    let (status, head, body) = server.request("GET", "/articles/a/");
    assert_eq!(status, 200);
    assert!(head.contains("Content-Type: text/html; charset=utf-8"), "{head}");
    let html = String::from_utf8(body).unwrap();
    assert!(
        html.contains(&format!("href=\"{}/articles/b/\"", server.base())) || html.contains("第一版正文"),
        "links use the local address"
    );
    assert!(html.contains("/__themata/events"), "live reload is injected");
    let (status, _, body) = server.request("GET", "/tags/%E4%B8%AD%E7%BA%A7/");
    assert_eq!(status, 200);
    assert!(String::from_utf8(body).unwrap().contains("甲"));
    let (status, head, body) = server.request("HEAD", "/style.css");
    assert_eq!(status, 200);
    assert!(head.contains("text/css; charset=utf-8") && body.is_empty(), "{head}");
    let (status, _, body) = server.request("GET", "/no/such/page/");
    assert_eq!(status, 404);
    assert!(String::from_utf8(body).unwrap().contains("<html"), "the site's own 404 page");
    for hostile in ["/../site.toml", "/%2e%2e/site.toml", "/articles/..%2f..%2fsite.toml", "/a\\..\\site.toml"] {
        let (status, _, _) = server.request("GET", hostile);
        assert!(status == 400 || status == 404, "{hostile} answered {status}");
    }
}

#[test]
fn edits_show_up_and_errors_keep_the_last_good_site() {
    let site = site();
    let server = Server::start(&site);
    assert!(server.get("/articles/a/").contains("第一版正文"));

    // Listen for live-reload events.
    let mut events = server.events();
    let mut next_event = move || -> (String, String) {
        let mut name = String::new();
        let mut data = String::new();
        loop {
            let mut line = String::new();
            if events.read_line(&mut line).unwrap() == 0 {
                panic!("event stream closed");
            }
            let line = line.trim_end_matches(['\r', '\n']);
            if let Some(n) = line.strip_prefix("event: ") {
                name = n.to_string();
            } else if let Some(d) = line.strip_prefix("data: ") {
                if !data.is_empty() {
                    data.push('\n');
                }
                data.push_str(d);
            } else if line.is_empty() && !name.is_empty() {
                return (name, data);
            }
        }
    };

    site.write("content/articles/a.md", &page("甲", "2024-01-01", "AI, 中级", "第二版正文。"));
    server.wait_for("/articles/a/", |b| b.contains("第二版正文"));
    let mut seen = Vec::new();
    while !seen.iter().any(|(n, _): &(String, String)| n == "reload") {
        seen.push(next_event());
    }
    let reload = &seen.iter().find(|(n, _)| n == "reload").unwrap().1;
    assert!(reload.contains("articles/a/index.html"), "{reload}");

    site.write("content/articles/a.md", "---\ntitle: 甲\ndate: 2024-1-1\n---\n坏了。\n");
    let (name, data) = loop {
        let event = next_event();
        if event.0 == "error" {
            break event;
        }
    };
    assert_eq!(name, "error");
    assert!(data.contains("error: front matter `date`: invalid date \"2024-1-1\": expected YYYY-MM-DD"), "{data}");
    assert!(data.contains(" --> content/articles/a.md:3:7"), "{data}");
    assert!(server.get("/articles/a/").contains("第二版正文"), "the last good site is still served");

    site.write("content/articles/a.md", &page("甲", "2024-01-01", "AI", "第三版正文。"));
    loop {
        if next_event().0 == "ok" {
            break;
        }
    }
    server.wait_for("/articles/a/", |b| b.contains("第三版正文"));
}

#[test]
fn stylesheet_changes_are_swapped_without_a_reload() {
    let site = site().file("static/extra.css", "body { color: black }\n");
    let server = Server::start(&site);
    // The stream is open once its headers have arrived; only then is the change made.
    let mut events = server.events();
    site.write("static/extra.css", "body { color: navy }\n");
    let mut text = String::new();
    let started = Instant::now();
    while !text.contains("event: css") {
        let mut line = String::new();
        events.read_line(&mut line).unwrap();
        text.push_str(&line);
        assert!(!text.contains("event: reload"), "a stylesheet change must not reload: {text}");
        assert!(started.elapsed() < Duration::from_secs(15));
    }
    let mut data = String::new();
    events.read_line(&mut data).unwrap();
    assert_eq!(data.trim_end(), "data: extra.css");
    assert_eq!(server.get("/extra.css"), "body { color: navy }\n");
}

#[test]
fn after_a_session_of_edits_the_served_site_equals_a_cold_build() {
    let site = site()
        .page(
            "themes/skills.md",
            "---\ntitle: 技能失效\nkeywords:\n  - { phrase: 正文, weight: 3 }\n  - 第一版\n---\n导言。\n",
        )
        .page("glossary/zw.md", "---\ntitle: 正文\n---\n定义。\n");
    let server = Server::start(&site);
    server.get("/");
    type Step = Box<dyn Fn(&Site)>;
    let steps: Vec<Step> = vec![
        Box::new(|s| s.write("content/articles/a.md", &page("甲", "2024-01-01", "AI, To B", "改过的正文，第一版。"))),
        Box::new(|s| s.write("content/articles/c.md", &page("丙", "2024-01-03", "新标签", "新文章，见[[甲]]。"))),
        Box::new(|s| {
            std::fs::rename(s.root().join("content/articles/c.md"), s.root().join("content/articles/d.md")).unwrap()
        }),
        Box::new(|s| s.write("content/notes/x/n.md", &page("笔记", "2024-02-01", "随笔", "笔记。"))),
        Box::new(|s| std::fs::remove_dir_all(s.root().join("content/notes")).unwrap()),
        Box::new(|s| std::fs::remove_file(s.root().join("content/articles/b.md")).unwrap()),
        Box::new(|s| {
            // An editor's atomic save: write a temporary file, then rename it over the original.
            let tmp = s.root().join("content/articles/.a.md.tmp");
            std::fs::write(&tmp, page("甲", "2024-01-01", "AI", "原子保存的正文。")).unwrap();
            std::fs::rename(&tmp, s.root().join("content/articles/a.md")).unwrap();
        }),
        Box::new(|s| s.write("templates/404.html", "<!doctype html><title>没有</title><p>没有这一页</p>\n")),
    ];
    for step in &steps {
        step(&site);
        std::thread::sleep(Duration::from_millis(300));
    }
    server.wait_for("/articles/a/", |b| b.contains("原子保存的正文"));
    server.wait_for("/404.html", |b| b.contains("没有这一页"));
    std::thread::sleep(Duration::from_millis(500));

    // A cold build of the same files, at the same address, into a separate folder.
    let out = site.root().join("cold");
    let cold = site.run(&["build", "--output-dir", out.to_str().unwrap(), "--base-url", &server.base()]);
    assert_eq!(cold.code, 0, "{}", cold.stderr);
    let mut compared = 0;
    for entry in walkdir::WalkDir::new(&out).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file()) {
        let rel = entry.path().strip_prefix(&out).unwrap().to_string_lossy().replace('\\', "/");
        let expected = std::fs::read(entry.path()).unwrap();
        let url: String = rel.split('/').map(themata::index::encode_path).collect::<Vec<_>>().join("/");
        let (status, _, body) = server.request("GET", &format!("/{url}"));
        assert_eq!(status, 200, "{rel}");
        if rel.ends_with(".html") {
            assert_eq!(
                without_reload_script(&String::from_utf8(body).unwrap()),
                String::from_utf8(expected).unwrap(),
                "{rel} differs from a cold build"
            );
        } else {
            assert_eq!(body, expected, "{rel} differs from a cold build");
        }
        compared += 1;
    }
    assert!(compared > 20, "only {compared} files compared");
    let (status, _, _) = server.request("GET", "/articles/b/");
    assert_eq!(status, 404, "a deleted page is gone");
    let (status, _, _) = server.request("GET", "/articles/c/");
    assert_eq!(status, 404, "a renamed page's old URL is gone");
}
