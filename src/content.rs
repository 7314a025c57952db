//! Load: walk `content/`, read every file, and split each Markdown file into metadata and body.
//!
//! A file either starts with YAML front matter between `---` lines, or is a GitBook-style export
//! (a `# title` line and a `{% hint %}` block of bold metadata lines, see [`crate::gitbook`]), or
//! has neither (then the title comes from its first `# ` heading or its file name). All three
//! become the same [`PageMeta`]. The walk is sorted by file name, so the result is deterministic;
//! files are read and parsed in parallel. Problems are collected, never thrown: one bad file
//! does not hide the others.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Deserialize;

use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::gitbook::{self, Boilerplate};

/// Whether a Markdown file is a section's page or an ordinary page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `_index.md`, or a GitBook `README.md` in a folder without `_index.md`.
    Section,
    Page,
}

/// A date as the writer gave it, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub date: time::Date,
    /// Time of day and offset when the writer gave them.
    pub time: Option<(time::Time, time::UtcOffset)>,
}

impl Date {
    /// `2023-07-29`.
    pub fn ymd(&self) -> String {
        let d = self.date;
        format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
    }

    /// RFC 3339, as Atom and sitemaps want it; a bare date is midnight UTC.
    pub fn rfc3339(&self) -> String {
        let (t, offset) = self.time.unwrap_or((time::Time::MIDNIGHT, time::UtcOffset::UTC));
        // Digit by digit: every article's JSON-LD and feed entry carries one or two of these,
        // and `format!` cost ~3,500 instructions each.
        let two = |text: &mut String, n: u8| text.extend([char::from(b'0' + n / 10), char::from(b'0' + n % 10)]);
        let mut text = String::with_capacity(25);
        match self.date.year() {
            year @ 0..=9999 => {
                two(&mut text, (year / 100) as u8);
                two(&mut text, (year % 100) as u8);
            }
            year => text.push_str(&format!("{year:04}")),
        }
        for (separator, n) in [
            ('-', u8::from(self.date.month())),
            ('-', self.date.day()),
            ('T', t.hour()),
            (':', t.minute()),
            (':', t.second()),
        ] {
            text.push(separator);
            two(&mut text, n);
        }
        if offset == time::UtcOffset::UTC {
            text.push('Z');
        } else {
            let (h, m, _) = offset.as_hms();
            text.push(if offset.is_negative() { '-' } else { '+' });
            two(&mut text, h.unsigned_abs());
            text.push(':');
            two(&mut text, m.unsigned_abs());
        }
        text
    }

    /// A corrected spelling of a date written with one-digit months or days: `2023-7-9` →
    /// `2023-07-09`, when that is a real date.
    pub fn suggest(text: &str) -> Option<String> {
        let text = text.trim();
        let (day, rest) = match text.find(['T', ' ']) {
            Some(i) => (&text[..i], &text[i..]),
            None => (text, ""),
        };
        let parts: Vec<&str> = day.split(['-', '/', '.']).collect();
        if parts.len() != 3 || parts[0].len() != 4 || parts.iter().any(|p| p.is_empty() || p.len() > 2 && p.len() != 4)
        {
            return None;
        }
        let fixed = format!("{}-{:0>2}-{:0>2}{rest}", parts[0], parts[1], parts[2]);
        (fixed != text && Date::parse(&fixed).is_ok()).then_some(fixed)
    }

    /// Parse `2023-07-29`, `2023-07-29T08:00:00Z`, `2023-07-29T08:00:00+08:00` or `2023-07-29 08:00`.
    pub fn parse(text: &str) -> Result<Date, String> {
        let text = text.trim();
        let (day, rest) = match text.find(['T', ' ']) {
            Some(i) => (&text[..i], Some(text[i + 1..].trim())),
            None => (text, None),
        };
        let date = parse_ymd(day)?;
        let time = match rest {
            None | Some("") => None,
            Some(rest) => Some(parse_time(rest).ok_or_else(|| format!("invalid time of day in {text:?}"))?),
        };
        Ok(Date { date, time })
    }
}

fn parse_ymd(text: &str) -> Result<time::Date, String> {
    let parts: Vec<&str> = text.split('-').collect();
    let bad = || format!("invalid date {text:?}: expected YYYY-MM-DD");
    if parts.len() != 3
        || parts[0].len() != 4
        || !parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad());
    }
    if parts[1].len() != 2 || parts[2].len() != 2 {
        return Err(format!("invalid date {text:?}: expected YYYY-MM-DD"));
    }
    let year: i32 = parts[0].parse().map_err(|_| bad())?;
    let month: u8 = parts[1].parse().map_err(|_| bad())?;
    let day: u8 = parts[2].parse().map_err(|_| bad())?;
    let month = time::Month::try_from(month).map_err(|_| format!("invalid date {text:?}: no month {month}"))?;
    time::Date::from_calendar_date(year, month, day)
        .map_err(|_| format!("invalid date {text:?}: {month} has no day {day}"))
}

fn parse_time(text: &str) -> Option<(time::Time, time::UtcOffset)> {
    let (clock, offset) = if let Some(clock) = text.strip_suffix('Z') {
        (clock, time::UtcOffset::UTC)
    } else if let Some(i) = text.rfind(['+', '-']) {
        let (clock, zone) = text.split_at(i);
        let sign: i8 = if zone.starts_with('-') { -1 } else { 1 };
        let (h, m) = zone[1..].split_once(':').unwrap_or((&zone[1..], "0"));
        let offset = time::UtcOffset::from_hms(sign * h.parse::<i8>().ok()?, sign * m.parse::<i8>().ok()?, 0).ok()?;
        (clock, offset)
    } else {
        (text, time::UtcOffset::UTC)
    };
    let mut fields = clock.split(':');
    let hour: u8 = fields.next()?.parse().ok()?;
    let minute: u8 = fields.next()?.parse().ok()?;
    let second: u8 = match fields.next() {
        Some(s) => s.split('.').next()?.parse().ok()?,
        None => 0,
    };
    Some((time::Time::from_hms(hour, minute, second).ok()?, offset))
}

