//! GitBook/Liquid template tags (`{% ... %}`) in a body.
//!
//! Only `{% hint style="info|success|warning|danger" %}` ... `{% endhint %}`,
//! each on a line of its own, means something here: the pair becomes a
//! callout (see `callouts`). Every other tag is not evaluated: it gets a
//! warning with its file line and column and stays in the page exactly as
//! written. To keep it exact, its ASCII punctuation is swapped for inert
//! private-use characters before the real parse (so `*`, `_`, `[` or `|`
//! inside it cannot turn into Markdown) and swapped back by [`restore`].
//!
//! Tags are looked for only in prose: a `{%` inside a code span, a code block
//! or raw HTML is left alone.

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use super::Spanned;
use super::callouts::Callout;

/// The private-use character standing for ASCII `c` inside a protected tag.
const PROTECT_BASE: u32 = 0xE000;

/// Hint styles GitBook knows; each becomes the class `callout-<style>`.
pub(super) const HINT_STYLES: [&str; 4] = ["info", "success", "warning", "danger"];

/// What the first parse found.
#[derive(Debug, Default)]
pub(super) struct Scan {
    /// Single-character replacements (byte offset in the body, new character).
    pub edits: Vec<(usize, char)>,
    /// Byte ranges (in the body) of unknown tags whose text [`restore`] puts back.
    pub protected: Vec<Range<usize>>,
    /// Matched hint blocks (byte ranges in the body of their two tags).
    pub callouts: Vec<Callout>,
    /// (byte offset in the body, message).
    pub warnings: Vec<(usize, String)>,
}

