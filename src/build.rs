//! The `build` command: run every stage, and write the output only if nothing failed.
//!
//! Stages in order: config, templates, load + index + markdown + assemble ([`Site::load`]),
//! render, search index, feeds ([`build_in_memory`], which `check` runs too), then write. Each stage's
//! diagnostics are gathered; errors (and warnings under `--strict`) stop the build before anything
//! is written, so the previous output stays as it was.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::config::{Config, Overrides};
use crate::diagnostics::{self, Diagnostic, Severity};
use crate::output::{self, Copy};
use crate::render::{self, OutputFile, Templates};
use crate::site::Site;
use crate::{feeds, markdown};

/// What the caller asks of a build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub root: PathBuf,
    pub overrides: Overrides,
    /// Warnings fail the build too.
    pub strict: bool,
}

/// What a build did.
#[derive(Debug)]
pub struct BuildReport {
    pub output_dir: PathBuf,
    pub pages: usize,
    pub sections: usize,
    pub files: usize,
    pub diagnostics: Vec<Diagnostic>,
    pub timings: Vec<Lap>,
    pub total: Duration,
}

/// Why a build wrote nothing.
#[derive(Debug)]
pub struct BuildFailure {
    pub diagnostics: Vec<Diagnostic>,
}

impl BuildFailure {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

/// The time one stage took.
#[derive(Debug, Clone, Copy)]
pub struct Lap {
    pub stage: &'static str,
    /// Elapsed time.
    pub wall: Duration,
    /// CPU time of the whole process (user + system, every thread) during the stage.
    pub cpu: Duration,
    /// The process's peak resident memory so far, in bytes.
    pub peak: u64,
    /// Resident memory when the stage ended, in bytes (0 where the system does not say).
    pub resident: u64,
}

/// Resident memory of this process now, in bytes (Linux: `/proc/self/statm`), else 0.
fn resident() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let page_size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * u64::try_from(page_size).unwrap_or(4096)
}

/// Time per stage, for `--timings` and the benchmark: each lap ends the stage named.
#[derive(Debug)]
pub struct Clock {
    last: (Instant, Duration),
    timings: Vec<Lap>,
}

/// This process so far: CPU time (all threads, user + system) and peak resident memory (bytes).
pub(crate) fn usage() -> (Duration, u64) {
    // SAFETY: an all-zero rusage is a valid value for getrusage to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pointer is valid for the call.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return (Duration::ZERO, 0);
    }
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    // Linux reports kilobytes.
    (time(usage.ru_utime) + time(usage.ru_stime), usage.ru_maxrss as u64 * 1024)
}

impl Clock {
    pub fn start() -> Clock {
        Clock { last: (Instant::now(), usage().0), timings: Vec::new() }
    }

    /// The stage named ends now (and the next one starts).
    pub fn lap(&mut self, stage: &'static str) {
        let (cpu, peak) = usage();
        let now = (Instant::now(), cpu);
        let resident = resident();
        self.timings.push(Lap {
            stage,
            wall: now.0 - self.last.0,
            cpu: now.1.saturating_sub(self.last.1),
            peak,
            resident,
        });
        self.last = now;
    }

    fn resume(timings: Vec<Lap>) -> Clock {
        Clock { last: (Instant::now(), usage().0), timings }
    }
}

/// Everything a build makes, held in memory: the site model, the files to write and the
/// diagnostics found on the way. Nothing has been written.
#[derive(Debug)]
pub struct Built {
    pub site: Site,
    /// The rendered files and the static copies; None when the templates could not be loaded
    /// (their errors are in `diagnostics`).
    pub output: Option<(Vec<OutputFile>, Vec<Copy>)>,
    /// Unsorted.
    pub diagnostics: Vec<Diagnostic>,
    pub timings: Vec<Lap>,
}

/// Run every stage up to and including template rendering, in memory: what `build` would write
/// and every diagnostic it would report, without touching the disk. Fails only when the
/// configuration cannot be read.
pub fn build_in_memory(options: &BuildOptions) -> Result<Built, BuildFailure> {
    build_in_memory_cached(options, &mut Cache::default())
}

