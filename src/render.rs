//! Templates: tera 2 templates from `themes/<theme>/templates/`, overridden by the site's own
//! `templates/`, rendered with small serialisable views of the site model.
//!
//! Templates never see the internal structs: `PageView`, `SectionView` and friends are the
//! contract with theme authors (documented in `themes/default/README.md`), with the names Zola's
//! users know (`page.title`, `page.content`, `section.pages`, `config.base_url`). Every output
//! page is rendered independently, in parallel, into memory; writing is the output stage's job.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::config::Config;
use crate::diagnostics::Diagnostic;
use crate::markdown::TocEntry;
use crate::output::Sink;
use crate::site::{Page, Site, Taxonomy, Term};

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One rendered file: its path inside the output folder and its bytes.
#[derive(Debug, Clone)]
pub struct OutputFile {
    pub path: String,
    pub bytes: std::sync::Arc<[u8]>,
}

/// A template context that also hashes what goes into it, so that a page whose context is the
/// same as in the previous build need not be rendered again.
pub struct Ctx {
    tera: tera::Context,
    /// None when nothing is cached (a one-off build): hashing would be wasted work.
    hash: Option<std::collections::hash_map::DefaultHasher>,
}

/// Feeds serialized bytes into a hasher.
struct HashWriter<'a>(&'a mut std::collections::hash_map::DefaultHasher);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        std::hash::Hasher::write(self.0, bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Ctx {
    fn new(hashing: bool) -> Ctx {
        Ctx { tera: tera::Context::new(), hash: hashing.then(Default::default) }
    }

    pub fn insert<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) {
        self.tera.insert(key, value);
        if let Some(hash) = &mut self.hash {
            std::hash::Hash::hash(key, hash);
            // Serializing our own view structs cannot fail.
            let _ = serde_json::to_writer(HashWriter(hash), value);
        }
    }

    /// [`Ctx::insert`], with the value's texts marked as [`with_texts_marked`] marks them.
    fn insert_marked<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) {
        self.tera.insert_value(key, with_texts_marked(tera::Value::from_serializable(value)));
        if let Some(hash) = &mut self.hash {
            std::hash::Hash::hash(key, hash);
            let _ = serde_json::to_writer(HashWriter(hash), value);
        }
    }

    /// Insert a value built once for many pages, with the hash of what it was built from.
    fn insert_value(&mut self, key: &'static str, value: tera::Value, hash: u64) {
        self.tera.insert_value(key, value);
        if let Some(h) = &mut self.hash {
            std::hash::Hash::hash(key, h);
            std::hash::Hash::hash(&hash, h);
        }
    }

    fn key(&self) -> Option<u64> {
        self.hash.as_ref().map(std::hash::Hasher::finish)
    }
}

/// A view serialized into a template value once and shared by every page that shows it (a
/// page's entry in listings, the site-wide variables); `hash` is what the render cache compares
/// (0 when no cache is kept).
#[derive(Clone)]
struct Shared {
    value: tera::Value,
    hash: u64,
}

impl Shared {
    fn new<T: Serialize + ?Sized>(view: &T, hashing: bool) -> Shared {
        Shared { value: tera::Value::from_serializable(view), hash: Shared::hash_of(view, hashing) }
    }

    /// What the render cache compares for `view` (0 without `hashing`).
    fn hash_of<T: Serialize + ?Sized>(view: &T, hashing: bool) -> u64 {
        if !hashing {
            return 0;
        }
        let mut h = std::collections::hash_map::DefaultHasher::new();
        let _ = serde_json::to_writer(HashWriter(&mut h), view);
        std::hash::Hasher::finish(&h)
    }

    /// `view` with `field` in its field `key`, which `slot` gives (None until then, and left out
    /// of the serialized view while it is): the same value and hash as
    /// `Shared::new(&view).with(key, field, hashing)`, but serialized in one pass.
    fn attached<T: Serialize>(
        mut view: T,
        key: &'static str,
        field: &Shared,
        hashing: bool,
        slot: impl FnOnce(&mut T) -> &mut Option<tera::Value>,
    ) -> Shared {
        let hash = if hashing {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            std::hash::Hash::hash(&(Shared::hash_of(&view, true), key, field.hash), &mut h);
            std::hash::Hasher::finish(&h)
        } else {
            0
        };
        *slot(&mut view) = Some(field.value.clone());
        Shared { value: tera::Value::from_serializable(&view), hash }
    }

    /// A list of shared values as one value; its hash is 0 without `hashing` (SipHash costs a
    /// few hundred instructions a list, and an article's page value holds five).
    fn list<'s>(items: impl Iterator<Item = &'s Shared>, hashing: bool) -> Shared {
        let mut h = hashing.then(std::collections::hash_map::DefaultHasher::new);
        let values: Vec<tera::Value> = items
            .map(|item| {
                if let Some(h) = &mut h {
                    std::hash::Hash::hash(&item.hash, h);
                }
                item.value.clone()
            })
            .collect();
        Shared { value: tera::Value::from(values), hash: h.map_or(0, |h| std::hash::Hasher::finish(&h)) }
    }

    /// This value (a map) with one more field; its hash is 0 without `hashing`.
    fn with(&self, key: &'static str, field: &Shared, hashing: bool) -> Shared {
        let value = Fields { base: self.value.as_map(), own: &[(key, &field.value)] }.value();
        let hash = if hashing {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            std::hash::Hash::hash(&(self.hash, key, field.hash), &mut h);
            std::hash::Hasher::finish(&h)
        } else {
            0
        };
        Shared { value, hash }
    }
}

/// A template map made of the fields of another (`base`, shared with other pages) and fields of
/// its own, which replace the base's fields of the same name. The base map is copied as it is
/// (a hash map's copy clones each value, an `Arc`, and rehashes no key), the own fields are
/// put in it, and tera's `Value::from(map)` hashes each key once into the value's map: half
/// the instructions of serializing every field into a new map (an article's page value, and
/// every listing entry's `item_html`), where each value also went through serde's hand-off of
/// a template value.
struct Fields<'v> {
    base: Option<&'v tera::value::Map>,
    own: &'v [(&'static str, &'v tera::Value)],
}

impl Fields<'_> {
    fn value(&self) -> tera::Value {
        let mut map = self.base.cloned().unwrap_or_default();
        map.reserve(self.own.len());
        for (name, value) in self.own {
            map.insert(tera::value::Key::Str(name), (*value).clone());
        }
        tera::Value::from(map)
    }
}

/// A field of a view: built for this view, or a template value shared with other views.
enum Part<T> {
    Own(T),
    Shared(tera::Value),
}

impl<T: Serialize> Serialize for Part<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Part::Own(own) => own.serialize(serializer),
            Part::Shared(value) => value.serialize(serializer),
        }
    }
}

/// The fields of a page's listing entry that are values shared with other views: its terms'
/// links and its neighbours' and section's links.
struct SharedLinks {
    tags: tera::Value,
    taxonomies: tera::Value,
    lower: tera::Value,
    higher: tera::Value,
    section: tera::Value,
}

/// Rendered pages kept between builds: (template, context hash) → HTML. Valid as long as the
/// templates are the same, so it lives inside [`Templates`].
#[derive(Default)]
struct RenderCache {
    /// (template, context hash) → (HTML, the build that last used it).
    entries: std::sync::Mutex<std::collections::HashMap<(String, u64), CachedHtml>>,
    generation: std::sync::atomic::AtomicU64,
}

type CachedHtml = (std::sync::Arc<[u8]>, u64);

/// A rendered page: in the render thread's buffer, or kept by the render cache.
enum Rendered<'a> {
    Buffer(&'a [u8]),
    Kept(std::sync::Arc<[u8]>),
}

impl Rendered<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Rendered::Buffer(bytes) => bytes,
            Rendered::Kept(bytes) => bytes,
        }
    }
}

/// The template engine with the theme's and the site's templates loaded.
pub struct Templates {
    cache: RenderCache,
    /// Keep rendered pages for the next build (`serve`); off for one-off builds.
    caching: std::sync::atomic::AtomicBool,
    tera: tera::Tera,
    /// Template name to the file it was read from, for error messages.
    files: BTreeMap<String, PathBuf>,
    /// The theme's `static/` folder.
    pub theme_static: PathBuf,
}

/// The templates a theme must provide.
pub const REQUIRED: &[&str] = &[
    "index.html",
    "section.html",
    "page.html",
    "taxonomy_list.html",
    "taxonomy_single.html",
    "topic.html",
    "topic_list.html",
    "graph.html",
    "404.html",
];

/// The component each listing entry is rendered with once per build, when the theme defines it:
/// its output is the entry's `item_html` (see `Views::with_items`).
pub const LISTING_ITEM: &str = "page_item";

/// Articles listed on a glossary entry's page as mentioning it; the count gives the rest.
const MENTIONS_SHOWN: usize = 50;

/// Nodes drawn on `/graph/` (topic themes are always drawn); `graph.json` holds them all.
const GRAPH_MAX_NODES: usize = 400;

