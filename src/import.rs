//! `themata import`: turns GitBook-style exports (a file, a folder, or a whole book with
//! `SUMMARY.md`) into Markdown files with YAML front matter under `content/`, so that writers
//! can edit them like any other article and the build gives the same pages as from the raw
//! export.
//!
//! # What is written where
//!
//! Every SRC is mirrored into the destination folder (`--into`, by default
//! `<root>/content/articles`): a folder SRC keeps its inner structure (`SRC/a/b.md` becomes
//! `DIR/a/b.md`), a file SRC lands directly in the folder (`DIR/b.md`). The walk skips what the
//! build skips (hidden files and folders, editor leftovers, see [`crate::content::is_ignored`])
//! and does not follow symbolic links. An export (see [`crate::gitbook::detect`]) is converted;
//! every other file — Markdown that is not an export, `SUMMARY.md`, images — is copied as it is.
//!
//! A converted file holds front matter written by serializing a struct (`FrontMatterOut`), so quoting is
//! always right and keys come in a fixed order: `title`, `description` (the export's summary),
//! `date`, `tags`, `authors`, `categories`, `weight` (the page's position in the `SUMMARY.md`
//! that lists it, counted from 1, as the build gives it), and `extra` with `author_url`,
//! `original_url`, `views`, `comments`, `collects`, every other `**Key:** value` line of the
//! header as written, and last `import: { source, checksum }`. The body is the export's body
//! with the boilerplate removed by the site's rules ([`crate::gitbook::Boilerplate`], extended
//! by `[[gitbook.boilerplate]]` in `site.toml`), leading blank lines dropped and runs of blank
//! lines collapsed to one, except inside code blocks and HTML blocks, whose blank lines are
//! their content.
//!
//! # Idempotency and edits
//!
//! `extra.import.source` is the file's path relative to its SRC and `extra.import.checksum`
//! the FNV-1a 64-bit hash, in hex, of the whole file without its checksum line (always the last
//! line of the front matter). The destination is a function of the source path, so importing
//! again never creates a second file for the same source; it finds one of these at the
//! destination:
//!
//! - nothing: the file is written (**new**);
//! - the same text: nothing to do (**unchanged**);
//! - an imported file whose text still hashes to its checksum: regenerated (**updated**);
//! - an imported file edited since (the hash differs, or the checksum line is gone), a file
//!   import did not write, or a copied file that differs from its source: **skipped** with the
//!   reason, unless `--force`, which overwrites. Copied files carry no checksum, so a changed
//!   image or plain Markdown file also needs `--force` to be updated.
//!
//! An imported file that a writer moved elsewhere is not followed: importing again writes the
//! source's file at its mirrored place.
//!
//! # Safety
//!
//! Nothing is written outside the destination folder: every destination is a plain relative
//! path (no `..`, no root) joined to the folder, no folder on the way to it and no destination
//! may be a symbolic link, and a SRC that contains the destination folder or lies inside it is
//! refused. Files are written to a hidden temporary file beside the destination and renamed
//! into place, so an interrupted import never leaves half a file. A malformed export (one that
//! [`crate::gitbook::extract`] rejects) is reported as `path:line:col: error: ...` and skipped;
//! the others are still imported.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;
use serde::ser::SerializeMap;

use crate::config::{Config, Overrides};
use crate::diagnostics::Diagnostic;
use crate::gitbook::{self, Boilerplate, Issue};

/// What to import, where, and with which boilerplate rules.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Exports to import: files or folders, as the user named them.
    pub sources: Vec<PathBuf>,
    /// The destination folder.
    pub into: PathBuf,
    /// Overwrite files edited since import (and files import did not write).
    pub force: bool,
    pub rules: Boilerplate,
}

impl ImportOptions {
    /// Options for importing into the site at `root`: the boilerplate rules are the defaults
    /// plus `site.toml`'s `[[gitbook.boilerplate]]`, and the destination is `into` (relative to
    /// the current folder) or `<root>/content/articles`. Fails when `site.toml` cannot be read.
    pub fn for_site(
        root: &Path,
        sources: Vec<PathBuf>,
        into: Option<PathBuf>,
        force: bool,
    ) -> Result<ImportOptions, Vec<Diagnostic>> {
        let config = Config::load(root, &Overrides::default())?;
        let rules = Boilerplate::defaults()
            .with_extra(&config.gitbook.boilerplate)
            .map_err(|message| vec![Diagnostic::error("site.toml", 0, 0, message)])?;
        let into = into.unwrap_or_else(|| root.join("content").join("articles"));
        Ok(ImportOptions { sources, into, force, rules })
    }
}

