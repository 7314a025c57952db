//! `*` emphasis and `~~` strikethrough that work in Chinese, Japanese and
//! Korean text.
//!
//! CommonMark lets `**` close only if it is not preceded by punctuation, or
//! is followed by whitespace or punctuation, so `**首先，**众所周知` stays as
//! literal stars: the `，` inside and the `众` outside disqualify the closer.
//! The CJK-friendly amendment (github.com/tats-u/markdown-cjk-friendly)
//! fixes this by letting CJK characters and CJK punctuation count like
//! whitespace on the outside of a run; this module implements it for `*`
//! and for `~~`, whose closer has the same problem (`~~删除。~~后面`).
//!
//! It works in two steps around pulldown-cmark (see the parent module):
//! [`delimiter_positions`] lists, from a first parse, every `*` that was an
//! emphasis delimiter or literal prose, and every `~~` run (exactly two
//! tildes) that was a strikethrough delimiter or literal prose; those become
//! [`MARK`] and [`TILDE_MARK`], inert punctuation characters, so the real
//! parse leaves them in the text; then [`resolve`] runs the CommonMark
//! delimiter algorithm over the marks with the amended flanking rules and
//! turns them into Emphasis/Strong/Strikethrough events or back into literal
//! `*` and `~`. Marks pair only within one container (a paragraph, heading,
//! cell, link text, ...), so the output always nests properly. `~~` opens as
//! pulldown-cmark lets it (before anything but whitespace) and pairs only
//! with `~~`. `_` emphasis and a single `~` are left to pulldown-cmark.
//!
//! Two departures from the amendment, both for what the exports contain:
//! curly quotes, dashes, `…` and `·` count as CJK punctuation when Chinese
//! text lies beyond them (`prompt**“如何…？**”可以`), and a run of exactly
//! four stars that could both open and close is read as `**` `**`, a closing
//! and an opening run (the export writes two adjacent bold spans as
//! `**甲****乙**`). A body that already contains [`MARK`] or [`TILDE_MARK`]
//! is left to CommonMark's own rules.

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, LinkType, Tag, TagEnd};

use super::Spanned;

/// Stands for `*` between the two parses: a punctuation character (for
/// CommonMark's flanking rules, like `*` itself) that Chinese text never uses.
pub(super) const MARK: char = '\u{A8FC}';

/// Stands for `~` of a `~~` run between the two parses, for the same reasons.
pub(super) const TILDE_MARK: char = '\u{A8FA}';

/// The two characters a delimiter run is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delim {
    Star,
    Tilde,
}

impl Delim {
    fn literal(self) -> &'static str {
        match self {
            Delim::Star => "*",
            Delim::Tilde => "~",
        }
    }
}

/// What a pair of runs becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    Emphasis,
    Strong,
    Strikethrough,
}

