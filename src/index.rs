//! Index: every page's site path and permalink, known before any Markdown is rendered.
//!
//! A page's URL mirrors its path under `content/`: each folder and the file name pass through the
//! one slug rule ([`crate::slug::slugify`], which keeps CJK), `slug:` replaces the last segment,
//! `_index.md` / `README.md` stand for their folder and `index.md` is a page bundle's own page.
//! Two sources that land on one URL are an error naming both. The [`Index`] then answers the
//! Markdown stage's questions: which URL a relative `.md` link, an asset or a `[[wikilink]]` means.

use std::collections::{BTreeMap, HashMap};

use crate::config::Config;
use crate::content::{Content, Kind, SourcePage};
use crate::diagnostics::Diagnostic;
use crate::markdown::LinkResolver;
use crate::slug::slugify;

/// Site path of a source file: `/articles/pmd/2023/07/5876318/`, always with leading and trailing `/`.
pub fn site_path(page: &SourcePage) -> String {
    let rel = page.rel.trim_end_matches(".md");
    let mut segments: Vec<String> = rel.split('/').map(segment_slug).collect();
    let last = segments.pop().unwrap_or_default();
    let own_folder = page.kind == Kind::Section || last == "index";
    if !own_folder {
        let last = match &page.meta.slug {
            Some(slug) => segment_slug(slug),
            None => last,
        };
        segments.push(last);
    } else if let (Some(slug), Some(folder)) = (&page.meta.slug, segments.last_mut()) {
        *folder = segment_slug(slug);
    }
    let joined = segments.join("/");
    if joined.is_empty() { "/".to_string() } else { format!("/{joined}/") }
}

fn segment_slug(segment: &str) -> String {
    let slug = slugify(segment);
    if slug.is_empty() { "-".to_string() } else { slug }
}

/// Resolve `.` and `..` in a `/`-separated relative path; `..` never climbs above the root.
pub fn normalize_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    parts.join("/")
}

/// Lookups from what writers write to what the site serves.
#[derive(Debug, Default)]
pub struct Index {
    /// Source path under `content/` to page number.
    pub by_rel: HashMap<String, usize>,
    /// Site path to page number.
    pub by_path: BTreeMap<String, usize>,
    /// Wikilink keys (title, file stem, path without `.md`, all case-folded) to page numbers.
    by_name: HashMap<String, Vec<usize>>,
    /// Asset source paths under `content/`.
    assets: std::collections::HashSet<String>,
    /// Site path of every page, by page number.
    pub paths: Vec<String>,
    /// Source path of every page, by page number.
    pub rels: Vec<String>,
}

impl Index {
    /// Index the pages; report URL clashes. `pages` must already exclude drafts that are not built.
    pub fn build(content: &Content, diagnostics: &mut Vec<Diagnostic>) -> Index {
        let mut index = Index::default();
        for (number, page) in content.pages.iter().enumerate() {
            let path = site_path(page);
            index.by_rel.insert(page.rel.clone(), number);
            if let Some(&other) = index.by_path.get(&path) {
                let first = &content.pages[other];
                diagnostics.push(Diagnostic::error(
                    &page.display,
                    0,
                    0,
                    format!(
                        "{} and {} both map to the URL {path}; rename one or give it a different `slug:`",
                        first.display.display(),
                        page.display.display()
                    ),
                ));
            } else {
                index.by_path.insert(path.clone(), number);
            }
            index.paths.push(path);
            index.rels.push(page.rel.clone());
            let stem = page.rel.trim_end_matches(".md");
            let file_stem = stem.rsplit('/').next().unwrap_or(stem);
            for key in [page.meta.title.as_str(), stem, file_stem] {
                let key = fold_key(key);
                let list = index.by_name.entry(key).or_default();
                if !list.contains(&number) {
                    list.push(number);
                }
            }
        }
        index.assets = content.assets.iter().map(|a| a.rel.clone()).collect();
        index
    }

    /// A resolver for links written in the page `rel` (its folder anchors relative links).
    pub fn resolver<'a>(&'a self, config: &'a Config, rel: &'a str) -> PageResolver<'a> {
        PageResolver { index: self, config, rel }
    }

    /// Every page a wikilink target could mean (by title, file stem or path, case-insensitive).
    pub fn wiki_candidates(&self, target: &str) -> Vec<usize> {
        let target = target.split('#').next().unwrap_or(target);
        let mut found = self.by_name.get(&fold_key(target.trim().trim_end_matches(".md"))).cloned().unwrap_or_default();
        found.sort_by_key(|&n| &self.paths[n]);
        found
    }

    fn wiki_target(&self, target: &str) -> Option<usize> {
        let candidates = self.by_name.get(&fold_key(target.trim().trim_end_matches(".md")))?;
        // An ambiguous name resolves to the first page in path order, deterministically.
        candidates.iter().min_by_key(|&&n| &self.paths[n]).copied()
    }
}

fn fold_key(key: &str) -> String {
    crate::text::fold_width(key).to_lowercase()
}

/// Resolves links for one page.
pub struct PageResolver<'a> {
    index: &'a Index,
    config: &'a Config,
    rel: &'a str,
}