/// Whether a file was converted from an export or copied as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Converted,
    Copied,
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Written where there was nothing.
    New,
    /// Written over an older import (or, with `--force`, over anything).
    Updated,
    /// The destination already held exactly this.
    Unchanged,
    /// Not written, for this reason.
    Skipped(String),
}

/// One file of the import.
#[derive(Debug, Clone)]
pub struct ImportedFile {
    /// The source file, as the user named its SRC.
    pub source: PathBuf,
    /// The path under the destination folder (and under its SRC), with `/` separators.
    pub rel: String,
    pub kind: FileKind,
    pub status: Status,
    /// Boilerplate lines removed, per rule, in file order (converted files only).
    pub removed: Vec<(String, usize)>,
}

/// Everything an import did, for the report at the end.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// The destination folder, as given.
    pub into: PathBuf,
    pub files: Vec<ImportedFile>,
    /// Errors (malformed exports, unsafe destinations, unreadable files) and warnings (lesser
    /// problems in export headers), with the source file's line and column.
    pub diagnostics: Vec<Diagnostic>,
}

impl ImportReport {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// How many files of `kind` ended with `status` (skip reasons are not compared).
    pub fn count(&self, kind: FileKind, status: &Status) -> usize {
        let same = |s: &Status| std::mem::discriminant(s) == std::mem::discriminant(status);
        self.files.iter().filter(|f| f.kind == kind && same(&f.status)).count()
    }

    /// Boilerplate lines removed from the files written by this import (new and updated), per
    /// rule, most lines first.
    pub fn removed(&self) -> Vec<(String, usize)> {
        let mut totals: BTreeMap<&str, usize> = BTreeMap::new();
        for file in self.files.iter().filter(|f| matches!(f.status, Status::New | Status::Updated)) {
            for (rule, lines) in &file.removed {
                *totals.entry(rule).or_default() += lines;
            }
        }
        let mut totals: Vec<(String, usize)> = totals.into_iter().map(|(r, n)| (r.to_string(), n)).collect();
        totals.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        totals
    }

    /// The files skipped, with their reasons.
    pub fn skipped(&self) -> Vec<(&str, &str)> {
        self.files
            .iter()
            .filter_map(|f| match &f.status {
                Status::Skipped(reason) => Some((f.rel.as_str(), reason.as_str())),
                _ => None,
            })
            .collect()
    }
}

/// The report as printed at the end of `themata import`:
///
/// ```text
/// Imported 44 files into content/articles (12 new, 30 updated, 2 unchanged), copied 1 other file (1 new), removed 318 boilerplate lines (course-link 44, share-weibo 44, ...)
/// skipped 1:
///   a.md: edited since import (use --force)
/// ```
impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let counts = |kind: FileKind| {
            let parts: Vec<String> =
                [("new", Status::New), ("updated", Status::Updated), ("unchanged", Status::Unchanged)]
                    .iter()
                    .map(|(name, status)| (name, self.count(kind, status)))
                    .filter(|(_, n)| *n > 0)
                    .map(|(name, n)| format!("{n} {name}"))
                    .collect();
            let total = self.count(kind, &Status::New)
                + self.count(kind, &Status::Updated)
                + self.count(kind, &Status::Unchanged);
            (total, parts.join(", "))
        };
        let (converted, parts) = counts(FileKind::Converted);
        write!(f, "Imported {converted} {} into {}", plural(converted, "file"), shown(&self.into).display())?;
        if !parts.is_empty() {
            write!(f, " ({parts})")?;
        }
        let (copied, parts) = counts(FileKind::Copied);
        if copied > 0 {
            write!(f, ", copied {copied} other {} ({parts})", plural(copied, "file"))?;
        }
        let removed = self.removed();
        let lines: usize = removed.iter().map(|(_, n)| n).sum();
        write!(f, ", removed {lines} boilerplate {}", plural(lines, "line"))?;
        if !removed.is_empty() {
            let rules: Vec<String> = removed.iter().map(|(rule, n)| format!("{rule} {n}")).collect();
            write!(f, " ({})", rules.join(", "))?;
        }
        let skipped = self.skipped();
        if !skipped.is_empty() {
            write!(f, "\nskipped {}:", skipped.len())?;
            for (rel, reason) in skipped {
                write!(f, "\n  {rel}: {reason}")?;
            }
        }
        Ok(())
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { word.to_string() } else { format!("{word}s") }
}

