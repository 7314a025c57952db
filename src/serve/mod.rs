//! `themata serve`: the development server that shows the site while it is being written.
//!
//! The built site lives in memory as a snapshot that the rebuild loop swaps after each change;
//! [`http`] serves the current snapshot over HTTP/1.1 on loopback and pushes live-reload events
//! (reload, new stylesheet, build errors) to open browser tabs.

pub mod http;
pub mod watch;

use std::collections::HashMap;
use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, RwLock};

use crate::build::{BuildOptions, Cache, build_in_memory_cached};
use crate::config::Overrides;
use crate::diagnostics::{Diagnostic, Report};

/// What `themata serve` was asked for.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub interface: IpAddr,
    pub port: u16,
    pub drafts: bool,
    /// Poll the sources instead of relying on the system's file notifications.
    pub poll: bool,
    /// Open the site in the default browser once it is built.
    pub open: bool,
}

/// Best effort: the platform's "open this URL" command.
fn open_browser(url: &str) {
    let command = if cfg!(target_os = "macos") {
        std::process::Command::new("open").arg(url).spawn()
    } else if cfg!(windows) {
        std::process::Command::new("cmd").args(["/C", "start", "", url]).spawn()
    } else {
        std::process::Command::new("xdg-open").arg(url).spawn()
    };
    if let Err(e) = command {
        eprintln!("could not open a browser ({e}); open {url} yourself");
    }
}

/// The built site in memory: output path → bytes.
#[derive(Default)]
pub struct Snapshot {
    files: HashMap<String, Arc<[u8]>>,
}

impl http::Site for Snapshot {
    fn file(&self, path: &str) -> Option<Arc<[u8]>> {
        self.files.get(path).cloned()
    }
}

/// What the quick path and the full rebuilds share: the site being served, the model it came
/// from, and whether a change arrived that the build in progress has not seen.
pub struct Live {
    current: Arc<RwLock<Arc<Snapshot>>>,
    /// The model of the last good build, patched by [`Live::quick`] until the next one.
    last: Option<crate::site::Site>,
    templates: Option<Arc<crate::render::Templates>>,
    /// Whether the last build failed (the browsers show its errors).
    failing: bool,
    /// A change arrived after the running build started: its result is already out of date.
    dirty: bool,
    root: PathBuf,
}

/// Builds the site again and again, keeping a cache between builds, and says what changed.
pub struct Rebuilder {
    options: BuildOptions,
    cache: Cache,
    live: Arc<Mutex<Live>>,
}

/// What one rebuild did.
pub enum Outcome {
    /// The site changed: these output paths are new, changed or gone.
    Changed(Vec<String>),
    Unchanged,
    /// The build failed: the previous site is still served.
    Failed(Vec<Diagnostic>),
    /// A newer change arrived while building; another build follows.
    Superseded,
}

fn lock(live: &Mutex<Live>) -> std::sync::MutexGuard<'_, Live> {
    live.lock().unwrap_or_else(|e| e.into_inner())
}

impl Live {
    /// Show an edit of existing articles at once: render just those pages again, with their new
    /// text and terms, into the served site. Returns None when the change is of another kind
    /// (a new, renamed or deleted file, a new title or slug, a template...), or when the edit
    /// has errors. Either way the change is marked for the full rebuild, which makes the whole
    /// site exact, including what the edit changes on other pages.
    pub fn quick(&mut self, touched: &[PathBuf]) -> Option<Vec<String>> {
        self.dirty = true;
        if self.failing {
            return None;
        }
        let templates = self.templates.clone()?;
        let site = self.last.as_mut()?;
        let boilerplate = crate::gitbook::Boilerplate::defaults().with_extra(&site.config.gitbook.boilerplate).ok()?;
        let mut numbers = Vec::new();
        for path in touched {
            let full = self.root.join(path);
            let is_markdown = path.extension().is_some_and(|e| e == "md");
            if !is_markdown && !full.exists() {
                // A temporary file an editor or `sed -i` wrote and renamed away.
                continue;
            }
            let rel = path.strip_prefix("content").ok()?.to_str()?.replace('\\', "/");
            if !is_markdown {
                return None;
            }
            let number = *site.index.by_rel.get(&rel)?;
            if !site.is_article(number) {
                return None;
            }
            let text = std::fs::read_to_string(&full).ok()?;
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text).replace("\r\n", "\n").replace('\r', "\n");
            let display = PathBuf::from("content").join(&rel);
            let (source, problems) =
                crate::content::parse_page(&text, &rel, display, crate::content::Kind::Page, &boilerplate);
            let old = &site.pages[number].source.meta;
            let same_place = source.meta.title == old.title
                && source.meta.slug == old.slug
                && source.meta.aliases == old.aliases
                && !source.meta.draft;
            if !same_place || problems.iter().any(Diagnostic::is_error) {
                return None;
            }
            let (rendered, problems) = site.render_markdown(number, &source);
            if problems.iter().any(Diagnostic::is_error) {
                return None;
            }
            site.patch_article(number, source, rendered);
            numbers.push(number);
        }
        let previous = self.current.read().unwrap_or_else(|e| e.into_inner()).clone();
        let mut files = previous.files.clone();
        let mut changed = Vec::new();
        for number in numbers {
            let file = crate::render::render_page(site, &templates, number).ok()?;
            if files.get(&file.path).is_none_or(|old| *old != file.bytes) {
                changed.push(file.path.clone());
            }
            files.insert(file.path, file.bytes);
        }
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(Snapshot { files });
        Some(changed)
    }
}