/// Where an imported article came from (GitBook exports), for the meta line and source link.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceInfo {
    pub original_url: Option<String>,
    pub views: Option<u64>,
    pub comments: Option<u64>,
    pub collects: Option<u64>,
    pub category: Option<String>,
}

/// Everything a page says about itself, whichever way it said it.
#[derive(Debug, Clone, Default)]
pub struct PageMeta {
    pub title: String,
    pub description: Option<String>,
    pub date: Option<Date>,
    pub updated: Option<Date>,
    pub draft: bool,
    pub slug: Option<String>,
    /// Taxonomy name to terms as written (`tags`, `authors`, `categories`, custom ones).
    pub taxonomies: BTreeMap<String, Vec<String>>,
    pub themes: Vec<String>,
    /// Where `themes:` is written (line, column of its value), for messages about it.
    pub themes_at: (usize, usize),
    pub weight: Option<i64>,
    pub aliases: Vec<String>,
    pub template: Option<String>,
    /// For sections: how their pages are sorted.
    pub sort_by: SortBy,
    pub paginate_by: Option<usize>,
    /// Author name to homepage, for authors whose export gave a link.
    pub author_urls: BTreeMap<String, String>,
    pub source: Option<SourceInfo>,
    pub extra: serde_json::Value,
    /// Topic-theme pages: keyword phrases with weights, and phrases that must not count.
    pub keywords: Vec<(String, f64)>,
    pub exclude: Vec<String>,
    /// Glossary pages: other names of the term (their `aliases:`, which are not URLs there).
    pub term_aliases: Vec<String>,
}

/// Glossary pages live in `content/glossary/`; their `aliases` name the term, not old URLs.
pub fn is_glossary_page(rel: &str) -> bool {
    rel.starts_with("glossary/") && !rel.ends_with("/_index.md")
}

/// Topic-theme pages live in `content/themes/`.
pub fn is_topic_page(rel: &str) -> bool {
    rel.starts_with("themes/") && !rel.ends_with("/_index.md")
}

/// One entry of a topic theme's `keywords:` list: a phrase, or a phrase with a weight.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum KeywordSpec {
    Phrase(String),
    Weighted(WeightedKeyword),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct WeightedKeyword {
    phrase: String,
    #[serde(default = "one")]
    weight: f64,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    #[default]
    Date,
    Weight,
    Title,
}

/// A Markdown file of `content/`, read and split.
#[derive(Debug, Clone)]
pub struct SourcePage {
    pub kind: Kind,
    /// Path under `content/`, with `/` separators: `articles/pmd/2023/07/5876318.md`.
    pub rel: String,
    /// The path shown in messages: `content/articles/....md`.
    pub display: PathBuf,
    pub meta: PageMeta,
    /// The Markdown body; line `n` of `body` is line `n + body_line_offset` of the file. In the
    /// site model of a one-off build it is emptied once rendered (see `site::Cache`).
    pub body: String,
    pub body_line_offset: usize,
    /// What the GitBook reader removed (rule name, line), for reports.
    pub removed: Vec<(String, usize)>,
}

/// A file that is not Markdown, copied as it is.
#[derive(Debug, Clone)]
pub struct Asset {
    pub rel: String,
    pub path: PathBuf,
}

/// The whole of `content/`.
#[derive(Debug, Default)]
pub struct Content {
    pub pages: Vec<SourcePage>,
    pub assets: Vec<Asset>,
    /// `SUMMARY.md` files: folder (relative, `` for the root) to the ordered page paths they list.
    pub summaries: BTreeMap<String, Vec<String>>,
}

/// Files an editor or the system leaves behind, never content.
pub fn is_ignored(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || (name.starts_with('#') && name.ends_with('#'))
}

/// Parsed files kept between builds, keyed by path, valid while size, modification time and
/// kind (a `README.md` is a section only without an `_index.md` beside it) are unchanged.
#[derive(Default)]
pub struct FileCache {
    files: std::collections::HashMap<PathBuf, CachedFile>,
    /// Whether another load will follow (`serve`); a one-off build keeps nothing.
    pub keep: bool,
}

struct CachedFile {
    len: u64,
    modified: std::time::SystemTime,
    kind: Kind,
    page: SourcePage,
    problems: Vec<Diagnostic>,
}

/// Size and modification time of a file; the size also mixes in the inode on Unix, so that an
/// editor's save-by-rename is seen even within one clock tick.
fn file_stamp(path: &Path) -> Option<(u64, std::time::SystemTime)> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let len = meta.len() ^ std::os::unix::fs::MetadataExt::ino(&meta).rotate_left(40);
    #[cfg(not(unix))]
    let len = meta.len();
    Some((len, meta.modified().ok()?))
}

/// Walk and read `content/`.
pub fn load(config: &Config, diagnostics: &mut Vec<Diagnostic>) -> Content {
    load_cached(config, diagnostics, &mut FileCache::default())
}

