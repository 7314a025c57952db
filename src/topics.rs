//! Topic themes: groupings of material, matched down to the section.
//!
//! A topic theme is a page `content/themes/<slug>.md` whose front matter lists weighted keyword
//! phrases and phrases to `exclude`. Every section of every article (the text under one level-2
//! heading, or the whole article when it has none) is scanned once by a single Aho–Corasick
//! automaton holding every theme's phrases (leftmost-longest, so a longer phrase — an exclusion
//! such as `数字化转型` — wins over a keyword inside it). A section's score for a theme is the
//! summed weight of its matches per 1,000 characters (short sections count as `min_chars` long);
//! it must reach `threshold` with at least `min_distinct` different phrases. An article joins a
//! theme through its best section, or through front matter `themes:`.
//!
//! (In this code "theme" alone never means the visual theme of `themes/<name>/`.)

use std::borrow::Cow;

use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};

use crate::automaton::next_special;
use crate::config::TopicsConfig;
use crate::text::escape_html as escape;

/// Characters of text shown around the matches in a snippet.
const SNIPPET_CHARS: usize = 110;

/// What a pattern means to the themes that list it.
#[derive(Debug, Clone, Copy)]
enum Role {
    Keyword(f64),
    Exclude,
}

/// One theme's phrases: keywords with their weights, and phrases that must not count.
pub type ThemeSpec = (Vec<(String, f64)>, Vec<String>);

/// All topic themes' phrases in one automaton.
pub struct Matcher {
    /// None when no theme has a phrase. Searched through its transitions (see [`leftmost_longest`]).
    automaton: Option<DFA>,
    /// Per pattern: the themes that list it as a keyword, with the weight, in listing order
    /// (a theme that lists it twice is here twice).
    keywords: Vec<Vec<(usize, f64)>>,
    /// Per pattern: the themes that list it as a keyword, each once.
    keyword_themes: Vec<Vec<usize>>,
    /// Per pattern: must it sit on ASCII word boundaries (it starts or ends with a Latin letter/digit)?
    latin: Vec<(bool, bool)>,
    themes: usize,
}

/// How one section scores for one theme.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionScore {
    pub theme: usize,
    pub score: f64,
    /// Different phrases matched.
    pub distinct: usize,
    /// Byte ranges of the matches in the folded section text.
    pub spans: Vec<(usize, usize)>,
}

impl Matcher {
    /// `themes[i]` = (keywords with weights, exclusions) of theme `i`.
    pub fn new(themes: &[ThemeSpec]) -> Matcher {
        let mut patterns: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<(usize, Role)>> = Vec::new();
        let mut add = |phrase: &str, theme: usize, role: Role| {
            let phrase = fold(phrase.trim()).to_lowercase();
            if phrase.is_empty() {
                return;
            }
            match patterns.iter().position(|p| *p == phrase) {
                Some(i) => owners[i].push((theme, role)),
                None => {
                    patterns.push(phrase);
                    owners.push(vec![(theme, role)]);
                }
            }
        };
        for (theme, (keywords, exclude)) in themes.iter().enumerate() {
            for (phrase, weight) in keywords {
                add(phrase, theme, Role::Keyword(*weight));
            }
            for phrase in exclude {
                add(phrase, theme, Role::Exclude);
            }
        }
        let latin = patterns
            .iter()
            .map(|p| {
                (
                    p.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()),
                    p.chars().last().is_some_and(|c| c.is_ascii_alphanumeric()),
                )
            })
            .collect();
        let automaton = (!patterns.is_empty()).then(|| automaton(&patterns));
        let keywords: Vec<Vec<(usize, f64)>> = owners
            .iter()
            .map(|owners| {
                owners
                    .iter()
                    .filter_map(|&(theme, role)| match role {
                        Role::Keyword(w) => Some((theme, w)),
                        Role::Exclude => None,
                    })
                    .collect()
            })
            .collect();
        let keyword_themes = keywords
            .iter()
            .map(|keywords| {
                let mut themes: Vec<usize> = Vec::new();
                for &(theme, _) in keywords {
                    if !themes.contains(&theme) {
                        themes.push(theme);
                    }
                }
                themes
            })
            .collect();
        Matcher { automaton, keywords, keyword_themes, latin, themes: themes.len() }
    }

    /// Score `text` (already width-folded with [`fold`]) for every theme that matches at all.
    pub fn score(&self, folded: &str, config: &TopicsConfig) -> Vec<SectionScore> {
        let mut scores = Vec::new();
        let mut scratch = Scratch::default();
        self.score_into(folded, visible_chars(folded), config, &mut scratch, &mut scores);
        for score in &mut scores {
            score.spans = scratch.spans(score.theme).to_vec();
        }
        scores
    }

    /// [`Matcher::score`] into `scores` (emptied first), with working memory that `scratch`
    /// keeps from one call to the next. The scores' `spans` are left empty: each theme's are
    /// [`Scratch::spans`] until the next call. A caller keeps only the best section per theme,
    /// so a copy of every section's spans in its score (one allocation per section and theme,
    /// ~314,000 at 10,000 articles) was mostly thrown away. `visible` is the number of
    /// characters of `folded` that are not whitespace, as [`fold_counted`] counts them.
    pub fn score_into(
        &self,
        folded: &str,
        visible: usize,
        config: &TopicsConfig,
        scratch: &mut Scratch,
        scores: &mut Vec<SectionScore>,
    ) {
        scores.clear();
        let Some(automaton) = &self.automaton else { return };
        scratch.prepare(self.themes, self.keywords.len());
        let Scratch { weight, distinct, spans, seen_in, call } = scratch;
        let bytes = folded.as_bytes();
        leftmost_longest(automaton, bytes, |start, end, pattern| {
            let (start_latin, end_latin) = self.latin[pattern];
            let before = start.checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(end).copied();
            if (start_latin && before.is_some_and(|b| b.is_ascii_alphanumeric()))
                || (end_latin && after.is_some_and(|b| b.is_ascii_alphanumeric()))
            {
                return;
            }
            for &(theme, w) in &self.keywords[pattern] {
                weight[theme] += w;
                spans[theme].push((start, end));
            }
            // A phrase counts once per theme towards the different phrases matched.
            if seen_in[pattern] != *call {
                seen_in[pattern] = *call;
                for &theme in &self.keyword_themes[pattern] {
                    distinct[theme] += 1;
                }
            }
        });
        if !weight.iter().any(|&w| w > 0.0) {
            return;
        }
        let length = visible.max(config.min_chars).max(1);
        for t in 0..self.themes {
            if weight[t] > 0.0 {
                scores.push(SectionScore {
                    theme: t,
                    score: weight[t] * 1000.0 / length as f64,
                    distinct: distinct[t],
                    spans: Vec::new(),
                });
            }
        }
    }
}

