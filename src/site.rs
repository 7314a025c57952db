//! Assemble: the whole site as one model, from loaded content to rendered Markdown, sections,
//! previous/next links and taxonomies.
//!
//! [`Site::load`] runs the stages up to here in order — content, index, markdown — and returns
//! the model plus every diagnostic found on the way. Markdown renders in parallel (rayon);
//! results are collected in page order, so the model is the same on every run.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::{Config, TaxonomyConfig};
use crate::content::{self, Asset, Kind, SortBy, SourcePage};
use crate::diagnostics::Diagnostic;
use crate::index::Index;
use crate::markdown::{self, LinkKind, Rendered};
use crate::slug::slugify;
use crate::text;
use crate::topics;

/// What one build keeps for the next (see [`Site::load_cached`]); a cache that is not kept
/// (the default, for one-off builds) holds nothing and costs nothing.
#[derive(Default)]
pub struct Cache {
    files: content::FileCache,
    /// Whether another build will follow (`serve`).
    keep: bool,
    /// Source path → (key of its text and link targets, rendered Markdown, its problems).
    markdown: std::collections::HashMap<String, (u64, Arc<Rendered>, Vec<Diagnostic>)>,
}

impl Cache {
    /// A cache for a run of builds.
    pub fn kept() -> Cache {
        let mut cache = Cache { keep: true, ..Cache::default() };
        cache.files.keep = true;
        cache
    }
}

/// Related articles shown on each article.
const RELATED_COUNT: usize = 5;

/// Characters in a generated summary.
const SUMMARY_CHARS: usize = 120;

/// A page or section of the built site.
#[derive(Debug)]
pub struct Page {
    pub source: SourcePage,
    /// Site path without the base path: `/articles/x/`.
    pub path: String,
    /// Shared with the rebuild cache of `serve`, which keeps it while the Markdown is unchanged.
    pub rendered: Arc<Rendered>,
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
    /// The topic themes this page belongs to, best first.
    pub topics: Vec<TopicLink>,
    /// Pages that link here, with the sentence around the (first) link.
    pub backlinks: Vec<Backlink>,
    /// Glossary entries only: the articles that mention the term, newest first.
    pub mentioned_in: Vec<usize>,
    /// Articles only: the most related articles, best first.
    pub related: Vec<usize>,
}

/// An article's membership of a topic theme.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicLink {
    /// Index into [`Site::topics`].
    pub topic: usize,
    /// The section (index into the page's `rendered.sections`) that speaks to the theme, if any.
    pub section: Option<usize>,
    pub score: f64,
    /// HTML: the section's text around the matched phrases, which are in `<mark>`.
    pub snippet: String,
    /// Joined through front matter `themes:` rather than by keywords.
    pub declared: bool,
}

/// Working memory of one thread of [`Site::match_topics`], kept from article to article.
struct TopicScratch {
    scratch: topics::Scratch,
    section_scores: Vec<topics::SectionScore>,
    /// Per theme: the best qualifying section and its score, and that section's match spans.
    best: Vec<Option<(usize, f64)>>,
    best_spans: Vec<Vec<(usize, usize)>>,
    /// Per theme: the best section at all and its score.
    any: Vec<Option<(usize, f64)>>,
}

impl TopicScratch {
    fn new(themes: usize) -> TopicScratch {
        TopicScratch {
            scratch: topics::Scratch::default(),
            section_scores: Vec::new(),
            best: vec![None; themes],
            best_spans: vec![Vec::new(); themes],
            any: vec![None; themes],
        }
    }
}

/// One page linking to another.
#[derive(Debug, Clone, PartialEq)]
pub struct Backlink {
    pub page: usize,
    pub context: String,
}

/// A topic theme (`content/themes/<slug>.md`) and the articles in it, best first.
#[derive(Debug, Clone)]
pub struct Topic {
    pub page: usize,
    pub slug: String,
    /// (article page, index into that page's `topics`).
    pub members: Vec<(usize, usize)>,
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
    pub topics: Vec<Topic>,
    /// The section holding the topic themes (`content/themes/_index.md`), if any.
    pub topics_section: Option<usize>,
    /// How links resolved in this build (kept so that `serve` can render one page again).
    pub index: Index,
    pub glossary: markdown::Glossary,
}

impl Site {
    /// Load, index and render the content of the site described by `config`.
    pub fn load(config: Config, diagnostics: &mut Vec<Diagnostic>) -> Site {
        Site::load_cached(config, diagnostics, &mut Cache::default(), &mut crate::build::Clock::start())
    }

