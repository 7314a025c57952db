//! Heading ids and the table of contents.
//!
//! Every heading gets an id: the writer's own `{#custom}` when given,
//! otherwise `slug::slugify` of its plain text, made unique within the page
//! by a `Slugger` (`总结`, `总结-1`, ...). Custom ids are reserved first, so a
//! generated id never takes one a writer chose further down.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Tag, TagEnd};

use super::{Ctx, Spanned, TocEntry};
use crate::slug::{Slugger, slugify};

struct Heading {
    index: usize,
    level: u8,
    title: String,
    custom: Option<String>,
}

pub(super) fn apply<'a>(mut events: Vec<Spanned<'a>>, ctx: &mut Ctx<'_>) -> (Vec<Spanned<'a>>, Vec<TocEntry>) {
    let headings = find(&events);
    let mut slugger = Slugger::new();
    for h in &headings {
        if let Some(id) = &h.custom
            && !slugger.reserve(id)
        {
            ctx.warn(events[h.index].1.start, format!("heading id `{id}` is used twice on this page"));
        }
    }
    let mut flat = Vec::with_capacity(headings.len());
    for h in headings {
        let id = match h.custom {
            Some(id) => id,
            None => slugger.unique(&slugify(&h.title)),
        };
        if let (Event::Start(Tag::Heading { id: slot, .. }), _) = &mut events[h.index] {
            *slot = Some(CowStr::from(id.clone()));
        }
        flat.push(TocEntry { level: h.level, id, title: h.title, children: Vec::new() });
    }
    let toc = nest(&mut flat.into_iter().peekable(), 0);
    (events, toc)
}

fn find(events: &[Spanned<'_>]) -> Vec<Heading> {
    let mut out = Vec::new();
    let mut current: Option<Heading> = None;
    let mut in_image = 0usize;
    for (index, (event, _)) in events.iter().enumerate() {
        match event {
            Event::Start(Tag::Image { .. }) => in_image += 1,
            Event::End(TagEnd::Image) => in_image = in_image.saturating_sub(1),
            _ if in_image > 0 => {}
            Event::Start(Tag::Heading { level, id, .. }) => {
                current = Some(Heading {
                    index,
                    level: level_number(*level),
                    title: String::new(),
                    custom: id.as_ref().map(|s| s.to_string()).filter(|s| !s.is_empty()),
                });
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(mut h) = current.take() {
                    h.title = crate::text::collapse_whitespace(&h.title);
                    out.push(h);
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = &mut current {
                    h.title.push_str(t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(h) = &mut current {
                    h.title.push(' ');
                }
            }
            _ => {}
        }
    }
    out
}

fn level_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Nests a flat list: each heading takes the deeper ones after it as children.
fn nest(flat: &mut std::iter::Peekable<impl Iterator<Item = TocEntry>>, parent_level: u8) -> Vec<TocEntry> {
    let mut out = Vec::new();
    while let Some(mut entry) = flat.next_if(|e| e.level > parent_level) {
        entry.children = nest(flat, entry.level);
        out.push(entry);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(level: u8, id: &str) -> TocEntry {
        TocEntry { level, id: id.into(), title: id.into(), children: Vec::new() }
    }

    fn shape(toc: &[TocEntry]) -> String {
        toc.iter()
            .map(|e| if e.children.is_empty() { e.id.clone() } else { format!("{}({})", e.id, shape(&e.children)) })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn nests_by_level_and_tolerates_skipped_levels() {
        let flat = vec![
            entry(3, "a"),
            entry(2, "b"),
            entry(4, "c"),
            entry(3, "d"),
            entry(2, "e"),
            entry(1, "f"),
            entry(2, "g"),
        ];
        let toc = nest(&mut flat.into_iter().peekable(), 0);
        assert_eq!(shape(&toc), "a b(c d) e f(g)");
    }
}
