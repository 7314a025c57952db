//! The search page in a real browser: `themata serve` on a fixture of sample articles, headless
//! Chromium driven through chromedriver's WebDriver HTTP API (a small client over TcpStream).
//! What is checked is what a reader sees: result titles for a Chinese query from the URL, new
//! results after typing, the `/` key focusing the header box, and a hostile title shown as text.
//! Every wait is bounded; the browser, chromedriver and the server are stopped at the end.

mod support;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Site, shared};
use themata::text::is_cjk;

const XSS_TITLE: &str = "<img src=x onerror=alert(1)>";

/// A child process killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One HTTP/1.1 request with a JSON body; the parsed JSON answer.
fn http_json(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| e.to_string())?;
    // chromedriver may keep the connection open: read exactly Content-Length bytes.
    let mut reader = BufReader::new(stream);
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).map_err(|e| e.to_string())?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().map_err(|_| format!("bad length {line}"))?;
        }
    }
    let mut raw = vec![0; length];
    reader.read_exact(&mut raw).map_err(|e| e.to_string())?;
    serde_json::from_slice(&raw).map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&raw)))
}

/// A chromedriver process and one headless Chromium session.
struct Browser {
    port: u16,
    session: String,
    _driver: Proc,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = http_json(self.port, "DELETE", &format!("/session/{}", self.session), None);
    }
}

fn find_program(names: &[&str]) -> Option<String> {
    let path = std::env::var("PATH").unwrap_or_default();
    names.iter().find_map(|name| {
        std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file()).map(|p| p.display().to_string())
    })
}

impl Browser {
    fn start() -> Browser {
        let driver = find_program(&["chromedriver"]).expect(
            "chromedriver is not installed: this test needs it and Chromium \
             (apt-get install -y chromium chromium-driver; .ci/run does this)",
        );
        let chromium = find_program(&["chromium", "chromium-browser", "google-chrome"])
            .expect("Chromium is not installed (apt-get install -y chromium chromium-driver; .ci/run does this)");
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = Proc(child);
        let started = Instant::now();
        while http_json(port, "GET", "/status", None).map(|v| v["value"]["ready"] != json!(true)).unwrap_or(true) {
            assert!(started.elapsed() < Duration::from_secs(15), "chromedriver did not start within 15 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap();
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--no-first-run".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
            "timeouts": {"pageLoad": 20000, "script": 10000, "implicit": 0},
        }}});
        let answer = http_json(port, "POST", "/session", Some(&caps)).expect("new WebDriver session");
        let session = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("chromedriver could not start Chromium: {answer}"))
            .to_string();
        Browser { port, session, _driver: driver, _profile: profile }
    }

    fn command(&self, method: &str, path: &str, body: Value) -> Value {
        let path = format!("/session/{}{path}", self.session);
        let answer = http_json(self.port, method, &path, Some(&body)).unwrap_or_else(|e| panic!("{path}: {e}"));
        if answer["value"].get("error").is_some() {
            panic!("WebDriver {path}: {}", answer["value"]);
        }
        answer["value"].clone()
    }

    fn open(&self, url: &str) {
        self.command("POST", "/url", json!({ "url": url }));
    }

    fn eval(&self, script: &str) -> Value {
        self.command("POST", "/execute/sync", json!({ "script": script, "args": [] }))
    }

    fn element(&self, css: &str) -> String {
        let found = self.command("POST", "/element", json!({ "using": "css selector", "value": css }));
        match found["element-6066-11e4-a52e-4f735466cecf"].as_str() {
            Some(id) => id.to_string(),
            None => panic!("no element {css}: {found}"),
        }
    }

    fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.command("POST", &format!("/element/{id}/clear"), json!({}));
        self.command("POST", &format!("/element/{id}/value"), json!({ "text": text }));
    }

    fn press(&self, key: &str) {
        let actions = json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
            {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]}]});
        self.command("POST", "/actions", actions);
    }

    /// Evaluate `script` until `done` holds for its value (at most 15 s).
    fn wait_for(&self, script: &str, done: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            let value = self.eval(script);
            if done(&value) {
                return value;
            }
            assert!(started.elapsed() < Duration::from_secs(15), "timed out on {script}: last value {value}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// `themata serve --port 0` on the site; its base URL.
fn serve(site: &Site) -> (Proc, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_themata"))
        .args(["serve", "--port", "0", "--root"])
        .arg(site.root())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start themata serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.next().expect("serve prints its address").unwrap();
    let port: u16 = line.rsplit(':').next().unwrap().split('/').next().unwrap().parse().expect(&line);
    (Proc(child), format!("http://127.0.0.1:{port}"))
}

/// The twelve first sample articles (by path) and a page with a hostile title.
fn fixture() -> (Site, Vec<(String, String, String)>) {
    let site = Site::new().page("_index.md", "---\ntitle: 首页\n---\n");
    let from = shared().join("corpus-sample/woshipm");
    let mut files: Vec<_> = walkdir::WalkDir::new(&from)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.path().to_path_buf())
        .collect();
    files.sort();
    files.truncate(12);
    let mut pages = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&from).unwrap().to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(&file).unwrap();
        site.write(&format!("content/sample/{rel}"), &text);
        let title = text.lines().next().unwrap().trim_start_matches("# ").trim().to_string();
        let url = format!("/sample/{}/", rel.trim_end_matches(".md"));
        pages.push((url, title, text));
    }
    let body = "这一页的标题是一段 HTML，搜索结果必须把它当作文字显示。";
    site.write("content/xss.md", &format!("---\ntitle: \"{XSS_TITLE}\"\n---\n{body}\n"));
    pages.push(("/xss/".into(), XSS_TITLE.into(), body.into()));
    (site, pages)
}

