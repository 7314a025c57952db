//! `themata check`: fixture sites checked by the real binary. Exact messages are read from
//! `--format json` (file, line, column, message, help), which does not change with the way
//! diagnostics are printed. External links are tried only against a small HTTP server on
//! 127.0.0.1 that each test starts, or against hosts that cannot resolve (`.invalid`) and
//! closed loopback ports: nothing leaves the machine, and every server stops by itself.

mod support;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{Run, Site};

/// Run `themata check <args>` on `site` with the link cache in `cache` and no proxy.
fn run_check(site: &Site, cache: &Path, args: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_themata"));
    command.arg("check").args(args).arg("--root").arg(site.root()).current_dir(site.root());
    command.env("NO_COLOR", "1").env("XDG_CACHE_HOME", cache);
    for proxy in ["ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"] {
        command.env_remove(proxy);
    }
    let output = command.output().expect("run themata");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        out: site.root().join("public"),
    }
}

/// A check's JSON report.
struct Report {
    code: i32,
    json: Value,
    stderr: String,
}

impl Report {
    /// (file, line, column, message, help) of every diagnostic whose message contains `needle`;
    /// line and column are 0 when the report says null.
    fn find(&self, needle: &str) -> Vec<(String, u64, u64, String, Option<String>)> {
        self.json["diagnostics"]
            .as_array()
            .expect("diagnostics is an array")
            .iter()
            .filter(|d| d["message"].as_str().is_some_and(|m| m.contains(needle)))
            .map(|d| {
                (
                    d["file"].as_str().unwrap().to_string(),
                    d["line"].as_u64().unwrap_or(0),
                    d["column"].as_u64().unwrap_or(0),
                    d["message"].as_str().unwrap().to_string(),
                    d["help"].as_str().map(str::to_string),
                )
            })
            .collect()
    }

    fn messages(&self) -> Vec<String> {
        self.json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["message"].as_str().unwrap().to_string())
            .collect()
    }
}

fn check_json(site: &Site, cache: &Path, args: &[&str]) -> Report {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let run = run_check(site, cache, &all);
    let json: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}\n{}", run.stdout, run.stderr));
    Report { code: run.code, json, stderr: run.stderr }
}

/// The 1-based character column of `needle` in the line of `text` that holds it.
fn col(text: &str, needle: &str) -> u64 {
    let line = text.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("no {needle}"));
    line[..line.find(needle).unwrap()].chars().count() as u64 + 1
}

fn article(title: &str, front: &str, body: &str) -> String {
    format!("---\ntitle: {title}\ndescription: 关于{title}\n{front}---\n{body}\n")
}

/// Every file under `root` with its bytes.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(root).unwrap().display().to_string(), std::fs::read(e.path()).unwrap()))
        .collect()
}