/// What a build keeps for the next one in the same process (`serve`): parsed files, rendered
/// Markdown, and the templates with the pages they rendered. Whatever is reused is exactly
/// what a cold build would compute again; `site.toml` changing empties the cache.
#[derive(Default)]
pub struct Cache {
    /// Whether this cache serves more than one build (then rendered pages are kept too).
    persistent: bool,
    config_stamp: u64,
    site: crate::site::Cache,
    templates: Option<(u64, std::sync::Arc<Templates>)>,
}

impl Cache {
    /// A cache for a run of builds, such as `serve`'s.
    pub fn persistent() -> Cache {
        Cache { persistent: true, site: crate::site::Cache::kept(), ..Cache::default() }
    }

    /// The templates of the last build, while they are current.
    pub fn templates(&self) -> Option<std::sync::Arc<Templates>> {
        self.templates.as_ref().map(|(_, templates)| templates.clone())
    }
}

/// A fingerprint of files by path, size and modification time.
fn stamp(dirs: &[PathBuf]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for dir in dirs {
        for entry in walkdir::WalkDir::new(dir).sort_by_file_name().into_iter().flatten() {
            entry.path().hash(&mut h);
            if let Ok(meta) = entry.metadata() {
                meta.len().hash(&mut h);
                meta.modified().ok().hash(&mut h);
            }
        }
    }
    h.finish()
}

/// [`build_in_memory`], reusing and refilling `cache`.
pub fn build_in_memory_cached(options: &BuildOptions, cache: &mut Cache) -> Result<Built, BuildFailure> {
    let memory = output::Memory::default();
    let Stages { site, copies, diagnostics, timings } = run(options, cache, Target::Memory(&memory))?;
    let output = copies.map(|copies| (memory.into_files(), copies));
    Ok(Built { site, output, diagnostics, timings })
}

/// Where a run of the stages sends its files.
enum Target<'a> {
    Memory(&'a output::Memory),
    /// A staging folder beside the configured output folder, created once the configuration is
    /// known (and only if nothing has failed by then).
    Disk(&'a mut Option<output::Staging>),
}

/// What [`run`] leaves: the model, the static copies still to make (None when the templates
/// could not be loaded), the diagnostics (unsorted) and the stage times.
struct Stages {
    site: Site,
    copies: Option<Vec<Copy>>,
    diagnostics: Vec<Diagnostic>,
    timings: Vec<Lap>,
}

/// Run every stage up to the search index and feeds; rendered files go to `target` as they are
/// made. Fails only when the configuration cannot be read.
fn run(options: &BuildOptions, cache: &mut Cache, target: Target) -> Result<Stages, BuildFailure> {
    let mut clock = Clock::start();
    let config = Config::load(&options.root, &options.overrides).map_err(|mut diagnostics| {
        diagnostics::sort(&mut diagnostics);
        BuildFailure { diagnostics }
    })?;
    let config_stamp = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        std::fs::read(options.root.join("site.toml")).ok().hash(&mut h);
        format!("{:?}", options.overrides).hash(&mut h);
        h.finish()
    };
    if config_stamp != cache.config_stamp {
        *cache = if cache.persistent { Cache::persistent() } else { Cache::default() };
        cache.config_stamp = config_stamp;
    }
    let mut diagnostics = Vec::new();
    let template_dirs =
        [config.root.join("themes").join(&config.theme).join("templates"), config.root.join("templates")];
    let template_stamp = stamp(&template_dirs);
    let templates = match &cache.templates {
        Some((stamp, templates)) if *stamp == template_stamp => Some(templates.clone()),
        _ => match Templates::load(&config) {
            Ok(templates) => {
                if cache.persistent {
                    templates.keep_rendered_pages();
                }
                let templates = std::sync::Arc::new(templates);
                cache.templates = Some((template_stamp, templates.clone()));
                Some(templates)
            }
            Err(mut problems) => {
                cache.templates = None;
                diagnostics.append(&mut problems);
                None
            }
        },
    };
    if let Err(e) = guard_output(&config) {
        diagnostics.push(e);
    }
    clock.lap("config");
    let mut site = Site::load_cached(config, &mut diagnostics, &mut cache.site, &mut clock);
    // A build to disk hands back no model: what the later stages do not read can go early.
    let release_text = matches!(target, Target::Disk(_));
    // The memory the markdown and graph stages freed is not handed back here: the search
    // index's working memory reuses it (handing it back and touching fresh pages again cost
    // 12,000 page faults at 10,000 articles, and the peak was the same either way).
    let copies = templates.map(|templates| {
        // A build that has failed already still renders, to report every template problem, but
        // writes nothing.
        let discard = output::Discard::default();
        let sink: &dyn output::Sink = match target {
            Target::Memory(memory) => memory,
            Target::Disk(staging) => {
                let failed = diagnostics.iter().any(|d| d.is_error() || options.strict);
                if !failed {
                    match output::Staging::create(&site.config.output_dir) {
                        Ok(created) => *staging = Some(created),
                        Err(e) => diagnostics.push(Diagnostic::error(&site.config.output_dir, 0, 0, e.to_string())),
                    }
                }
                match staging {
                    Some(staging) => staging,
                    None => &discard,
                }
            }
        };
        // The search index first: it is the last reader of the pages' text, which a build to
        // disk then releases before the templates run.
        // Files the sink refuses (from any thread), reported once the stage is done.
        let refused = std::sync::Mutex::new(Vec::new());
        let output_dir = site.config.output_dir.clone();
        let refuse = |e: output::WriteError| {
            let problem = Diagnostic::error(&output_dir, 0, 0, e.to_string());
            refused.lock().unwrap_or_else(|e| e.into_inner()).push(problem);
        };
        let put = |file: OutputFile| sink.put(file).unwrap_or_else(refuse);
        // The index hands over bytes it keeps (buffers it reuses): written out, not copied.
        crate::search::write_index(&site, &|path, bytes| sink.put_bytes(path, bytes).unwrap_or_else(refuse));
        if release_text {
            site.release_text();
            return_freed_memory();
        }
        clock.lap("search");
        let (listed, mut problems) = render::render_site(&site, &templates, sink);
        diagnostics.append(&mut problems);
        clock.lap("templates");
        extra_files(&site, &listed, &mut diagnostics).into_iter().for_each(put);
        diagnostics.append(&mut refused.into_inner().unwrap_or_else(|e| e.into_inner()));
        let copies = static_copies(&site, &templates, &mut diagnostics);
        clock.lap("feeds");
        copies
    });
    Ok(Stages { site, copies, diagnostics, timings: clock.timings })
}

