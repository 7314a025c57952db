//! Fuzzes the GitBook-export header reader and boilerplate stripper (`gitbook::extract` with
//! `Boilerplate::defaults()`): no panic, and on success the body keeps the source's line count
//! and every reported line lies inside the file.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use themata::gitbook::{self, Boilerplate};

fuzz_target!(|data: &[u8]| {
    static RULES: OnceLock<Boilerplate> = OnceLock::new();
    let rules = RULES.get_or_init(Boilerplate::defaults);
    let Ok(source) = std::str::from_utf8(data) else { return };
    let lines = source.split('\n').count();
    let _ = gitbook::detect(source);
    match gitbook::extract(source, rules) {
        Ok(extracted) => {
            let body_lines = extracted.body.split('\n').count();
            assert_eq!(body_lines, lines, "the body has {body_lines} lines, its source {lines}");
            // The first line after the header: one past the end when the header is all there is.
            assert!(extracted.body_start <= lines + 1, "body_start {} past the end", extracted.body_start);
            for removed in &extracted.removed {
                assert!(
                    removed.line >= 1 && removed.line + removed.lines <= lines + 1,
                    "rule {} removed lines {}+{} of {lines}",
                    removed.rule,
                    removed.line,
                    removed.lines
                );
            }
            for warning in &extracted.warnings {
                assert!(warning.line <= lines, "warning at line {} of {lines}: {}", warning.line, warning.message);
            }
        }
        Err(issue) => {
            assert!(
                issue.line >= 1 && issue.line <= lines,
                "error at line {} of {lines}: {}",
                issue.line,
                issue.message
            );
        }
    }
});