impl Rebuilder {
    /// A rebuilder for the site at `root` served at `base_url`.
    pub fn new(root: PathBuf, base_url: String, drafts: bool) -> Rebuilder {
        let overrides = Overrides { base_url: Some(base_url), output_dir: None, drafts, allow_broken: false };
        let live = Live {
            current: Arc::new(RwLock::new(Arc::new(Snapshot::default()))),
            last: None,
            templates: None,
            failing: false,
            dirty: false,
            root: root.clone(),
        };
        Rebuilder {
            options: BuildOptions { root, overrides, strict: false },
            cache: Cache::persistent(),
            live: Arc::new(Mutex::new(live)),
        }
    }

    /// The snapshot being served, for the HTTP server.
    pub fn current(&self) -> Arc<RwLock<Arc<Snapshot>>> {
        lock(&self.live).current.clone()
    }

    /// The state the quick path works on.
    pub fn live(&self) -> Arc<Mutex<Live>> {
        self.live.clone()
    }

    /// Build, and swap the new site in when the build succeeded and no newer change arrived
    /// while it ran.
    pub fn rebuild(&mut self) -> Outcome {
        lock(&self.live).dirty = false;
        let built = build_in_memory_cached(&self.options, &mut self.cache);
        let mut live = lock(&self.live);
        if live.dirty {
            return Outcome::Superseded;
        }
        let built = match built {
            Ok(built) => built,
            Err(failure) => {
                live.failing = true;
                return Outcome::Failed(failure.diagnostics);
            }
        };
        let errors: Vec<Diagnostic> = built.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
        let Some((files, copies)) = built.output.filter(|_| errors.is_empty()) else {
            live.failing = true;
            let mut all = built.diagnostics;
            crate::diagnostics::sort(&mut all);
            return Outcome::Failed(all);
        };
        let mut next: HashMap<String, Arc<[u8]>> = files.into_iter().map(|f| (f.path, f.bytes)).collect();
        let previous = live.current.read().unwrap_or_else(|e| e.into_inner()).clone();
        for copy in copies {
            // Copies are re-read each time: they are few (theme files, images) and may change.
            match std::fs::read(&copy.from) {
                Ok(bytes) => {
                    let bytes: Arc<[u8]> = match previous.files.get(&copy.to) {
                        Some(old) if **old == *bytes => old.clone(),
                        _ => bytes.into(),
                    };
                    next.insert(copy.to, bytes);
                }
                Err(e) => {
                    live.failing = true;
                    return Outcome::Failed(vec![Diagnostic::error(&copy.from, 0, 0, format!("cannot read: {e}"))]);
                }
            }
        }
        let mut changed: Vec<String> = next
            .iter()
            .filter(|(path, bytes)| previous.files.get(*path).is_none_or(|old| old != *bytes))
            .map(|(path, _)| path.clone())
            .chain(previous.files.keys().filter(|path| !next.contains_key(*path)).cloned())
            .collect();
        changed.sort();
        *live.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(Snapshot { files: next });
        live.last = Some(built.site);
        live.templates = self.cache.templates();
        let recovered = std::mem::replace(&mut live.failing, false);
        if changed.is_empty() && !recovered { Outcome::Unchanged } else { Outcome::Changed(changed) }
    }
}

