//! Glossary auto-linking: the first mention of each glossary term in a page
//! links to the term's page, and every mention is recorded so the site can
//! list, on a term's page, the pages that speak of it.
//!
//! A [`Glossary`] is built once per site from the `content/glossary/` pages
//! (each term's title and aliases) and shared by all pages. Matching:
//!
//! - phrases and text are compared with full-width ASCII folded to
//!   half-width (`ＡＩ` is `AI`), runs of whitespace as one space (a line
//!   break between two Chinese characters as nothing), and ASCII letters
//!   case-insensitively (`rag` is `RAG`);
//! - where a phrase begins or ends with an ASCII letter or digit, that end
//!   must not touch another one in the text (`RAG` is not in `storage`, `HC`
//!   not in `TechCrunch`); Chinese needs no boundary;
//! - of overlapping mentions the leftmost wins, then the longest
//!   (`AI产品经理` before `AI`). The automaton reports every occurrence and
//!   the choice is made after the boundary check, so a longer phrase that
//!   fails it (`AI-native` in `AI-natives`) does not hide a shorter one that
//!   passes (`AI`).
//!
//! The pass runs after emphasis and callouts, before links are rewritten.
//! Adjacent text events (pulldown-cmark splits text at special characters,
//! and a soft line break is only whitespace) are joined before matching.
//! Mentions in headings, link text and raw HTML links count but are not
//! linked; code, code blocks, image descriptions, autolinks (their text is
//! a URL) and raw HTML are not looked into. A glossary page neither links to nor counts its own term.

use std::borrow::Cow;
use std::ops::Range;

use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};

use pulldown_cmark::{CowStr, Event, LinkType, Tag, TagEnd};

use super::emphasis::is_wide;
use super::{Spanned, escape_href, escape_html};
use crate::automaton::next_special;

/// The terms of a site's glossary and a matcher for all their phrases.
/// Built once per site, shared by every page (it is `Sync`).
#[derive(Debug, Clone)]
pub struct Glossary {
    /// None when there is no phrase to look for. Its patterns are the phrases,
    /// then the [`folding_triggers`]. A DFA used through its transitions (see
    /// [`occurrences`]).
    matcher: Option<DFA>,
    /// What each phrase pattern of the matcher stands for, by pattern index; a
    /// pattern index past the end is a folding trigger.
    phrases: Vec<Phrase>,
    terms: Vec<Term>,
    /// By ASCII byte: it is a letter or digit, or it occurs in a phrase; its
    /// full-width form must be folded before matching (see [`Folded`]).
    active: [bool; 128],
}

#[derive(Debug, Clone)]
struct Phrase {
    /// Index into `terms`.
    term: usize,
    /// The phrase starts (ends) with an ASCII letter or digit: that end must
    /// not touch another one.
    latin_start: bool,
    latin_end: bool,
}

#[derive(Debug, Clone)]
struct Term {
    id: usize,
    url: String,
    /// The start tag of a link to the term's page, with its title.
    open: String,
}

/// A mention found in a piece of text: its byte range there and its term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Hit {
    pub range: Range<usize>,
    pub term: usize,
}

