//! Assemble: the whole site as one model, from loaded content to rendered Markdown, sections,
//! previous/next links and taxonomies.
//!
//! [`Site::load`] runs the stages up to here in order — content, index, markdown — and returns
//! the model plus every diagnostic found on the way. Markdown renders in parallel (rayon);
//! results are collected in page order, so the model is the same on every run.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::config::{Config, TaxonomyConfig};
use crate::content::{self, Asset, Kind, SortBy, SourcePage};
use crate::diagnostics::Diagnostic;
use crate::index::Index;
use crate::markdown::{self, LinkKind, Rendered};
use crate::slug::slugify;
use crate::text;

/// Characters in a generated summary.
const SUMMARY_CHARS: usize = 120;

/// A page or section of the built site.
#[derive(Debug)]
pub struct Page {
    pub source: SourcePage,
    /// Site path without the base path: `/articles/x/`.
    pub path: String,
    pub rendered: Rendered,
    /// The description, or the start of the text cut by characters.
    pub summary: String,
    /// The section this page (or section) belongs to.
    pub parent: Option<usize>,
    /// Sections only: their pages in display order, and their subsections.
    pub pages: Vec<usize>,
    pub subsections: Vec<usize>,
    /// Neighbours in the parent section's order: `lower` comes before, `higher` after.
    pub lower: Option<usize>,
    pub higher: Option<usize>,
    /// Taxonomy name to the numbers of this page's terms in that taxonomy.
    pub terms: BTreeMap<String, Vec<usize>>,
}

impl Page {
    pub fn is_section(&self) -> bool {
        self.source.kind == Kind::Section
    }

    pub fn title(&self) -> &str {
        &self.source.meta.title
    }
}

/// One term of a taxonomy, with its pages newest first.
#[derive(Debug, Clone)]
pub struct Term {
    /// The spelling shown: the most frequent one among the pages.
    pub name: String,
    pub slug: String,
    pub pages: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub config: TaxonomyConfig,
    pub terms: Vec<Term>,
}

impl Taxonomy {
    pub fn name(&self) -> &str {
        &self.config.name
    }

    pub fn title(&self) -> &str {
        self.config.title.as_deref().unwrap_or(&self.config.name)
    }
}

/// The whole site, ready to render.
#[derive(Debug)]
pub struct Site {
    pub config: Config,
    pub pages: Vec<Page>,
    pub taxonomies: Vec<Taxonomy>,
    pub assets: Vec<Asset>,
    /// The root section (`content/_index.md`), if the site has one.
    pub home: Option<usize>,
}

impl Site {
    /// Load, index and render the content of the site described by `config`.
    pub fn load(config: Config, diagnostics: &mut Vec<Diagnostic>) -> Site {
        let mut content = content::load(&config, diagnostics);
        if !config.drafts {
            content.pages.retain(|p| !p.meta.draft);
        }
        apply_summary_order(&mut content);
        let index = Index::build(&content, diagnostics);

        let rendered: Vec<(Rendered, Vec<Diagnostic>)> =
            content.pages.par_iter().map(|page| render_page(&config, &index, page)).collect();

        let mut pages = Vec::with_capacity(content.pages.len());
        for ((source, (rendered, mut problems)), path) in content.pages.into_iter().zip(rendered).zip(index.paths) {
            diagnostics.append(&mut problems);
            let summary = match &source.meta.description {
                Some(description) => text::truncate(description, SUMMARY_CHARS * 2),
                None => text::truncate(&rendered.plain_text, SUMMARY_CHARS),
            };
            pages.push(Page {
                source,
                path,
                rendered,
                summary,
                parent: None,
                pages: Vec::new(),
                subsections: Vec::new(),
                lower: None,
                higher: None,
                terms: BTreeMap::new(),
            });
        }

        let mut site = Site { config, pages, taxonomies: Vec::new(), assets: content.assets, home: None };
        site.link_sections();
        site.collect_taxonomies(diagnostics);
        site
    }