/// A path as the user would type it: relative to the current folder when it lies under it,
/// without a leading `./`.
fn shown(path: &Path) -> PathBuf {
    let path = path.strip_prefix(".").unwrap_or(path);
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd).unwrap_or(path).to_path_buf()
}

/// Imports every SRC of `options`. Never stops at a bad file: problems are in the report.
pub fn import(options: &ImportOptions) -> ImportReport {
    let mut report = ImportReport { into: options.into.clone(), ..ImportReport::default() };
    // Destination (relative) to the source that claimed it first in this run.
    let mut claimed: BTreeMap<String, PathBuf> = BTreeMap::new();
    for source in &options.sources {
        let plan = match plan_source(source, &options.into) {
            Ok(plan) => plan,
            Err(diagnostic) => {
                report.diagnostics.push(diagnostic);
                continue;
            }
        };
        report.diagnostics.extend(plan.problems);
        for item in plan.items {
            if let Some(first) = claimed.get(&item.rel) {
                report.diagnostics.push(Diagnostic::error(
                    &item.path,
                    0,
                    0,
                    format!("{} is also the destination of {}; this file was not imported", item.rel, first.display()),
                ));
                report.files.push(ImportedFile {
                    source: item.path,
                    rel: item.rel,
                    kind: FileKind::Copied,
                    status: Status::Skipped("same destination as another source".into()),
                    removed: Vec::new(),
                });
                continue;
            }
            claimed.insert(item.rel.clone(), item.path.clone());
            let weight = plan.weights.get(&item.rel).copied();
            let file = import_file(options, &item, weight, &mut report.diagnostics);
            report.files.push(file);
        }
    }
    report
}

/// One file to import.
struct Item {
    /// The file as the user would name it (SRC joined with `rel`).
    path: PathBuf,
    /// Path under the SRC and under the destination folder, `/`-separated.
    rel: String,
}

/// The files of one SRC, the weights its `SUMMARY.md` files give, and problems of the walk.
struct Plan {
    items: Vec<Item>,
    weights: BTreeMap<String, i64>,
    problems: Vec<Diagnostic>,
}

fn plan_source(source: &Path, into: &Path) -> Result<Plan, Diagnostic> {
    let meta = std::fs::metadata(source)
        .map_err(|e| Diagnostic::error(source, 0, 0, format!("cannot read the source to import: {e}")))?;
    check_no_overlap(source, into)?;
    let mut plan = Plan { items: Vec::new(), weights: BTreeMap::new(), problems: Vec::new() };
    if meta.is_file() {
        let Some(name) = source.file_name().and_then(|n| n.to_str()) else {
            return Err(Diagnostic::error(source, 0, 0, "file name is not valid UTF-8"));
        };
        plan.items.push(Item { path: source.to_path_buf(), rel: name.to_string() });
        return Ok(plan);
    }
    let walker = walkdir::WalkDir::new(source)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !crate::content::is_ignored(&e.file_name().to_string_lossy()));
    let mut summaries: Vec<(String, PathBuf)> = Vec::new();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().unwrap_or(source).to_path_buf();
                plan.problems.push(Diagnostic::error(path, 0, 0, format!("cannot read: {e}")));
                continue;
            }
        };
        if entry.depth() == 0 || entry.file_type().is_dir() {
            continue;
        }
        let path = entry.path().to_path_buf();
        let Some(rel) = path.strip_prefix(source).ok().and_then(|p| p.to_str()).map(|p| p.replace('\\', "/")) else {
            plan.problems.push(Diagnostic::error(&path, 0, 0, "file name is not valid UTF-8; not imported"));
            continue;
        };
        if entry.file_type().is_symlink() {
            plan.problems.push(Diagnostic::warning(&path, 0, 0, "symbolic link not followed; not imported"));
            continue;
        }
        if rel.rsplit('/').next() == Some("SUMMARY.md") {
            summaries.push((rel.rfind('/').map_or(String::new(), |i| rel[..i].to_string()), path.clone()));
        }
        plan.items.push(Item { path, rel });
    }
    // As the build does: folders in sorted order, the first SUMMARY.md to list a page gives its
    // weight.
    summaries.sort();
    for (folder, path) in summaries {
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                for (position, rel) in crate::content::parse_summary(&text, &folder).into_iter().enumerate() {
                    plan.weights.entry(rel).or_insert(position as i64 + 1);
                }
            }
            Err(e) => plan.problems.push(Diagnostic::error(&path, 0, 0, format!("cannot read: {e}"))),
        }
    }
    Ok(plan)
}

