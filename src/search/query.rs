//! The reference query engine: the browser client's algorithm (`search.js`) run in Rust over
//! the written index files, for the tests and the benchmark.

use std::collections::{BTreeMap, HashMap};

use super::{
    Manifest, Run, STORED_CHARS, StoredDoc, doc_shard_path, is_latin, normalize, query_tokens, runs, token_shard_path,
};
use crate::text::escape_html as escape;

/// Sections of one page shown at most among the results.
const SECTIONS_PER_PAGE: usize = 2;
/// Characters of text in a snippet, and how many come before the first match.
const SNIPPET_CHARS: usize = 80;
const SNIPPET_LEAD: usize = 20;

/// Standard base64 (padding optional) to bytes, as the bitmaps of dense tokens are written.
pub fn decode_base64(text: &str) -> Vec<u8> {
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
                let bits = decode_base64(bitmap);
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
