//! Fuzzes the Markdown passes (`markdown::render` with `NoLinks` and a small glossary): no panic,
//! warnings point inside the body, and when the body has no raw HTML every `<a `, `<mark>` and
//! `<div>` the renderer writes is closed in nesting order.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use themata::markdown::{self, Glossary, NoLinks, Options};

fn glossary() -> &'static Glossary {
    static GLOSSARY: OnceLock<Glossary> = OnceLock::new();
    GLOSSARY.get_or_init(|| {
        let term =
            |id: usize, names: &[&str], url: &str| (id, names.iter().map(|s| s.to_string()).collect(), url.to_string());
        Glossary::new(vec![
            term(0, &["AI", "人工智能"], "/glossary/ai/"),
            term(1, &["Prompt", "提示词"], "/glossary/prompt/"),
            term(2, &["PM", "产品经理"], "/glossary/pm/"),
            term(3, &["A/B 测试", "AB test"], "/glossary/ab/"),
        ])
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    // Even first byte: take out `<` so the body has no raw HTML and the balance check applies.
    let clean = choice % 2 == 0;
    let body = if clean { text.replace('<', "‹") } else { text.to_string() };
    let self_url = (choice & 2 != 0).then_some("/glossary/ai/");
    let opts =
        Options { line_offset: usize::from(choice >> 4), resolver: &NoLinks, glossary: Some(glossary()), self_url };
    let rendered = markdown::render(&body, &opts);
    if clean && let Err(problem) = themata_fuzz::check_balanced(&rendered.html) {
        panic!("{problem}\n--- html ---\n{}", rendered.html);
    }
    let lines = body.split('\n').count() + opts.line_offset;
    for warning in &rendered.warnings {
        assert!(
            warning.line >= 1 && warning.line <= lines + 1,
            "warning at line {} of {lines}: {}",
            warning.line,
            warning.message
        );
    }
    for link in &rendered.links {
        assert!(link.line >= 1 && link.line <= lines + 1, "link at line {} of {lines}", link.line);
    }
});