enum Kind {
    Hint(&'static str),
    /// A hint with a style GitBook does not have.
    BadHint(String),
    EndHint,
    Other,
}

struct Found {
    span: Range<usize>,
    kind: Kind,
    whole_line: bool,
}

/// Whether [`scan`] can find anything in `src`.
pub(super) fn may_have_tags(src: &str) -> bool {
    // memchr's memmem uses SIMD; str::contains does not.
    memchr::memmem::find(src.as_bytes(), b"{%").is_some()
}

/// Finds every `{% ... %}` tag that starts in prose, decides what it is and
/// what to rewrite.
pub(super) fn scan(src: &str, events: &[Spanned<'_>]) -> Scan {
    let mut out = Scan::default();
    if !may_have_tags(src) {
        return out;
    }
    let prose = prose_ranges(events);
    let mut open: Vec<Found> = Vec::new();
    for found in find_tags(src, &prose) {
        match found.kind {
            Kind::Hint(_) if found.whole_line => open.push(found),
            Kind::EndHint if found.whole_line => match open.pop() {
                Some(start) => {
                    let Kind::Hint(style) = start.kind else { unreachable!("only hints are pushed") };
                    blank(src, &start.span, &mut out.edits);
                    blank(src, &found.span, &mut out.edits);
                    out.callouts.push(Callout {
                        style,
                        open_text: src[start.span.clone()].to_string(),
                        close_text: src[found.span.clone()].to_string(),
                        open: start.span,
                        close: found.span,
                    });
                }
                None => {
                    keep_as_text(src, found.span, |tag| format!("`{tag}` has no `{{% hint %}}` before it"), &mut out)
                }
            },
            Kind::Hint(_) | Kind::EndHint => {
                keep_as_text(src, found.span, |tag| format!("`{tag}` must stand on a line of its own"), &mut out)
            }
            Kind::BadHint(style) => keep_as_text(
                src,
                found.span,
                |tag| format!("`{tag}`: hint style \"{style}\" is not one of {}", HINT_STYLES.join(", ")),
                &mut out,
            ),
            Kind::Other => {
                keep_as_text(src, found.span, |tag| format!("template tag `{tag}` is not supported"), &mut out)
            }
        }
    }
    for start in open {
        keep_as_text(src, start.span, |tag| format!("`{tag}` is never closed by `{{% endhint %}}`"), &mut out);
    }
    out.warnings.sort_by_key(|(pos, _)| *pos);
    out
}

/// Byte ranges of the Text events outside code, raw HTML and metadata.
fn prose_ranges(events: &[Spanned<'_>]) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut in_code = 0usize;
    for (event, range) in events {
        match event {
            Event::Start(Tag::CodeBlock(_) | Tag::HtmlBlock | Tag::MetadataBlock(_)) => in_code += 1,
            Event::End(TagEnd::CodeBlock | TagEnd::HtmlBlock | TagEnd::MetadataBlock(_)) => {
                in_code = in_code.saturating_sub(1)
            }
            Event::Text(_) if in_code == 0 => ranges.push(range.clone()),
            _ => {}
        }
    }
    ranges.sort_by_key(|r| r.start);
    ranges
}

fn in_prose(prose: &[Range<usize>], pos: usize) -> bool {
    let i = prose.partition_point(|r| r.start <= pos);
    i > 0 && prose[i - 1].contains(&pos)
}

/// Every `{% ... %}` closed on its own line whose `{%` is in prose.
fn find_tags(src: &str, prose: &[Range<usize>]) -> Vec<Found> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(rel) = src[from..].find("{%") {
        let start = from + rel;
        let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
        let Some(close) = src[start + 2..line_end].find("%}") else {
            from = start + 2;
            continue;
        };
        let end = start + 2 + close + 2;
        if !in_prose(prose, start) {
            from = start + 2;
            continue;
        }
        let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
        let before = &src[line_start..start];
        let after = &src[end..line_end];
        let whole_line = before.chars().all(|c| c.is_whitespace() || c == '>') && after.trim().is_empty();
        found.push(Found { span: start..end, kind: classify(&src[start + 2..end - 2]), whole_line });
        from = end;
    }
    found
}

fn classify(inner: &str) -> Kind {
    let words: Vec<&str> = inner.split_whitespace().collect();
    match words.as_slice() {
        ["endhint"] => Kind::EndHint,
        ["hint", attr] => {
            let value = attr
                .strip_prefix("style=")
                .and_then(|v| {
                    v.strip_prefix('"')
                        .and_then(|v| v.strip_suffix('"'))
                        .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                })
                .unwrap_or("");
            match HINT_STYLES.iter().find(|s| **s == value) {
                Some(style) => Kind::Hint(style),
                None => Kind::BadHint(value.to_string()),
            }
        }
        _ => Kind::Other,
    }
}

/// Replaces a tag's characters by spaces: the line keeps its length and is blank.
fn blank(src: &str, span: &Range<usize>, edits: &mut Vec<(usize, char)>) {
    for (i, _) in src[span.clone()].char_indices() {
        edits.push((span.start + i, ' '));
    }
}

/// Warns (the message names the tag) and protects the tag's text.
fn keep_as_text(src: &str, span: Range<usize>, message: impl FnOnce(&str) -> String, out: &mut Scan) {
    let text = &src[span.clone()];
    out.warnings.push((span.start, format!("{}; it is shown as text", message(text))));
    for (i, c) in text.char_indices() {
        if c.is_ascii_punctuation() {
            let private = char::from_u32(PROTECT_BASE + c as u32).unwrap_or(c);
            out.edits.push((span.start + i, private));
        }
    }
    out.protected.push(span);
}

/// Puts the original ASCII back into the Text events of protected tags.
pub(super) fn restore<'a>(mut events: Vec<Spanned<'a>>, protected: &[Range<usize>]) -> Vec<Spanned<'a>> {
    if protected.is_empty() {
        return events;
    }
    for (event, range) in &mut events {
        let Event::Text(text) = event else { continue };
        if !protected.iter().any(|p| p.start < range.end && range.start < p.end) {
            continue;
        }
        let restored: String = text
            .chars()
            .map(|c| match c as u32 {
                cp @ 0xE021..=0xE07E => char::from_u32(cp - PROTECT_BASE).unwrap_or(c),
                _ => c,
            })
            .collect();
        *event = Event::Text(CowStr::from(restored));
    }
    events
}