#[test]
fn check_reports_what_build_would_and_writes_nothing() {
    let site = Site::new()
        .page("_index.md", "---\ntitle: 首页\n---\n见[文章](articles/a.md)。\n")
        .page("articles/_index.md", "---\ntitle: 文章\n---\n")
        .page("articles/a.md", &article("甲", "", "正文。"));
    site.build_ok();
    let cache = tempfile::tempdir().unwrap();
    site.write("content/articles/b.md", &article("乙", "", "见[不存在](missing.md)。\n"));
    let before = tree(site.root());

    let build = site.build();
    assert_eq!(build.code, 1);
    // Each report of the build (from `error:` to the blank line after it) appears in check's output.
    let built: Vec<&str> = build.stderr.split("\n\n").filter(|block| block.starts_with("error: ")).collect();
    assert!(!built.is_empty(), "{}", build.stderr);
    let run = run_check(&site, cache.path(), &[]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    for block in &built {
        assert!(run.stderr.contains(block), "check lacks the build's report\n{block}\nin\n{}", run.stderr);
    }
    assert!(run.stderr.contains("Checked 2 pages and 2 sections: 1 error(s), 0 warning(s)"), "{}", run.stderr);

    let report = check_json(&site, cache.path(), &[]);
    assert_eq!(report.code, 1);
    assert_eq!(
        report.find("broken link"),
        [("content/articles/b.md".to_string(), 5, 2, "broken link: `missing.md` matches no page".to_string(), None)]
    );
    assert_eq!(tree(site.root()), before, "check changed the site or its output");

    // A site never built: check creates no output folder.
    let fresh = Site::new().page("articles/a.md", &article("甲", "", "正文。"));
    run_check(&fresh, cache.path(), &[]);
    assert!(!fresh.root().join("public").exists());
}

#[test]
fn template_errors_show_because_pages_are_rendered_in_memory() {
    let site = Site::new().page("articles/a.md", &article("甲", "", "正文。")).file(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block main %}{{ page.no_such_field }}{% endblock main %}",
    );
    let cache = tempfile::tempdir().unwrap();
    let report = check_json(&site, cache.path(), &[]);
    assert_eq!(report.code, 1);
    let errors: Vec<&Value> =
        report.json["diagnostics"].as_array().unwrap().iter().filter(|d| d["severity"] == "error").collect();
    assert!(
        errors.iter().any(|d| d["file"].as_str().unwrap().ends_with("page.html")),
        "no error names the template: {:#}",
        report.json
    );
    assert!(!site.root().join("public").exists());
}

#[test]
fn orphans_are_pages_nothing_reaches() {
    // No content/_index.md: pages outside any section are listed nowhere.
    let site = Site::new()
        .page("notes/lost.md", &article("无人问津", "", "正文。"))
        .page("notes/linked.md", &article("被链接", "", "正文。"))
        .page("notes/tagged.md", &article("有标签", "tags: [随笔]\n", "见[被链接](linked.md)。"))
        .page("books/_index.md", "---\ntitle: 书\n---\n")
        .page("books/listed.md", &article("在栏目里", "", "正文。"));
    let cache = tempfile::tempdir().unwrap();
    let report = check_json(&site, cache.path(), &[]);
    let orphans = report.find("no page links here");
    let files: Vec<&str> = orphans.iter().map(|o| o.0.as_str()).collect();
    // The section itself has no section above it either and nothing links to it.
    assert_eq!(files, ["content/books/_index.md", "content/notes/lost.md"]);
    assert_eq!(orphans[1].3, "no page links here and no taxonomy reaches it");
    assert_eq!((orphans[1].1, orphans[1].2), (0, 0));
    assert_eq!(orphans[1].4.as_deref(), Some("link to it from another page, give it tags, or move it into a section"));
    assert_eq!(report.code, 0, "orphans are warnings");
}

#[test]
fn tags_used_once_that_look_like_another_get_a_suggestion() {
    let page = |title: &str, tags: &str| article(title, &format!("tags: {tags}\n"), "正文。");
    let site = Site::new()
        .page("_index.md", "---\ntitle: 首页\n---\n")
        .page("a.md", &page("一", "[To B, product management]"))
        .page("b.md", &page("二", "[To B, product management, 竞品分析]"))
        .page("c.md", &page("三", "[To B]"))
        .page("d.md", &page("四", "[ToB]"))
        .page("e.md", &page("五", "[To C]"))
        .page("f.md", &article("六", "tags:\n  - 随笔\n  - product managment\n", "正文。"))
        .page("g.md", &page("七", "[产品分析]"));
    let cache = tempfile::tempdir().unwrap();
    let report = check_json(&site, cache.path(), &[]);
    assert_eq!(
        report.find("is used by this page only"),
        [
            (
                "content/d.md".to_string(),
                4,
                8,
                "tag `ToB` is used by this page only".to_string(),
                Some("did you mean `To B` (used by 3 pages)?".to_string())
            ),
            (
                "content/f.md".to_string(),
                6,
                5,
                "tag `product managment` is used by this page only".to_string(),
                Some("did you mean `product management` (used by 2 pages)?".to_string())
            ),
        ],
        "`To C`, `随笔` and `竞品分析`/`产品分析` are other words, not slips"
    );
}

