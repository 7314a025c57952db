//! The development server's HTTP/1.1 layer: serves the current in-memory snapshot of the site
//! on loopback, with live-reload pushed over Server-Sent Events.
//!
//! Three kinds of thread share the work, so that no client can hold up another:
//! - the **accept** thread takes new connections and hands them, non-blocking, to
//! - the **gather** thread, which reads request heads from all pending connections at once
//!   (bounded in number, size and time: 10 s for a whole head), so idle or trickling clients cost
//!   a socket and never a thread; complete heads go through a bounded queue to
//! - a fixed pool of **workers**, which parse the head, look the file up in the snapshot of the
//!   moment ([`Site`]), answer and close. Event-stream requests are parked on [`Events`] instead.
//!
//! Requests are checked before the site is asked anything: only `GET` and `HEAD`, strict HTTP
//! syntax, and a target decoded into segments that cannot climb out of the output root (see
//! `request`). Responses are never cached and always close the connection.

mod events;
mod request;
mod response;

use std::io::{self, ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use events::Events;
use request::{HeadReader, Progress, Refusal, Target};
use response::{EVENTS_PATH, Response};

/// What the server serves: the current site, swapped atomically by the rebuild loop.
pub trait Site: Send + Sync + 'static {
    /// The bytes of the output file at `path` (relative to the output root, `/`-separated, already
    /// percent-decoded and checked by the server: no `..`, no empty segments), e.g.
    /// "index.html", "tags/中级/index.html", "style.css". None when absent.
    fn file(&self, path: &str) -> Option<Arc<[u8]>>;
}

/// Gives the snapshot to serve; called once per request, so a swapped-in build is seen at once.
pub type SiteSource = Arc<dyn Fn() -> Arc<dyn Site> + Send + Sync>;

/// Where to listen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The interface to bind; loopback (127.0.0.1) unless another is asked for.
    pub interface: IpAddr,
    /// The port; 0 lets the system pick a free one (see [`Server::local_addr`]).
    pub port: u16,
}

impl Default for Options {
    fn default() -> Options {
        Options { interface: IpAddr::V4(Ipv4Addr::LOCALHOST), port: 0 }
    }
}

/// Sizes and times of the server; fixed in production, shortened by the tests.
#[derive(Debug, Clone, Copy)]
struct Limits {
    workers: usize,
    queue: usize,
    /// Connections still sending their head; past this the oldest is dropped for the newest.
    pending: usize,
    /// Time a client has to send its whole head, from the moment it was accepted.
    head_timeout: Duration,
    /// Time a worker waits for a client to take any more of its response.
    write_timeout: Duration,
    /// Time a client has to take a whole response, so one reading a trickle cannot keep a worker.
    response_deadline: Duration,
}

const LIMITS: Limits = Limits {
    workers: 32,
    queue: 64,
    pending: 512,
    head_timeout: Duration::from_secs(10),
    write_timeout: Duration::from_secs(10),
    response_deadline: Duration::from_secs(60),
};

/// The longest the gather thread sleeps when nothing is happening on its pending connections.
const MAX_IDLE_SLEEP: Duration = Duration::from_millis(10);

/// A running server; [`Server::stop`] (or dropping it) shuts it down.
#[must_use = "dropping the Server stops it"]
pub struct Server {
    local_addr: SocketAddr,
    id: u64,
    signals: Arc<Signals>,
    events: Events,
    threads: Vec<JoinHandle<()>>,
}

/// A complete head (or the reason there is none), waiting for a worker.
struct Job {
    stream: TcpStream,
    head: Result<Vec<u8>, Refusal>,
}

/// Whatever the workers need, shared.
struct Context {
    site: SiteSource,
    events: Events,
    server: u64,
    limits: Limits,
}

/// Flags the threads watch.
#[derive(Default)]
struct Signals {
    stop: AtomicBool,
    /// Accepting failed (typically out of file descriptors): pending connections should make room.
    short_of_sockets: AtomicBool,
}

static NEXT_SERVER: AtomicU64 = AtomicU64::new(1);