/// The single-character rewrites (byte offset, mark) for the delimiters
/// this module handles: `*` of Emphasis/Strong and unescaped literal stars
/// in prose, and `~~` runs of Strikethrough and literal `~~` in prose.
/// Stars and tildes in code, raw HTML, autolinks and link labels that must
/// match a definition stay. A single `~` is left to pulldown-cmark.
pub(super) fn delimiter_positions(src: &str, events: &[Spanned<'_>]) -> Vec<(usize, char)> {
    if !may_have_delimiters(src) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut tildes = Vec::new();
    let mut keep: Vec<bool> = Vec::new();
    for (event, range) in events {
        let keeping = keep.last().copied().unwrap_or(false);
        match event {
            Event::Start(tag) => {
                if !keeping {
                    match tag {
                        Tag::Emphasis => push_delimiters(src, range, b'*', 1, &mut out),
                        Tag::Strong => push_delimiters(src, range, b'*', 2, &mut out),
                        Tag::Strikethrough => push_delimiters(src, range, b'~', 2, &mut out),
                        _ => {}
                    }
                }
                keep.push(keeping || keeps_delimiters(tag));
            }
            Event::End(_) => {
                keep.pop();
            }
            // (Most text has neither: one SIMD search rules both out.)
            Event::Text(text) if !keeping && memchr::memchr2(b'*', b'~', text.as_bytes()).is_some() => {
                prose_stars(src, range, text, &mut out);
                prose_tildes(src, range, text, &mut tildes);
            }
            _ => {}
        }
    }
    tilde_pairs(src, tildes, &mut out);
    out.sort_unstable();
    out.dedup_by_key(|(pos, _)| *pos);
    out
}

/// Whether [`delimiter_positions`] can find anything in `src`: it has a star or
/// two tildes, and no mark of its own (then CommonMark's rules are left alone).
pub(super) fn may_have_delimiters(src: &str) -> bool {
    // memchr's searches use SIMD; str::contains looks at a word at a time.
    let bytes = src.as_bytes();
    !has_marks(src) && (memchr::memchr(b'*', bytes).is_some() || memchr::memmem::find(bytes, b"~~").is_some())
}

/// Inside these, stars and tildes are not touched: code, raw HTML, and links
/// whose text is also their label or destination.
fn keeps_delimiters(tag: &Tag<'_>) -> bool {
    match tag {
        Tag::CodeBlock(_) | Tag::HtmlBlock | Tag::MetadataBlock(_) => true,
        Tag::Link { link_type, .. } | Tag::Image { link_type, .. } => {
            !matches!(link_type, LinkType::Inline | LinkType::Reference)
        }
        _ => false,
    }
}

fn push_delimiters(src: &str, range: &Range<usize>, byte: u8, width: usize, out: &mut Vec<(usize, char)>) {
    let bytes = src.as_bytes();
    if range.end < range.start + 2 * width {
        return;
    }
    // (An iterator, not a list: a page has hundreds of these, and each list was an allocation.)
    let positions = (range.start..range.start + width).chain(range.end - width..range.end);
    if !positions.clone().all(|p| bytes[p] == byte) {
        return;
    }
    if byte == b'~' {
        // Only a run of exactly two on each side (`~x~` and `~~~` are not ours).
        let longer = |p: usize| bytes.get(p) == Some(&b'~');
        if longer(range.start + width) || range.end > width && longer(range.end - width - 1) {
            return;
        }
        out.extend(positions.map(|p| (p, TILDE_MARK)));
    } else {
        out.extend(positions.map(|p| (p, MARK)));
    }
}

/// Unescaped stars of a Text event, when the event's stars can be matched
/// one to one with the source (an entity such as `&#42;` cannot).
fn prose_stars(src: &str, range: &Range<usize>, text: &str, out: &mut Vec<(usize, char)>) {
    let want = memchr::memchr_iter(b'*', text.as_bytes()).count();
    if want == 0 {
        return;
    }
    let mut found = Vec::new();
    let mut escaped = 0;
    for i in memchr::memchr_iter(b'*', &src.as_bytes()[range.clone()]) {
        let pos = range.start + i;
        let backslashes = src.as_bytes()[..pos].iter().rev().take_while(|&&b| b == b'\\').count();
        if backslashes % 2 == 1 {
            escaped += 1;
        } else {
            found.push(pos);
        }
    }
    if found.len() + escaped == want {
        out.extend(found.into_iter().map(|p| (p, MARK)));
    }
}

/// Unescaped tildes of a Text event, when the event's tildes can be matched
/// one to one with the source. (pulldown-cmark gives each tilde of a run
/// that could have been a delimiter an event of its own.)
fn prose_tildes(src: &str, range: &Range<usize>, text: &str, out: &mut Vec<usize>) {
    let want = memchr::memchr_iter(b'~', text.as_bytes()).count();
    if want == 0 {
        return;
    }
    let bytes = src.as_bytes();
    let mut found = Vec::new();
    let mut escaped = 0;
    for pos in memchr::memchr_iter(b'~', &bytes[range.clone()]).map(|i| range.start + i) {
        if bytes[..pos].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 1 {
            escaped += 1;
        } else {
            found.push(pos);
        }
    }
    if found.len() + escaped == want {
        out.extend(found);
    }
}

/// The tildes of runs of exactly two, out of the literal tildes found.
fn tilde_pairs(src: &str, mut tildes: Vec<usize>, out: &mut Vec<(usize, char)>) {
    tildes.sort_unstable();
    tildes.dedup();
    let bytes = src.as_bytes();
    for pair in tildes.windows(2) {
        let p = pair[0];
        let alone = (p == 0 || bytes[p - 1] != b'~') && bytes.get(p + 2) != Some(&b'~');
        if pair[1] == p + 1 && alone {
            out.extend([(p, TILDE_MARK), (p + 1, TILDE_MARK)]);
        }
    }
}

/// A run of consecutive marks of one kind.
struct Run {
    delim: Delim,
    count: usize,
    original: usize,
    can_open: bool,
    can_close: bool,
    container: usize,
    /// Tags that start here, outermost first.
    opens: Vec<Span>,
    /// Tags that end here, innermost first.
    closes: Vec<Span>,
    range: Range<usize>,
}

enum Piece<'a> {
    Event(Spanned<'a>),
    Run(usize),
}

/// Turns the marks back into emphasis or literal stars.
pub(super) fn resolve<'a>(events: Vec<Spanned<'a>>, src: &str) -> Vec<Spanned<'a>> {
    if !events.iter().any(|(e, _)| matches!(e, Event::Text(t) if has_marks(t))) {
        return events;
    }
    let len = events.len();
    // The Text events with marks are split into pieces; the rest stay as they are.
    // (Sized for a page's worth, so that they do not grow a push at a time.)
    let mut pieces = Vec::with_capacity(64);
    // (event index, its pieces in `pieces`), in order.
    let mut split: Vec<(usize, usize)> = Vec::with_capacity(32);
    let mut runs: Vec<Run> = Vec::with_capacity(32);
    let mut containers = Vec::with_capacity(16);
    containers.push(0usize);
    let mut next_container = 1;
    for (k, (event, range)) in events.iter().enumerate() {
        match event {
            Event::Start(_) => {
                containers.push(next_container);
                next_container += 1;
            }
            Event::End(_) => {
                containers.pop();
            }
            _ => {}
        }
        let Event::Text(text) = event else {
            continue;
        };
        if !has_marks(text) {
            continue;
        }
        let context = Context {
            src,
            range: range.clone(),
            container: containers.last().copied().unwrap_or(0),
            starts_after_boundary: k == 0 || is_boundary(&events[k - 1].0),
            ends_before_boundary: k + 1 == len || is_boundary(&events[k + 1].0),
        };
        let first = pieces.len();
        split_text(text, &context, &mut pieces, &mut runs);
        split.push((k, pieces.len() - first));
    }

    let mut by_container: Vec<(usize, usize)> = runs.iter().enumerate().map(|(i, r)| (r.container, i)).collect();
    by_container.sort_unstable();
    for group in by_container.chunk_by(|a, b| a.0 == b.0) {
        let order: Vec<usize> = group.iter().map(|&(_, i)| i).collect();
        pair(&mut runs, &order);
    }

    let mut out = Vec::with_capacity(len + runs.len() * 2);
    let mut pieces = pieces.into_iter();
    let mut split = split.into_iter().peekable();
    for (k, event) in events.into_iter().enumerate() {
        let Some((_, count)) = split.next_if(|&(at, _)| at == k) else {
            out.push(event);
            continue;
        };
        for piece in pieces.by_ref().take(count) {
            match piece {
                Piece::Event(e) => out.push(e),
                Piece::Run(i) => emit(&runs[i], &mut out),
            }
        }
    }
    out
}

