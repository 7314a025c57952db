//! `themata import`: GitBook-style exports become front-matter Markdown under `content/`, the
//! build then gives the same article pages as from the raw exports, importing again changes
//! nothing, a writer's edits are kept unless `--force`, `SUMMARY.md` order becomes weights,
//! and bad input is reported without stopping the import or writing outside the destination.

mod support;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use support::{Site, copy_dir, shared};

/// An invented export in the current layout (no real article text).
fn export(title: &str, published: &str, body: &str) -> String {
    format!(
        "# {title}\n{{% hint style=\"info\" %}}\n**Category:** Pmd\n**Author:** [作者甲](https://www.woshipm.com/u/7)\n\
         **Published:** {published}\n**Stats:** 👁️ 10 views | 💬 1 comments | ⭐ 2 collects\n**Tags:** `AI` `产品`\n\
         **Original:** [View on woshipm.com](https://www.woshipm.com/pmd/1.html)\n{{% endhint %}}\n> {title}的摘要。\n\n---\n\n\
         ## {title}\n\n{body}\n\n微信扫一扫\n\n分享\n"
    )
}

/// Every file under `dir`, relative, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A folder of exports outside any site.
fn source_folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn corpus() -> PathBuf {
    shared().join("corpus-sample")
}

/// What a reader sees of one article page.
fn article_view(run: &support::Run, page: &str) -> Vec<(&'static str, String)> {
    let doc = run.html(page);
    vec![
        ("h1", doc.text("h1")),
        ("author", doc.texts("a[rel=author]").join("|")),
        ("author link", doc.attrs("a[rel=author]", "href").join("|")),
        ("author homepage", doc.attrs(".author-home a", "href").join("|")),
        ("date", doc.attrs("time", "datetime").join("|")),
        ("tags", doc.texts(".article-tags a").join("|")),
        ("meta links", doc.attrs(".article-meta a", "href").join("|")),
        ("description", doc.attrs("meta[name=description]", "content").join("|")),
        ("body text", doc.text(".article-body")),
        ("body html", doc.inner_html(".article-body")),
    ]
}

fn article_pages(run: &support::Run) -> Vec<String> {
    run.files()
        .into_iter()
        .filter(|f| {
            f.starts_with("articles/")
                && f.ends_with("/index.html")
                && f.matches('/').count() >= 3
                && !f.starts_with("articles/page/")
        })
        .collect()
}

#[test]
fn imported_sample_builds_the_same_article_pages_as_the_raw_exports() {
    let raw = Site::new();
    copy_dir(&corpus(), &raw.root().join("content/articles"));
    let raw_run = raw.build_ok();

    let imported = Site::new();
    let run = imported.run(&["import", arg(&corpus())]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("Imported 44 files into "), "report should count the 44 exports: {}", run.stdout);
    assert!(run.stdout.contains("(44 new), copied 1 other file (1 new), removed "), "{}", run.stdout);
    assert!(run.stdout.contains("course-card 108"), "{}", run.stdout);
    assert!(
        !run.stderr.contains("error") && !run.stderr.contains("warning"),
        "the sample has no problems: {}",
        run.stderr
    );
    assert!(run.stderr.starts_with("Import took "), "a timing summary ends the run: {}", run.stderr);
    // Every export now has front matter; the README was copied as it is.
    let written = files(&imported.root().join("content/articles"));
    assert_eq!(written.len(), 45);
    assert_eq!(written["README.md"], std::fs::read(corpus().join("README.md")).unwrap());
    for (rel, bytes) in &written {
        if rel != "README.md" {
            let text = String::from_utf8_lossy(bytes);
            assert!(text.starts_with("---\ntitle: "), "{rel}");
            assert!(!text.contains("{% hint"), "{rel}");
            assert!(!text.contains("\n\n\n"), "{rel}: a run of blank lines is left");
        }
    }
    let built = imported.build_ok();

    assert_eq!(built.files(), raw_run.files(), "the same pages, tag and author pages and files");
    let pages = article_pages(&raw_run);
    assert_eq!(pages.len(), 44, "{pages:?}");
    assert_eq!(article_pages(&built), pages);
    for page in &pages {
        let expected = article_view(&raw_run, page);
        let got = article_view(&built, page);
        for ((what, want), (_, have)) in expected.iter().zip(&got) {
            assert_eq!(have, want, "{page}: {what} differs");
        }
        assert!(!expected[3].1.is_empty(), "{page}: the author homepage is shown");
        assert!(expected[6].1.contains("https://www.woshipm.com/"), "{page}: the source link is shown");
    }
}