/// Let glibc grow each thread's heap in large steps. By default a thread's heap grows by what
/// the allocation asks plus 128 KB, one `mprotect` call each time: about 50,000 calls in a
/// 10,000-article build. Address space reserved this way costs no memory until it is touched,
/// and `return_freed_memory` still hands back what the stages free.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a tuning parameter of the allocator; called before any
    // thread starts.
    unsafe {
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
    }
}

/// Hand memory freed by the stages so far back to the system, once the process is big.
/// glibc keeps freed memory in the arenas of the threads that freed it, where the next stage's
/// allocations (other sizes, other threads) often cannot use it: in a large build the search
/// stage's working memory would stay counted through the render. In a small one, handing it
/// back buys little and costs page faults to take it again: at 10,000 articles (peak ~400 MB)
/// the two trims cost ~30,000 faults (~0.07 s of system time) and lowered the peak by 5 MB; at
/// 100,000 (peak ~3.6 GB) they lower it by ~40-60 MB, which the 4 GB goal wants.
pub(crate) fn return_freed_memory() {
    const WORTH_IT: u64 = 1 << 30;
    if usage().1 < WORTH_IT {
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Build the site at `options.root`: render straight into a staging folder, and swap it in as
/// the output folder only when every stage succeeded.
pub fn build(options: &BuildOptions) -> Result<BuildReport, BuildFailure> {
    let started = Instant::now();
    let fail = |mut diagnostics: Vec<Diagnostic>| {
        diagnostics::sort(&mut diagnostics);
        BuildFailure { diagnostics }
    };
    let mut staging = None;
    let Stages { site, copies, mut diagnostics, timings } =
        run(options, &mut Cache::default(), Target::Disk(&mut staging))?;
    let mut clock = Clock::resume(timings);
    let failed = diagnostics.iter().any(|d| d.severity == Severity::Error || options.strict);
    let (Some(copies), Some(staging), false) = (copies, staging, failed) else {
        // Dropping the staging folder removes it: the previous output stays as it was.
        return Err(fail(diagnostics));
    };
    let output_dir = site.config.output_dir.clone();
    let files = staging.files() + copies.len();
    staging.copy(&copies).and_then(|()| staging.commit()).map_err(|e| {
        let mut all = diagnostics.clone();
        all.push(Diagnostic::error(&output_dir, 0, 0, e.to_string()));
        fail(all)
    })?;
    clock.lap("write");
    diagnostics::sort(&mut diagnostics);
    let report = BuildReport {
        output_dir,
        pages: site.articles().count(),
        sections: site.pages.iter().filter(|p| p.is_section()).count(),
        files,
        diagnostics,
        timings: clock.timings,
        total: started.elapsed(),
    };
    // `build` is the one-off build of the command line, whose process ends right after: the
    // model (millions of small allocations at scale) is left for the exit to take back at once
    // rather than freed one by one (~50 ms at 10,000 articles). `serve` keeps its model and
    // builds through `build_in_memory`.
    std::mem::forget(site);
    Ok(report)
}

/// The output folder must not be the site root or hold the sources: it is replaced whole.
fn guard_output(config: &Config) -> Result<(), Diagnostic> {
    let output = absolute(&config.output_dir);
    let root = absolute(&config.root);
    let protected =
        [root.clone(), root.join("content"), root.join("themes"), root.join("templates"), root.join("static")];
    if protected.iter().any(|p| p == &output || p.starts_with(&output)) {
        return Err(Diagnostic::error(
            &config.output_dir,
            0,
            0,
            "the output folder would replace the site's own sources; choose another --output-dir",
        ));
    }
    Ok(())
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| {
        let path = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(path)
        };
        let mut clean = PathBuf::new();
        for part in path.components() {
            match part {
                std::path::Component::ParentDir => {
                    clean.pop();
                }
                std::path::Component::CurDir => {}
                other => clean.push(other),
            }
        }
        clean
    })
}

