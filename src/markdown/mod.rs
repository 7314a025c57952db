//! The Markdown stage: one page body in, HTML plus everything the later stages
//! need out (table of contents, sections, outgoing links, plain text, counts,
//! warnings with file line and column). It does no I/O and knows nothing about
//! pages: links are resolved through the [`LinkResolver`] the caller passes.
//!
//! # How a body is rendered
//!
//! pulldown-cmark 0.13 parses the body (tables, footnotes, strikethrough, task
//! lists, heading attributes, GFM alerts, wikilinks; no smart punctuation) and
//! small passes, one per feature, rewrite its event list in order:
//!
//! 1. a first parse finds, without changing any line or column, what must be
//!    rewritten in the source before the real parse (`tags::scan`,
//!    `emphasis::delimiter_positions`); every rewrite replaces one character
//!    by one character, so lines and character columns stay the file's own;
//! 2. `tags::restore` gives unknown `{% ... %}` tags back their exact text;
//! 3. `emphasis::resolve` pairs `*` emphasis and `~~` strikethrough with
//!    CJK-friendly rules;
//! 4. `callouts::apply` wraps `{% hint %}` blocks and `> [!NOTE]` alerts;
//! 5. `headings::apply` gives headings ids and builds the toc;
//! 6. `anchors::collect` lists the ids a `#fragment` can target;
//! 7. `glossary::apply` links the first mention of each glossary term;
//! 8. `links::apply` resolves links, wikilinks and images, and gives each
//!    the sentence around it (`context`); http(s) ones are only recorded;
//! 9. `collect::text` gathers plain text and level-2 sections;
//! 10. `code::highlight` turns fenced code into classed HTML.
//!
//! Why a source rewrite for emphasis: CommonMark decides whether `**` can
//! open or close from the characters around it, and a run such as
//! `**首先，**众所周知` (punctuation inside, a Han character outside) can do
//! neither, so pulldown-cmark leaves it as literal text, and sometimes pairs
//! the other runs of the paragraph wrongly. An event pass cannot undo a wrong
//! pairing, so every `*` (and every tilde of a `~~` run, which has the same
//! problem) that the first parse used as a delimiter or left as literal
//! prose is replaced by an inert punctuation mark (one character for one
//! character, so nothing else about the parse changes), and
//! `emphasis::resolve` does the pairing itself with the CJK-friendly
//! flanking rules. Code spans, code blocks, raw HTML and link destinations
//! are never touched.

mod anchors;
mod callouts;
mod code;
mod collect;
mod context;
mod emphasis;
mod glossary;
mod headings;
mod links;
mod tags;

use std::collections::BTreeMap;
use std::ops::Range;

use pulldown_cmark::{Event, Parser};
use serde::Serialize;

pub use code::highlight_css;
pub use glossary::Glossary;

/// Turns link destinations into URLs. Implemented by the site index.
pub trait LinkResolver: Sync {
    /// `dest` is a link destination as written ("../b.md#x", "b.md", "/articles/x.md",
    /// "img/a.png") or, for a wikilink, its target text ("Target" or "Target#heading");
    /// return the URL to write, or None when it does not resolve.
    ///
    /// The returned URL may carry its own `#fragment`; when it has none and `dest`
    /// had one, the renderer appends it (for a wikilink, slugified, since a
    /// wikilink names the heading by its text).
    fn resolve(&self, dest: &str, wiki: bool) -> Option<String>;
}

/// A resolver that resolves nothing: every internal link is reported broken.
pub struct NoLinks;

impl LinkResolver for NoLinks {
    fn resolve(&self, _dest: &str, _wiki: bool) -> Option<String> {
        None
    }
}

/// How to render one body.
pub struct Options<'a> {
    /// File line number of the body's first line, minus 1.
    pub line_offset: usize,
    pub resolver: &'a dyn LinkResolver,
    /// The site's glossary: the first mention of each term links to its page.
    pub glossary: Option<&'a Glossary>,
    /// The URL of the page being rendered, as the glossary knows page URLs:
    /// a glossary page does not link to (nor count) its own term.
    pub self_url: Option<&'a str>,
}

