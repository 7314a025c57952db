//! A small WebDriver client for the browser tests: chromedriver drives a real headless
//! Chromium (Debian's `chromium` and `chromium-driver`, which `.ci/run` installs), and
//! `themata serve` is started for real on a free loopback port.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::Site;

/// A child process killed when dropped.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One HTTP/1.1 request with a JSON body; the parsed JSON answer.
pub fn http_json(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
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
pub struct Browser {
    pub port: u16,
    pub session: String,
    _driver: Proc,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = http_json(self.port, "DELETE", &format!("/session/{}", self.session), None);
    }
}

/// Whether the browser tests can run. On a developer's machine without Chromium they are
/// skipped with a notice (so `cargo test` works on a fresh machine); under CI (`CI` set, as
/// `.ci/run` runs) a missing browser is a failure, and `.ci/run` installs it first.
pub fn browser_available(test: &str) -> bool {
    let found = find_program(&["chromedriver"]).is_some()
        && find_program(&["chromium", "chromium-browser", "google-chrome"]).is_some();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "Chromium and chromedriver are required under CI (apt-get install -y chromium chromium-driver)"
        );
        eprintln!(
            "skipping {test}: Chromium and chromedriver are not installed (apt-get install -y chromium chromium-driver fonts-noto-cjk)"
        );
    }
    found
}

pub fn find_program(names: &[&str]) -> Option<String> {
    let path = std::env::var("PATH").unwrap_or_default();
    names.iter().find_map(|name| {
        std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file()).map(|p| p.display().to_string())
    })
}

impl Browser {
    pub fn start() -> Browser {
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

    pub fn command(&self, method: &str, path: &str, body: Value) -> Value {
        let path = format!("/session/{}{path}", self.session);
        let answer = http_json(self.port, method, &path, Some(&body)).unwrap_or_else(|e| panic!("{path}: {e}"));
        if answer["value"].get("error").is_some() {
            panic!("WebDriver {path}: {}", answer["value"]);
        }
        answer["value"].clone()
    }

    pub fn open(&self, url: &str) {
        self.command("POST", "/url", json!({ "url": url }));
    }

    pub fn eval(&self, script: &str) -> Value {
        self.command("POST", "/execute/sync", json!({ "script": script, "args": [] }))
    }

    pub fn element(&self, css: &str) -> String {
        let found = self.command("POST", "/element", json!({ "using": "css selector", "value": css }));
        match found["element-6066-11e4-a52e-4f735466cecf"].as_str() {
            Some(id) => id.to_string(),
            None => panic!("no element {css}: {found}"),
        }
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.command("POST", &format!("/element/{id}/clear"), json!({}));
        self.command("POST", &format!("/element/{id}/value"), json!({ "text": text }));
    }

    pub fn press(&self, key: &str) {
        let actions = json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
            {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]}]});
        self.command("POST", "/actions", actions);
    }

    /// Evaluate `script` until `done` holds for its value (at most 15 s).
    pub fn wait_for(&self, script: &str, done: impl Fn(&Value) -> bool) -> Value {
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
pub fn serve(site: &Site) -> (Proc, String) {
    let (server, port) = serve_port(site);
    (server, format!("http://127.0.0.1:{port}"))
}

/// `themata serve --port 0` on the site; the port it took.
pub fn serve_port(site: &Site) -> (Proc, u16) {
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
    (Proc(child), port)
}

impl Browser {
    /// Resize the window (CSS pixels) and wait for the layout to follow.
    pub fn resize(&self, width: u32, height: u32) {
        self.command("POST", "/window/rect", json!({ "width": width, "height": height }));
        self.wait_for("return window.innerWidth", |v| v.as_u64().is_some_and(|w| w.abs_diff(width as u64) <= 20));
    }

    /// Emulate the reader's colour-scheme preference (through the DevTools protocol).
    pub fn prefer_color_scheme(&self, scheme: &str) {
        let params = json!({ "media": "", "features": [{ "name": "prefers-color-scheme", "value": scheme }] });
        self.command("POST", "/goog/cdp/execute", json!({ "cmd": "Emulation.setEmulatedMedia", "params": params }));
    }

    /// A PNG screenshot of the viewport.
    pub fn screenshot(&self) -> Vec<u8> {
        let path = format!("/session/{}/screenshot", self.session);
        let answer = http_json(self.port, "GET", &path, None).unwrap_or_else(|e| panic!("{path}: {e}"));
        let value = answer["value"].clone();
        themata::search::decode_base64(value.as_str().expect("base64 PNG"))
    }
}
