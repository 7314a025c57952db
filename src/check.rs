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
fn lonely_terms(site: &Site, out: &mut Vec<Diagnostic>) {
    for taxonomy in &site.taxonomies {
        let forms: Vec<Vec<char>> = taxonomy.terms.iter().map(|t| squash(&t.name)).collect();
        for (i, term) in taxonomy.terms.iter().enumerate() {
            let [page] = term.pages[..] else { continue };
            let best = taxonomy
                .terms
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .filter_map(|(j, other)| {
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

/// A term as compared for near-duplicates: folded like [`term_key`], without spaces, `-`, `_`.
/// What editing one CJK character costs: more than any allowed distance.
const CJK_EDIT: usize = 3;

fn squash(term: &str) -> Vec<char> {
    term_key(term).chars().filter(|c| !c.is_whitespace() && !matches!(c, '-' | '_')).collect()
}

/// The edit distance between two squashed terms when it is small enough to be a slip rather
/// than another word: 0 always; 1 when the shorter has at least 4 characters; 2 from 8.
/// Short terms need an exact match because one character changes their meaning (`To B` and
/// `To C`), and so does any edit of a CJK character, which is a word of its own (`竞品分析`
/// and `产品分析`). A swap of two neighbours counts as one edit.
fn near(a: &[char], b: &[char]) -> Option<usize> {
    let shorter = a.len().min(b.len());
    let allowed = match shorter {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    };
    if a.len().abs_diff(b.len()) > allowed {
        return None;
    }
    let distance = edit_distance(a, b);
    (distance <= allowed).then_some(distance)
}

/// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbouring characters each cost one, or [`CJK_EDIT`] when a CJK character is edited.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let edit = |c: char| if crate::text::is_cjk(c) { CJK_EDIT } else { 1 };
    let width = b.len() + 1;
    let mut d: Vec<usize> = vec![0; (a.len() + 1) * width];
    for j in 1..width {
        d[j] = d[j - 1] + edit(b[j - 1]);
    }
    for i in 1..=a.len() {
        d[i * width] = d[(i - 1) * width] + edit(a[i - 1]);
        for j in 1..=b.len() {
            let (x, y) = (a[i - 1], b[j - 1]);
            let substitute = if x == y { 0 } else { edit(x).max(edit(y)) };
            let mut best = (d[(i - 1) * width + j] + edit(x))
                .min(d[i * width + j - 1] + edit(y))
                .min(d[(i - 1) * width + j - 1] + substitute);
            if i > 1 && j > 1 && x == b[j - 2] && a[i - 2] == y && x != y {
                best = best.min(d[(i - 2) * width + j - 2] + edit(x).max(edit(y)));
            }
            d[i * width + j] = best;
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
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).replace("\r\n", "\n");
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
    fn edit_distance_counts_characters_not_bytes_and_cjk_edits_dearly() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(edit_distance(&chars("Al经理"), &chars("AI经理")), 1);
        assert_eq!(edit_distance(&chars("经理"), &chars("经历")), CJK_EDIT);
        assert_eq!(edit_distance(&chars(""), &chars("abc")), 3);
        assert_eq!(edit_distance(&chars("abcd"), &chars("badc")), 2);
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