impl Glossary {
    /// `terms`: (term id, phrases = [title, aliases...], url of the glossary page).
    ///
    /// Empty and blank phrases are ignored. When two terms share a phrase
    /// (compared as the matcher compares them), the one given first keeps it.
    ///
    /// # Panics
    ///
    /// Only if the matcher cannot be built, which takes more phrases than
    /// fit in memory (its state ids are 32-bit).
    pub fn new(terms: Vec<(usize, Vec<String>, String)>) -> Glossary {
        let mut patterns: Vec<String> = Vec::new();
        let mut phrases = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut kept = Vec::with_capacity(terms.len());
        let mut active = [false; 128];
        for b in (0..128u8).filter(u8::is_ascii_alphanumeric) {
            active[usize::from(b)] = true;
        }
        for (id, names, url) in terms {
            let index = kept.len();
            let mut title = None;
            for name in &names {
                let display = crate::text::collapse_whitespace(name);
                if display.is_empty() {
                    continue;
                }
                title.get_or_insert(display);
                let pattern = fold_phrase(name).trim().to_string();
                if pattern.is_empty() || !seen.insert(pattern.to_ascii_lowercase()) {
                    continue;
                }
                phrases.push(Phrase {
                    term: index,
                    latin_start: pattern.starts_with(|c: char| c.is_ascii_alphanumeric()),
                    latin_end: pattern.ends_with(|c: char| c.is_ascii_alphanumeric()),
                });
                for b in pattern.bytes().filter(u8::is_ascii) {
                    active[usize::from(b)] = true;
                }
                patterns.push(pattern);
            }
            let title = title.unwrap_or_default();
            let open =
                format!("<a class=\"glossary-link\" href=\"{}\" title=\"{}\">", escape_href(&url), escape_html(&title));
            kept.push(Term { id, url, open });
        }
        let matcher = (!patterns.is_empty()).then(|| {
            patterns.extend(folding_triggers(&active));
            // A DFA: a glossary has tens of phrases, so it is small, and it is searched once
            // per paragraph of every page.
            DFA::builder()
                .match_kind(MatchKind::Standard)
                .ascii_case_insensitive(true)
                // Phrases start with common Chinese characters: no byte to skip to.
                .prefilter(false)
                .build(&patterns)
                .expect("a glossary's phrases fit in the matcher")
        });
        Glossary { matcher, phrases, terms: kept, active }
    }

    /// True when there is no phrase to look for.
    pub fn is_empty(&self) -> bool {
        self.matcher.is_none()
    }

    /// Mentions in `text`, in order, not overlapping: leftmost first, then
    /// longest, among those that pass the Latin boundary check.
    #[cfg(test)]
    pub(super) fn find(&self, text: &str) -> Vec<Hit> {
        let mut hits = Vec::new();
        self.find_into(text, &mut Vec::new(), &mut hits);
        hits
    }

    /// What the tests' `Glossary::find` returns, into `hits` (cleared first), with `candidates`
    /// as scratch space: a page reuses both for all its paragraphs.
    fn find_into(&self, text: &str, candidates: &mut Vec<(usize, usize, usize)>, hits: &mut Vec<Hit>) {
        candidates.clear();
        hits.clear();
        let Some(matcher) = &self.matcher else {
            return;
        };
        // Text that folding would leave as it is (most prose) is searched as written, in
        // one pass: the matcher also looks for what makes folding change a text, and only
        // when it finds some is the text folded and searched again. Triggers cannot be
        // part of a phrase, and the overlapping search reports every phrase occurrence
        // whatever else it finds, so the first pass's occurrences are the same as those
        // in the folded text whenever it finds no trigger.
        let mut folded = Folded { text: Cow::Borrowed(text), pieces: Vec::new() };
        let mut searched = 0;
        while searched < 2 {
            searched += 1;
            candidates.clear();
            let folded_text: &str = &folded.text;
            // Whether the character before (after) a byte offset is an ASCII letter or digit,
            // told by the byte there: in UTF-8 every byte of any other character is 0x80 or
            // more, so nothing is decoded.
            let bytes = folded_text.as_bytes();
            let before = |at: usize| at.checked_sub(1).is_some_and(|i| bytes[i].is_ascii_alphanumeric());
            let after = |at: usize| bytes.get(at).is_some_and(u8::is_ascii_alphanumeric);
            let mut triggered = false;
            occurrences(matcher, folded_text.as_bytes(), |start, end, pattern| {
                let Some(phrase) = self.phrases.get(pattern) else {
                    // (A folded text has no trigger left.)
                    triggered = searched == 1;
                    return !triggered;
                };
                if !((phrase.latin_start && before(start)) || (phrase.latin_end && after(end))) {
                    candidates.push((start, end, pattern));
                }
                true
            });
            if !triggered {
                break;
            }
            folded = Folded::new(text, &self.active);
        }
        candidates.sort_by_key(|&(start, end, pattern)| (start, std::cmp::Reverse(end), pattern));
        let mut free_from = 0;
        for &(start, end, pattern) in candidates.iter() {
            if start < free_from {
                continue;
            }
            free_from = end;
            // Map back: from the first folded character's source start to the
            // last folded character's source end.
            let range = folded.source_start(start)..folded.source_end(end);
            hits.push(Hit { range, term: self.phrases[pattern].term });
        }
    }
}