/// [`load`], reading again only the files that changed since `cache` was filled.
pub fn load_cached(config: &Config, diagnostics: &mut Vec<Diagnostic>, cache: &mut FileCache) -> Content {
    let root = config.content_dir();
    let boilerplate = match Boilerplate::defaults().with_extra(&config.gitbook.boilerplate) {
        Ok(rules) => rules,
        Err(message) => {
            diagnostics.push(Diagnostic::error("site.toml", 0, 0, message));
            Boilerplate::defaults()
        }
    };
    let mut markdown = Vec::new();
    let mut content = Content::default();
    let walker = walkdir::WalkDir::new(&root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().map(|p| display(config, p)).unwrap_or_else(|| PathBuf::from("content"));
                diagnostics.push(Diagnostic::error(path, 0, 0, format!("cannot read: {e}")));
                continue;
            }
        };
        if entry.depth() > 0 && entry.path_is_symlink() {
            // Following a link could read (and copy into the output) anything on the machine.
            let shown = display(config, entry.path());
            let message =
                format!("{} is a symbolic link; themata does not follow links, so it is skipped", shown.display());
            diagnostics.push(Diagnostic::warning(shown, 0, 0, message));
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path().to_path_buf();
        let rel = match path.strip_prefix(&root).ok().and_then(|p| p.to_str()) {
            Some(rel) => rel.replace('\\', "/"),
            None => {
                diagnostics.push(Diagnostic::error(display(config, &path), 0, 0, "file name is not valid UTF-8"));
                continue;
            }
        };
        if rel.ends_with(".md") {
            markdown.push((path, rel));
        } else {
            content.assets.push(Asset { rel, path });
        }
    }

    let folders_with_index: std::collections::BTreeSet<String> = markdown
        .iter()
        .filter(|(_, rel)| file_name(rel) == "_index.md")
        .map(|(_, rel)| parent(rel).to_string())
        .collect();

    let previous = &cache.files;
    let results: Vec<Loaded> = markdown
        .par_iter()
        .map(|(path, rel)| {
            let name = file_name(rel);
            if name == "SUMMARY.md" {
                return match std::fs::read_to_string(path) {
                    Ok(text) => Loaded::Summary(parent(rel).to_string(), parse_summary(&text, parent(rel))),
                    Err(e) => Loaded::Failed(vec![Diagnostic::error(
                        display(config, path),
                        0,
                        0,
                        format!("cannot read: {e}"),
                    )]),
                };
            }
            let kind = if name == "_index.md" || (name == "README.md" && !folders_with_index.contains(parent(rel))) {
                Kind::Section
            } else {
                Kind::Page
            };
            // A file is looked at (stat) only when there is a cached reading to compare with.
            if let Some(cached) = previous.get(path)
                && let Some((len, modified)) = file_stamp(path)
                && cached.len == len
                && cached.modified == modified
                && cached.kind == kind
            {
                return Loaded::Page(Box::new(cached.page.clone()), cached.problems.clone());
            }
            load_page(config, &boilerplate, path, rel, kind)
        })
        .collect();
    let mut next = std::collections::HashMap::new();

    for ((path, _), result) in markdown.iter().zip(results) {
        match result {
            Loaded::Page(page, mut problems) => {
                // A file that changes while it is read is read again next time: keep the stamp
                // only when it is older than a moment ago.
                if let Some((len, modified)) = cache.keep.then(|| file_stamp(path)).flatten() {
                    let settled = modified.elapsed().is_ok_and(|age| age > std::time::Duration::from_millis(10));
                    if settled {
                        let cached = CachedFile {
                            len,
                            modified,
                            kind: page.kind,
                            page: (*page).clone(),
                            problems: problems.clone(),
                        };
                        next.insert(path.clone(), cached);
                    }
                }
                diagnostics.append(&mut problems);
                content.pages.push(*page);
            }
            Loaded::Summary(folder, list) => {
                content.summaries.insert(folder, list);
            }
            Loaded::Failed(mut problems) => diagnostics.append(&mut problems),
        }
    }
    cache.files = next;
    content
}

enum Loaded {
    Page(Box<SourcePage>, Vec<Diagnostic>),
    Summary(String, Vec<String>),
    Failed(Vec<Diagnostic>),
}

fn display(config: &Config, path: &Path) -> PathBuf {
    crate::diagnostics::display_path(&config.root, path)
}

fn file_name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap_or(rel)
}

fn parent(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

/// `bytes` as text, checked with SIMD instructions: std's check takes about ten instructions a
/// byte on Chinese text (three-byte characters leave its ASCII fast path), 1.7 % of a
/// 10,000-article build. Invalid text goes through std's check again, for the position of the
/// first bad byte.
fn utf8(bytes: Vec<u8>) -> Result<String, std::string::FromUtf8Error> {
    if simdutf8::basic::from_utf8(&bytes).is_ok() {
        // SAFETY: the bytes were just checked to be valid UTF-8.
        Ok(unsafe { String::from_utf8_unchecked(bytes) })
    } else {
        String::from_utf8(bytes)
    }
}

fn load_page(config: &Config, boilerplate: &Boilerplate, path: &Path, rel: &str, kind: Kind) -> Loaded {
    let shown = display(config, path);
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => return Loaded::Failed(vec![Diagnostic::error(shown, 0, 0, format!("cannot read: {e}"))]),
    };
    let mut text = match utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let valid = std::str::from_utf8(&e.as_bytes()[..offset]).unwrap_or("");
            let (line, col) = crate::diagnostics::line_col(valid, offset);
            return Loaded::Failed(vec![Diagnostic::error(shown, line, col, "file is not valid UTF-8 text")]);
        }
    };
    // Windows (CRLF) and old Mac (lone CR) line ends both become `\n`, so front matter is found
    // and lines are counted as an editor counts them. Most files have neither a byte-order mark
    // nor a `\r`: they are kept as read, not copied.
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    if text.contains('\r') {
        text = text.replace("\r\n", "\n").replace('\r', "\n");
    }
    let (page, problems) = split_page(text, rel, shown, kind, boilerplate);
    Loaded::Page(Box::new(page), problems)
}

/// Split one file's text into a [`SourcePage`]. Pure: tests call it directly.
pub fn parse_page(
    text: &str,
    rel: &str,
    shown: PathBuf,
    kind: Kind,
    boilerplate: &Boilerplate,
) -> (SourcePage, Vec<Diagnostic>) {
    split_page(text.to_string(), rel, shown, kind, boilerplate)
}

