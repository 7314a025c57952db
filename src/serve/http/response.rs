//! Building responses: status lines and headers, content types by file name, and the
//! live-reload client that every HTML page gets before its `</body>`.
//!
//! Every response carries `Cache-Control: no-store` (a development server must never let a
//! browser keep an old page), `X-Content-Type-Options: nosniff` and `Connection: close`.

use std::sync::Arc;

use time::OffsetDateTime;
use time::macros::format_description;

/// Where browsers subscribe to live-reload events.
pub(super) const EVENTS_PATH: &str = "/__themata/events";

/// The live-reload client, injected inline into HTML pages. A "reload" event carries the output
/// paths a rebuild changed; a tab reloads only when its own page (or a script) is among them.
pub(super) const LIVE_RELOAD_JS: &str = include_str!("livereload.js");

/// The media type of an output file, from its name. Text types say `charset=utf-8`, since every
/// text file themata writes is UTF-8.
pub(super) fn content_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name.eq_ignore_ascii_case("atom.xml") {
        return "application/atom+xml; charset=utf-8";
    }
    if name.eq_ignore_ascii_case("rss.xml") {
        return "application/rss+xml; charset=utf-8";
    }
    let extension = match name.rsplit_once('.') {
        Some((_, extension)) => extension.to_ascii_lowercase(),
        None => return "application/octet-stream",
    };
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json; charset=utf-8",
        "webmanifest" => "application/manifest+json; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "svg" => "image/svg+xml; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "bmp" => "image/bmp",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// `body` with the live-reload client inserted before the last `</body>` (any case), or appended
/// when the page has none.
pub(super) fn inject_live_reload(body: &[u8]) -> Vec<u8> {
    let script = format!("<script>{LIVE_RELOAD_JS}</script>");
    let at = body.windows(7).rposition(|w| w.eq_ignore_ascii_case(b"</body>")).unwrap_or(body.len());
    let mut out = Vec::with_capacity(body.len() + script.len());
    out.extend_from_slice(&body[..at]);
    out.extend_from_slice(script.as_bytes());
    out.extend_from_slice(&body[at..]);
    out
}

/// A complete response, written in one go.
pub(super) struct Response {
    pub(super) status: u16,
    pub(super) headers: Vec<(&'static str, String)>,
    pub(super) body: Arc<[u8]>,
}

impl Response {
    /// A file from the site; HTML gets the live-reload client.
    pub(super) fn file(status: u16, path: &str, bytes: Arc<[u8]>) -> Response {
        let content_type = content_type(path);
        let body = if content_type.starts_with("text/html") { inject_live_reload(&bytes).into() } else { bytes };
        Response { status, headers: vec![("Content-Type", content_type.to_string())], body }
    }

    /// A short plain-text answer (errors, redirects).
    pub(super) fn text(status: u16, text: &str) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", "text/plain; charset=utf-8".to_string())],
            body: Arc::from(format!("{text}\n").into_bytes()),
        }
    }

    pub(super) fn with_header(mut self, name: &'static str, value: String) -> Response {
        self.headers.push((name, value));
        self
    }

    /// Status line and headers, ending with the empty line.
    pub(super) fn head(&self) -> Vec<u8> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        head.push_str(&common_headers());
        head.push_str("Connection: close\r\n\r\n");
        head.into_bytes()
    }

    /// The bytes to send: the head, and the body unless the request was `HEAD`.
    pub(super) fn to_bytes(&self, with_body: bool) -> Vec<u8> {
        let mut bytes = self.head();
        if with_body {
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }
}

/// Headers every response carries, event streams included.
pub(super) fn common_headers() -> String {
    let format =
        format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
    let date = OffsetDateTime::now_utc().format(&format).unwrap_or_default();
    format!("Date: {date}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n")
}

pub(super) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_goes_before_the_last_closing_body_tag() {
        let page = b"<html><body><p>x</p><!-- </body> --></BODY></html>";
        let out = String::from_utf8(inject_live_reload(page)).unwrap();
        let script = out.find("<script>").unwrap();
        assert_eq!(&out[..script], "<html><body><p>x</p><!-- </body> -->");
        assert!(out.ends_with("</script></BODY></html>"), "{out}");
        let bare = String::from_utf8(inject_live_reload(b"<p>no body tag")).unwrap();
        assert!(bare.starts_with("<p>no body tag<script>") && bare.ends_with("</script>"));
    }

    #[test]
    fn the_client_is_small_and_cannot_end_its_script_early() {
        assert!(LIVE_RELOAD_JS.len() < 2048, "{} bytes", LIVE_RELOAD_JS.len());
        assert!(!LIVE_RELOAD_JS.to_ascii_lowercase().contains("</script"));
        assert!(LIVE_RELOAD_JS.contains(&format!("new EventSource(\"{EVENTS_PATH}\")")));
    }
}
