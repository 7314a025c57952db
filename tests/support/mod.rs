//! Test harness: build a fixture site in a temporary folder with the real `themata` binary and
//! look at what a user would see — the files in the output, the exit code, the messages.
//!
//! ```ignore
//! let site = Site::new().page("articles/a.md", "---\ntitle: A\n---\nbody");
//! let out = site.build_ok();
//! let doc = out.html("articles/a/index.html");
//! ```
#![allow(dead_code)]

pub mod browser;

use std::path::{Path, PathBuf};
use std::process::Command;

use scraper::{Html, Selector};

/// The repository root (where the default theme lives).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/` beside the repository: the seed and the real sample exports.
pub fn shared() -> PathBuf {
    repo().join("../shared")
}

pub const SITE_TOML: &str = "title = \"测试站\"\nbase_url = \"https://example.org\"\n";

/// A site folder under construction.
pub struct Site {
    pub dir: tempfile::TempDir,
}

impl Default for Site {
    fn default() -> Self {
        Site::new()
    }
}

impl Site {
    /// A site with the repository's default theme and a minimal `site.toml`.
    pub fn new() -> Site {
        let dir = tempfile::tempdir().expect("temp dir");
        copy_dir(&repo().join("themes/default"), &dir.path().join("themes/default"));
        std::fs::write(dir.path().join("site.toml"), SITE_TOML).unwrap();
        std::fs::create_dir_all(dir.path().join("content")).unwrap();
        Site { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(self, rel: &str, text: &str) -> Site {
        self.write(rel, text);
        self
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.root().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// A file under `content/`.
    pub fn page(self, rel: &str, text: &str) -> Site {
        self.file(&format!("content/{rel}"), text)
    }

    pub fn config(self, toml: &str) -> Site {
        self.file("site.toml", toml)
    }

    /// Run `themata <args> --root <site>`.
    pub fn run(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_themata"))
            .args(args)
            .arg("--root")
            .arg(self.root())
            .current_dir(self.root())
            .env("NO_COLOR", "1")
            .output()
            .expect("run themata");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            out: self.root().join("public"),
        }
    }

    pub fn build(&self) -> Run {
        self.run(&["build"])
    }

    /// Build and insist that it worked.
    pub fn build_ok(&self) -> Run {
        let run = self.build();
        assert_eq!(run.code, 0, "build failed:\n{}\n{}", run.stdout, run.stderr);
        run
    }
}

/// The result of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub out: PathBuf,
}

impl Run {
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.out.join(rel).exists()
    }

    pub fn html(&self, rel: &str) -> Doc {
        Doc(Html::parse_document(&self.read(rel)))
    }

    /// Every file of the output, relative, sorted.
    pub fn files(&self) -> Vec<String> {
        let mut files: Vec<String> = walkdir::WalkDir::new(&self.out)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.path().strip_prefix(&self.out).unwrap().to_string_lossy().into_owned())
            .collect();
        files.sort();
        files
    }
}

/// A parsed HTML page.
pub struct Doc(pub Html);

impl Doc {
    /// The text of every element matching `css`, whitespace collapsed.
    pub fn texts(&self, css: &str) -> Vec<String> {
        let selector = Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e:?}"));
        self.0
            .select(&selector)
            .map(|e| e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    }

    pub fn text(&self, css: &str) -> String {
        let texts = self.texts(css);
        assert!(!texts.is_empty(), "nothing matches {css}");
        texts.join(" ")
    }

    /// The value of `attr` on every element matching `css`.
    pub fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        let selector = Selector::parse(css).unwrap();
        self.0.select(&selector).filter_map(|e| e.value().attr(attr).map(str::to_string)).collect()
    }

    /// (text, href) of every link matching `css`.
    pub fn links(&self, css: &str) -> Vec<(String, String)> {
        self.texts(css).into_iter().zip(self.attrs(css, "href")).collect()
    }

    pub fn count(&self, css: &str) -> usize {
        self.0.select(&Selector::parse(css).unwrap()).count()
    }

    pub fn inner_html(&self, css: &str) -> String {
        let selector = Selector::parse(css).unwrap();
        self.0.select(&selector).map(|e| e.inner_html()).collect::<Vec<_>>().join("\n")
    }
}

/// The 44-article sample and the seed under `content/`, as a writer would drop them in.
pub fn sample_site() -> Site {
    let site = Site::new().page("_index.md", "---\ntitle: 首页\n---\n");
    copy_dir(&shared().join("corpus-sample"), &site.root().join("content/sample"));
    std::fs::remove_file(site.root().join("content/sample/README.md")).unwrap();
    site.write(
        "content/seed/ai-era-product-managers.md",
        &std::fs::read_to_string(shared().join("seed/ai-era-product-managers.md")).unwrap(),
    );
    site
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