/// The spec's normalisation: full-width ASCII folded, ASCII lower case, zero widths dropped.
fn normalise(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).map(|c| c.to_ascii_lowercase()),
            0x3000 | 0xA0 => Some(' '),
            0x200B..=0x200D | 0xFEFF => None,
            _ => Some(c.to_ascii_lowercase()),
        })
        .collect()
}

/// Index tokens of normalised text: CJK unigrams and bigrams, Latin words.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        if is_cjk(chars[i]) {
            while i < chars.len() && is_cjk(chars[i]) {
                out.push(chars[i].to_string());
                if i > start {
                    out.push(chars[i - 1..=i].iter().collect());
                }
                i += 1;
            }
        } else if chars[i].is_ascii_alphanumeric() {
            while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else {
            i += 1;
        }
    }
    out
}

fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c9dc5u32, |h, b| (h ^ b as u32).wrapping_mul(0x01000193))
}

/// A small hand-made index in format v1 (one document per page), written under `static/search/`
/// for as long as the build does not write one itself.
fn write_fixture_index(site: &Site, pages: &[(String, String, String)]) {
    const SHARDS: u32 = 8;
    const DOC_SHARD: usize = 4;
    let mut postings: std::collections::BTreeMap<String, Vec<(usize, u32)>> = Default::default();
    let mut docs = Vec::new();
    for (id, (url, title, text)) in pages.iter().enumerate() {
        let x: String = normalise(text).split_whitespace().collect::<Vec<_>>().join(" ").chars().take(2000).collect();
        let mut weights: std::collections::BTreeMap<String, u32> = Default::default();
        for token in tokens(&x) {
            *weights.entry(token).or_default() += 1;
        }
        let title_tokens: std::collections::BTreeSet<String> = tokens(&normalise(title)).into_iter().collect();
        for token in title_tokens {
            *weights.entry(token).or_default() += 10;
        }
        for (token, weight) in weights {
            postings.entry(token).or_default().push((id, weight.min(255)));
        }
        docs.push(json!({"u": url, "t": title, "h": null, "x": x, "g": [], "m": [], "d": ""}));
    }
    let dir = site.root().join("static/search");
    std::fs::create_dir_all(dir.join("t")).unwrap();
    std::fs::create_dir_all(dir.join("d")).unwrap();
    let mut shards: Vec<serde_json::Map<String, Value>> = vec![Default::default(); SHARDS as usize];
    for (token, list) in postings {
        let mut encoded = Vec::new();
        let mut previous = 0;
        for (doc, weight) in list {
            encoded.push(json!(doc - previous));
            encoded.push(json!(weight));
            previous = doc;
        }
        shards[(fnv1a(&token) & (SHARDS - 1)) as usize].insert(token, Value::Array(encoded));
    }
    for (n, shard) in shards.into_iter().enumerate() {
        std::fs::write(dir.join(format!("t/{n:x}.json")), Value::Object(shard).to_string()).unwrap();
    }
    for (n, chunk) in docs.chunks(DOC_SHARD).enumerate() {
        std::fs::write(dir.join(format!("d/{n}.json")), json!(chunk).to_string()).unwrap();
    }
    let manifest = json!({"version": 1, "docs": docs.len(), "token_shards": SHARDS,
        "doc_shard_size": DOC_SHARD, "tags": [], "themes": []});
    std::fs::write(dir.join("index.json"), manifest.to_string()).unwrap();
}

const RESULT_TITLES: &str = "return Array.from(document.querySelectorAll('#search-results .search-result-title'))\
    .map(e => e.textContent)";