/// Events after or before which a run sits at the edge of a line or block.
fn is_boundary(event: &Event<'_>) -> bool {
    match event {
        Event::Start(tag) => !is_inline(tag),
        Event::End(tag) => !matches!(
            tag,
            TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Superscript
                | TagEnd::Subscript
                | TagEnd::Link
                | TagEnd::Image
        ),
        Event::SoftBreak | Event::HardBreak | Event::Rule | Event::Html(_) => true,
        Event::TaskListMarker(_) => true,
        _ => false,
    }
}

fn is_inline(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::Image { .. }
    )
}

struct Context<'s> {
    src: &'s str,
    range: Range<usize>,
    container: usize,
    starts_after_boundary: bool,
    ends_before_boundary: bool,
}

/// Splits a Text event at its runs of marks.
fn split_text<'a>(event_text: &CowStr<'a>, cx: &Context<'_>, pieces: &mut Vec<Piece<'a>>, runs: &mut Vec<Run>) {
    let text: &str = event_text;
    let marks = |s: &str, offset: usize| -> Vec<(usize, Delim)> {
        mark_positions(s).map(|(i, delim)| (offset + i, delim)).collect()
    };
    let src_marks = marks(&cx.src[cx.range.clone()], cx.range.start);
    let text_marks = marks(text, 0);
    // A part of the text as a Text event: borrowed from the source when it can be.
    let part = |r: Range<usize>| {
        Event::Text(match event_text {
            CowStr::Borrowed(s) if !has_marks(&s[r.clone()]) => CowStr::Borrowed(&s[r]),
            _ => CowStr::from(literal(&text[r])),
        })
    };
    let same_kinds = src_marks.iter().map(|m| m.1).eq(text_marks.iter().map(|m| m.1));
    if !same_kinds {
        pieces.push(Piece::Event((part(0..text.len()), cx.range.clone())));
        return;
    }
    const { assert!(MARK.len_utf8() == TILDE_MARK.len_utf8()) };
    let width = MARK.len_utf8();
    let mut copied = 0;
    let mut k = 0;
    while k < text_marks.len() {
        let delim = text_marks[k].1;
        let mut n = 1;
        while k + n < text_marks.len() && text_marks[k + n] == (text_marks[k].0 + n * width, delim) {
            n += 1;
        }
        let (a, b) = (text_marks[k].0, text_marks[k].0 + n * width);
        let source = src_marks[k].0..src_marks[k + n - 1].0 + width;
        if a > copied {
            pieces.push(Piece::Event((part(copied..a), cx.range.clone())));
        }
        let mut before = cx.src[..source.start].chars().rev();
        let mut after = cx.src[source.end..].chars();
        let prev = if a == 0 && cx.starts_after_boundary { Side::Edge } else { Side::of(before.next(), before.next()) };
        let next =
            if b == text.len() && cx.ends_before_boundary { Side::Edge } else { Side::of(after.next(), after.next()) };
        let (can_open, can_close) = match delim {
            Delim::Star => flanking(prev, next),
            // pulldown-cmark lets `~~` open before anything but whitespace;
            // closing takes the CJK-friendly rule, as for `*`.
            Delim::Tilde => (n == 2 && next != Side::Edge, n == 2 && flanking(prev, next).1),
        };
        let mut push = |range: Range<usize>, count, can_open, can_close| {
            pieces.push(Piece::Run(runs.len()));
            runs.push(Run {
                delim,
                count,
                original: count,
                can_open,
                can_close,
                container: cx.container,
                opens: Vec::new(),
                closes: Vec::new(),
                range,
            });
        };
        if delim == Delim::Star && n == 4 && can_open && can_close {
            // `**甲****乙**`: the export joined two bold spans; close, then reopen.
            let middle = source.start + 2 * width;
            push(source.start..middle, 2, false, true);
            push(middle..source.end, 2, true, false);
        } else {
            push(source, n, can_open, can_close);
        }
        copied = b;
        k += n;
    }
    if copied < text.len() {
        pieces.push(Piece::Event((part(copied..text.len()), cx.range.clone())));
    }
}

