//! `site.toml` into a typed, validated [`Config`].
//!
//! Two stages, as in ripgrep: what the file says ([`RawConfig`], strict serde with
//! `deny_unknown_fields`, so a mistyped key is an error naming the key and its line), then the
//! resolved configuration the pipeline uses, with command-line overrides applied
//! ([`Config::load`] + [`Overrides`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, line_col};
use crate::gitbook::RuleSpec;

/// `site.toml` as written. Every table rejects unknown keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub base_url: String,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default = "default_theme")]
    pub theme: String,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default = "default_paginate_by")]
    pub paginate_by: usize,
    #[serde(default = "default_feed_limit")]
    pub feed_limit: usize,
    #[serde(default = "default_taxonomies")]
    pub taxonomies: Vec<TaxonomyConfig>,
    #[serde(default)]
    pub markdown: MarkdownConfig,
    #[serde(default)]
    pub gitbook: GitbookConfig,
    #[serde(default)]
    pub topics: TopicsConfig,
    #[serde(default)]
    pub links: LinksConfig,
    #[serde(default)]
    pub extra: BTreeMap<String, toml::Value>,
}

/// `[topics]`: how articles are matched to topic themes (`content/themes/*.md`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicsConfig {
    /// Minimum score (keyword weight per 1,000 characters of a section) to join a theme.
    #[serde(default = "default_threshold")]
    pub threshold: f64,
    /// Minimum number of different keywords a section must contain.
    #[serde(default = "default_min_distinct")]
    pub min_distinct: usize,
    /// Shorter sections are scored as if they had this many characters, so that one keyword in a
    /// short paragraph does not outweigh a whole article.
    #[serde(default = "default_min_chars")]
    pub min_chars: usize,
}

impl Default for TopicsConfig {
    fn default() -> Self {
        TopicsConfig {
            threshold: default_threshold(),
            min_distinct: default_min_distinct(),
            min_chars: default_min_chars(),
        }
    }
}

fn default_threshold() -> f64 {
    8.0
}
fn default_min_distinct() -> usize {
    2
}
fn default_min_chars() -> usize {
    400
}

/// `[links]`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LinksConfig {
    /// Report broken internal links as warnings instead of errors.
    #[serde(default)]
    pub allow_broken: bool,
}

/// One `[[taxonomies]]` entry.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyConfig {
    /// The key in front matter and the URL segment: `tags` gives `/tags/<term>/`.
    pub name: String,
    /// How the site shows the taxonomy's name (`标签`); defaults to `name`.
    #[serde(default)]
    pub title: Option<String>,
    /// Terms per page on a term page; defaults to the site's `paginate_by`.
    #[serde(default)]
    pub paginate_by: Option<usize>,
    /// Write an Atom feed per term.
    #[serde(default = "yes")]
    pub feed: bool,
    /// Other spellings of a term and the term they mean: `{ "2B" = "To B" }`. Compared after
    /// case and full/half-width folding.
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
    /// Term routing: move matching terms out of this other taxonomy into this one.
    #[serde(default)]
    pub take_from: Option<String>,
    /// Terms to take (compared after folding).
    #[serde(default)]
    pub take_terms: Vec<String>,
    /// A regex; terms it matches (whole term, after folding) are taken.
    #[serde(default)]
    pub take_pattern: Option<String>,
}

/// `[markdown]`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct MarkdownConfig {}

/// `[gitbook]`: how GitBook-style exports are read.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct GitbookConfig {
    /// Extra boilerplate rules, applied after the built-in ones.
    #[serde(default)]
    pub boilerplate: Vec<RuleSpec>,
}

fn default_language() -> String {
    "zh-CN".to_string()
}
fn default_theme() -> String {
    "default".to_string()
}
fn default_paginate_by() -> usize {
    10
}
fn default_feed_limit() -> usize {
    20
}
fn yes() -> bool {
    true
}
fn default_taxonomies() -> Vec<TaxonomyConfig> {
    [("tags", "标签"), ("authors", "作者"), ("categories", "分类")]
        .into_iter()
        .map(|(name, title)| TaxonomyConfig {
            name: name.to_string(),
            title: Some(title.to_string()),
            paginate_by: None,
            feed: true,
            aliases: BTreeMap::new(),
            take_from: None,
            take_terms: Vec::new(),
            take_pattern: None,
        })
        .collect()
}

