//! Build speed over generated sites: `cargo bench --bench build` (sizes in `THEMATA_BENCH_SIZES`,
//! default `1000,10000`; add 100000 for the full run). For each size it runs the release binary's
//! `themata build --timings` on a deterministic corpus (src/corpus.rs) — a cold build, then a
//! rebuild of the same input — and prints wall time, CPU seconds (user + system, which compare
//! across noisy shared machines better than wall time), peak memory, pages per second, time per
//! page, and the time of each stage.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

struct Run {
    wall: f64,
    cpu: f64,
    peak_mb: f64,
    stages: Vec<(String, f64)>,
}

/// Run the binary and measure it with `wait4`, which reports the child's own CPU time and peak
/// resident memory.
#[allow(clippy::zombie_processes)] // reaped by `wait4` below, which `Child::wait` cannot replace
fn measure(root: &Path) -> Run {
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_themata"))
        .args(["build", "--timings", "--root"])
        .arg(root)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start themata build");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let stderr = child.stderr.expect("stderr piped");
    let reader = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    // SAFETY: `pid` is our own child, not yet waited for; both pointers are valid.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4 failed");
    let wall = started.elapsed().as_secs_f64();
    let text = reader.join().unwrap();
    assert!(status == 0, "the build failed:\n{text}");
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let stages = text
        .lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            let (stage, ms, unit) = (parts.next()?, parts.next()?, parts.next()?);
            (unit == "ms").then(|| Some((stage.to_string(), ms.parse::<f64>().ok()?)))?
        })
        .collect();
    Run {
        wall,
        cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime),
        peak_mb: usage.ru_maxrss as f64 / 1024.0,
        stages,
    }
}

fn main() {
    let sizes: Vec<usize> = std::env::var("THEMATA_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,10000".to_string())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for n in sizes {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        std::fs::write(root.join("site.toml"), std::fs::read_to_string(repo.join("site.toml")).unwrap()).unwrap();
        for folder in ["themes", "content/themes", "content/glossary"] {
            themata::corpus::copy_dir(&repo.join(folder), &root.join(folder)).expect("copy");
        }
        themata::corpus::write(&root.join("content/articles"), n, 42).expect("corpus");
        for (label, run) in [("cold build", measure(root)), ("rebuild", measure(root))] {
            println!(
                "{n} articles, {label}: {:.2} s wall, {:.2} CPU-s, {:.0} MB peak, {:.0} pages/s, {:.3} ms/page",
                run.wall,
                run.cpu,
                run.peak_mb,
                n as f64 / run.wall,
                run.wall * 1000.0 / n as f64
            );
            let stages: Vec<String> = run.stages.iter().map(|(s, ms)| format!("{s} {ms:.0} ms")).collect();
            println!("    {}", stages.join(", "));
        }
    }
}