impl Server {
    /// Bind (fails with a clear error if the port is taken) and serve on background threads.
    pub fn start(options: Options, site: SiteSource, events: Events) -> io::Result<Server> {
        Server::start_with(options, site, events, LIMITS)
    }

    fn start_with(options: Options, site: SiteSource, events: Events, limits: Limits) -> io::Result<Server> {
        let address = SocketAddr::new(options.interface, options.port);
        let listener = TcpListener::bind(address).map_err(|e| bind_error(address, e))?;
        let local_addr = listener.local_addr()?;
        let id = NEXT_SERVER.fetch_add(1, Ordering::Relaxed);
        let signals = Arc::new(Signals::default());
        let (pending_tx, pending_rx) = mpsc::channel::<(TcpStream, Instant)>();
        let (job_tx, job_rx) = mpsc::sync_channel::<Job>(limits.queue);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let context = Arc::new(Context { site, events: events.clone(), server: id, limits });

        // Built before the threads, so that if one fails to start, dropping it stops the others.
        let mut server = Server { local_addr, id, signals, events, threads: Vec::with_capacity(limits.workers + 2) };
        let spawn = |name: String, f: Box<dyn FnOnce() + Send>| std::thread::Builder::new().name(name).spawn(f);
        let signals = Arc::clone(&server.signals);
        server.threads.push(spawn("serve-accept".into(), Box::new(move || accept(listener, pending_tx, &signals)))?);
        let signals = Arc::clone(&server.signals);
        let gather = move || gather(pending_rx, job_tx, limits, &signals);
        server.threads.push(spawn("serve-gather".into(), Box::new(gather))?);
        for n in 0..limits.workers {
            let (rx, context) = (Arc::clone(&job_rx), Arc::clone(&context));
            server.threads.push(spawn(format!("serve-worker-{n}"), Box::new(move || work(&rx, &context)))?);
        }
        Ok(server)
    }

    /// The address actually bound (with the port the system chose when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Shut down: stop accepting, close pending and listening connections, join the threads.
    pub fn stop(self) {
        drop(self);
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("local_addr", &self.local_addr).field("events", &self.events).finish()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.signals.stop.store(true, Ordering::SeqCst);
        // Wake the accept thread with a connection of our own.
        let mut wake = self.local_addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(match wake.ip() {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
            });
        }
        let woken = TcpStream::connect_timeout(&wake, Duration::from_secs(1)).is_ok();
        // Without the wake-up the accept thread would block joining forever (and the others
        // wait on it); they then end with the next connection instead.
        if woken {
            for thread in self.threads.drain(..) {
                let _ = thread.join();
            }
        }
        self.events.detach_server(self.id);
    }
}

fn bind_error(address: SocketAddr, e: io::Error) -> io::Error {
    let message = match e.kind() {
        ErrorKind::AddrInUse => {
            format!("cannot listen on {address}: port {} is already in use; pick another port", address.port())
        }
        ErrorKind::AddrNotAvailable => {
            format!("cannot listen on {address}: {} is not an address of this machine", address.ip())
        }
        ErrorKind::PermissionDenied => {
            format!("cannot listen on {address}: permission denied (ports below 1024 need privileges)")
        }
        _ => format!("cannot listen on {address}: {e}"),
    };
    io::Error::new(e.kind(), message)
}

