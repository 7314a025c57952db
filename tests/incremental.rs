//! The rebuild cache that `serve` uses must never change the result: after every step of a
//! scripted sequence of edits, creations, renames and deletions, a warm build (reusing the cache
//! of the previous builds) gives exactly the files a cold build gives.

mod support;
use std::collections::BTreeMap;
use std::time::Duration;

use support::Site;
use themata::build::{BuildOptions, Cache, build_in_memory, build_in_memory_cached};

/// Output path → bytes, and copied path → source, or the errors.
type Snapshot = Result<(BTreeMap<String, Vec<u8>>, BTreeMap<String, String>), Vec<String>>;

fn snapshot(result: Result<themata::build::Built, themata::build::BuildFailure>) -> Snapshot {
    let built = result.map_err(|f| f.diagnostics.iter().map(|d| d.to_string()).collect::<Vec<_>>())?;
    let errors: Vec<String> = built.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.to_string()).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let (files, copies) = built.output.expect("templates loaded");
    Ok((
        files.into_iter().map(|f| (f.path, f.bytes.to_vec())).collect(),
        copies.into_iter().map(|c| (c.to, c.from.display().to_string())).collect(),
    ))
}

fn page(title: &str, date: &str, tags: &str, body: &str) -> String {
    format!("---\ntitle: {title}\ndate: {date}\ntags: [{tags}]\n---\n{body}\n")
}

#[test]
fn warm_rebuilds_equal_cold_builds_after_every_step() {
    let site = Site::new()
        .page("_index.md", "---\ntitle: 首页\n---\n欢迎。\n")
        .page("articles/_index.md", "---\ntitle: 文章\n---\n")
        .page(
            "themes/skills.md",
            "---\ntitle: 技能失效\nkeywords:\n  - { phrase: 外围技能, weight: 3 }\n  - PRD\n---\n导言。\n",
        )
        .page("glossary/prd.md", "---\ntitle: PRD\naliases: [需求文档]\n---\n定义。\n")
        .page(
            "articles/a.md",
            &page("甲", "2024-01-01", "AI, 中级", "## 外围技能\n\n外围技能失效，PRD 也是。见[[乙]]。"),
        )
        .page("articles/b.md", &page("乙", "2024-01-02", "AI", "正文提到需求文档。见[甲](a.md#外围技能)。"))
        .page("articles/img/x.png", "png");
    let options = BuildOptions { root: site.root().to_path_buf(), ..BuildOptions::default() };
    let mut cache = Cache::persistent();
    type Step<'a> = (&'a str, Box<dyn Fn(&Site)>);
    let steps: Vec<Step> = vec![
        ("first build", Box::new(|_| {})),
        ("nothing changed", Box::new(|_| {})),
        (
            "edit a body",
            Box::new(|s| {
                s.write("content/articles/b.md", &page("乙", "2024-01-02", "AI", "改过的正文。见[甲](a.md#外围技能)。"))
            }),
        ),
        (
            "change tags",
            Box::new(|s| {
                s.write("content/articles/b.md", &page("乙", "2024-01-02", "AI, To B, 新标签", "改过的正文。"))
            }),
        ),
        (
            "retitle a wikilink target",
            Box::new(|s| s.write("content/articles/b.md", &page("乙二", "2024-01-02", "AI", "正文。"))),
        ),
        (
            "add a page",
            Box::new(|s| {
                s.write("content/articles/c.md", &page("丙", "2024-01-03", "AI", "外围技能与 PRD 的外围技能。"))
            }),
        ),
        ("add a glossary term", Box::new(|s| s.write("content/glossary/ai.md", "---\ntitle: 外围技能\n---\n定义。\n"))),
        (
            "rename a page",
            Box::new(|s| {
                std::fs::rename(s.root().join("content/articles/c.md"), s.root().join("content/articles/c2.md"))
                    .unwrap()
            }),
        ),
        (
            "add a folder",
            Box::new(|s| s.write("content/notes/deep/n.md", &page("笔记", "2024-02-01", "随笔", "笔记。"))),
        ),
        ("remove the folder", Box::new(|s| std::fs::remove_dir_all(s.root().join("content/notes")).unwrap())),
        (
            "edit a template",
            Box::new(|s| {
                let path = s.root().join("themes/default/templates/page.html");
                let text = std::fs::read_to_string(&path).unwrap().replace("</article>", "<!-- changed --></article>");
                std::fs::write(path, text).unwrap();
            }),
        ),
        (
            "override a template",
            Box::new(|s| s.write("templates/404.html", "<!doctype html><title>没有</title><p>没有这个页面</p>\n")),
        ),
        ("edit a stylesheet", Box::new(|s| s.write("static/extra.css", "body{}\n"))),
        ("add an asset", Box::new(|s| s.write("content/articles/img/y.png", "png2"))),
        ("break a file", Box::new(|s| s.write("content/articles/a.md", "---\ntitle: [坏\n---\n"))),
        ("fix it", Box::new(|s| s.write("content/articles/a.md", &page("甲", "2024-01-01", "AI", "修好了。")))),
        ("delete a page", Box::new(|s| std::fs::remove_file(s.root().join("content/articles/c2.md")).unwrap())),
        ("change site.toml", Box::new(|s| s.write("site.toml", &format!("{}paginate_by = 1\n", support::SITE_TOML)))),
        (
            "edit after the config change",
            Box::new(|s| s.write("content/articles/a.md", &page("甲", "2024-01-01", "AI", "又改了。"))),
        ),
    ];
    for (name, step) in &steps {
        step(&site);
        // Let modification times settle so the cache is really used, as in a writer's session.
        std::thread::sleep(Duration::from_millis(25));
        let warm = snapshot(build_in_memory_cached(&options, &mut cache));
        let cold = snapshot(build_in_memory(&options));
        match (&warm, &cold) {
            (Ok(w), Ok(c)) => {
                let differing: Vec<&String> =
                    c.0.keys().chain(w.0.keys()).filter(|k| w.0.get(*k) != c.0.get(*k)).collect();
                assert!(differing.is_empty(), "after `{name}` these outputs differ: {differing:?}");
                assert_eq!(w.1, c.1, "after `{name}` the copied files differ");
            }
            (Err(w), Err(c)) => assert_eq!(w, c, "after `{name}` the errors differ"),
            (w, c) => panic!(
                "after `{name}` one build failed and the other did not: warm {:?}, cold {:?}",
                w.as_ref().err(),
                c.as_ref().err()
            ),
        }
        if *name == "break a file" {
            assert!(cold.is_err(), "the broken file must fail the build");
        }
    }
}