/// One heading in the table of contents, with the headings nested under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    /// Plain text of the heading.
    pub title: String,
    pub children: Vec<TocEntry>,
}

/// A part of the body: the text before the first level-2 heading (heading
/// None), then one part per level-2 heading.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Section {
    pub heading: Option<String>,
    pub id: Option<String>,
    /// File line of the heading, or of the body's first line.
    pub line: usize,
    /// Where the plain text of the section, its own heading excluded, lies in the page's
    /// [`Rendered::plain_text`] (see [`Rendered::text_of`]): sections are parts of the page's
    /// text, not copies of it.
    pub text: std::ops::Range<usize>,
}

/// What a link points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LinkKind {
    /// A relative or root-relative `.md` link.
    Page,
    /// A `[[wikilink]]`.
    Wiki,
    /// Any other relative link target (`../files/x.pdf`, `img/a.png` as a link).
    Asset,
    /// A relative image source.
    Image,
    /// A same-page fragment: `[x](#id)` or `[[#heading]]`. Not asked of the
    /// resolver; `resolved` says whether the page has that anchor.
    Fragment,
}

/// An internal link: asked of the resolver, or a same-page fragment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutLink {
    /// As written (for a wikilink, its target text).
    pub dest: String,
    pub kind: LinkKind,
    pub wiki: bool,
    /// File line and 1-based character column of the link.
    pub line: usize,
    pub column: usize,
    /// The URL written into the page. None only for a page or wiki link that
    /// did not resolve (a broken link: the page keeps the original href with
    /// `class="broken-link"`). An asset or image that did not resolve keeps its
    /// destination as written here, with `resolved` false. A fragment link
    /// always has its URL here: `#id` as written, or for `[[#heading]]` the
    /// slugified heading text.
    pub url: Option<String>,
    pub resolved: bool,
    /// The sentence around the link as plain text, its own text included, at
    /// most about 120 characters (see `context`): what a backlink shows.
    pub context: String,
    /// An image whose description (its alt text) is empty or only spaces.
    pub alt_empty: bool,
}

/// An http(s) link or image (`//host/...` counts, as https): not resolved,
/// only recorded, for `themata check --external` to try.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExternalLink {
    /// As written, fragment included.
    pub url: String,
    pub image: bool,
    /// File line and 1-based character column of the link or image.
    pub line: usize,
    pub column: usize,
    /// An image whose description (its alt text) is empty or only spaces.
    pub alt_empty: bool,
}

/// Something a writer should look at; the page still renders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// File line and 1-based character column.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Everything the Markdown stage produces for one body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub sections: Vec<Section>,
    pub links: Vec<OutLink>,
    /// Links and images to other sites, in document order.
    pub external: Vec<ExternalLink>,
    pub plain_text: String,
    pub word_count: usize,
    pub reading_time: u32,
    /// The body has at least one code block.
    pub has_code: bool,
    pub warnings: Vec<Warning>,
    /// Every id a `#fragment` can target in this page, in document order and
    /// each once: heading ids, footnote definition labels, `id` attributes in
    /// raw HTML.
    pub anchors: Vec<String>,
    /// Ids of the glossary terms mentioned anywhere in the prose (headings and
    /// link text included, code not), sorted, each once.
    pub glossary_terms: Vec<usize>,
}

impl Rendered {
    /// The plain text of `section`, one of this page's [`Rendered::sections`].
    pub fn text_of(&self, section: &Section) -> &str {
        &self.plain_text[section.text.clone()]
    }
}