fn strings(value: &Value) -> Vec<String> {
    value.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

/// The titles of the fixture pages whose title or text contains `phrase` (after normalising).
fn containing(pages: &[(String, String, String)], phrase: &str) -> Vec<String> {
    let phrase = normalise(phrase);
    let mut titles: Vec<String> = pages
        .iter()
        .filter(|(_, title, text)| {
            normalise(title).contains(&phrase)
                || normalise(text).split_whitespace().collect::<Vec<_>>().join(" ").contains(&phrase)
        })
        .map(|(_, title, _)| title.clone())
        .collect();
    titles.sort();
    titles
}

#[test]
fn search_page_in_a_real_browser() {
    let (site, pages) = fixture();
    if !site.build_ok().exists("search/index.json") {
        write_fixture_index(&site, &pages);
    }
    std::fs::remove_dir_all(site.root().join("public")).unwrap();
    assert!(Path::new(&site.root().join("content/xss.md")).exists());
    let (_server, base) = serve(&site);
    let browser = Browser::start();

    // A Chinese query in the URL: the two articles of the series, and only pages that say it.
    browser.open(&format!("{base}/search/?q=%E6%95%B0%E6%8D%AE%E5%88%86%E6%9E%90%E5%85%AB%E5%A4%A7%E6%A8%A1%E5%9E%8B"));
    let mut shown = strings(&browser.wait_for(RESULT_TITLES, |v| !v.as_array().unwrap().is_empty()));
    shown.sort();
    let expected = containing(&pages, "数据分析八大模型");
    assert!(expected.contains(&"数据分析八大模型：人货场模型".to_string()), "{expected:?}");
    assert!(expected.contains(&"数据分析八大模型：同期群模型".to_string()), "{expected:?}");
    // (The index may hold only the start of a long text: every page shown must say it, and the
    // two whose titles say it must be there.)
    assert!(shown.iter().all(|t| expected.contains(t)), "{shown:?} not all in {expected:?}");
    assert!(shown.contains(&"数据分析八大模型：人货场模型".to_string()), "{shown:?}");
    assert!(shown.contains(&"数据分析八大模型：同期群模型".to_string()), "{shown:?}");
    let status = browser.eval("return document.getElementById('search-status').textContent");
    assert_eq!(status, json!(format!("找到 {} 篇文章", shown.len())));
    let marks = strings(
        &browser.eval("return Array.from(document.querySelectorAll('#search-results mark')).map(e => e.textContent)"),
    );
    assert!(!marks.is_empty() && marks.iter().all(|m| m == "数据分析八大模型"), "{marks:?}");

    // Typing another query replaces the results and the URL follows.
    browser.type_into("#search-q", "竞品分析报告");
    let shown = strings(
        &browser.wait_for(RESULT_TITLES, |v| strings(v).contains(&"如何写一份靠谱的竞品分析报告？".to_string())),
    );
    let expected = containing(&pages, "竞品分析报告");
    assert!(shown.iter().all(|t| expected.contains(t)), "{shown:?} not all in {expected:?}");
    assert!(!shown.iter().any(|t| t.contains("人货场")), "{shown:?}");
    let search = browser.eval("return decodeURIComponent(location.search)");
    assert_eq!(search, json!("?q=竞品分析报告"));

    // A query with nothing to find says so.
    browser.type_into("#search-q", "量子菠萝");
    browser.wait_for("return document.getElementById('search-status').textContent", |v| v == "没有找到结果");
    assert_eq!(strings(&browser.eval(RESULT_TITLES)), Vec::<String>::new());

    // A hostile title is text, not markup.
    browser.open(&format!("{base}/search/?q=onerror"));
    let shown = strings(&browser.wait_for(RESULT_TITLES, |v| !v.as_array().unwrap().is_empty()));
    assert_eq!(shown, [XSS_TITLE]);
    assert_eq!(browser.eval("return document.querySelectorAll('main img').length"), json!(0));

    // On an article page, `/` puts the cursor in the header's search box.
    browser.open(&format!("{base}{}", pages[0].0));
    let title = browser.eval("return document.querySelector('h1').textContent.trim()");
    assert_eq!(title, json!(pages[0].1));
    browser.press("/");
    let focused = browser.eval("return document.activeElement && document.activeElement.id");
    assert_eq!(focused, json!("site-search-q"));
    let typed = browser.eval("return document.activeElement.value");
    assert_eq!(typed, json!(""), "the `/` itself is not typed into the box");

    // The header box sends the query to /search/.
    browser.type_into("#site-search-q", "竞品分析报告\n");
    let shown = strings(&browser.wait_for(RESULT_TITLES, |v| !v.as_array().unwrap().is_empty()));
    assert!(shown.contains(&"如何写一份靠谱的竞品分析报告？".to_string()), "{shown:?}");
}
