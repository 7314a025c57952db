//! Full-text search without a server: a sharded bigram index written at build time under
//! `search/`, and a reference query engine over those files.
//!
//! The format is `notes/search-spec.md` (version 1), shared with the browser client
//! (`themes/default/static/search.js`): the same normalisation and the same tokens on both
//! sides, so Chinese matches by substring with no dictionary and no configuration. Each
//! section of an article, topic theme or glossary entry is one document. Token postings are
//! spread over `T` shards by FNV-1a of the token, documents over shards of `D`, so a query
//! fetches the manifest, one shard per query token and the doc shards of the hits it shows.
//! [`search`] runs the client's algorithm in Rust, for the tests and the benchmark.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::render::OutputFile;
use crate::site::Site;
use crate::text::escape_html as escape;

/// Format version written into the manifest.
const VERSION: u32 = 1;
/// Characters of section text stored per document.
const STORED_CHARS: usize = 2000;
/// Target size of a token shard (the spec allows 8–32 KB) and of a doc shard (4–8 KB).
const TOKEN_SHARD_BYTES: usize = 16 * 1024;
const DOC_SHARD_BYTES: usize = 6 * 1024;
/// Weight added to a token found in the page title, the section heading, a tag name.
const TITLE_BOOST: u32 = 10;
const HEADING_BOOST: u32 = 5;
const TAG_BOOST: u32 = 8;
/// Sections of one page shown at most among the results.
const SECTIONS_PER_PAGE: usize = 2;
/// Characters of text in a snippet, and how many come before the first match.
const SNIPPET_CHARS: usize = 80;
const SNIPPET_LEAD: usize = 20;
/// Parallel partitions of the postings while the index is assembled (a power of two).
const PARTITIONS: usize = 64;

