//! Inputs the fuzz targets in `fuzz/` found wrong, kept as tests: each is named after what was
//! found, uses the smallest input that showed it, and asserts what a writer would see.

use std::path::PathBuf;

use themata::content::{self, Kind};
use themata::gitbook::Boilerplate;

fn parse(text: &str) -> Vec<themata::diagnostics::Diagnostic> {
    let rel = "articles/a.md";
    content::parse_page(text, rel, PathBuf::from("content").join(rel), Kind::Page, &Boilerplate::defaults()).1
}

/// Found by `fuzz/content`: YAML counts a lone `\r` as a line break, so a front-matter error
/// after some was reported at line 18 of a 6-line file, and the report quoted no line at all.
#[test]
fn yaml_error_after_lone_carriage_returns_points_at_a_line_of_the_file() {
    let text = "---\ntitle: 微调\naliases:\r\r\r\r\r\r\r\r\r\r\r\r\r\r模型更适用途。\n---\n微调是。\n";
    let problems = parse(text);
    assert_eq!(problems.len(), 1, "{problems:?}");
    let problem = &problems[0];
    assert!(problem.message.starts_with("front matter:"), "{}", problem.message);
    // The `\r`s do not start lines of the file: YAML gives up where the front matter ends, at
    // the closing `---` on file line 4, as it does without them (the test below).
    assert_eq!((problem.line, problem.column), (4, 1), "{problem:?}");
    assert_eq!(text.split('\n').nth(problem.line - 1), Some("---"));
}

/// The same error without the `\r`s keeps the line the parser gave before the fix.
#[test]
fn yaml_error_on_plain_lines_keeps_its_line_and_column() {
    let problems = parse("---\ntitle: a\naliases:\n模型更适用途。\n---\nbody\n");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!((problems[0].line, problems[0].column), (5, 1), "{:?}", problems[0]);
}