    /// Attach every page to its nearest enclosing section and order each section's pages.
    fn link_sections(&mut self) {
        let section_by_folder: BTreeMap<String, usize> = self
            .pages
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_section())
            .map(|(n, p)| (folder_of(&p.source.rel).to_string(), n))
            .collect();
        self.home = section_by_folder.get("").copied();
        for number in 0..self.pages.len() {
            let page = &self.pages[number];
            let mut folder = folder_of(&page.source.rel).to_string();
            if page.is_section() {
                if folder.is_empty() {
                    continue;
                }
                folder = parent_folder(&folder).to_string();
            }
            let parent = loop {
                if let Some(&section) = section_by_folder.get(&folder) {
                    break Some(section);
                }
                if folder.is_empty() {
                    break None;
                }
                folder = parent_folder(&folder).to_string();
            };
            self.pages[number].parent = parent;
            if let Some(parent) = parent {
                if self.pages[number].is_section() {
                    self.pages[parent].subsections.push(number);
                } else {
                    self.pages[parent].pages.push(number);
                }
            }
        }
        for section in section_by_folder.values().copied() {
            let mut children = std::mem::take(&mut self.pages[section].pages);
            let sort_by = self.pages[section].source.meta.sort_by;
            children.sort_by(|&a, &b| compare(&self.pages[a], &self.pages[b], sort_by));
            // Listings run newest first; `lower` is the older neighbour, `higher` the newer.
            for pair in children.windows(2) {
                self.pages[pair[0]].lower = Some(pair[1]);
                self.pages[pair[1]].higher = Some(pair[0]);
            }
            self.pages[section].pages = children;
            let mut subsections = std::mem::take(&mut self.pages[section].subsections);
            subsections.sort_by(|&a, &b| compare(&self.pages[a], &self.pages[b], SortBy::Weight));
            self.pages[section].subsections = subsections;
        }
    }

    /// Group every page's terms by slug; the most frequent spelling names the term.
    fn collect_taxonomies(&mut self, diagnostics: &mut Vec<Diagnostic>) {
        let declared: Vec<TaxonomyConfig> = self.config.taxonomies.clone();
        for page in &self.pages {
            for name in page.source.meta.taxonomies.keys() {
                if !declared.iter().any(|t| &t.name == name) {
                    diagnostics.push(Diagnostic::warning(
                        &page.source.display,
                        0,
                        0,
                        format!("taxonomy `{name}` is not declared in site.toml; its terms are ignored"),
                    ));
                }
            }
        }
        for config in declared {
            // slug -> (spelling -> count, pages)
            let mut groups: BTreeMap<String, (BTreeMap<String, usize>, Vec<usize>)> = BTreeMap::new();
            for (number, page) in self.pages.iter().enumerate() {
                let Some(terms) = page.source.meta.taxonomies.get(&config.name) else { continue };
                for term in terms {
                    let name = term.trim();
                    let slug = slugify(name);
                    if slug.is_empty() {
                        diagnostics.push(Diagnostic::warning(
                            &page.source.display,
                            0,
                            0,
                            format!("{} term {term:?} has no letters or digits and is ignored", config.name),
                        ));
                        continue;
                    }
                    let group = groups.entry(slug).or_default();
                    *group.0.entry(name.to_string()).or_default() += 1;
                    if !group.1.contains(&number) {
                        group.1.push(number);
                    }
                }
            }
            let mut terms = Vec::new();
            for (slug, (spellings, mut pages)) in groups {
                let name = spellings
                    .iter()
                    .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                    .map(|(name, _)| name.clone())
                    .unwrap_or_default();
                pages.sort_by(|&a, &b| compare(&self.pages[a], &self.pages[b], SortBy::Date));
                terms.push(Term { name, slug, pages });
            }
            for (term_number, term) in terms.iter().enumerate() {
                for &page in &term.pages {
                    self.pages[page].terms.entry(config.name.clone()).or_default().push(term_number);
                }
            }
            self.taxonomies.push(Taxonomy { config, terms });
        }
    }

    /// Pages that are not sections, in path order.
    pub fn articles(&self) -> impl Iterator<Item = (usize, &Page)> {
        self.pages.iter().enumerate().filter(|(_, p)| !p.is_section())
    }

    /// The newest `n` dated pages.
    pub fn latest(&self, n: usize) -> Vec<usize> {
        let mut dated: Vec<usize> =
            self.articles().filter(|(_, p)| p.source.meta.date.is_some()).map(|(n, _)| n).collect();
        dated.sort_by(|&a, &b| compare(&self.pages[a], &self.pages[b], SortBy::Date));
        dated.truncate(n);
        dated
    }
}

fn render_page(config: &Config, index: &Index, page: &SourcePage) -> (Rendered, Vec<Diagnostic>) {
    let resolver = index.resolver(config, &page.rel);
    let options =
        markdown::Options { line_offset: page.body_line_offset, resolver: &resolver, glossary: None, self_url: None };
    let rendered = markdown::render(&page.body, &options);
    let mut problems: Vec<Diagnostic> = rendered
        .warnings
        .iter()
        .map(|w| Diagnostic::warning(&page.display, w.line, w.column, w.message.clone()))
        .collect();
    for link in &rendered.links {
        if link.url.is_some() {
            continue;
        }
        let message = match link.kind {
            LinkKind::Wiki => format!("broken wikilink: [[{}]] matches no page", link.dest),
            LinkKind::Page | LinkKind::Fragment => format!("broken link: `{}` matches no page", link.dest),
            LinkKind::Asset | LinkKind::Image => format!("broken link: `{}` matches no file in content/", link.dest),
        };
        problems.push(Diagnostic::error(&page.display, link.line, link.column, message));
    }
    (rendered, problems)
}

/// Newest first for dates (undated last), then weight, then title, then path.
fn compare(a: &Page, b: &Page, sort_by: SortBy) -> std::cmp::Ordering {
    let (ma, mb) = (&a.source.meta, &b.source.meta);
    let by_date = || mb.date.is_some().cmp(&ma.date.is_some()).then_with(|| mb.date.cmp(&ma.date));
    let by_weight = || ma.weight.is_none().cmp(&mb.weight.is_none()).then_with(|| ma.weight.cmp(&mb.weight));
    let by_title = || ma.title.cmp(&mb.title);
    let first = match sort_by {
        SortBy::Date => by_date().then_with(by_weight),
        SortBy::Weight => by_weight().then_with(by_date),
        SortBy::Title => by_title().then_with(by_date),
    };
    first.then_with(by_title).then_with(|| a.source.rel.cmp(&b.source.rel))
}

/// `SUMMARY.md` gives weights, in its order, to the pages it lists that have none of their own.
fn apply_summary_order(content: &mut content::Content) {
    let mut weights: BTreeMap<&str, i64> = BTreeMap::new();
    for list in content.summaries.values() {
        for (position, rel) in list.iter().enumerate() {
            weights.entry(rel.as_str()).or_insert(position as i64 + 1);
        }
    }
    let weights: BTreeMap<String, i64> = weights.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    for page in &mut content.pages {
        if page.meta.weight.is_none() {
            page.meta.weight = weights.get(&page.rel).copied();
        }
    }
}

fn folder_of(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

fn parent_folder(folder: &str) -> &str {
    folder.rfind('/').map_or("", |i| &folder[..i])
}