#[test]
fn images_without_alt_text_are_pointed_at() {
    let body = "第一段。\n\n![](cover.png) ![封面](cover.png)\n\n文字 ![ ](https://img.example/x.png)";
    let site = Site::new()
        .page("_index.md", "---\ntitle: 首页\n---\n")
        .page("a.md", &article("甲", "", body))
        .file("content/cover.png", "png");
    let cache = tempfile::tempdir().unwrap();
    let report = check_json(&site, cache.path(), &[]);
    let missing = report.find("has no alt text");
    let found: Vec<(String, u64, u64, String)> = missing.iter().map(|m| (m.0.clone(), m.1, m.2, m.3.clone())).collect();
    assert_eq!(
        found,
        [
            ("content/a.md".to_string(), 7, 1, "image `cover.png` has no alt text".to_string()),
            ("content/a.md".to_string(), 9, 4, "image `https://img.example/x.png` has no alt text".to_string()),
        ]
    );
    assert_eq!(missing[0].4.as_deref(), Some("describe it for readers who cannot see it: ![what it shows](cover.png)"));
}

#[test]
fn articles_without_a_description_are_reported_but_not_sections() {
    let site = Site::new()
        .page("_index.md", "---\ntitle: 首页\n---\n")
        .page("articles/_index.md", "---\ntitle: 文章\n---\n")
        .page("articles/bare.md", "---\ntitle: 无摘要\n---\n正文。\n")
        .page("articles/blank.md", "---\ntitle: 空摘要\ndescription: \"  \"\n---\n正文。\n")
        .page("articles/good.md", &article("有摘要", "", "正文。"));
    let cache = tempfile::tempdir().unwrap();
    let report = check_json(&site, cache.path(), &[]);
    let found: Vec<(String, u64, String)> = report.find("description").into_iter().map(|d| (d.0, d.1, d.3)).collect();
    assert_eq!(
        found,
        [
            ("content/articles/bare.md".to_string(), 0, "article has no description".to_string()),
            ("content/articles/blank.md".to_string(), 0, "article has no description".to_string()),
        ]
    );
}

#[test]
fn json_is_the_only_thing_on_stdout_and_counts_match() {
    let site = Site::new()
        .page("_index.md", "---\ntitle: 首页\n---\n")
        .page("a.md", "---\ntitle: 甲\n---\n![](https://img.example/x.png) [坏](missing.md)\n");
    let cache = tempfile::tempdir().unwrap();
    let report = check_json(&site, cache.path(), &[]);
    assert_eq!(report.stderr, "", "nothing but the JSON is printed");
    let keys: Vec<&String> = report.json.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["diagnostics", "errors", "warnings"]);
    let diagnostics = report.json["diagnostics"].as_array().unwrap();
    for d in diagnostics {
        let mut fields: Vec<&String> = d.as_object().unwrap().keys().collect();
        fields.sort();
        assert_eq!(fields, ["column", "file", "help", "line", "message", "severity"]);
    }
    let count = |severity: &str| diagnostics.iter().filter(|d| d["severity"] == severity).count() as u64;
    assert_eq!(report.json["errors"], count("error"));
    assert_eq!(report.json["warnings"], count("warning"));
    assert_eq!(count("error"), 1);
    assert_eq!(count("warning"), 2, "{:?}", report.messages());
    assert_eq!(report.code, 1);
}

