//! Reading and checking requests: the head is gathered under size limits, parsed strictly, and
//! the target is decoded into path segments that are safe to look up.
//!
//! Everything here works on bytes that came off the network, so every function either returns
//! something well-formed or the status to answer with; nothing is passed on "as it came".
//! A target is split on `/` *before* percent-decoding, so `%2F` can never create a new segment;
//! each decoded segment must be strict UTF-8 (no overlong forms such as `%C0%AE`) and may not be
//! `.`, `..`, end in a dot or space, or hold a backslash, a colon (Windows drive letters and
//! alternate streams), `/`, NUL or any other control character.

/// Longest request line or header line, without its line ending.
pub(super) const MAX_LINE: usize = 8 * 1024;
/// Most header lines in one request.
pub(super) const MAX_HEADERS: usize = 100;
/// Empty lines tolerated before the request line (RFC 9112 §2.2 asks servers to skip some).
const MAX_LEADING_EMPTY: usize = 4;

/// Why a request is answered without looking at the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// Malformed request or target: 400.
    BadRequest,
    /// A well-formed HTTP version other than 1.x: 505.
    VersionNotSupported,
}

impl Refusal {
    pub(super) fn status(self) -> u16 {
        match self {
            Refusal::BadRequest => 400,
            Refusal::VersionNotSupported => 505,
        }
    }
}

/// Where reading a head stands after more bytes arrived.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Progress {
    /// The head is not complete yet.
    More,
    /// The head is complete: the first `len` bytes of the buffer.
    Done(usize),
    /// A line is too long or there are too many headers.
    TooLarge,
}

/// Collects a request head from pieces as they arrive, checking the limits line by line so a
/// client can never make the server hold more than about `MAX_HEADERS * MAX_LINE` bytes.
#[derive(Debug, Default)]
pub(super) struct HeadReader {
    buf: Vec<u8>,
    line_start: usize,
    lines: usize,
    leading_empty: usize,
}

impl HeadReader {
    pub(super) fn push(&mut self, bytes: &[u8]) -> Progress {
        self.buf.extend_from_slice(bytes);
        while let Some(offset) = self.buf[self.line_start..].iter().position(|&b| b == b'\n') {
            let end = self.line_start + offset;
            let line = &self.buf[self.line_start..end];
            let len = line.len() - usize::from(line.last() == Some(&b'\r'));
            self.line_start = end + 1;
            if len > MAX_LINE {
                return Progress::TooLarge;
            }
            if len == 0 {
                if self.lines > 0 {
                    return Progress::Done(self.line_start);
                }
                self.leading_empty += 1;
                if self.leading_empty > MAX_LEADING_EMPTY {
                    return Progress::TooLarge;
                }
                continue;
            }
            self.lines += 1;
            if self.lines > MAX_HEADERS + 1 {
                return Progress::TooLarge;
            }
        }
        // The unfinished line may still gain its `\r`.
        if self.buf.len() - self.line_start > MAX_LINE + 1 { Progress::TooLarge } else { Progress::More }
    }

    pub(super) fn bytes(&self) -> &[u8] {
        &self.buf
    }
}

/// The parts of a request the server acts on.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Request {
    pub(super) method: String,
    /// The request target exactly as sent (origin-form or absolute-form).
    pub(super) target: Vec<u8>,
}

/// Parse a complete head (request line, headers, empty line).
pub(super) fn parse_head(head: &[u8]) -> Result<Request, Refusal> {
    let mut lines = head.split(|&b| b == b'\n').map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    let request_line = lines.by_ref().find(|line| !line.is_empty()).ok_or(Refusal::BadRequest)?;
    let request = parse_request_line(request_line)?;
    let mut hosts = 0;
    for line in lines.take_while(|line| !line.is_empty()) {
        let (name, value) = parse_header(line)?;
        if name.eq_ignore_ascii_case(b"host") {
            hosts += 1;
            if hosts > 1 || value.is_empty() {
                return Err(Refusal::BadRequest);
            }
        }
    }
    Ok(request)
}