/// The automaton of [`Matcher`] for `patterns`.
fn automaton(patterns: &[String]) -> DFA {
    // A DFA: the phrases are few, and every section of every article passes through it.
    DFA::builder()
        .prefilter(false)
        .match_kind(MatchKind::LeftmostLongest)
        .ascii_case_insensitive(true)
        .build(patterns)
        .expect("phrases of bounded size build an automaton")
}

/// Calls `found(start, end, pattern)` for each match of `dfa` (a leftmost-longest, unanchored
/// one) in `text`, in order: the matches aho-corasick's `find_iter` reports, found by a plain
/// loop over the DFA's transitions. The crate's iterator reaches its search through a trait
/// object and reads its position back from an `Input` for every byte; this loop keeps the
/// state in a register (see [`next_special`]), and prose is nearly all that topics read.
///
/// The search for one match, as the crate does it: from the start state, walk on past every
/// match state (the last one seen is the longest of the leftmost matches) until the dead state
/// or the end of the text; the next search starts where that match ends.
fn leftmost_longest(dfa: &DFA, text: &[u8], mut found: impl FnMut(usize, usize, usize)) {
    let start = dfa.start_state(Anchored::No).expect("an unanchored DFA has an unanchored start state");
    let mut at = 0;
    loop {
        let (mut sid, mut pos) = (start, at);
        let mut last = None;
        while let Some((end, special)) = next_special(dfa, sid, text, pos) {
            (sid, pos) = (special, end);
            if dfa.is_dead(sid) {
                break;
            }
            // (Built without a prefilter, the DFA's only other special states are match states.)
            if dfa.is_match(sid) {
                last = Some((end, dfa.match_pattern(sid, 0)));
            }
        }
        let Some((end, pattern)) = last else { return };
        found(end - dfa.pattern_len(pattern), end, pattern.as_usize());
        at = end;
    }
}

/// Working memory of [`Matcher::score_into`].
#[derive(Default)]
pub struct Scratch {
    /// Per theme: summed weight, different phrases and match spans so far.
    weight: Vec<f64>,
    distinct: Vec<usize>,
    spans: Vec<Vec<(usize, usize)>>,
    /// Per pattern: the call that last matched it.
    seen_in: Vec<u32>,
    /// Calls so far, this one included.
    call: u32,
}

impl Scratch {
    /// The spans of `theme`'s matches in the text of the last [`Matcher::score_into`] call.
    pub fn spans(&self, theme: usize) -> &[(usize, usize)] {
        self.spans.get(theme).map_or(&[], Vec::as_slice)
    }

    fn prepare(&mut self, themes: usize, patterns: usize) {
        self.weight.clear();
        self.weight.resize(themes, 0.0);
        self.distinct.clear();
        self.distinct.resize(themes, 0);
        self.spans.resize_with(themes, Vec::new);
        self.spans.iter_mut().for_each(Vec::clear);
        self.call = self.call.wrapping_add(1);
        if self.call == 0 || self.seen_in.len() != patterns {
            self.seen_in = vec![0; patterns];
            self.call = 1;
        }
    }
}