/// Calls `found(start, end, pattern)` for every occurrence of a pattern of `dfa` (a
/// standard, unanchored one) in `text`, by end and then in the DFA's order, until it
/// returns false. This is aho-corasick's overlapping search written as a plain loop
/// over the DFA's transitions: the crate's iterator goes through a trait object and
/// keeps its place in a state struct between matches, which costs about twice as many
/// instructions per byte of prose, and prose is what the glossary reads most.
fn occurrences(dfa: &DFA, text: &[u8], mut found: impl FnMut(usize, usize, usize) -> bool) {
    let mut sid = dfa.start_state(Anchored::No).expect("an unanchored DFA has an unanchored start state");
    let mut at = 0;
    while let Some((end, special)) = next_special(dfa, sid, text, at) {
        (at, sid) = (end, special);
        if dfa.is_dead(sid) {
            return;
        }
        for i in 0..dfa.match_len(sid) {
            let pattern = dfa.match_pattern(sid, i);
            let len = dfa.pattern_len(pattern);
            if !found(end - len, end, pattern.as_usize()) {
                return;
            }
        }
    }
}

/// What makes [`Folded::new`] change a text: whitespace other than a single
/// space (ASCII whitespace, two spaces, the Unicode spaces it folds), zero-width
/// characters, and full-width forms of the `active` ASCII characters. Text
/// without any of these folds to itself.
fn folding_triggers(active: &[bool; 128]) -> Vec<String> {
    let mut triggers: Vec<String> = ["\t", "\n", "\u{b}", "\u{c}", "\r", "  "].map(String::from).to_vec();
    let spaces = ['\u{85}', '\u{a0}', '\u{1680}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}'];
    let wide = (0x21..0x7Fu8).filter(|&b| active[usize::from(b)]).filter_map(|b| char::from_u32(0xFEE0 + u32::from(b)));
    let chars = spaces
        .into_iter()
        .chain('\u{2000}'..='\u{200a}')
        .chain(['\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}'])
        .chain(wide);
    triggers.extend(chars.map(String::from));
    triggers
}

/// A phrase as the matcher stores it: full-width ASCII folded to half-width,
/// runs of whitespace as one space (or as nothing when they are line breaks
/// between two Chinese characters), zero-width characters dropped.
fn fold_phrase(text: &str) -> String {
    Folded::new(text, &[true; 128]).text.into_owned()
}

/// A piece of text as the matcher sees it: folded as [`fold_phrase`] folds,
/// except that a full-width ASCII character is left as it is when its
/// half-width form is neither a letter or digit nor in any phrase (`，` when
/// no phrase has a comma): no match can cover it either way, and it is no
/// Latin boundary either way. So most Chinese prose is searched as written,
/// without a copy.
struct Folded<'t> {
    text: Cow<'t, str>,
    /// Where `text` is not a byte-for-byte copy of the source, in order:
    /// `len` bytes at `at` that stand for `source` (a folded character, or a
    /// whitespace run as one space or as nothing), or nothing at `at` after
    /// which the copy goes on from `source.end` (a dropped zero-width
    /// character). Before the first piece and between pieces, `text` is a
    /// copy of the source.
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone)]
struct Piece {
    at: usize,
    len: usize,
    source: Range<usize>,
}

/// The state of [`Folded::new`]: the folded text is `out` followed by
/// `source[copied..]` up to where the reading stands.
struct Folder<'t> {
    source: &'t str,
    /// None while the folded text is the source itself.
    out: Option<String>,
    copied: usize,
    pieces: Vec<Piece>,
}

impl Folder<'_> {
    /// The folded text so far, with the source copied up to `to`.
    fn catch_up(&mut self, to: usize) -> &mut String {
        let out = self.out.get_or_insert_with(|| String::with_capacity(self.source.len()));
        out.push_str(&self.source[self.copied..to]);
        out
    }

    /// `source` becomes `with` (possibly nothing); the copy resumes at `resume`.
    fn replace(&mut self, source: Range<usize>, with: Option<char>, resume: usize) {
        let out = self.catch_up(source.start);
        let at = out.len();
        if let Some(c) = with {
            out.push(c);
        }
        let len = out.len() - at;
        let end = source.end;
        self.pieces.push(Piece { at, len, source });
        if resume != end {
            self.pieces.push(Piece { at: at + len, len: 0, source: resume..resume });
        }
        self.copied = resume;
    }
}