/// What the command line can override.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub base_url: Option<String>,
    pub output_dir: Option<PathBuf>,
    pub drafts: bool,
    /// Broken internal links are warnings, not errors.
    pub allow_broken: bool,
}

/// The resolved configuration of one build.
#[derive(Debug, Clone)]
pub struct Config {
    pub root: PathBuf,
    pub title: String,
    pub description: String,
    /// Scheme, host and optional path, without a trailing slash: `https://example.org/kb`.
    pub base_url: String,
    /// The path part of `base_url` without a trailing slash: `/kb`, or `` at the host root.
    pub base_path: String,
    pub language: String,
    pub theme: String,
    pub author: Option<String>,
    pub paginate_by: usize,
    pub feed_limit: usize,
    pub taxonomies: Vec<TaxonomyConfig>,
    pub gitbook: GitbookConfig,
    pub topics: TopicsConfig,
    pub extra: BTreeMap<String, toml::Value>,
    pub output_dir: PathBuf,
    pub drafts: bool,
    pub allow_broken: bool,
}

impl Config {
    /// Read `<root>/site.toml` and apply the overrides.
    pub fn load(root: &Path, overrides: &Overrides) -> Result<Config, Vec<Diagnostic>> {
        let path = root.join("site.toml");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| vec![Diagnostic::error("site.toml", 0, 0, format!("cannot read {}: {e}", path.display()))])?;
        Config::parse(root, &text, overrides)
    }

    /// Parse the text of a `site.toml`.
    pub fn parse(root: &Path, text: &str, overrides: &Overrides) -> Result<Config, Vec<Diagnostic>> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map_or((0, 0), |s| line_col(text, s.start));
            let length = e.span().map_or(1, |s| text.get(s).map_or(1, |t| t.chars().count()));
            let message = e.message().trim();
            let mut diagnostic = Diagnostic::error("site.toml", line, col, first_clause(message)).with_length(length);
            if let Some(key) = message.split("unknown field `").nth(1).and_then(|r| r.split('`').next()) {
                let known: Vec<&str> = message.split('`').skip(3).step_by(2).collect();
                if let Some(best) = crate::content::closest(key, &known) {
                    diagnostic = diagnostic.with_help(format!("did you mean `{best}`?"));
                } else if !known.is_empty() {
                    diagnostic = diagnostic.with_help(format!("expected one of {}", known.join(", ")));
                }
            }
            vec![diagnostic]
        })?;
        let mut problems = Vec::new();
        let at = |key: &str| key_position(text, key);

        let base = overrides.base_url.clone().unwrap_or(raw.base_url.clone());
        let (base_url, base_path) = match split_base_url(&base) {
            Ok(parts) => parts,
            Err(message) => {
                let (line, col) = if overrides.base_url.is_some() { (0, 0) } else { at("base_url") };
                let source = if overrides.base_url.is_some() { "--base-url" } else { "site.toml" };
                problems.push(Diagnostic::error(source, line, col, message));
                (String::new(), String::new())
            }
        };
        if raw.paginate_by == 0 {
            let (line, col) = at("paginate_by");
            problems.push(Diagnostic::error("site.toml", line, col, "`paginate_by` must be at least 1"));
        }
        if !is_language_tag(&raw.language) {
            let (line, col) = at("language");
            problems.push(Diagnostic::error(
                "site.toml",
                line,
                col,
                format!("`language` is not a language tag: {:?} (for example \"zh-CN\" or \"en\")", raw.language),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for taxonomy in &raw.taxonomies {
            let valid = !taxonomy.name.is_empty()
                && taxonomy.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
            if !valid {
                let (line, col) = find_position(text, &format!("\"{}\"", taxonomy.name));
                problems.push(Diagnostic::error(
                    "site.toml",
                    line,
                    col,
                    format!("taxonomy name {:?} must be lowercase ASCII letters, digits, `-` or `_`", taxonomy.name),
                ));
            } else if !seen.insert(taxonomy.name.clone()) {
                let (line, col) = find_position(text, &format!("\"{}\"", taxonomy.name));
                problems.push(Diagnostic::error(
                    "site.toml",
                    line,
                    col,
                    format!("taxonomy {:?} is declared twice", taxonomy.name),
                ));
            }
        }
        for taxonomy in &raw.taxonomies {
            let at_name = || find_position(text, &format!("\"{}\"", taxonomy.name));
            if let Some(source) = &taxonomy.take_from {
                if source == &taxonomy.name || !raw.taxonomies.iter().any(|t| &t.name == source) {
                    let (line, col) = find_position(text, &format!("take_from = \"{source}\""));
                    problems.push(Diagnostic::error(
                        "site.toml",
                        line,
                        col,
                        format!(
                            "taxonomy {:?} takes terms from {source:?}, which is not another declared taxonomy",
                            taxonomy.name
                        ),
                    ));
                }
            } else if !taxonomy.take_terms.is_empty() || taxonomy.take_pattern.is_some() {
                let (line, col) = at_name();
                problems.push(Diagnostic::error(
                    "site.toml",
                    line,
                    col,
                    format!("taxonomy {:?} has `take_terms` or `take_pattern` but no `take_from`", taxonomy.name),
                ));
            }
            if let Some(pattern) = &taxonomy.take_pattern
                && let Err(e) = regex::Regex::new(pattern)
            {
                let (line, col) = find_position(text, "take_pattern");
                let first = e.to_string().lines().last().unwrap_or("").trim().to_string();
                problems.push(Diagnostic::error(
                    "site.toml",
                    line,
                    col,
                    format!("`take_pattern` is not a valid regex: {first}"),
                ));
            }
        }
        if !(raw.topics.threshold.is_finite() && raw.topics.threshold >= 0.0) {
            let (line, col) = at("threshold");
            problems.push(Diagnostic::error(
                "site.toml",
                line,
                col,
                "`topics.threshold` must be a number of at least 0",
            ));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let output_dir = match &overrides.output_dir {
            Some(dir) if dir.is_absolute() => dir.clone(),
            Some(dir) => std::env::current_dir().map(|cwd| cwd.join(dir)).unwrap_or_else(|_| dir.clone()),
            None => root.join("public"),
        };
        Ok(Config {
            root: root.to_path_buf(),
            title: raw.title,
            description: raw.description,
            base_url,
            base_path,
            language: raw.language,
            theme: raw.theme,
            author: raw.author,
            paginate_by: raw.paginate_by,
            feed_limit: raw.feed_limit,
            taxonomies: raw.taxonomies,
            gitbook: raw.gitbook,
            topics: raw.topics,
            extra: raw.extra,
            output_dir,
            drafts: overrides.drafts,
            allow_broken: overrides.allow_broken || raw.links.allow_broken,
        })
    }

    pub fn content_dir(&self) -> PathBuf {
        self.root.join("content")
    }

    /// The absolute URL of a site path such as `/articles/x/` (leading slash, no base path).
    pub fn url(&self, site_path: &str) -> String {
        // Joined rather than `format!`ed: views make tens of thousands of URLs, and the
        // formatting machinery costs several times the copy.
        [self.base_url.as_str(), site_path].concat()
    }

    /// The path as served, base path included: `/kb/articles/x/`.
    pub fn served_path(&self, site_path: &str) -> String {
        [self.base_path.as_str(), site_path].concat()
    }

    pub fn taxonomy(&self, name: &str) -> Option<&TaxonomyConfig> {
        self.taxonomies.iter().find(|t| t.name == name)
    }
}

/// toml lists every expected key after the first clause; the help line says it better.
fn first_clause(message: &str) -> String {
    match message.find(", expected one of") {
        Some(i) if message.starts_with("unknown field") => message[..i].to_string(),
        _ => message.to_string(),
    }
}

/// Split `https://example.org/kb/` into (`https://example.org/kb`, `/kb`).
fn split_base_url(url: &str) -> Result<(String, String), String> {
    let trimmed = url.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or_else(|| format!("`base_url` must start with http:// or https://, found {url:?}"))?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '?' || c == '#') {
        return Err(format!("`base_url` has no valid host: {url:?}"));
    }
    if path.contains(['?', '#', ' ']) {
        return Err(format!("`base_url` may hold a path but no query, fragment or space: {url:?}"));
    }
    Ok((trimmed.to_string(), path.to_string()))
}

fn is_language_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag.split('-').all(|part| (1..=8).contains(&part.len()) && part.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Line and column of the first line that assigns `key` at the start of a line.
fn key_position(text: &str, key: &str) -> (usize, usize) {
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            let indent = line.chars().count() - trimmed.chars().count();
            return (i + 1, indent + 1);
        }
    }
    (0, 0)
}