impl Templates {
    /// Load `themes/<theme>/templates/**` then `templates/**` (the site's own, which win).
    pub fn load(config: &Config) -> Result<Templates, Vec<Diagnostic>> {
        let theme_dir = config.root.join("themes").join(&config.theme);
        if !theme_dir.is_dir() {
            return Err(vec![Diagnostic::error(
                "site.toml",
                0,
                0,
                format!("theme {:?} not found: no folder {}", config.theme, shown(config, &theme_dir).display()),
            )]);
        }
        let mut sources: BTreeMap<String, (PathBuf, String)> = BTreeMap::new();
        let mut problems = Vec::new();
        for dir in [theme_dir.join("templates"), config.root.join("templates")] {
            if !dir.is_dir() {
                continue;
            }
            for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(e) => {
                        problems.push(Diagnostic::error(shown(config, &dir), 0, 0, format!("cannot read: {e}")));
                        continue;
                    }
                };
                let name_ok = entry.file_name().to_str().is_some_and(|n| !crate::content::is_ignored(n));
                if !entry.file_type().is_file() || !name_ok {
                    continue;
                }
                let name = entry.path().strip_prefix(&dir).unwrap_or(entry.path()).to_string_lossy().replace('\\', "/");
                match std::fs::read_to_string(entry.path()) {
                    Ok(text) => {
                        sources.insert(name, (entry.path().to_path_buf(), text));
                    }
                    Err(e) => {
                        problems.push(Diagnostic::error(shown(config, entry.path()), 0, 0, format!("cannot read: {e}")))
                    }
                }
            }
        }
        for required in REQUIRED {
            if !sources.contains_key(*required) {
                problems.push(Diagnostic::error(
                    shown(config, &theme_dir.join("templates")),
                    0,
                    0,
                    format!("theme {:?} has no template {required}", config.theme),
                ));
            }
        }
        let files: BTreeMap<String, PathBuf> =
            sources.iter().map(|(name, (path, _))| (name.clone(), shown(config, path))).collect();
        let mut tera = tera::Tera::new();
        tera.autoescape_on(vec![".html", ".xml"]);
        tera.set_escape_fn(escape_html_into);
        tera.register_filter("safe", safe);
        if let Err(e) = tera.add_raw_templates(sources.iter().map(|(name, (_, text))| (name.as_str(), text.as_str()))) {
            problems.extend(template_errors(&e, &files, None));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Templates {
            cache: RenderCache::default(),
            caching: Default::default(),
            tera,
            files,
            theme_static: theme_dir.join("static"),
        })
    }

    /// Render `name` with `context` and hand the HTML to `out`, or hand it what the same template
    /// made of the same context in an earlier build.
    fn render<R>(
        &self,
        name: &str,
        context: &Ctx,
        for_page: &str,
        out: impl FnOnce(Rendered) -> Result<R, Diagnostic>,
    ) -> Result<R, Diagnostic> {
        use std::sync::atomic::Ordering;
        let Some(hash) = context.key() else {
            // Nothing is kept: the page goes to `out` straight from the render buffer, with no
            // copy of its own (a whole page for each of the site's tens of thousands).
            return self.render_into(name, context, for_page, |html| out(Rendered::Buffer(html)));
        };
        let generation = self.cache.generation.load(Ordering::Relaxed);
        let key = (name.to_string(), hash);
        let mut entries = self.cache.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((html, used)) = entries.get_mut(&key) {
            *used = generation;
            let html = html.clone();
            drop(entries);
            return out(Rendered::Kept(html));
        }
        drop(entries);
        let html = self.render_into(name, context, for_page, |html| Ok(std::sync::Arc::<[u8]>::from(html)))?;
        let mut entries = self.cache.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.insert(key, (html.clone(), generation));
        drop(entries);
        out(Rendered::Kept(html))
    }

    /// Render `name` with `context` into this thread's render buffer and hand the bytes to `out`.
    fn render_into<R>(
        &self,
        name: &str,
        context: &Ctx,
        for_page: &str,
        out: impl FnOnce(&[u8]) -> Result<R, Diagnostic>,
    ) -> Result<R, Diagnostic> {
        thread_local! {
            // Each render thread renders into one buffer that keeps its size, rather than a
            // vector grown by doubling for every page.
            static BUFFER: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(64 * 1024));
        }
        BUFFER.with_borrow_mut(|html| {
            html.clear();
            // Into bytes: tera's `render` would check again that its own output is UTF-8.
            self.tera
                .render_to(name, &context.tera, &mut *html)
                .map_err(|e| template_error(&e, &self.files, Some(for_page)))?;
            let result = out(html);
            if html.capacity() > 1 << 20 {
                // Not kept at the size of an exceptional page (the graph page's drawing).
                *html = Vec::with_capacity(64 * 1024);
            }
            result
        })
    }

    /// Keep rendered pages from now on, for builds that reuse these templates.
    pub fn keep_rendered_pages(&self) {
        self.caching.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Start a build: entries not used since the previous start are dropped.
    fn next_generation(&self) {
        use std::sync::atomic::Ordering;
        let previous = self.cache.generation.fetch_add(1, Ordering::Relaxed);
        let mut entries = self.cache.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|_, (_, used)| *used >= previous);
    }

    pub fn has(&self, name: &str) -> bool {
        self.files.contains_key(name)
    }
}

fn shown(config: &Config, path: &Path) -> PathBuf {
    crate::diagnostics::display_path(&config.root, path)
}

/// A tera error as a diagnostic pointing into the template file.
fn template_error(e: &tera::Error, files: &BTreeMap<String, PathBuf>, for_page: Option<&str>) -> Diagnostic {
    let mut diagnostics = template_errors(e, files, for_page);
    diagnostics.swap_remove(0)
}

/// Every problem a tera error reports, each at its template file, line and column (at least
/// one). Tera checks the filters, tests, functions and components a template calls only once
/// all are loaded, and reports the unknown ones as one message of rustc-style reports
/// (`error: Unknown filter `x`` / ` --> page.html:3:8` / the line / the carets): each becomes a
/// diagnostic of its own, at the file the template was read from.
fn template_errors(e: &tera::Error, files: &BTreeMap<String, PathBuf>, for_page: Option<&str>) -> Vec<Diagnostic> {
    let file = |name: &str| files.get(name).cloned().unwrap_or_else(|| PathBuf::from(name));
    let mut diagnostics = match e.kind() {
        tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) => {
            let span = report.span();
            let length = if span.end_line == span.start_line { span.end_col.saturating_sub(span.start_col) } else { 1 };
            vec![
                Diagnostic::error(
                    file(report.filename()),
                    span.start_line,
                    span.start_col + 1,
                    format!("template: {}", report.message()),
                )
                .with_length(length),
            ]
        }
        tera::ErrorKind::Msg(text) => reports_in(text)
            .into_iter()
            .map(|r| {
                Diagnostic::error(file(r.template), r.line, r.column, format!("template: {}", r.message))
                    .with_length(r.length)
            })
            .collect(),
        _ => Vec::new(),
    };
    if diagnostics.is_empty() {
        diagnostics.push(Diagnostic::error("templates", 0, 0, format!("template: {e}")));
    }
    if let Some(page) = for_page {
        diagnostics = diagnostics.into_iter().map(|d| d.with_help(format!("while rendering {page}"))).collect();
    }
    diagnostics
}

/// One rustc-style report in a tera message.
#[derive(Debug, PartialEq)]
struct Report<'m> {
    message: &'m str,
    template: &'m str,
    line: usize,
    column: usize,
    length: usize,
}

/// The reports in `text`, in order; none when it holds no report with a location.
fn reports_in(text: &str) -> Vec<Report<'_>> {
    let mut reports: Vec<Report> = Vec::new();
    let mut message = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("error: ") {
            message = Some(rest);
        } else if let (Some(at), Some(message)) = (line.trim_start().strip_prefix("--> "), message.take()) {
            let mut parts = at.rsplitn(3, ':');
            let (Some(column), Some(number), Some(template)) = (parts.next(), parts.next(), parts.next()) else {
                continue;
            };
            let (Ok(column), Ok(number)) = (column.parse(), number.parse()) else { continue };
            reports.push(Report { message, template, line: number, column, length: 1 });
        } else if let Some(carets) = line.trim_start().strip_prefix('|').map(str::trim)
            && !carets.is_empty()
            && carets.chars().all(|c| c == '^')
            && let Some(report) = reports.last_mut()
        {
            report.length = carets.chars().count();
        }
    }
    reports
}

// ---------------------------------------------------------------------------------------------
// Views: what templates see.

/// Whether HTML escaping leaves `text` as it is (no `&`, `<`, `>`, `"` or `'`).
fn is_plain(text: &str) -> bool {
    first_to_escape(text.as_bytes()).is_none()
}

/// A text field of a view, serialized into a template value that is already marked safe when
/// escaping would not change it. Tera escapes every string it prints that is not marked safe,
/// through a call of `escape_html_into` (about 150 instructions for a title or a URL), and a
/// listing entry's, a link's or a term's texts are printed on many pages (an article page prints
/// about 130 texts): each is checked once here instead of on every print. A text marked so prints
/// the same bytes, compares equal, and tera's filters treat it as they treat an escaped text
/// (`replace`, `join` and the like escape what they add to it), so templates see no difference.
/// Serialized by anything but tera (the render cache's hash), it is a plain string.
struct Text<'a>(&'a str);

impl Serialize for Text<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if is_plain(self.0) {
            tera::Value::safe_string(self.0).serialize(serializer)
        } else {
            serializer.serialize_str(self.0)
        }
    }
}

/// `serialize_with` for a text field of a view: see [`Text`].
fn text<T: AsRef<str>, S: serde::Serializer>(text: &T, serializer: S) -> Result<S::Ok, S::Error> {
    Text(text.as_ref()).serialize(serializer)
}

/// `serialize_with` for an optional text field of a view: see [`Text`].
fn optional_text<T: AsRef<str>, S: serde::Serializer>(text: &Option<T>, serializer: S) -> Result<S::Ok, S::Error> {
    text.as_ref().map(|t| Text(t.as_ref())).serialize(serializer)
}

/// `text` as a template value, marked safe as [`Text`] marks it.
fn text_value(text: &str) -> tera::Value {
    if is_plain(text) { tera::Value::safe_string(text) } else { tera::Value::from(text) }
}

/// `value` with every text in it marked safe as [`Text`] marks it: for the site-wide variables,
/// made once per render thread and printed on every page (the site's title, base URL and asset
/// URLs, some twenty texts a page).
fn with_texts_marked(value: tera::Value) -> tera::Value {
    if let Some(text) = value.as_str() {
        return if is_plain(text) { value.mark_safe() } else { value };
    }
    if value.is_map() {
        let map = value.into_map().unwrap_or_default();
        let marked: tera::value::Map = map.into_iter().map(|(key, value)| (key, with_texts_marked(value))).collect();
        return tera::Value::from(marked);
    }
    if let Some(items) = value.as_array() {
        return tera::Value::from(items.iter().cloned().map(with_texts_marked).collect::<Vec<_>>());
    }
    value
}

#[derive(Serialize)]
struct ConfigView<'a> {
    title: &'a str,
    description: &'a str,
    base_url: &'a str,
    language: &'a str,
    /// `language` as Open Graph writes it (`zh_CN`): made once here rather than by a `replace`
    /// filter on every article page (~5,000 instructions each).
    locale: String,
    author: Option<&'a str>,
    extra: &'a BTreeMap<String, toml::Value>,
}

#[derive(Serialize, Clone)]
struct Link<'a> {
    #[serde(serialize_with = "text")]
    title: &'a str,
    #[serde(serialize_with = "text")]
    permalink: String,
}

#[derive(Serialize)]
struct TermLink<'a> {
    #[serde(serialize_with = "text")]
    name: &'a str,
    slug: &'a str,
    #[serde(serialize_with = "text")]
    permalink: String,
}

#[derive(Serialize)]
struct AuthorView<'a> {
    #[serde(serialize_with = "text")]
    name: &'a str,
    permalink: Option<String>,
    homepage: Option<&'a str>,
}