/// [`parse_page`] of a text the caller gives up: a body that is the file's text, or its end,
/// is that same String rather than a copy.
fn split_page(
    mut owned: String,
    rel: &str,
    shown: PathBuf,
    kind: Kind,
    boilerplate: &Boilerplate,
) -> (SourcePage, Vec<Diagnostic>) {
    let text = owned.as_str();
    let mut problems = Vec::new();
    let mut page = SourcePage {
        kind,
        rel: rel.to_string(),
        display: shown.clone(),
        meta: PageMeta::default(),
        body: String::new(),
        body_line_offset: 0,
        removed: Vec::new(),
    };
    if let Some((yaml, body, offset)) = split_front_matter(text) {
        match parse_front_matter(yaml, &shown, is_glossary_page(rel)) {
            Ok(meta) => page.meta = meta,
            Err(mut errors) => problems.append(&mut errors),
        }
        let body_start = text.len() - body.len();
        owned.drain(..body_start);
        page.body = owned;
        page.body_line_offset = offset;
    } else if text.starts_with("---\n") || text == "---" {
        problems.push(Diagnostic::error(&shown, 1, 1, "front matter is not closed: add a line `---` after it"));
        page.body = owned;
    } else if gitbook::detect(text) {
        match gitbook::extract(text, boilerplate) {
            Ok(extracted) => {
                for warning in extracted.warnings {
                    problems.push(Diagnostic::warning(&shown, warning.line, warning.column, warning.message));
                }
                page.removed = extracted.removed.iter().map(|r| (r.rule.clone(), r.line)).collect();
                page.meta = meta_from_gitbook(extracted.meta, &shown, &mut problems);
                page.body = extracted.body;
            }
            Err(issue) => {
                problems.push(Diagnostic::error(&shown, issue.line, issue.column, issue.message));
                page.body = owned;
            }
        }
    } else {
        page.body = owned;
    }
    if page.meta.title.is_empty() {
        page.meta.title = first_heading(&page.body).unwrap_or_else(|| title_from_file_name(rel));
    }
    (page, problems)
}

/// `(yaml, body, lines before the body)` when the text starts with a `---` fence that closes.
fn split_front_matter(text: &str) -> Option<(&str, &str, usize)> {
    let rest = text.strip_prefix("---\n")?;
    let mut offset = 0;
    let mut line = 1;
    for chunk in rest.split_inclusive('\n') {
        line += 1;
        if chunk.trim_end() == "---" {
            let yaml = &rest[..offset];
            let body = &rest[offset + chunk.len()..];
            return Some((yaml, body, line));
        }
        offset += chunk.len();
    }
    None
}

/// Front matter as written. Unknown keys are errors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: Option<String>,
    description: Option<String>,
    date: Option<String>,
    updated: Option<String>,
    #[serde(default)]
    draft: bool,
    slug: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    themes: Vec<String>,
    #[serde(default)]
    authors: Vec<String>,
    author: Option<String>,
    category: Option<String>,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    taxonomies: BTreeMap<String, Vec<String>>,
    weight: Option<i64>,
    #[serde(default)]
    aliases: Vec<String>,
    template: Option<String>,
    sort_by: Option<SortBy>,
    paginate_by: Option<usize>,
    #[serde(default)]
    keywords: Vec<KeywordSpec>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    extra: Option<serde_json::Value>,
}

const FRONT_MATTER_KEYS: &[&str] = &[
    "title",
    "description",
    "date",
    "updated",
    "draft",
    "slug",
    "tags",
    "themes",
    "authors",
    "author",
    "category",
    "categories",
    "taxonomies",
    "weight",
    "aliases",
    "template",
    "sort_by",
    "paginate_by",
    "keywords",
    "exclude",
    "extra",
];

/// Front matter of the simple shape most pages have, read without the YAML parser (which
/// costs more than the rest of loading a page): one `key: value` line per field, no
/// indentation, comments, tabs or repeated keys, for the text fields and the lists of text
/// only. A value is a double-quoted string without escapes, a plain scalar of ordinary
/// characters (none of YAML's indicators, no `:` `#` or quotes, not `null` or `~`), or, for a
/// list, `[...]` of such quoted strings. YAML reads each of these as that same text, so the
/// result is what the parser would give; anything else returns None and goes to the parser.
fn simple_front_matter(yaml: &str) -> Option<FrontMatter> {
    let mut fm = FrontMatter::default();
    let mut seen = 0u32;
    for line in yaml.split('\n') {
        if line.is_empty() {
            continue;
        }
        let (key, value) = line.split_once(": ")?;
        let value = value.trim_matches(' ');
        let text = |slot: &mut Option<String>| {
            *slot = Some(yaml_simple_scalar(value)?);
            Some(())
        };
        let list = |slot: &mut Vec<String>| {
            *slot = yaml_simple_list(value)?;
            Some(())
        };
        let field = match key {
            "title" => text(&mut fm.title).map(|()| 0),
            "description" => text(&mut fm.description).map(|()| 1),
            "date" => text(&mut fm.date).map(|()| 2),
            "updated" => text(&mut fm.updated).map(|()| 3),
            "slug" => text(&mut fm.slug).map(|()| 4),
            "author" => text(&mut fm.author).map(|()| 5),
            "category" => text(&mut fm.category).map(|()| 6),
            "template" => text(&mut fm.template).map(|()| 7),
            "tags" => list(&mut fm.tags).map(|()| 8),
            "themes" => list(&mut fm.themes).map(|()| 9),
            "authors" => list(&mut fm.authors).map(|()| 10),
            "categories" => list(&mut fm.categories).map(|()| 11),
            "aliases" => list(&mut fm.aliases).map(|()| 12),
            "exclude" => list(&mut fm.exclude).map(|()| 13),
            _ => None,
        }?;
        if seen & (1 << field) != 0 {
            return None;
        }
        seen |= 1 << field;
    }
    Some(fm)
}