impl<'t> Folded<'t> {
    /// `active[b]`: the full-width form of ASCII `b` must be folded.
    fn new(text: &'t str, active: &[bool; 128]) -> Folded<'t> {
        let mut f = Folder { source: text, out: None, copied: 0, pieces: Vec::new() };
        let bytes = text.as_bytes();
        // (source range, only line breaks) of the whitespace run being read.
        let mut pending: Option<(Range<usize>, bool)> = None;
        let mut i = 0;
        while i < bytes.len() {
            // Most characters need nothing: skip them a byte at a time. A
            // character that ends a whitespace run is looked at.
            if pending.is_none()
                && let Some(skip) = plain(bytes, i, active)
            {
                i += skip;
                continue;
            }
            let c = text[i..].chars().next().expect("i is a character boundary");
            let source = i..i + c.len_utf8();
            i = source.end;
            let space = if c.is_ascii() { matches!(c, '\t'..='\r' | ' ') } else { c.is_whitespace() };
            if space {
                let line_break = matches!(c, '\n' | '\r');
                pending = Some(match pending {
                    Some((run, only_breaks)) => (run.start..source.end, only_breaks && line_break),
                    None => (source, line_break),
                });
                continue;
            }
            if !c.is_ascii() && crate::text::is_zero_width(c) {
                // Within or after a whitespace run it goes with the run.
                if pending.is_none() {
                    f.replace(source.clone(), None, source.end);
                }
                continue;
            }
            let folded = crate::text::narrow_ascii(c);
            if let Some((run, only_breaks)) = pending.take() {
                // A line break between two wide characters (as the matcher sees them) is dropped.
                let joined = only_breaks && is_wide(folded) && last_kept(text, run.start).is_some_and(is_wide);
                let as_written = !joined && run.end == source.start && run.len() == 1 && bytes[run.start] == b' ';
                if !as_written {
                    f.replace(run, (!joined).then_some(' '), source.start);
                }
            }
            if folded != c && active[folded as usize] {
                f.replace(source.clone(), Some(folded), source.end);
            }
        }
        if let Some((run, _)) = pending {
            let as_written = run.end == text.len() && run.len() == 1 && bytes[run.start] == b' ';
            if !as_written {
                f.replace(run, Some(' '), text.len());
            }
        }
        let text = match f.out {
            Some(_) => Cow::Owned(std::mem::take(f.catch_up(text.len()))),
            None => Cow::Borrowed(text),
        };
        Folded { text, pieces: f.pieces }
    }

    /// The last piece at or before byte `at` of the folded text.
    fn piece(&self, at: usize) -> Option<&Piece> {
        let i = self.pieces.partition_point(|p| p.at <= at);
        i.checked_sub(1).map(|i| &self.pieces[i])
    }

    /// Source offset where the folded character starting at `at` came from.
    fn source_start(&self, at: usize) -> usize {
        match self.piece(at) {
            None => at,
            Some(p) if at < p.at + p.len => p.source.start,
            Some(p) => p.source.end + (at - p.at - p.len),
        }
    }

    /// Source offset where the folded character ending at `end` (> 0) came from ends.
    fn source_end(&self, end: usize) -> usize {
        let last = end - 1;
        match self.piece(last) {
            None => end,
            Some(p) if last < p.at + p.len => p.source.end,
            Some(p) => p.source.end + (end - p.at - p.len),
        }
    }
}

/// The length of the character at `i` when [`Folded::new`] has nothing to
/// do with it (keeping it as written is right unless it follows whitespace);
/// None for ASCII whitespace, non-ASCII whitespace (U+0085, U+00A0, U+1680,
/// U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), zero-width
/// characters (U+200B..U+200D, U+2060, U+FEFF) and full-width ASCII that
/// `active` says to fold. Decided from the UTF-8 bytes, without decoding.
fn plain(bytes: &[u8], i: usize, active: &[bool; 128]) -> Option<usize> {
    let lead = bytes[i];
    if lead < 0x80 {
        return (!matches!(lead, b'\t'..=b'\r' | b' ')).then_some(1);
    }
    let next = |k: usize| bytes.get(i + k).copied().unwrap_or(0);
    let special = match lead {
        0xC2 => matches!(next(1), 0x85 | 0xA0),
        0xE1 => next(1) == 0x9A && next(2) == 0x80,
        0xE2 => match (next(1), next(2)) {
            (0x80, b) => b <= 0x8D || matches!(b, 0xA8 | 0xA9 | 0xAF),
            (0x81, b) => matches!(b, 0x9F | 0xA0),
            _ => false,
        },
        0xE3 => next(1) == 0x80 && next(2) == 0x80,
        0xEF => match (next(1), next(2)) {
            (0xBB, 0xBF) => true,
            // U+FF01..U+FF3F and U+FF40..U+FF5E: half-width 0x21..0x5F and 0x60..0x7E.
            (0xBC, b @ 0x81..=0xBF) => active[usize::from(b - 0x80 + 0x20)],
            (0xBD, b @ 0x80..=0x9E) => active[usize::from(b - 0x80 + 0x60)],
            _ => false,
        },
        _ => false,
    };
    if special {
        return None;
    }
    Some(match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xFF => 4,
        _ => 1,
    })
}

