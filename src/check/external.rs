//! `check --external`: ask other sites whether the links to them still work.
//!
//! Every distinct URL is asked once, by a fixed pool of threads: HEAD, then GET when the server
//! does not allow HEAD (405, 501), redirects followed, one timeout for the whole exchange. An
//! HTTP answer is the result (and is cached for a day, see `cache`); a failure to look the host
//! up or to connect says nothing about the link when the whole network is down. So when the
//! first answers are all such failures, the remaining URLs are not tried, and the caller reports
//! one "network unreachable" problem instead of one per link.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use super::cache::Cache;
use crate::diagnostics::Diagnostic;

/// How many of the first answers must all be lookup or connection failures before the network
/// is taken to be down (fewer when there are fewer URLs).
const PROBES: usize = 8;

/// Settings of `check --external`.
#[derive(Debug, Clone)]
pub struct ExternalOptions {
    /// The longest one URL may take, redirects included (HEAD and GET each get this much).
    pub timeout: Duration,
    /// Requests in flight at once.
    pub threads: usize,
    /// The folder of the results cache (`links.json`); None: no cache.
    pub cache_dir: Option<PathBuf>,
}

impl Default for ExternalOptions {
    fn default() -> Self {
        ExternalOptions { timeout: Duration::from_secs(10), threads: 8, cache_dir: default_cache_dir() }
    }
}

/// `$XDG_CACHE_HOME/themata`, else `$HOME/.cache/themata`; None when neither is set.
pub fn default_cache_dir() -> Option<PathBuf> {
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = set("XDG_CACHE_HOME").filter(|p| p.is_absolute()).or_else(|| set("HOME").map(|h| h.join(".cache")))?;
    Some(base.join("themata"))
}

/// What asking for one URL gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The final HTTP status, redirects followed.
    Status(u16),
    /// No answer within the timeout.
    TimedOut,
    /// The host name did not resolve or no connection could be made.
    Unreachable(String),
    /// Anything else: TLS, a malformed answer, too many redirects, a URL that cannot be asked.
    Failed(String),
}

impl Outcome {
    fn is_network_failure(&self) -> bool {
        matches!(self, Outcome::Unreachable(_))
    }
}

/// The results of one run.
#[derive(Debug, Default)]
pub struct Results {
    /// By request URL; a URL is missing when it was not tried (the network was down).
    pub outcomes: HashMap<String, Outcome>,
    /// The network looks down: no URL got an HTTP answer in this run and the first ones all
    /// failed to resolve or connect.
    pub network_down: bool,
    /// The first lookup or connection failure, as `host: reason`.
    pub first_failure: Option<String>,
    /// The cache could not be written (a warning).
    pub cache_problem: Option<Diagnostic>,
}

/// Ask for every URL (request URLs, see [`request_url`]). Fresh cached answers are used as they
/// are; the cache is not used when its folder lies inside one of `protected` (the site).
pub fn check_urls(urls: &[String], options: &ExternalOptions, protected: &[PathBuf]) -> Results {
    let cache_dir = options.cache_dir.as_deref().filter(|dir| !inside_any(dir, protected));
    let mut cache = Cache::open(cache_dir);
    let mut results = Results::default();
    let mut todo = Vec::new();
    for url in urls {
        match cache.get(url) {
            Some(status) => {
                results.outcomes.insert(url.clone(), Outcome::Status(status));
            }
            None => todo.push(url.as_str()),
        }
    }
    if todo.is_empty() {
        return results;
    }

    let agent = agent(options.timeout);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // (url, outcome) in the order answers came.
    let answers: Mutex<Vec<(usize, Outcome)>> = Mutex::new(Vec::new());
    let probes = PROBES.min(todo.len());
    std::thread::scope(|scope| {
        for _ in 0..options.threads.clamp(1, todo.len()) {
            scope.spawn(|| {
                while !stop.load(Ordering::SeqCst) {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(url) = todo.get(i) else { break };
                    let outcome = ask(&agent, url);
                    let mut answers = answers.lock().unwrap_or_else(|e| e.into_inner());
                    answers.push((i, outcome));
                    if answers.len() == probes && answers.iter().all(|(_, o)| o.is_network_failure()) {
                        stop.store(true, Ordering::SeqCst);
                    }
                }
            });
        }
    });
    let answers = answers.into_inner().unwrap_or_else(|e| e.into_inner());

    let answered = answers.iter().any(|(_, o)| matches!(o, Outcome::Status(_)));
    let all_failed = answers.iter().all(|(_, o)| o.is_network_failure());
    results.network_down = !answered && (stop.load(Ordering::SeqCst) || all_failed);
    results.first_failure = answers.iter().find_map(|(i, o)| match o {
        Outcome::Unreachable(why) => Some(format!("{}: {why}", host(todo[*i]))),
        _ => None,
    });
    for (i, outcome) in answers {
        if let Outcome::Status(status) = outcome
            && status != 429
        {
            cache.put(todo[i], status);
        }
        results.outcomes.insert(todo[i].to_string(), outcome);
    }
    if let Err((path, e)) = cache.save() {
        results.cache_problem =
            Some(Diagnostic::warning(path, 0, 0, format!("cannot write the link cache: {e}; results were not kept")));
    }
    results
}