/// Accept connections until stopped and pass them on, non-blocking, with their arrival time.
fn accept(listener: TcpListener, pending: mpsc::Sender<(TcpStream, Instant)>, signals: &Signals) {
    loop {
        let result = listener.accept();
        if signals.stop.load(Ordering::SeqCst) {
            return;
        }
        match result {
            Ok((stream, _)) => {
                if stream.set_nonblocking(true).is_ok() && pending.send((stream, Instant::now())).is_err() {
                    return;
                }
            }
            // A client that gave up before we took it: nothing to do.
            Err(e) if matches!(e.kind(), ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            // Out of file descriptors, most likely: ask for room, and give it time.
            Err(_) => {
                signals.short_of_sockets.store(true, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// A connection whose head is still arriving.
struct Pending {
    stream: TcpStream,
    since: Instant,
    head: HeadReader,
}

/// Read heads from every pending connection; hand complete (or hopeless) ones to the workers.
/// Sleeps briefly when nothing moves, and wakes as soon as a new connection arrives.
fn gather(incoming: Receiver<(TcpStream, Instant)>, jobs: SyncSender<Job>, limits: Limits, signals: &Signals) {
    let mut pending: Vec<Pending> = Vec::new();
    let mut idle_sleep = Duration::from_millis(1);
    let mut chunk = vec![0u8; 16 * 1024];
    while !signals.stop.load(Ordering::SeqCst) {
        let mut moved = false;
        let arrived = if pending.is_empty() {
            incoming.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            incoming.recv_timeout(idle_sleep)
        };
        match arrived {
            Ok((stream, since)) => {
                pending.push(Pending { stream, since, head: HeadReader::default() });
                moved = true;
                while let Ok((stream, since)) = incoming.try_recv() {
                    pending.push(Pending { stream, since, head: HeadReader::default() });
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        // Past the limit, or when the system is out of sockets, the oldest waiting connections
        // (the likeliest to be idle) make room for new ones.
        let mut excess = pending.len().saturating_sub(limits.pending);
        if signals.short_of_sockets.swap(false, Ordering::SeqCst) {
            excess = excess.max(pending.len().div_ceil(2));
        }
        pending.drain(..excess);
        let now = Instant::now();
        let mut index = 0;
        while index < pending.len() {
            let outcome = read_head(&mut pending[index], &mut chunk);
            let timed_out = outcome.is_none() && now.duration_since(pending[index].since) > limits.head_timeout;
            if outcome.is_none() && !timed_out {
                index += 1;
                continue;
            }
            moved = true;
            let Pending { stream, head, .. } = pending.remove(index);
            match outcome {
                Some(Outcome::Head(len)) => {
                    let job = Job { stream, head: Ok(head.bytes()[..len].to_vec()) };
                    if jobs.send(job).is_err() {
                        return;
                    }
                }
                Some(Outcome::Refused) => {
                    if jobs.send(Job { stream, head: Err(Refusal::BadRequest) }).is_err() {
                        return;
                    }
                }
                Some(Outcome::Gone) => {}
                // Best effort: the client is slow, so it gets no worker to wait on it.
                None => {
                    let mut stream = stream;
                    let _ = stream.write(&Response::text(408, "408 Request Timeout").to_bytes(true));
                }
            }
        }
        idle_sleep = if moved { Duration::from_millis(1) } else { (idle_sleep * 2).min(MAX_IDLE_SLEEP) };
    }
}

enum Outcome {
    Head(usize),
    Refused,
    Gone,
}

/// Read what has arrived on one pending connection; `None` when its head is still incomplete.
fn read_head(pending: &mut Pending, chunk: &mut [u8]) -> Option<Outcome> {
    loop {
        match pending.stream.read(chunk) {
            Ok(0) => return Some(Outcome::Gone),
            Ok(n) => match pending.head.push(&chunk[..n]) {
                Progress::More => continue,
                Progress::Done(len) => return Some(Outcome::Head(len)),
                Progress::TooLarge => return Some(Outcome::Refused),
            },
            Err(e) if e.kind() == ErrorKind::WouldBlock => return None,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return Some(Outcome::Gone),
        }
    }
}

/// A worker: take jobs until the gather thread is gone.
fn work(jobs: &Mutex<Receiver<Job>>, context: &Context) {
    loop {
        let job = {
            let Ok(jobs) = jobs.lock() else { return };
            match jobs.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        // A panic here (a bug of ours) costs this request, not the worker.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| serve(job, context)));
    }
}

/// Answer one request and close, or park an event stream.
fn serve(job: Job, context: &Context) {
    let Job { mut stream, head } = job;
    if stream.set_nonblocking(false).is_err() {
        return;
    }
    let request = head.and_then(|head| request::parse_head(&head));
    let (response, with_body) = match request {
        Err(refusal) => (Response::text(refusal.status(), &refusal_text(refusal)), true),
        Ok(request) if request.method != "GET" && request.method != "HEAD" => {
            let response = Response::text(405, "405 Method Not Allowed: only GET and HEAD")
                .with_header("Allow", "GET, HEAD".to_string());
            (response, true)
        }
        Ok(request) => {
            let with_body = request.method == "GET";
            match request::resolve_target(&request.target) {
                Err(refusal) => (Response::text(refusal.status(), &refusal_text(refusal)), with_body),
                Ok(target) if is_events(&target) && !with_body => {
                    let _ = write_response(&mut stream, &events_head(), context.limits);
                    return close_gently(stream);
                }
                Ok(target) if is_events(&target) => match context.events.attach(stream, &events_head(), context.server)
                {
                    Ok(()) => return,
                    Err(returned) => {
                        stream = returned;
                        (Response::text(503, "503 Service Unavailable: too many live-reload listeners"), true)
                    }
                },
                Ok(target) => {
                    // The site is the rebuild loop's code: a panic in it is answered, not fatal.
                    let lookup = std::panic::AssertUnwindSafe(|| lookup(&*(context.site)(), &target));
                    let response = std::panic::catch_unwind(lookup)
                        .unwrap_or_else(|_| Response::text(500, "500 Internal Server Error: the site panicked"));
                    (response, with_body)
                }
            }
        }
    };
    let _ = stream.set_nodelay(true);
    if write_response(&mut stream, &response.to_bytes(with_body), context.limits).is_ok() {
        close_gently(stream);
    }
}

/// Write `bytes`, giving up when the client takes nothing for `write_timeout` or has not taken
/// everything by `response_deadline`.
fn write_response(stream: &mut TcpStream, mut bytes: &[u8], limits: Limits) -> io::Result<()> {
    let deadline = Instant::now() + limits.response_deadline;
    while !bytes.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ErrorKind::TimedOut.into());
        }
        stream.set_write_timeout(Some(left.min(limits.write_timeout)))?;
        match stream.write(&bytes[..bytes.len().min(256 * 1024)]) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn refusal_text(refusal: Refusal) -> String {
    format!("{} {}", refusal.status(), response::reason(refusal.status()))
}

fn is_events(target: &Target) -> bool {
    !target.trailing_slash && target.segments.len() == 2 && format!("/{}", target.segments.join("/")) == EVENTS_PATH
}

fn events_head() -> Vec<u8> {
    let mut head = String::from("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n");
    head.push_str(&response::common_headers());
    head.push_str("Connection: close\r\n\r\n");
    head.into_bytes()
}

/// The response for a checked target: the file, a folder's `index.html`, a redirect that adds a
/// folder's missing slash, or the site's 404 page.
fn lookup(site: &dyn Site, target: &Target) -> Response {
    let path = target.file_path();
    if let Some(bytes) = site.file(&path) {
        return Response::file(200, &path, bytes);
    }
    if !target.trailing_slash && site.file(&format!("{path}/index.html")).is_some() {
        let location = target.with_slash();
        return Response::text(301, &format!("301 Moved Permanently: {location}")).with_header("Location", location);
    }
    match site.file("404.html") {
        Some(bytes) => Response::file(404, "404.html", bytes),
        None => Response::text(404, &format!("404 Not Found: /{path}")),
    }
}

/// End the response and close without a reset: shut our side, then read (briefly, boundedly)
/// whatever the client still sends, so the kernel does not discard the response.
fn close_gently(mut stream: TcpStream) {
    if stream.shutdown(Shutdown::Write).is_err() {
        return;
    }
    let deadline = Instant::now() + Duration::from_millis(500);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let mut sink = [0u8; 4096];
    let mut drained = 0;
    while Instant::now() < deadline && drained < 1 << 20 {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => return,
            Ok(n) => drained += n,
        }
    }
}

#[cfg(test)]
mod tests;