/// The form of text the matcher reads: full-width letters and digits folded to ASCII (so
/// `ＴＯ Ｂ` is `TO B`); Chinese punctuation such as `，` stays as written, since snippets show it.
pub fn fold(text: &str) -> Cow<'_, str> {
    // Most text has nothing to fold: look for the first character that changes before copying.
    let first = first_foldable(text.as_bytes());
    let Some(first) = first else { return Cow::Borrowed(text) };
    Cow::Owned(fold_from(text, first))
}

/// `text` folded as [`fold`] does, its first character to fold at byte `first`.
fn fold_from(text: &str, first: usize) -> String {
    let mut folded = String::with_capacity(text.len());
    folded.push_str(&text[..first]);
    let mut rest = &text[first..];
    // Every character folded is encoded starting with 0xEF (U+FFxx) or 0xE3 (U+3000), bytes
    // that only ever start a character: copy the runs between them as they are.
    while let Some(at) = rest.bytes().position(|b| b == 0xEF || b == 0xE3) {
        folded.push_str(&rest[..at]);
        let c = rest[at..].chars().next().unwrap_or_default();
        folded.push(match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            '\u{3000}' => ' ',
            c => c,
        });
        rest = &rest[at + c.len_utf8()..];
    }
    folded.push_str(rest);
    folded
}

/// Where the first character [`fold`] changes starts: U+FF10–FF19, U+FF21–FF3A and
/// U+FF41–FF5A (`EF BC 90..99`, `EF BC A1..BA`, `EF BD 81..9A`) or U+3000 (`E3 80 80`).
fn first_foldable(bytes: &[u8]) -> Option<usize> {
    const BLOCK: usize = 64;
    // Every such character is three bytes long: no later than two bytes before the end.
    let starts = bytes.len().saturating_sub(2);
    let mut from = 0;
    while from < starts {
        let to = (from + BLOCK).min(starts);
        let (a, b, c) = (&bytes[from..to], &bytes[from + 1..to + 1], &bytes[from + 2..to + 2]);
        if a.iter().zip(b).zip(c).fold(false, |found, ((&a, &b), &c)| found | foldable(a, b, c)) {
            return (from..to).find(|&i| foldable(bytes[i], bytes[i + 1], bytes[i + 2]));
        }
        from = to;
    }
    None
}

/// Whether the character starting at byte `a` (followed by `b` and `c`) is one [`fold`]
/// changes, without branches, so that the compiler can test a block of bytes at once.
#[inline(always)]
fn foldable(a: u8, b: u8, c: u8) -> bool {
    let wide = (b == 0xBC) & ((c.wrapping_sub(0x90) < 10) | (c.wrapping_sub(0xA1) < 26))
        | (b == 0xBD) & (c.wrapping_sub(0x81) < 26);
    (a == 0xEF) & wide | (a == 0xE3) & (b == 0x80) & (c == 0x80)
}

/// Whether byte `a` (followed by `b` and `c`) starts a character that is not whitespace.
///
/// A branch-free test, which the compiler turns into vector code. The characters other than
/// ASCII that `char::is_whitespace` accepts (U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028,
/// U+2029, U+202F, U+205F and U+3000) are told by their first two or three bytes, so nothing
/// is decoded — Chinese text is full of `E3` lead bytes (`。`, `、`, `「`).
#[inline(always)]
fn visible(a: u8, b: u8, c: u8) -> bool {
    let starts = (a as i8) >= -0x40;
    let ascii = (a == b' ') | (a.wrapping_sub(b'\t') < 5);
    let wide = (a == 0xC2) & ((b == 0x85) | (b == 0xA0))
        | (a == 0xE1) & (b == 0x9A) & (c == 0x80)
        | (a == 0xE2)
            & ((b == 0x80) & ((c.wrapping_sub(0x80) < 11) | (c == 0xA8) | (c == 0xA9) | (c == 0xAF))
                | (b == 0x81) & (c == 0x9F))
        | (a == 0xE3) & (b == 0x80) & (c == 0x80);
    starts & !(ascii | wide)
}

/// [`fold`] of `text`, with `visible_chars` of it, counted in the same pass over the bytes
/// that looks for the first character to fold (one pass instead of two over every section:
/// folding keeps a character visible or whitespace, so the count of `text` is the count of
/// its folded form).
pub fn fold_counted(text: &str) -> (Cow<'_, str>, usize) {
    match visible_and_foldable::<true>(text.as_bytes()) {
        (count, None) => (Cow::Borrowed(text), count),
        (count, Some(first)) => (Cow::Owned(fold_from(text, first)), count),
    }
}

/// How many characters of `text` are not whitespace.
fn visible_chars(text: &str) -> usize {
    visible_and_foldable::<false>(text.as_bytes()).0
}

