//! Live-reload events: the registry of browsers listening on `/__themata/events` (Server-Sent
//! Events) and the build's current error state.
//!
//! A listening browser costs a socket here, not a thread: the worker that answered its request
//! parks the stream in the registry and moves on. [`Events::send`] writes to every parked stream
//! and drops the ones that fail or stall. The last `error` message is remembered until an `ok`, so
//! a page opened while the build is broken shows the errors at once.

use std::io::{ErrorKind, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// A browser that does not take an event within this time is dropped (it reconnects by itself).
const WRITE_TIMEOUT: Duration = Duration::from_secs(1);
/// Most browsers listening at once; more are refused with 503 (each holds a file descriptor).
pub(super) const MAX_LISTENERS: usize = 256;
/// How long browsers wait before reconnecting after the server went away.
const RETRY_MS: u32 = 1000;

/// Live-reload events, pushed to browsers over Server-Sent Events at `/__themata/events`.
#[derive(Clone, Default)]
pub struct Events {
    shared: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    listeners: Vec<Listener>,
    /// The data of the last "error" not yet followed by an "ok".
    error: Option<String>,
}

struct Listener {
    stream: TcpStream,
    /// The server that parked it, so stopping one server closes only its own listeners.
    server: u64,
}

impl Events {
    pub fn new() -> Events {
        Events::default()
    }

    /// Send one SSE message to every connected browser: `event: <name>\ndata: <data>\n\n`.
    /// Names used: "reload" (data: JSON list of changed paths), "css" (data: stylesheet path),
    /// "error" (data: the build errors as text), "ok". Data with several lines goes out as
    /// several `data:` lines, which the browser joins again with `\n`.
    pub fn send(&self, name: &str, data: &str) {
        let message = encode(name, data);
        let mut state = self.lock();
        match name {
            "error" => state.error = Some(data.to_string()),
            "ok" => state.error = None,
            _ => {}
        }
        state.listeners.retain_mut(|listener| listener.stream.write_all(message.as_bytes()).is_ok());
    }

    /// How many browsers are listening now (closed connections are noticed and dropped).
    pub fn connected(&self) -> usize {
        let mut state = self.lock();
        prune(&mut state.listeners);
        state.listeners.len()
    }

    /// Answer an event-stream request on `stream` and keep it: the response head, the
    /// remembered error if there is one, then every later event. The lock is held throughout so
    /// a concurrent [`Events::send`] is neither lost nor delivered out of order.
    pub(super) fn attach(&self, mut stream: TcpStream, head: &[u8], server: u64) -> Result<(), TcpStream> {
        let mut state = self.lock();
        prune(&mut state.listeners);
        if state.listeners.len() >= MAX_LISTENERS {
            return Err(stream);
        }
        let mut first = head.to_vec();
        first.extend_from_slice(format!("retry: {RETRY_MS}\n\n").as_bytes());
        if let Some(error) = &state.error {
            first.extend_from_slice(encode("error", error).as_bytes());
        }
        if stream.set_write_timeout(Some(WRITE_TIMEOUT)).is_ok() && stream.write_all(&first).is_ok() {
            state.listeners.push(Listener { stream, server });
        }
        Ok(())
    }

    /// Close the streams parked by `server` (when it stops).
    pub(super) fn detach_server(&self, server: u64) {
        let mut state = self.lock();
        state.listeners.retain(|listener| {
            if listener.server == server {
                let _ = listener.stream.shutdown(std::net::Shutdown::Both);
            }
            listener.server != server
        });
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the list usable: recover it.
        self.shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("Events")
            .field("listeners", &state.listeners.len())
            .field("error", &state.error.is_some())
            .finish()
    }
}

/// One SSE message; a name cannot break out of its line, and each data line gets its prefix.
fn encode(name: &str, data: &str) -> String {
    let name: String = name.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    let mut message = format!("event: {name}\n");
    for line in data.split("\r\n").flat_map(|l| l.split(['\r', '\n'])) {
        message.push_str("data: ");
        message.push_str(line);
        message.push('\n');
    }
    message.push('\n');
    message
}

/// Drop listeners whose browser has gone: a browser sends nothing after its request, so a
/// readable end-of-stream (or an error) means the connection is closed.
fn prune(listeners: &mut Vec<Listener>) {
    listeners.retain(|listener| {
        let stream = &listener.stream;
        if stream.set_nonblocking(true).is_err() {
            return false;
        }
        let alive = match stream.peek(&mut [0u8; 1]) {
            Ok(0) => false,
            Ok(_) => true,
            Err(e) => e.kind() == ErrorKind::WouldBlock,
        };
        alive && stream.set_nonblocking(false).is_ok()
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_one_field_per_line() {
        assert_eq!(encode("ok", ""), "event: ok\ndata: \n\n");
        assert_eq!(
            encode("error", "a.md:1:2: bad\r\nb.md:3:4: worse\nlast"),
            "event: error\ndata: a.md:1:2: bad\ndata: b.md:3:4: worse\ndata: last\n\n"
        );
        assert_eq!(encode("re\nload", "[]"), "event: reload\ndata: []\n\n");
    }
}