/// The last character before `end` that folding keeps (whitespace runs are
/// never directly before a run, so it is the last one that is not
/// zero-width), folded.
fn last_kept(text: &str, end: usize) -> Option<char> {
    text[..end].chars().rev().find(|&c| !crate::text::is_zero_width(c)).map(crate::text::narrow_ascii)
}

/// Where the pass stands in the page.
#[derive(Default)]
struct State {
    /// Inside code, an image description, raw HTML code-like elements: no
    /// matching at all.
    skip: usize,
    /// Inside a heading or a link: mentions count but are not linked.
    no_link: usize,
    /// Open links, innermost last: true for an autolink (counted in `skip`).
    links: Vec<bool>,
}

/// Raw inline HTML elements whose text is code or not shown as prose.
const RAW_SKIP: [&str; 8] = ["code", "pre", "kbd", "samp", "script", "style", "textarea", "svg"];

/// Links the first mention of each term; returns the ids of all terms
/// mentioned, sorted.
pub(super) fn apply<'a>(
    events: Vec<Spanned<'a>>,
    glossary: &'a Glossary,
    self_url: Option<&str>,
) -> (Vec<Spanned<'a>>, Vec<usize>) {
    if glossary.is_empty() {
        return (events, Vec::new());
    }
    let mut pass = Pass {
        glossary,
        own: glossary.terms.iter().map(|t| self_url == Some(t.url.as_str())).collect(),
        linked: vec![false; glossary.terms.len()],
        mentioned: vec![false; glossary.terms.len()],
        // Room for a paragraph dense with mentions and a run of a few events from the start:
        // one allocation each per page instead of growing through 4, 8, 16...
        candidates: Vec::with_capacity(32),
        hits: Vec::with_capacity(32),
        bounds: Vec::with_capacity(8),
        // A link adds at most four events (its two tags, and the text it splits becomes up
        // to three pieces), and a term is linked once: room for the links of up to 64 terms,
        // so that a page with links rarely moves all its events to a larger vector.
        out: Vec::with_capacity(events.len() + 4 * glossary.terms.len().min(64)),
    };
    let mut state = State::default();
    // (A run is a paragraph's text and soft breaks between its markup.)
    let mut run: Vec<Spanned<'a>> = Vec::with_capacity(8);
    for (event, range) in events {
        if matches!(event, Event::Text(_) | Event::SoftBreak) {
            run.push((event, range));
            continue;
        }
        pass.flush(&mut run, &state);
        match &event {
            Event::Start(Tag::CodeBlock(_) | Tag::Image { .. } | Tag::HtmlBlock | Tag::MetadataBlock(_)) => {
                state.skip += 1
            }
            Event::End(TagEnd::CodeBlock | TagEnd::Image | TagEnd::HtmlBlock | TagEnd::MetadataBlock(_)) => {
                state.skip = state.skip.saturating_sub(1)
            }
            Event::Start(Tag::Heading { .. }) => state.no_link += 1,
            Event::End(TagEnd::Heading(_)) => state.no_link = state.no_link.saturating_sub(1),
            // An autolink's text is its URL: not prose.
            Event::Start(Tag::Link { link_type, .. }) => {
                let url = matches!(link_type, LinkType::Autolink | LinkType::Email);
                if url {
                    state.skip += 1;
                } else {
                    state.no_link += 1;
                }
                state.links.push(url);
            }
            Event::End(TagEnd::Link) => match state.links.pop() {
                Some(true) => state.skip = state.skip.saturating_sub(1),
                _ => state.no_link = state.no_link.saturating_sub(1),
            },
            Event::InlineHtml(html) => match raw_tag(html) {
                Some((name, opening)) if RAW_SKIP.contains(&name.as_str()) => {
                    state.skip = if opening { state.skip + 1 } else { state.skip.saturating_sub(1) }
                }
                Some((name, opening)) if name == "a" => {
                    state.no_link = if opening { state.no_link + 1 } else { state.no_link.saturating_sub(1) }
                }
                _ => {}
            },
            _ => {}
        }
        pass.out.push((event, range));
    }
    pass.flush(&mut run, &state);
    let mut mentioned: Vec<usize> =
        glossary.terms.iter().zip(&pass.mentioned).filter(|(_, m)| **m).map(|(t, _)| t.id).collect();
    mentioned.sort_unstable();
    mentioned.dedup();
    (pass.out, mentioned)
}