#[derive(Serialize)]
struct SourceView<'a> {
    original_url: Option<&'a str>,
    views: Option<u64>,
    comments: Option<u64>,
    collects: Option<u64>,
    category: Option<&'a str>,
}

#[derive(Serialize)]
struct TocView<'a> {
    level: u8,
    id: &'a str,
    title: &'a str,
    permalink: String,
    children: Vec<TocView<'a>>,
}

#[derive(Serialize)]
struct PageView<'a> {
    #[serde(serialize_with = "text")]
    title: &'a str,
    #[serde(serialize_with = "text")]
    description: &'a str,
    #[serde(serialize_with = "text")]
    summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<&'a str>,
    #[serde(serialize_with = "text")]
    permalink: String,
    path: String,
    slug: &'a str,
    #[serde(serialize_with = "optional_text")]
    date: Option<String>,
    #[serde(serialize_with = "optional_text")]
    updated: Option<String>,
    draft: bool,
    lang: &'a str,
    word_count: usize,
    reading_time: u32,
    toc: Vec<TocView<'a>>,
    tags: Part<Vec<TermLink<'a>>>,
    taxonomies: Part<BTreeMap<&'a str, Vec<TermLink<'a>>>>,
    authors: Vec<AuthorView<'a>>,
    category: Option<&'a str>,
    source: Option<SourceView<'a>>,
    extra: &'a serde_json::Value,
    lower: Part<Option<Link<'a>>>,
    higher: Part<Option<Link<'a>>>,
    section: Part<Option<Link<'a>>>,
    /// Topic themes this page belongs to, with the section behind each.
    themes: Vec<PageTopicView<'a>>,
    /// Pages linking here (only on the page's own template).
    backlinks: Vec<BacklinkView<'a>>,
    /// Glossary terms this page mentions (only on the page's own template).
    glossary_terms: Vec<Link<'a>>,
    /// Glossary entries: the first [`MENTIONS_SHOWN`] articles that mention the term (only on the
    /// page's own template).
    mentioned_in: Vec<Link<'a>>,
    /// Glossary entries: how many articles mention the term.
    mentioned_count: usize,
    /// The most related articles, best first (only on the page's own template).
    related: Vec<Link<'a>>,
    /// Schema.org `Article` data as JSON, safe inside `<script type="application/ld+json">`
    /// (only on the page's own template; print it with `| safe`).
    json_ld: String,
}

/// Schema.org `Article` data, serialized straight from the page rather than through a
/// `serde_json::Value` map built and dropped for every page. The fields are in the order of
/// their names, the order such a map writes them in, which pages have always had.
#[derive(Serialize)]
struct JsonLd<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    author: Vec<JsonLdPerson<'a>>,
    #[serde(rename = "dateModified", skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    #[serde(rename = "datePublished", skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    description: &'a str,
    headline: &'a str,
    #[serde(rename = "inLanguage")]
    in_language: &'a str,
    #[serde(rename = "isBasedOn", skip_serializing_if = "Option::is_none")]
    is_based_on: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keywords: Option<String>,
    #[serde(rename = "mainEntityOfPage")]
    main_entity_of_page: &'a str,
    url: &'a str,
    #[serde(rename = "wordCount")]
    word_count: usize,
}

#[derive(Serialize)]
struct JsonLdPerson<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

#[derive(Serialize)]
struct SectionRef<'a> {
    heading: Option<&'a str>,
    permalink: String,
}

#[derive(Serialize)]
struct PageTopicView<'a> {
    title: Part<&'a str>,
    slug: &'a str,
    permalink: Part<String>,
    section: Part<Option<SectionRef<'a>>>,
    score: f64,
    snippet: &'a str,
    declared: bool,
}

#[derive(Serialize)]
struct BacklinkView<'a> {
    title: &'a str,
    permalink: String,
    context: &'a str,
}

/// A member of a topic theme; templates also get `page`, its listing entry.
#[derive(Serialize)]
struct TopicMemberView<'a> {
    section: Option<SectionRef<'a>>,
    score: f64,
    snippet: &'a str,
    declared: bool,
    /// The member's listing entry (see [`Shared::attached`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<tera::Value>,
}

#[derive(Serialize)]
struct TopicView<'a> {
    title: &'a str,
    slug: &'a str,
    description: &'a str,
    content: &'a str,
    permalink: String,
    count: usize,
    /// How many of the best members the theme's pages list (at most [`TOPIC_LISTED`]).
    listed: usize,
    /// The search page filtered to this theme, where every member can be found.
    search_url: String,
    /// The members on this pager page (see [`Shared::attached`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    articles: Option<tera::Value>,
}

#[derive(Serialize)]
struct TopicSummaryView<'a> {
    title: &'a str,
    slug: &'a str,
    description: &'a str,
    permalink: String,
    count: usize,
}

#[derive(Serialize)]
struct SubsectionView<'a> {
    title: &'a str,
    permalink: String,
    page_count: usize,
}

/// A section; templates also get `pages`, the listing entries of its pages.
#[derive(Serialize)]
struct SectionView<'a> {
    title: &'a str,
    description: &'a str,
    content: &'a str,
    permalink: String,
    path: String,
    subsections: Vec<SubsectionView<'a>>,
    page_count: usize,
    extra: &'a serde_json::Value,
    /// The listing entries of its pages (see [`Shared::attached`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pages: Option<tera::Value>,
}

/// One page of a listing; templates also get `pages`, the listing entries on it.
#[derive(Serialize)]
struct Paginator {
    current_index: usize,
    number_pagers: usize,
    paginate_by: usize,
    first: String,
    last: String,
    previous: Option<String>,
    next: Option<String>,
    /// The listing entries on this pager page (see [`Shared::attached`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pages: Option<tera::Value>,
}

#[derive(Serialize)]
struct TaxonomyView<'a> {
    name: &'a str,
    title: &'a str,
    permalink: String,
}

#[derive(Serialize)]
struct TermView<'a> {
    name: &'a str,
    slug: &'a str,
    permalink: String,
    count: usize,
    feed: Option<String>,
}

/// Renders the views of one site.
struct Views<'a> {
    site: &'a Site,
    config: &'a Config,
    /// The year of the newest page (not the clock: the same input gives the same output).
    year: Option<i32>,
    /// Hash contexts, so that unchanged pages come from the templates' cache.
    hashing: bool,
    /// Each page's view as listings show it (no content), serialized once; None for sections.
    entries: Vec<Option<Shared>>,
    /// Each page's link (title and permalink), serialized once: listings, neighbours, related
    /// articles and glossary lists all show the same few thousand links.
    links: Vec<Shared>,
    /// Each topic theme's permalink as a template value, for the listing entries' `themes`.
    topic_permalinks: Vec<tera::Value>,
    /// Each topic theme's title as a template value, for the listing entries' `themes` (six
    /// or seven a page in the generated benchmark site).
    topic_titles: Vec<tera::Value>,
    /// The hash of the variables every template gets but `current_url` and `current_path`
    /// ([`Views::site_globals`]; 0 without `hashing`). Each render thread builds its own copy
    /// of the variables themselves.
    globals_hash: u64,
    /// Tells these views from others, for the render threads' own copies of the globals.
    id: u64,
}

impl<'a> Views<'a> {
    /// The views of `site`; with `hashing`, contexts are hashed for the render cache.
    fn new(site: &'a Site, hashing: bool) -> Views<'a> {
        let year =
            site.pages.iter().filter_map(|p| p.source.meta.updated.or(p.source.meta.date)).max().map(|d| d.date.year());
        let mut views = Views {
            site,
            config: &site.config,
            year,
            hashing,
            entries: Vec::new(),
            links: Vec::new(),
            topic_permalinks: Vec::new(),
            topic_titles: Vec::new(),
            globals_hash: 0,
            id: {
                static VIEWS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
                VIEWS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
        };
        if hashing {
            views.globals_hash = views.site_globals().1;
        }
        views
    }

    /// Serialize every page's listing entry, in parallel. What many entries hold alike — a
    /// term's link, a page's link as a neighbour or a section — is one shared value, which is
    /// what keeps thousands of entries small (a tera map costs a few hundred bytes).
    fn with_entries(mut self) -> Views<'a> {
        let terms: Vec<Vec<tera::Value>> = self
            .site
            .taxonomies
            .iter()
            .map(|taxonomy| {
                let term_link = |term: &'a Term| TermLink {
                    name: &term.name,
                    slug: &term.slug,
                    permalink: self.url(&Self::term_path(taxonomy, term)),
                };
                taxonomy.terms.iter().map(|term| tera::Value::from_serializable(&term_link(term))).collect()
            })
            .collect();
        self.topic_permalinks =
            self.site.topics.iter().map(|t| text_value(&self.url(&self.site.pages[t.page].path))).collect();
        self.topic_titles = self.site.topics.iter().map(|t| text_value(self.site.pages[t.page].title())).collect();
        self.links =
            (0..self.site.pages.len()).into_par_iter().map(|n| Shared::new(&self.link(n), self.hashing)).collect();
        let link = |n: Option<usize>| n.map_or_else(tera::Value::none, |n| self.links[n].value.clone());
        self.entries = (0..self.site.pages.len())
            .into_par_iter()
            .map(|n| {
                let page = &self.site.pages[n];
                if page.is_section() {
                    return None;
                }
                let mut taxonomies = BTreeMap::new();
                let mut tags = tera::Value::from(Vec::<tera::Value>::new());
                for (t, taxonomy) in self.site.taxonomies.iter().enumerate() {
                    let Some(numbers) = page.terms.get(taxonomy.name()).filter(|list| !list.is_empty()) else {
                        continue;
                    };
                    let list = tera::Value::from(numbers.iter().map(|&i| terms[t][i].clone()).collect::<Vec<_>>());
                    if taxonomy.name() == "tags" {
                        tags = list.clone();
                    }
                    taxonomies.insert(taxonomy.name().to_string(), list);
                }
                let shared = SharedLinks {
                    tags,
                    taxonomies: tera::Value::from(taxonomies),
                    lower: link(page.lower),
                    higher: link(page.higher),
                    section: link(page.parent),
                };
                let value = tera::Value::from_serializable(&self.page_view(n, false, Some(shared)));
                let hash = if self.hashing { Shared::new(&self.page(n, false), true).hash } else { 0 };
                Some(Shared { value, hash })
            })
            .collect();
        self
    }