/// How many characters of the UTF-8 text `bytes` are not whitespace, and, with
/// `FIND_FOLDABLE`, where the first character [`fold`] changes is (else None).
fn visible_and_foldable<const FIND_FOLDABLE: bool>(bytes: &[u8]) -> (usize, Option<usize>) {
    // A byte counts when it starts a character that is not whitespace ([`visible`]). Every
    // byte with the two after it; the last two have none or one (a character starting there
    // is shorter than three bytes, so the padding never completes one).
    let body = bytes.len().saturating_sub(2);
    let mut count = 0;
    let mut first = None;
    for from in (0..body).step_by(255) {
        let to = (from + 255).min(body);
        let (a, b, c) = (&bytes[from..to], &bytes[from + 1..to + 1], &bytes[from + 2..to + 2]);
        // At most 255 per block: a u8 sum cannot overflow, and keeps 16 bytes to a vector
        // (a u16 sum took about twice the instructions).
        let (here, fold_here) = a.iter().zip(b).zip(c).fold((0u8, false), |(n, f), ((&a, &b), &c)| {
            (n + u8::from(visible(a, b, c)), f | (FIND_FOLDABLE && foldable(a, b, c)))
        });
        count += usize::from(here);
        if fold_here && first.is_none() {
            first = (from..to).find(|&i| foldable(bytes[i], bytes[i + 1], bytes[i + 2]));
        }
    }
    for i in body..bytes.len() {
        let at = |j: usize| bytes.get(j).copied().unwrap_or(0);
        count += usize::from(visible(bytes[i], at(i + 1), at(i + 2)));
    }
    (count, first)
}

/// Character positions of byte offsets for [`snippet`]'s search for the densest window, with
/// every distance counted only up to [`SNIPPET_CHARS`]: the search compares distances below
/// that (and the first match's position with 24), so a capped distance decides as the exact
/// one does, and the text between matches far apart is not counted through. Offsets are asked
/// about in order (an earlier one starts the count again, capped from the start).
#[derive(Default)]
struct CharCounter {
    byte: usize,
    chars: usize,
}

impl CharCounter {
    /// The position of byte `byte` of `text`: the characters starting before it, each
    /// distance from the previous offset asked about capped at [`SNIPPET_CHARS`].
    fn index_of(&mut self, text: &str, byte: usize) -> usize {
        let byte = byte.min(text.len());
        if byte < self.byte {
            *self = CharCounter::default();
        }
        self.chars += capped_chars(&text.as_bytes()[self.byte..byte], SNIPPET_CHARS);
        self.byte = byte;
        self.chars
    }
}

/// The bytes of `bytes` that start a character, or `cap` when there are at least that many.
fn capped_chars(bytes: &[u8], cap: usize) -> usize {
    // A character is at most four bytes long.
    if bytes.len() >= 4 * cap {
        return cap;
    }
    let starts = |b: u8| (b as i8) >= -0x40;
    let mut seen = 0;
    for block in bytes.chunks(64) {
        // (At most 64 per block: a u8 sum, which the compiler vectorizes.)
        seen += usize::from(block.iter().map(|&b| u8::from(starts(b))).sum::<u8>());
        if seen >= cap {
            return cap;
        }
    }
    seen
}

/// Does a section score count for membership?
pub fn qualifies(score: &SectionScore, config: &TopicsConfig) -> bool {
    score.score >= config.threshold && score.distinct >= config.min_distinct
}

/// An HTML snippet of `folded` around its densest run of matches, matches in `<mark>`.
pub fn snippet(folded: &str, spans: &[(usize, usize)]) -> String {
    if spans.is_empty() {
        return escape(&crate::text::truncate(folded, SNIPPET_CHARS));
    }
    let (from, to, cut_before) = window(folded, spans);
    // The html is written with its whitespace collapsed as it goes (the same text as
    // `collapse_whitespace` of the whole: the markup added holds no whitespace).
    // Room for the text, the marks around the matches in the window and a few escapes (the
    // spans are in order and do not overlap, so their ends are in order too). Room for every
    // span of the section made each snippet several times its size, and snippets live to
    // the end of the build.
    let (first, last) = (spans.partition_point(|&(s, _)| s < from), spans.partition_point(|&(_, e)| e <= to));
    let marked = last.saturating_sub(first);
    let room = to - from + marked * "<mark></mark>".len() + 16;
    let mut html = Collapsed { out: String::with_capacity(room), space: false };
    if cut_before {
        html.markup("…");
    }
    let mut cursor = from;
    for &(s, e) in spans {
        if s < cursor || e > to {
            continue;
        }
        html.text(&folded[cursor..s]);
        html.markup("<mark>");
        html.text(&folded[s..e]);
        html.markup("</mark>");
        cursor = e;
    }
    html.text(&folded[cursor..to]);
    if to < folded.len() {
        html.markup("…");
    }
    html.out
}

