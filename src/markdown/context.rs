//! The sentence around each link, as plain text, for backlinks: a page that
//! is linked to can show where and how others speak of it.
//!
//! A link's block (paragraph, list item, table cell, heading, ...) is read as
//! plain text, the link's own text included and image descriptions left out.
//! The sentence runs from just after the previous sentence end to the next
//! one, that end included: `。！？；` always end a sentence, `.!?` only before
//! whitespace or the end of the block (so `3.5` and `v1.2` do not). Closing
//! quotes and brackets stay with the sentence they close. Whitespace is
//! collapsed, and a line break between two Chinese characters is dropped. A sentence longer than [`MAX_CHARS`] is cut around the link,
//! with `…` where text was left out; a cut never separates a character from
//! its combining marks and backs up to a space rather than split a short
//! English word.

use std::collections::HashMap;

use pulldown_cmark::{Event, Tag, TagEnd};

use super::Spanned;
use super::emphasis::is_wide;
use crate::text::{is_combining, is_zero_width};

/// The longest context, in characters, `…` included.
pub(super) const MAX_CHARS: usize = 120;

/// How far back a cut looks for a space before giving up and splitting a word.
const WORD_BACKUP: usize = 12;

/// The context of every link and image, keyed by the source offset where its
/// Start event begins (each link starts at a different offset).
pub(super) fn around_links(events: &[Spanned<'_>]) -> HashMap<usize, String> {
    let mut out = HashMap::new();
    let mut block = String::new();
    // (source offset, start in `block`, end in `block` once the link closed)
    let mut pending: Vec<(usize, usize, Option<usize>)> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut in_image = 0usize;
    // Most blocks have no link: their text is gathered only once a link shows up in them,
    // from the event after the block's start (`block_from`) on, rather than for every block.
    let mut block_from = 0;
    let mut gathering = false;
    for (k, (event, range)) in events.iter().enumerate() {
        match event {
            Event::Start(tag @ (Tag::Link { .. } | Tag::Image { .. })) => {
                if !gathering {
                    gathering = true;
                    // (No link or image, nor block start or end, since `block_from`.)
                    for (event, _) in &events[block_from..k] {
                        gather(event, &mut block, in_image);
                    }
                }
                open.push(pending.len());
                pending.push((range.start, block.len(), None));
                if matches!(tag, Tag::Image { .. }) {
                    in_image += 1;
                }
            }
            Event::End(end @ (TagEnd::Link | TagEnd::Image)) => {
                if let Some(i) = open.pop() {
                    pending[i].2 = Some(block.len());
                }
                if *end == TagEnd::Image {
                    in_image = in_image.saturating_sub(1);
                }
            }
            Event::Start(tag) if !is_inline(tag) => {
                flush(&mut block, &mut pending, &mut out);
                (block_from, gathering) = (k + 1, false);
            }
            Event::End(tag) if !is_inline_end(tag) => {
                flush(&mut block, &mut pending, &mut out);
                (block_from, gathering) = (k + 1, false);
            }
            _ if gathering => gather(event, &mut block, in_image),
            _ => {}
        }
    }
    flush(&mut block, &mut pending, &mut out);
    out
}

/// Adds what a text event of a block says to the block's text (nothing inside an image).
fn gather(event: &Event<'_>, block: &mut String, in_image: usize) {
    if in_image > 0 {
        return;
    }
    match event {
        Event::Text(t) | Event::Code(t) => block.push_str(t),
        Event::SoftBreak => block.push('\n'),
        Event::HardBreak => block.push(' '),
        _ => {}
    }
}

fn is_inline(tag: &Tag<'_>) -> bool {
    matches!(tag, Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Superscript | Tag::Subscript)
}

fn is_inline_end(tag: &TagEnd) -> bool {
    matches!(tag, TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Superscript | TagEnd::Subscript)
}

/// The block ended: every link in it gets its sentence.
fn flush(block: &mut String, pending: &mut Vec<(usize, usize, Option<usize>)>, out: &mut HashMap<usize, String>) {
    for (offset, start, end) in pending.drain(..) {
        let end = end.unwrap_or(block.len());
        out.insert(offset, sentence(block, start..end));
    }
    block.clear();
}

/// The sentence of `text` that holds `link` (a byte range), shortened to
/// [`MAX_CHARS`] around the link when it is longer.
pub(super) fn sentence(text: &str, link: std::ops::Range<usize>) -> String {
    let start = sentence_start(text, link.start);
    let end = sentence_end(text, link.end);
    let (chars, link_chars) = collapse(&[&text[start..link.start], &text[link.clone()], &text[link.end..end]]);
    if chars.len() <= MAX_CHARS {
        return chars.into_iter().collect();
    }
    let (link_start, link_end) = link_chars;
    let link_len = link_end - link_start;
    if link_len + 2 >= MAX_CHARS {
        let link_text: String = chars[link_start..link_end].iter().collect();
        return crate::text::truncate(&link_text, MAX_CHARS);
    }
    // Room for text on each side, less one `…` per side; a side that needs
    // less than half gives the rest to the other.
    let room = MAX_CHARS - link_len - 2;
    let before = link_start;
    let after = chars.len() - link_end;
    let keep_after = after.min((room / 2).max(room.saturating_sub(before)));
    let keep_before = before.min(room - keep_after);

    let mut out = String::new();
    let mut from = link_start - keep_before;
    if from > 0 {
        from = cut_forward(&chars, from, link_start);
        out.push('…');
    }
    out.extend(chars[from..link_start].iter());
    out.extend(chars[link_start..link_end].iter());
    let mut to = link_end + keep_after;
    if to < chars.len() {
        to = cut_backward(&chars, to, link_end);
        out.extend(chars[link_end..to].iter());
        let kept = out.trim_end().len();
        out.truncate(kept);
        out.push('…');
    } else {
        out.extend(chars[link_end..].iter());
    }
    out
}

/// Byte offset where the sentence holding `pos` starts.
fn sentence_start(text: &str, pos: usize) -> usize {
    let mut start = 0;
    for (i, c) in text[..pos].char_indices().rev() {
        let next = text[i + c.len_utf8()..].chars().next();
        if ends_sentence(c, next) {
            start = i + c.len_utf8();
            break;
        }
    }
    // Closing quotes and brackets after the previous end belong to it.
    let rest = &text[start..pos];
    let skipped = rest.len() - rest.trim_start_matches(|c: char| is_closing(c) || c.is_whitespace()).len();
    start + skipped
}

/// Byte offset just after the end of the sentence holding `pos` (its closing
/// quotes included), or the end of the text.
fn sentence_end(text: &str, pos: usize) -> usize {
    let mut iter = text[pos..].char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if ends_sentence(c, iter.peek().map(|&(_, n)| n)) {
            let mut end = pos + i + c.len_utf8();
            while let Some(&(j, n)) = iter.peek() {
                if !is_closing(n) {
                    break;
                }
                end = pos + j + n.len_utf8();
                iter.next();
            }
            return end;
        }
    }
    text.len()
}