    /// When the theme defines the component [`LISTING_ITEM`], every listing entry gets its
    /// output for the page as `item_html` (with `p` the entry and any other argument at its
    /// default). A page is listed on its section's pager pages, on every term page of its tags,
    /// authors and categories and on the home page, ten or so listings each: the listing
    /// templates print `{{ p.item_html | safe }}` instead of rendering the same item again on
    /// each of them (a thirtieth of a build's instructions at 10,000 articles). Errors name the
    /// template and the page.
    fn with_items(mut self, templates: &Templates) -> (Views<'a>, Vec<Diagnostic>) {
        if !templates.tera.contains_component(LISTING_ITEM) {
            return (self, Vec::new());
        }
        let entries = std::mem::take(&mut self.entries);
        let done: Vec<(Option<Shared>, Option<Diagnostic>)> = entries
            .into_par_iter()
            .enumerate()
            .map(|(n, entry)| {
                let Some(entry) = entry else { return (None, None) };
                let mut context = tera::Context::new();
                context.insert_value("p", entry.value.clone());
                match templates.tera.render_component(LISTING_ITEM, &context, None, true) {
                    Ok(html) => {
                        // The item follows from the entry (and the templates, which the render
                        // cache is kept for): it adds nothing of its own to the hash.
                        let item = Shared { value: tera::Value::safe_string(&html), hash: 0 };
                        (Some(entry.with("item_html", &item, self.hashing)), None)
                    }
                    Err(e) => {
                        let shown = self.site.pages[n].source.display.to_string_lossy();
                        (Some(entry), Some(template_error(&e, &templates.files, Some(&shown))))
                    }
                }
            })
            .collect();
        let mut problems: Vec<Diagnostic> = Vec::new();
        self.entries = done
            .into_iter()
            .map(|(entry, problem)| {
                // Each problem once, for the first page it shows on, not once for every page.
                let seen = |p: &Diagnostic, q: &Diagnostic| {
                    (&p.path, p.line, p.column, &p.message) == (&q.path, q.line, q.column, &q.message)
                };
                problems.extend(problem.filter(|problem| !problems.iter().any(|p| seen(p, problem))));
                entry
            })
            .collect();
        (self, problems)
    }

    /// The listing entry of page `n`.
    fn entry(&self, n: usize) -> Shared {
        match self.entries.get(n).and_then(Option::as_ref) {
            Some(entry) => entry.clone(),
            None => Shared::new(&self.page(n, false), self.hashing),
        }
    }

    /// The listing entries of `pages`, as one list.
    fn entries_of(&self, pages: &[usize]) -> Shared {
        let entries: Vec<Shared> = pages.iter().map(|&n| self.entry(n)).collect();
        Shared::list(entries.iter(), self.hashing)
    }

    fn url(&self, site_path: &str) -> String {
        self.config.url(site_path)
    }

