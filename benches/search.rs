//! What the search index costs at scale: on a generated site of 6,000 articles
//! (`THEMATA_BENCH_N` to change), the size of `search/`, the bytes a reader's first query
//! fetches (manifest, token shards, doc shards and the client script), and the share of the
//! in-memory build spent on the "search" stage. Run with `cargo bench --bench search`.
//!
//! With `THEMATA_BENCH_SITE=<site folder>` it instead loads that site once and times
//! `search::build_index` alone (`THEMATA_BENCH_ROUNDS` rounds, 3 by default) in wall and CPU
//! time; `THEMATA_BENCH_DUMP=<folder>` also writes the index there, to compare two versions
//! byte for byte with `diff -r`.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use themata::build::{BuildOptions, build_in_memory};

const QUERIES: &[&str] = &["产品经理", "AI 产品经理", "用户增长", "B2B", "PMF", "To B", "数据分析 模型", "飞轮"];

/// The first-query budget of the spec, client code included.
const BUDGET: usize = 300 * 1024;

/// CPU time used by this process so far, all threads, user + system.
fn cpu_time() -> f64 {
    // SAFETY: an all-zero rusage is a valid value for getrusage to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pointer is valid for the call.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0.0;
    }
    let time = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// `build_index` alone on an existing site, as the module doc says.
fn index_only(root: &Path) {
    let config = themata::config::Config::load(root, &Default::default())
        .unwrap_or_else(|d| panic!("cannot load {}: {d:?}", root.display()));
    let started = Instant::now();
    let mut diagnostics = Vec::new();
    let site = themata::site::Site::load(config, &mut diagnostics);
    println!(
        "site {}: {} pages loaded in {:.0} ms",
        root.display(),
        site.pages.len(),
        started.elapsed().as_secs_f64() * 1e3
    );
    let rounds: usize = std::env::var("THEMATA_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let mut files = Vec::new();
    for round in 1..=rounds {
        drop(files);
        let (wall, cpu) = (Instant::now(), cpu_time());
        files = themata::search::build_index(&site);
        let (wall, cpu) = (wall.elapsed().as_secs_f64(), cpu_time() - cpu);
        let bytes: usize = files.iter().map(|f| f.bytes.len()).sum();
        println!(
            "build_index {round}: {:.0} ms wall, {:.0} ms CPU, {} files, {bytes} bytes",
            wall * 1e3,
            cpu * 1e3,
            files.len()
        );
    }
    if let Ok(dump) = std::env::var("THEMATA_BENCH_DUMP") {
        let dump = Path::new(&dump);
        for file in &files {
            let path = dump.join(&file.path);
            std::fs::create_dir_all(path.parent().expect("a file path has a parent")).expect("create dir");
            std::fs::write(&path, &file.bytes).expect("write");
        }
        println!("written under {}", dump.display());
    }
}

fn main() {
    if let Ok(site) = std::env::var("THEMATA_BENCH_SITE") {
        index_only(Path::new(&site));
        return;
    }
    let n: usize = std::env::var("THEMATA_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(6000);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    themata::corpus::bench_site(repo, root, n, 42).expect("write the site");
    println!("site: {n} generated articles, the knowledge base's themes and glossary");

    let options = BuildOptions { root: root.to_path_buf(), ..BuildOptions::default() };
    for round in 1..=2 {
        let started = Instant::now();
        let built = build_in_memory(&options).unwrap_or_else(|f| panic!("build failed: {:?}", f.diagnostics));
        let total = started.elapsed().as_secs_f64();
        let stage: f64 =
            built.timings.iter().filter(|lap| lap.stage == "search").map(|lap| lap.wall.as_secs_f64()).sum();
        println!(
            "build {round}: {:.0} ms in memory, search stage {:.0} ms = {:.1}% of the build",
            total * 1000.0,
            stage * 1000.0,
            100.0 * stage / total
        );
        if round < 2 {
            continue;
        }
        // The same build as `themata build` does it, written to disk: indexing's share of that.
        let started = Instant::now();
        let report = themata::build::build(&options).unwrap_or_else(|f| panic!("build failed: {:?}", f.diagnostics));
        let total = started.elapsed().as_secs_f64();
        let stage: f64 =
            report.timings.iter().filter(|lap| lap.stage == "search").map(|lap| lap.wall.as_secs_f64()).sum();
        println!(
            "themata build (written to disk): {:.0} ms, search stage {:.0} ms = {:.1}% of the build",
            total * 1000.0,
            stage * 1000.0,
            100.0 * stage / total
        );
        let (files, _) = built.output.expect("templates load");
        let search: HashMap<String, std::sync::Arc<[u8]>> =
            files.into_iter().filter(|f| f.path.starts_with("search/")).map(|f| (f.path, f.bytes)).collect();
        let size = |prefix: &str| {
            let matching: Vec<usize> =
                search.iter().filter(|(p, _)| p.starts_with(prefix)).map(|(_, b)| b.len()).collect();
            (matching.iter().sum::<usize>(), matching.len(), matching.iter().max().copied().unwrap_or(0))
        };
        let (all, count, _) = size("search/");
        let (tokens, token_files, token_max) = size("search/t/");
        let (docs, doc_files, doc_max) = size("search/d/");
        println!("index: {all} bytes in {count} files");
        println!(
            "  token shards: {tokens} bytes in {token_files} files (average {}, largest {token_max})",
            tokens / token_files.max(1)
        );
        println!(
            "  doc shards: {docs} bytes in {doc_files} files (average {}, largest {doc_max})",
            docs / doc_files.max(1)
        );
        println!("  manifest: {} bytes", search["search/index.json"].len());

        let script = repo.join("themes/default/static/search.js");
        let client = match std::fs::metadata(&script) {
            Ok(meta) => {
                println!("client: themes/default/static/search.js is {} bytes", meta.len());
                meta.len() as usize
            }
            Err(_) => {
                println!("client: themes/default/static/search.js does not exist yet; counted as 0 bytes");
                0
            }
        };
        let fetch = |path: &str| search.get(path).map(|b| b.to_vec());
        for query in QUERIES {
            let started = Instant::now();
            let (hits, fetched) = themata::search::search(&fetch, query, None, None, 10);
            let elapsed = started.elapsed().as_secs_f64() * 1000.0;
            let bytes: usize = fetched.iter().map(|p| search.get(p).map_or(0, |b| b.len())).sum();
            let tokens = fetched.iter().filter(|p| p.starts_with("search/t/")).count();
            let docs = fetched.iter().filter(|p| p.starts_with("search/d/")).count();
            let first = bytes + client;
            println!(
                "query {query:?}: {} hits, fetched {bytes} bytes ({tokens} token + {docs} doc shards + manifest), {first} with the client {} the 300 KB budget, {elapsed:.1} ms",
                hits.len(),
                if first <= BUDGET { "within" } else { "OVER" }
            );
        }
    }
}