/// The window of [`SNIPPET_CHARS`] characters of `folded` that holds the most of `spans` (in
/// order, at least one), started a little before the match that begins the densest run: its
/// byte range, and whether it starts after the beginning of the text.
fn window(folded: &str, spans: &[(usize, usize)]) -> (usize, usize, bool) {
    let mut chars = CharCounter::default();
    // The matches' character positions, on the stack when there are few (as nearly always):
    // one allocation less per snippet, ~66,000 at 10,000 articles.
    let mut stack = [0usize; 32];
    let mut heap = Vec::new();
    let starts: &mut [usize] = if spans.len() <= stack.len() {
        &mut stack[..spans.len()]
    } else {
        heap.resize(spans.len(), 0);
        &mut heap
    };
    for (start, &(s, _)) in starts.iter_mut().zip(spans) {
        *start = chars.index_of(folded, s);
    }
    let mut best = (0, 0);
    let mut j = 0;
    for i in 0..starts.len() {
        while j < starts.len() && starts[j] < starts[i] + SNIPPET_CHARS - 10 {
            j += 1;
        }
        if j - i > best.1 {
            best = (i, j - i);
        }
    }
    let first = starts[best.0];
    let from_char = if first < 24 { 0 } else { first - 12 };
    // From the byte where the densest run starts, back to `from_char` and on by SNIPPET_CHARS.
    let first_byte = spans[best.0].0.min(folded.len());
    let from = match first - from_char {
        0 => first_byte,
        back => folded[..first_byte].char_indices().rev().nth(back - 1).map_or(0, |(i, _)| i),
    };
    let to = from + char_start(&folded[from..], SNIPPET_CHARS);
    (from, to, from_char > 0)
}

/// Where character `n` (counted from 0) of `text` starts, or the end of `text` when it has no
/// more than `n` characters: `char_indices().nth(n)`, with the bytes that start a character
/// counted a block at a time (a loop the compiler vectorizes) up to the block that holds it.
fn char_start(text: &str, n: usize) -> usize {
    let starts = |b: u8| (b as i8) >= -0x40;
    let bytes = text.as_bytes();
    let (mut at, mut seen) = (0, 0);
    for block in bytes.chunks(64) {
        let here = usize::from(block.iter().map(|&b| u8::from(starts(b))).sum::<u8>());
        if seen + here > n {
            break;
        }
        (at, seen) = (at + block.len(), seen + here);
    }
    bytes[at..].iter().enumerate().filter(|&(_, &b)| starts(b)).nth(n - seen).map_or(bytes.len(), |(i, _)| at + i)
}

/// HTML written with runs of whitespace as one space and none at either end, and without
/// zero-width characters, as [`crate::text::collapse_whitespace`] would leave it.
#[derive(Default)]
struct Collapsed {
    out: String,
    /// Whitespace came after the last character written.
    space: bool,
}

impl Collapsed {
    /// Markup without whitespace, as it is.
    fn markup(&mut self, markup: &str) {
        if std::mem::take(&mut self.space) {
            self.out.push(' ');
        }
        self.out.push_str(markup);
    }

    /// Text, escaped for HTML.
    ///
    /// A byte scan: ASCII whitespace and the five escaped characters are told by their byte,
    /// and only characters whose first byte may start a Unicode space or a zero-width
    /// character are decoded; everything else — nearly all Chinese text — is copied in runs
    /// as it is.
    fn text(&mut self, text: &str) {
        let bytes = text.as_bytes();
        // The run of text written as it is that ends at the next special character.
        let mut from = 0;
        let mut i = 0;
        // A character whose first byte is neither special nor may start a special character
        // is skipped whole, with one table read: a Chinese character is one step, not three.
        while i < bytes.len() {
            let b = bytes[i];
            let step = PLAIN_STEP[usize::from(b)];
            if step != 0 {
                i += usize::from(step);
                continue;
            }
            let (len, special) = match b {
                b'\t'..=b'\r' | b' ' => (1, Special::Space),
                b'&' | b'<' | b'>' | b'"' | b'\'' => (1, Special::Escaped(b)),
                // Chinese punctuation starts with these two (`。` is E3 80 82, `，` EF BC 8C),
                // and only U+3000 (E3 80 80) and U+FEFF (EF BB BF) among their characters
                // are special: told by their bytes, the others are not decoded.
                0xE3 if bytes.get(i + 1..i + 3) != Some(&[0x80, 0x80]) => (3, Special::None),
                0xEF if bytes.get(i + 1..i + 3) != Some(&[0xBB, 0xBF]) => (3, Special::None),
                _ => {
                    let c = text[i..].chars().next().unwrap_or_default();
                    let special = if crate::text::is_zero_width(c) {
                        Special::ZeroWidth
                    } else if c.is_whitespace() {
                        Special::Space
                    } else {
                        Special::None
                    };
                    (c.len_utf8(), special)
                }
            };
            if let Special::None = special {
                i += len;
                continue;
            }
            self.run(&text[from..i]);
            (i, from) = (i + len, i + len);
            match special {
                Special::Space => self.space = !self.out.is_empty(),
                Special::Escaped(b) => self.markup(match b {
                    b'&' => "&amp;",
                    b'<' => "&lt;",
                    b'>' => "&gt;",
                    b'"' => "&quot;",
                    _ => "&#39;",
                }),
                Special::ZeroWidth | Special::None => {}
            }
        }
        self.run(&text[from..]);
    }

    /// A run of characters written as they are, after the space owed before it.
    fn run(&mut self, run: &str) {
        if !run.is_empty() {
            self.markup(run);
        }
    }
}