/// Refuses a SRC that contains the destination folder (the import would read its own output)
/// or lies inside it (the import would write over its own input).
fn check_no_overlap(source: &Path, into: &Path) -> Result<(), Diagnostic> {
    let source_abs = std::fs::canonicalize(source)
        .map_err(|e| Diagnostic::error(source, 0, 0, format!("cannot read the source to import: {e}")))?;
    let into_abs = canonical_prefix(into);
    if into_abs.starts_with(&source_abs) || source_abs.starts_with(&into_abs) {
        return Err(Diagnostic::error(
            source,
            0,
            0,
            format!(
                "the source and the destination folder {} overlap; import from a folder outside it",
                shown(into).display()
            ),
        ));
    }
    Ok(())
}

/// `path` made absolute with symbolic links resolved, as far as it exists; the rest appended.
fn canonical_prefix(path: &Path) -> PathBuf {
    let absolute =
        if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(path) };
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = std::fs::canonicalize(existing) {
            return rest.iter().rev().fold(canonical, |acc: PathBuf, part| acc.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

fn import_file(
    options: &ImportOptions,
    item: &Item,
    weight: Option<i64>,
    diagnostics: &mut Vec<Diagnostic>,
) -> ImportedFile {
    let mut file = ImportedFile {
        source: item.path.clone(),
        rel: item.rel.clone(),
        kind: FileKind::Copied,
        status: Status::Skipped(String::new()),
        removed: Vec::new(),
    };
    let bytes = match std::fs::read(&item.path) {
        Ok(bytes) => bytes,
        Err(e) => {
            diagnostics.push(Diagnostic::error(&item.path, 0, 0, format!("cannot read: {e}")));
            file.status = Status::Skipped("cannot be read".into());
            return file;
        }
    };
    let text = if item.rel.ends_with(".md") { std::str::from_utf8(&bytes).ok() } else { None };
    let output = match text.map(|t| t.strip_prefix('\u{feff}').unwrap_or(t).replace("\r\n", "\n").replace('\r', "\n")) {
        Some(text) if gitbook::detect(&text) => {
            file.kind = FileKind::Converted;
            match convert(&text, &item.rel, weight, &options.rules) {
                Ok(converted) => {
                    for warning in converted.warnings {
                        diagnostics.push(Diagnostic::warning(
                            &item.path,
                            warning.line,
                            warning.column,
                            warning.message,
                        ));
                    }
                    file.removed = converted.removed.iter().map(|r| (r.rule.clone(), r.lines)).collect();
                    converted.text.into_bytes()
                }
                Err(issue) => {
                    diagnostics.push(Diagnostic::error(&item.path, issue.line, issue.column, issue.message));
                    file.status = Status::Skipped(format!("malformed export (line {})", issue.line));
                    return file;
                }
            }
        }
        _ => bytes,
    };
    let destination = match destination(&options.into, &item.rel) {
        Ok(path) => path,
        Err(message) => {
            diagnostics.push(Diagnostic::error(&item.path, 0, 0, message));
            file.status = Status::Skipped("unsafe destination".into());
            return file;
        }
    };
    file.status = match decide(&destination, &output, file.kind, options.force) {
        Ok(Decision::Write(status)) => match write_atomically(&destination, &output) {
            Ok(()) => status,
            Err(e) => {
                diagnostics.push(Diagnostic::error(
                    &item.path,
                    0,
                    0,
                    format!("cannot write {}: {e}", shown(&destination).display()),
                ));
                Status::Skipped("cannot be written".into())
            }
        },
        Ok(Decision::Keep(status)) => status,
        Err(message) => {
            diagnostics.push(Diagnostic::error(&item.path, 0, 0, message));
            Status::Skipped("unsafe destination".into())
        }
    };
    file
}

/// `into` joined with `rel`, refused unless `rel` is a plain relative path and no folder on the
/// way (below `into`) is a symbolic link.
pub fn destination(into: &Path, rel: &str) -> Result<PathBuf, String> {
    let relative = Path::new(rel);
    if rel.is_empty() || !relative.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(format!("refusing to write {rel:?}: not a plain relative path inside the destination folder"));
    }
    let mut path = into.to_path_buf();
    for component in relative.components() {
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) && path != into {
            return Err(format!(
                "refusing to write {rel}: {} is a symbolic link, and writing through it could leave the destination folder",
                shown(&path).display()
            ));
        }
        path.push(component);
    }
    Ok(path)
}

