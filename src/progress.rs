//! Progress for long runs: a bar on a terminal, plain lines elsewhere, nothing for short runs.
//!
//! Stages report through free functions ([`stage`], [`tick`]) so that the pipeline's signatures
//! do not carry a progress handle; they do nothing until the command line [`install`]s a
//! reporter. Nothing is shown during the first second, so quick builds print only their summary.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A bar redrawn in place (standard error is a terminal).
    Bar,
    /// One plain line per stage (logs, CI).
    Lines,
}

/// Nothing is shown for runs shorter than this.
const QUIET_FOR: Duration = Duration::from_secs(1);
const REDRAW: Duration = Duration::from_millis(100);

struct Shared {
    mode: Mode,
    stage: Mutex<String>,
    done: AtomicUsize,
    total: AtomicUsize,
    stop: AtomicBool,
    started: Instant,
}

static REPORTER: OnceLock<Arc<Shared>> = OnceLock::new();

/// Start showing progress in `mode` on standard error; returns a guard that clears the bar.
pub fn install(mode: Mode) -> Guard {
    let shared = Arc::new(Shared {
        mode,
        stage: Mutex::new(String::new()),
        done: AtomicUsize::new(0),
        total: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
        started: Instant::now(),
    });
    if REPORTER.set(shared.clone()).is_err() {
        return Guard { thread: None };
    }
    let thread = std::thread::spawn(move || draw_loop(&shared));
    Guard { thread: Some(thread) }
}

/// Begin a stage of `total` steps (0 when unknown).
pub fn stage(name: &str, total: usize) {
    if let Some(shared) = REPORTER.get() {
        *shared.stage.lock().unwrap_or_else(|e| e.into_inner()) = name.to_string();
        shared.done.store(0, Ordering::Relaxed);
        shared.total.store(total, Ordering::Relaxed);
    }
}

/// One step of the current stage done.
pub fn tick() {
    if let Some(shared) = REPORTER.get() {
        shared.done.fetch_add(1, Ordering::Relaxed);
    }
}

/// Stops the drawing thread and clears the bar when dropped.
pub struct Guard {
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let (Some(thread), Some(shared)) = (self.thread.take(), REPORTER.get()) {
            shared.stop.store(true, Ordering::Relaxed);
            let _ = thread.join();
        }
    }
}

fn draw_loop(shared: &Shared) {
    let mut shown_stage = String::new();
    let mut drew_bar = false;
    while !shared.stop.load(Ordering::Relaxed) {
        std::thread::sleep(REDRAW);
        if shared.started.elapsed() < QUIET_FOR {
            continue;
        }
        let stage = shared.stage.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let (done, total) = (shared.done.load(Ordering::Relaxed), shared.total.load(Ordering::Relaxed));
        let mut err = std::io::stderr().lock();
        match shared.mode {
            Mode::Bar => {
                let _ = write!(err, "\r\x1b[2K{}", bar_line(&stage, done, total));
                let _ = err.flush();
                drew_bar = true;
            }
            Mode::Lines if stage != shown_stage && !stage.is_empty() => {
                let _ = writeln!(err, "{}", plain_line(&stage, total));
                shown_stage = stage;
            }
            Mode::Lines => {}
        }
    }
    if drew_bar {
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
}

fn bar_line(stage: &str, done: usize, total: usize) -> String {
    const WIDTH: usize = 30;
    if total == 0 {
        return format!("{stage:<10} …");
    }
    let done = done.min(total);
    let filled = done * WIDTH / total;
    format!("{stage:<10} [{}{}] {done}/{total}", "#".repeat(filled), "-".repeat(WIDTH - filled))
}

fn plain_line(stage: &str, total: usize) -> String {
    if total == 0 { format!("{stage}…") } else { format!("{stage}: {total} items…") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_and_lines_read_well() {
        assert_eq!(bar_line("markdown", 15, 30), "markdown   [###############---------------] 15/30");
        assert_eq!(bar_line("write", 0, 0), "write      …");
        assert_eq!(plain_line("templates", 120), "templates: 120 items…");
    }
}
