//! The `check` command: every problem `build` would report, without writing anything, plus the
//! checks a writer runs before publishing: orphan pages, tags used once that look like another
//! tag, images without alt text, articles without a description and, with `--external`, links
//! to other sites that no longer answer.
//!
//! It runs [`build_in_memory`] — the same stages as `build`, templates included, so template
//! errors show too — then the checks below over the finished [`Site`]. They run only here: a
//! build pays nothing for them. Problems are [`Diagnostic`] values; the binary prints them, or
//! [`CheckReport::to_json`] for `--format json`.

mod cache;
mod external;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::build::{BuildOptions, Built, build_in_memory};
use crate::diagnostics::{self, Diagnostic, Severity};
use crate::markdown::LinkKind;
use crate::site::{Site, term_key};

pub use external::{ExternalOptions, Outcome, default_cache_dir, request_url};

/// What the caller asks of a check.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The site, overrides and `strict`, as for a build (`output_dir` is only guarded, never
    /// written).
    pub build: BuildOptions,
    /// Also try every http(s) link and image, with these settings.
    pub external: Option<ExternalOptions>,
}

/// What a check found.
#[derive(Debug)]
pub struct CheckReport {
    /// Sorted by file, line and column.
    pub diagnostics: Vec<Diagnostic>,
    /// Pages (not sections) and sections checked; 0 when the configuration could not be read.
    pub pages: usize,
    pub sections: usize,
    /// Distinct external URLs found, when `--external` was asked.
    pub external_urls: Option<usize>,
}

impl CheckReport {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }

    /// Whether the check failed: any error, or under `strict` any warning.
    pub fn failed(&self, strict: bool) -> bool {
        self.errors() > 0 || (strict && !self.diagnostics.is_empty())
    }

    /// The report as one JSON document: `{"diagnostics": [{"severity", "file", "line",
    /// "column", "message", "help"}], "errors": n, "warnings": n}`. `line` and `column` are
    /// null when unknown (the problem concerns the whole file), `help` when there is none.
    pub fn to_json(&self) -> String {
        let known = |n: usize| if n == 0 { serde_json::Value::Null } else { n.into() };
        let diagnostics: Vec<serde_json::Value> = self
            .diagnostics
            .iter()
            .map(|d| {
                serde_json::json!({
                    "severity": match d.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                    },
                    "file": d.path.to_string_lossy().replace('\\', "/"),
                    "line": known(d.line),
                    "column": known(d.column),
                    "message": d.message,
                    "help": d.help,
                })
            })
            .collect();
        let document = serde_json::json!({
            "diagnostics": diagnostics,
            "errors": self.errors(),
            "warnings": self.warnings(),
        });
        serde_json::to_string_pretty(&document).expect("JSON values always serialise")
    }
}

/// Check the site at `options.build.root`. Never writes into the site or the output folder;
/// with `--external` it writes only its cache of link results (see [`ExternalOptions`]).
pub fn check(options: &CheckOptions) -> CheckReport {
    let Built { site, output: _, mut diagnostics, timings: _ } = match build_in_memory(&options.build) {
        Ok(built) => built,
        Err(failure) => {
            return CheckReport { diagnostics: failure.diagnostics, pages: 0, sections: 0, external_urls: None };
        }
    };
    diagnostics.extend(site_checks(&site));
    let external_urls = options.external.as_ref().map(|settings| {
        let (count, mut problems) = check_external(&site, settings);
        diagnostics.append(&mut problems);
        count
    });
    diagnostics::sort(&mut diagnostics);
    CheckReport {
        diagnostics,
        pages: site.articles().count(),
        sections: site.pages.iter().filter(|p| p.is_section()).count(),
        external_urls,
    }
}

/// The checks that need no network: orphans, lonely terms, alt text, descriptions.
pub fn site_checks(site: &Site) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    orphans(site, &mut out);
    lonely_terms(site, &mut out);
    missing_alt(site, &mut out);
    missing_descriptions(site, &mut out);
    out
}

/// Pages no reader can reach by following the site: nothing links to them, no section lists
/// them (they have no section above them), and no taxonomy term, topic theme or glossary
/// mention leads to them. The home page and the topic themes (always listed) are reached.
fn orphans(site: &Site, out: &mut Vec<Diagnostic>) {
    for (number, page) in site.pages.iter().enumerate() {
        let reached = site.home == Some(number)
            || page.parent.is_some()
            || !page.backlinks.is_empty()
            || page.terms.values().any(|terms| !terms.is_empty())
            || !page.topics.is_empty()
            || site.topics.iter().any(|t| t.page == number)
            || !page.mentioned_in.is_empty();
        if !reached {
            out.push(
                Diagnostic::warning(&page.source.display, 0, 0, "no page links here and no taxonomy reaches it")
                    .with_help("link to it from another page, give it tags, or move it into a section"),
            );
        }
    }
}