/// The bytes [`Collapsed::text`] stops at: ASCII whitespace, the five characters HTML escapes,
/// and the first bytes of the characters other than ASCII that are whitespace (U+0085, U+00A0,
/// U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000) or zero-width (U+200B–U+200D,
/// U+2060, U+FEFF).
static MAY_BE_SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let bytes = *b"\t\n\x0b\x0c\r &<>\"'\xc2\xe1\xe2\xe3\xef";
    let mut i = 0;
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
};

/// By the first byte of a character: its length when [`MAY_BE_SPECIAL`] says it is written as
/// it is, else 0. (A continuation byte never starts a character; it has 1.)
static PLAIN_STEP: [u8; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = match b {
            _ if MAY_BE_SPECIAL[b] => 0,
            0..0xC0 => 1,
            0xC0..0xE0 => 2,
            0xE0..0xF0 => 3,
            _ => 4,
        };
        b += 1;
    }
    table
};

/// What [`Collapsed::text`] does with a character other than writing it as it is.
enum Special {
    None,
    Space,
    ZeroWidth,
    Escaped(u8),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> TopicsConfig {
        TopicsConfig { threshold: 1.0, min_distinct: 1, min_chars: 1 }
    }

    fn matcher() -> Matcher {
        Matcher::new(&[
            (vec![("外围技能".into(), 3.0), ("PRD".into(), 1.0), ("转型".into(), 1.0)], vec!["数字化转型".into()]),
            (vec![("B端".into(), 2.0), ("To B".into(), 2.0)], vec![]),
        ])
    }

    #[test]
    fn weights_are_summed_per_thousand_characters() {
        let text = fold("外围技能失效，PRD 也不再稀缺。");
        let scores = matcher().score(&text, &config());
        assert_eq!(scores.len(), 1);
        assert_eq!(scores[0].theme, 0);
        assert_eq!(scores[0].distinct, 2);
        let chars = text.chars().filter(|c| !c.is_whitespace()).count() as f64;
        assert!((scores[0].score - 4000.0 / chars).abs() < 1e-9);
    }

    #[test]
    fn latin_phrases_need_word_boundaries_and_ignore_case() {
        let m = matcher();
        assert!(m.score(&fold("An iPRDx tool"), &config()).is_empty());
        assert_eq!(m.score(&fold("写 prd 的人"), &config())[0].distinct, 1);
        assert_eq!(m.score(&fold("做 ＴＯ Ｂ 产品"), &config())[0].theme, 1, "full-width folds");
        assert!(m.score(&fold("to be or not"), &config()).is_empty());
    }

    #[test]
    fn a_longer_exclusion_hides_the_keyword_inside_it() {
        let m = matcher();
        assert!(m.score(&fold("企业的数字化转型"), &config()).is_empty());
        assert_eq!(m.score(&fold("个人的转型"), &config()).len(), 1);
    }

    #[test]
    fn short_sections_count_as_min_chars_long() {
        let m = matcher();
        let cfg = TopicsConfig { threshold: 1.0, min_distinct: 1, min_chars: 1000 };
        let scores = m.score(&fold("外围技能"), &cfg);
        assert!((scores[0].score - 3.0).abs() < 1e-9);
    }

    #[test]
    fn snippets_mark_matches_and_escape_text() {
        let text = fold("<b>开头</b>然后说到外围技能，还有PRD。");
        let scores = matcher().score(&text, &config());
        let html = snippet(&text, &scores[0].spans);
        assert_eq!(html, "&lt;b&gt;开头&lt;/b&gt;然后说到<mark>外围技能</mark>，还有<mark>PRD</mark>。");
    }

    #[test]
    fn long_snippets_are_cut_around_the_matches() {
        let raw = format!("{}外围技能与PRD{}", "前".repeat(300), "后".repeat(300));
        let text = fold(&raw);
        let scores = matcher().score(&text, &config());
        let html = snippet(&text, &scores[0].spans);
        assert!(html.starts_with('…') && html.ends_with('…'), "{html}");
        assert!(html.contains("<mark>外围技能</mark>与<mark>PRD</mark>"), "{html}");
        assert!(html.chars().count() < 160, "{html}");
    }

    #[test]
    fn fold_copies_only_text_that_changes() {
        assert!(matches!(fold("产品经理，写PRD。"), Cow::Borrowed(_)));
        assert_eq!(fold("做\u{3000}ＴＯ Ｂ，１２ｘ"), "做 TO B，12x");
        assert!(matches!(fold("全角标点，！"), Cow::Borrowed(_)), "only letters, digits and U+3000 fold");
    }

    #[test]
    fn scratch_reused_across_sections_scores_each_on_its_own() {
        let m = matcher();
        let mut scratch = Scratch::default();
        let mut scores = Vec::new();
        let texts = ["外围技能失效，PRD 也不再稀缺。", "B端 To B 外围技能", "无关的文字", "PRD PRD 外围技能 B端"];
        for text in texts.iter().chain(&texts) {
            let text = fold(text);
            m.score_into(&text, visible_chars(&text), &config(), &mut scratch, &mut scores);
            for score in &mut scores {
                assert!(score.spans.is_empty());
                score.spans = scratch.spans(score.theme).to_vec();
            }
            assert_eq!(scores, m.score(&text, &config()), "{text}");
        }
        let scores = m.score("PRD PRD 外围技能", &config());
        assert_eq!((scores[0].distinct, scores[0].spans.len()), (2, 3), "a phrase found twice is one phrase");
    }