#[test]
fn warnings_alone_pass_unless_strict() {
    let site = Site::new().page("_index.md", "---\ntitle: 首页\n---\n").page("a.md", "---\ntitle: 甲\n---\n正文。\n");
    let cache = tempfile::tempdir().unwrap();
    let run = run_check(&site, cache.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("article has no description"), "{}", run.stderr);
    assert_eq!(run.stdout.trim(), "Checked 1 pages and 1 sections: 1 warning(s)");
    let strict = run_check(&site, cache.path(), &["--strict"]);
    assert_eq!(strict.code, 1);
    assert!(strict.stderr.contains("Checked 1 pages and 1 sections: 0 error(s), 1 warning(s)"), "{}", strict.stderr);

    let clean = Site::new().page("_index.md", "---\ntitle: 首页\n---\n").page("a.md", &article("甲", "", "正文。"));
    let run = run_check(&clean, cache.path(), &["--strict"]);
    assert_eq!((run.code, run.stdout.trim()), (0, "Checked 1 pages and 1 sections: no problems found"));
}

// ---- external links ----------------------------------------------------------------------

/// An HTTP/1.1 server on 127.0.0.1 that answers a few fixed paths, logs every request as
/// `METHOD /path`, closes each connection after one answer, and stops when dropped, after
/// 64 connections, or after a minute, whichever comes first.
struct Server {
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log2, stop2) = (log.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let connections = AtomicUsize::new(0);
            while !stop2.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(60) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        if connections.fetch_add(1, Ordering::SeqCst) >= 64 {
                            break;
                        }
                        let (log, stop) = (log2.clone(), stop2.clone());
                        std::thread::spawn(move || answer(stream, &log, &stop));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server { port, log, stop, thread: Some(thread) }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The requests so far, sorted.
    fn requests(&self) -> Vec<String> {
        let mut log = self.log.lock().unwrap().clone();
        log.sort();
        log
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

fn answer(mut stream: TcpStream, log: &Mutex<Vec<String>>, stop: &AtomicBool) {
    stream.set_nonblocking(false).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head);
    let mut words = head.split_whitespace();
    let (method, path) = (words.next().unwrap_or("").to_string(), words.next().unwrap_or("").to_string());
    log.lock().unwrap().push(format!("{method} {path}"));
    let (status, extra) = match (method.as_str(), path.as_str()) {
        (_, "/ok") => ("200 OK", ""),
        (_, "/moved") => ("301 Moved Permanently", "Location: /ok\r\n"),
        ("HEAD", "/no-head") => ("405 Method Not Allowed", "Allow: GET\r\n"),
        ("GET", "/no-head") => ("200 OK", ""),
        (_, "/slow") => {
            // Never answer; hang up after three seconds (the check gives up after one).
            let until = Instant::now() + Duration::from_secs(3);
            while Instant::now() < until && !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(20));
            }
            return;
        }
        _ => ("404 Not Found", ""),
    };
    let _ = write!(stream, "HTTP/1.1 {status}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n");
}

#[test]
fn external_links_are_asked_once_with_head_then_get_and_cached() {
    let server = Server::start();
    let body = format!(
        "[好]({ok}) [又是好]({ok}#part) [搬家]({moved})\n\n[不许HEAD]({nohead}) [没了]({missing})\n\n\
         ![图]({missing_image}) [慢]({slow})",
        ok = server.url("/ok"),
        moved = server.url("/moved"),
        nohead = server.url("/no-head"),
        missing = server.url("/missing"),
        missing_image = server.url("/missing.png"),
        slow = server.url("/slow"),
    );
    let site = Site::new().page("_index.md", "---\ntitle: 首页\n---\n").page("a.md", &article("甲", "", &body));
    let before = tree(site.root());
    let cache = tempfile::tempdir().unwrap();
    let report = check_json(&site, cache.path(), &["--external", "--timeout", "1"]);
    let found: Vec<(u64, u64, String)> = report.find("external").into_iter().map(|d| (d.1, d.2, d.3)).collect();
    assert_eq!(
        found,
        [
            (
                7,
                col(&body, "[没了]"),
                format!("broken external link: `{}` answered 404 Not Found", server.url("/missing"))
            ),
            (9, 1, format!("broken external image: `{}` answered 404 Not Found", server.url("/missing.png"))),
            (9, col(&body, "[慢]"), format!("external link `{}` did not answer within 1 s", server.url("/slow"))),
        ]
    );
    assert_eq!(report.code, 0, "broken external links are warnings");
    assert_eq!(
        server.requests(),
        [
            "GET /no-head",
            "HEAD /missing",
            "HEAD /missing.png",
            "HEAD /moved",
            "HEAD /no-head",
            "HEAD /ok",
            "HEAD /ok",
            "HEAD /slow"
        ],
        "each URL once (the fragment is not a different URL), the redirect followed"
    );
    assert!(cache.path().join("themata/links.json").is_file(), "the cache lives in XDG_CACHE_HOME");
    assert_eq!(tree(site.root()), before, "nothing written into the site");

    // Again: answers come from the cache; only the URL that never answered is asked again.
    server.log.lock().unwrap().clear();
    let again = check_json(&site, cache.path(), &["--external", "--timeout", "1"]);
    assert_eq!(again.find("external").len(), 3);
    assert_eq!(server.requests(), ["HEAD /slow"]);
}

