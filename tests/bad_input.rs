//! Hostile and malformed input, one test per case: each asserts either the exact report a writer
//! sees (what, file:line:col, the source line and a caret) or the safe output the build makes of
//! it. The last tests build every hostile fixture at once and check that nothing was written
//! outside the output folder and no source file changed.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::Site;

/// Build a site holding `content/articles/bad.md` = `text` and insist that it fails with
/// `expected` among its messages.
fn fails_with(text: &str, expected: &str) -> String {
    let site = Site::new().page("articles/bad.md", text);
    let run = site_fails_with(&site, expected);
    assert!(!run.out.exists(), "a failed first build must not create the output folder");
    run.stderr
}

/// Build `site`, which must fail with `expected` among its messages.
fn site_fails_with(site: &Site, expected: &str) -> support::Run {
    let run = site.build();
    assert_eq!(run.code, 1, "expected failure, got:\n{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains(expected), "expected\n{expected}\nin\n{}", run.stderr);
    run
}

/// Write raw bytes (not necessarily UTF-8) under the site.
fn write_bytes(site: &Site, rel: &str, bytes: &[u8]) {
    let path = site.root().join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Front matter

#[test]
fn invalid_yaml_unclosed_quote() {
    fails_with(
        "---\ntitle: \"未闭合\ndate: 2024-01-02\n---\n正文\n",
        "error: front matter: found unexpected end of stream, while scanning a quoted scalar\n --> content/articles/bad.md:4:1\n  |\n4 | ---\n  | ^\n",
    );
}

#[test]
fn date_that_is_not_a_date() {
    fails_with(
        "---\ntitle: 坏日期\ndate: hello\n---\n正文\n",
        "error: front matter `date`: invalid date \"hello\": expected YYYY-MM-DD\n --> content/articles/bad.md:3:7\n  |\n3 | date: hello\n  |       ^^^^^\n",
    );
}

#[test]
fn tags_of_the_wrong_type() {
    fails_with(
        "---\ntitle: 坏标签\ntags: 3\n---\n正文\n",
        "error: front matter: tags: invalid type: integer `3`, expected a sequence\n --> content/articles/bad.md:3:7\n  |\n3 | tags: 3\n  |       ^\n",
    );
}

#[test]
fn draft_as_a_string() {
    fails_with(
        "---\ntitle: 草稿\ndraft: \"yes\"\n---\n正文\n",
        "error: front matter: draft: invalid type: string \"yes\", expected a boolean\n --> content/articles/bad.md:3:8\n  |\n3 | draft: \"yes\"\n  |        ^\n",
    );
}

#[test]
fn duplicate_url_from_a_page_and_a_section() {
    let site = Site::new()
        .page("articles/x.md", "---\ntitle: 页面\n---\n正文\n")
        .page("articles/x/_index.md", "---\ntitle: 栏目\n---\n");
    site_fails_with(
        &site,
        "error: content/articles/x/_index.md and content/articles/x.md both map to the URL /articles/x/; rename one or give it a different `slug:`\n --> content/articles/x.md\n",
    );
}

#[test]
fn duplicate_url_from_an_alias() {
    let site = Site::new()
        .page("articles/x.md", "---\ntitle: 页面\n---\n正文\n")
        .page("articles/al.md", "---\ntitle: 别名\naliases: [\"/articles/x/\"]\n---\n正文\n");
    site_fails_with(
        &site,
        "error: alias /articles/x/ would overwrite another page of the site\n --> content/articles/al.md\n",
    );
}

#[test]
fn slug_climbing_out_with_dots() {
    fails_with(
        "---\ntitle: 越界\nslug: ../../x\n---\n正文\n",
        "error: front matter `slug` must be one path segment, found \"../../x\"\n --> content/articles/bad.md:3:7\n  |\n3 | slug: ../../x\n  |       ^\n",
    );
}

#[test]
fn slug_that_is_an_absolute_path() {
    fails_with(
        "---\ntitle: 越界\nslug: /etc/x\n---\n正文\n",
        "error: front matter `slug` must be one path segment, found \"/etc/x\"\n --> content/articles/bad.md:3:7\n  |\n3 | slug: /etc/x\n  |       ^\n",
    );
}

#[test]
fn slug_that_is_a_windows_path() {
    fails_with(
        "---\ntitle: 越界\nslug: ..\\x\n---\n正文\n",
        "error: front matter `slug` must be one path segment, found \"..\\\\x\"\n --> content/articles/bad.md:3:7\n  |\n3 | slug: ..\\x\n  |       ^\n",
    );
}

#[test]
fn alias_climbing_out_with_dots() {
    fails_with(
        "---\ntitle: 越界\naliases: [\"/../../escape/\"]\n---\n正文\n",
        "error: front matter `aliases`: \"/../../escape/\" must be a plain path inside the site\n --> content/articles/bad.md:3:10\n",
    );
}

#[test]
fn template_path_climbing_out_is_refused_at_its_line() {
    fails_with(
        "---\ntitle: 越界\ntemplate: ../../etc/passwd\n---\n正文\n",
        "error: front matter `template` must name a file under templates/, found \"../../etc/passwd\"\n --> content/articles/bad.md:3:11\n  |\n3 | template: ../../etc/passwd\n  |           ^\n",
    );
}

// ---------------------------------------------------------------------------------------------
// Bytes and line ends

#[test]
fn file_that_is_not_utf8() {
    let site = Site::new();
    write_bytes(&site, "content/articles/latin1.md", b"---\ntitle: caf\xe9\n---\nbody\n");
    site_fails_with(
        &site,
        "error: file is not valid UTF-8 text\n --> content/articles/latin1.md:2:11\n  |\n2 | title: caf\u{fffd}\n  |           ^\n",
    );
}

#[test]
fn byte_order_mark_builds_with_the_right_title() {
    let site = Site::new();
    write_bytes(&site, "content/articles/bom.md", "\u{feff}---\ntitle: 带BOM的标题\n---\n正文。\n".as_bytes());
    let run = site.build_ok();
    let doc = run.html("articles/bom/index.html");
    assert_eq!(doc.text("h1"), "带BOM的标题");
    assert!(!run.read("articles/bom/index.html").contains('\u{feff}'));
}

#[test]
fn crlf_line_ends_keep_front_matter() {
    let site = Site::new()
        .page("articles/crlf.md", "---\r\ntitle: 视窗换行\r\ntags: [换行]\r\n---\r\n第一行\r\n\r\n第二段\r\n");
    let run = site.build_ok();
    let doc = run.html("articles/crlf/index.html");
    assert_eq!(doc.text("h1"), "视窗换行");
    assert_eq!(doc.texts(".article-body p"), ["第一行", "第二段"]);
    assert!(run.exists("tags/换行/index.html"));
}

/// Old Mac line ends (a lone CR): they used to leave the front matter unread, so the page took
/// its file name as title and printed the YAML as a heading. They are line ends like any other.
#[test]
fn lone_cr_line_ends_are_line_ends() {
    let site = Site::new().page("articles/cr.md", "---\rtitle: 老式换行\rtags: [换行]\r---\r第一行\r\r第二段\r");
    let run = site.build_ok();
    let doc = run.html("articles/cr/index.html");
    assert_eq!(doc.text("h1"), "老式换行");
    assert_eq!(doc.texts(".article-body p"), ["第一行", "第二段"]);
    assert!(run.exists("tags/换行/index.html"));
    assert!(!run.read("articles/cr/index.html").contains("title:"));
}

#[test]
fn lone_cr_errors_count_lines_as_an_editor_does() {
    let site = Site::new().page("articles/cr.md", "---\rtitle: 老式换行\rdate: 2024-1-2\r---\r正文\r");
    site_fails_with(&site, " --> content/articles/cr.md:3:7\n  |\n3 | date: 2024-1-2\n");
}

#[test]
fn empty_file_builds_a_page_named_after_the_file() {
    let site = Site::new().page("articles/empty.md", "");
    let run = site.build_ok();
    let doc = run.html("articles/empty/index.html");
    assert_eq!(doc.text("h1"), "empty");
    assert_eq!(doc.texts(".article-body p"), Vec::<String>::new());
}

// ---------------------------------------------------------------------------------------------
// Size and depth

#[test]
fn ten_megabyte_article_builds() {
    let mut text = String::from("---\ntitle: 大文章\ndate: 2024-01-02\n---\n");
    let para = "人工智能产品经理需要理解模型的能力边界，也要理解用户的真实需求。 AI PMs **ship** [links](https://example.org/).\n\n";
    let mut section = 0;
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(&format!("## 小节 {section}\n\n"));
        for _ in 0..20 {
            text.push_str(para);
        }
        section += 1;
    }
    let site = Site::new().page("articles/big.md", &text);
    let run = site.build_ok();
    let doc = run.html("articles/big/index.html");
    assert_eq!(doc.text("h1"), "大文章");
    assert_eq!(doc.count(".article-body h2"), section);
}

/// Run the binary on `text` and insist it exits normally (no signal, no stack overflow).
fn builds_without_crashing(name: &str, text: &str) -> support::Run {
    let site = Site::new().page(&format!("articles/{name}.md"), text);
    let output = Command::new(env!("CARGO_BIN_EXE_themata"))
        .args(["build", "--root"])
        .arg(site.root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(output.status.signal(), None, "killed by a signal: {}", String::from_utf8_lossy(&output.stderr));
    }
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let run = support::Run {
        code: 0,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        out: site.root().join("public"),
    };
    assert!(run.exists(&format!("articles/{name}/index.html")));
    // Keep the folder alive until the output was looked at.
    drop(site);
    run
}

#[test]
fn lists_nested_ten_thousand_deep() {
    builds_without_crashing("lists", &format!("---\ntitle: 深列表\n---\n{}x\n", "- ".repeat(10_000)));
}

#[test]
fn quotes_nested_ten_thousand_deep() {
    builds_without_crashing("quotes", &format!("---\ntitle: 深引用\n---\n{} x\n", ">".repeat(10_000)));
}

#[test]
fn quotes_and_lists_interleaved_ten_thousand_deep() {
    builds_without_crashing("mixed", &format!("---\ntitle: 深嵌套\n---\n{}x\n", "> - ".repeat(5_000)));
}

// ---------------------------------------------------------------------------------------------
// Markup that must stay text

#[test]
fn template_syntax_in_prose_is_shown_as_written() {
    let site = Site::new().page(
        "articles/tpl.md",
        "---\ntitle: 模板\n---\n标题是 {{ config.title }}，条件 {% if true %}是{% endif %}，{{ 1 + 1 }}。\n",
    );
    let run = site.build_ok();
    let doc = run.html("articles/tpl/index.html");
    assert_eq!(
        doc.text(".article-body p"),
        "标题是 {{ config.title }}，条件 {% if true %}是{% endif %}，{{ 1 + 1 }}。"
    );
    assert!(!doc.text(".article-body").contains("测试站"), "config.title was evaluated");
}

const HOSTILE: &str = "<script>alert(1)</script>";

fn hostile_site() -> (Site, support::Run) {
    let site = Site::new().page(
        "articles/evil.md",
        &format!(
            "---\ntitle: \"{HOSTILE}标题\"\ndescription: \"{HOSTILE}描述\"\ndate: 2024-01-02\ntags: [\"{HOSTILE}\"]\n---\n正文。\n"
        ),
    );
    let run = site.build_ok();
    (site, run)
}

fn assert_no_raw_script(run: &support::Run, rel: &str) {
    let text = run.read(rel);
    assert!(!text.contains("<script>alert"), "{rel} holds a raw <script>: {text}");
}

#[test]
fn script_in_title_tag_and_description_is_escaped_in_html() {
    let (_site, run) = hostile_site();
    let doc = run.html("articles/evil/index.html");
    assert_eq!(doc.text("h1"), format!("{HOSTILE}标题"));
    assert_eq!(doc.attrs("meta[name=description]", "content"), [format!("{HOSTILE}描述")]);
    for page in ["articles/evil/index.html", "index.html", "tags/index.html", "graph/index.html"] {
        assert_no_raw_script(&run, page);
    }
    let tag_pages: Vec<String> =
        run.files().into_iter().filter(|f| f.starts_with("tags/") && f.ends_with("/index.html")).collect();
    assert!(tag_pages.contains(&"tags/script-alert-1-script/index.html".to_string()), "{tag_pages:?}");
    for page in &tag_pages {
        assert_no_raw_script(&run, page);
    }
}

#[test]
fn script_in_title_tag_and_description_is_escaped_in_feeds_and_sitemap() {
    let (_site, run) = hostile_site();
    for file in ["atom.xml", "sitemap.xml", "tags/script-alert-1-script/atom.xml"] {
        assert_no_raw_script(&run, file);
    }
    let atom = run.read("atom.xml");
    assert!(atom.contains("&lt;script&gt;alert(1)&lt;/script&gt;标题"), "{atom}");
}

#[test]
fn script_in_title_tag_and_description_is_escaped_in_json() {
    let (_site, run) = hostile_site();
    let json_files: Vec<String> = run.files().into_iter().filter(|f| f.ends_with(".json")).collect();
    assert!(json_files.contains(&"graph.json".to_string()), "{json_files:?}");
    assert!(json_files.contains(&"search/index.json".to_string()), "{json_files:?}");
    for file in &json_files {
        let text = run.read(file);
        assert!(!text.contains('<'), "{file} holds markup: {text}");
        serde_json::from_str::<serde_json::Value>(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    let graph: serde_json::Value = serde_json::from_str(&run.read("graph.json")).unwrap();
    let labels: Vec<&str> = graph["nodes"].as_array().unwrap().iter().filter_map(|n| n["label"].as_str()).collect();
    assert!(labels.contains(&format!("{HOSTILE}标题").as_str()), "{labels:?}");
}

#[test]
fn tags_of_only_punctuation_or_spaces_warn_and_make_no_url() {
    let site = Site::new().page("articles/p.md", "---\ntitle: 标点\ntags: [\"!!!\", \"   \", \"正常\"]\n---\n正文\n");
    let run = site.build_ok();
    assert!(
        run.stderr.contains(
            "warning: tags term \"!!!\" has no letters or digits and is ignored\n --> content/articles/p.md\n"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "warning: tags term \"   \" has no letters or digits and is ignored\n --> content/articles/p.md\n"
        ),
        "{}",
        run.stderr
    );
    let tag_dirs: Vec<String> = run.files().into_iter().filter(|f| f.starts_with("tags/")).collect();
    assert_eq!(tag_dirs, ["tags/index.html", "tags/正常/atom.xml", "tags/正常/index.html"]);
    let doc = run.html("articles/p/index.html");
    for href in doc.attrs("a", "href") {
        assert!(!href.contains("/tags//") && !href.ends_with("/tags/-/"), "empty tag URL {href}");
    }
}

#[test]
fn theme_keyword_that_matches_everything() {
    let mut site = Site::new().page("themes/de.md", "---\ntitle: 的主题\nkeywords: [\"的\"]\n---\n什么都匹配。\n");
    for i in 0..20 {
        site =
            site.page(&format!("articles/a{i}.md"), &format!("---\ntitle: 文章{i}\n---\n我的的的的的文章的内容。\n"));
    }
    let run = site.build_ok();
    assert!(run.exists("themes/de/index.html"));
    assert!(run.exists("articles/a19/index.html"));
}

#[test]
fn wikilink_to_itself() {
    let site =
        Site::new().page("articles/me.md", "---\ntitle: 自己\n---\n见 [[me]] 与 [[me#小节]]。\n\n## 小节\n\n内容\n");
    let run = site.build_ok();
    let doc = run.html("articles/me/index.html");
    let hrefs = doc.attrs(".article-body a", "href");
    assert_eq!(
        hrefs,
        ["https://example.org/articles/me/", "https://example.org/articles/me/#%E5%B0%8F%E8%8A%82"],
        "{}",
        doc.inner_html(".article-body")
    );
    // A page does not list itself among the pages linking to it.
    assert_eq!(doc.count(".article-backlinks"), 0, "{}", doc.inner_html(".article-backlinks"));
}

#[test]
fn glossary_term_inside_a_longer_term_longest_wins() {
    let site = Site::new()
        .page("glossary/lm.md", "---\ntitle: 语言模型\n---\n短的定义\n")
        .page("glossary/llm.md", "---\ntitle: 大语言模型\n---\n长的定义\n")
        .page("articles/a.md", "---\ntitle: 文章\n---\n大语言模型不同于一般的语言模型。\n");
    let run = site.build_ok();
    let doc = run.html("articles/a/index.html");
    let links = doc.links(".article-body a.glossary-link");
    assert_eq!(
        links,
        [
            ("大语言模型".to_string(), "https://example.org/glossary/llm/".to_string()),
            ("语言模型".to_string(), "https://example.org/glossary/lm/".to_string())
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Links out of content/ and writes out of the output folder

#[cfg(unix)]
#[test]
fn symlink_out_of_content_is_neither_read_nor_copied() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.md"), "---\ntitle: 机密标题\n---\n机密正文\n").unwrap();
    std::fs::write(outside.path().join("secret.png"), "机密图片").unwrap();
    let site = Site::new().page("articles/ok.md", "---\ntitle: 正常\n---\n正文\n");
    let link = |to: &Path, rel: &str| std::os::unix::fs::symlink(to, site.root().join("content").join(rel)).unwrap();
    link(&outside.path().join("secret.md"), "articles/leak.md");
    link(&outside.path().join("secret.png"), "articles/leak.png");
    link(outside.path(), "leakdir");
    let run = site.build_ok();
    for rel in ["articles/leak.md", "articles/leak.png", "leakdir"] {
        let expected = format!(
            "warning: content/{rel} is a symbolic link; themata does not follow links, so it is skipped\n --> content/{rel}\n"
        );
        assert!(run.stderr.contains(&expected), "expected\n{expected}\nin\n{}", run.stderr);
    }
    for file in run.files() {
        let bytes = std::fs::read(run.out.join(&file)).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("机密"), "{file} holds the linked file's text");
        assert!(!file.contains("leak"), "{file} was copied from a link");
    }
    assert!(run.exists("articles/ok/index.html"));
}

/// Every path under `root` with what it holds: a file's bytes, a link's target, or a folder.
fn snapshot(root: &Path, skip: &dyn Fn(&Path) -> bool) -> BTreeMap<PathBuf, String> {
    let mut all = BTreeMap::new();
    let walker = walkdir::WalkDir::new(root).sort_by_file_name().into_iter().filter_entry(|e| !skip(e.path()));
    for entry in walker {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(root).unwrap().to_path_buf();
        let what = if entry.path_is_symlink() {
            format!("link -> {}", std::fs::read_link(entry.path()).unwrap().display())
        } else if entry.file_type().is_dir() {
            "folder".to_string()
        } else {
            let bytes = std::fs::read(entry.path()).unwrap();
            format!("file {} bytes: {}", bytes.len(), String::from_utf8_lossy(&bytes))
        };
        all.insert(rel, what);
    }
    all
}

/// Build `site` (nested four folders deep in `tree`, so that climbing out of it lands inside
/// `tree`) and check that nothing changed in `tree` outside the output folder `public`, and
/// that no staging sibling of it was left behind. Returns the run's exit code and messages.
fn build_touching_nothing_else(tree: &Path, site: &Path) -> (i32, String) {
    let public = site.join("public");
    let skip_output = |p: &Path| {
        p == public
            || (p.parent() == Some(site)
                && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(".public.themata-")))
    };
    let before = snapshot(tree, &skip_output);
    let output = Command::new(env!("CARGO_BIN_EXE_themata"))
        .args(["build", "--root"])
        .arg(site)
        .current_dir(site)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let after = snapshot(tree, &skip_output);
    for (path, what) in &after {
        assert_eq!(before.get(path), Some(what), "{} appeared or changed outside the output\n{stderr}", path.display());
    }
    assert_eq!(before.len(), after.len(), "a file disappeared\n{stderr}");
    let leftovers: Vec<String> = std::fs::read_dir(site)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public.themata-"))
        .collect();
    assert!(leftovers.is_empty(), "staging folders left behind: {leftovers:?}");
    (output.status.code().unwrap_or(-1), stderr)
}

/// Hostile fixtures that still build: they must be made safe, not refused.
const BUILDABLE: &[(&str, &str)] = &[
    ("content/articles/bom.md", "\u{feff}---\ntitle: BOM\n---\n正文\n"),
    ("content/articles/crlf.md", "---\r\ntitle: CRLF\r\n---\r\n正文\r\n"),
    ("content/articles/cr.md", "---\rtitle: CR\r---\r正文\r"),
    ("content/articles/empty.md", ""),
    (
        "content/articles/evil.md",
        "---\ntitle: \"<script>alert(1)</script>\"\ndescription: \"<script>d()</script>\"\ndate: 2024-01-02\ntags: [\"<script>t()</script>\", \"!!!\", \"   \", \"../..\", \"..\\\\..\"]\naliases: [\"/old/evil/\"]\n---\n{{ config.title }} {% include \"../../../../etc/passwd\" %} [[evil]] [上级](../../../../etc/passwd) ![图](../../../outside/secret.png)\n",
    ),
    ("content/articles/a..b.png", "not really a picture"),
    ("content/articles/..dots.png", "not really a picture"),
    ("content/articles/deep.md", "---\ntitle: 深\n---\n- - - - - - - - - - > > > > > x\n"),
    ("content/themes/de.md", "---\ntitle: 的\nkeywords: [\"的\", \"..\", \"/\"]\n---\n的\n"),
    ("content/glossary/lm.md", "---\ntitle: 语言模型\naliases: [\"../../x\"]\n---\n短\n"),
    ("content/glossary/llm.md", "---\ntitle: 大语言模型\n---\n长\n"),
];

/// Hostile fixtures that must be refused.
const REFUSED: &[(&str, &str)] = &[
    ("content/articles/s1.md", "---\ntitle: s1\nslug: ../../x\n---\n"),
    ("content/articles/s2.md", "---\ntitle: s2\nslug: /etc/x\n---\n"),
    ("content/articles/s3.md", "---\ntitle: s3\nslug: ..\\x\n---\n"),
    ("content/articles/al.md", "---\ntitle: al\naliases: [\"/../../escape/\", \"..\\\\..\\\\escape\"]\n---\n"),
    ("content/articles/tp.md", "---\ntitle: tp\ntemplate: ../../etc/passwd\n---\n"),
    ("content/articles/tp2.md", "---\ntitle: tp2\ntemplate: /etc/passwd\n---\n"),
];

fn hostile_tree() -> (tempfile::TempDir, PathBuf) {
    let tree = tempfile::tempdir().unwrap();
    let site = tree.path().join("a/b/c/site");
    support::copy_dir(&support::repo().join("themes/default"), &site.join("themes/default"));
    std::fs::write(site.join("site.toml"), support::SITE_TOML).unwrap();
    let outside = tree.path().join("a/b/outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.md"), "---\ntitle: 机密\n---\n机密\n").unwrap();
    std::fs::write(outside.join("secret.png"), "机密").unwrap();
    for (rel, text) in BUILDABLE {
        let path = site.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.join("secret.md"), site.join("content/articles/leak.md")).unwrap();
        std::os::unix::fs::symlink(&outside, site.join("content/leakdir")).unwrap();
    }
    (tree, site)
}

#[test]
fn hostile_site_that_builds_writes_only_into_its_output() {
    let (tree, site) = hostile_tree();
    let (code, stderr) = build_touching_nothing_else(tree.path(), &site);
    assert_eq!(code, 0, "{stderr}");
    assert!(site.join("public/articles/evil/index.html").is_file());
    assert!(site.join("public/articles/a..b.png").is_file());
    // A second build replaces the first the same way.
    let (code, stderr) = build_touching_nothing_else(tree.path(), &site);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn hostile_site_that_is_refused_writes_nothing() {
    let (tree, site) = hostile_tree();
    for (rel, text) in REFUSED {
        std::fs::write(site.join(rel), text).unwrap();
    }
    let (code, stderr) = build_touching_nothing_else(tree.path(), &site);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("Build failed: 7 error(s)"), "{stderr}");
    assert!(!site.join("public").exists());
}