    /// [`Site::load`], reusing what `cache` kept from the previous build: files whose size and
    /// modification time are unchanged are not read again, and Markdown whose text and link
    /// targets are unchanged is not rendered again. The result is the same as a cold load.
    /// [`Site::load`], reusing and refilling `cache`; `clock` gets a lap for each of the stages
    /// load, markdown and graph.
    pub fn load_cached(
        config: Config,
        diagnostics: &mut Vec<Diagnostic>,
        cache: &mut Cache,
        clock: &mut crate::build::Clock,
    ) -> Site {
        let mut content = content::load_cached(&config, diagnostics, &mut cache.files);
        if !config.drafts {
            content.pages.retain(|p| !p.meta.draft);
        }
        apply_summary_order(&mut content);
        let index = Index::build(&content, diagnostics);
        // Glossary entries: their title and `aliases` are the phrases linked in other pages.
        let glossary = markdown::Glossary::new(
            content
                .pages
                .iter()
                .enumerate()
                .filter(|(_, p)| content::is_glossary_page(&p.rel))
                .map(|(n, p)| {
                    let phrases =
                        std::iter::once(p.meta.title.clone()).chain(p.meta.term_aliases.iter().cloned()).collect();
                    (n, phrases, config.url(&index.paths[n]))
                })
                .collect(),
        );

        // Everything outside a page that its rendering reads: where links lead, which files
        // exist, which glossary terms there are, how broken links are reported.
        let signature = {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            config.base_url.hash(&mut h);
            config.allow_broken.hash(&mut h);
            for (page, path) in content.pages.iter().zip(&index.paths) {
                (&page.rel, path, &page.meta.title, &page.meta.term_aliases).hash(&mut h);
            }
            for asset in &content.assets {
                asset.rel.hash(&mut h);
            }
            h.finish()
        };
        clock.lap("load");
        crate::progress::stage("markdown", content.pages.len());
        let previous = &cache.markdown;
        let keep = cache.keep;
        let rendered: Vec<(u64, Arc<Rendered>, Vec<Diagnostic>)> = content
            .pages
            .par_iter_mut()
            .zip(&index.paths)
            .map(|(page, path)| {
                let key = if keep {
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    (signature, &page.rel, &page.body, page.body_line_offset, &page.display).hash(&mut h);
                    h.finish()
                } else {
                    0
                };
                let result = match previous.get(&page.rel) {
                    Some((k, rendered, problems)) if *k == key => (key, rendered.clone(), problems.clone()),
                    _ => {
                        let (rendered, problems) = render_page(&config, &index, &glossary, page, path);
                        (key, Arc::new(rendered), problems)
                    }
                };
                if !keep {
                    // Nothing reads the Markdown after this; a one-off build need not hold it.
                    page.body = String::new();
                }
                crate::progress::tick();
                result
            })
            .collect();
        if keep {
            cache.markdown = content
                .pages
                .iter()
                .zip(&rendered)
                .map(|(page, (key, rendered, problems))| (page.rel.clone(), (*key, rendered.clone(), problems.clone())))
                .collect();
        }
        let rendered = rendered.into_iter().map(|(_, rendered, problems)| (rendered, problems));

        let mut pages = Vec::with_capacity(content.pages.len());
        for ((source, (rendered, mut problems)), path) in
            content.pages.into_iter().zip(rendered).zip(index.paths.clone())
        {
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
                topics: Vec::new(),
                backlinks: Vec::new(),
                mentioned_in: Vec::new(),
                related: Vec::new(),
            });
        }

        let mut site = Site {
            config,
            pages,
            taxonomies: Vec::new(),
            assets: content.assets,
            home: None,
            topics: Vec::new(),
            topics_section: None,
            index,
            glossary,
        };
        clock.lap("markdown");
        crate::progress::stage("graph", 0);
        site.link_sections();
        site.route_terms();
        let by_date = site.date_ranks();
        site.collect_taxonomies(diagnostics, &by_date);
        site.match_topics(diagnostics, &by_date);
        let by_path = std::mem::take(&mut site.index.by_path);
        site.check_links(&by_path, diagnostics, &by_date);
        site.index.by_path = by_path;
        site.collect_mentions(&by_date);
        site.relate_articles();
        clock.lap("graph");
        site
    }

    /// Release the pages' plain text (their sections' text with it), wherever this model holds
    /// the only reference to it, once the search index, its last reader, is made: templates do
    /// not read it. A build to disk calls this so that the largest part of the model is not
    /// held through the stages after it.
    pub fn release_text(&mut self) {
        self.pages.par_iter_mut().for_each(|page| {
            if let Some(rendered) = Arc::get_mut(&mut page.rendered) {
                rendered.plain_text = String::new();
                for section in &mut rendered.sections {
                    section.text = 0..0;
                }
            }
        });
    }

    /// Related articles from shared terms, shared topic themes and text similarity.
    fn relate_articles(&mut self) {
        let articles: Vec<usize> = (0..self.pages.len()).filter(|&n| self.is_article(n)).collect();
        // Terms of every taxonomy, numbered site-wide.
        let mut offsets = BTreeMap::new();
        let mut next = 0;
        for taxonomy in &self.taxonomies {
            offsets.insert(taxonomy.name().to_string(), next);
            next += taxonomy.terms.len();
        }
        let terms: Vec<Vec<usize>> = articles
            .iter()
            .map(|&n| {
                self.pages[n].terms.iter().flat_map(|(name, list)| list.iter().map(|t| t + offsets[name])).collect()
            })
            .collect();
        let themes: Vec<Vec<usize>> =
            articles.iter().map(|&n| self.pages[n].topics.iter().map(|t| t.topic).collect()).collect();
        let docs: Vec<crate::related::Doc> = articles
            .iter()
            .enumerate()
            .map(|(i, &n)| crate::related::Doc {
                text: &self.pages[n].rendered.plain_text,
                title: self.pages[n].title(),
                tags: &terms[i],
                themes: &themes[i],
            })
            .collect();
        let found = crate::related::related(&docs, RELATED_COUNT);
        for (i, list) in found.into_iter().enumerate() {
            // A new list of page numbers (not the related list mapped in place, which would
            // keep twice the room a list of `usize` needs).
            self.pages[articles[i]].related = list.iter().map(|r| articles[r.doc]).collect();
        }
    }

    /// Every page's place in the order of [`compare`] by date: sorting page numbers by it
    /// sorts them as `compare(.., SortBy::Date)` does, without comparing dates, weights, titles
    /// and paths again in every sort (`compare` ends on the source path, so no two pages tie).
    fn date_ranks(&self) -> Vec<u32> {
        let mut order: Vec<usize> = (0..self.pages.len()).collect();
        order.sort_by(|&a, &b| compare(&self.pages[a], &self.pages[b], SortBy::Date));
        let mut rank = vec![0u32; order.len()];
        for (r, &page) in order.iter().enumerate() {
            rank[page] = r as u32;
        }
        rank
    }

    /// Each glossary entry learns which articles mention it. `by_date` is [`Site::date_ranks`].
    fn collect_mentions(&mut self, by_date: &[u32]) {
        let mut mentions: Vec<Vec<usize>> = vec![Vec::new(); self.pages.len()];
        for (number, page) in self.pages.iter().enumerate() {
            if !self.is_article(number) {
                continue;
            }
            for &term in &page.rendered.glossary_terms {
                mentions[term].push(number);
            }
        }
        for (term, mut pages) in mentions.into_iter().enumerate() {
            pages.sort_by_key(|&page| by_date[page]);
            self.pages[term].mentioned_in = pages;
        }
    }

    /// Whether a page is an article: not a section, a topic theme or a glossary entry.
    pub fn is_article(&self, number: usize) -> bool {
        let page = &self.pages[number];
        !page.is_section() && !content::is_topic_page(&page.source.rel) && !content::is_glossary_page(&page.source.rel)
    }

    /// Term routing: taxonomies with `take_from` move matching terms out of their source.
    fn route_terms(&mut self) {
        let routes = routes(&self.config);
        if routes.is_empty() {
            return;
        }
        for page in &mut self.pages {
            route_page_terms(&routes, &mut page.source.meta.taxonomies);
        }
    }

    /// Render the Markdown of a new version of page `number`, with this build's link targets.
    pub fn render_markdown(&self, number: usize, source: &SourcePage) -> (Rendered, Vec<Diagnostic>) {
        render_page(&self.config, &self.index, &self.glossary, source, &self.pages[number].path)
    }

    /// Put a changed article in place of its previous version without assembling the site
    /// again: its text, summary and terms are new; what depends on other pages (topics,
    /// backlinks, related articles) stays as it was until the next full build. `serve` uses this
    /// to show an edit at once; the full build that follows makes everything exact.
    pub fn patch_article(&mut self, number: usize, mut source: SourcePage, rendered: Rendered) {
        let routes = routes(&self.config);
        route_page_terms(&routes, &mut source.meta.taxonomies);
        let summary = match &source.meta.description {
            Some(description) => text::truncate(description, SUMMARY_CHARS * 2),
            None => text::truncate(&rendered.plain_text, SUMMARY_CHARS),
        };
        let mut terms = BTreeMap::new();
        for taxonomy in &mut self.taxonomies {
            let aliases: BTreeMap<String, String> =
                taxonomy.config.aliases.iter().map(|(from, to)| (term_key(from), to.clone())).collect();
            let Some(written) = source.meta.taxonomies.get(taxonomy.name()) else { continue };
            let mut numbers = Vec::new();
            for term in written {
                let written = crate::text::collapse_whitespace(term.trim());
                let spelling = aliases.get(&term_key(&written)).cloned().unwrap_or(written);
                let slug = slugify(&spelling);
                if slug.is_empty() {
                    continue;
                }
                let found = taxonomy.terms.iter().position(|t| t.slug == slug);
                let index = found.unwrap_or_else(|| {
                    taxonomy.terms.push(Term { name: spelling, slug, pages: vec![number] });
                    taxonomy.terms.len() - 1
                });
                if !numbers.contains(&index) {
                    numbers.push(index);
                }
            }
            if !numbers.is_empty() {
                terms.insert(taxonomy.config.name.clone(), numbers);
            }
        }
        let page = &mut self.pages[number];
        page.source = source;
        page.rendered = Arc::new(rendered);
        page.summary = summary;
        page.terms = terms;
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

    /// Group every page's terms: spellings that fold alike (case, full/half width, spacing) or
    /// that the taxonomy's alias map joins are one term, shown in its most frequent spelling.
    /// Different terms whose slugs collide are merged too, with a warning naming both.
    fn collect_taxonomies(&mut self, diagnostics: &mut Vec<Diagnostic>, by_date: &[u32]) {
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
            let aliases: BTreeMap<String, String> =
                config.aliases.iter().map(|(from, to)| (term_key(from), to.clone())).collect();
            // slug -> (folded key -> (spelling -> count)), pages
            type Group = (BTreeMap<String, BTreeMap<String, usize>>, Vec<usize>);
            // The same term is written on many pages: its spelling, slug and key are made once,
            // and it is counted, with the pages it is on, before it joins its group.
            struct Written {
                spelling: String,
                slug: String,
                key: String,
                count: usize,
                /// In order, each once.
                pages: Vec<usize>,
            }
            let mut known: std::collections::HashMap<&str, usize> = Default::default();
            let mut written: Vec<Written> = Vec::new();
            for (number, page) in self.pages.iter().enumerate() {
                let Some(terms) = page.source.meta.taxonomies.get(&config.name) else { continue };
                for term in terms {
                    let at = *known.entry(term.as_str()).or_insert_with(|| {
                        let text = crate::text::collapse_whitespace(term.trim());
                        let spelling = aliases.get(&term_key(&text)).cloned().unwrap_or(text);
                        let slug = slugify(&spelling);
                        let key = term_key(&spelling);
                        written.push(Written { spelling, slug, key, count: 0, pages: Vec::new() });
                        written.len() - 1
                    });
                    let term_ = &mut written[at];
                    if term_.slug.is_empty() {
                        diagnostics.push(Diagnostic::warning(
                            &page.source.display,
                            0,
                            0,
                            format!("{} term {term:?} has no letters or digits and is ignored", config.name),
                        ));
                        continue;
                    }
                    term_.count += 1;
                    if term_.pages.last() != Some(&number) {
                        term_.pages.push(number);
                    }
                }
            }
            let mut groups: BTreeMap<String, Group> = BTreeMap::new();
            for term in written.into_iter().filter(|t| t.count > 0) {
                let group = groups.entry(term.slug).or_default();
                *group.0.entry(term.key).or_default().entry(term.spelling).or_default() += term.count;
                group.1.extend(term.pages);
            }
            for group in groups.values_mut() {
                // Terms of one group may share pages.
                group.1.sort_unstable();
                group.1.dedup();
            }
            let mut terms = Vec::new();
            for (slug, (keys, mut pages)) in groups {
                let mut spellings: BTreeMap<&str, usize> = BTreeMap::new();
                for counts in keys.values() {
                    for (spelling, count) in counts {
                        *spellings.entry(spelling).or_default() += count;
                    }
                }
                let name = spellings
                    .iter()
                    .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                    .map(|(name, _)| name.to_string())
                    .unwrap_or_default();
                if keys.len() > 1 {
                    let all: Vec<&str> = spellings.keys().copied().collect();
                    diagnostics.push(Diagnostic::warning(
                        "site.toml",
                        0,
                        0,
                        format!(
                            "{} terms {} share the URL /{}/{slug}/ and were merged as {name:?}; add an alias in site.toml to make this explicit",
                            config.name,
                            all.iter().map(|t| format!("{t:?}")).collect::<Vec<_>>().join(", "),
                            config.name
                        ),
                    ));
                }
                pages.sort_by_key(|&page| by_date[page]);
                terms.push(Term { name, slug, pages });
            }
            for (term_number, term) in terms.iter().enumerate() {
                for &page in &term.pages {
                    let of_page = &mut self.pages[page].terms;
                    match of_page.get_mut(&config.name) {
                        Some(numbers) => numbers.push(term_number),
                        None => {
                            of_page.insert(config.name.clone(), vec![term_number]);
                        }
                    }
                }
            }
            self.taxonomies.push(Taxonomy { config, terms });
        }
    }

    /// Score every article's sections against the topic themes and record memberships.
    fn match_topics(&mut self, diagnostics: &mut Vec<Diagnostic>, by_date: &[u32]) {
        let mut theme_pages: Vec<usize> =
            (0..self.pages.len()).filter(|&n| content::is_topic_page(&self.pages[n].source.rel)).collect();
        theme_pages.sort_by(|&a, &b| compare(&self.pages[a], &self.pages[b], SortBy::Weight));
        self.topics_section = self.pages.iter().position(|p| p.source.rel == "themes/_index.md");
        if theme_pages.is_empty() {
            return;
        }
        let specs: Vec<topics::ThemeSpec> = theme_pages
            .iter()
            .map(|&n| (self.pages[n].source.meta.keywords.clone(), self.pages[n].source.meta.exclude.clone()))
            .collect();
        let matcher = topics::Matcher::new(&specs);
        self.topics = theme_pages
            .iter()
            .map(|&n| Topic {
                page: n,
                slug: self.pages[n].path.trim_end_matches('/').rsplit('/').next().unwrap_or("").to_string(),
                members: Vec::new(),
            })
            .collect();
        let config = &self.config.topics;
        let articles: Vec<usize> = (0..self.pages.len()).filter(|&n| self.is_article(n)).collect();
        // Slug and title keys of the themes, for front matter `themes:` to name them by.
        let keys: Vec<(String, String)> =
            self.topics.iter().map(|t| (term_key(&t.slug), term_key(self.pages[t.page].title()))).collect();
        let find = |name: &str| {
            let key = term_key(name);
            keys.iter().position(|(slug, title)| *slug == key || *title == key)
        };
        let found: Vec<(Vec<TopicLink>, bool)> = articles
            .par_iter()
            .map_init(
                || TopicScratch::new(self.topics.len()),
                |TopicScratch { scratch, section_scores, best, best_spans, any }, &n| {
                    let page = &self.pages[n];
                    let folded: Vec<(std::borrow::Cow<str>, usize)> =
                        page.rendered.sections.iter().map(|s| topics::fold_counted(page.rendered.text_of(s))).collect();
                    // Per theme, the best qualifying section (its spans in `best_spans`) and the
                    // best at all, as (section, score); the first of equal scores wins. Only a
                    // new best copies its spans, into a buffer kept from article to article.
                    best.fill(None);
                    any.fill(None);
                    for (i, (text, visible)) in folded.iter().enumerate() {
                        matcher.score_into(text, *visible, config, scratch, section_scores);
                        for score in section_scores.iter() {
                            let t = score.theme;
                            let better = |slot: Option<(usize, f64)>| slot.is_none_or(|(_, s)| score.score > s);
                            if topics::qualifies(score, config) && better(best[t]) {
                                best[t] = Some((i, score.score));
                                best_spans[t].clear();
                                best_spans[t].extend_from_slice(scratch.spans(t));
                            }
                            if better(any[t]) {
                                any[t] = Some((i, score.score));
                            }
                        }
                    }
                    let mut links: Vec<TopicLink> = best
                        .iter()
                        .enumerate()
                        .filter_map(|(topic, at)| at.map(|at| (topic, at)))
                        .map(|(topic, (section, score))| TopicLink {
                            topic,
                            section: Some(section),
                            score,
                            snippet: topics::snippet(&folded[section].0, &best_spans[topic]),
                            declared: false,
                        })
                        .collect();
                    let mut unknown = false;
                    for name in &page.source.meta.themes {
                        let Some(topic) = find(name) else {
                            unknown = true;
                            continue;
                        };
                        if links.iter().any(|l| l.topic == topic) {
                            links.iter_mut().filter(|l| l.topic == topic).for_each(|l| l.declared = true);
                            continue;
                        }
                        let (section, score, snippet) = match any[topic] {
                            Some((i, score)) => {
                                // The section's spans for this theme: it is scored again (a
                                // theme named in front matter without qualifying is rare).
                                let (text, visible) = &folded[i];
                                matcher.score_into(text, *visible, config, scratch, section_scores);
                                (Some(i), score, topics::snippet(text, scratch.spans(topic)))
                            }
                            None => (None, 0.0, topics::snippet(&page.summary, &[])),
                        };
                        links.push(TopicLink { topic, section, score, snippet, declared: true });
                    }
                    links.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.topic.cmp(&b.topic)));
                    (links, unknown)
                },
            )
            .collect();
        for (&n, (links, unknown)) in articles.iter().zip(found) {
            for name in self.pages[n].source.meta.themes.iter().filter(|_| unknown) {
                if find(name).is_none() {
                    let known: Vec<&str> = self.topics.iter().map(|t| t.slug.as_str()).collect();
                    let (line, column) = self.pages[n].source.meta.themes_at;
                    let mut d = Diagnostic::error(
                        &self.pages[n].source.display,
                        line,
                        column,
                        format!("front matter `themes`: no theme {name:?} in content/themes/"),
                    );
                    d = match content::closest(name, &known) {
                        Some(best) => d.with_help(format!("did you mean `{best}`?")),
                        None => d.with_help(format!("themes: {}", known.join(", "))),
                    };
                    diagnostics.push(d);
                }
            }
            for (i, link) in links.iter().enumerate() {
                self.topics[link.topic].members.push((n, i));
            }
            self.pages[n].topics = links;
        }
        let pages = &self.pages;
        for topic in &mut self.topics {
            topic.members.sort_by(|&(a, i), &(b, j)| {
                let (sa, sb) = (pages[a].topics[i].score, pages[b].topics[j].score);
                sb.total_cmp(&sa).then(by_date[a].cmp(&by_date[b]))
            });
        }
    }

    /// Backlinks, and `#anchor`s that point at no heading. `by_path` maps site paths to pages.
    fn check_links(&mut self, by_path: &BTreeMap<String, usize>, diagnostics: &mut Vec<Diagnostic>, by_date: &[u32]) {
        let severity_broken = |d: Diagnostic, allow: bool| {
            if allow { Diagnostic { severity: crate::diagnostics::Severity::Warning, ..d } } else { d }
        };
        let mut backlinks: Vec<Vec<Backlink>> = vec![Vec::new(); self.pages.len()];
        for (source, page) in self.pages.iter().enumerate() {
            for link in &page.rendered.links {
                let Some(url) = &link.url else { continue };
                let (target, fragment) = match link.kind {
                    LinkKind::Fragment => (Some(source), url.strip_prefix('#')),
                    LinkKind::Page | LinkKind::Wiki => {
                        let (path, fragment) = match url.split_once('#') {
                            Some((path, fragment)) => (path, Some(fragment)),
                            None => (url.as_str(), None),
                        };
                        let site_path = path.strip_prefix(&self.config.base_url).unwrap_or(path);
                        (by_path.get(site_path).copied(), fragment)
                    }
                    _ => (None, None),
                };
                let Some(target) = target else { continue };
                // Sources come in order: an earlier link from this page is the last backlink.
                if target != source && backlinks[target].last().is_none_or(|b| b.page != source) {
                    backlinks[target].push(Backlink { page: source, context: link.context.clone() });
                }
                if let Some(fragment) = fragment.filter(|f| !f.is_empty()) {
                    let wanted = crate::index::percent_decode(fragment);
                    if !self.pages[target].rendered.anchors.contains(&wanted) {
                        let where_ = if target == source {
                            "this page".to_string()
                        } else {
                            self.pages[target].source.display.display().to_string()
                        };
                        diagnostics.push(severity_broken(
                            Diagnostic::error(
                                &page.source.display,
                                link.line,
                                link.column,
                                format!("broken anchor: `{}` has no heading or id `{wanted}` in {where_}", link.dest),
                            ),
                            self.config.allow_broken,
                        ));
                    }
                }
            }
        }
        for (page, mut links) in backlinks.into_iter().enumerate() {
            links.sort_by_key(|link| by_date[link.page]);
            self.pages[page].backlinks = links;
        }
    }

    /// The knowledge graph: articles, topic themes, tags and glossary terms, and their links.
    pub fn graph(&self) -> crate::graph::Graph {
        use crate::graph::{GraphBuilder, NodeKind};
        const NONE: usize = usize::MAX;
        let mut graph = GraphBuilder::new();
        let url = |n: usize| self.config.url(&self.pages[n].path);
        // Per page: its node, if it has one.
        let mut node_of: Vec<usize> = vec![NONE; self.pages.len()];
        for topic in &self.topics {
            node_of[topic.page] = graph.node(NodeKind::Theme, self.pages[topic.page].title(), &url(topic.page));
        }
        for (number, page) in self.pages.iter().enumerate() {
            if content::is_glossary_page(&page.source.rel) {
                node_of[number] = graph.node(NodeKind::Glossary, page.title(), &url(number));
            }
        }
        let articles: Vec<usize> = (0..self.pages.len()).filter(|&n| self.is_article(n)).collect();
        for &number in &articles {
            node_of[number] = graph.node(NodeKind::Article, self.pages[number].title(), &url(number));
        }
        let tags = self.taxonomies.iter().find(|t| t.name() == "tags");
        // Per term of `tags`: its node, made when an article first carries it.
        let mut tag_node: Vec<usize> = vec![NONE; tags.map_or(0, |t| t.terms.len())];
        for &number in &articles {
            let page = &self.pages[number];
            let me = node_of[number];
            for link in &page.topics {
                graph.edge(me, node_of[self.topics[link.topic].page], "theme");
            }
            if let (Some(tags), Some(terms)) = (tags, page.terms.get("tags")) {
                for &term in terms {
                    if tag_node[term] == NONE {
                        let term_ = &tags.terms[term];
                        let path = format!("/tags/{}/", term_.slug);
                        tag_node[term] = graph.node(NodeKind::Tag, &term_.name, &self.config.url(&path));
                    }
                    graph.edge(me, tag_node[term], "tag");
                }
            }
            for &term in &page.rendered.glossary_terms {
                if let Some(&node) = node_of.get(term).filter(|&&node| node != NONE) {
                    graph.edge(me, node, "glossary");
                }
            }
        }
        for (target, page) in self.pages.iter().enumerate() {
            let to = node_of[target];
            if to == NONE {
                continue;
            }
            for backlink in &page.backlinks {
                let from = node_of[backlink.page];
                if from != NONE {
                    graph.edge(from, to, "link");
                }
            }
        }
        graph.finish()
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

fn render_page(
    config: &Config,
    index: &Index,
    glossary: &markdown::Glossary,
    page: &SourcePage,
    path: &str,
) -> (Rendered, Vec<Diagnostic>) {
    let self_url = config.url(path);
    let resolver = index.resolver(config, &page.rel);
    let options = markdown::Options {
        line_offset: page.body_line_offset,
        resolver: &resolver,
        glossary: (!glossary.is_empty()).then_some(glossary),
        self_url: Some(&self_url),
    };
    let rendered = markdown::render(&page.body, &options);
    let mut problems: Vec<Diagnostic> = rendered
        .warnings
        .iter()
        .map(|w| Diagnostic::warning(&page.display, w.line, w.column, w.message.clone()))
        .collect();
    for link in &rendered.links {
        if link.url.is_some() {
            let candidates = if link.kind == LinkKind::Wiki { index.wiki_candidates(&link.dest) } else { Vec::new() };
            if candidates.len() > 1 {
                let names: Vec<String> = candidates.iter().map(|&n| format!("content/{}", index.rels[n])).collect();
                problems.push(
                    Diagnostic::error(
                        &page.display,
                        link.line,
                        link.column,
                        format!("ambiguous wikilink: [[{}]] matches {}", link.dest, names.join(", ")),
                    )
                    .with_help("write the page's path instead, such as [[articles/name]]"),
                );
            }
            continue;
        }
        let message = match link.kind {
            LinkKind::Wiki => format!("broken wikilink: [[{}]] matches no page", link.dest),
            LinkKind::Page | LinkKind::Fragment => format!("broken link: `{}` matches no page", link.dest),
            LinkKind::Asset | LinkKind::Image => format!("broken link: `{}` matches no file in content/", link.dest),
        };
        let mut problem = Diagnostic::error(&page.display, link.line, link.column, message);
        if config.allow_broken {
            problem.severity = crate::diagnostics::Severity::Warning;
        }
        problems.push(problem);
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

/// A term route: (source taxonomy, target taxonomy, folded terms to take, pattern to take).
type Route = (String, String, Vec<String>, Option<regex::Regex>);

/// The term routes `site.toml` declares (`take_from` with `take_terms` / `take_pattern`).
fn routes(config: &Config) -> Vec<Route> {
    config
        .taxonomies
        .iter()
        .filter_map(|t| {
            let source = t.take_from.clone()?;
            let terms = t.take_terms.iter().map(|term| term_key(term)).collect();
            // Validated when the configuration was read.
            let pattern = t.take_pattern.as_deref().and_then(|p| regex::Regex::new(p).ok());
            Some((source, t.name.clone(), terms, pattern))
        })
        .collect()
}

/// Move one page's terms along the routes.
///
/// Most terms stay where they are: a list none of whose terms a route takes is left as it is,
/// and keys are made without allocating where the term is already one (see [`term_key_cow`]).
fn route_page_terms(routes: &[Route], taxonomies: &mut BTreeMap<String, Vec<String>>) {
    for (source, target, terms, pattern) in routes {
        let Some(list) = taxonomies.get_mut(source) else { continue };
        let takes = |term: &String| {
            let key = term_key_cow(term);
            terms.iter().any(|t| *t == *key) || pattern.as_ref().is_some_and(|p| p.is_match(&key))
        };
        if !list.iter().any(takes) {
            continue;
        }
        // In order, as the terms were written; the kept ones keep their order too.
        let taken: Vec<String> = list.extract_if(.., |term| takes(term)).collect();
        match taxonomies.get_mut(target) {
            Some(existing) => existing.extend(taken),
            None => {
                taxonomies.insert(target.clone(), taken);
            }
        }
    }
}

/// The key under which term spellings are the same term: width-folded, lowercase, single spaces.
pub fn term_key(term: &str) -> String {
    term_key_cow(term).into_owned()
}

/// [`term_key`], borrowing `term` when it is its own key. Terms are short and most are written
/// as their key already (CJK, lowercase, single spaces): the general path's three allocations
/// (fold, collapse, lowercase) cost more than checking every character.
fn term_key_cow(term: &str) -> std::borrow::Cow<'_, str> {
    let mut previous_space = true;
    let mut upper = false;
    for c in term.chars() {
        let plain = if c.is_ascii() {
            if c == ' ' {
                // A single space between words stays; a leading or doubled one goes.
                !std::mem::replace(&mut previous_space, true)
            } else {
                previous_space = false;
                upper |= c.is_ascii_uppercase();
                !c.is_whitespace()
            }
        } else if ('\u{4e00}'..='\u{9fff}').contains(&c) {
            // CJK Unified Ideographs: no case, no width, not spaces; this spares the lowercase
            // table's binary search for nearly every character of a Chinese term.
            previous_space = false;
            true
        } else {
            previous_space = false;
            let mut lower = c.to_lowercase();
            text::fold_width_char(c) == c
                && !c.is_whitespace()
                && !text::is_zero_width(c)
                && lower.next() == Some(c)
                && lower.next().is_none()
        };
        if !plain {
            return std::borrow::Cow::Owned(folded_key(term));
        }
    }
    if previous_space && !term.is_empty() {
        // A trailing space.
        return std::borrow::Cow::Owned(folded_key(term));
    }
    if upper { std::borrow::Cow::Owned(term.to_ascii_lowercase()) } else { std::borrow::Cow::Borrowed(term) }
}

/// [`term_key`] the general way.
fn folded_key(term: &str) -> String {
    crate::text::collapse_whitespace(&crate::text::fold_width(term)).trim().to_lowercase()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_key_shortcut_agrees_with_the_general_rule() {
        for term in [
            "",
            "AI",
            "ai",
            "To B",
            "To  B",
            " To B",
            "To B ",
            "高级",
            "2年",
            "２年",
            "ＡＩ",
            "AI\u{3000}产品",
            "AI\u{200b}",
            "a\tb",
            "a\u{b}b",
            "ΣΑΣ",
            "Ǆ",
            "İ",
            "Straße",
            "C#",
            "\u{a0}x",
        ] {
            assert_eq!(term_key(term), folded_key(term), "{term:?}");
        }
        assert_eq!(term_key("Ｔｏ  B "), "to b");
        assert!(matches!(term_key_cow("产品 经理"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn routes_move_taken_terms_in_order() {
        let routes: Vec<Route> = vec![
            ("tags".into(), "levels".into(), vec!["高级".into()], None),
            ("tags".into(), "experience".into(), Vec::new(), Some(regex::Regex::new("^[0-9]+年$").unwrap())),
        ];
        let mut taxonomies = BTreeMap::new();
        taxonomies.insert("tags".to_string(), vec!["AI".to_string(), "高级".into(), "２年".into(), "产品".into()]);
        taxonomies.insert("experience".to_string(), vec!["1年".to_string()]);
        route_page_terms(&routes, &mut taxonomies);
        assert_eq!(taxonomies["tags"], ["AI", "产品"]);
        assert_eq!(taxonomies["levels"], ["高级"]);
        assert_eq!(taxonomies["experience"], ["1年", "２年"]);
    }
}