impl LinkResolver for PageResolver<'_> {
    fn resolve(&self, dest: &str, wiki: bool) -> Option<String> {
        let (target, fragment) = match dest.split_once('#') {
            Some((target, fragment)) => (target, Some(fragment)),
            None => (dest, None),
        };
        let anchor = |fragment: Option<&str>, wiki: bool| match fragment {
            Some(f) if wiki => format!("#{}", slugify(f)),
            Some(f) => format!("#{f}"),
            None => String::new(),
        };
        if wiki {
            let number = self.index.wiki_target(target)?;
            return Some(format!("{}{}", self.config.url(&self.index.paths[number]), anchor(fragment, true)));
        }
        let decoded = percent_decode(target);
        let rel = if let Some(absolute) = decoded.strip_prefix('/') {
            normalize_path(absolute)
        } else {
            let folder = self.rel.rfind('/').map_or("", |i| &self.rel[..i]);
            normalize_path(&format!("{folder}/{decoded}"))
        };
        if let Some(&number) = self.index.by_rel.get(&rel) {
            return Some(format!("{}{}", self.config.url(&self.index.paths[number]), anchor(fragment, false)));
        }
        if !rel.ends_with(".md") {
            for candidate in [format!("{rel}.md"), format!("{rel}/_index.md"), format!("{rel}/index.md")] {
                if let Some(&number) = self.index.by_rel.get(&candidate)
                    && (decoded.ends_with('/') || !candidate.ends_with("/index.md"))
                {
                    return Some(format!("{}{}", self.config.url(&self.index.paths[number]), anchor(fragment, false)));
                }
            }
            if self.index.assets.contains(&rel) {
                return Some(format!(
                    "{}{}",
                    self.config.url(&format!("/{}", encode_path(&rel))),
                    anchor(fragment, false)
                ));
            }
        }
        None
    }
}

/// Decode `%XX` escapes (UTF-8); invalid escapes are kept as written.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(byte) = hex {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// Percent-encode what a URL path may not hold as written (non-ASCII, spaces, quotes...).
/// `/` is kept. Used where a spec wants plain ASCII URLs: sitemaps, feeds, redirects.
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@%".contains(&byte);
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Percent-encode a value for a URL's query string: everything but the unreserved characters.
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// An absolute URL with its path percent-encoded (scheme and host untouched).
pub fn encode_url(url: &str) -> String {
    match url.find("://").and_then(|i| url[i + 3..].find('/').map(|j| i + 3 + j)) {
        Some(path_start) => format!("{}{}", &url[..path_start], encode_path(&url[path_start..])),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::PageMeta;
    use std::path::PathBuf;

    fn page(rel: &str, kind: Kind, slug: Option<&str>) -> SourcePage {
        SourcePage {
            kind,
            rel: rel.to_string(),
            display: PathBuf::from(format!("content/{rel}")),
            meta: PageMeta { slug: slug.map(str::to_string), title: rel.to_string(), ..PageMeta::default() },
            body: String::new(),
            body_line_offset: 0,
            removed: Vec::new(),
        }
    }

    #[test]
    fn paths_mirror_the_content_folder() {
        assert_eq!(
            site_path(&page("articles/pmd/2023/07/5876318.md", Kind::Page, None)),
            "/articles/pmd/2023/07/5876318/"
        );
        assert_eq!(site_path(&page("_index.md", Kind::Section, None)), "/");
        assert_eq!(site_path(&page("articles/_index.md", Kind::Section, None)), "/articles/");
        assert_eq!(site_path(&page("book/README.md", Kind::Section, None)), "/book/");
        assert_eq!(site_path(&page("notes/x/index.md", Kind::Page, None)), "/notes/x/");
        assert_eq!(site_path(&page("articles/a.md", Kind::Page, Some("新的 Slug"))), "/articles/新的-slug/");
        assert_eq!(site_path(&page("随笔/AI 时代.md", Kind::Page, None)), "/随笔/ai-时代/");
    }

    #[test]
    fn clashing_urls_name_both_files() {
        let content = Content {
            pages: vec![page("a/x.md", Kind::Page, None), page("a/X.md", Kind::Page, None)],
            ..Content::default()
        };
        let mut problems = Vec::new();
        Index::build(&content, &mut problems);
        assert_eq!(
            problems[0].to_string(),
            "content/a/X.md: error: content/a/x.md and content/a/X.md both map to the URL /a/x/; rename one or give it a different `slug:`"
        );
    }

    #[test]
    fn relative_links_and_assets_resolve() {
        let content = Content {
            pages: vec![page("a/x.md", Kind::Page, None), page("b/y.md", Kind::Page, None)],
            assets: vec![crate::content::Asset { rel: "a/图.png".into(), path: PathBuf::new() }],
            ..Content::default()
        };
        let index = Index::build(&content, &mut Vec::new());
        let config = crate::config::Config::parse(
            std::path::Path::new("/s"),
            "title='t'\nbase_url='https://e.org/kb'",
            &Default::default(),
        )
        .unwrap();
        let r = index.resolver(&config, "a/x.md");
        assert_eq!(r.resolve("../b/y.md#二", false).as_deref(), Some("https://e.org/kb/b/y/#二"));
        assert_eq!(r.resolve("/b/y.md", false).as_deref(), Some("https://e.org/kb/b/y/"));
        assert_eq!(r.resolve("%E5%9B%BE.png", false).as_deref(), Some("https://e.org/kb/a/%E5%9B%BE.png"));
        assert_eq!(r.resolve("missing.md", false), None);
        assert_eq!(r.resolve("b/y.md", true).as_deref(), Some("https://e.org/kb/b/y/"));
        assert_eq!(r.resolve("Y#小 节", true).as_deref(), Some("https://e.org/kb/b/y/#小-节"));
    }

    #[test]
    fn encoding_keeps_ascii_and_escapes_the_rest() {
        assert_eq!(encode_url("https://e.org/kb/tags/中级/"), "https://e.org/kb/tags/%E4%B8%AD%E7%BA%A7/");
        assert_eq!(percent_decode("%E4%B8%AD%E7%BA%A7"), "中级");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
