//! The `themata` command line: parses arguments and prints results; the work is in the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use themata::build::{BuildOptions, build};
use themata::config::Overrides;
use themata::import::{ImportOptions, import};

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build { output_dir, base_url, drafts, strict, timings, allow_broken } => {
            let overrides = Overrides { base_url, output_dir, drafts, allow_broken };
            let options = BuildOptions { root: cli.root, overrides, strict };
            run_build(&options, timings)
        }
        Command::Import { sources, into, force } => run_import(&cli.root, sources, into, force),
    }
}

fn run_import(root: &std::path::Path, sources: Vec<PathBuf>, into: Option<PathBuf>, force: bool) -> ExitCode {
    let options = match ImportOptions::for_site(root, sources, into, force) {
        Ok(options) => options,
        Err(diagnostics) => {
            for diagnostic in &diagnostics {
                eprintln!("{diagnostic}");
            }
            return ExitCode::FAILURE;
        }
    };
    let report = import(&options);
    for diagnostic in &report.diagnostics {
        eprintln!("{diagnostic}");
    }
    println!("{report}");
    if report.has_errors() { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn run_build(options: &BuildOptions, timings: bool) -> ExitCode {
    match build(options) {
        Ok(report) => {
            for diagnostic in &report.diagnostics {
                eprintln!("{diagnostic}");
            }
            if timings {
                for (stage, time) in &report.timings {
                    eprintln!("  {stage:<10} {:>8.1} ms", time.as_secs_f64() * 1000.0);
                }
            }
            let warnings = report.diagnostics.len();
            println!(
                "Built {} pages and {} sections ({} files) into {} in {:.0} ms{}",
                report.pages,
                report.sections,
                report.files,
                shown(&report.output_dir).display(),
                report.total.as_secs_f64() * 1000.0,
                if warnings > 0 { format!(", {warnings} warning(s)") } else { String::new() }
            );
            ExitCode::SUCCESS
        }
        Err(failure) => {
            for diagnostic in &failure.diagnostics {
                eprintln!("{diagnostic}");
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
