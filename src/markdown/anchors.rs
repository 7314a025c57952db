//! The ids a `#fragment` can target in a page, so the build can tell a
//! broken fragment link (`[x](#missing)`, `[x](other.md#missing)`) from a
//! good one.
//!
//! They are, in document order and each once: heading ids (generated or the
//! writer's `{#custom}`, set by `headings::apply`, so this pass runs after
//! it), footnote definition labels (pulldown-cmark writes them as the id of
//! the definition), and `id` attributes written in raw HTML, block or inline.
//! Code is never looked into: at this point code blocks are still text events.

use std::collections::HashSet;
use std::sync::OnceLock;

use pulldown_cmark::{Event, Tag, TagEnd};
use regex::Regex;

use super::Spanned;

/// Every id in the events, first occurrence first.
pub(super) fn collect(events: &[Spanned<'_>]) -> Vec<String> {
    // A page has a few ids (its headings): while it has fewer than `FEW`, a new one is
    // compared with the list, and only past that is a set of them kept, so that most pages
    // copy each id once and hash none.
    const FEW: usize = 16;
    let mut seen: HashSet<String> = HashSet::new();
    let mut out: Vec<String> = Vec::new();
    let mut push = |id: &str| {
        if id.is_empty() {
            return;
        }
        if out.len() < FEW {
            if out.iter().any(|known| known == id) {
                return;
            }
        } else {
            if seen.is_empty() {
                seen.extend(out.iter().cloned());
            }
            if !seen.insert(id.to_string()) {
                return;
            }
        }
        out.push(id.to_string());
    };
    // An HTML block comes as one event per line; a tag may span lines.
    let mut block: Option<String> = None;
    for (event, _) in events {
        match event {
            Event::Start(Tag::Heading { id: Some(id), .. }) => push(id),
            Event::Start(Tag::FootnoteDefinition(label)) => push(label),
            Event::Start(Tag::HtmlBlock) => block = Some(String::new()),
            Event::End(TagEnd::HtmlBlock) => {
                for id in html_ids(&block.take().unwrap_or_default()) {
                    push(id);
                }
            }
            Event::Html(html) if block.is_some() => block.get_or_insert_default().push_str(html),
            Event::Html(html) | Event::InlineHtml(html) => {
                for id in html_ids(html) {
                    push(id);
                }
            }
            _ => {}
        }
    }
    out
}

/// Values of `id` attributes in the start tags of a piece of raw HTML:
/// `id="a"`, `id='a'` or `id=a`, preceded by whitespace so that `data-id`
/// does not count. Text between tags is not looked at.
fn html_ids(html: &str) -> Vec<&str> {
    static PATTERNS: OnceLock<(Regex, Regex)> = OnceLock::new();
    let (tag, id) = PATTERNS.get_or_init(|| {
        let tag = Regex::new(r"<[A-Za-z][^>]*>?").expect("the tag pattern is valid");
        let id =
            Regex::new(r#"(?i)\sid\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))"#).expect("the id pattern is valid");
        (tag, id)
    });
    let mut out = Vec::new();
    for start_tag in tag.find_iter(html) {
        for c in id.captures_iter(start_tag.as_str()) {
            if let Some(m) = c.get(1).or_else(|| c.get(2)).or_else(|| c.get(3)) {
                out.push(m.as_str());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_each_id_once_in_document_order_past_the_few_compared_directly() {
        let html: String = (0..40).map(|i| format!("<a id=\"a{}\"></a>", i % 25)).collect();
        let events = vec![(Event::InlineHtml(html.as_str().into()), 0..html.len())];
        let expected: Vec<String> = (0..25).map(|i| format!("a{i}")).collect();
        assert_eq!(collect(&events), expected);
    }

    #[test]
    fn finds_quoted_and_bare_ids_but_not_lookalikes() {
        let ids = html_ids("<a id=\"r1\" data-id=\"no\"><span\nID='r2'></span><b id=r3 grid=\"x\">");
        assert_eq!(ids, ["r1", "r2", "r3"]);
        assert!(html_ids("<p> id=\"text\" between tags</p>").is_empty());
    }
}