    #[test]
    fn snippets_collapse_whitespace_and_drop_zero_width_characters() {
        let text = fold("  开头\n\n  说到 \u{200b}外围技能 ，\t还有 PRD  ");
        let scores = matcher().score(&text, &config());
        let html = snippet(&text, &scores[0].spans);
        assert_eq!(html, "开头 说到 <mark>外围技能</mark> ， 还有 <mark>PRD</mark>");
    }

    #[test]
    fn fold_finds_characters_to_fold_anywhere_in_long_text() {
        for at in [0, 1, 30, 31, 32, 33, 61, 62, 63, 64, 65, 100, 127, 128] {
            let text = format!("{}ＡＩ，中文\u{3000}", "产".repeat(at));
            assert_eq!(fold(&text), format!("{}AI，中文 ", "产".repeat(at)), "at {at}");
            let text = format!("{}ab，。", "x".repeat(at));
            assert!(matches!(fold(&text), Cow::Borrowed(_)), "at {at}");
        }
        assert!(matches!(fold("末尾，"), Cow::Borrowed(_)));
        assert_eq!(fold("末尾０"), "末尾0");
    }

    #[test]
    fn collapsed_text_in_pieces_is_the_collapsed_and_escaped_whole() {
        // Every character the scan tells apart, and neighbours of each special first byte.
        let alphabet: Vec<char> = "外围技能，。、「」ab1 \t\n\r\u{b}\u{c}&<>\"'\u{85}\u{a0}\u{1680}\u{2000}\u{200a}\
             \u{200b}\u{200d}\u{2028}\u{2029}\u{202f}\u{205f}\u{2060}\u{2061}\u{3000}\u{3001}\u{feff}\u{ff0c}\
             \u{a9}\u{1681}\u{2010}é"
            .chars()
            .collect();
        let mut rng = crate::text::TestRng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..3000 {
            let text: String = (0..rng.below(24)).map(|_| alphabet[rng.below(alphabet.len())]).collect();
            let mut html = Collapsed::default();
            let mut rest = text.as_str();
            while !rest.is_empty() {
                let cut = rest.char_indices().nth(rng.below(6)).map_or(rest.len(), |(i, _)| i);
                html.text(&rest[..cut]);
                rest = &rest[cut..];
            }
            assert_eq!(html.out, escape(&crate::text::collapse_whitespace(&text)), "{text:?}");
        }
    }

    #[test]
    fn the_walk_finds_what_aho_corasick_finds() {
        // Pieces that share prefixes and suffixes, so that longer and shorter phrases compete,
        // in both cases, and bytes that start the same UTF-8 sequences as the phrases' do.
        let alphabet = ["数", "字", "化", "转", "型", "a", "B", "b", "A", " ", "，", "Ｂ", "x"];
        let mut rng = crate::text::TestRng(0x2545_f491_4f6c_dd1d);
        for _ in 0..400 {
            let mut patterns: Vec<String> = Vec::new();
            for _ in 0..1 + rng.below(6) {
                let p: String = (0..1 + rng.below(4)).map(|_| alphabet[rng.below(alphabet.len())]).collect();
                // (Matcher keeps phrases distinct, as the builder needs them for equal results.)
                if !patterns.contains(&p) {
                    patterns.push(p);
                }
            }
            let dfa = automaton(&patterns);
            let reference = aho_corasick::AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .ascii_case_insensitive(true)
                .build(&patterns)
                .expect("small patterns");
            for _ in 0..20 {
                let text: String = (0..rng.below(30)).map(|_| alphabet[rng.below(alphabet.len())]).collect();
                let mut walked = Vec::new();
                leftmost_longest(&dfa, text.as_bytes(), |s, e, p| walked.push((s, e, p)));
                let expected: Vec<(usize, usize, usize)> =
                    reference.find_iter(&text).map(|m| (m.start(), m.end(), m.pattern().as_usize())).collect();
                assert_eq!(walked, expected, "{patterns:?} in {text:?}");
            }
        }
    }

    #[test]
    fn visible_characters_are_those_not_whitespace() {
        // Every whitespace character, and characters that share all but the last byte with one.
        let alphabet: Vec<char> =
            " \t\n\u{b}\u{c}\r\u{8}\u{e}\u{1f}!a外，。\u{85}\u{84}\u{a0}\u{a1}\u{1680}\u{1681}\u{180e}\u{2080}\
             \u{2000}\u{200a}\u{200b}\u{2028}\u{2029}\u{202a}\u{202f}\u{2030}\u{205f}\u{205e}\u{3000}\u{3001}"
                .chars()
                .collect();
        let mut rng = crate::text::TestRng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..3000 {
            // Long enough, now and then, to cross the 255-byte blocks.
            let len = if rng.below(10) == 0 { 200 + rng.below(400) } else { rng.below(12) };
            let text: String = (0..len).map(|_| alphabet[rng.below(alphabet.len())]).collect();
            assert_eq!(visible_chars(&text), text.chars().filter(|c| !c.is_whitespace()).count(), "{text:?}");
        }
    }

