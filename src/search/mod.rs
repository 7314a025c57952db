//! Full-text search without a server: a sharded bigram index written at build time under
//! `search/`, and a reference query engine over those files.
//!
//! The format is `docs/search-format.md` (version 1), shared with the browser client
//! (`themes/default/static/search.js`): the same normalisation and the same tokens on both
//! sides, so Chinese matches by substring with no dictionary and no configuration. Each
//! section of an article, topic theme or glossary entry is one document. Token postings are
//! spread over `T` shards by FNV-1a of the token, documents over shards of `D`, so a query
//! fetches the manifest, one shard per query token and the doc shards of the hits it shows.
//! [`build_index`] (in `index`) writes the files; [`search`] (in `query`) runs the client's
//! algorithm in Rust over them, for the tests and the benchmark.

use serde::{Deserialize, Serialize};

mod index;
mod query;

pub use index::{build_index, write_index};
pub use query::{Hit, decode_base64, search};

/// Format version written into the manifest.
const VERSION: u32 = 1;
/// Characters of section text stored per document.
const STORED_CHARS: usize = 2000;

/// Han, kana and hangul as the search format defines them: exactly [`crate::text::is_cjk`],
/// which the JS client repeats as `isCjk`.
pub fn is_cjk(c: char) -> bool {
    // One definition for the whole tool (and mirrored in search.js); the common Han block
    // first, as nearly every character the indexer meets is in it.
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || crate::text::is_cjk(c)
}

/// One character after normalisation, or None when it is dropped.
fn fold_char(c: char) -> Option<char> {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).map(|c| c.to_ascii_lowercase()),
        '\u{3000}' | '\u{A0}' => Some(' '),
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => None,
        _ => Some(c.to_ascii_lowercase()),
    }
}

/// The spec's normalisation: full-width ASCII and the ideographic space folded to ASCII,
/// ASCII lowercased, zero-width characters removed, NBSP to a space. Nothing else changes.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    out.extend(text.chars().filter_map(fold_char));
    out
}

fn is_latin(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// A run of one kind in normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run<'a> {
    Cjk(&'a str),
    Latin(&'a str),
}

/// The CJK runs and Latin words of normalised text, in order.
fn runs(norm: &str) -> impl Iterator<Item = Run<'_>> {
    let mut rest = norm.char_indices().peekable();
    std::iter::from_fn(move || {
        loop {
            let (start, c) = rest.next()?;
            let kind: fn(char) -> bool = if is_cjk(c) {
                is_cjk
            } else if is_latin(c) {
                is_latin
            } else {
                continue;
            };
            let mut end = start + c.len_utf8();
            while let Some(&(i, next)) = rest.peek() {
                if !kind(next) {
                    break;
                }
                end = i + next.len_utf8();
                rest.next();
            }
            let text = &norm[start..end];
            return Some(if is_cjk(c) { Run::Cjk(text) } else { Run::Latin(text) });
        }
    })
}

/// One index-side token of normalised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    /// A CJK character.
    One(char),
    /// Two adjacent CJK characters.
    Pair(char, char),
    /// A Latin word.
    Word(&'a str),
}

impl Token<'_> {
    fn push_to(self, out: &mut String) {
        match self {
            Token::One(c) => out.push(c),
            Token::Pair(a, b) => {
                out.push(a);
                out.push(b);
            }
            Token::Word(w) => out.push_str(w),
        }
    }
}

/// Calls `f` with every index-side token of `text`, normalised on the way, in order: for a
/// CJK run each character and each adjacent pair (`产`, `产品`, `品`), for a Latin word the
/// word (held in `word`, a scratch buffer). One pass over the text and no allocation. The
/// indexer's own loop over the sections' text (`index::scan`) must find the same tokens.
fn each_token(text: &str, word: &mut String, mut f: impl FnMut(Token<'_>)) {
    word.clear();
    let mut previous: Option<char> = None;
    for c in text.chars() {
        // The common Han block first: nearly every character of a Chinese site, and one that
        // normalisation leaves alone.
        let c = if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
            c
        } else if c.is_ascii() {
            c.to_ascii_lowercase()
        } else {
            match fold_char(c) {
                Some(c) => c,
                None => continue,
            }
        };
        if is_latin(c) {
            previous = None;
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            f(Token::Word(word));
            word.clear();
        }
        if c.is_ascii() || !is_cjk(c) {
            previous = None;
            continue;
        }
        if let Some(p) = previous {
            f(Token::Pair(p, c));
        }
        f(Token::One(c));
        previous = Some(c);
    }
    if !word.is_empty() {
        f(Token::Word(word));
    }
}

/// Index-side tokens of `text`, in order and with repeats: every CJK character and adjacent
/// pair, every Latin word.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    each_token(text, &mut String::new(), |t| {
        let mut s = String::new();
        t.push_to(&mut s);
        out.push(s);
    });
    out
}

/// Query-side tokens of `query`, each once: a one-character CJK run gives its character, a
/// longer run its adjacent pairs, a Latin word itself. A document must have all of them.
pub fn query_tokens(query: &str) -> Vec<String> {
    let norm = normalize(query);
    let mut out: Vec<String> = Vec::new();
    let mut push = |t: &str| {
        if !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    };
    for run in runs(&norm) {
        match run {
            Run::Latin(word) => push(word),
            Run::Cjk(text) => {
                let chars: Vec<(usize, char)> = text.char_indices().collect();
                if chars.len() == 1 {
                    push(text);
                }
                for pair in chars.windows(2) {
                    push(&text[pair[0].0..pair[1].0 + pair[1].1.len_utf8()]);
                }
            }
        }
    }
    out
}

/// FNV-1a, 32 bits, over the UTF-8 bytes of `s`.
pub fn fnv1a32(s: &str) -> u32 {
    fnv1a32_bytes(s.as_bytes())
}

/// [`fnv1a32`] of bytes (the indexer hashes its tokens' UTF-8 without making a `str` of it).
fn fnv1a32_bytes(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in bytes {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// Path of the token shard holding `token` when there are `shards` of them.
pub fn token_shard_path(token: &str, shards: u32) -> String {
    format!("search/t/{:x}.json", fnv1a32(token) & (shards - 1))
}

/// Path of the doc shard holding document `doc`.
pub fn doc_shard_path(doc: u32, shard_size: u32) -> String {
    format!("search/d/{}.json", doc / shard_size)
}

/// `search/index.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub version: u32,
    pub docs: u32,
    pub token_shards: u32,
    pub doc_shard_size: u32,
    pub tags: Vec<String>,
    pub themes: Vec<ManifestTheme>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ManifestTheme {
    pub slug: String,
    pub title: String,
}

/// One document as stored in a doc shard.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoredDoc {
    pub u: String,
    pub t: String,
    pub h: Option<String>,
    pub x: String,
    pub g: Vec<u32>,
    pub m: Vec<String>,
    pub d: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a32_matches_the_published_test_vectors() {
        assert_eq!(fnv1a32(""), 0x811c9dc5);
        assert_eq!(fnv1a32("a"), 0xe40c292c);
        assert_eq!(fnv1a32("foobar"), 0xbf9cf968);
    }

    #[test]
    fn tokens_of_mixed_text_are_in_reading_order() {
        assert_eq!(tokens("ＡＩ产品，ok"), ["ai", "产", "产品", "品", "ok"]);
        assert_eq!(tokens("a𠀀𠀁"), ["a", "𠀀", "𠀀𠀁", "𠀁"]);
        assert!(tokens(" ，。 ").is_empty());
    }
}