/// The lower-cased name of a raw HTML start or end tag, and whether it
/// opens an element (a self-closing tag opens nothing).
fn raw_tag(html: &str) -> Option<(String, bool)> {
    let html = html.trim();
    let rest = html.strip_prefix('<')?;
    let (closing, rest) = match rest.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    if name.is_empty() || (!closing && html.ends_with("/>")) {
        return None;
    }
    Some((name.to_ascii_lowercase(), !closing))
}

struct Pass<'a> {
    glossary: &'a Glossary,
    /// Per term: it is the page's own term.
    own: Vec<bool>,
    /// Per term: its first mention is already linked.
    linked: Vec<bool>,
    /// Per term: it is mentioned.
    mentioned: Vec<bool>,
    /// Scratch space for [`Glossary::find_into`].
    candidates: Vec<(usize, usize, usize)>,
    hits: Vec<Hit>,
    /// Scratch space for [`Pass::flush`]: where each event of a run is in the joined text.
    bounds: Vec<Range<usize>>,
    out: Vec<Spanned<'a>>,
}

impl<'a> Pass<'a> {
    /// Matches a run of adjacent text events and writes it out, with links.
    fn flush(&mut self, run: &mut Vec<Spanned<'a>>, state: &State) {
        if run.is_empty() {
            return;
        }
        if state.skip > 0 {
            self.out.append(run);
            return;
        }
        // The run as one text, and where each event's text is in it.
        let bounds = &mut self.bounds;
        bounds.clear();
        let joined: Cow<'_, str> = match &run[..] {
            [(Event::Text(t), _)] => {
                bounds.push(0..t.len());
                Cow::Borrowed(t)
            }
            _ => {
                let mut joined = String::new();
                for (event, _) in run.iter() {
                    let start = joined.len();
                    match event {
                        Event::Text(t) => joined.push_str(t),
                        _ => joined.push('\n'),
                    }
                    bounds.push(start..joined.len());
                }
                Cow::Owned(joined)
            }
        };
        self.glossary.find_into(&joined, &mut self.candidates, &mut self.hits);
        // The hits become the links: those kept are the first mentions to link, in order
        // (filtered in place, so that a page's paragraphs need no list of their own).
        let (own, mentioned, linked) = (&self.own, &mut self.mentioned, &mut self.linked);
        self.hits.retain(|hit| {
            if own[hit.term] {
                return false;
            }
            mentioned[hit.term] = true;
            let link = state.no_link == 0 && !linked[hit.term];
            linked[hit.term] |= link;
            link
        });
        if self.hits.is_empty() {
            self.out.append(run);
            self.bounds.clear();
            return;
        }
        drop(joined);
        // Cut points: (offset in `joined`, html to insert there), in order. The
        // html is the term's, made once per site; text between cuts is cut out of
        // the events' own text, borrowed from the source where the event's is.
        let terms: &'a [Term] = &self.glossary.terms;
        let mut cuts = self
            .hits
            .iter()
            .flat_map(|hit| [(hit.range.start, terms[hit.term].open.as_str()), (hit.range.end, "</a>")])
            .peekable();
        for ((event, range), piece) in run.drain(..).zip(self.bounds.drain(..)) {
            let mut pos = piece.start;
            let whole = cuts.peek().is_none_or(|(at, _)| *at >= piece.end);
            if whole {
                self.out.push((event, range));
                continue;
            }
            // Only a text event can have a cut inside it (a soft break is one byte).
            let text_between = |from: usize, to: usize| match &event {
                Event::Text(CowStr::Borrowed(text)) => CowStr::Borrowed(&text[from - piece.start..to - piece.start]),
                Event::Text(text) => CowStr::from(text[from - piece.start..to - piece.start].to_string()),
                _ => CowStr::Borrowed(""),
            };
            while let Some((at, html)) = cuts.next_if(|(at, _)| *at < piece.end) {
                if at > pos {
                    self.out.push((Event::Text(text_between(pos, at)), range.clone()));
                    pos = at;
                }
                self.out.push((Event::InlineHtml(CowStr::Borrowed(html)), range.clone()));
            }
            match event {
                Event::Text(_) if pos < piece.end => {
                    let rest = text_between(pos, piece.end);
                    self.out.push((Event::Text(rest), range))
                }
                Event::Text(_) => {}
                other => self.out.push((other, range)),
            }
        }
        let end = self.out.last().map_or(0..0, |(_, r)| r.end..r.end);
        for (_, html) in cuts {
            self.out.push((Event::InlineHtml(CowStr::Borrowed(html)), end.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glossary(terms: &[(usize, &[&str])]) -> Glossary {
        Glossary::new(
            terms
                .iter()
                .map(|(id, names)| (*id, names.iter().map(|s| s.to_string()).collect(), format!("/glossary/{id}/")))
                .collect(),
        )
    }

    /// The mentions in `text` as (matched text, term id).
    fn found<'t>(g: &Glossary, text: &'t str) -> Vec<(&'t str, usize)> {
        g.find(text).into_iter().map(|h| (&text[h.range], g.terms[h.term].id)).collect()
    }

    #[test]
    fn longest_of_the_leftmost_wins() {
        let g = glossary(&[(1, &["AI"]), (2, &["AI产品经理"]), (3, &["产品经理"])]);
        assert_eq!(found(&g, "做AI产品经理，不只是产品经理"), [("AI产品经理", 2), ("产品经理", 3)]);
    }

    #[test]
    fn latin_phrases_need_word_boundaries() {
        let g = glossary(&[(1, &["HC"]), (2, &["RAG"]), (3, &["AGI"]), (4, &["AI", "AI-native"])]);
        assert!(found(&g, "TechCrunch reports on storage; imagine").is_empty());
        assert_eq!(found(&g, "RAG和AGI的HC"), [("RAG", 2), ("AGI", 3), ("HC", 1)]);
        assert_eq!(found(&g, "(RAG), AGI."), [("RAG", 2), ("AGI", 3)]);
        // The longer phrase fails its boundary; the shorter one still counts.
        assert_eq!(found(&g, "AI-natives"), [("AI", 4)]);
        assert_eq!(found(&g, "AI-native apps"), [("AI-native", 4)]);
    }

    #[test]
    fn latin_is_case_insensitive_and_full_width_folded() {
        let g = glossary(&[(1, &["RAG"]), (2, &["Ｐｒｏｍｐｔ"]), (3, &["product manager"])]);
        assert_eq!(found(&g, "rag与Rag"), [("rag", 1), ("Rag", 1)]);
        assert_eq!(found(&g, "用ＲＡＧ写prompt"), [("ＲＡＧ", 1), ("prompt", 2)]);
        assert_eq!(found(&g, "a Product\n  Manager"), [("Product\n  Manager", 3)]);
    }

    #[test]
    fn mentions_map_back_across_breaks_spaces_and_zero_width_characters() {
        let g = glossary(&[(1, &["AI产品经理"]), (2, &["A/B测试"]), (3, &["product manager"])]);
        assert_eq!(found(&g, "做AI\u{200b}产品\n经理，"), [("AI\u{200b}产品\n经理", 1)]);
        assert_eq!(found(&g, "Ａ／Ｂ测试，"), [("Ａ／Ｂ测试", 2)]);
        assert_eq!(found(&g, "a product\u{200b} \t manager!"), [("product\u{200b} \t manager", 3)]);
        // A line break after full-width punctuation is a space: `，` folds to `,`, which is not wide.
        let g = glossary(&[(4, &["理, 大"])]);
        assert_eq!(found(&g, "经理，\n大模型"), [("理，\n大", 4)]);
    }

    /// [`Glossary::find`] as the rules say it: always fold, then choose among all occurrences.
    fn find_by_the_rules(g: &Glossary, text: &str) -> Vec<Hit> {
        let folded = Folded::new(text, &g.active);
        let t: &str = &folded.text;
        let touches = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        // aho-corasick's own overlapping search, to check [`occurrences`] too.
        let mut all = Vec::new();
        if let Some(dfa) = &g.matcher {
            let mut state = aho_corasick::automaton::OverlappingState::start();
            loop {
                dfa.try_find_overlapping(&aho_corasick::Input::new(t), &mut state).expect("an unanchored search");
                match state.get_match() {
                    Some(m) => all.push(m),
                    None => break,
                }
            }
        }
        let mut found: Vec<(usize, usize, usize)> = all
            .into_iter()
            .filter_map(|m| {
                let phrase = g.phrases.get(m.pattern().as_usize())?;
                let bad = (phrase.latin_start && touches(t[..m.start()].chars().next_back()))
                    || (phrase.latin_end && touches(t[m.end()..].chars().next()));
                (!bad).then_some((m.start(), m.end(), phrase.term))
            })
            .collect();
        found.sort_by_key(|&(start, end, _)| (start, std::cmp::Reverse(end)));
        let mut free_from = 0;
        let mut hits = Vec::new();
        for (start, end, term) in found {
            if start >= free_from {
                free_from = end;
                hits.push(Hit { range: folded.source_start(start)..folded.source_end(end), term });
            }
        }
        hits
    }

    #[test]
    fn text_searched_as_written_finds_what_folded_text_does() {
        let g = glossary(&[(1, &["AI产品经理", "A/B测试"]), (2, &["product manager", "RAG"]), (3, &["大模型", "AI"])]);
        let pieces = [
            "AI产品经理",
            "A/B测试",
            "Ａ／Ｂ测试",
            "product manager",
            "RAG",
            "ＲＡＧ",
            "大模型",
            "AI",
            "，",
            "x",
            "7",
            "-",
        ];
        let gaps = ["", "", " ", "  ", "\n", "\r\n", "\t", "\u{200b}", "\u{3000}", "\u{a0}", "\u{2028}"];
        let mut rng = crate::text::TestRng(0x9e37_79b9_7f4a_7c15);
        let mut next = |n: usize| rng.below(n);
        for _ in 0..5000 {
            let mut text = String::new();
            for _ in 0..next(5) {
                // A piece, perhaps with a gap inside it, and a gap after it.
                let piece: Vec<char> = pieces[next(pieces.len())].chars().collect();
                let cut = next(piece.len() + 1);
                text.extend(&piece[..cut]);
                text.push_str(gaps[next(gaps.len())]);
                text.extend(&piece[cut..]);
                text.push_str(gaps[next(gaps.len())]);
            }
            assert_eq!(g.find(&text), find_by_the_rules(&g, &text), "{text:?}");
        }
    }

    #[test]
    fn blank_and_repeated_phrases_are_ignored() {
        let g = glossary(&[(1, &["", "  ", "模型"]), (2, &["模型", "大模型"])]);
        assert!(g.terms[0].open.ends_with(" title=\"模型\">"), "{}", g.terms[0].open);
        assert_eq!(found(&g, "大模型与模型"), [("大模型", 2), ("模型", 1)]);
        assert!(glossary(&[(1, &[" "])]).is_empty());
        assert!(Glossary::new(Vec::new()).is_empty());
    }

    #[test]
    fn one_glossary_serves_pages_rendered_in_parallel() {
        fn shared<T: Send + Sync>(_: &T) {}
        shared(&glossary(&[(1, &["AI"])]));
    }

    #[test]
    fn reads_raw_tags() {
        assert_eq!(raw_tag("<code class=\"x\">"), Some(("code".to_string(), true)));
        assert_eq!(raw_tag("</A>"), Some(("a".to_string(), false)));
        assert_eq!(raw_tag("<br/>"), None);
        assert_eq!(raw_tag("<!-- x -->"), None);
    }
}
