//! The `themata` command line: parses arguments and prints results; the work is in the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use themata::build::{BuildOptions, build};
use themata::check::{CheckOptions, ExternalOptions, check};
use themata::config::Overrides;
use themata::diagnostics::Report;
use themata::import::{ImportOptions, import};
use themata::progress::{self, Mode};

#[derive(Parser)]
#[command(name = "themata", version, about = "Build a tagged, cross-linked static site from Markdown in content/")]
struct Cli {
    /// The site's folder (holding site.toml and content/).
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder (public/ by default).
    Build {
        /// Write here instead of <root>/public.
        #[arg(long, short = 'o')]
        output_dir: Option<PathBuf>,
        /// Use this base URL instead of site.toml's.
        #[arg(long, short = 'u')]
        base_url: Option<String>,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
        /// Print the time each stage took.
        #[arg(long)]
        timings: bool,
        /// Report broken internal links as warnings instead of errors.
        #[arg(long)]
        allow_broken: bool,
    },
    /// Build the site into memory, serve it on this machine, and rebuild on every change.
    Serve {
        /// Port to listen on (0: any free port).
        #[arg(long, short = 'p', default_value_t = 1111)]
        port: u16,
        /// Interface to listen on; only this machine can connect unless another is named.
        #[arg(long, short = 'i', default_value = "127.0.0.1")]
        interface: std::net::IpAddr,
        /// Open the site in the default browser.
        #[arg(long, short = 'O')]
        open: bool,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Poll the sources instead of using file notifications (network and container mounts).
        #[arg(long)]
        poll: bool,
    },
    /// Start a new page under content/ with front matter to fill in.
    New {
        /// Path under content/, such as articles/my-note.md.
        path: String,
        /// The page's title (default: from the file name).
        #[arg(long)]
        title: Option<String>,
    },
    /// Convert GitBook-style exports (files, folders, books with SUMMARY.md) into front-matter
    /// Markdown under content/; importing again updates them, never duplicates.
    Import {
        /// Exports to import: files or folders.
        #[arg(required = true, value_name = "SRC")]
        sources: Vec<PathBuf>,
        /// Write here instead of <root>/content/articles.
        #[arg(long, value_name = "DIR")]
        into: Option<PathBuf>,
        /// Overwrite files edited since they were imported (and files import did not write).
        #[arg(long)]
        force: bool,
    },
    /// Report every problem a build would, and more, without writing anything.
    Check {
        /// Also try every http(s) link and image (results are cached for a day).
        #[arg(long)]
        external: bool,
        /// Seconds one external URL may take.
        #[arg(long, default_value_t = 10.0, value_name = "SECONDS", value_parser = seconds, requires = "external")]
        timeout: f64,
        /// `json`: one JSON document on stdout, nothing else.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Use this base URL instead of site.toml's.
        #[arg(long, short = 'u')]
        base_url: Option<String>,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Warnings fail the check too.
        #[arg(long)]
        strict: bool,
        /// Report broken internal links as warnings instead of errors.
        #[arg(long)]
        allow_broken: bool,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn main() -> ExitCode {
    themata::build::tune_allocator();
    let cli = Cli::parse();
    match cli.command {
        Command::Build { output_dir, base_url, drafts, strict, timings, allow_broken } => {
            let overrides = Overrides { base_url, output_dir, drafts, allow_broken };
            let options = BuildOptions { root: cli.root, overrides, strict };
            run_build(&options, timings)
        }
        Command::Serve { port, interface, open, drafts, poll } => {
            let options = themata::serve::ServeOptions { root: cli.root, interface, port, drafts, poll, open };
            match themata::serve::run(&options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::New { path, title } => {
            match themata::new::new_page(&cli.root, &path, title.as_deref(), &themata::new::today()) {
                Ok(created) => {
                    println!("Created {}", created.display());
                    ExitCode::SUCCESS
                }
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Import { sources, into, force } => run_import(&cli.root, sources, into, force),
        Command::Check { external, timeout, format, base_url, drafts, strict, allow_broken } => {
            let overrides = Overrides { base_url, output_dir: None, drafts, allow_broken };
            let external = external.then(|| ExternalOptions {
                timeout: std::time::Duration::from_secs_f64(timeout),
                ..ExternalOptions::default()
            });
            let options = CheckOptions { build: BuildOptions { root: cli.root, overrides, strict }, external };
            run_check(&options, format)
        }
    }
}

fn run_import(root: &std::path::Path, sources: Vec<PathBuf>, into: Option<PathBuf>, force: bool) -> ExitCode {
    let mut diagnostics_out = Report::new(root, Report::color_wanted());
    let options = match ImportOptions::for_site(root, sources, into, force) {
        Ok(options) => options,
        Err(diagnostics) => {
            for diagnostic in &diagnostics {
                eprintln!("{}", diagnostics_out.render(diagnostic));
            }
            return ExitCode::FAILURE;
        }
    };
    let started = std::time::Instant::now();
    let guard = progress::install(progress_mode());
    let report = import(&options);
    drop(guard);
    for diagnostic in &report.diagnostics {
        eprintln!("{}", diagnostics_out.render(diagnostic));
    }
    println!("{report}");
    eprintln!("Import took {:.0} ms (read, convert and write)", started.elapsed().as_secs_f64() * 1000.0);
    if report.has_errors() { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// A bar on a terminal, plain lines elsewhere.
fn progress_mode() -> Mode {
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) { Mode::Bar } else { Mode::Lines }
}

fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 600.0 => Ok(s),
        _ => Err("expected a number of seconds between 0 and 600".to_string()),
    }
}

fn run_check(options: &CheckOptions, format: Format) -> ExitCode {
    let report = check(options);
    let failed = report.failed(options.build.strict);
    if format == Format::Json {
        println!("{}", report.to_json());
    } else {
        let mut printer = Report::new(&options.build.root, Report::color_wanted());
        for diagnostic in &report.diagnostics {
            eprintln!("{}", printer.render(diagnostic));
        }
        let (errors, warnings) = (report.errors(), report.warnings());
        let checked = match report.external_urls {
            Some(n) => format!("Checked {} pages, {} sections and {n} external URL(s)", report.pages, report.sections),
            None => format!("Checked {} pages and {} sections", report.pages, report.sections),
        };
        if failed {
            eprintln!("{checked}: {errors} error(s), {warnings} warning(s)");
        } else if warnings > 0 {
            println!("{checked}: {warnings} warning(s)");
        } else {
            println!("{checked}: no problems found");
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn run_build(options: &BuildOptions, timings: bool) -> ExitCode {
    let mut report = Report::new(&options.root, Report::color_wanted());
    let guard = progress::install(progress_mode());
    let result = build(options);
    drop(guard);
    match result {
        Ok(built) => {
            for diagnostic in &built.diagnostics {
                eprintln!("{}", report.render(diagnostic));
            }
            if timings {
                eprintln!("  {:<10} {:>10} {:>10} {:>10} {:>10}", "stage", "wall", "cpu", "peak mem", "after");
                for lap in &built.timings {
                    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
                    let mb = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
                    eprintln!(
                        "  {:<10} {:>7.1} ms {:>7.1} ms {:>7.0} MB {:>7.0} MB",
                        lap.stage,
                        ms(lap.wall),
                        ms(lap.cpu),
                        mb(lap.peak),
                        mb(lap.resident)
                    );
                }
            }
            let stages: Vec<String> = built
                .timings
                .iter()
                .map(|lap| format!("{} {:.0} ms", lap.stage, lap.wall.as_secs_f64() * 1000.0))
                .collect();
            let warnings = built.diagnostics.len();
            println!(
                "Built {} pages and {} sections ({} files) into {} in {:.0} ms{}",
                built.pages,
                built.sections,
                built.files,
                shown(&built.output_dir).display(),
                built.total.as_secs_f64() * 1000.0,
                if warnings > 0 { format!(", {warnings} warning(s)") } else { String::new() }
            );
            println!("  {}", stages.join(", "));
            ExitCode::SUCCESS
        }
        Err(failure) => {
            for diagnostic in &failure.diagnostics {
                eprintln!("{}", report.render(diagnostic));
            }
            let errors = failure.errors();
            let warnings = failure.diagnostics.len() - errors;
            eprintln!("Build failed: {errors} error(s), {warnings} warning(s); the output folder was left as it was");
            ExitCode::FAILURE
        }
    }
}

/// A path as the user would type it: relative to the current folder when it lies under it.
fn shown(path: &std::path::Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    let path = path.strip_prefix(".").unwrap_or(path);
    path.strip_prefix(&cwd).map(|p| p.to_path_buf()).unwrap_or_else(|_| path.to_path_buf())
}
