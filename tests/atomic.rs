//! Nothing lost: a build killed at any moment leaves the previous output or the new one,
//! complete — never a mixture, never nothing — and no command changes a source file.

mod support;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::Site;

/// Every file under `dir` with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

fn home(version: usize) -> String {
    format!("---\ntitle: 首页第{version}版\n---\n这是第{version}版的首页。\n")
}

fn build_into(site: &Site, out: &Path) {
    let run = site.run(&["build", "--output-dir", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_killed_build_leaves_the_old_output_or_the_new_one_complete() {
    let site = Site::new();
    themata::corpus::write(&site.root().join("content/articles"), 80, 3).unwrap();
    // The two versions of the site that builds alternate between, built cleanly for reference.
    let mut expected = Vec::new();
    for version in 0..2 {
        site.write("content/_index.md", &home(version));
        let reference = site.root().join(format!("reference-{version}"));
        build_into(&site, &reference);
        expected.push(tree(&reference));
        std::fs::remove_dir_all(&reference).unwrap();
    }
    assert_ne!(expected[0], expected[1]);
    let public = site.root().join("public");
    site.write("content/_index.md", &home(0));
    let started = Instant::now();
    build_into(&site, &public);
    let full = started.elapsed();
    let mut current = 0;
    let (mut kept_old, mut got_new) = (0, 0);
    for round in 0..16usize {
        let next = 1 - current;
        site.write("content/_index.md", &home(next));
        // Kill at points spread over the whole build and past its usual end (the machine may be
        // busier than during the first build), so some kills land after the swap.
        let delay = full.mul_f64(0.3 + 2.7 * (round as f64 / 15.0));
        let mut child = Command::new(env!("CARGO_BIN_EXE_themata"))
            .args(["build", "--root"])
            .arg(site.root())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        let now = tree(&public);
        if now == expected[current] {
            kept_old += 1;
        } else if now == expected[next] {
            got_new += 1;
            current = next;
        } else {
            let missing = expected[current].keys().filter(|k| !now.contains_key(*k)).count();
            panic!("round {round} (killed after {delay:?}): the output is neither build ({missing} files missing)");
        }
    }
    assert!(
        kept_old > 0 && got_new > 0,
        "kills should land both before and after the swap ({kept_old} old, {got_new} new)"
    );
    // The next build clears whatever a killed build left beside the output.
    site.write("content/_index.md", &home(1 - current));
    let run = site.build_ok();
    assert_eq!(tree(&run.out), expected[1 - current]);
    let leftovers: Vec<String> = std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("themata-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn build_check_and_serve_never_change_a_source_file() {
    let site = Site::new()
        .page("articles/a.md", "---\ntitle: 甲\ndate: 2024-1-1\n---\n正文 [坏链接](nope.md)\n")
        .page("articles/b.md", "# 导出\n{% hint style=\"info\" %}\n**Author:** 某人\n**Published:** 2024-01-02\n{% endhint %}\n\n正文。\n\n微信扫一扫\n");
    let sources = |site: &Site| {
        let mut all = tree(&site.root().join("content"));
        all.extend(tree(&site.root().join("themes")).into_iter().map(|(k, v)| (format!("themes/{k}"), v)));
        all.insert("site.toml".into(), std::fs::read(site.root().join("site.toml")).unwrap());
        all
    };
    let before = sources(&site);
    assert_eq!(site.build().code, 1);
    assert_eq!(site.run(&["check"]).code, 1);
    site.write("content/articles/a.md", "---\ntitle: 甲\ndate: 2024-01-01\n---\n正文\n");
    let before_ok = sources(&site);
    site.build_ok();
    assert_eq!(site.run(&["check"]).code, 0);
    let mut serve = Command::new(env!("CARGO_BIN_EXE_themata"))
        .args(["serve", "--port", "0", "--root"])
        .arg(site.root())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let _ = serve.kill();
    let _ = serve.wait();
    assert_eq!(sources(&site), before_ok);
    assert_ne!(before, before_ok);
}

/// A rebuild links every file whose bytes did not change from the previous output instead of
/// writing it again: the same inode and modification time (what rsync and deploy tools compare),
/// while a changed page is a new file and the old output is never written into.
#[test]
fn unchanged_files_are_kept_and_changed_ones_replaced() {
    use std::os::unix::fs::MetadataExt;
    let site = Site::new()
        .page("a.md", "---\ntitle: 甲\ndate: 2024-01-01\n---\n正文。\n")
        .page("b.md", "---\ntitle: 乙\ndate: 2024-01-02\n---\n正文。\n");
    let run = site.build_ok();
    let meta = |rel: &str| std::fs::metadata(run.out.join(rel)).unwrap();
    let (a, b, css) = (meta("a/index.html"), meta("b/index.html"), meta("style.css"));
    let old_a = std::fs::read(run.out.join("a/index.html")).unwrap();
    // Keep the previous output's page open by another name, as a reader (a web server) would.
    let held = site.root().join("held.html");
    std::fs::hard_link(run.out.join("a/index.html"), &held).unwrap();

    site.build_ok();
    assert_eq!(meta("b/index.html").ino(), b.ino());
    assert_eq!(meta("b/index.html").mtime_nsec(), b.mtime_nsec());
    assert_eq!(meta("style.css").ino(), css.ino());

    site.write("content/a.md", "---\ntitle: 甲\ndate: 2024-01-01\n---\n改过的正文。\n");
    site.build_ok();
    assert_ne!(meta("a/index.html").ino(), a.ino());
    assert!(std::fs::read_to_string(run.out.join("a/index.html")).unwrap().contains("改过的正文"));
    assert_eq!(std::fs::read(&held).unwrap(), old_a, "the previous file was replaced, not written into");
    assert_eq!(meta("b/index.html").ino(), b.ino());
}
