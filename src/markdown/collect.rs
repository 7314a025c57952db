//! Plain text of the page and its split into sections at level-2 headings,
//! for word counts, summaries, search and per-section theme matching.
//!
//! Blocks, line breaks and table cells are separated by a newline; raw HTML,
//! image descriptions and task-list boxes are not text. A leading section
//! (heading None) is kept only when it has text or when there is no level-2
//! heading at all, so there is always at least one section.

use pulldown_cmark::{Event, HeadingLevel, Tag, TagEnd};

use super::{Ctx, Section, Spanned};

pub(super) fn text(events: &[Spanned<'_>], ctx: &Ctx<'_>, capacity: usize) -> (String, Vec<Section>) {
    // A section's text is the stretch of the plain text from the end of its heading to the
    // next level-2 heading (at a section's start the plain text is empty or ends a block,
    // so the two would get the same block ends): the plain text is built once, at its
    // full size, and each section is a range of it, rather than text built alongside it.
    let mut plain = String::with_capacity(capacity);
    let mut sections: Vec<Section> = Vec::new();
    let mut current = Section { heading: None, id: None, line: ctx.lines.locate(0).0, text: 0..0 };
    // Where the current section's text starts in `plain`.
    let mut section_start = 0;
    // Some(title so far) while inside a level-2 heading.
    let mut in_h2: Option<String> = None;
    for (event, range) in events {
        match event {
            Event::Start(Tag::Heading { level: HeadingLevel::H2, id, .. }) => {
                finish(&mut sections, std::mem::take(&mut current), &plain, section_start);
                current.id = id.as_ref().map(|s| s.to_string());
                current.line = ctx.lines.locate(range.start).0;
                in_h2 = Some(String::new());
            }
            Event::End(TagEnd::Heading(HeadingLevel::H2)) => {
                if let Some(title) = in_h2.take() {
                    current.heading = Some(crate::text::collapse_whitespace(&title));
                }
                end_block(&mut plain);
                section_start = plain.len();
            }
            Event::Text(t) | Event::Code(t) => {
                plain.push_str(t);
                if let Some(title) = &mut in_h2 {
                    title.push_str(t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                plain.push('\n');
                if let Some(title) = &mut in_h2 {
                    title.push(' ');
                }
            }
            Event::End(tag) if is_block_end(tag) => end_block(&mut plain),
            _ => {}
        }
    }
    finish(&mut sections, current, &plain, section_start);
    if sections.is_empty() {
        sections.push(Section { heading: None, id: None, line: ctx.lines.locate(0).0, text: 0..0 });
    }
    let kept = plain.trim_end().len();
    plain.truncate(kept);
    // The page keeps its plain text to the end of the build: give back the room it did not
    // use (shrinking gives the end of the block back to the allocator, without a copy).
    plain.shrink_to_fit();
    (plain, sections)
}

/// Ends `section`, whose text is `plain[start..]` without the whitespace around it. (The
/// plain text loses only whitespace at its end later: the range of a text that is not empty
/// stays inside it, and an empty text is `0..0`.)
fn finish(sections: &mut Vec<Section>, mut section: Section, plain: &str, start: usize) {
    let text = &plain[start..];
    let trimmed = text.trim();
    let from = start + (text.len() - text.trim_start().len());
    section.text = if trimmed.is_empty() { 0..0 } else { from..from + trimmed.len() };
    if section.heading.is_some() || !section.text.is_empty() {
        sections.push(section);
    }
}

fn end_block(buf: &mut String) {
    if !buf.is_empty() && !buf.ends_with('\n') {
        buf.push('\n');
    }
}

fn is_block_end(tag: &TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::BlockQuote(_)
            | TagEnd::CodeBlock
            | TagEnd::Item
            | TagEnd::List(_)
            | TagEnd::FootnoteDefinition
            | TagEnd::TableCell
            | TagEnd::TableRow
            | TagEnd::TableHead
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
    )
}