/// Han, kana and hangul as the search format defines them. This is the spec's list, which
/// the JS client repeats; it is narrower than [`crate::text::is_cjk`] at the edges.
pub fn is_cjk(c: char) -> bool {
    // One definition for the whole tool (and mirrored in search.js).
    crate::text::is_cjk(c)
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

/// [`normalize`] with every run of whitespace made one space and the ends trimmed.
fn normalize_collapsed(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars().filter_map(fold_char) {
        if c.is_whitespace() {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
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

/// Calls `f` with every index-side token of normalised text: for a CJK run each character
/// and each adjacent pair, for a Latin word the word. Tokens are slices of `norm`.
fn each_token<'a>(norm: &'a str, mut f: impl FnMut(&'a str)) {
    for run in runs(norm) {
        match run {
            Run::Latin(word) => f(word),
            Run::Cjk(text) => {
                let mut chars = text.char_indices().peekable();
                while let Some((i, c)) = chars.next() {
                    let one = i + c.len_utf8();
                    f(&text[i..one]);
                    if let Some(&(_, next)) = chars.peek() {
                        f(&text[i..one + next.len_utf8()]);
                    }
                }
            }
        }
    }
}

/// Index-side tokens of `text`, in order and with repeats: every CJK character and adjacent
/// pair, every Latin word.
pub fn tokens(text: &str) -> Vec<String> {
    let norm = normalize(text);
    let mut out = Vec::new();
    each_token(&norm, |t| out.push(t.to_string()));
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
    let mut h: u32 = 0x811c_9dc5;
    for &b in s.as_bytes() {
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

/// A document being indexed: its stored form, and its distinct tokens as byte ranges of
/// `buf` (section text, title, heading, tag names, filter tokens) with their weights, ordered
/// by partition.
struct Indexed {
    stored: String,
    buf: String,
    terms: Vec<Term>,
}

#[derive(Clone, Copy)]
struct Term {
    start: u32,
    end: u32,
    hash: u32,
    weight: u8,
}

/// FNV-1a (64 bits) for the index's hash maps: their keys are short tokens, for which it is
/// several times faster than the default SipHash, and nothing here is attacker-timed.
#[derive(Default, Clone, Copy)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

/// (doc id, weight) pairs of one token, doc ids ascending.
type Postings = Vec<(u32, u8)>;

const IN_TITLE: u8 = 1;
const IN_HEADING: u8 = 2;
const IN_TAG: u8 = 4;
const FILTER: u8 = 8;

/// The documents of one page, indexed.
fn index_page(
    page: &crate::site::Page,
    url: &str,
    tags: &[u32],
    tag_names: &[String],
    themes: &[String],
) -> Vec<Indexed> {
    let title = page.title();
    let date = page.source.meta.date.map(|d| d.ymd()).unwrap_or_default();
    let mut tag_text = String::new();
    for &t in tags {
        tag_text.push_str(&normalize(&tag_names[t as usize]));
        tag_text.push('\n');
    }
    let mut filters = String::new();
    for &t in tags {
        let _ = writeln!(filters, "#t:{t}");
    }
    for slug in themes {
        let _ = writeln!(filters, "#m:{slug}");
    }
    let title_norm = normalize(title);
    page.rendered
        .sections
        .iter()
        .map(|section| {
            let body = normalize(&section.text);
            let heading = section.heading.as_deref().map(normalize).unwrap_or_default();
            let mut buf = String::with_capacity(
                body.len() + title_norm.len() + heading.len() + tag_text.len() + filters.len() + 5,
            );
            let mut parts = [(0, 0); 5];
            for (n, part) in [&body, &title_norm, &heading, &tag_text, &filters].into_iter().enumerate() {
                let start = buf.len();
                buf.push_str(part);
                parts[n] = (start, buf.len());
                buf.push('\n');
            }
            // token -> (start, end, body frequency, flags)
            let mut seen: FastMap<&str, (u32, u32, u32, u8)> =
                FastMap::with_capacity_and_hasher(body.len() / 2, Default::default());
            for (n, flag) in [(0, 0), (1, IN_TITLE), (2, IN_HEADING), (3, IN_TAG)] {
                let (from, to) = parts[n];
                each_token(&buf[from..to], |t| {
                    let start = (t.as_ptr() as usize - buf.as_ptr() as usize) as u32;
                    let entry = seen.entry(t).or_insert((start, start + t.len() as u32, 0, 0));
                    if flag == 0 {
                        entry.2 += 1;
                    } else {
                        entry.3 |= flag;
                    }
                });
            }
            let (from, to) = parts[4];
            for line in buf[from..to].lines() {
                let start = (line.as_ptr() as usize - buf.as_ptr() as usize) as u32;
                seen.entry(line).or_insert((start, start + line.len() as u32, 0, FILTER));
            }
            let mut terms: Vec<Term> = seen
                .into_iter()
                .map(|(token, (start, end, tf, flags))| {
                    let weight = if flags & FILTER != 0 {
                        0
                    } else {
                        let mut w = tf;
                        if flags & IN_TITLE != 0 {
                            w += TITLE_BOOST;
                        }
                        if flags & IN_HEADING != 0 {
                            w += HEADING_BOOST;
                        }
                        if flags & IN_TAG != 0 {
                            w += TAG_BOOST;
                        }
                        w.min(255) as u8
                    };
                    Term { start, end, hash: fnv1a32(token), weight }
                })
                .collect();
            terms.sort_unstable_by_key(|t| t.hash as usize & (PARTITIONS - 1));
            let link = match &section.id {
                Some(id) if section.heading.is_some() => format!("{url}#{id}"),
                _ => url.to_string(),
            };
            let x: String = normalize_collapsed(&section.text).chars().take(STORED_CHARS).collect();
            let stored = StoredDoc {
                u: link,
                t: title.to_string(),
                h: section.heading.clone(),
                x,
                g: tags.to_vec(),
                m: themes.to_vec(),
                d: date.clone(),
            };
            let stored = json_safe(serde_json::to_string(&stored).expect("a doc serialises"));
            Indexed { stored, buf, terms }
        })
        .collect()
}

/// Writes the search index of `site`: `search/index.json`, `search/t/<shard>.json` and
/// `search/d/<shard>.json`, as the spec describes.
pub fn build_index(site: &Site) -> Vec<OutputFile> {
    let tag_names: Vec<String> = site
        .taxonomies
        .iter()
        .find(|t| t.name() == "tags")
        .map(|t| t.terms.iter().map(|term| term.name.clone()).collect())
        .unwrap_or_default();
    let themes: Vec<ManifestTheme> = site
        .topics
        .iter()
        .map(|t| ManifestTheme { slug: t.slug.clone(), title: site.pages[t.page].title().to_string() })
        .collect();
    let pages: Vec<usize> = (0..site.pages.len()).filter(|&n| !site.pages[n].is_section()).collect();

    let docs: Vec<Indexed> = pages
        .par_iter()
        .flat_map_iter(|&n| {
            let page = &site.pages[n];
            let tags: Vec<u32> =
                page.terms.get("tags").map(|t| t.iter().map(|&i| i as u32).collect()).unwrap_or_default();
            let mut page_themes: Vec<String> = Vec::new();
            for link in &page.topics {
                let slug = &site.topics[link.topic].slug;
                if !page_themes.contains(slug) {
                    page_themes.push(slug.clone());
                }
            }
            index_page(page, &site.config.served_path(&page.path), &tags, &tag_names, &page_themes)
        })
        .collect();

    // A posting list longer than this many bytes is written as a bitmap instead.
    let bitmap_len = docs.len().div_ceil(8).div_ceil(3) * 4;
    // Postings per partition of the token hash, in parallel; doc ids ascend within each list
    // because documents are visited in order.
    let entries: Vec<(u32, String)> = (0..PARTITIONS)
        .into_par_iter()
        .flat_map_iter(|p| {
            let mut postings: FastMap<&str, (u32, Postings)> = FastMap::default();
            for (id, doc) in docs.iter().enumerate() {
                let from = doc.terms.partition_point(|t| (t.hash as usize & (PARTITIONS - 1)) < p);
                let to = doc.terms.partition_point(|t| (t.hash as usize & (PARTITIONS - 1)) <= p);
                for term in &doc.terms[from..to] {
                    let token = &doc.buf[term.start as usize..term.end as usize];
                    postings.entry(token).or_insert_with(|| (term.hash, Vec::new())).1.push((id as u32, term.weight));
                }
            }
            postings
                .into_iter()
                .map(|(token, (hash, list))| {
                    let mut entry = json_safe(serde_json::to_string(token).expect("a token serialises"));
                    entry.push(':');
                    if list.len() >= DENSE_MIN_DOCS && list.len() * DENSE_BYTES_PER_POSTING > bitmap_len {
                        // Dense: which documents hold the token as a bitmap, and the weights of
                        // only the strong postings (title, heading, tag, or frequent in the text).
                        let mut bits = vec![0u8; docs.len().div_ceil(8)];
                        for (doc, _) in &list {
                            bits[*doc as usize / 8] |= 1 << (doc % 8);
                        }
                        entry.push_str("{\"b\":\"");
                        entry.push_str(&base64(&bits));
                        entry.push_str("\",\"h\":");
                        // Only the heaviest strong postings keep their weight: enough to rank the
                        // first pages of results, and a common token stays a few kilobytes.
                        let mut strong: Vec<(u32, u8)> = list.iter().copied().filter(|(_, w)| *w >= STRONG).collect();
                        if strong.len() > STRONG_KEPT {
                            strong.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                            strong.truncate(STRONG_KEPT);
                            strong.sort_unstable();
                        }
                        push_postings(&mut entry, &strong);
                        entry.push('}');
                    } else {
                        push_postings(&mut entry, &list);
                    }
                    (hash, entry)
                })
                .collect::<Vec<_>>()
        })
        .collect();

    let total: usize = entries.iter().map(|(_, e)| e.len() + 1).sum();
    let token_shards = total.div_ceil(TOKEN_SHARD_BYTES).max(1).next_power_of_two() as u32;
    let mut by_shard: Vec<Vec<&str>> = vec![Vec::new(); token_shards as usize];
    for (hash, entry) in &entries {
        by_shard[(hash & (token_shards - 1)) as usize].push(entry);
    }
    let mut files: Vec<OutputFile> = by_shard
        .into_par_iter()
        .enumerate()
        .map(|(n, mut list)| {
            list.sort_unstable();
            let mut text = String::with_capacity(list.iter().map(|e| e.len() + 1).sum::<usize>() + 2);
            text.push('{');
            text.push_str(&list.join(","));
            text.push('}');
            OutputFile { path: format!("search/t/{n:x}.json"), bytes: text.into_bytes().into() }
        })
        .collect();

    let doc_bytes: usize = docs.iter().map(|d| d.stored.len() + 1).sum();
    let doc_shard_size = if docs.is_empty() { 1 } else { (DOC_SHARD_BYTES * docs.len() / doc_bytes).max(1) };
    for (n, chunk) in docs.chunks(doc_shard_size).enumerate() {
        let mut text = String::from("[");
        for (i, doc) in chunk.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&doc.stored);
        }
        text.push(']');
        files.push(OutputFile { path: format!("search/d/{n}.json"), bytes: text.into_bytes().into() });
    }

    let manifest = Manifest {
        version: VERSION,
        docs: docs.len() as u32,
        token_shards,
        doc_shard_size: doc_shard_size as u32,
        tags: tag_names,
        themes,
    };
    let manifest = json_safe(serde_json::to_string(&manifest).expect("the manifest serialises"));
    files.insert(0, OutputFile { path: "search/index.json".to_string(), bytes: manifest.into_bytes().into() });
    files
}

/// Bytes a posting takes in a list (`,123,4` on average), to choose between list and bitmap.
const DENSE_BYTES_PER_POSTING: usize = 5;
/// Tokens in fewer documents always keep their full list (small sites never use bitmaps).
const DENSE_MIN_DOCS: usize = 256;
/// In a dense token, postings at least this heavy keep their weight (the rest count 1)...
const STRONG: u8 = 5;
/// ...the heaviest of them, at most this many.
const STRONG_KEPT: usize = 256;

/// `[d0,w0,d1,w1,...]` with doc ids delta-encoded.
fn push_postings(entry: &mut String, list: &[(u32, u8)]) {
    entry.push('[');
    let mut last = 0;
    for (n, (doc, weight)) in list.iter().enumerate() {
        if n > 0 {
            entry.push(',');
        }
        push_number(entry, doc - last);
        entry.push(',');
        push_number(entry, u32::from(*weight));
        last = *doc;
    }
    entry.push(']');
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(chunk.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(chunk.get(2).copied().unwrap_or(0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn unbase64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let digits: Vec<u8> = text.bytes().filter(|&c| c != b'=').map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &d)| acc | (u32::from(d) << (18 - 6 * i)));
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    out
}

/// Appends the decimal digits of `n` (faster than `write!` for millions of postings).
fn push_number(out: &mut String, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&digits[at..]).expect("digits are ASCII"));
}

/// JSON with `<`, `>` and `&` written as `\u` escapes (they only occur inside strings), so
/// that no search file holds markup even when something serves it as HTML.
fn json_safe(json: String) -> String {
    if !json.contains(['<', '>', '&']) {
        return json;
    }
    json.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The page URL, with `#anchor` for a section.
    pub url: String,
    pub title: String,
    pub heading: Option<String>,
    /// HTML: escaped text around the first match, matches in `<mark>`.
    pub snippet_html: String,
}

/// Fetches and parses the index files a query needs, each once, remembering the order.
struct Fetcher<'a> {
    files: &'a dyn Fn(&str) -> Option<Vec<u8>>,
    fetched: Vec<String>,
    token_shards: BTreeMap<String, Option<HashMap<String, serde_json::Value>>>,
    doc_shards: BTreeMap<String, Option<Vec<StoredDoc>>>,
}

impl Fetcher<'_> {
    fn get(&mut self, path: &str) -> Option<Vec<u8>> {
        self.fetched.push(path.to_string());
        (self.files)(path)
    }

    fn postings(&mut self, token: &str, shards: u32) -> Vec<(u32, u32)> {
        let path = token_shard_path(token, shards);
        if !self.token_shards.contains_key(&path) {
            let parsed = self.get(&path).and_then(|b| serde_json::from_slice(&b).ok());
            self.token_shards.insert(path.clone(), parsed);
        }
        let Some(entry) = self.token_shards[&path].as_ref().and_then(|s| s.get(token)) else { return Vec::new() };
        let decode = |list: &serde_json::Value| -> Vec<(u32, u32)> {
            let numbers: Vec<u64> = list.as_array().into_iter().flatten().filter_map(|n| n.as_u64()).collect();
            let mut doc = 0u64;
            numbers
                .chunks(2)
                .map(|pair| {
                    doc += pair[0];
                    (doc as u32, pair.get(1).copied().unwrap_or(0) as u32)
                })
                .collect()
        };
        match entry.get("b").and_then(|b| b.as_str()) {
            None => decode(entry),
            Some(bitmap) => {
                let strong: HashMap<u32, u32> = decode(&entry["h"]).into_iter().collect();
                let bits = unbase64(bitmap);
                (0..bits.len() as u32 * 8)
                    .filter(|d| bits[*d as usize / 8] & (1 << (d % 8)) != 0)
                    .map(|d| (d, strong.get(&d).copied().unwrap_or(1)))
                    .collect()
            }
        }
    }

    fn doc(&mut self, id: u32, shard_size: u32) -> Option<StoredDoc> {
        let path = doc_shard_path(id, shard_size);
        if !self.doc_shards.contains_key(&path) {
            let parsed = self.get(&path).and_then(|b| serde_json::from_slice(&b).ok());
            self.doc_shards.insert(path.clone(), parsed);
        }
        self.doc_shards[&path].as_ref()?.get((id % shard_size) as usize).cloned()
    }
}

/// The reference query engine: the browser client's algorithm over the written files.
/// `files` maps an output path (`search/index.json`) to its bytes. Returns at most `limit`
/// hits, best first with at most two sections of a page (kept together), and the paths
/// fetched, in order. `tag` is a tag name, `theme` a theme slug; unknown ones match nothing.
pub fn search(
    files: &dyn Fn(&str) -> Option<Vec<u8>>,
    query: &str,
    tag: Option<&str>,
    theme: Option<&str>,
    limit: usize,
) -> (Vec<Hit>, Vec<String>) {
    let mut fetcher =
        Fetcher { files, fetched: Vec::new(), token_shards: BTreeMap::new(), doc_shards: BTreeMap::new() };
    let Some(manifest) = fetcher.get("search/index.json").and_then(|b| serde_json::from_slice::<Manifest>(&b).ok())
    else {
        return (Vec::new(), fetcher.fetched);
    };
    let terms = query_tokens(query);
    if terms.is_empty() || limit == 0 || manifest.token_shards == 0 || manifest.doc_shard_size == 0 {
        return (Vec::new(), fetcher.fetched);
    }
    let mut filters = Vec::new();
    if let Some(tag) = tag {
        match manifest.tags.iter().position(|t| t == tag) {
            Some(n) => filters.push(format!("#t:{n}")),
            None => return (Vec::new(), fetcher.fetched),
        }
    }
    if let Some(theme) = theme {
        filters.push(format!("#m:{theme}"));
    }

    // AND the posting lists, summing weight × idf.
    let n = f64::from(manifest.docs.max(1));
    let mut scores: Option<HashMap<u32, f64>> = None;
    for token in terms.iter().chain(&filters) {
        let list = fetcher.postings(token, manifest.token_shards);
        let idf = (1.0 + n / list.len().max(1) as f64).ln();
        let next: HashMap<u32, f64> = match scores {
            None => list.iter().map(|&(d, w)| (d, f64::from(w) * idf)).collect(),
            Some(previous) => {
                list.iter().filter_map(|&(d, w)| previous.get(&d).map(|s| (d, s + f64::from(w) * idf))).collect()
            }
        };
        if next.is_empty() {
            return (Vec::new(), fetcher.fetched);
        }
        scores = Some(next);
    }
    let mut ranked: Vec<(u32, f64)> = scores.unwrap_or_default().into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));

    // Verify, group per page and stop once `limit` hits are shown.
    let pattern = Pattern::new(query);
    let mut groups: Vec<(String, Vec<Hit>)> = Vec::new();
    let mut shown = 0;
    for (id, _) in ranked {
        if shown >= limit {
            break;
        }
        let Some(doc) = fetcher.doc(id, manifest.doc_shard_size) else { continue };
        let tags: Vec<&str> = doc.g.iter().filter_map(|&g| manifest.tags.get(g as usize)).map(String::as_str).collect();
        if !pattern.matches(&doc, &tags) {
            continue;
        }
        let page = doc.u.split('#').next().unwrap_or_default().to_string();
        let hit = Hit { snippet_html: pattern.snippet(&doc.x), url: doc.u, title: doc.t, heading: doc.h };
        match groups.iter_mut().find(|(p, _)| *p == page) {
            Some((_, hits)) if hits.len() >= SECTIONS_PER_PAGE => continue,
            Some((_, hits)) => hits.push(hit),
            None => groups.push((page, vec![hit])),
        }
        shown += 1;
    }
    (groups.into_iter().flat_map(|(_, hits)| hits).collect(), fetcher.fetched)
}