/// `。！？；` always; `.!?` only before whitespace, a closing quote or the end.
fn ends_sentence(c: char, next: Option<char>) -> bool {
    match c {
        '。' | '！' | '？' | '；' | '｡' => true,
        '.' | '!' | '?' => next.is_none_or(|n| n.is_whitespace() || is_closing(n)),
        _ => false,
    }
}

fn is_closing(c: char) -> bool {
    matches!(c, '"' | '\'' | ')' | ']' | '”' | '’' | '）' | '」' | '』' | '】' | '》' | '〉' | '〕')
}

/// The pieces with whitespace collapsed to single spaces and zero-width
/// characters dropped, trimmed, as characters; and where the middle piece
/// (the link) starts and ends in them.
fn collapse(pieces: &[&str; 3]) -> (Vec<char>, (usize, usize)) {
    let mut out: Vec<char> = Vec::new();
    let mut link_start = None;
    let mut link_end = 0;
    // Some(only line breaks) while in a run of whitespace after some text.
    let mut space: Option<bool> = None;
    for (k, piece) in pieces.iter().enumerate() {
        for c in piece.chars() {
            if is_zero_width(c) {
                continue;
            }
            if c.is_whitespace() {
                if !out.is_empty() {
                    space = Some(space.unwrap_or(true) && c == '\n');
                }
                continue;
            }
            if let Some(line_break) = space.take() {
                // A line break between two Chinese characters is not a space.
                let joined = line_break && out.last().is_some_and(|&p| is_wide(p)) && is_wide(c);
                if !joined {
                    out.push(' ');
                }
            }
            if k == 1 && link_start.is_none() {
                link_start = Some(out.len());
            }
            out.push(c);
        }
        // After the text before the link, this is also where an empty link stands.
        if k < 2 {
            link_end = out.len();
        }
    }
    let link_start = link_start.unwrap_or(link_end);
    (out, (link_start, link_end))
}