fn parse_request_line(line: &[u8]) -> Result<Request, Refusal> {
    let parts: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
    let [method, target, version] = parts[..] else {
        return Err(Refusal::BadRequest);
    };
    if method.is_empty() || !method.iter().all(|&b| is_tchar(b)) {
        return Err(Refusal::BadRequest);
    }
    if target.is_empty() || target.iter().any(|&b| b <= b' ' || b == 0x7f) {
        return Err(Refusal::BadRequest);
    }
    match version {
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor] if major.is_ascii_digit() && minor.is_ascii_digit() => {
            if *major != b'1' {
                return Err(Refusal::VersionNotSupported);
            }
        }
        _ => return Err(Refusal::BadRequest),
    }
    Ok(Request { method: String::from_utf8_lossy(method).into_owned(), target: target.to_vec() })
}

/// `name: value`; obsolete line folding, whitespace before the colon and control characters in
/// the value (other than tab) are refused, as RFC 9112 asks.
fn parse_header(line: &[u8]) -> Result<(&[u8], &[u8]), Refusal> {
    let colon = line.iter().position(|&b| b == b':').ok_or(Refusal::BadRequest)?;
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
        return Err(Refusal::BadRequest);
    }
    if value.iter().any(|&b| (b < b' ' && b != b'\t') || b == 0x7f) {
        return Err(Refusal::BadRequest);
    }
    Ok((name, value.trim_ascii()))
}

/// RFC 9110 token characters (method and header names).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A decoded, checked request target.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Target {
    /// Decoded path segments; empty for `/`.
    pub(super) segments: Vec<String>,
    /// The path ended in `/` (always true for `/`).
    pub(super) trailing_slash: bool,
    /// The query as sent, without its `?`; kept only to be repeated in redirects.
    pub(super) query: Option<Vec<u8>>,
}

impl Target {
    /// The site file this target names first: the file itself, or a folder's `index.html`.
    pub(super) fn file_path(&self) -> String {
        let mut path = self.segments.join("/");
        if self.trailing_slash {
            if !path.is_empty() {
                path.push('/');
            }
            path.push_str("index.html");
        }
        path
    }

    /// Where to send a folder path that lacks its slash: the same path, encoded, with `/` added,
    /// and the query kept.
    pub(super) fn with_slash(&self) -> String {
        let mut location = String::from("/");
        for segment in &self.segments {
            encode_into(&mut location, segment.as_bytes(), |b| {
                b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@".contains(&b)
            });
            location.push('/');
        }
        if let Some(query) = &self.query {
            location.push('?');
            encode_into(&mut location, query, |b| (b'!'..=b'~').contains(&b) && !b"\"<>\\^`{|}".contains(&b));
        }
        location
    }
}