/// Terms used by a single page that look like another term of the same taxonomy: the same
/// ignoring case, width, spaces, `-` and `_`, or a typo away (see [`near`]).
///
/// Candidates come from an index of deletion variants rather than from comparing every pair:
/// two terms within the allowed distance both reach one string by deleting, each, at most
/// that many of their non-CJK characters (see [`deletion_hashes`]).
fn lonely_terms(site: &Site, out: &mut Vec<Diagnostic>) {
    for taxonomy in &site.taxonomies {
        let forms: Vec<Vec<char>> = taxonomy.terms.iter().map(|t| squash(&t.name)).collect();
        // Variant hash -> first entry; entries are (term, next entry) chains.
        let mut heads: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
        let mut chain: Vec<(usize, usize)> = Vec::new();
        for (j, form) in forms.iter().enumerate() {
            for hash in deletion_hashes(form) {
                let next = heads.insert(hash, chain.len()).unwrap_or(usize::MAX);
                chain.push((j, next));
            }
        }
        for (i, term) in taxonomy.terms.iter().enumerate() {
            let [page] = term.pages[..] else { continue };
            let mut candidates = Vec::new();
            for hash in deletion_hashes(&forms[i]) {
                let mut at = heads.get(&hash).copied().unwrap_or(usize::MAX);
                while let Some(&(j, next)) = chain.get(at) {
                    candidates.push(j);
                    at = next;
                }
            }
            candidates.sort_unstable();
            candidates.dedup();
            let best = candidates
                .into_iter()
                .filter(|&j| j != i)
                .filter_map(|j| {
                    let other = &taxonomy.terms[j];
                    let distance = near(&forms[i], &forms[j])?;
                    Some((distance, std::cmp::Reverse(other.pages.len()), other.name.as_str()))
                })
                .min();
            let Some((_, std::cmp::Reverse(count), suggestion)) = best else { continue };
            let source = &site.pages[page].source;
            let keys = [Some(taxonomy.name()), taxonomy.config.take_from.as_deref()];
            let spellings: Vec<&str> = std::iter::once(term.name.as_str())
                .chain(
                    keys.iter()
                        .flatten()
                        .filter_map(|key| source.meta.taxonomies.get(*key))
                        .flatten()
                        .filter(|written| crate::slug::slugify(written) == term.slug)
                        .map(String::as_str),
                )
                .collect();
            let path = site.config.content_dir().join(&source.rel);
            let keys: Vec<&str> = keys.into_iter().flatten().collect();
            let (line, column) = header_position(&path, source.body_line_offset, &keys, &spellings);
            let what = if taxonomy.name() == "tags" { "tag".to_string() } else { format!("{} term", taxonomy.name()) };
            let pages = if count == 1 { "1 page".to_string() } else { format!("{count} pages") };
            out.push(
                Diagnostic::warning(
                    &source.display,
                    line,
                    column,
                    format!("{what} `{}` is used by this page only", term.name),
                )
                .with_help(format!("did you mean `{suggestion}` (used by {pages})?")),
            );
        }
    }
}

/// What editing one CJK character costs: more than any allowed distance.
const CJK_EDIT: usize = 3;

/// A term as compared for near-duplicates: folded like [`term_key`], without spaces, `-`, `_`.
fn squash(term: &str) -> Vec<char> {
    term_key(term).chars().filter(|c| !c.is_whitespace() && !matches!(c, '-' | '_')).collect()
}