/// What a shown document must contain: the query's CJK runs as substrings and its Latin
/// words as whole words.
struct Pattern {
    runs: Vec<String>,
    words: Vec<String>,
}

impl Pattern {
    fn new(query: &str) -> Pattern {
        let norm = normalize(query);
        let mut pattern = Pattern { runs: Vec::new(), words: Vec::new() };
        for run in runs(&norm) {
            match run {
                Run::Cjk(t) => pattern.runs.push(t.to_string()),
                Run::Latin(w) => pattern.words.push(w.to_string()),
            }
        }
        pattern
    }

    /// Checked against the normalised title, heading, tag names and stored text.
    fn matches(&self, doc: &StoredDoc, tags: &[&str]) -> bool {
        // Text cut at STORED_CHARS cannot disprove a match further on: the postings decide.
        if doc.x.chars().count() >= STORED_CHARS {
            return true;
        }
        let mut hay = normalize(&doc.t);
        for part in doc.h.iter().map(String::as_str).chain(tags.iter().copied()) {
            hay.push('\n');
            hay.push_str(&normalize(part));
        }
        hay.push('\n');
        hay.push_str(&doc.x);
        self.runs.iter().all(|r| hay.contains(r.as_str()))
            && self.words.iter().all(|w| !word_matches(&hay, w).is_empty())
    }