enum Decision {
    Write(Status),
    Keep(Status),
}

/// What to do with `output` given what lies at `destination`; `Err` for a destination that is
/// not a plain file.
fn decide(destination: &Path, output: &[u8], kind: FileKind, force: bool) -> Result<Decision, String> {
    let existing = match std::fs::symlink_metadata(destination) {
        Err(_) => return Ok(Decision::Write(Status::New)),
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(format!("refusing to write {}: it is a symbolic link", shown(destination).display()));
        }
        Ok(meta) if !meta.is_file() => {
            return Err(format!("refusing to write {}: it is not a file", shown(destination).display()));
        }
        Ok(_) => {
            std::fs::read(destination).map_err(|e| format!("cannot read {}: {e}", shown(destination).display()))?
        }
    };
    if existing == output {
        return Ok(Decision::Keep(Status::Unchanged));
    }
    if force {
        return Ok(Decision::Write(Status::Updated));
    }
    let reason = match kind {
        FileKind::Copied => "differs from its source and may have been edited (use --force)",
        FileKind::Converted => match std::str::from_utf8(&existing).map(recorded) {
            Ok(Recorded::Intact) => return Ok(Decision::Write(Status::Updated)),
            Ok(Recorded::Edited) => "edited since import (use --force)",
            Ok(Recorded::Unreadable) => "its front matter cannot be read, so it may have been edited (use --force)",
            Ok(Recorded::NotImported) | Err(_) => "exists and was not written by themata import (use --force)",
        },
    };
    Ok(Decision::Keep(Status::Skipped(reason.to_string())))
}

/// Writes through a hidden temporary file beside `path`, renamed into place.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = parent.join(format!(".{name}.themata-import.tmp"));
    let result = std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// What [`convert`] makes of one export.
#[derive(Debug, Clone)]
pub struct Converted {
    /// The whole file to write: front matter, then the cleaned body.
    pub text: String,
    /// What the boilerplate rules removed.
    pub removed: Vec<gitbook::Removed>,
    /// Lesser problems of the export's header.
    pub warnings: Vec<Issue>,
}

/// Front-matter keys the import writes into `extra`; a header `**Key:**` line with one of
/// these names would clash with them.
const RESERVED_EXTRA: &[&str] = &["author_url", "original_url", "views", "comments", "collects", "import"];