/// Whether `text` holds a [`MARK`] or a [`TILDE_MARK`]. Both are encoded
/// with the lead byte 0xEA, which Chinese prose hardly ever has, so a byte
/// search rules most texts out.
fn has_marks(text: &str) -> bool {
    mark_positions(text).next().is_some()
}

/// The byte offsets of the marks in `text`, in order, with what each stands for. Found
/// by their lead byte with memchr (SIMD), then told apart by their other two bytes: a
/// search for the char itself would stop at each 0xBC or 0xBA, its last byte, which is
/// a common continuation byte of Chinese characters.
fn mark_positions(text: &str) -> impl Iterator<Item = (usize, Delim)> + '_ {
    const LEAD: u8 = 0xEA;
    const STAR: [u8; 3] = utf8(MARK);
    const TILDE: [u8; 3] = utf8(TILDE_MARK);
    const fn utf8(c: char) -> [u8; 3] {
        let mut buf = [0; 3];
        c.encode_utf8(&mut buf);
        buf
    }
    const { assert!(MARK.len_utf8() == 3 && TILDE_MARK.len_utf8() == 3 && STAR[0] == LEAD && TILDE[0] == LEAD) };
    let bytes = text.as_bytes();
    memchr::memchr_iter(LEAD, bytes).filter_map(move |i| match bytes.get(i..i + 3)? {
        b if b == STAR => Some((i, Delim::Star)),
        b if b == TILDE => Some((i, Delim::Tilde)),
        _ => None,
    })
}