    /// Byte ranges of every match in `text`, sorted and merged.
    fn ranges(&self, text: &str) -> Vec<(usize, usize)> {
        let mut found: Vec<(usize, usize)> = Vec::new();
        for run in &self.runs {
            found.extend(text.match_indices(run.as_str()).map(|(i, m)| (i, i + m.len())));
        }
        for word in &self.words {
            found.extend(word_matches(text, word));
        }
        found.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (s, e) in found {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        merged
    }

    /// About 80 characters of `text` from a little before the first match, HTML-escaped,
    /// with every match in `<mark>`.
    fn snippet(&self, text: &str) -> String {
        let ranges = self.ranges(text);
        let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len())).collect();
        let chars = bounds.len() - 1;
        let first = ranges.first().map(|r| bounds.partition_point(|&b| b < r.0)).unwrap_or(0);
        let mut start = first.saturating_sub(SNIPPET_LEAD);
        let end = (start + SNIPPET_CHARS).min(chars);
        start = end.saturating_sub(SNIPPET_CHARS).min(start);
        let (from, to) = (bounds[start], bounds[end]);
        let mut out = String::new();
        if start > 0 {
            out.push('…');
        }
        let mut at = from;
        for &(s, e) in &ranges {
            let (s, e) = (s.max(from), e.min(to));
            if s >= e {
                continue;
            }
            out.push_str(&escape(&text[at..s]));
            out.push_str("<mark>");
            out.push_str(&escape(&text[s..e]));
            out.push_str("</mark>");
            at = e;
        }
        out.push_str(&escape(&text[at..to]));
        if end < chars {
            out.push('…');
        }
        out
    }
}