/// Hashes of `form` and of every form made from it by deleting up to [`allowed`] of its
/// non-CJK characters (CJK characters are never edited, see [`near`]). If two forms are near,
/// an edit path between them only touches non-CJK characters, and undoing each edit takes at
/// most one deletion on each side (a swap: delete the same character from both), so the two
/// share a hash. A collision of unrelated forms only adds a candidate that `near` rejects.
/// Polynomial hashes of prefixes and segments make each variant O(1), without building it.
fn deletion_hashes(form: &[char]) -> Vec<u64> {
    const BASE: u64 = 0x0000_0100_0000_01b3;
    let n = form.len();
    let budget = allowed(n);
    let mut prefix = vec![0u64; n + 1];
    let mut power = vec![1u64; n + 1];
    for (i, &c) in form.iter().enumerate() {
        prefix[i + 1] = prefix[i].wrapping_mul(BASE).wrapping_add(u64::from(c) + 1);
        power[i + 1] = power[i].wrapping_mul(BASE);
    }
    // Hash of form[from..to], and of `a` followed by a segment of `len` characters hashing `b`.
    let segment = |from: usize, to: usize| prefix[to].wrapping_sub(prefix[from].wrapping_mul(power[to - from]));
    let join = |a: u64, b: u64, len: usize| a.wrapping_mul(power[len]).wrapping_add(b);
    let keyed = |hash: u64, len: usize| hash ^ ((len as u64) << 56);
    let deletable: Vec<usize> = (0..n).filter(|&i| !crate::text::is_cjk(form[i])).collect();
    let mut out = vec![keyed(prefix[n], n)];
    if budget >= 1 {
        for (k, &p) in deletable.iter().enumerate() {
            out.push(keyed(join(prefix[p], segment(p + 1, n), n - p - 1), n - 1));
            if budget >= 2 {
                for &q in &deletable[k + 1..] {
                    let head = join(prefix[p], segment(p + 1, q), q - p - 1);
                    out.push(keyed(join(head, segment(q + 1, n), n - q - 1), n - 2));
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// How far apart two squashed terms may be when the shorter has `shorter` characters.
fn allowed(shorter: usize) -> usize {
    match shorter {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// The edit distance between two squashed terms when it is small enough to be a slip rather
/// than another word: 0 always; 1 when the shorter has at least 4 characters; 2 from 8.
/// Short terms need an exact match because one character changes their meaning (`To B` and
/// `To C`), and so does any edit of a CJK character, which is a word of its own (`竞品分析`
/// and `产品分析`). A swap of two neighbours counts as one edit.
fn near(a: &[char], b: &[char]) -> Option<usize> {
    let allowed = allowed(a.len().min(b.len()));
    if a.len().abs_diff(b.len()) > allowed {
        return None;
    }
    let distance = edit_distance(a, b, allowed);
    (distance <= allowed).then_some(distance)
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbouring characters each cost one, or [`CJK_EDIT`] when a CJK character is edited.
/// Distances above `limit` come out as `limit + 1`: only cells within `limit` of the diagonal
/// are computed, since reaching any other costs more than that.
fn edit_distance(a: &[char], b: &[char], limit: usize) -> usize {
    let over = limit + 1;
    let cost =
        |s: &[char]| -> Vec<usize> { s.iter().map(|&c| if crate::text::is_cjk(c) { CJK_EDIT } else { 1 }).collect() };
    let (ca, cb) = (cost(a), cost(b));
    let width = b.len() + 1;
    let mut d: Vec<usize> = vec![over; (a.len() + 1) * width];
    d[0] = 0;
    for j in 1..width.min(limit + 2) {
        d[j] = (d[j - 1] + cb[j - 1]).min(over);
    }
    for i in 1..=a.len() {
        if i <= limit {
            d[i * width] = (d[(i - 1) * width] + ca[i - 1]).min(over);
        }
        for j in i.saturating_sub(limit).max(1)..=(i + limit).min(b.len()) {
            let substitute = if a[i - 1] == b[j - 1] { 0 } else { ca[i - 1].max(cb[j - 1]) };
            let mut best = (d[(i - 1) * width + j] + ca[i - 1])
                .min(d[i * width + j - 1] + cb[j - 1])
                .min(d[(i - 1) * width + j - 1] + substitute);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && a[i - 1] != b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + ca[i - 1].max(cb[j - 1]));
            }
            d[i * width + j] = best.min(over);
        }
    }
    d[a.len() * width + b.len()]
}

/// Where a term is written: on the line naming its taxonomy (`tags:` in the front matter,
/// `**Tags:**` in a GitBook header), or in the YAML list items under it. Only the header is
/// searched (the first `header_lines` lines; the whole file when the page has no front matter);
/// (0, 0) when the file cannot be read or the term is not found there.
fn header_position(path: &Path, header_lines: usize, keys: &[&str], spellings: &[&str]) -> (usize, usize) {
    let Ok(text) = std::fs::read_to_string(path) else { return (0, 0) };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).replace("\r\n", "\n").replace('\r', "\n");
    let limit = if header_lines > 0 { header_lines } else { usize::MAX };
    let header: Vec<&str> = text.lines().take(limit).collect();
    let names_key = |line: &&str| {
        let line = line.to_lowercase();
        keys.iter().any(|key| line.contains(&format!("{key}:")))
    };
    for start in header.iter().enumerate().filter(|(_, line)| names_key(line)).map(|(n, _)| n) {
        let items = header[start + 1..].iter().take_while(|l| l.trim_start().starts_with("- ") || l.trim().is_empty());
        for (offset, line) in std::iter::once(&header[start]).chain(items).enumerate() {
            for spelling in spellings.iter().filter(|s| !s.is_empty()) {
                if let Some(at) = line.find(spelling) {
                    return (start + offset + 1, line[..at].chars().count() + 1);
                }
            }
        }
    }
    (0, 0)
}

/// Images, here and on other sites, whose description (the alt text) is empty.
fn missing_alt(site: &Site, out: &mut Vec<Diagnostic>) {
    for page in &site.pages {
        let rendered = &page.rendered;
        let local = rendered
            .links
            .iter()
            .filter(|l| l.kind == LinkKind::Image && l.alt_empty)
            .map(|l| (&l.dest, l.line, l.column));
        let remote = rendered.external.iter().filter(|e| e.image && e.alt_empty).map(|e| (&e.url, e.line, e.column));
        for (src, line, column) in local.chain(remote) {
            out.push(
                Diagnostic::warning(&page.source.display, line, column, format!("image `{src}` has no alt text"))
                    .with_help(format!("describe it for readers who cannot see it: ![what it shows]({src})")),
            );
        }
    }
}

/// Articles (not sections, topic themes or glossary entries) without a description: listings,
/// feeds and search results then show the opening text cut short.
fn missing_descriptions(site: &Site, out: &mut Vec<Diagnostic>) {
    for (number, page) in site.pages.iter().enumerate() {
        let described = page.source.meta.description.as_deref().is_some_and(|d| !d.trim().is_empty());
        if site.is_article(number) && !described {
            out.push(Diagnostic::warning(&page.source.display, 0, 0, "article has no description").with_help(
                "add `description:` to the front matter (in a GitBook export, a `> summary` line after the \
                 header); listings, feeds and search results show it",
            ));
        }
    }
}

/// One place an external URL is written.
struct Occurrence<'a> {
    file: &'a Path,
    line: usize,
    column: usize,
    written: &'a str,
    image: bool,
}

/// Try every distinct http(s) URL of the site; returns how many there were and the problems.
fn check_external(site: &Site, settings: &ExternalOptions) -> (usize, Vec<Diagnostic>) {
    let mut by_url: BTreeMap<String, Vec<Occurrence>> = BTreeMap::new();
    for page in &site.pages {
        for link in &page.rendered.external {
            by_url.entry(request_url(&link.url)).or_default().push(Occurrence {
                file: &page.source.display,
                line: link.line,
                column: link.column,
                written: &link.url,
                image: link.image,
            });
        }
    }
    let urls: Vec<String> = by_url.keys().cloned().collect();
    let protected = [site.config.root.clone()];
    let results = external::check_urls(&urls, settings, &protected);
    let mut out = Vec::new();
    if let Some(problem) = results.cache_problem {
        out.push(problem);
    }
    let seconds = settings.timeout.as_secs_f64();
    let mut not_checked = 0;
    for (url, occurrences) in &by_url {
        let problem = match results.outcomes.get(url) {
            // 429 Too Many Requests says the server is there but busy: not a broken link.
            Some(Outcome::Status(status)) if *status < 400 || *status == 429 => continue,
            Some(Outcome::Status(status)) => format!("answered {}", external::status_text(*status)),
            _ if results.network_down => {
                not_checked += 1;
                continue;
            }
            None => continue,
            Some(Outcome::TimedOut) => format!("did not answer within {seconds} s"),
            Some(Outcome::Unreachable(why)) => format!("could not be reached: {why}"),
            Some(Outcome::Failed(why)) => format!("could not be checked: {why}"),
        };
        for at in occurrences {
            let what = if at.image { "external image" } else { "external link" };
            let broken = matches!(results.outcomes.get(url), Some(Outcome::Status(_)));
            let message = if broken {
                format!("broken {what}: `{}` {problem}", at.written)
            } else {
                format!("{what} `{}` {problem}", at.written)
            };
            out.push(Diagnostic::warning(at.file, at.line, at.column, message));
        }
    }
    if results.network_down && not_checked > 0 {
        let links = if not_checked == 1 { "link" } else { "links" };
        let mut problem = Diagnostic::warning(
            PathBuf::from("content"),
            0,
            0,
            format!("network unreachable: {not_checked} external {links} not checked"),
        );
        if let Some(why) = &results.first_failure {
            problem =
                problem.with_help(format!("could not reach {why}; check the connection (or proxy) and run again"));
        }
        out.push(problem);
    }
    (urls.len(), out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near_str(a: &str, b: &str) -> Option<usize> {
        near(&squash(a), &squash(b))
    }

    #[test]
    fn terms_equal_but_for_case_width_and_spacing_are_near() {
        assert_eq!(near_str("ToB", "To B"), Some(0));
        assert_eq!(near_str("ＴＯ　Ｂ", "to-b"), Some(0));
        assert_eq!(near_str("AI 产品经理", "AI产品经理"), Some(0));
    }

    #[test]
    fn short_terms_must_match_exactly() {
        assert_eq!(near_str("To B", "To C"), None);
        assert_eq!(near_str("中级", "高级"), None);
        assert_eq!(near_str("大模型", "小模型"), None);
    }

    #[test]
    fn an_edited_cjk_character_is_another_word() {
        assert_eq!(near_str("竞品分析", "产品分析"), None);
        assert_eq!(near_str("用户研究", "用户体验"), None);
        assert_eq!(near_str("AI产品经理", "AI产品"), None);
        // Latin slips inside a CJK term still count.
        assert_eq!(near_str("Al产品经理", "AI产品经理"), Some(1));
        assert_eq!(near_str("SaaS产品", "Saas 产品"), Some(0));
    }

    #[test]
    fn longer_terms_allow_slips() {
        assert_eq!(near_str("ChatGTP", "ChatGPT"), Some(1), "a swap is one edit");
        assert_eq!(near_str("product managment", "product management"), Some(1));
        assert_eq!(near_str("prodct managment", "product management"), Some(2));
        assert_eq!(near_str("prdct managment", "product management"), None);
    }

    #[test]
    fn deletion_variants_find_every_near_pair() {
        let terms = ["To B", "ToB", "ChatGPT", "ChatGTP", "product management", "prodct managment", "Al产品经理"];
        let also = ["AI产品经理", "To C", "竞品分析", "产品分析", "xyz"];
        let all: Vec<Vec<char>> = terms.iter().chain(&also).map(|t| squash(t)).collect();
        for a in &all {
            for b in &all {
                let shared = deletion_hashes(a).iter().any(|h| deletion_hashes(b).contains(h));
                if near(a, b).is_some() {
                    assert!(shared, "{a:?} and {b:?} are near but share no variant");
                }
            }
        }
        assert_eq!(deletion_hashes(&squash("AI产品经理")).len(), 3, "CJK characters are never deleted");
        assert_eq!(deletion_hashes(&squash("abc")).len(), 1, "short forms must match exactly");
        assert_eq!(deletion_hashes(&squash("abcd")).len(), 5);
        assert_eq!(deletion_hashes(&squash("abcdefgh")).len(), 1 + 8 + 28);
        assert_eq!(deletion_hashes(&squash("aab")).len(), 1);
        assert_eq!(deletion_hashes(&squash("aabb")).len(), 3, "deleting either `a` gives one form");
    }

    #[test]
    fn edit_distance_counts_characters_not_bytes_and_cjk_edits_dearly() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(edit_distance(&chars("Al经理"), &chars("AI经理"), 9), 1);
        assert_eq!(edit_distance(&chars("经理"), &chars("经历"), 9), CJK_EDIT);
        assert_eq!(edit_distance(&chars(""), &chars("abc"), 9), 3);
        assert_eq!(edit_distance(&chars("abcd"), &chars("badc"), 9), 2);
        assert_eq!(edit_distance(&chars("kitten"), &chars("sitting"), 9), 3);
        // Past the limit the answer is only "more than the limit".
        assert_eq!(edit_distance(&chars("kitten"), &chars("sitting"), 1), 2);
        assert_eq!(edit_distance(&chars("abcdef"), &chars("ab"), 2), 3);
    }

    #[test]
    fn json_has_the_documented_shape() {
        let report = CheckReport {
            diagnostics: vec![
                Diagnostic::error("content/a.md", 3, 7, "broken link").with_help("fix it"),
                Diagnostic::warning("content/b.md", 0, 0, "article has no description"),
            ],
            pages: 2,
            sections: 0,
            external_urls: None,
        };
        let value: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "diagnostics": [
                    {"severity": "error", "file": "content/a.md", "line": 3, "column": 7,
                     "message": "broken link", "help": "fix it"},
                    {"severity": "warning", "file": "content/b.md", "line": null, "column": null,
                     "message": "article has no description", "help": null},
                ],
                "errors": 1,
                "warnings": 1,
            })
        );
        assert!(report.failed(false));
    }
}
