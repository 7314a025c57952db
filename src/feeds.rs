//! Machine-readable outputs: `sitemap.xml` (sitemaps.org 0.9), Atom 1.0 feeds (the site's
//! latest pages and one per taxonomy term), and `robots.txt`.
//!
//! Written by hand rather than through templates: their formats are fixed by specs, and every
//! URL in them must be percent-encoded ASCII, which [`crate::index::encode_url`] does.

use crate::hash::FastMap;
use crate::index::encode_url;
use crate::render::{Listed, OutputFile, file_for};
use crate::site::{Page, Site};

/// Escape text for XML element content and attribute values: the HTML escapes, without the
/// characters XML 1.0 forbids (C0 controls other than tab and line ends, U+FFFE, U+FFFF).
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    push_escaped_xml(&mut out, text);
    out
}

/// [`escape_xml`] appended to `out`: a feed's entries carry whole pages, escaped straight
/// into the feed instead of into a string of their own first.
pub fn push_escaped_xml(out: &mut String, text: &str) {
    let push = |piece: &str| {
        out.push_str(piece);
        Ok::<(), std::convert::Infallible>(())
    };
    let result = if has_forbidden(text) {
        let forbidden =
            |c: char| ((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}');
        crate::text::escape_html_runs(&text.replace(forbidden, ""), push)
    } else {
        crate::text::escape_html_runs(text, push)
    };
    result.unwrap_or_else(|never| match never {});
}

/// Whether `text` holds a character XML 1.0 forbids, tested on the bytes (a feed escapes
/// whole pages; decoding every character to test it cost more than the escaping): a control
/// is one byte below 0x20, U+FFFE and U+FFFF are `EF BF BE` and `EF BF BF`.
fn has_forbidden(text: &str) -> bool {
    let bytes = text.as_bytes();
    let control = |b: u8| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r');
    // Every byte of a block tested without a branch, so that the test runs on vectors.
    bytes.chunks(64).any(|block| block.iter().fold(false, |found, &b| found | control(b)))
        || memchr::memmem::find_iter(bytes, b"\xEF\xBF").any(|at| matches!(bytes.get(at + 2), Some(0xBE | 0xBF)))
}

/// `sitemap.xml`: every page, section and taxonomy page, with `lastmod` where a date is known.
pub fn sitemap(site: &Site, html_files: &[Listed]) -> OutputFile {
    let config = &site.config;
    let mut lastmod = std::collections::HashMap::new();
    for page in &site.pages {
        if let Some(date) = page.source.meta.updated.or(page.source.meta.date) {
            lastmod.insert(file_for(&page.path), date.ymd());
        }
    }
    let mut paths: Vec<&str> =
        html_files.iter().filter(|f| f.path.ends_with("index.html") && !f.noindex).map(|f| f.path.as_str()).collect();
    paths.sort_unstable();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for path in paths {
        let site_path = format!("/{}", path.trim_end_matches("index.html"));
        xml.push_str("  <url>\n    <loc>");
        xml.push_str(&escape_xml(&encode_url(&config.url(&site_path))));
        xml.push_str("</loc>\n");
        if let Some(date) = lastmod.get(path) {
            xml.push_str(&format!("    <lastmod>{date}</lastmod>\n"));
        }
        xml.push_str("  </url>\n");
    }
    xml.push_str("</urlset>\n");
    OutputFile { path: "sitemap.xml".to_string(), bytes: xml.into_bytes().into() }
}

/// Whether a page's template marked it `<meta name="robots" content="noindex">` (the search
/// page, for example): such pages stay out of the sitemap.
pub(crate) fn asks_not_to_be_indexed(html: &[u8]) -> bool {
    use memchr::memmem::Finder;
    use std::sync::LazyLock;
    // memmem searches with SIMD: this runs on each of the site's pages (tens of thousands), so
    // the two searchers are built once (`memmem::find` builds one on every call, ~4,400
    // instructions a page for the two).
    static HEAD_END: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"</head>"));
    static MARK: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"<meta name=\"robots\" content=\"noindex"));
    let head_end = HEAD_END.find(html).unwrap_or(html.len());
    MARK.find(&html[..head_end]).is_some()
}

/// Each page's `<entry>` element, made the first time a feed asks for it: a page is in the
/// site's feed and in the feed of each of its terms (at 1,000 articles the 51 feeds hold 985
/// entries of 370 pages), and escaping a whole page is most of an entry's cost.
#[derive(Default)]
struct Entries(FastMap<usize, String>);

impl Entries {
    fn of(&mut self, site: &Site, number: usize) -> &str {
        self.0.entry(number).or_insert_with(|| entry(site, &site.pages[number]))
    }
}