/// Byte ranges where `word` occurs in `text` as a whole Latin word.
fn word_matches(text: &str, word: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    text.match_indices(word)
        .map(|(i, _)| (i, i + word.len()))
        .filter(|&(s, e)| {
            let before = s == 0 || !is_latin(bytes[s - 1] as char);
            let after = e == bytes.len() || !is_latin(bytes[e] as char);
            before && after
        })
        .collect()
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
    fn snippet_marks_matches_and_escapes_the_rest() {
        let pattern = Pattern::new("段简 b");
        let text = "<b>一段简单</b> b & c";
        assert_eq!(
            pattern.snippet(text),
            "&lt;<mark>b</mark>&gt;一<mark>段简</mark>单&lt;/<mark>b</mark>&gt; <mark>b</mark> &amp; c"
        );
    }

    #[test]
    fn snippet_starts_a_little_before_a_late_match() {
        let text = format!("{}目标{}", "前".repeat(100), "后".repeat(100));
        let snippet = Pattern::new("目标").snippet(&text);
        assert!(snippet.starts_with(&format!("…{}<mark>目标</mark>", "前".repeat(20))), "{snippet}");
        assert!(snippet.ends_with('…'));
        assert_eq!(snippet.chars().count(), 2 + 80 + "<mark></mark>".len());
    }
}
