//! Callouts: `{% hint style="..." %}` blocks and GFM alerts (`> [!NOTE]`)
//! both render as `<div class="callout callout-<style>" role="note">` around
//! their content, which is ordinary Markdown.
//!
//! The hint tag lines were blanked before the parse (see `tags`), so their
//! content parses as the blocks it is; this pass puts the `<div>` before the
//! first block after the opening line and the `</div>` before the closing
//! line, in the same container. A hint that opens in one container and closes
//! in another (say inside a list item and after the list) cannot be wrapped:
//! its two tags are shown as text and a warning is given.

use std::ops::Range;

use pulldown_cmark::{BlockQuoteKind, CowStr, Event, Tag, TagEnd};

use super::{Ctx, Spanned, escape_html};

/// A matched hint block: byte ranges of its opening and closing tags.
#[derive(Debug, Clone)]
pub(crate) struct Callout {
    pub style: &'static str,
    pub open: Range<usize>,
    pub close: Range<usize>,
    /// The two tags as written, shown when the block cannot be wrapped.
    pub open_text: String,
    pub close_text: String,
}

impl Callout {
    pub(super) fn mapped(&self, map: impl Fn(&Range<usize>) -> Range<usize>) -> Callout {
        Callout {
            style: self.style,
            open: map(&self.open),
            close: map(&self.close),
            open_text: self.open_text.clone(),
            close_text: self.close_text.clone(),
        }
    }
}

fn open_div(style: &str) -> String {
    format!("<div class=\"callout callout-{style}\" role=\"note\">\n")
}

/// The hint style an alert kind is shown with.
fn alert_style(kind: BlockQuoteKind) -> &'static str {
    match kind {
        BlockQuoteKind::Note | BlockQuoteKind::Important => "info",
        BlockQuoteKind::Tip => "success",
        BlockQuoteKind::Warning => "warning",
        BlockQuoteKind::Caution => "danger",
    }
}

pub(super) fn apply<'a>(events: Vec<Spanned<'a>>, callouts: &[Callout], ctx: &mut Ctx<'_>) -> Vec<Spanned<'a>> {
    // (event index, tag position, html). Sorted by index, then by where the
    // tag stands in the source: that orders nested, adjacent and empty hints.
    let mut inserts: Vec<(usize, usize, String)> = Vec::new();
    for callout in callouts {
        match wrap_points(&events, callout) {
            Some((i, j)) => {
                inserts.push((i, callout.open.start, open_div(callout.style)));
                inserts.push((j, callout.close.start, "</div>\n".to_string()));
            }
            None => {
                ctx.warn(
                    callout.open.start,
                    "this hint block starts and ends in different blocks (a list, a quote); \
                     its tags are shown as text",
                );
                let i = first_at_or_after(&events, callout.open.end);
                let j = first_at_or_after(&events, callout.close.end);
                let show = |text: &str| format!("<p>{}</p>\n", escape_html(text));
                inserts.push((i, callout.open.start, show(&callout.open_text)));
                inserts.push((j, callout.close.start, show(&callout.close_text)));
            }
        }
    }
    inserts.sort_by_key(|(i, pos, _)| (*i, *pos));

    if inserts.len() <= FEW {
        // A page has a hint or two: insert them where they go rather than move every event.
        let mut events = events;
        for (event, _) in &mut events {
            match event {
                Event::Start(Tag::BlockQuote(Some(kind))) => {
                    *event = Event::Html(CowStr::from(open_div(alert_style(*kind))))
                }
                Event::End(TagEnd::BlockQuote(Some(_))) => *event = Event::Html(CowStr::from("</div>\n")),
                _ => {}
            }
        }
        // Last first, so the indexes still point where they did; at one index the
        // earlier tag ends up first.
        for (index, pos, html) in inserts.into_iter().rev() {
            events.insert(index, (Event::Html(CowStr::from(html)), pos..pos));
        }
        return events;
    }

    let mut out = Vec::with_capacity(events.len() + inserts.len());
    let mut pending = inserts.into_iter().peekable();
    for (index, (event, range)) in events.into_iter().enumerate() {
        while let Some((_, pos, html)) = pending.next_if(|(i, ..)| *i == index) {
            out.push((Event::Html(CowStr::from(html)), pos..pos));
        }
        out.push(match event {
            Event::Start(Tag::BlockQuote(Some(kind))) => {
                (Event::Html(CowStr::from(open_div(alert_style(kind)))), range)
            }
            Event::End(TagEnd::BlockQuote(Some(_))) => (Event::Html(CowStr::from("</div>\n")), range),
            other => (other, range),
        });
    }
    for (_, pos, html) in pending {
        out.push((Event::Html(CowStr::from(html)), pos..pos));
    }
    out
}

/// Up to this many tags are inserted one by one (each moves the events after it).
const FEW: usize = 8;

fn first_at_or_after(events: &[Spanned<'_>], pos: usize) -> usize {
    (0..events.len()).find(|&k| events[k].1.start >= pos).unwrap_or(events.len())
}

/// Where the `<div>` and `</div>` go: before event `i` and before event `j`,
/// with the events in between balanced. None when they cannot be.
fn wrap_points(events: &[Spanned<'_>], callout: &Callout) -> Option<(usize, usize)> {
    let i = first_at_or_after(events, callout.open.end);
    let mut depth = 0usize;
    for (k, (event, range)) in events.iter().enumerate().skip(i) {
        if range.start >= callout.close.start {
            return (depth == 0).then_some((i, k));
        }
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) if depth == 0 => {
                // The container the hint opened in ends here. Fine if nothing
                // else starts before the closing tag.
                let next = events[k..].iter().find(|(e, _)| !matches!(e, Event::End(_)));
                return next.is_none_or(|(_, r)| r.start >= callout.close.start).then_some((i, k));
            }
            Event::End(_) => depth -= 1,
            _ => {}
        }
    }
    (depth == 0).then_some((i, events.len()))
}