/// Converts the text of one export (LF line endings) into the file to write, recording
/// `source` (its path relative to its SRC) and `weight`. Pure: no I/O.
///
/// An error, at the export's line and column, when [`gitbook::extract`] rejects it or a header
/// key clashes with a key the import writes into `extra`.
pub fn convert(text: &str, source: &str, weight: Option<i64>, rules: &Boilerplate) -> Result<Converted, Issue> {
    let extracted = gitbook::extract(text, rules)?;
    let meta = &extracted.meta;
    // Later lines win, as when the build reads the header.
    let mut others: Vec<(&str, &str)> = Vec::new();
    for (key, value) in &meta.extra {
        if RESERVED_EXTRA.contains(&key.as_str()) {
            let line = text.lines().position(|l| l.trim_start().starts_with(&format!("**{key}"))).map_or(0, |i| i + 1);
            return Err(Issue {
                line,
                column: 1,
                message: format!(
                    "the header line `**{key}:**` has the name of a field the import writes into `extra`; rename it"
                ),
            });
        }
        match others.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => others.push((key, value)),
        }
    }
    let mut front = FrontMatterOut {
        title: &meta.title,
        description: meta.summary.as_deref(),
        date: meta.published.as_deref(),
        tags: &meta.tags,
        authors: meta.author.iter().map(String::as_str).collect(),
        categories: meta.category.iter().map(String::as_str).collect(),
        weight,
        extra: ExtraOut {
            author_url: meta.author_url.as_deref(),
            original_url: meta.original_url.as_deref(),
            views: meta.views,
            comments: meta.comments,
            collects: meta.collects,
            others,
            import: ImportRecord { source, checksum: String::new() },
        },
    };
    let body = collapse_blank_lines(&extracted.body);
    let yaml = to_yaml(&front);
    let (without_checksum, _) = split_last_line(&yaml);
    let checksum = format!("{:016x}", fnv1a64(assemble(without_checksum, &body).as_bytes()));
    front.extra.import.checksum = checksum;
    let text = assemble(&to_yaml(&front), &body);
    debug_assert_eq!(recorded(&text), Recorded::Intact);
    Ok(Converted { text, removed: extracted.removed, warnings: extracted.warnings })
}

fn to_yaml(front: &FrontMatterOut<'_>) -> String {
    let yaml = serde_yaml::to_string(front).expect("front matter of strings and numbers serializes");
    yaml.strip_prefix("---\n").unwrap_or(&yaml).to_string()
}

fn assemble(yaml: &str, body: &str) -> String {
    if body.is_empty() { format!("---\n{yaml}---\n") } else { format!("---\n{yaml}---\n\n{body}") }
}

/// `(everything before the last line, the last line)` of text ending in `\n`.
fn split_last_line(text: &str) -> (&str, &str) {
    let trimmed = text.strip_suffix('\n').unwrap_or(text);
    let start = trimmed.rfind('\n').map_or(0, |i| i + 1);
    (&text[..start], &text[start..])
}

/// The front matter of a converted export, in the order it is written.
#[derive(Serialize)]
struct FrontMatterOut<'a> {
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    categories: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    weight: Option<i64>,
    extra: ExtraOut<'a>,
}

/// `extra:` — the source's details, the header's other keys as written, the import record last.
struct ExtraOut<'a> {
    author_url: Option<&'a str>,
    original_url: Option<&'a str>,
    views: Option<u64>,
    comments: Option<u64>,
    collects: Option<u64>,
    others: Vec<(&'a str, &'a str)>,
    import: ImportRecord<'a>,
}

impl Serialize for ExtraOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(url) = self.author_url {
            map.serialize_entry("author_url", url)?;
        }
        if let Some(url) = self.original_url {
            map.serialize_entry("original_url", url)?;
        }
        for (key, count) in [("views", self.views), ("comments", self.comments), ("collects", self.collects)] {
            if let Some(count) = count {
                map.serialize_entry(key, &count)?;
            }
        }
        for (key, value) in &self.others {
            map.serialize_entry(key, value)?;
        }
        map.serialize_entry("import", &self.import)?;
        map.end()
    }
}

#[derive(Serialize)]
struct ImportRecord<'a> {
    source: &'a str,
    checksum: String,
}

/// What an existing file says about its import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Written by the import and not changed since.
    Intact,
    /// Written by the import and changed since.
    Edited,
    /// It has front matter that cannot be read.
    Unreadable,
    /// It has no import record.
    NotImported,
}