#[test]
fn importing_again_changes_nothing() {
    let site = Site::new();
    let first = site.run(&["import", arg(&corpus())]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let before = files(&site.root().join("content"));

    let second = site.run(&["import", arg(&corpus())]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(
        second.stdout.trim_end(),
        "Imported 44 files into content/articles (44 unchanged), copied 1 other file (1 unchanged), removed 0 boilerplate lines"
    );
    assert_eq!(files(&site.root().join("content")), before, "no file added, none changed");
}

#[test]
fn a_changed_source_updates_its_file() {
    let src = source_folder(&[
        ("a.md", &export("甲文", "2024-01-02", "第一版正文。")),
        ("b.md", &export("乙文", "2024-01-03", "乙。")),
    ]);
    let site = Site::new();
    assert_eq!(site.run(&["import", arg(src.path())]).code, 0);
    std::fs::write(src.path().join("a.md"), export("甲文", "2024-01-02", "第二版正文。")).unwrap();

    let run = site.run(&["import", arg(src.path())]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("Imported 2 files into content/articles (1 updated, 1 unchanged)"),
        "{}",
        run.stdout
    );
    let text = read(&site.root().join("content/articles/a.md"));
    assert!(text.contains("第二版正文。") && !text.contains("第一版"), "{text}");
    assert_eq!(files(&site.root().join("content/articles")).len(), 2);
}

#[test]
fn an_edited_file_is_kept_unless_forced() {
    let src = source_folder(&[
        ("a.md", &export("甲文", "2024-01-02", "原文。")),
        ("b.md", &export("乙文", "2024-01-03", "乙。")),
    ]);
    let site = Site::new();
    assert_eq!(site.run(&["import", arg(src.path())]).code, 0);
    let path = site.root().join("content/articles/a.md");
    let generated = read(&path);
    let edited = generated.replace("原文。", "原文，作者补充了一句。");
    std::fs::write(&path, &edited).unwrap();
    // A writer's own file where an export would go.
    site.write("content/articles/b.md", "---\ntitle: 我自己的文章\n---\n正文\n");

    let run = site.run(&["import", arg(src.path())]);
    assert_eq!(run.code, 0, "skipping is not an error: {}", run.stderr);
    assert!(
        run.stdout.ends_with(
            "skipped 2:\n  a.md: edited since import (use --force)\n  b.md: exists and was not written by themata import (use --force)\n"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(read(&path), edited);
    assert_eq!(read(&site.root().join("content/articles/b.md")), "---\ntitle: 我自己的文章\n---\n正文\n");

    let forced = site.run(&["import", "--force", arg(src.path())]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert!(forced.stdout.starts_with("Imported 2 files into content/articles (2 updated)"), "{}", forced.stdout);
    assert_eq!(read(&path), generated);
    assert!(!forced.stdout.contains("skipped"));
}

#[test]
fn summary_order_becomes_weights() {
    let src = source_folder(&[
        (
            "book/SUMMARY.md",
            "# Summary\n\n* [前言](intro.md)\n* [第一章](part/one.md)\n  * [第二章](part/two.md#开头)\n",
        ),
        ("book/intro.md", &export("前言", "2024-03-01", "前言正文。")),
        ("book/part/one.md", &export("第一章", "2024-01-01", "第一章正文。")),
        ("book/part/two.md", &export("第二章", "2024-02-01", "第二章正文。")),
        ("book/extra.md", &export("附录", "2024-04-01", "附录正文。")),
    ]);
    let site = Site::new().page("book/_index.md", "---\ntitle: 书\nsort_by: weight\n---\n");
    let run = site.run(&["import", "--into", "content/book", arg(&src.path().join("book"))]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("copied 1 other file (1 new)"), "SUMMARY.md is kept: {}", run.stdout);

    let weight = |rel: &str| {
        read(&site.root().join("content/book").join(rel))
            .lines()
            .find_map(|l| l.strip_prefix("weight: ").map(str::to_string))
    };
    assert_eq!(weight("intro.md").as_deref(), Some("1"));
    assert_eq!(weight("part/one.md").as_deref(), Some("2"));
    assert_eq!(weight("part/two.md").as_deref(), Some("3"));
    assert_eq!(weight("extra.md"), None, "not in SUMMARY.md");

    let built = site.build_ok();
    let titles = built.html("book/index.html").texts(".post-item-title");
    assert_eq!(titles, ["前言", "第一章", "第二章", "附录"]);
}

#[test]
fn a_file_source_lands_directly_in_the_destination() {
    let src = source_folder(&[("deep/folder/one.md", &export("单篇", "2024-05-06", "正文。"))]);
    let site = Site::new();
    let run = site.run(&["import", arg(&src.path().join("deep/folder/one.md"))]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = read(&site.root().join("content/articles/one.md"));
    assert!(text.contains("\n  import:\n    source: one.md\n    checksum: "), "{text}");
    let built = site.build_ok();
    assert_eq!(built.html("articles/one/index.html").text("h1"), "单篇");
}

#[test]
fn a_malformed_export_is_reported_with_its_line_and_the_rest_imported() {
    let bad = export("坏文", "2023-02-30", "正文。");
    let src = source_folder(&[("bad.md", &bad), ("good.md", &export("好文", "2024-01-02", "正文。"))]);
    let site = Site::new();
    let run = site.run(&["import", arg(src.path())]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let expected = format!(
        "error: `**Published:**` must be a real date written YYYY-MM-DD (like 2023-07-29), found `2023-02-30`\n --> {}:5:16\n  |\n5 | **Published:** 2023-02-30\n  |                ^\n",
        src.path().join("bad.md").display()
    );
    assert!(run.stderr.starts_with(&expected), "{}", run.stderr);
    assert!(run.stdout.starts_with("Imported 1 file into content/articles (1 new)"), "{}", run.stdout);
    assert!(run.stdout.ends_with("skipped 1:\n  bad.md: malformed export (line 5)\n"), "{}", run.stdout);
    assert!(site.root().join("content/articles/good.md").exists());
    assert!(!site.root().join("content/articles/bad.md").exists());
}

#[cfg(unix)]
#[test]
fn nothing_is_written_through_a_symbolic_link_out_of_the_destination() {
    let outside = tempfile::tempdir().unwrap();
    let src = source_folder(&[
        ("sub/a.md", &export("甲", "2024-01-02", "正文。")),
        ("b.md", &export("乙", "2024-01-03", "正文。")),
    ]);
    let site = Site::new();
    std::fs::create_dir_all(site.root().join("content/articles")).unwrap();
    std::os::unix::fs::symlink(outside.path(), site.root().join("content/articles/sub")).unwrap();

    let run = site.run(&["import", arg(src.path())]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("is a symbolic link"), "{}", run.stderr);
    assert!(run.stdout.contains("  sub/a.md: unsafe destination"), "{}", run.stdout);
    assert!(files(outside.path()).is_empty(), "wrote outside the destination");
    assert!(site.root().join("content/articles/b.md").exists(), "the other file is imported");
}

#[test]
fn a_source_overlapping_the_destination_is_refused() {
    let site = Site::new().page("articles/raw/a.md", &export("甲", "2024-01-02", "正文。"));
    let before = files(site.root());

    let inside = site.run(&["import", "content/articles/raw"]);
    assert_eq!(inside.code, 1);
    assert!(
        inside.stderr.contains("error: the source and the destination folder content/articles overlap; import from a folder outside it\n --> content/articles/raw\n"),
        "{}",
        inside.stderr
    );

    let around = site.run(&["import", "content"]);
    assert_eq!(around.code, 1);
    assert!(around.stderr.contains("overlap"), "{}", around.stderr);
    assert!(around.stdout.starts_with("Imported 0 files"), "{}", around.stdout);
    assert_eq!(files(site.root()), before, "nothing was written");
}
