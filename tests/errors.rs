//! Invalid fixtures, one per kind of failure: each asserts the exact message (file, line,
//! column, problem), a non-zero exit, and that the previous output survived untouched.

mod support;
use support::Site;

const GOOD: &str = "---\ntitle: 好文章\ndate: 2024-01-02\n---\n正文。\n";

/// Build a good site, break it with `breakage`, build again: the second build must fail with
/// `expected` among its messages and leave the first output exactly as it was.
fn fails_keeping_output(breakage: impl FnOnce(&Site), expected: &str) -> String {
    let site = Site::new().page("_index.md", "---\ntitle: 首页\n---\n").page("articles/good.md", GOOD);
    let first = site.build_ok();
    let before: Vec<(String, String)> =
        first.files().into_iter().map(|f| (first.read(&f), f)).map(|(t, f)| (f, t)).collect();
    breakage(&site);
    let run = site.build();
    assert_eq!(run.code, 1, "expected failure, got:\n{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.lines().any(|line| line == expected), "expected the line\n{expected}\nin\n{}", run.stderr);
    assert!(run.stderr.contains("the output folder was left as it was"), "{}", run.stderr);
    let after: Vec<(String, String)> = run.files().into_iter().map(|f| (f.clone(), run.read(&f))).collect();
    assert_eq!(before, after, "the previous output changed");
    run.stderr
}

#[test]
fn unknown_site_toml_key() {
    let stderr = fails_keeping_output(
        |s| s.write("site.toml", "title = \"t\"\nbase_url = \"https://e.org\"\ntittle = \"x\"\n"),
        "site.toml:3:1: error: unknown field `tittle`",
    );
    assert!(stderr.contains("help: did you mean `title`?"), "{stderr}");
}

#[test]
fn yaml_syntax_error_points_at_the_file_line() {
    fails_keeping_output(
        |s| s.write("content/articles/bad.md", "---\ntitle: 坏文章\ntags: [AI, 中级\n---\n正文\n"),
        "content/articles/bad.md:4:1: error: front matter: did not find expected ',' or ']', while parsing a flow sequence",
    );
}

#[test]
fn unknown_front_matter_key_suggests_the_right_one() {
    let stderr = fails_keeping_output(
        |s| s.write("content/articles/bad.md", "---\ntitle: 坏文章\ndate: 2024-01-02\ntgas: [AI]\n---\n正文\n"),
        "content/articles/bad.md:4:1: error: front matter: unknown field `tgas`",
    );
    assert!(stderr.contains("  help: did you mean `tags`?"), "{stderr}");
}

#[test]
fn malformed_date_says_how_to_write_it() {
    fails_keeping_output(
        |s| s.write("content/articles/bad.md", "---\ntitle: 坏文章\ndate: 2023-7-29\n---\n正文\n"),
        "content/articles/bad.md:3:7: error: front matter `date`: invalid date \"2023-7-29\": expected YYYY-MM-DD, such as \"2023-07-29\"",
    );
}

#[test]
fn two_files_on_one_url_name_both() {
    fails_keeping_output(
        |s| s.write("content/articles/other.md", "---\ntitle: 另一篇\nslug: good\n---\n正文\n"),
        "content/articles/other.md: error: content/articles/good.md and content/articles/other.md both map to the URL /articles/good/; rename one or give it a different `slug:`",
    );
}

#[test]
fn broken_internal_link_names_line_and_column() {
    fails_keeping_output(
        |s| s.write("content/articles/links.md", "---\ntitle: 链接\n---\n\n第一段。\n\n参见[另一篇](missing.md#x)。\n"),
        "content/articles/links.md:7:3: error: broken link: `missing.md#x` matches no page",
    );
}

#[test]
fn template_syntax_error_names_the_template_file() {
    fails_keeping_output(
        |s| s.write("templates/page.html", "<p>{{ page.title }</p>\n"),
        "templates/page.html:1:18: error: template: Found `}` but expected }}.",
    );
}

#[test]
fn unclosed_front_matter() {
    fails_keeping_output(
        |s| s.write("content/articles/bad.md", "---\ntitle: 没有结尾\n\n正文\n"),
        "content/articles/bad.md:1:1: error: front matter is not closed: add a line `---` after it",
    );
}

#[test]
fn invalid_utf8_is_reported_with_its_position() {
    fails_keeping_output(
        |s| std::fs::write(s.root().join("content/articles/bad.md"), b"---\ntitle: x\n---\n\xff\xfe\n").unwrap(),
        "content/articles/bad.md:4:1: error: file is not valid UTF-8 text",
    );
}

#[test]
fn strict_turns_warnings_into_failures() {
    let site = Site::new().page("articles/a.md", "---\ntitle: 提示\n---\n\n{% include \"x.html\" %}\n");
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("content/articles/a.md:5:1: warning:"), "{}", run.stderr);
    let strict = site.run(&["build", "--strict"]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
}

#[test]
fn every_problem_is_reported_in_one_run() {
    let site = Site::new()
        .page("articles/a.md", "---\ntitle: a\ndate: 2023-13-01\n---\n")
        .page("articles/b.md", "---\ntitle: b\n---\n[x](nope.md)\n")
        .page("articles/c.md", "---\ntitel: c\n---\n");
    let run = site.build();
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("content/articles/a.md:3:7: error:"), "{}", run.stderr);
    assert!(run.stderr.contains("content/articles/b.md:4:1: error: broken link"), "{}", run.stderr);
    assert!(
        run.stderr.contains("content/articles/c.md:2:1: error: front matter: unknown field `titel`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Build failed: 3 error(s)"), "{}", run.stderr);
    assert!(!run.out.exists(), "a failed first build must not create the output folder");
}

#[test]
fn gitbook_header_that_never_closes() {
    fails_keeping_output(
        |s| {
            s.write(
                "content/articles/export.md",
                "# 导出的文章\n{% hint style=\"info\" %}\n**Author:** [某人](https://example.com/u/1)\n**Published:** 2023-07-29\n\n正文第一段。\n",
            )
        },
        "content/articles/export.md:2:1: error: the `{% hint %}` block that holds the article's metadata is never closed: add `{% endhint %}` after its last `**Key:** value` line",
    );
}

#[test]
fn gitbook_published_date_that_is_not_a_date() {
    let stderr = fails_keeping_output(
        |s| {
            s.write(
                "content/articles/export.md",
                "# 导出的文章\n{% hint style=\"info\" %}\n**Author:** [某人](https://example.com/u/1)\n**Published:** 2023-02-30\n{% endhint %}\n\n正文第一段。\n",
            )
        },
        "content/articles/export.md:4:16: error: `**Published:**` must be a real date written YYYY-MM-DD (like 2023-07-29), found `2023-02-30`",
    );
    assert!(!stderr.contains(": warning:"), "{stderr}");
}