/// A characters YAML takes as they are in a one-line scalar: printable, not a tab, not a line
/// or paragraph separator, not a byte-order mark.
fn yaml_plain_char(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

/// See [`simple_front_matter`]: the text of a quoted or plain value, or None.
fn yaml_simple_scalar(value: &str) -> Option<String> {
    if let Some(quoted) = value.strip_prefix('"') {
        let inner = quoted.strip_suffix('"')?;
        return yaml_simple_quoted(inner).map(str::to_string);
    }
    let first = value.chars().next()?;
    let indicator = "-?:,[]{}#&*!|>'\"%@`".contains(first);
    let special = value.contains([':', '#', '\'', '"', '\\']);
    let null = matches!(value, "null" | "Null" | "NULL" | "~");
    (!indicator && !special && !null && value.chars().all(yaml_plain_char)).then(|| value.to_string())
}

/// The inside of a double-quoted string that has no escape and no quote.
fn yaml_simple_quoted(inner: &str) -> Option<&str> {
    (!inner.contains(['"', '\\']) && inner.chars().all(yaml_plain_char)).then_some(inner)
}

/// See [`simple_front_matter`]: `["a", "b"]` (or `[]`) as its texts, or None.
fn yaml_simple_list(value: &str) -> Option<Vec<String>> {
    let inner = value.strip_prefix('[')?.strip_suffix(']')?.trim_matches(' ');
    if inner.is_empty() {
        return Some(Vec::new());
    }
    let mut items = Vec::new();
    let mut rest = inner;
    loop {
        let quoted = rest.strip_prefix('"')?;
        let close = quoted.find('"')?;
        items.push(yaml_simple_quoted(&quoted[..close])?.to_string());
        rest = quoted[close + 1..].trim_start_matches(' ');
        if rest.is_empty() {
            return Some(items);
        }
        rest = rest.strip_prefix(',')?.trim_start_matches(' ');
    }
}

fn parse_front_matter(yaml: &str, shown: &Path, glossary: bool) -> Result<PageMeta, Vec<Diagnostic>> {
    // The YAML starts on the file's line 2, after the opening `---`.
    const FIRST_LINE: usize = 2;
    let fm: FrontMatter = if yaml.trim().is_empty() {
        FrontMatter::default()
    } else if let Some(fm) = simple_front_matter(yaml) {
        fm
    } else {
        serde_yaml::from_str(yaml).map_err(|e| {
            // From the byte offset, not the parser's line: YAML also breaks lines at a lone `\r`,
            // which the file (and the report quoting it) does not.
            let (line, col) = e.location().map_or((0, 0), |l| {
                let (line, col) = crate::diagnostics::line_col(yaml, l.index());
                (line + FIRST_LINE - 1, col)
            });
            let message = yaml_message(&e);
            match unknown_key(&message) {
                Some(key) => {
                    let d = Diagnostic::error(shown, line, col, format!("front matter: unknown field `{key}`"))
                        .with_length(key.chars().count());
                    vec![match closest(key, FRONT_MATTER_KEYS) {
                        Some(best) => d.with_help(format!("did you mean `{best}`?")),
                        None => d.with_help(format!("known fields: {}", FRONT_MATTER_KEYS.join(", "))),
                    }]
                }
                None => vec![Diagnostic::error(shown, line, col, format!("front matter: {message}"))],
            }
        })?
    };
    let mut problems = Vec::new();
    let at = |key: &str| front_matter_key_position(yaml, key, FIRST_LINE);
    let mut date_field = |key: &str, value: &Option<String>| -> Option<Date> {
        let value = value.as_deref()?;
        match Date::parse(value) {
            Ok(date) => Some(date),
            Err(message) => {
                let (line, col) = at(key);
                let mut d = Diagnostic::error(shown, line, col, format!("front matter `{key}`: {message}"))
                    .with_length(value.chars().count());
                if let Some(fixed) = Date::suggest(value) {
                    d = d.with_help(format!("write `{fixed}`"));
                }
                problems.push(d);
                None
            }
        }
    };
    let date = date_field("date", &fm.date);
    let updated = date_field("updated", &fm.updated);
    if let Some(slug) = &fm.slug
        && (slug.trim().is_empty() || slug.contains(['/', '\\']) || slug == "." || slug == "..")
    {
        let (line, col) = at("slug");
        problems.push(Diagnostic::error(
            shown,
            line,
            col,
            format!("front matter `slug` must be one path segment, found {slug:?}"),
        ));
    }
    if let Some(template) = &fm.template {
        let outside = template.starts_with('/')
            || template.contains(['\\', ':'])
            || template.split('/').any(|part| part.is_empty() || part == "." || part == "..");
        if outside {
            let (line, col) = at("template");
            problems.push(Diagnostic::error(
                shown,
                line,
                col,
                format!("front matter `template` must name a file under templates/, found {template:?}"),
            ));
        }
    }
    if fm.paginate_by == Some(0) {
        let (line, col) = at("paginate_by");
        problems.push(Diagnostic::error(shown, line, col, "front matter `paginate_by` must be at least 1"));
    }
    for (i, keyword) in fm.keywords.iter().enumerate() {
        if let KeywordSpec::Weighted(w) = keyword
            && !(w.weight.is_finite() && w.weight > 0.0)
        {
            let (line, col) = at("keywords");
            problems.push(Diagnostic::error(
                shown,
                line + i + 1,
                col,
                format!("front matter `keywords`: the weight of {:?} must be a positive number", w.phrase),
            ));
        }
    }
    let (url_aliases, term_aliases) = if glossary { (Vec::new(), fm.aliases) } else { (fm.aliases, Vec::new()) };
    for alias in &url_aliases {
        if let Err(message) = check_alias(alias) {
            let (line, col) = at("aliases");
            problems.push(Diagnostic::error(shown, line, col, format!("front matter `aliases`: {message}")));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let extra = fm.extra.unwrap_or(serde_json::Value::Object(Default::default()));
    let (source, author_urls) = source_from_extra(
        &extra,
        fm.authors.first().or(fm.author.as_ref()),
        fm.categories.first().or(fm.category.as_ref()),
    );
    let mut taxonomies = fm.taxonomies;
    let mut add = |name: &str, terms: Vec<String>| {
        if !terms.is_empty() {
            taxonomies.entry(name.to_string()).or_default().extend(terms);
        }
    };
    add("tags", fm.tags);
    add("authors", fm.authors.into_iter().chain(fm.author).collect());
    add("categories", fm.categories.into_iter().chain(fm.category).collect());
    Ok(PageMeta {
        title: fm.title.unwrap_or_default(),
        description: fm.description.filter(|d| !d.trim().is_empty()),
        date,
        updated,
        draft: fm.draft,
        slug: fm.slug,
        taxonomies,
        themes_at: if fm.themes.is_empty() { (0, 0) } else { at("themes") },
        themes: fm.themes,
        weight: fm.weight,
        aliases: url_aliases,
        template: fm.template,
        sort_by: fm.sort_by.unwrap_or_default(),
        paginate_by: fm.paginate_by,
        author_urls,
        source,
        extra,
        keywords: fm
            .keywords
            .into_iter()
            .map(|k| match k {
                KeywordSpec::Phrase(phrase) => (phrase, 1.0),
                KeywordSpec::Weighted(w) => (w.phrase, w.weight),
            })
            .filter(|(phrase, _)| !phrase.trim().is_empty())
            .collect(),
        exclude: fm.exclude,
        term_aliases,
    })
}

/// What `themata import` keeps of a GitBook export's source in `extra` (`original_url`, `views`,
/// `comments`, `collects`, `author_url`), read back as the export itself would be: the source
/// link and stats, and the homepage of the first author.
fn source_from_extra(
    extra: &serde_json::Value,
    author: Option<&String>,
    category: Option<&String>,
) -> (Option<SourceInfo>, BTreeMap<String, String>) {
    let text = |key: &str| extra.get(key).and_then(|v| v.as_str()).map(str::to_string);
    let count = |key: &str| extra.get(key).and_then(|v| v.as_u64());
    let mut author_urls = BTreeMap::new();
    if let (Some(author), Some(url)) = (author, text("author_url")) {
        author_urls.insert(author.clone(), url);
    }
    let source = SourceInfo {
        original_url: text("original_url"),
        views: count("views"),
        comments: count("comments"),
        collects: count("collects"),
        category: category.cloned(),
    };
    let any = source.original_url.is_some()
        || source.views.is_some()
        || source.comments.is_some()
        || source.collects.is_some();
    (any.then_some(source), author_urls)
}

/// An alias is a site path such as `/old/path/`: absolute, no `..`, no scheme.
pub fn check_alias(alias: &str) -> Result<(), String> {
    if !alias.starts_with('/') {
        return Err(format!("{alias:?} must start with `/`"));
    }
    if alias.contains("://") || alias.contains('\\') || alias.split('/').any(|s| s == ".." || s == ".") {
        return Err(format!("{alias:?} must be a plain path inside the site"));
    }
    Ok(())
}

/// yaml_serde's message without the location it appends (we print our own, in file lines).
fn yaml_message(e: &serde_yaml::Error) -> String {
    static LOCATION: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let location = LOCATION.get_or_init(|| regex::Regex::new(r" at line \d+ column \d+").expect("valid regex"));
    location.replace_all(&e.to_string(), "").into_owned()
}

fn unknown_key(message: &str) -> Option<&str> {
    let rest = message.split("unknown field `").nth(1)?;
    rest.split('`').next()
}

/// The known word nearest to `word` by edit distance, if it is near enough to be a typo.
pub fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known.iter().map(|k| (edit_distance(word, k), *k)).filter(|(d, k)| *d <= 2.max(k.len() / 3)).min().map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(row[j]).min(row[j + 1]) };
            prev = current;
        }
    }
    row[b.len()]
}