/// One page's `<entry>` element, indented for the feed, ending with a line break.
fn entry(site: &Site, page: &Page) -> String {
    let config = &site.config;
    let meta = &page.source.meta;
    let mut xml = String::with_capacity((page.rendered.html.len() + page.summary.len()) * 9 / 8 + 1024);
    let url = escape_xml(&encode_url(&config.url(&page.path)));
    let published = meta.date.map(|d| d.rfc3339()).unwrap_or_default();
    let entry_updated = meta.updated.map(|d| d.rfc3339()).unwrap_or_else(|| published.clone());
    xml.push_str("  <entry>\n");
    xml.push_str(&format!("    <title>{}</title>\n", escape_xml(&meta.title)));
    xml.push_str(&format!("    <link rel=\"alternate\" type=\"text/html\" href=\"{url}\"/>\n"));
    xml.push_str(&format!("    <id>{url}</id>\n"));
    xml.push_str(&format!("    <published>{published}</published>\n    <updated>{entry_updated}</updated>\n"));
    let authors = meta.taxonomies.get("authors").filter(|a| !a.is_empty());
    let names: Vec<&str> = match authors {
        Some(list) => list.iter().map(String::as_str).collect(),
        None => config.author.as_deref().into_iter().collect(),
    };
    for name in names {
        xml.push_str(&format!("    <author><name>{}</name></author>\n", escape_xml(name)));
    }
    if let Some(tags) = meta.taxonomies.get("tags") {
        for tag in tags {
            xml.push_str(&format!("    <category term=\"{}\"/>\n", escape_xml(tag)));
        }
    }
    xml.push_str("    <summary>");
    push_escaped_xml(&mut xml, &page.summary);
    xml.push_str("</summary>\n    <content type=\"html\">");
    push_escaped_xml(&mut xml, &page.rendered.html);
    xml.push_str("</content>\n  </entry>\n");
    xml
}

/// An Atom feed of `page_numbers` (already newest first), written at `feed_path` (a site path).
fn atom(site: &Site, entries: &mut Entries, feed_path: &str, title: &str, page_numbers: &[usize]) -> OutputFile {
    let config = &site.config;
    let numbers: Vec<usize> = page_numbers
        .iter()
        .copied()
        .filter(|&n| site.pages[n].source.meta.date.is_some())
        .take(config.feed_limit)
        .collect();
    let updated = numbers
        .iter()
        .filter_map(|&n| site.pages[n].source.meta.updated.or(site.pages[n].source.meta.date))
        .max()
        .map(|d| d.rfc3339())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string());
    let feed_url = escape_xml(&encode_url(&config.url(feed_path)));
    let home = escape_xml(&encode_url(&config.url("/")));
    // Room for every entry, so that a feed of a megabyte or more is not copied as it grows.
    let room: usize = numbers.iter().map(|&n| entries.of(site, n).len()).sum();
    let mut xml = String::with_capacity(room + 1024);
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n",
        escape_xml(&config.language)
    ));
    xml.push_str(&format!("  <title>{}</title>\n", escape_xml(title)));
    if !config.description.is_empty() {
        xml.push_str(&format!("  <subtitle>{}</subtitle>\n", escape_xml(&config.description)));
    }
    xml.push_str(&format!("  <link rel=\"self\" type=\"application/atom+xml\" href=\"{feed_url}\"/>\n"));
    xml.push_str(&format!("  <link rel=\"alternate\" type=\"text/html\" href=\"{home}\"/>\n"));
    xml.push_str("  <generator>themata</generator>\n");
    xml.push_str(&format!("  <updated>{updated}</updated>\n  <id>{feed_url}</id>\n"));
    if let Some(author) = &config.author {
        xml.push_str(&format!("  <author><name>{}</name></author>\n", escape_xml(author)));
    }
    for &n in &numbers {
        xml.push_str(entries.of(site, n));
    }
    xml.push_str("</feed>\n");
    OutputFile { path: feed_path.trim_start_matches('/').to_string(), bytes: xml.into_bytes().into() }
}

/// Every feed of the site: `/atom.xml` and, where the taxonomy asks, `/<taxonomy>/<term>/atom.xml`.
pub fn all_feeds(site: &Site) -> Vec<OutputFile> {
    let mut entries = Entries::default();
    let mut files = Vec::new();
    let latest = site.latest(site.config.feed_limit);
    files.push(atom(site, &mut entries, "/atom.xml", &site.config.title, &latest));
    for taxonomy in &site.taxonomies {
        if !taxonomy.config.feed {
            continue;
        }
        for term in &taxonomy.terms {
            let title = format!("{} · {}: {}", site.config.title, taxonomy.title(), term.name);
            let path = format!("/{}/{}/atom.xml", taxonomy.name(), term.slug);
            files.push(atom(site, &mut entries, &path, &title, &term.pages));
        }
    }
    files
}

/// `robots.txt` that allows everything and names the sitemap.
pub fn robots(site: &Site) -> OutputFile {
    let sitemap = encode_url(&site.config.url("/sitemap.xml"));
    OutputFile {
        path: "robots.txt".to_string(),
        bytes: format!("User-agent: *\nAllow: /\n\nSitemap: {sitemap}\n").into_bytes().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_drops_forbidden_characters() {
        assert_eq!(
            escape_xml("<script>\"a\" & 'b'\u{1}</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
        assert_eq!(escape_xml("甲\u{FFFE}乙\u{FFFF}，丙\u{FFFD}\t"), "甲乙，丙\u{FFFD}\t");
        assert_eq!(escape_xml("全角：，。\u{EFFF}"), "全角：，。\u{EFFF}");
        let mut out = String::from("<content>");
        push_escaped_xml(&mut out, "a<b\u{7}");
        assert_eq!(out, "<content>a&lt;b");
    }

    #[test]
    fn noindex_is_read_from_the_head_only() {
        let page = |head: &str, body: &str| format!("<html><head>{head}</head><body>{body}</body></html>");
        let mark = "<meta name=\"robots\" content=\"noindex, follow\">";
        assert!(asks_not_to_be_indexed(page(&format!("<title>t</title>{mark}"), "").as_bytes()));
        assert!(!asks_not_to_be_indexed(page("<title>t</title>", mark).as_bytes()), "a mark in the body is text");
        assert!(!asks_not_to_be_indexed(page("<meta name=\"robots\" content=\"index\">", "").as_bytes()));
        assert!(!asks_not_to_be_indexed(b""));
    }
}
