//! How fast `themata serve` shows an edit: the time from writing a file to the new HTML being
//! served, on a generated site of realistic articles (6,000 by default; `THEMATA_BENCH_N` to
//! change). Run with `cargo bench --bench serve`; it prints the medians and the spread.
//!
//! The real binary is started on a free loopback port; each sample edits one article (its
//! body, or its tags), then polls the article's URL until the edit shows.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SAMPLES: usize = 15;

fn get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut body = Vec::new();
    stream.read_to_end(&mut body).unwrap();
    String::from_utf8_lossy(&body).into_owned()
}

fn wait_until(port: u16, path: &str, needle: &str) -> Duration {
    let started = Instant::now();
    loop {
        if get(port, path).contains(needle) {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(120), "never saw {needle} on {path}");
        std::thread::sleep(Duration::from_micros(500));
    }
}

fn median(mut samples: Vec<Duration>) -> (f64, f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(samples[samples.len() / 2]), ms(samples[0]), ms(samples[samples.len() - 1]))
}

fn main() {
    let n: usize = std::env::var("THEMATA_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(6000);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    themata::corpus::bench_site(repo, root, n, 42).expect("write the site");
    println!("site: {n} generated articles, the knowledge base's themes and glossary");

    let started = Instant::now();
    let mut child: Child = Command::new(env!("CARGO_BIN_EXE_themata"))
        .args(["serve", "--port", "0", "--root"])
        .arg(root)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start themata serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.next().unwrap().unwrap();
    let port: u16 = line.rsplit(':').next().unwrap().trim_end_matches(|c: char| !c.is_ascii_digit()).parse().unwrap();
    println!("first build and serve: {:.0} ms", started.elapsed().as_secs_f64() * 1000.0);

    // Article 1 is in front-matter form (every third article is a GitBook export).
    let file = root.join("content/articles/000/a1.md");
    let url = "/articles/000/a1/";
    let original = std::fs::read_to_string(&file).unwrap();
    assert!(get(port, url).contains("<h1"), "the article is served");

    let mut body_edits = Vec::new();
    for i in 0..SAMPLES {
        let marker = format!("基准标记{i}号");
        std::fs::write(&file, format!("{original}\n{marker}。\n")).unwrap();
        body_edits.push(wait_until(port, url, &marker));
        std::thread::sleep(Duration::from_millis(300));
    }
    let mut tag_edits = Vec::new();
    for i in 0..SAMPLES {
        let tag = format!("基准标签{i}");
        std::fs::write(&file, original.replacen("tags: [", &format!("tags: [\"{tag}\", "), 1)).unwrap();
        tag_edits.push(wait_until(port, url, &format!("#{tag}")));
        std::thread::sleep(Duration::from_millis(300));
    }
    let _ = child.kill();
    let _ = child.wait();

    let (body, body_min, body_max) = median(body_edits);
    let (tags, tags_min, tags_max) = median(tag_edits);
    println!(
        "edit of an article's body → new HTML served: median {body:.1} ms (min {body_min:.1}, max {body_max:.1}, {SAMPLES} samples)"
    );
    println!(
        "change of an article's tags → new HTML served: median {tags:.1} ms (min {tags_min:.1}, max {tags_max:.1}, {SAMPLES} samples)"
    );
}