/// Reads the import record of an existing file and checks its checksum.
pub fn recorded(text: &str) -> Recorded {
    let Some(rest) = text.strip_prefix("---\n") else {
        return Recorded::NotImported;
    };
    let mut end = None;
    let mut offset = 0;
    for chunk in rest.split_inclusive('\n') {
        if chunk.trim_end() == "---" {
            end = Some(offset);
            break;
        }
        offset += chunk.len();
    }
    let Some(end) = end else {
        return Recorded::Unreadable;
    };
    let yaml = &rest[..end];
    let value: serde_json::Value = match serde_yaml::from_str(yaml) {
        Ok(value) => value,
        Err(_) => return Recorded::Unreadable,
    };
    let Some(checksum) = value.pointer("/extra/import/checksum").and_then(|c| c.as_str()) else {
        return Recorded::NotImported;
    };
    let (before, last) = split_last_line(yaml);
    let last_value = last.trim().strip_prefix("checksum:").map(|v| v.trim().trim_matches(['\'', '"']));
    if last_value != Some(checksum) {
        return Recorded::Edited;
    }
    let without = format!("---\n{before}{}", &rest[end..]);
    if format!("{:016x}", fnv1a64(without.as_bytes())) == checksum { Recorded::Intact } else { Recorded::Edited }
}

/// FNV-1a, 64 bits: a small, stable hash (the same on every platform and in every version).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// `body` without leading blank lines, with every run of blank lines cut to one and one `\n`
/// at the end, except inside code blocks and HTML blocks (where blank lines are content).
/// Rendering gives the same HTML: elsewhere CommonMark gives no meaning to a second blank line.
pub fn collapse_blank_lines(body: &str) -> String {
    let keep = verbatim_ranges(body);
    let mut out = String::with_capacity(body.len());
    let mut pending_blank = false;
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let content = line.trim_end_matches('\n');
        let blank = content.trim_matches([' ', '\t']).is_empty();
        if blank && !keep.iter().any(|r| r.start <= start && start < r.end) {
            pending_blank = !out.is_empty();
            continue;
        }
        if pending_blank {
            out.push('\n');
            pending_blank = false;
        }
        out.push_str(content);
        out.push('\n');
    }
    out
}