    fn link(&self, number: usize) -> Link<'a> {
        let page = &self.site.pages[number];
        Link { title: page.title(), permalink: self.url(&page.path) }
    }

    fn term_path(taxonomy: &Taxonomy, term: &Term) -> String {
        ["/", taxonomy.name(), "/", &term.slug, "/"].concat()
    }

    fn terms_of(&self, page: &'a Page, taxonomy: &'a Taxonomy) -> Vec<TermLink<'a>> {
        page.terms
            .get(taxonomy.name())
            .map(|numbers| {
                numbers
                    .iter()
                    .map(|&n| {
                        let term = &taxonomy.terms[n];
                        TermLink {
                            name: &term.name,
                            slug: &term.slug,
                            permalink: self.url(&Self::term_path(taxonomy, term)),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The table of contents of the page at `url`.
    fn toc(&self, url: &str, entries: &'a [TocEntry]) -> Vec<TocView<'a>> {
        entries
            .iter()
            .map(|e| TocView {
                level: e.level,
                id: &e.id,
                title: &e.title,
                permalink: [url, "#", &e.id].concat(),
                children: self.toc(url, &e.children),
            })
            .collect()
    }

    fn page(&self, number: usize, with_content: bool) -> PageView<'a> {
        self.page_view(number, with_content, None)
    }

    /// The link of page `n`.
    fn link_value(&self, n: usize) -> Shared {
        match self.links.get(n) {
            Some(link) => link.clone(),
            None => Shared::new(&self.link(n), self.hashing),
        }
    }

    /// The links of `pages`, as one list.
    fn links_of(&self, pages: impl Iterator<Item = usize>) -> Shared {
        let links: Vec<Shared> = pages.map(|n| self.link_value(n)).collect();
        Shared::list(links.iter(), self.hashing)
    }

    /// Page `number` as its own template shows it: the same value as serializing
    /// `page(number, true)`, but built from the page's listing entry, which already holds
    /// everything but the fields below (the URLs, terms, neighbours and themes a page view
    /// would format and serialize again), and with every linked page's shared link.
    fn article(&self, number: usize) -> Shared {
        let page = &self.site.pages[number];
        let entry = self.entry(number);
        let mut hash = self.hashing.then(|| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            std::hash::Hash::hash(&entry.hash, &mut h);
            h
        });
        let mut own: Vec<(&'static str, tera::Value)> = Vec::with_capacity(7);
        // Each field goes into the render cache's hash as it goes into the map, so that no
        // field the page shows can be left out of it.
        let mut put = |key: &'static str, field: Shared| {
            own.push((key, field.value));
            if let Some(h) = &mut hash {
                std::hash::Hash::hash(&(key, field.hash), h);
            }
        };
        let url = self.url(&page.path);
        put("content", Shared::new(page.rendered.html.as_str(), self.hashing));
        put("toc", Shared::new(&self.toc(&url, &page.rendered.toc), self.hashing));
        let backlinks: Vec<Shared> = page
            .backlinks
            .iter()
            .map(|b| {
                self.link_value(b.page).with("context", &Shared::new(b.context.as_str(), self.hashing), self.hashing)
            })
            .collect();
        put("backlinks", Shared::list(backlinks.iter(), self.hashing));
        put("glossary_terms", self.links_of(page.rendered.glossary_terms.iter().copied()));
        put("mentioned_in", self.links_of(page.mentioned_in.iter().take(MENTIONS_SHOWN).copied()));
        put("related", self.links_of(page.related.iter().copied()));
        put("json_ld", Shared::new(self.json_ld(page, &url).as_str(), self.hashing));
        let own: Vec<(&'static str, &tera::Value)> = own.iter().map(|(key, value)| (*key, value)).collect();
        let value = Fields { base: entry.value.as_map(), own: &own }.value();
        Shared { value, hash: hash.map_or(0, |h| std::hash::Hasher::finish(&h)) }
    }

    /// [`Views::page`]; with `shared`, `tags`, `taxonomies`, `lower`, `higher` and `section`
    /// are those values, shared with other views, rather than built and serialized again.
    fn page_view(&self, number: usize, with_content: bool, shared: Option<SharedLinks>) -> PageView<'a> {
        let links = shared.is_none();
        let page = &self.site.pages[number];
        let meta = &page.source.meta;
        let mut taxonomies = BTreeMap::new();
        let mut tags = Vec::new();
        let mut authors = Vec::new();
        for taxonomy in &self.site.taxonomies {
            if taxonomy.name() == "tags" && links {
                tags = self.terms_of(page, taxonomy);
            }
            if taxonomy.name() == "authors" {
                authors = self
                    .terms_of(page, taxonomy)
                    .into_iter()
                    .map(|t| AuthorView {
                        name: t.name,
                        homepage: meta.author_urls.get(t.name).map(String::as_str),
                        permalink: Some(t.permalink),
                    })
                    .collect();
            }
            let terms = if links { self.terms_of(page, taxonomy) } else { Vec::new() };
            if !terms.is_empty() {
                taxonomies.insert(taxonomy.name(), terms);
            }
        }
        let link = |n: Option<usize>| Part::Own(n.map(|n| self.link(n)));
        let (tags, taxonomies, lower, higher, section) = match shared {
            Some(shared) => (
                Part::Shared(shared.tags),
                Part::Shared(shared.taxonomies),
                Part::Shared(shared.lower),
                Part::Shared(shared.higher),
                Part::Shared(shared.section),
            ),
            None => (Part::Own(tags), Part::Own(taxonomies), link(page.lower), link(page.higher), link(page.parent)),
        };
        let slug = page.path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
        PageView {
            title: &meta.title,
            description: meta.description.as_deref().unwrap_or(""),
            summary: &page.summary,
            content: with_content.then_some(page.rendered.html.as_str()),
            permalink: self.url(&page.path),
            path: self.config.served_path(&page.path),
            slug,
            date: meta.date.map(|d| d.ymd()),
            updated: meta.updated.map(|d| d.ymd()),
            draft: meta.draft,
            lang: &self.config.language,
            word_count: page.rendered.word_count,
            reading_time: page.rendered.reading_time,
            toc: if with_content { self.toc(&self.url(&page.path), &page.rendered.toc) } else { Vec::new() },
            tags,
            taxonomies,
            authors,
            category: meta.taxonomies.get("categories").and_then(|c| c.first()).map(String::as_str),
            source: meta.source.as_ref().map(|s| SourceView {
                original_url: s.original_url.as_deref(),
                views: s.views,
                comments: s.comments,
                collects: s.collects,
                category: s.category.as_deref(),
            }),
            extra: &meta.extra,
            lower,
            higher,
            section,
            themes: {
                // A listing entry stays in memory for the whole render, and a page belongs to
                // several themes (six or seven in the generated benchmark site), often through
                // the same section: there each theme's title and permalink are the topic's one value, and
                // the themes pointing at one section share its value.
                let mut sections: Vec<(usize, tera::Value)> = Vec::new();
                let mut section_value = |i: usize| match sections.iter().find(|(j, _)| *j == i) {
                    Some((_, value)) => value.clone(),
                    None => {
                        let value = tera::Value::from_serializable(&self.section_ref(number, i));
                        sections.push((i, value.clone()));
                        value
                    }
                };
                page.topics
                    .iter()
                    .map(|t| {
                        let topic = &self.site.topics[t.topic];
                        let shared_permalink = self.topic_permalinks.get(t.topic).filter(|_| !links);
                        let (title, permalink, section) = match shared_permalink {
                            Some(permalink) => (
                                Part::Shared(self.topic_titles[t.topic].clone()),
                                Part::Shared(permalink.clone()),
                                t.section.map_or(Part::Own(None), |i| Part::Shared(section_value(i))),
                            ),
                            None => (
                                Part::Own(self.site.pages[topic.page].title()),
                                Part::Own(self.url(&self.site.pages[topic.page].path)),
                                Part::Own(t.section.map(|i| self.section_ref(number, i))),
                            ),
                        };
                        PageTopicView {
                            title,
                            slug: &topic.slug,
                            permalink,
                            section,
                            score: round2(t.score),
                            snippet: &t.snippet,
                            declared: t.declared,
                        }
                    })
                    .collect()
            },
            backlinks: if with_content {
                page.backlinks
                    .iter()
                    .map(|b| BacklinkView {
                        title: self.site.pages[b.page].title(),
                        permalink: self.url(&self.site.pages[b.page].path),
                        context: &b.context,
                    })
                    .collect()
            } else {
                Vec::new()
            },
            glossary_terms: if with_content {
                page.rendered.glossary_terms.iter().map(|&n| self.link(n)).collect()
            } else {
                Vec::new()
            },
            mentioned_in: if with_content {
                page.mentioned_in.iter().take(MENTIONS_SHOWN).map(|&n| self.link(n)).collect()
            } else {
                Vec::new()
            },
            mentioned_count: page.mentioned_in.len(),
            related: if with_content { page.related.iter().map(|&n| self.link(n)).collect() } else { Vec::new() },
            json_ld: if with_content { self.json_ld(page, &self.url(&page.path)) } else { String::new() },
        }
    }

    /// Schema.org `Article` data for the page at `url`, escaped for a `<script>` element.
    fn json_ld(&self, page: &Page, url: &str) -> String {
        let meta = &page.source.meta;
        let published = meta.date.map(|date| date.rfc3339());
        let data = JsonLd {
            context: "https://schema.org",
            kind: "Article",
            author: meta
                .taxonomies
                .get("authors")
                .into_iter()
                .flatten()
                .map(|name| JsonLdPerson { kind: "Person", name, url: meta.author_urls.get(name).map(String::as_str) })
                .collect(),
            // Most pages were never updated: their one date is formatted once.
            date_modified: match (meta.date, meta.updated) {
                (Some(_), Some(updated)) => Some(updated.rfc3339()),
                _ => published.clone(),
            },
            date_published: published,
            description: &page.summary,
            headline: &meta.title,
            in_language: &self.config.language,
            is_based_on: meta.source.as_ref().and_then(|s| s.original_url.as_deref()),
            keywords: meta.taxonomies.get("tags").filter(|t| !t.is_empty()).map(|tags| tags.join(", ")),
            main_entity_of_page: url,
            url,
            word_count: page.rendered.word_count,
        };
        // Serializing our own view struct cannot fail. `</script>` or `<!--` in a title must
        // not end the element; few pages have any `<`, `>` or `&` at all, and a byte scan finds
        // that out in a fraction of the instructions of `json_without_markup`'s own check, which
        // decodes every character of the JSON (about 5,000 instructions a page).
        let json = serde_json::to_string(&data).unwrap_or_default();
        if first_of(json.as_bytes(), [b'<', b'>', b'&']).is_some() {
            crate::text::json_without_markup(json)
        } else {
            json
        }
    }

    /// A section of a page (by its index in `rendered.sections`) and its deep link.
    fn section_ref(&self, number: usize, section: usize) -> SectionRef<'a> {
        let page = &self.site.pages[number];
        let info = &page.rendered.sections[section];
        let permalink = match &info.id {
            Some(id) => [self.config.base_url.as_str(), &page.path, "#", id].concat(),
            None => self.url(&page.path),
        };
        SectionRef { heading: info.heading.as_deref(), permalink }
    }

    /// A topic theme with the members ranked `range` (one pager page of them).
    fn topic(&self, index: usize, range: std::ops::Range<usize>) -> Shared {
        let topic = &self.site.topics[index];
        let page = &self.site.pages[topic.page];
        let view = TopicView {
            title: page.title(),
            slug: &topic.slug,
            description: page.source.meta.description.as_deref().unwrap_or(""),
            content: &page.rendered.html,
            permalink: self.url(&page.path),
            count: topic.members.len(),
            listed: listed_members(topic),
            search_url: format!("{}?theme={}", self.url("/search/"), crate::index::encode_query_value(&topic.slug)),
            articles: None,
        };
        let members: Vec<Shared> = topic.members[range]
            .iter()
            .map(|&(n, i)| {
                let link = &self.site.pages[n].topics[i];
                let member = TopicMemberView {
                    section: link.section.map(|s| self.section_ref(n, s)),
                    score: round2(link.score),
                    snippet: &link.snippet,
                    declared: link.declared,
                    page: None,
                };
                Shared::attached(member, "page", &self.entry(n), self.hashing, |m| &mut m.page)
            })
            .collect();
        Shared::attached(view, "articles", &Shared::list(members.iter(), self.hashing), self.hashing, |v| {
            &mut v.articles
        })
    }

    fn topic_summaries(&self) -> Vec<TopicSummaryView<'a>> {
        self.site
            .topics
            .iter()
            .map(|topic| {
                let page = &self.site.pages[topic.page];
                TopicSummaryView {
                    title: page.title(),
                    slug: &topic.slug,
                    description: page.source.meta.description.as_deref().unwrap_or(""),
                    permalink: self.url(&page.path),
                    count: topic.members.len(),
                }
            })
            .collect()
    }

    /// A section with `listed` as its pages.
    fn section(&self, number: usize, listed: &[usize]) -> Shared {
        let page = &self.site.pages[number];
        let meta = &page.source.meta;
        let view = SectionView {
            title: &meta.title,
            description: meta.description.as_deref().unwrap_or(""),
            content: &page.rendered.html,
            permalink: self.url(&page.path),
            path: self.config.served_path(&page.path),
            subsections: page
                .subsections
                .iter()
                .map(|&n| SubsectionView {
                    title: self.site.pages[n].title(),
                    permalink: self.url(&self.site.pages[n].path),
                    page_count: self.site.pages[n].pages.len(),
                })
                .collect(),
            page_count: page.pages.len(),
            extra: &meta.extra,
            pages: None,
        };
        Shared::attached(view, "pages", &self.entries_of(listed), self.hashing, |v| &mut v.pages)
    }

    /// Pager page `i` (from 0) of a listing of `total` items at `base` (a site path: `base`,
    /// `base/page/2/`, ...): its site path and its `paginator`, whose `pages` are the listing
    /// entries of `listed` (empty when the template lists the items itself).
    fn pager(&self, base: &str, total: usize, per_page: usize, i: usize, listed: &[usize]) -> (String, Shared) {
        let count = pager_count(total, per_page);
        // `base`, then `base/page/2/` and on, after `prefix` (the base URL, or nothing).
        let pager_path = |prefix: &str, i: usize| {
            if i == 0 {
                return [prefix, base].concat();
            }
            let mut path = [prefix, base, "page/"].concat();
            let _ = std::fmt::Write::write_fmt(&mut path, format_args!("{}/", i + 1));
            path
        };
        let url = |i: usize| pager_path(&self.config.base_url, i);
        let paginator = Paginator {
            current_index: i + 1,
            number_pagers: count,
            paginate_by: per_page,
            first: url(0),
            last: url(count - 1),
            previous: (i > 0).then(|| url(i - 1)),
            next: (i + 1 < count).then(|| url(i + 1)),
            pages: None,
        };
        let entries = self.entries_of(listed);
        (pager_path("", i), Shared::attached(paginator, "pages", &entries, self.hashing, |p| &mut p.pages))
    }

    /// The context of the page at `current_path`, with the variables every template gets.
    fn globals(&self, current_path: &str) -> Ctx {
        thread_local! {
            /// This thread's own copy of the variables every page gets, and the views it is of.
            static GLOBALS: std::cell::RefCell<(u64, tera::Context)> = Default::default();
        }
        // Every page reads `config`, `nav` and the rest a few dozen times, and tera counts each
        // read on the value's reference count: with one copy for all threads, every read would
        // pull the count's cache line from the other core. Each thread reads its own copy.
        let globals = GLOBALS.with_borrow_mut(|(id, globals)| {
            if *id != self.id {
                *globals = self.site_globals().0;
                *id = self.id;
            }
            globals.clone()
        });
        let mut context = Ctx { tera: globals, hash: self.hashing.then(Default::default) };
        if let Some(h) = &mut context.hash {
            std::hash::Hash::hash(&self.globals_hash, h);
        }
        context.insert("current_url", &self.url(current_path));
        context.insert("current_path", &self.config.served_path(current_path));
        context
    }

    /// The variables that are the same for every page, and their hash.
    fn site_globals(&self) -> (tera::Context, u64) {
        let mut context = Ctx::new(true);
        let config = self.config;
        context.insert_marked(
            "config",
            &ConfigView {
                title: &config.title,
                description: &config.description,
                base_url: &config.base_url,
                language: &config.language,
                locale: config.language.replace('-', "_"),
                author: config.author.as_deref(),
                extra: &config.extra,
            },
        );
        // The header menu: the home section's subsections, then the pages that sit beside the
        // home page itself (such as `content/about.md`), each group in its listing order.
        let nav: Vec<Link> = match self.site.home {
            Some(home) => {
                let home = &self.site.pages[home];
                let top_pages = home.pages.iter().filter(|&&n| !self.site.pages[n].source.rel.contains('/'));
                home.subsections.iter().chain(top_pages).map(|&n| self.link(n)).collect()
            }
            None => Vec::new(),
        };
        context.insert_marked("nav", &nav);
        let taxonomies: Vec<serde_json::Value> = self
            .site
            .taxonomies
            .iter()
            .map(|t| {
                serde_json::json!({
                    "name": t.name(), "title": t.title(),
                    "permalink": self.url(&format!("/{}/", t.name())), "count": t.terms.len(),
                })
            })
            .collect();
        context.insert_marked("taxonomies", &taxonomies);
        context.insert_marked("asset", &self.assets());
        context.insert_marked(
            "build",
            &serde_json::json!({ "generator": "themata", "version": env!("CARGO_PKG_VERSION"), "year": self.year }),
        );
        let hash = context.key().unwrap_or_default();
        (context.tera, hash)
    }

    fn assets(&self) -> BTreeMap<&'static str, String> {
        let mut assets = BTreeMap::new();
        assets.insert("css", self.url("/style.css"));
        assets.insert("js", self.url("/theme.js"));
        assets.insert("highlight_css", self.url("/highlight.css"));
        assets.insert("search_js", self.url("/search.js"));
        assets
    }
}

/// Render the HTML of one page (not a section) of the site: its first file (a topic theme's
/// first pager page).
pub fn render_page(site: &Site, templates: &Templates, number: usize) -> Result<OutputFile, Diagnostic> {
    let views = Views::new(site, templates.caching.load(std::sync::atomic::Ordering::Relaxed));
    let sink = crate::output::Memory::default();
    let job = match site.topics.iter().position(|t| t.page == number) {
        Some(topic) => Job::Topic(number, topic, 0),
        None => Job::Page(number),
    };
    render_job(&views, templates, &job, &sink)?;
    let mut files = sink.into_files();
    Ok(files.remove(0))
}