fn front_matter_key_position(yaml: &str, key: &str, first_line: usize) -> (usize, usize) {
    for (i, line) in yaml.lines().enumerate() {
        if let Some(rest) = line.strip_prefix(key)
            && rest.trim_start().starts_with(':')
        {
            let value_col = key.chars().count() + 1 + (rest.len() - rest.trim_start_matches([':', ' ']).len());
            return (i + first_line, value_col.max(1));
        }
    }
    (first_line, 1)
}

fn meta_from_gitbook(meta: gitbook::GitbookMeta, shown: &Path, problems: &mut Vec<Diagnostic>) -> PageMeta {
    let date = meta.published.as_deref().and_then(|published| match Date::parse(published) {
        Ok(date) => Some(date),
        Err(message) => {
            problems.push(Diagnostic::error(shown, meta.published_line, 1, format!("`**Published:**` {message}")));
            None
        }
    });
    let mut taxonomies = BTreeMap::new();
    if !meta.tags.is_empty() {
        taxonomies.insert("tags".to_string(), meta.tags.clone());
    }
    let mut author_urls = BTreeMap::new();
    if let Some(author) = &meta.author {
        taxonomies.insert("authors".to_string(), vec![author.clone()]);
        if let Some(url) = &meta.author_url {
            author_urls.insert(author.clone(), url.clone());
        }
    }
    if let Some(category) = &meta.category {
        taxonomies.insert("categories".to_string(), vec![category.clone()]);
    }
    let mut extra = serde_json::Map::new();
    for (key, value) in &meta.extra {
        extra.insert(key.clone(), serde_json::Value::String(value.clone()));
    }
    PageMeta {
        title: meta.title,
        description: meta.summary.filter(|s| !s.trim().is_empty()),
        date,
        taxonomies,
        author_urls,
        source: Some(SourceInfo {
            original_url: meta.original_url,
            views: meta.views,
            comments: meta.comments,
            collects: meta.collects,
            category: meta.category,
        }),
        extra: serde_json::Value::Object(extra),
        ..PageMeta::default()
    }
}

/// The text of the first level-1 ATX heading, outside code fences.
fn first_heading(body: &str) -> Option<String> {
    let mut fence: Option<&str> = None;
    for line in body.lines() {
        let trimmed = line.trim_start();
        if let Some(open) = fence {
            if trimmed.starts_with(open) {
                fence = None;
            }
            continue;
        }
        if trimmed.starts_with("```") {
            fence = Some("```");
        } else if trimmed.starts_with("~~~") {
            fence = Some("~~~");
        } else if let Some(title) = line.strip_prefix("# ") {
            let title = title.trim().trim_end_matches('#').trim();
            if !title.is_empty() {
                return Some(title.to_string());
            }
        }
    }
    None
}