/// Moves a cut at `at` (text before it is dropped) forward, towards `limit`,
/// past combining marks and to the end of a word it would split.
fn cut_forward(chars: &[char], mut at: usize, limit: usize) -> usize {
    while at < limit && (is_combining(chars[at]) || chars[at - 1] == '\u{200D}') {
        at += 1;
    }
    if at < limit && is_word(chars[at - 1]) && is_word(chars[at]) {
        let window = (at + WORD_BACKUP).min(limit);
        if let Some(space) = (at..window).find(|&i| chars[i] == ' ') {
            at = space;
        }
    }
    while at < limit && chars[at] == ' ' {
        at += 1;
    }
    at
}

/// Moves a cut at `at` (text from it on is dropped) back, towards `limit`,
/// off combining marks and to the start of a word it would split.
fn cut_backward(chars: &[char], mut at: usize, limit: usize) -> usize {
    while at > limit && (is_combining(chars[at]) || chars[at - 1] == '\u{200D}') {
        at -= 1;
    }
    if at > limit && is_word(chars[at - 1]) && is_word(chars[at]) {
        let window = at.saturating_sub(WORD_BACKUP).max(limit);
        if let Some(space) = (window..at).rev().find(|&i| chars[i] == ' ') {
            at = space;
        }
    }
    at
}

/// A letter or digit of a word written with spaces between words.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() && !crate::text::is_cjk(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The context of the link written as `[text]` in `s`.
    fn around(s: &str) -> String {
        let start = s.find('[').expect("a link in the test");
        let end = s.find(']').expect("a link in the test");
        let text = format!("{}{}{}", &s[..start], &s[start + 1..end], &s[end + 1..]);
        sentence(&text, start..end - 1)
    }

    #[test]
    fn cjk_sentence_ends_on_full_width_punctuation() {
        assert_eq!(around("第一句。第二句讲[链接]的事！第三句。"), "第二句讲链接的事！");
        assert_eq!(around("他说：“好。”然后看[这里]；后面"), "然后看这里；");
        assert_eq!(around("没有句号的[链接]到块尾"), "没有句号的链接到块尾");
    }

    #[test]
    fn latin_period_ends_a_sentence_only_before_a_space() {
        assert_eq!(
            around("Version 3.5 is out. See [the notes] for v1.2 changes. Done."),
            "See the notes for v1.2 changes."
        );
        assert_eq!(around("He asked \"why?\" Then [this] happened!"), "Then this happened!");
    }

    #[test]
    fn long_sentences_are_cut_around_the_link() {
        let long = format!("{}[链接]{}。", "前".repeat(200), "后".repeat(200));
        let got = around(&long);
        assert_eq!(got.chars().count(), MAX_CHARS);
        assert!(got.starts_with('…') && got.ends_with('…'), "{got}");
        assert!(got.contains("前链接后"), "{got}");

        let english = format!("{} [target] is {}.", "word ".repeat(40), "very long ".repeat(20));
        let got = around(&english);
        assert!(got.chars().count() <= MAX_CHARS, "{got}");
        assert!(got.starts_with("…word ") && got.ends_with("long…"), "{got}");
    }

    #[test]
    fn a_cut_keeps_combining_marks_with_their_character() {
        let text = format!("{}[x]{}", "e\u{301}".repeat(100), "a".repeat(10));
        let got = around(&text);
        assert!(!got.starts_with("…\u{301}"), "{got:?}");
        assert!(got.chars().count() <= MAX_CHARS);
    }
}