/// Sitemap, feeds, robots.txt, alias redirects and the code-highlighting stylesheet.
fn extra_files(site: &Site, html: &[render::Listed], diagnostics: &mut Vec<Diagnostic>) -> Vec<OutputFile> {
    let mut files = Vec::new();
    files.push(feeds::sitemap(site, html));
    files.extend(feeds::all_feeds(site));
    files.push(feeds::robots(site));
    files.push(OutputFile { path: "highlight.css".to_string(), bytes: markdown::highlight_css().into_bytes().into() });
    let mut taken: std::collections::HashSet<String> = html.iter().map(|f| f.path.clone()).collect();
    for page in &site.pages {
        for alias in &page.source.meta.aliases {
            let target = site.config.url(&page.path);
            let redirect = render::redirect(alias, &target);
            if !taken.insert(redirect.path.clone()) {
                diagnostics.push(Diagnostic::error(
                    &page.source.display,
                    0,
                    0,
                    format!("alias {alias} would overwrite another page of the site"),
                ));
                continue;
            }
            files.push(redirect);
        }
    }
    files
}

/// Theme static files, then the site's `static/` (which wins), then the assets in `content/`.
fn static_copies(site: &Site, templates: &Templates, diagnostics: &mut Vec<Diagnostic>) -> Vec<Copy> {
    let mut by_dest: std::collections::BTreeMap<String, PathBuf> = std::collections::BTreeMap::new();
    for dir in [templates.theme_static.clone(), site.config.root.join("static")] {
        if !dir.is_dir() {
            continue;
        }
        for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
            match entry {
                Ok(entry) if entry.file_type().is_file() => {
                    let name = entry.file_name().to_string_lossy();
                    if crate::content::is_ignored(&name) {
                        continue;
                    }
                    if let Some(rel) = entry.path().strip_prefix(&dir).ok().and_then(|p| p.to_str()) {
                        by_dest.insert(rel.replace('\\', "/"), entry.path().to_path_buf());
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    let shown = diagnostics::display_path(&site.config.root, &dir);
                    diagnostics.push(Diagnostic::error(shown, 0, 0, format!("cannot read: {e}")));
                }
            }
        }
    }
    for asset in &site.assets {
        by_dest.insert(asset.rel.clone(), asset.path.clone());
    }
    by_dest.into_iter().map(|(to, from)| Copy { from, to }).collect()
}