/// An HTML file the templates made, as the sitemap and the alias check need it.
#[derive(Debug, Clone)]
pub struct Listed {
    /// Inside the output folder (`a/b/index.html`).
    pub path: String,
    /// The page asks search engines not to index it (`<meta name="robots" content="noindex">`).
    pub noindex: bool,
}

/// Render every HTML page of the site into `sink`, in parallel. Errors name the template file
/// and the page; a file the sink refuses is an error too. Returns the files made, in a
/// deterministic order.
pub fn render_site(site: &Site, templates: &Templates, sink: &dyn Sink) -> (Vec<Listed>, Vec<Diagnostic>) {
    templates.next_generation();
    let views = Views::new(site, templates.caching.load(std::sync::atomic::Ordering::Relaxed));
    // The graph page first and alone: it holds the whole graph and its JSON for a moment (a
    // gigabyte at 100,000 articles), which should not come on top of the listing entries and
    // the pages in flight.
    let graph = render_job(&views, templates, &Job::Graph, sink);
    crate::build::return_freed_memory();
    let (views, item_problems) = views.with_entries().with_items(templates);
    let mut jobs: Vec<Job> = Vec::new();
    for (number, page) in site.pages.iter().enumerate() {
        if Some(number) == site.home || Some(number) == site.topics_section {
            jobs.push(Job::Section(number, 0));
        } else if page.is_section() {
            let per_page = page.source.meta.paginate_by.unwrap_or(site.config.paginate_by);
            jobs.extend((0..pager_count(page.pages.len(), per_page)).map(|i| Job::Section(number, i)));
        } else if let Some(topic) = site.topics.iter().position(|t| t.page == number) {
            let per_page = topic_page_size(site, number);
            let listed = listed_members(&site.topics[topic]);
            jobs.extend((0..pager_count(listed, per_page)).map(|i| Job::Topic(number, topic, i)));
        } else {
            jobs.push(Job::Page(number));
        }
    }
    if site.home.is_none() {
        jobs.push(Job::ImplicitHome);
    }
    if !site.topics.is_empty() && site.topics_section.is_none() {
        jobs.push(Job::ImplicitTopics);
    }
    for (t, taxonomy) in site.taxonomies.iter().enumerate() {
        jobs.push(Job::TaxonomyList(t));
        let per_page = taxonomy.config.paginate_by.unwrap_or(site.config.paginate_by);
        for (n, term) in taxonomy.terms.iter().enumerate() {
            jobs.extend((0..pager_count(term.pages.len(), per_page)).map(|i| Job::Term(t, n, i)));
        }
    }
    jobs.push(Job::NotFound);
    if templates.has("search.html") {
        jobs.push(Job::Search);
    }

    crate::progress::stage("templates", jobs.len());
    // Every pager page is its own job, so no thread is left alone with a long listing.
    let results: Vec<Result<Vec<Listed>, Diagnostic>> = jobs
        .par_iter()
        .with_min_len(8)
        .map(|job| {
            let result = render_job(&views, templates, job, sink);
            crate::progress::tick();
            result
        })
        .collect();
    if !templates.caching.load(std::sync::atomic::Ordering::Relaxed) {
        // Templates that keep no pages serve one build, and the process ends soon after: the
        // listing entries (a tera value per page) are left for the exit to take back at once
        // rather than freed one by one (~70 ms at 10,000 articles).
        std::mem::forget(views);
    }
    let mut listed = Vec::new();
    let mut problems = item_problems;
    for result in std::iter::once(graph).chain(results) {
        match result {
            Ok(mut out) => listed.append(&mut out),
            Err(problem) => problems.push(problem),
        }
    }
    (listed, problems)
}

/// How many pager pages a listing of `items` has (one, even when empty).
fn pager_count(items: usize, per_page: usize) -> usize {
    items.div_ceil(per_page.max(1)).max(1)
}

/// The items on pager page `i` (from 0).
fn pager_slice(items: &[usize], per_page: usize, i: usize) -> &[usize] {
    let per_page = per_page.max(1);
    &items[(i * per_page).min(items.len())..((i + 1) * per_page).min(items.len())]
}

/// Members of a topic theme per pager page: the theme page's `paginate_by`, else 20.
fn topic_page_size(site: &Site, number: usize) -> usize {
    site.pages[number].source.meta.paginate_by.unwrap_or(TOPIC_PAGE_SIZE).max(1)
}

/// Members shown per pager page of a topic theme unless its page says otherwise.
const TOPIC_PAGE_SIZE: usize = 20;

/// Members a topic theme's pages list, best first; the search page, filtered to the theme,
/// finds them all. Past a few hundred, a ranked list stops being read and only costs pages.
const TOPIC_LISTED: usize = 200;

/// How many of a topic theme's members its pages list.
fn listed_members(topic: &crate::site::Topic) -> usize {
    topic.members.len().min(TOPIC_LISTED)
}

/// One unit of rendering work: a page, or one pager page of a listing.
enum Job {
    Page(usize),
    /// A section's pager page (the home page and `/themes/` have one).
    Section(usize, usize),
    /// A topic theme's page: (page, topic, pager page).
    Topic(usize, usize, usize),
    ImplicitHome,
    ImplicitTopics,
    Graph,
    /// `/search/`, when the theme has a `search.html`.
    Search,
    TaxonomyList(usize),
    /// (taxonomy, term, pager page).
    Term(usize, usize, usize),
    NotFound,
}

/// The output file for a site path: `/a/b/` -> `a/b/index.html`.
pub fn file_for(site_path: &str) -> String {
    [site_path.trim_start_matches('/'), "index.html"].concat()
}

/// Tera's autoescape: the same five escapes (`&`, `<`, `>`, `"`, `'`), written a run of plain
/// bytes at a time (tera's own writes every byte through the `dyn Write` on its own, which
/// was a tenth of the templates stage). Most texts (titles, summaries, URLs: two million of
/// them, 63 MB, at 10,000 articles) need no escape at all; they are checked eight bytes at a
/// time and written in one piece, in half the instructions of the byte-by-byte scan (what
/// remains is mostly waiting for the texts to come from memory).
fn escape_html_into(text: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    match first_to_escape(text.as_bytes()) {
        None => out.write_all(text.as_bytes()),
        Some(at) => {
            // `at` is an ASCII byte, so a char boundary.
            out.write_all(&text.as_bytes()[..at])?;
            crate::text::escape_html_runs(&text[at..], |piece| out.write_all(piece.as_bytes()))
        }
    }
}

/// The `safe` filter: the value as it is, marked as needing no escape. Tera's own copies every
/// string it marks into a new one, and `{{ page.content | safe }}` marks a whole article body
/// (about 100 MB of copies at 10,000 articles); a string here only changes its mark. Any other value
/// becomes its text, as tera's does.
fn safe(value: tera::Value, _: tera::Kwargs, _: &tera::State) -> tera::Value {
    if value.as_str().is_some() { value.mark_safe() } else { tera::Value::safe_string(&value.to_string()) }
}

/// Where the first byte HTML escaping replaces is, if any.
fn first_to_escape(bytes: &[u8]) -> Option<usize> {
    first_of(bytes, [b'&', b'<', b'>', b'"', b'\''])
}

/// Where the first of the ASCII bytes `set` is in `bytes`, if anywhere; inlined, so that each
/// caller's `set` is constant.
#[inline(always)]
fn first_of<const N: usize>(bytes: &[u8], set: [u8; N]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let wanted = |b: &u8| set.contains(b);
    // A high bit for every byte of `word` equal to `b`. It may also flag a byte above a
    // real match (the subtraction borrows), never one in a word without a match.
    let matching = |word: u64, b: u8| {
        let x = word ^ (ONES * u64::from(b));
        x.wrapping_sub(ONES) & !x & HIGHS
    };
    let mut chunks = bytes.chunks_exact(8);
    for (n, chunk) in chunks.by_ref().enumerate() {
        let word = u64::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7]]);
        let found = set.iter().fold(0, |found, &b| found | matching(word, b));
        if found != 0 {
            return chunk.iter().position(wanted).map(|i| n * 8 + i);
        }
    }
    let rest = chunks.remainder();
    rest.iter().position(wanted).map(|i| bytes.len() - rest.len() + i)
}