/// Byte ranges of the code blocks and HTML blocks of `body`, parsed as the Markdown stage
/// parses it (the same extensions).
fn verbatim_ranges(body: &str) -> Vec<std::ops::Range<usize>> {
    use pulldown_cmark::{Event, Options as O, Parser, Tag};
    let options = O::ENABLE_TABLES
        | O::ENABLE_FOOTNOTES
        | O::ENABLE_STRIKETHROUGH
        | O::ENABLE_TASKLISTS
        | O::ENABLE_HEADING_ATTRIBUTES
        | O::ENABLE_GFM
        | O::ENABLE_WIKILINKS;
    Parser::new_ext(body, options)
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Start(Tag::CodeBlock(_) | Tag::HtmlBlock) => Some(range),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPORT: &str = "\
# 标题：一个例子
{% hint style=\"info\" %}
**Category:** Pmd
**Author:** [某作者](https://www.woshipm.com/u/42)
**Published:** 2024-02-29
**Stats:** 👁️ 1200 views | 💬 3 comments | ⭐ 45 collects
**Tags:** `AI` `产品: 入门`
**Reading time:** 5 min
**Original:** [View on woshipm.com](https://www.woshipm.com/pmd/1.html)
{% endhint %}
> 摘要：第一句。
>
> 第二段 'quoted' \"text\"

---

## 标题：一个例子

[![](https://static.woshipm.com/a.jpg?imageView2/1/w/72/h/72/q/100)](https://www.woshipm.com/u/42)

2024-02-29

第一段正文。

```
代码


保留
```

第二段正文。

分享
";

    fn convert_default(text: &str) -> Converted {
        convert(text, "pmd/1.md", Some(3), &Boilerplate::defaults()).expect("converts")
    }

    #[test]
    fn fnv1a64_matches_the_published_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn front_matter_has_every_field_in_order_and_reads_back() {
        let converted = convert_default(EXPORT);
        let text = &converted.text;
        let keys: Vec<&str> = text
            .lines()
            .skip(1)
            .take_while(|l| *l != "---")
            .filter(|l| !l.starts_with([' ', '-']) && !l.is_empty())
            .map(|l| l.split(':').next().unwrap())
            .collect();
        assert_eq!(keys, ["title", "description", "date", "tags", "authors", "categories", "weight", "extra"]);
        let yaml = text.strip_prefix("---\n").unwrap().split("\n---\n").next().unwrap();
        let value: serde_json::Value = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(value["title"], "标题：一个例子");
        assert_eq!(value["description"], "摘要：第一句。\n\n第二段 'quoted' \"text\"");
        assert_eq!(value["date"], "2024-02-29");
        assert_eq!(value["tags"], serde_json::json!(["AI", "产品: 入门"]));
        assert_eq!(value["authors"], serde_json::json!(["某作者"]));
        assert_eq!(value["categories"], serde_json::json!(["Pmd"]));
        assert_eq!(value["weight"], 3);
        let extra = &value["extra"];
        assert_eq!(extra["author_url"], "https://www.woshipm.com/u/42");
        assert_eq!(extra["original_url"], "https://www.woshipm.com/pmd/1.html");
        assert_eq!(
            (extra["views"].as_u64(), extra["comments"].as_u64(), extra["collects"].as_u64()),
            (Some(1200), Some(3), Some(45))
        );
        assert_eq!(extra["Reading time"], "5 min");
        assert_eq!(extra["import"]["source"], "pmd/1.md");
        let extra_keys: Vec<&String> = extra.as_object().unwrap().keys().collect();
        assert_eq!(extra_keys.len(), 7);
    }

    #[test]
    fn body_is_cleaned_and_blank_lines_collapsed_outside_code() {
        let converted = convert_default(EXPORT);
        let body = converted.text.split("\n---\n\n").nth(1).unwrap();
        assert_eq!(body, "第一段正文。\n\n```\n代码\n\n\n保留\n```\n\n第二段正文。\n");
        let rules: Vec<&str> = converted.removed.iter().map(|r| r.rule.as_str()).collect();
        assert_eq!(rules, ["title-heading", "author-avatar", "date-line", "share-label"]);
    }

    #[test]
    fn collapse_keeps_blank_lines_of_indented_code_and_html_blocks() {
        let body = "\n\n段落\n\n\n\n    code\n\n\n    more\n\n<pre>\n\n\n</pre>\n\n\n尾\n\n";
        assert_eq!(collapse_blank_lines(body), "段落\n\n    code\n\n\n    more\n\n<pre>\n\n\n</pre>\n\n尾\n");
    }

    #[test]
    fn a_fresh_conversion_is_intact_and_any_edit_is_seen() {
        let text = convert_default(EXPORT).text;
        assert_eq!(recorded(&text), Recorded::Intact);
        assert_eq!(recorded(&text.replace("第二段正文。", "第二段正文，改过。")), Recorded::Edited);
        assert_eq!(recorded(&text.replace("weight: 3", "weight: 4")), Recorded::Edited);
        let (without, _) = split_last_line(text.split("\n---\n").next().unwrap());
        assert_eq!(recorded(&format!("{without}\n---\n正文\n")), Recorded::NotImported);
        assert_eq!(recorded("---\ntitle: [\n---\n"), Recorded::Unreadable);
        assert_eq!(recorded("# 标题\n"), Recorded::NotImported);
    }

    #[test]
    fn the_same_export_converts_to_the_same_text() {
        assert_eq!(convert_default(EXPORT).text, convert_default(EXPORT).text);
        let other = convert(EXPORT, "pmd/1.md", None, &Boilerplate::defaults()).unwrap().text;
        assert!(!other.contains("weight:"));
    }

    #[test]
    fn a_header_key_that_clashes_with_a_written_field_is_an_error() {
        let text = EXPORT.replace("**Reading time:** 5 min", "**views:** many");
        let issue = convert(&text, "a.md", None, &Boilerplate::defaults()).unwrap_err();
        assert_eq!((issue.line, issue.column), (8, 1));
        assert!(issue.message.contains("`**views:**`"), "{}", issue.message);
    }

    #[test]
    fn destinations_stay_inside_the_folder() {
        let into = Path::new("/nonexistent/into");
        assert_eq!(destination(into, "a/b.md").unwrap(), into.join("a/b.md"));
        for bad in ["../a.md", "a/../../b.md", "/etc/passwd", "", "./a.md"] {
            assert!(destination(into, bad).is_err(), "{bad}");
        }
    }
}