/// Renders one Markdown body. Never fails: problems become warnings.
pub fn render(body: &str, opts: &Options) -> Rendered {
    let mut warnings = Vec::new();

    // Phase 1: find what to rewrite, on the source as written. A body with no template tag
    // and no star or tilde run has nothing to rewrite: it is not parsed twice.
    let (scan, stars) = if tags::may_have_tags(body) || emphasis::may_have_delimiters(body) {
        let first: Vec<Spanned<'_>> = parse(body);
        (tags::scan(body, &first), emphasis::delimiter_positions(body, &first))
    } else {
        (tags::Scan::default(), Vec::new())
    };
    let marked = !stars.is_empty();
    if !scan.warnings.is_empty() {
        let original = LineIndex::new(body, opts.line_offset);
        for (pos, message) in &scan.warnings {
            warnings.push(original.warning(*pos, message.clone()));
        }
    }
    let mut edits: BTreeMap<usize, char> = stars.into_iter().collect();
    edits.extend(scan.edits.iter().copied());
    let rewrite = Rewrite::new(body, &edits);

    // Phase 2: parse the rewritten source and run the passes.
    let source = rewrite.text.as_str();
    let mut ctx = Ctx { lines: LineIndex::new(source, opts.line_offset), warnings };
    let protected: Vec<Range<usize>> = scan.protected.iter().map(|r| rewrite.map_range(r)).collect();
    let callouts: Vec<callouts::Callout> = scan.callouts.iter().map(|c| c.mapped(|r| rewrite.map_range(r))).collect();

    let events = parse(source);
    let events = tags::restore(events, &protected);
    let events = if marked { emphasis::resolve(events, source) } else { events };
    let events = callouts::apply(events, &callouts, &mut ctx);
    let (events, toc) = headings::apply(events, &mut ctx);
    let anchors = anchors::collect(&events);
    let (events, glossary_terms) = match opts.glossary {
        Some(glossary) => glossary::apply(events, glossary, opts.self_url),
        None => (events, Vec::new()),
    };
    let (events, links, external) = links::apply(events, opts.resolver, &anchors, &ctx);
    let (plain_text, sections) = collect::text(&events, &ctx, source.len());
    let (events, has_code) = code::highlight(events);

    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter().map(|(event, _)| event));
    // The page keeps its HTML to the end of the build: give back the room it did not use
    // (shrinking gives the end of the block back to the allocator, without a copy).
    html.shrink_to_fit();

    let mut warnings = ctx.warnings;
    warnings.sort_by_key(|w| (w.line, w.column));
    let stats = crate::text::stats(&plain_text);
    Rendered {
        html,
        toc,
        sections,
        links,
        external,
        word_count: stats.words(),
        reading_time: stats.reading_time(),
        plain_text,
        has_code,
        warnings,
        anchors,
        glossary_terms,
    }
}

/// An event with the byte range of the (rewritten) source it came from.
pub(crate) type Spanned<'a> = (Event<'a>, Range<usize>);

fn parser_options() -> pulldown_cmark::Options {
    use pulldown_cmark::Options as O;
    O::ENABLE_TABLES
        | O::ENABLE_FOOTNOTES
        | O::ENABLE_STRIKETHROUGH
        | O::ENABLE_TASKLISTS
        | O::ENABLE_HEADING_ATTRIBUTES
        | O::ENABLE_GFM
        | O::ENABLE_WIKILINKS
}

fn parse(source: &str) -> Vec<Spanned<'_>> {
    // The parser gives no size hint, so collecting grew the list from 4 by doubling, a copy
    // each time; prose has about one event per 60 bytes, so this is room for most pages.
    let mut events = Vec::with_capacity(source.len() / 32 + 16);
    events.extend(Parser::new_ext(source, parser_options()).into_offset_iter());
    events
}

/// State shared by the passes of one render.
pub(crate) struct Ctx<'s> {
    pub lines: LineIndex<'s>,
    pub warnings: Vec<Warning>,
}

impl Ctx<'_> {
    pub fn warn(&mut self, pos: usize, message: impl Into<String>) {
        let w = self.lines.warning(pos, message.into());
        self.warnings.push(w);
    }
}

/// Byte offset to file line and character column.
pub(crate) struct LineIndex<'s> {
    source: &'s str,
    starts: Vec<usize>,
    line_offset: usize,
}

impl<'s> LineIndex<'s> {
    pub fn new(source: &'s str, line_offset: usize) -> Self {
        let mut starts = Vec::with_capacity(source.len() / 64 + 1);
        starts.push(0);
        // Lines run to hundreds of bytes: memchr (SIMD) passes over them.
        starts.extend(memchr::memchr_iter(b'\n', source.as_bytes()).map(|i| i + 1));
        Self { source, starts, line_offset }
    }