// Never inlined: profiles of the stage (`callgrind --toggle-collect=themata::render::render_job`;
// a wildcard would also match the closures inside, which toggle counting off) count what runs
// under it on every render thread.
#[inline(never)]
fn render_job(views: &Views, templates: &Templates, job: &Job, sink: &dyn Sink) -> Result<Vec<Listed>, Diagnostic> {
    let site = views.site;
    let emit = |path: String, html: Rendered| -> Result<Listed, Diagnostic> {
        let listed = Listed { noindex: crate::feeds::asks_not_to_be_indexed(html.bytes()), path: path.clone() };
        match html {
            Rendered::Buffer(bytes) => sink.put_bytes(path, bytes),
            Rendered::Kept(bytes) => sink.put(OutputFile { path, bytes }),
        }
        .map_err(|e| Diagnostic::error(&site.config.output_dir, 0, 0, e.to_string()))?;
        Ok(listed)
    };
    // Render `template` as the page at `site_path`; `shown` names the page in errors.
    let html = |site_path: &str, template: &str, context: &Ctx, shown: &str| {
        templates.render(template, context, shown, |html| emit(file_for(site_path), html))
    };
    match *job {
        Job::Page(number) => {
            let page = &site.pages[number];
            let mut context = views.globals(&page.path);
            let view = views.article(number);
            context.insert_value("page", view.value, view.hash);
            let template = page.source.meta.template.as_deref().unwrap_or("page.html");
            Ok(vec![html(&page.path, template, &context, &page.source.display.to_string_lossy())?])
        }
        Job::Topic(number, topic, i) => {
            let page = &site.pages[number];
            let per_page = topic_page_size(site, number);
            let members = listed_members(&site.topics[topic]);
            let (path, paginator) = views.pager(&page.path, members, per_page, i, &[]);
            let mut context = views.globals(&path);
            // The first pager page shows the theme page's own text, the others its entry.
            let view = if i == 0 { views.article(number) } else { views.entry(number) };
            context.insert_value("page", view.value, view.hash);
            let shown = views.topic(topic, (i * per_page).min(members)..((i + 1) * per_page).min(members));
            context.insert_value("topic", shown.value, shown.hash);
            context.insert_value("paginator", paginator.value, paginator.hash);
            let template = page.source.meta.template.as_deref().unwrap_or("topic.html");
            Ok(vec![html(&path, template, &context, &page.source.display.to_string_lossy())?])
        }
        Job::Section(number, i) => {
            let section = &site.pages[number];
            let is_home = Some(number) == site.home;
            let shown = section.source.display.to_string_lossy();
            if Some(number) == site.topics_section {
                let mut context = views.globals(&section.path);
                let view = views.section(number, &[]);
                context.insert_value("section", view.value, view.hash);
                context.insert("themes", &views.topic_summaries());
                let template = section.source.meta.template.as_deref().unwrap_or("topic_list.html");
                return Ok(vec![html(&section.path, template, &context, &shown)?]);
            }
            let template =
                section.source.meta.template.as_deref().unwrap_or(if is_home { "index.html" } else { "section.html" });
            if is_home {
                let mut context = views.globals(&section.path);
                let view = views.section(number, &section.pages);
                context.insert_value("section", view.value, view.hash);
                insert_home_extras(views, &mut context);
                context.insert("paginator", &None::<()>);
                return Ok(vec![html(&section.path, template, &context, &shown)?]);
            }
            let per_page = section.source.meta.paginate_by.unwrap_or(site.config.paginate_by);
            let listed = pager_slice(&section.pages, per_page, i);
            let (path, paginator) = views.pager(&section.path, section.pages.len(), per_page, i, listed);
            let mut context = views.globals(&path);
            let view = views.section(number, listed);
            context.insert_value("section", view.value, view.hash);
            context.insert_value("paginator", paginator.value, paginator.hash);
            Ok(vec![html(&path, template, &context, &shown)?])
        }
        Job::ImplicitHome => {
            let mut context = views.globals("/");
            let pages: Vec<usize> = site.latest(site.config.paginate_by);
            let view = SectionView {
                title: &site.config.title,
                description: &site.config.description,
                content: "",
                permalink: views.url("/"),
                path: site.config.served_path("/"),
                subsections: Vec::new(),
                page_count: pages.len(),
                extra: &serde_json::Value::Null,
                pages: None,
            };
            let view = Shared::attached(view, "pages", &views.entries_of(&pages), views.hashing, |v| &mut v.pages);
            context.insert_value("section", view.value, view.hash);
            insert_home_extras(views, &mut context);
            context.insert("paginator", &None::<()>);
            Ok(vec![html("/", "index.html", &context, "the home page")?])
        }
        Job::ImplicitTopics => {
            let mut context = views.globals("/themes/");
            let view = SectionView {
                title: "主题",
                description: "",
                content: "",
                permalink: views.url("/themes/"),
                path: site.config.served_path("/themes/"),
                subsections: Vec::new(),
                page_count: site.topics.len(),
                extra: &serde_json::Value::Null,
                pages: None,
            };
            let empty = Shared::list(std::iter::empty(), views.hashing);
            let view = Shared::attached(view, "pages", &empty, views.hashing, |v| &mut v.pages);
            context.insert_value("section", view.value, view.hash);
            context.insert("themes", &views.topic_summaries());
            Ok(vec![html("/themes/", "topic_list.html", &context, "/themes/")?])
        }
        Job::TaxonomyList(t) => {
            let taxonomy = &site.taxonomies[t];
            let path = format!("/{}/", taxonomy.name());
            let mut context = views.globals(&path);
            context.insert("taxonomy", &taxonomy_view(views, taxonomy));
            let mut terms: Vec<TermView> = taxonomy.terms.iter().map(|term| term_view(views, taxonomy, term)).collect();
            terms.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.slug.cmp(b.slug)));
            context.insert("terms", &terms);
            Ok(vec![html(&path, "taxonomy_list.html", &context, &path)?])
        }
        Job::Term(t, n, i) => {
            let taxonomy = &site.taxonomies[t];
            let term = &taxonomy.terms[n];
            let base = Views::term_path(taxonomy, term);
            let per_page = taxonomy.config.paginate_by.unwrap_or(site.config.paginate_by);
            let listed = pager_slice(&term.pages, per_page, i);
            let (path, paginator) = views.pager(&base, term.pages.len(), per_page, i, listed);
            let mut context = views.globals(&path);
            context.insert("taxonomy", &taxonomy_view(views, taxonomy));
            context.insert("term", &term_view(views, taxonomy, term));
            context.insert_value("paginator", paginator.value, paginator.hash);
            Ok(vec![html(&path, "taxonomy_single.html", &context, &path)?])
        }
        Job::Graph => {
            let graph = site.graph();
            let mut context = views.globals("/graph/");
            context.insert("graph_svg", &graph.to_svg(GRAPH_MAX_NODES));
            context.insert("graph_json", &views.url("/graph.json"));
            context.insert("graph_css", &views.url("/graph.css"));
            context.insert("themes", &views.topic_summaries());
            let counts = |kind: crate::graph::NodeKind| graph.nodes.iter().filter(|n| n.kind == kind).count();
            context.insert(
                "graph_counts",
                &serde_json::json!({
                    "articles": counts(crate::graph::NodeKind::Article),
                    "themes": counts(crate::graph::NodeKind::Theme),
                    "tags": counts(crate::graph::NodeKind::Tag),
                    "glossary": counts(crate::graph::NodeKind::Glossary),
                    "edges": graph.edges.len(),
                }),
            );
            let page = html("/graph/", "graph.html", &context, "/graph/")?;
            let problem =
                |e: crate::output::WriteError| Diagnostic::error(&site.config.output_dir, 0, 0, e.to_string());
            sink.put_bytes("graph.json".to_string(), graph.to_json().as_bytes()).map_err(problem)?;
            sink.put_bytes("graph.css".to_string(), crate::graph::default_css().as_bytes()).map_err(problem)?;
            Ok(vec![page])
        }
        Job::Search => {
            let mut context = views.globals("/search/");
            context.insert("search_index", &views.url("/search/index.json"));
            context.insert("search_js", &views.url("/search.js"));
            Ok(vec![html("/search/", "search.html", &context, "/search/")?])
        }
        Job::NotFound => {
            let context = views.globals("/404.html");
            Ok(vec![templates.render("404.html", &context, "404.html", |html| emit("404.html".to_string(), html))?])
        }
    }
}

fn insert_home_extras(views: &Views, context: &mut Ctx) {
    let site = views.site;
    context.insert("themes", &views.topic_summaries());
    let latest = views.entries_of(&site.latest(10));
    context.insert_value("latest", latest.value, latest.hash);
    let mut top: Vec<TermView> = Vec::new();
    if let Some(tags) = site.taxonomies.iter().find(|t| t.name() == "tags") {
        top = tags.terms.iter().map(|term| term_view(views, tags, term)).collect();
        top.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.slug.cmp(b.slug)));
        top.truncate(20);
    }
    context.insert("top_tags", &top);
}

fn taxonomy_view<'a>(views: &Views<'a>, taxonomy: &'a Taxonomy) -> TaxonomyView<'a> {
    TaxonomyView {
        name: taxonomy.name(),
        title: taxonomy.title(),
        permalink: views.url(&format!("/{}/", taxonomy.name())),
    }
}

fn term_view<'a>(views: &Views<'a>, taxonomy: &'a Taxonomy, term: &'a Term) -> TermView<'a> {
    let path = Views::term_path(taxonomy, term);
    TermView {
        name: &term.name,
        slug: &term.slug,
        permalink: views.url(&path),
        count: term.pages.len(),
        feed: taxonomy.config.feed.then(|| views.url(&format!("{path}atom.xml"))),
    }
}