fn title_from_file_name(rel: &str) -> String {
    let name = file_name(rel).trim_end_matches(".md");
    let name = if name == "_index" || name == "README" || name == "index" {
        parent(rel).rsplit('/').next().unwrap_or("")
    } else {
        name
    };
    name.replace(['-', '_'], " ")
}

/// The pages a GitBook `SUMMARY.md` in `folder` lists, in order, as paths relative to the
/// folder `folder` is relative to (`content/` for the build).
pub fn parse_summary(text: &str, folder: &str) -> Vec<String> {
    let mut list = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        let Some(item) = trimmed.strip_prefix("* ").or_else(|| trimmed.strip_prefix("- ")) else {
            continue;
        };
        let Some(start) = item.find("](") else { continue };
        let Some(end) = item[start + 2..].find(')') else { continue };
        let target = item[start + 2..start + 2 + end].split('#').next().unwrap_or("").trim();
        if target.ends_with(".md") && !target.contains("://") {
            let path = if folder.is_empty() { target.to_string() } else { format!("{folder}/{target}") };
            list.push(crate::index::normalize_path(&path));
        }
    }
    list
}

#[cfg(test)]
impl Date {
    /// [`Date::rfc3339`] as `format!` writes it: the reference its digit-by-digit writing is
    /// tested against.
    fn rfc3339_formatted(&self, t: time::Time, offset: time::UtcOffset) -> String {
        let zone = if offset == time::UtcOffset::UTC {
            "Z".to_string()
        } else {
            let (h, m, _) = offset.as_hms();
            format!("{}{:02}:{:02}", if offset.is_negative() { '-' } else { '+' }, h.abs(), m.abs())
        };
        format!("{}T{:02}:{:02}:{:02}{zone}", self.ymd(), t.hour(), t.minute(), t.second())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (SourcePage, Vec<Diagnostic>) {
        parse_page(text, "articles/a.md", PathBuf::from("content/articles/a.md"), Kind::Page, &Boilerplate::defaults())
    }

    /// Dates written digit by digit read as `format!` writes them, bare or with a time and an
    /// offset of either sign.
    #[test]
    fn rfc3339_is_written_as_format_writes_it() {
        let dates = [
            ("2024-01-01", "2024-01-01T00:00:00Z"),
            ("0987-10-05", "0987-10-05T00:00:00Z"),
            ("2000-02-29", "2000-02-29T00:00:00Z"),
            ("2023-07-29T08:30:05+08:00", "2023-07-29T08:30:05+08:00"),
            ("2023-07-29T23:59:59-05:30", "2023-07-29T23:59:59-05:30"),
            ("2023-07-29 08:30:00", "2023-07-29T08:30:00Z"),
        ];
        for (text, want) in dates {
            let date = Date::parse(text).unwrap();
            let (t, offset) = date.time.unwrap_or((time::Time::MIDNIGHT, time::UtcOffset::UTC));
            assert_eq!(date.rfc3339(), want, "{text}");
            assert_eq!(date.rfc3339(), date.rfc3339_formatted(t, offset), "{text}");
        }
    }

    #[test]
    fn text_is_checked_as_std_checks_it() {
        // Valid and broken Chinese, English and mixed text, cut at every byte: the SIMD check
        // accepts exactly what std accepts, and reports a bad byte where std does.
        let samples =
            ["产品经理 AI：技能失效", "plain ascii text, long enough for a vector register", "混合 mixed 文本 🙂"];
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for sample in samples {
            let bytes = sample.repeat(5).into_bytes();
            for cut in 0..bytes.len() {
                inputs.push(bytes[..cut].to_vec());
                let mut broken = bytes.clone();
                broken[cut] ^= 0x80;
                inputs.push(broken);
            }
        }
        for bytes in inputs {
            let ours = utf8(bytes.clone()).map_err(|e| e.utf8_error().valid_up_to());
            let std = String::from_utf8(bytes).map_err(|e| e.utf8_error().valid_up_to());
            assert_eq!(ours, std);
        }
    }

    #[test]
    fn simple_front_matter_reads_what_yaml_reads() {
        let texts = ["title", "description", "date", "slug", "author"];
        let lists = ["tags", "aliases"];
        let others = ["weight", "draft", "titel"];
        let values = [
            "标题",
            "\"带引号的：标题\"",
            "\"\"",
            "2021-11-14",
            "2021-11-14T08:00:00+08:00",
            "123",
            "true",
            "null",
            "~",
            "Null",
            "a b  c",
            "  spaced  ",
            "a: b",
            "a #b",
            "a#b",
            "#x",
            "-x",
            "- x",
            "x-",
            "&a",
            "*a",
            "!x",
            "|",
            ">",
            "'q'",
            "\"a\\\"b\"",
            "\"a\\nb\"",
            "\"x\" y",
            "a[b]{c},d",
            "%x",
            "@x",
            "`x`",
            "?x",
            "x?",
            "全角　空格",
            "tab\tbed",
            "\u{feff}bom",
            "nel\u{85}",
            "sep\u{2028}x",
            "\"sep\u{2029}\"",
            "...",
            "---",
            "'",
            "\"",
            "5",
            "-1",
            "{a: b}",
        ];
        let list_values = [
            "[]",
            "[ ]",
            "[\"a\", \"b\"]",
            "[\"a\",\"b\"]",
            "[\"a\" , \"b\" ]",
            "[a, b]",
            "[\"a\",]",
            "[\"a, b\"]",
            "[\"a\"",
            "[\"x\\\"y\"]",
            "[\"全角　\", \"\"]",
            "[\"a\"] x",
            "[[\"a\"]]",
            "[\"tab\tbed\"]",
        ];
        let mut rng = crate::text::TestRng(0x1234_5678_9abc_def1);
        let mut next = |n: usize| rng.below(n);
        let mut fast = 0;
        for _ in 0..60000 {
            let mut yaml = String::new();
            for _ in 0..1 + next(4) {
                let (key, value) = match next(10) {
                    0..=4 => (texts[next(texts.len())], values[next(values.len())]),
                    5..=7 => (lists[next(lists.len())], list_values[next(list_values.len())]),
                    8 => (lists[next(lists.len())], values[next(values.len())]),
                    _ => (others[next(others.len())], values[next(values.len())]),
                };
                let gap = [": ", ": ", ": ", ":  ", ":", " : "][next(6)];
                let end = ["", " ", "  "][next(3)];
                yaml.push_str(&format!("{key}{gap}{value}{end}\n"));
                if next(8) == 0 {
                    yaml.push_str(["\n", "  \n", "# comment\n", "  more\n"][next(4)]);
                }
            }
            let Some(simple) = simple_front_matter(&yaml) else { continue };
            fast += 1;
            let parsed: Result<FrontMatter, _> = serde_yaml::from_str(&yaml);
            match parsed {
                Ok(parsed) => assert_eq!(format!("{simple:?}"), format!("{parsed:?}"), "{yaml}"),
                Err(e) => panic!("the fast path read what YAML rejects ({e}):\n{yaml}"),
            }
        }
        assert!(fast > 2000, "the fast path took only {fast} documents");
        // The shape most pages have takes the fast path.
        let common = "title: \"策略：KPI留存\"\ndescription: \"用户；增长。\"\ndate: 2021-11-14\n\
                      tags: [\"高级\", \"2年\", \"职场\"]\nauthor: 赵五\ncategory: chuangye\n";
        assert!(simple_front_matter(common).is_some());
    }

    #[test]
    fn front_matter_fields_reach_the_meta() {
        let (page, problems) =
            parse("---\ntitle: 标题\ndate: 2023-07-29\ntags: [AI, 中级]\nauthor: 张三\nweight: 3\n---\n正文\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(page.meta.title, "标题");
        assert_eq!(page.meta.date.unwrap().ymd(), "2023-07-29");
        assert_eq!(page.meta.taxonomies["tags"], ["AI", "中级"]);
        assert_eq!(page.meta.taxonomies["authors"], ["张三"]);
        assert_eq!(page.body, "正文\n");
        assert_eq!(page.body_line_offset, 7);
    }

    #[test]
    fn yaml_error_names_the_file_line() {
        let (_, problems) = parse("---\ntitle: a\ntags: [a, b\n---\n");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 4, "{}", problems[0]);
        assert!(problems[0].to_string().starts_with("content/articles/a.md:4:"), "{}", problems[0]);
    }

    #[test]
    fn unknown_key_suggests_the_right_one() {
        let (_, problems) = parse("---\ntitle: a\ntittle: b\n---\n");
        let text = problems[0].to_string();
        assert!(text.starts_with("content/articles/a.md:3:1: error: front matter: unknown field `tittle`"), "{text}");
        assert!(text.ends_with("help: did you mean `title`?"), "{text}");
    }

    #[test]
    fn bad_date_says_how_to_write_it() {
        let (_, problems) = parse("---\ntitle: a\ndate: 2023-7-29\n---\n");
        assert_eq!(
            problems[0].to_string(),
            "content/articles/a.md:3:7: error: front matter `date`: invalid date \"2023-7-29\": expected YYYY-MM-DD\n  help: write `2023-07-29`"
        );
    }

    #[test]
    fn dates_with_time_and_offset() {
        let date = Date::parse("2023-07-29T08:30:00+08:00").unwrap();
        assert_eq!(date.rfc3339(), "2023-07-29T08:30:00+08:00");
        assert_eq!(Date::parse("2023-07-29").unwrap().rfc3339(), "2023-07-29T00:00:00Z");
        assert!(Date::parse("2023-02-30").is_err());
    }

    #[test]
    fn title_falls_back_to_heading_then_file_name() {
        let (page, _) = parse("# 标题一\n\n正文");
        assert_eq!(page.meta.title, "标题一");
        let (page, _) = parse("```\n# not a title\n```\n");
        assert_eq!(page.meta.title, "a");
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let (_, problems) = parse("---\ntitle: a\n");
        assert_eq!(
            problems[0].to_string(),
            "content/articles/a.md:1:1: error: front matter is not closed: add a line `---` after it"
        );
    }

    #[test]
    fn keywords_take_plain_and_weighted_forms() {
        let (page, problems) =
            parse("---\ntitle: 主题\nkeywords:\n  - 外围技能\n  - { phrase: PRD, weight: 1.5 }\n---\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(page.meta.keywords, [("外围技能".to_string(), 1.0), ("PRD".to_string(), 1.5)]);
    }

    #[test]
    fn glossary_aliases_are_names_not_urls() {
        let (page, problems) = parse_page(
            "---\ntitle: B端\naliases: [To B, ToB]\n---\n",
            "glossary/to-b.md",
            PathBuf::from("content/glossary/to-b.md"),
            Kind::Page,
            &Boilerplate::defaults(),
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(page.meta.term_aliases, ["To B", "ToB"]);
        assert!(page.meta.aliases.is_empty());
    }

    #[test]
    fn imported_source_details_in_extra_reach_the_meta() {
        let (page, problems) = parse(
            "---\ntitle: a\nauthors: [某作者]\ncategories: [Pmd]\nextra:\n  author_url: https://e.org/u/1\n  \
             original_url: https://e.org/a.html\n  views: 12\n  comments: 3\n---\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        let source = page.meta.source.expect("source details");
        assert_eq!(source.original_url.as_deref(), Some("https://e.org/a.html"));
        assert_eq!((source.views, source.comments, source.collects), (Some(12), Some(3), None));
        assert_eq!(source.category.as_deref(), Some("Pmd"));
        assert_eq!(page.meta.author_urls["某作者"], "https://e.org/u/1");
        let (page, _) = parse("---\ntitle: a\nextra:\n  note: x\n---\n");
        assert!(page.meta.source.is_none());
    }

    #[test]
    fn summary_gives_order() {
        let list =
            parse_summary("# Summary\n\n* [Intro](README.md)\n  * [A](part/a.md#x)\n* [Web](https://x.org)\n", "book");
        assert_eq!(list, ["book/README.md", "book/part/a.md"]);
    }
}