    /// File line and 1-based character column of a byte offset.
    pub fn locate(&self, pos: usize) -> (usize, usize) {
        let pos = pos.min(self.source.len());
        let line = self.starts.partition_point(|&s| s <= pos) - 1;
        let start = self.starts[line];
        let column = self.source.get(start..pos).map_or(0, |s| s.chars().count()) + 1;
        (self.line_offset + line + 1, column)
    }

    fn warning(&self, pos: usize, message: String) -> Warning {
        let (line, column) = self.locate(pos);
        Warning { line, column, message }
    }
}

/// The body with single characters replaced, and the map from old byte
/// offsets to new ones (replacements may change a character's UTF-8 length).
struct Rewrite {
    text: String,
    /// (old offset of an edited character, total byte shift after it), ascending.
    shifts: Vec<(usize, isize)>,
}

impl Rewrite {
    fn new(source: &str, edits: &BTreeMap<usize, char>) -> Self {
        let mut text = String::with_capacity(source.len() + edits.len() * 2);
        let mut shifts = Vec::with_capacity(edits.len());
        let mut shift = 0isize;
        let mut copied = 0;
        for (&pos, &new) in edits {
            let Some(old) = source.get(pos..).and_then(|s| s.chars().next()) else {
                continue;
            };
            if pos < copied {
                continue;
            }
            text.push_str(&source[copied..pos]);
            text.push(new);
            copied = pos + old.len_utf8();
            shift += new.len_utf8() as isize - old.len_utf8() as isize;
            shifts.push((pos, shift));
        }
        text.push_str(&source[copied..]);
        Self { text, shifts }
    }

    /// New offset of an old offset (offsets inside an edited character map to its start).
    fn map(&self, old: usize) -> usize {
        let i = self.shifts.partition_point(|&(p, _)| p < old);
        let shift = if i == 0 { 0 } else { self.shifts[i - 1].1 };
        (old as isize + shift) as usize
    }

    fn map_range(&self, r: &Range<usize>) -> Range<usize> {
        self.map(r.start)..self.map(r.end)
    }
}

pub(crate) use crate::text::escape_html;

/// Escapes a URL for an href/src attribute the way pulldown-cmark does for the
/// links it writes itself: unsafe bytes percent-encoded, `&` and `'` as entities.
pub(crate) fn escape_href(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        match b {
            b'&' => out.push_str("&amp;"),
            b'\'' => out.push_str("&#x27;"),
            b'a'..=b'z'
            | b'A'..=b'Z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'~'
            | b'!'
            | b'*'
            | b'('
            | b')'
            | b';'
            | b'/'
            | b'?'
            | b':'
            | b'@'
            | b'='
            | b'+'
            | b'$'
            | b','
            | b'%'
            | b'#' => out.push(b as char),
            _ => {
                // By hand rather than `format!`: a Chinese URL has three of these a character.
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.extend(['%', char::from(HEX[usize::from(b >> 4)]), char::from(HEX[usize::from(b & 15)])]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod escape_href_tests {
    #[test]
    fn percent_encodes_other_bytes_in_upper_case_hex() {
        assert_eq!(
            super::escape_href("/a b/产品?x=1&y='z'\u{7f}"),
            "/a%20b/%E4%BA%A7%E5%93%81?x=1&amp;y=&#x27;z&#x27;%7F"
        );
    }
}

#[cfg(test)]
mod line_index_tests {
    use super::LineIndex;

    #[test]
    fn finds_every_line_start_across_blocks() {
        for text in ["", "\n", "a\nb", &"字\n".repeat(40), &format!("{}\n{}\n\n", "x".repeat(15), "y".repeat(16))] {
            let expected: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
            assert_eq!(LineIndex::new(text, 0).starts, expected, "{text:?}");
        }
        let index = LineIndex::new("一二\nabc\n", 4);
        assert_eq!(index.locate(0), (5, 1));
        assert_eq!(index.locate(9), (6, 3));
    }
}