fn find_position(text: &str, needle: &str) -> (usize, usize) {
    text.find(needle).map_or((0, 0), |offset| line_col(text, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
        Config::parse(Path::new("/site"), text, &Overrides::default())
    }

    fn first_error(text: &str) -> String {
        parse(text).unwrap_err()[0].to_string()
    }

    #[test]
    fn defaults_fill_what_is_left_out() {
        let config = parse("title = \"知识库\"\nbase_url = \"https://example.org/\"\n").unwrap();
        assert_eq!(config.language, "zh-CN");
        assert_eq!(config.theme, "default");
        assert_eq!(config.base_url, "https://example.org");
        assert_eq!(config.base_path, "");
        assert_eq!(config.paginate_by, 10);
        let names: Vec<_> = config.taxonomies.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["tags", "authors", "categories"]);
    }

    #[test]
    fn base_url_keeps_its_path() {
        let config = parse("title = \"t\"\nbase_url = \"https://example.org/kb/\"\n").unwrap();
        assert_eq!(config.base_url, "https://example.org/kb");
        assert_eq!(config.base_path, "/kb");
        assert_eq!(config.url("/tags/ai/"), "https://example.org/kb/tags/ai/");
        assert_eq!(config.served_path("/tags/ai/"), "/kb/tags/ai/");
    }

    #[test]
    fn unknown_key_names_the_key_and_its_line() {
        let error = first_error("title = \"t\"\nbase_url = \"https://e.org\"\ntittle = \"x\"\n");
        assert!(error.starts_with("site.toml:3:1: error: unknown field `tittle`"), "{error}");
    }

    #[test]
    fn unknown_key_in_a_table_names_its_line() {
        let error =
            first_error("title = \"t\"\nbase_url = \"https://e.org\"\n[[taxonomies]]\nname = \"tags\"\nfeeds = true\n");
        assert!(error.starts_with("site.toml:5:1: error: unknown field `feeds`"), "{error}");
    }

    #[test]
    fn mistyped_value_names_its_line() {
        let error = first_error("title = \"t\"\nbase_url = \"https://e.org\"\npaginate_by = \"ten\"\n");
        assert!(error.starts_with("site.toml:3:15: error: invalid type"), "{error}");
    }

    #[test]
    fn bad_base_url_is_reported_where_it_is() {
        let error = first_error("title = \"t\"\nbase_url = \"example.org\"\n");
        assert_eq!(
            error,
            "site.toml:2:1: error: `base_url` must start with http:// or https://, found \"example.org\""
        );
    }

    #[test]
    fn override_wins_over_the_file() {
        let overrides = Overrides { base_url: Some("http://127.0.0.1:1111".into()), ..Overrides::default() };
        let config =
            Config::parse(Path::new("/s"), "title = \"t\"\nbase_url = \"https://e.org/kb\"\n", &overrides).unwrap();
        assert_eq!(config.base_url, "http://127.0.0.1:1111");
        assert_eq!(config.base_path, "");
    }
}