/// A page that sends the browser to `target` (used for aliases).
pub fn redirect(site_path: &str, target: &str) -> OutputFile {
    let target = crate::feeds::escape_xml(&crate::index::encode_url(target));
    let text = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Redirect</title>\n\
         <link rel=\"canonical\" href=\"{target}\">\n<meta http-equiv=\"refresh\" content=\"0; url={target}\">\n\
         </head>\n<body>\n<p><a href=\"{target}\">{target}</a></p>\n</body>\n</html>\n"
    );
    let path =
        if site_path.ends_with('/') { file_for(site_path) } else { site_path.trim_start_matches('/').to_string() };
    OutputFile { path, bytes: text.into_bytes().into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_escaping_writes_what_teras_own_escape_writes() {
        let mut texts: Vec<String> =
            ["", "plain", "<a href=\"x\">'q' & b</a>", "产品经理 <b>&amp;</b>", "&&<<>>\"\"''", "尾<"]
                .map(String::from)
                .into();
        // Every special byte at every place of a text up to five words long, followed by more
        // text or last, alone and after one of the bytes the word-at-a-time check could
        // mistake for a match.
        for special in ["&", "<", ">", "\"", "'"] {
            for at in 0..20 {
                for before in ["", "%", "=", "?", "\u{1}", "\u{7f}", "é", "产"] {
                    texts.push(format!("{}{before}{special}{}", "a".repeat(at), "产品".repeat(3)));
                    texts.push(format!("{}{before}{special}", "a".repeat(at)));
                }
            }
        }
        // Every ASCII byte in the middle of a word, alone and next to each special byte.
        for byte in (0u8..128).map(char::from) {
            texts.push(format!("abc{byte}defghijk"));
            for special in ['&', '<', '>', '"', '\''] {
                texts.push(format!("abc{byte}{special}efghijk"));
            }
        }
        for text in &texts {
            let (mut ours, mut teras) = (Vec::new(), Vec::new());
            escape_html_into(text, &mut ours).unwrap();
            tera::escape_html(text, &mut teras).unwrap();
            assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(teras).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn texts_marked_safe_print_what_unmarked_texts_print() {
        let mut tera = tera::Tera::new();
        tera.autoescape_on(vec![".html"]);
        tera.set_escape_fn(escape_html_into);
        tera.register_filter("safe", safe);
        let template = "{{ l.title }}|{{ l.permalink }}|{{ l.title | replace(from=\"a\", to=\"<b>\") }}|\
            {{ [l.title, \"<i>\"] | join(sep=\"&\") }}|{{ l.title ~ \"<\" }}|{{ l.title | safe }}|\
            {% if l.title == \"plain a\" %}same{% endif %}|{{ l.title | escape }}";
        tera.add_raw_template("t.html", template).unwrap();
        for title in ["plain a", "a <tag> & 'quoted' \"a\"", "", "产品经理 a"] {
            let link = Link { title, permalink: format!("https://example.org/{title}/") };
            let marked = tera::Value::from_serializable(&link);
            // The same fields, serialized without the marks.
            #[derive(Serialize)]
            struct Unmarked<'a> {
                title: &'a str,
                permalink: &'a str,
            }
            let plain = Unmarked { title, permalink: &link.permalink };
            let unmarked = tera::Value::from_serializable(&plain);
            // Only texts that escaping leaves as they are are marked.
            let title_value = marked.as_map().and_then(|m| m.get(&tera::value::Key::Str("title"))).unwrap();
            assert_eq!(title_value.is_safe(), is_plain(title), "{title:?}");
            let render = |value: &tera::Value| {
                let mut context = tera::Context::new();
                context.insert_value("l", value.clone());
                tera.render("t.html", &context).unwrap()
            };
            assert_eq!(render(&marked), render(&unmarked), "{title:?}");
            // The render cache's hash reads the same JSON as before.
            assert_eq!(serde_json::to_string(&link).unwrap(), serde_json::to_string(&plain).unwrap());
            let globals = with_texts_marked(unmarked.clone());
            assert_eq!(render(&globals), render(&unmarked), "{title:?}");
        }
    }

    #[test]
    fn unknown_filters_functions_and_components_are_each_reported_at_their_file() {
        let mut tera = tera::Tera::new();
        let e = tera
            .add_raw_templates(vec![
                ("page.html", "x\n{{ a | nope }} {{ b | nope2 }}\n{{ f() }}"),
                ("partials/c.html", "{{ <nocomp /> }}"),
            ])
            .expect_err("unknown names");
        let files: BTreeMap<String, PathBuf> = [
            ("page.html".to_string(), PathBuf::from("themes/t/templates/page.html")),
            ("partials/c.html".to_string(), PathBuf::from("templates/partials/c.html")),
        ]
        .into();
        let mut found: Vec<(String, usize, usize, usize, String)> = template_errors(&e, &files, None)
            .into_iter()
            .map(|d| (d.path.display().to_string(), d.line, d.column, d.length, d.message))
            .collect();
        found.sort();
        let at = |file: &str, line, column, length, message: &str| {
            (file.to_string(), line, column, length, format!("template: {message}"))
        };
        assert_eq!(
            found,
            [
                at("templates/partials/c.html", 1, 4, 10, "Unknown component `nocomp`"),
                at("themes/t/templates/page.html", 2, 8, 4, "Unknown filter `nope`"),
                at("themes/t/templates/page.html", 2, 23, 5, "Unknown filter `nope2`"),
                at("themes/t/templates/page.html", 3, 4, 3, "Unknown function `f`"),
            ]
        );
    }

    #[test]
    fn the_safe_filter_prints_what_teras_own_prints() {
        let template =
            "{{ s | safe }}|{{ long | safe }}|{{ n | safe }}|{{ list | safe }}|{{ s }}|{{ s | safe | upper }}";
        let mut context = tera::Context::new();
        context.insert("s", "<b>产品 & 'AI'</b>");
        context.insert("long", &"<p>一段很长的正文 & more</p>".repeat(40));
        context.insert("n", &3.5);
        context.insert("list", &["<a>", "b"]);
        let render = |ours: bool| {
            let mut tera = tera::Tera::new();
            tera.autoescape_on(vec![".html"]);
            if ours {
                tera.register_filter("safe", safe);
            }
            tera.add_raw_template("t.html", template).unwrap();
            tera.render("t.html", &context).unwrap()
        };
        let ours = render(true);
        assert!(ours.starts_with("<b>产品 & 'AI'</b>|<p>"), "{ours}");
        assert_eq!(ours, render(false));
    }

    /// A small site with every field a page view has: terms of three taxonomies, neighbours,
    /// headings, backlinks, a glossary entry and its mentions, a topic theme, a source link and
    /// an author's homepage. `title` is the first article's title.
    fn fixture(title: &str) -> (tempfile::TempDir, Site) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |rel: &str, text: &str| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "site.toml",
            "title = \"t\"\nbase_url = \"https://example.org\"\n[[taxonomies]]\nname = \"tags\"\n\
             [[taxonomies]]\nname = \"authors\"\n[[taxonomies]]\nname = \"categories\"\n",
        );
        write("content/_index.md", "---\ntitle: 首页\n---\n");
        write("content/articles/_index.md", "---\ntitle: 文章\n---\n");
        write("content/glossary/_index.md", "---\ntitle: 术语\n---\n");
        write("content/glossary/agent.md", "---\ntitle: 智能体\ndescription: 自己干活的 AI\n---\n能调用工具的 AI。\n");
        write("content/themes/_index.md", "---\ntitle: 主题\n---\n");
        write(
            "content/themes/growth.md",
            "---\ntitle: 增长\nkeywords:\n  - { phrase: 增长, weight: 3 }\n  - 留存\n---\n导言。\n",
        );
        for n in 0..4 {
            let title = if n == 0 { title.to_string() } else { format!("第{n}篇") };
            let updated = if n == 1 { "updated: 2024-03-01\n" } else { "" };
            let text = format!(
                "---\ntitle: \"{title}\"\ndate: 2024-01-0{}\n{updated}tags: [AI, 标签{n}]\nauthors: [某人]\ncategories: [分类]\n\
                 description: 描述 <b>&</b>\nextra: {{ k: {n}, original_url: \"https://example.com/{n}?a=1&b=2\", \
                 author_url: \"https://example.com/u\" }}\n---\n正文，见[上一篇](a{}.md)。智能体很好。\n\n\
                 ## 增长与留存\n\n增长增长增长，留存留存，增长靠留存，留存带来增长。{}\n\n### 细节\n\n留存。\n",
                n + 1,
                n.max(1) - 1,
                "增长的留存。".repeat(40)
            );
            write(&format!("content/articles/a{n}.md"), &text);
        }
        write("content/about.md", "---\ntitle: 关于\n---\n没有标签。\n");
        let config = Config::load(root, &Default::default()).unwrap();
        let mut problems = Vec::new();
        let site = Site::load(config, &mut problems);
        assert!(problems.iter().all(|p| !p.is_error()), "{problems:?}");
        (dir, site)
    }

    /// A shared listing entry holds exactly what serializing the page's listing view gives.
    #[test]
    fn listing_entries_equal_the_serialized_page_views() {
        let (_dir, site) = fixture("第0篇");
        let views = Views::new(&site, false).with_entries();
        let mut compared = 0;
        for n in 0..site.pages.len() {
            if site.pages[n].is_section() {
                continue;
            }
            let expected = tera::Value::from_serializable(&views.page(n, false));
            assert_eq!(views.entry(n).value, expected, "page {}", site.pages[n].source.rel);
            compared += 1;
        }
        assert_eq!(compared, 7);
    }

    /// A page's own view, built from its listing entry, holds exactly what serializing the
    /// page's full view gives, with or without the listing entries made beforehand.
    #[test]
    fn page_views_built_from_entries_equal_the_serialized_page_views() {
        // A quote in the title, escaped for the front matter's double-quoted string.
        let (_dir, site) = fixture(r#"第0篇 </script><!-- & \" 的"#);
        let shown = |n: usize| tera::Value::from_serializable(&Views::new(&site, false).page(n, true));
        let page = |rel: &str| site.pages.iter().position(|p| p.source.rel == rel).unwrap();
        let article = &site.pages[page("articles/a1.md")];
        assert!(!article.backlinks.is_empty() && !article.rendered.toc.is_empty());
        assert!(!article.rendered.glossary_terms.is_empty() && !article.topics.is_empty());
        assert!(!site.pages[page("glossary/agent.md")].mentioned_in.is_empty());
        assert!(site.pages.iter().any(|p| !p.related.is_empty()));
        let json_ld = shown(page("articles/a0.md")).as_map().unwrap()[&tera::value::Key::Str("json_ld")].clone();
        let expected = concat!(
            r#"{"@context":"https://schema.org","@type":"Article","#,
            r#""author":[{"@type":"Person","name":"某人","url":"https://example.com/u"}],"#,
            r#""dateModified":"2024-01-01T00:00:00Z","datePublished":"2024-01-01T00:00:00Z","#,
            r#""description":"描述 \u003cb\u003e\u0026\u003c/b\u003e","#,
            r#""headline":"第0篇 \u003c/script\u003e\u003c!-- \u0026 \" 的","inLanguage":"zh-CN","#,
            r#""isBasedOn":"https://example.com/0?a=1\u0026b=2","keywords":"AI, 标签0","#,
            r#""mainEntityOfPage":"https://example.org/articles/a0/","url":"https://example.org/articles/a0/","#,
            r#""wordCount":241}"#
        );
        assert_eq!(json_ld.as_str(), Some(expected));
        let json_ld = shown(page("articles/a1.md")).as_map().unwrap()[&tera::value::Key::Str("json_ld")].clone();
        let dates = r#""dateModified":"2024-03-01T00:00:00Z","datePublished":"2024-01-02T00:00:00Z""#;
        assert!(json_ld.as_str().unwrap().contains(dates), "{json_ld}");
        for hashing in [false, true] {
            for views in [Views::new(&site, hashing).with_entries(), Views::new(&site, hashing)] {
                let mut compared = 0;
                for n in 0..site.pages.len() {
                    if !site.pages[n].is_section() {
                        assert_eq!(views.article(n).value, shown(n), "page {}", site.pages[n].source.rel);
                        compared += 1;
                    }
                }
                assert_eq!(compared, 7);
            }
        }
    }

    /// The render cache's key for a page changes when anything the page shows changes, here
    /// the title of a page that links to it (its backlinks) and that it links to (its
    /// neighbours and related articles), and stays the same for the same site.
    #[test]
    fn page_view_hashes_follow_what_the_page_shows() {
        let hashes = |title: &str| {
            let (_dir, site) = fixture(title);
            let views = Views::new(&site, true).with_entries();
            let rel = |n: usize| site.pages[n].source.rel.clone();
            let pages = (0..site.pages.len()).filter(|&n| !site.pages[n].is_section());
            pages.map(|n| (rel(n), views.article(n).hash, Views::new(&site, true).article(n).hash)).collect::<Vec<_>>()
        };
        let (before, again, after) = (hashes("第0篇"), hashes("第0篇"), hashes("改名"));
        assert_eq!(before, again);
        for ((rel, with_entries, alone), (_, changed, _)) in before.iter().zip(&after) {
            assert_eq!(with_entries, alone, "{rel}");
            // Its own title, a neighbour's, a mentioning article's (on the glossary entry).
            if ["articles/a0.md", "articles/a1.md", "glossary/agent.md"].contains(&rel.as_str()) {
                assert_ne!(with_entries, changed, "{rel}");
            }
        }
    }
}