    #[test]
    fn fold_counted_folds_as_fold_does_and_counts_the_folded_text() {
        // Characters that fold (full-width letters and digits, U+3000), neighbours that do
        // not, whitespace and Chinese text, at every distance from the 255-byte blocks.
        let alphabet: Vec<char> = "ＡＺａｚ０９\u{3000}\u{3001}＠［｀｛ \t\n外，。a\u{a0}\u{2000}".chars().collect();
        let mut rng = crate::text::TestRng(0x2545_f491_4f6c_dd1d);
        for _ in 0..3000 {
            let len = if rng.below(10) == 0 { 200 + rng.below(400) } else { rng.below(12) };
            let text: String = (0..len).map(|_| alphabet[rng.below(alphabet.len())]).collect();
            let (folded, visible) = fold_counted(&text);
            assert_eq!(folded, fold(&text), "{text:?}");
            assert_eq!(matches!(folded, Cow::Borrowed(_)), matches!(fold(&text), Cow::Borrowed(_)), "{text:?}");
            assert_eq!(visible, folded.chars().filter(|c| !c.is_whitespace()).count(), "{text:?}");
        }
    }

    #[test]
    fn char_start_is_where_the_nth_character_starts() {
        let alphabet = ["a", "é", "外", "😀", " "];
        let mut rng = crate::text::TestRng(0x2545_f491_4f6c_dd1d);
        for _ in 0..2000 {
            let text: String = (0..rng.below(150)).map(|_| alphabet[rng.below(alphabet.len())]).collect();
            let n = rng.below(160);
            let expected = text.char_indices().nth(n).map_or(text.len(), |(i, _)| i);
            assert_eq!(char_start(&text, n), expected, "{n} in {text:?}");
        }
    }

    /// [`window`] with every match's exact character position.
    fn window_counted_exactly(folded: &str, spans: &[(usize, usize)]) -> (usize, usize, bool) {
        let starts: Vec<usize> = spans.iter().map(|&(s, _)| folded[..s].chars().count()).collect();
        let mut best = (0, 0);
        for i in 0..starts.len() {
            let run = starts[i..].iter().take_while(|&&s| s < starts[i] + SNIPPET_CHARS - 10).count();
            if run > best.1 {
                best = (i, run);
            }
        }
        let first = starts[best.0];
        let from_char = if first < 24 { 0 } else { first - 12 };
        let from = folded.char_indices().nth(from_char).map_or(folded.len(), |(i, _)| i);
        let to = folded[from..].char_indices().nth(SNIPPET_CHARS).map_or(folded.len(), |(i, _)| from + i);
        (from, to, from_char > 0)
    }

    #[test]
    fn capped_distances_choose_the_window_that_exact_ones_do() {
        let alphabet = ["外", "a", "，", " ", "😀", "é"];
        let mut rng = crate::text::TestRng(0x2545_f491_4f6c_dd1d);
        let mut many = 0;
        for _ in 0..3000 {
            let len = rng.below(1200);
            let chars: Vec<&str> = (0..len + 1).map(|_| alphabet[rng.below(alphabet.len())]).collect();
            let text: String = chars.concat();
            let offsets: Vec<usize> =
                chars.iter().scan(0, |at, c| Some(std::mem::replace(at, *at + c.len()))).collect();
            // Matches one or two characters long, now close together, now far apart, now
            // more than `window` keeps on the stack.
            let mut spans = Vec::new();
            let near = rng.below(2) == 0;
            let (most, steps): (usize, &[usize]) =
                if rng.below(2) == 0 { (12, &[0, 1, 5, 20, 95, 99, 100, 101, 300]) } else { (48, &[0, 1, 5, 20]) };
            let mut at = rng.below(if near { 30 } else { len + 1 });
            while at + 2 <= len && spans.len() < most {
                let end = at + 1 + rng.below(2);
                spans.push((offsets[at], offsets[end]));
                at = end + steps[rng.below(steps.len())];
            }
            if spans.is_empty() {
                continue;
            }
            assert_eq!(window(&text, &spans), window_counted_exactly(&text, &spans), "{spans:?} in {text:?}");
            many += usize::from(spans.len() > 32);
        }
        assert!(many > 0, "some cases have more matches than the window keeps on the stack");
    }

    #[test]
    fn snippet_text_is_escaped_between_runs() {
        let text = fold("a&b <i>'引号'\"x\"  外围技能 PRD");
        let scores = matcher().score(&text, &config());
        let html = snippet(&text, &scores[0].spans);
        assert_eq!(html, "a&amp;b &lt;i&gt;&#39;引号&#39;&quot;x&quot; <mark>外围技能</mark> <mark>PRD</mark>");
    }
}