fn inside_any(dir: &Path, protected: &[PathBuf]) -> bool {
    let absolute = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    // The cache folder may not exist yet: compare its nearest existing ancestor.
    let mut probe = dir.to_path_buf();
    while !probe.exists() && probe.pop() {}
    let dir = absolute(&probe);
    protected.iter().any(|p| dir.starts_with(absolute(p)))
}

fn agent(timeout: Duration) -> ureq::Agent {
    // Looking the host up and connecting get half the time, so that a network that swallows
    // packets shows as a connection failure, not as a slow server.
    let connect = timeout / 2;
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .timeout_resolve(Some(connect))
        .timeout_connect(Some(connect))
        .max_redirects(10)
        .user_agent(format!("themata/{} (link check)", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// HEAD, then GET when HEAD is not allowed. The body of a GET is never read.
fn ask(agent: &ureq::Agent, url: &str) -> Outcome {
    let head = match agent.head(url).call() {
        Ok(response) => response.status().as_u16(),
        Err(e) => return classify(e),
    };
    if !matches!(head, 405 | 501) {
        return Outcome::Status(head);
    }
    match agent.get(url).call() {
        Ok(response) => Outcome::Status(response.status().as_u16()),
        Err(e) => classify(e),
    }
}

fn classify(error: ureq::Error) -> Outcome {
    use std::io::ErrorKind as K;
    use ureq::Error as E;
    match error {
        E::HostNotFound => Outcome::Unreachable("host not found".to_string()),
        E::ConnectionFailed => Outcome::Unreachable("connection failed".to_string()),
        E::Timeout(ureq::Timeout::Resolve) => Outcome::Unreachable("host name lookup timed out".to_string()),
        E::Timeout(ureq::Timeout::Connect) => Outcome::Unreachable("connection timed out".to_string()),
        E::Timeout(_) => Outcome::TimedOut,
        E::Io(e)
            if matches!(
                e.kind(),
                K::ConnectionRefused
                    | K::ConnectionReset
                    | K::ConnectionAborted
                    | K::NetworkUnreachable
                    | K::NetworkDown
                    | K::HostUnreachable
                    | K::AddrNotAvailable
            ) =>
        {
            Outcome::Unreachable(e.to_string())
        }
        // The standard library reports a failed lookup as an uncategorised I/O error whose
        // message starts like this.
        E::Io(e) if e.to_string().contains("failed to lookup address") => {
            Outcome::Unreachable("host not found".to_string())
        }
        E::Io(e) if e.kind() == K::TimedOut => Outcome::TimedOut,
        E::TooManyRedirects => Outcome::Failed("too many redirects".to_string()),
        E::BadUri(_) | E::Http(_) => Outcome::Failed("not a URL that can be requested".to_string()),
        other => Outcome::Failed(other.to_string()),
    }
}

/// `404 Not Found`: the code and, when there is one, its standard reason.
pub fn status_text(status: u16) -> String {
    match ureq::http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()) {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

/// The host part of a URL, for messages.
fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

/// The URL to ask for a link as written: `//host/x` gets `https:`, the `#fragment` goes (it is
/// never sent), and what a request line cannot hold (non-ASCII, spaces, quotes, `<>`...) is
/// percent-encoded. Links that differ only in their fragment are one URL.
pub fn request_url(written: &str) -> String {
    let written = written.trim();
    let without_fragment = written.split('#').next().unwrap_or(written);
    let absolute = match without_fragment.strip_prefix("//") {
        Some(rest) => format!("https://{rest}"),
        None => without_fragment.to_string(),
    };
    let mut out = String::with_capacity(absolute.len());
    for c in absolute.chars() {
        if c.is_ascii_graphic() && !matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}') {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_urls_drop_the_fragment_and_encode_what_a_request_cannot_hold() {
        assert_eq!(request_url("https://example.org/a?b=1&c=2#x"), "https://example.org/a?b=1&c=2");
        assert_eq!(request_url("//cdn.example/p.png"), "https://cdn.example/p.png");
        assert_eq!(
            request_url("https://zh.example/产品 经理"),
            "https://zh.example/%E4%BA%A7%E5%93%81%20%E7%BB%8F%E7%90%86"
        );
        assert_eq!(request_url("https://example.org/%E4%BA%A7"), "https://example.org/%E4%BA%A7");
    }

    #[test]
    fn status_text_names_the_reason() {
        assert_eq!(status_text(404), "404 Not Found");
        assert_eq!(status_text(599), "599");
    }

    #[test]
    fn host_of_a_url() {
        assert_eq!(host("https://a.example:8080/x?y"), "a.example:8080");
        assert_eq!(host("http://b.example"), "b.example");
    }
}