/// Run `themata serve` until the process is stopped.
pub fn run(options: &ServeOptions) -> Result<(), String> {
    let host = match options.interface {
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    // Bind first, so that the base URL can name the port the system gave.
    let events = http::Events::new();
    let placeholder: Arc<RwLock<Arc<Snapshot>>> = Arc::new(RwLock::new(Arc::new(Snapshot::default())));
    let slot = Arc::new(RwLock::new(placeholder));
    let source_slot = slot.clone();
    let source: http::SiteSource = Arc::new(move || {
        let current = source_slot.read().unwrap_or_else(|e| e.into_inner()).clone();
        let snapshot = current.read().unwrap_or_else(|e| e.into_inner()).clone();
        snapshot as Arc<dyn http::Site>
    });
    let server =
        http::Server::start(http::Options { interface: options.interface, port: options.port }, source, events.clone())
            .map_err(|e| format!("cannot listen on {host}:{}: {e}", options.port))?;
    let port = server.local_addr().port();
    let base_url = format!("http://{host}:{port}");
    let mut rebuilder = Rebuilder::new(options.root.clone(), base_url.clone(), options.drafts);
    *slot.write().unwrap_or_else(|e| e.into_inner()) = rebuilder.current();
    let live = rebuilder.live();

    // Watch before the first build, so that no change made while it runs is missed.
    let mut watch =
        watch::Watch::start(&options.root, options.poll).map_err(|e| format!("cannot watch the sources: {e}"))?;
    let mut report = Report::new(&options.root, Report::color_wanted());
    let mut plain = Report::new(&options.root, false);
    let started = std::time::Instant::now();
    let outcome = rebuilder.rebuild();
    announce(&outcome, &events, &mut report, &mut plain, started.elapsed());
    println!("Serving {} at {base_url}/ (Ctrl+C to stop)", options.root.display());
    let _ = std::io::stdout().flush();
    if options.open {
        open_browser(&format!("{base_url}/"));
    }

    // Full rebuilds run on their own thread, one at a time; changes that arrive meanwhile are
    // shown at once by the quick path and make the running build start over.
    let wanted = Arc::new((Mutex::new(false), Condvar::new()));
    let worker_wanted = wanted.clone();
    let worker_events = events.clone();
    std::thread::spawn(move || {
        loop {
            {
                let (flag, signal) = &*worker_wanted;
                let mut pending = flag.lock().unwrap_or_else(|e| e.into_inner());
                while !*pending {
                    pending = signal.wait(pending).unwrap_or_else(|e| e.into_inner());
                }
                *pending = false;
            }
            let started = std::time::Instant::now();
            let outcome = rebuilder.rebuild();
            announce(&outcome, &worker_events, &mut report, &mut plain, started.elapsed());
        }
    });
    while let Some(touched) = watch.next_change() {
        watch.refresh();
        let what: Vec<String> = touched.iter().take(3).map(|p| p.display().to_string()).collect();
        eprintln!("Change in {}{}", what.join(", "), if touched.len() > 3 { " …" } else { "" });
        let started = std::time::Instant::now();
        let quick = lock(&live).quick(&touched);
        if let Some(changed) = quick.filter(|c| !c.is_empty()) {
            events.send("reload", &serde_json::to_string(&changed).unwrap_or_default());
            eprintln!(
                "Updated {} page(s) in {:.0} ms; rebuilding the rest",
                changed.len(),
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
        let (flag, signal) = &*wanted;
        *flag.lock().unwrap_or_else(|e| e.into_inner()) = true;
        signal.notify_one();
    }
    drop(server);
    Ok(())
}

/// Tell the terminal and the browsers what a rebuild did.
fn announce(
    outcome: &Outcome,
    events: &http::Events,
    report: &mut Report,
    plain: &mut Report,
    took: std::time::Duration,
) {
    let ms = took.as_secs_f64() * 1000.0;
    match outcome {
        Outcome::Unchanged | Outcome::Superseded => {}
        Outcome::Changed(paths) => {
            eprintln!("Rebuilt in {ms:.0} ms: {} file(s) changed", paths.len());
            events.send("ok", "");
            if !paths.is_empty() && paths.iter().all(|p| p.ends_with(".css")) {
                for path in paths {
                    events.send("css", path);
                }
            } else {
                events.send("reload", &serde_json::to_string(paths).unwrap_or_default());
            }
        }
        Outcome::Failed(diagnostics) => {
            let mut text = String::new();
            for diagnostic in diagnostics {
                eprintln!("{}", report.render(diagnostic));
                text.push_str(&plain.render(diagnostic));
                text.push('\n');
            }
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            eprintln!("Build failed in {ms:.0} ms: {errors} error(s); still serving the last good site");
            events.send("error", text.trim_end());
        }
    }
}
