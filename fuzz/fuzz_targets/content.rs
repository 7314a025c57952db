//! Fuzzes the front-matter splitter and parser (`content::parse_page`), which also routes
//! GitBook exports to `gitbook::extract`: no panic, and every diagnostic points inside the file.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use themata::content::{self, Kind};
use themata::gitbook::Boilerplate;

fuzz_target!(|data: &[u8]| {
    static RULES: OnceLock<Boilerplate> = OnceLock::new();
    let rules = RULES.get_or_init(Boilerplate::defaults);
    let Some((&choice, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    // The path decides glossary rules and section pages: let the first byte pick one.
    let (rel, kind) = match choice % 4 {
        0 => ("articles/a.md", Kind::Page),
        1 => ("glossary/term.md", Kind::Page),
        2 => ("articles/_index.md", Kind::Section),
        _ => ("topics/t.md", Kind::Page),
    };
    let lines = text.split('\n').count();
    let (page, problems) = content::parse_page(text, rel, PathBuf::from("content").join(rel), kind, rules);
    for problem in &problems {
        assert!(problem.line <= lines + 1, "diagnostic at line {} of {lines}: {}", problem.line, problem.message);
    }
    let body_lines = page.body.split('\n').count();
    assert!(
        page.body_line_offset + body_lines <= lines + 1,
        "body of {body_lines} lines at offset {} in a file of {lines}",
        page.body_line_offset
    );
});
