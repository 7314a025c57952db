//! Plain text of the page and its split into sections at level-2 headings,
//! for word counts, summaries, search and per-section theme matching.
//!
//! Blocks, line breaks and table cells are separated by a newline; raw HTML,
//! image descriptions and task-list boxes are not text. A leading section
//! (heading None) is kept only when it has text or when there is no level-2
//! heading at all, so there is always at least one section.

use pulldown_cmark::{Event, HeadingLevel, Tag, TagEnd};

use super::{Ctx, Section, Spanned};

pub(super) fn text(events: &[Spanned<'_>], ctx: &Ctx<'_>) -> (String, Vec<Section>) {
    let mut plain = String::new();
    let mut sections: Vec<Section> = Vec::new();
    let mut current = Section { heading: None, id: None, line: ctx.lines.locate(0).0, text: String::new() };
    // Some(title so far) while inside a level-2 heading.
    let mut in_h2: Option<String> = None;
    for (event, range) in events {
        match event {
            Event::Start(Tag::Heading { level: HeadingLevel::H2, id, .. }) => {
                finish(&mut sections, std::mem::take(&mut current));
                current.id = id.as_ref().map(|s| s.to_string());
                current.line = ctx.lines.locate(range.start).0;
                in_h2 = Some(String::new());
            }
            Event::End(TagEnd::Heading(HeadingLevel::H2)) => {
                if let Some(title) = in_h2.take() {
                    current.heading = Some(crate::text::collapse_whitespace(&title));
                }
                end_block(&mut plain);
            }
            Event::Text(t) | Event::Code(t) => {
                plain.push_str(t);
                match &mut in_h2 {
                    Some(title) => title.push_str(t),
                    None => current.text.push_str(t),
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                plain.push('\n');
                match &mut in_h2 {
                    Some(title) => title.push(' '),
                    None => current.text.push('\n'),
                }
            }
            Event::End(tag) if is_block_end(tag) => {
                end_block(&mut plain);
                end_block(&mut current.text);
            }
            _ => {}
        }
    }
    finish(&mut sections, current);
    if sections.is_empty() {
        sections.push(Section { heading: None, id: None, line: ctx.lines.locate(0).0, text: String::new() });
    }
    (plain.trim_end().to_string(), sections)
}

fn finish(sections: &mut Vec<Section>, mut section: Section) {
    section.text = section.text.trim().to_string();
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