fn encode_into(out: &mut String, bytes: &[u8], keep: impl Fn(u8) -> bool) {
    for &b in bytes {
        if keep(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// Decode and check a request target. Accepts origin-form (`/path?query`) and the absolute-form
/// `http://host/path?query` (whose path is used); everything else is a bad request.
pub(super) fn resolve_target(target: &[u8]) -> Result<Target, Refusal> {
    let target = match target.iter().position(|&b| b == b'#') {
        Some(hash) => &target[..hash],
        None => target,
    };
    let path_and_query = if target.starts_with(b"/") {
        target
    } else if target.len() >= 7 && target[..7].eq_ignore_ascii_case(b"http://") {
        let rest = &target[7..];
        let authority_len = rest.iter().position(|&b| b == b'/' || b == b'?').unwrap_or(rest.len());
        let authority = &rest[..authority_len];
        if authority.is_empty() || authority.iter().any(|&b| b == b'@' || b == b'\\' || b == b'%') {
            return Err(Refusal::BadRequest);
        }
        let after = &rest[authority_len..];
        if after.starts_with(b"/") {
            after
        } else {
            // `http://host` and `http://host?q` mean the root.
            return resolve_path(b"/", after.strip_prefix(b"?"));
        }
    } else {
        return Err(Refusal::BadRequest);
    };
    match path_and_query.iter().position(|&b| b == b'?') {
        Some(q) => resolve_path(&path_and_query[..q], Some(&path_and_query[q + 1..])),
        None => resolve_path(path_and_query, None),
    }
}

fn resolve_path(path: &[u8], query: Option<&[u8]>) -> Result<Target, Refusal> {
    let query = query.map(<[u8]>::to_vec);
    let inner = path.strip_prefix(b"/").ok_or(Refusal::BadRequest)?;
    if inner.is_empty() {
        return Ok(Target { segments: Vec::new(), trailing_slash: true, query });
    }
    let (inner, trailing_slash) = match inner.strip_suffix(b"/") {
        Some(inner) => (inner, true),
        None => (inner, false),
    };
    let segments = inner.split(|&b| b == b'/').map(decode_segment).collect::<Result<Vec<_>, _>>()?;
    Ok(Target { segments, trailing_slash, query })
}

/// Percent-decode one raw segment and check what it became.
fn decode_segment(raw: &[u8]) -> Result<String, Refusal> {
    if raw.is_empty() {
        return Err(Refusal::BadRequest);
    }
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b == b'%' {
            let hex = raw.get(i + 1..i + 3).ok_or(Refusal::BadRequest)?;
            let high = hex_value(hex[0]).ok_or(Refusal::BadRequest)?;
            let low = hex_value(hex[1]).ok_or(Refusal::BadRequest)?;
            bytes.push(high << 4 | low);
            i += 3;
        } else {
            bytes.push(b);
            i += 1;
        }
    }
    if bytes.iter().any(|&b| b < b' ' || b == 0x7f || b == b'/' || b == b'\\' || b == b':') {
        return Err(Refusal::BadRequest);
    }
    let segment = String::from_utf8(bytes).map_err(|_| Refusal::BadRequest)?;
    // `.`, `..`, `...` and names Windows would silently trim (`index.html.`, `a `).
    if segment.ends_with('.') || segment.ends_with(' ') {
        return Err(Refusal::BadRequest);
    }
    Ok(segment)
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(pieces: &[&[u8]]) -> Progress {
        let mut reader = HeadReader::default();
        let mut last = Progress::More;
        for piece in pieces {
            last = reader.push(piece);
        }
        last
    }

    #[test]
    fn a_head_split_across_reads_is_found_at_its_empty_line() {
        let progress = read_all(&[b"GET / HT", b"TP/1.1\r\nHost: a\r", b"\n\r\nextra"]);
        assert_eq!(progress, Progress::Done("GET / HTTP/1.1\r\nHost: a\r\n\r\n".len()));
        assert_eq!(read_all(&[b"\r\nGET / HTTP/1.1\n\n"]), Progress::Done(18));
    }

    #[test]
    fn limits_are_checked_before_the_head_is_complete() {
        let long = vec![b'a'; MAX_LINE + 2];
        assert_eq!(read_all(&[b"GET /", &long]), Progress::TooLarge);
        let ok_line = format!("GET /{} HTTP/1.1\r\n", "a".repeat(MAX_LINE - 14));
        assert_eq!(ok_line.len(), MAX_LINE + 2);
        assert_eq!(read_all(&[ok_line.as_bytes()]), Progress::More);
        let headers = "X: y\r\n".repeat(MAX_HEADERS + 1);
        assert_eq!(read_all(&[b"GET / HTTP/1.1\r\n", headers.as_bytes()]), Progress::TooLarge);
    }

    #[test]
    fn request_lines_are_parsed_strictly() {
        let ok = parse_head(b"GET /a?b HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(ok, Request { method: "GET".into(), target: b"/a?b".to_vec() });
        for bad in [
            &b"GET /\r\n\r\n"[..],
            b"GET  / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1 x\r\n\r\n",
            b"GET / FOO/1.1\r\n\r\n",
            b"G(T / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        ] {
            assert_eq!(parse_head(bad), Err(Refusal::BadRequest), "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(parse_head(b"GET / HTTP/2.0\r\n\r\n"), Err(Refusal::VersionNotSupported));
    }

    #[test]
    fn targets_decode_to_segments() {
        let t = resolve_target("/tags/%E4%B8%AD%E7%BA%A7/?x=1".as_bytes()).unwrap();
        assert_eq!(t.segments, ["tags", "中级"]);
        assert!(t.trailing_slash);
        assert_eq!(t.file_path(), "tags/中级/index.html");
        assert_eq!(t.query.as_deref(), Some(&b"x=1"[..]));
        let t = resolve_target(b"http://localhost:1111/style.css").unwrap();
        assert_eq!(t.file_path(), "style.css");
        assert_eq!(resolve_target(b"HTTP://h").unwrap().file_path(), "index.html");
    }

    #[test]
    fn redirect_locations_are_plain_ascii() {
        let t = resolve_target("/tags/中 级?q=中&a=b".replace(' ', "%20").as_bytes()).unwrap();
        assert_eq!(t.with_slash(), "/tags/%E4%B8%AD%20%E7%BA%A7/?q=%E4%B8%AD&a=b");
    }
}