#[test]
fn a_network_that_is_down_gives_one_problem_not_one_per_link() {
    // Names under .invalid never resolve (RFC 2606): this is the real failure, not a stand-in.
    let body = "[一](https://one.invalid/a) [二](https://two.invalid/b)\n\n![三](http://three.invalid/c.png)";
    let site = Site::new().page("_index.md", "---\ntitle: 首页\n---\n").page("a.md", &article("甲", "", body));
    let cache = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let report = check_json(&site, cache.path(), &["--external", "--timeout", "2"]);
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    let external: Vec<String> = report.messages().into_iter().filter(|m| m.contains("external")).collect();
    assert_eq!(external, ["network unreachable: 3 external links not checked"]);
    let problem = &report.find("network unreachable")[0];
    assert_eq!(problem.0, "content");
    assert!(problem.4.as_deref().is_some_and(|h| h.starts_with("could not reach ")), "{problem:?}");
    assert_eq!(report.code, 0);
    assert!(!cache.path().join("themata/links.json").exists(), "failures are not cached");
}

#[test]
fn connections_refused_everywhere_also_mean_the_network_is_down() {
    // Ports just closed on 127.0.0.1: every connection is refused at once.
    let ports: Vec<u16> = (0..12)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect::<Vec<_>>()
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect();
    let body: String = ports.iter().map(|p| format!("[链接](http://127.0.0.1:{p}/page)\n\n")).collect();
    let site = Site::new().page("_index.md", "---\ntitle: 首页\n---\n").page("a.md", &article("甲", "", &body));
    let cache = tempfile::tempdir().unwrap();
    let report = check_json(&site, cache.path(), &["--external", "--timeout", "2"]);
    let external: Vec<String> = report.messages().into_iter().filter(|m| m.contains("external")).collect();
    assert_eq!(external, ["network unreachable: 12 external links not checked"]);
}

#[test]
fn one_unknown_host_among_answering_ones_is_reported_alone() {
    let server = Server::start();
    let body = format!("[好]({}) [坏](https://nowhere.invalid/x)", server.url("/ok"));
    let site = Site::new().page("_index.md", "---\ntitle: 首页\n---\n").page("a.md", &article("甲", "", &body));
    let cache = tempfile::tempdir().unwrap();
    let report = check_json(&site, cache.path(), &["--external", "--timeout", "2"]);
    let found: Vec<(u64, u64, String)> = report.find("external").into_iter().map(|d| (d.1, d.2, d.3)).collect();
    assert_eq!(
        found,
        [(
            5,
            col(&body, "[坏]"),
            "external link `https://nowhere.invalid/x` could not be reached: host not found".to_string()
        )]
    );
    assert_eq!(server.requests(), ["HEAD /ok"]);
}
