//! Invalid fixtures, one per kind of failure: each asserts the exact report a writer sees (in
//! the style of rustc: what, where, the source line with a caret, and a help line where a fix
//! can be suggested), a non-zero exit, and that the previous output survived untouched.

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
    assert!(run.stderr.contains(expected), "expected\n{expected}\nin\n{}", run.stderr);
    assert!(run.stderr.contains("the output folder was left as it was"), "{}", run.stderr);
    let after: Vec<(String, String)> = run.files().into_iter().map(|f| (f.clone(), run.read(&f))).collect();
    assert_eq!(before, after, "the previous output changed");
    run.stderr
}

#[test]
fn unknown_site_toml_key() {
    let stderr = fails_keeping_output(
        |s| s.write("site.toml", "title = \"t\"\nbase_url = \"https://e.org\"\ntittle = \"x\"\n"),
        "error: unknown field `tittle`\n --> site.toml:3:1\n  |\n3 | tittle = \"x\"\n  | ^^^^^^\n  = help: did you mean `title`?\n",
    );
    assert!(!stderr.contains('\x1b'), "no colour when not on a terminal");
}

#[test]
fn yaml_syntax_error_points_at_the_file_line() {
    fails_keeping_output(
        |s| s.write("content/articles/bad.md", "---\ntitle: 坏文章\ntags: [AI, 中级\n---\n正文\n"),
        "error: front matter: did not find expected ',' or ']', while parsing a flow sequence\n --> content/articles/bad.md:4:1\n  |\n4 | ---\n  | ^\n",
    );
}

#[test]
fn unknown_front_matter_key_suggests_the_right_one() {
    let stderr = fails_keeping_output(
        |s| s.write("content/articles/bad.md", "---\ntitle: 坏文章\ndate: 2024-01-02\ntgas: [AI]\n---\n正文\n"),
        "error: front matter: unknown field `tgas`\n --> content/articles/bad.md:4:1\n  |\n4 | tgas: [AI]\n  | ^^^^\n  = help: did you mean `tags`?\n",
    );
    assert!(stderr.contains("Build failed: 1 error(s), 0 warning(s)"), "{stderr}");
}

#[test]
fn malformed_date_says_how_to_write_it() {
    fails_keeping_output(
        |s| s.write("content/articles/bad.md", "---\ntitle: 坏文章\ndate: 2023-7-29\n---\n正文\n"),
        "error: front matter `date`: invalid date \"2023-7-29\": expected YYYY-MM-DD\n --> content/articles/bad.md:3:7\n  |\n3 | date: 2023-7-29\n  |       ^^^^^^^^^\n  = help: write `2023-07-29`\n",
    );
}

#[test]
fn two_files_on_one_url_name_both() {
    fails_keeping_output(
        |s| s.write("content/articles/other.md", "---\ntitle: 另一篇\nslug: good\n---\n正文\n"),
        "error: content/articles/good.md and content/articles/other.md both map to the URL /articles/good/; rename one or give it a different `slug:`\n --> content/articles/other.md\n",
    );
}

#[test]
fn broken_internal_link_names_line_and_column() {
    fails_keeping_output(
        |s| s.write("content/articles/links.md", "---\ntitle: 链接\n---\n\n第一段。\n\n参见[另一篇](missing.md#x)。\n"),
        "error: broken link: `missing.md#x` matches no page\n --> content/articles/links.md:7:3\n  |\n7 | 参见[另一篇](missing.md#x)。\n  |     ^\n",
    );
}

#[test]
fn template_syntax_error_names_the_template_file() {
    fails_keeping_output(
        |s| s.write("templates/page.html", "<p>{{ page.title }</p>\n"),
        "error: template: Found `}` but expected }}.\n --> templates/page.html:1:18\n  |\n1 | <p>{{ page.title }</p>\n  |                  ^\n",
    );
}

#[test]
fn unknown_template_filter_names_the_template_file_line_and_column() {
    fails_keeping_output(
        |s| s.write("templates/page.html", "<p>{{ page.title | shout }}</p>\n"),
        "error: template: Unknown filter `shout`\n --> templates/page.html:1:20\n  |\n1 | <p>{{ page.title | shout }}</p>\n  |                    ^^^^^\n",
    );
}

#[test]
fn a_broken_listing_item_is_reported_once_naming_its_template() {
    let components = std::fs::read_to_string(support::repo().join("themes/default/templates/partials/components.html"))
        .expect("the default theme's components");
    let broken = components.replace("{{ p.title }}</a>", "{{ p.no_such_field.name }}</a>");
    assert_ne!(broken, components, "the page_item component prints p.title");
    let stderr = fails_keeping_output(
        |s| {
            s.write("content/articles/other.md", GOOD);
            s.write("templates/partials/components.html", &broken);
        },
        "templates/partials/components.html",
    );
    assert!(stderr.contains("no_such_field"), "{stderr}");
    // The items of both articles fail alike: reported for the first only (the home page, which
    // renders the component itself, reports its own).
    assert!(stderr.contains("while rendering content/articles/good.md"), "{stderr}");
    assert!(!stderr.contains("while rendering content/articles/other.md"), "{stderr}");
}

#[test]
fn unclosed_front_matter() {
    fails_keeping_output(
        |s| s.write("content/articles/bad.md", "---\ntitle: 没有结尾\n\n正文\n"),
        "error: front matter is not closed: add a line `---` after it\n --> content/articles/bad.md:1:1\n  |\n1 | ---\n  | ^\n",
    );
}

#[test]
fn invalid_utf8_is_reported_with_its_position() {
    fails_keeping_output(
        |s| std::fs::write(s.root().join("content/articles/bad.md"), b"---\ntitle: x\n---\n\xff\xfe\n").unwrap(),
        "error: file is not valid UTF-8 text\n --> content/articles/bad.md:4:1\n  |\n4 | \u{fffd}\u{fffd}\n  | ^\n",
    );
}

#[test]
fn strict_turns_warnings_into_failures() {
    let site = Site::new().page("articles/a.md", "---\ntitle: 提示\n---\n\n{% include \"x.html\" %}\n");
    let run = site.build();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = "warning: template tag `{% include \"x.html\" %}` is not supported; it is shown as text\n --> content/articles/a.md:5:1\n  |\n5 | {% include \"x.html\" %}\n  | ^\n";
    assert!(run.stderr.contains(expected), "{}", run.stderr);
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
    assert!(run.stderr.contains(" --> content/articles/a.md:3:7\n"), "{}", run.stderr);
    assert!(
        run.stderr.contains("error: broken link: `nope.md` matches no page\n --> content/articles/b.md:4:1\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("error: front matter: unknown field `titel`\n --> content/articles/c.md:2:1\n"),
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
        "error: the `{% hint %}` block that holds the article's metadata is never closed: add `{% endhint %}` after its last `**Key:** value` line\n --> content/articles/export.md:2:1\n  |\n2 | {% hint style=\"info\" %}\n  | ^\n",
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
        "error: `**Published:**` must be a real date written YYYY-MM-DD (like 2023-07-29), found `2023-02-30`\n --> content/articles/export.md:4:16\n  |\n4 | **Published:** 2023-02-30\n  |                ^\n",
    );
    assert!(!stderr.contains(": warning:"), "{stderr}");
}