/// `text` with its marks back as `*` and `~`.
fn literal(text: &str) -> String {
    if !has_marks(text) {
        return text.to_string();
    }
    text.chars()
        .map(|c| match c {
            MARK => '*',
            TILDE_MARK => '~',
            c => c,
        })
        .collect()
}

/// What is on one side of a run, as far as flanking is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// Whitespace, or the start or end of a line.
    Edge,
    /// Punctuation that is not CJK: ASCII, and quotes or dashes used in
    /// Western text.
    Punct,
    /// A CJK character, CJK punctuation included.
    Cjk,
    /// Anything else: letters, digits.
    Other,
}

impl Side {
    /// Classifies the character next to a run; `beyond` is the one after it
    /// (away from the run). Quotes, dashes, ellipsis and middle dot are
    /// ambiguous-width: Chinese uses them as full-width punctuation, so with a
    /// CJK character beyond them they count as CJK (what the amendment gets
    /// from a variation selector, which exports never carry).
    fn of(c: Option<char>, beyond: Option<char>) -> Side {
        let Some(c) = c else { return Side::Edge };
        if c.is_whitespace() {
            Side::Edge
        } else if is_wide(c) {
            Side::Cjk
        } else if is_punctuation(c) {
            let ambiguous = matches!(
                c,
                '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}' | '\u{2014}' | '\u{2015}' | '\u{2026}' | '\u{00B7}'
            );
            if ambiguous && beyond.is_some_and(is_wide) { Side::Cjk } else { Side::Punct }
        } else {
            Side::Other
        }
    }
}

/// (left-flanking, right-flanking) of a `*` run with the CJK-friendly rules:
/// a run next to non-CJK punctuation on the inside needs whitespace,
/// punctuation or a CJK character on the outside. For `*`, left-flanking
/// means "can open" and right-flanking "can close".
fn flanking(prev: Side, next: Side) -> (bool, bool) {
    let loose = |s: Side| s != Side::Other;
    let left = next != Side::Edge && (next != Side::Punct || loose(prev));
    let right = prev != Side::Edge && (prev != Side::Punct || loose(next));
    (left, right)
}

/// CommonMark's delimiter algorithm over the runs of one container.
fn pair(runs: &mut [Run], order: &[usize]) {
    let mut openers: Vec<usize> = Vec::new();
    for &c in order {
        if runs[c].can_close {
            while runs[c].count > 0 {
                let found = openers.iter().rposition(|&o| {
                    let (o, c) = (&runs[o], &runs[c]);
                    if o.count == 0 || o.delim != c.delim {
                        return false;
                    }
                    if c.delim == Delim::Tilde {
                        return o.original == c.original;
                    }
                    let both_ways = o.can_close || c.can_open;
                    let multiple_of_three =
                        (o.original + c.original) % 3 == 0 && !(o.original % 3 == 0 && c.original % 3 == 0);
                    !(both_ways && multiple_of_three)
                });
                let Some(at) = found else { break };
                let o = openers[at];
                let n = if runs[o].count >= 2 && runs[c].count >= 2 { 2 } else { 1 };
                let span = match (runs[c].delim, n) {
                    (Delim::Tilde, _) => Span::Strikethrough,
                    (Delim::Star, 2) => Span::Strong,
                    (Delim::Star, _) => Span::Emphasis,
                };
                runs[o].count -= n;
                runs[c].count -= n;
                runs[o].opens.insert(0, span);
                runs[c].closes.push(span);
                openers.truncate(at + 1);
                if runs[o].count == 0 {
                    openers.pop();
                }
            }
        }
        if runs[c].count > 0 && runs[c].can_open {
            openers.push(c);
        }
    }
}

fn emit<'a>(run: &Run, out: &mut Vec<Spanned<'a>>) {
    let range = run.range.clone();
    for &span in &run.closes {
        let end = match span {
            Span::Emphasis => TagEnd::Emphasis,
            Span::Strong => TagEnd::Strong,
            Span::Strikethrough => TagEnd::Strikethrough,
        };
        out.push((Event::End(end), range.clone()));
    }
    if run.count > 0 {
        out.push((Event::Text(CowStr::from(run.delim.literal().repeat(run.count))), range.clone()));
    }
    for &span in &run.opens {
        let start = match span {
            Span::Emphasis => Tag::Emphasis,
            Span::Strong => Tag::Strong,
            Span::Strikethrough => Tag::Strikethrough,
        };
        out.push((Event::Start(start), range.clone()));
    }
}

/// Unicode punctuation in CommonMark's sense (general categories P and S),
/// close enough for deciding emphasis: ASCII and Latin-1 punctuation and
/// symbols, the general punctuation, currency, arrow, math, technical,
/// shape and dingbat blocks, CJK and full-width punctuation, emoji.
fn is_punctuation(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation();
    }
    matches!(c as u32,
        0xA1..=0xA9 | 0xAB | 0xAC | 0xAE..=0xB1 | 0xB4 | 0xB6..=0xB8 | 0xBB | 0xBF
        | 0xD7 | 0xF7
        | 0x2010..=0x2027 | 0x2030..=0x205E
        | 0x20A0..=0x20C0
        | 0x2190..=0x23FF | 0x2500..=0x2BFF | 0x2E00..=0x2E7F
        | 0x3001..=0x3004 | 0x3008..=0x3020 | 0x3030 | 0x3036 | 0x3037 | 0x303D..=0x303F
        | 0x30A0 | 0x30FB
        | 0xFE10..=0xFE19 | 0xFE30..=0xFE6B
        | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20 | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65
        | 0xFFE0..=0xFFEE
        | 0x1F000..=0x1FAFF
    ) || c == MARK
        || c == TILDE_MARK
}

/// East Asian wide, full-width and half-width characters, and hangul: the
/// "CJK characters" of the amendment (emoji are not among them). Also what
/// other passes take for text written without spaces between words.
pub(super) fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF | 0x2329 | 0x232A
        | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xA960..=0xA97F | 0xAC00..=0xD7A3 | 0xD7B0..=0xD7FF
        | 0xF900..=0xFAFF | 0xFE10..=0xFE19 | 0xFE30..=0xFE6F
        | 0xFF01..=0xFFDC | 0xFFE0..=0xFFEE
        | 0x1F200..=0x1F2FF | 0x20000..=0x3FFFD
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Flanking of a run between `before` and `after` (either may be empty).
    fn can(before: &str, after: &str) -> (bool, bool) {
        let mut b = before.chars().rev();
        let mut a = after.chars();
        flanking(Side::of(b.next(), b.next()), Side::of(a.next(), a.next()))
    }

    #[test]
    fn cjk_punctuation_inside_and_han_outside_can_close() {
        // `，**众`: CommonMark says neither; the amendment lets it close.
        assert!(can("，", "众").1);
        assert!(can("。", "众").1);
        // `——“**今`: a quote inside, a Han character outside.
        assert!(can("——\u{201c}", "今").1);
    }

    #[test]
    fn curly_quotes_before_han_count_as_cjk_punctuation() {
        // `prompt**“如何`: opens only because the quote leads into Chinese.
        assert!(can("prompt", "\u{201c}如何").0);
        assert!(!can("prompt", "\u{201c}How").0);
        // `做强？**”可以`: closes.
        assert!(can("做强？", "\u{201d}可以").1);
    }

    #[test]
    fn han_outside_and_quote_inside_can_open() {
        assert!(can("说", "\u{201c}").0);
        assert!(can("说", "\u{201c}x").0);
        assert!(can("的", "「").0);
    }

    #[test]
    fn latin_rules_are_unchanged() {
        // `a**"b` cannot open, `"**a` cannot close: as in CommonMark.
        assert_eq!(can("a", "\""), (false, true));
        assert_eq!(can("\"", "a"), (true, false));
        assert_eq!(can("", "a"), (true, false));
        assert_eq!(can("a", ""), (false, true));
        assert_eq!(can(" ", " "), (false, false));
    }
}
