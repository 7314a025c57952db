//! Links, wikilinks and images.
//!
//! Internal destinations (no URL scheme, not `//host`, not `#anchor`) and
//! `[[wikilinks]]` are asked of the [`LinkResolver`] and recorded as
//! [`OutLink`]s with their file line and column. Same-page fragment links
//! (`[x](#小节)`, `[[#小节]]`) are recorded too, as [`LinkKind::Fragment`],
//! without asking the resolver: they are checked against the page's own
//! anchors (a wikilink's fragment is heading text, so it is slugified). A page or wiki link that does
//! not resolve keeps its href as written and gets `class="broken-link"`; an
//! asset or image that does not resolve is kept as written (the caller decides
//! whether that is an error). Images are written with `loading="lazy"` and
//! `referrerpolicy="no-referrer"`: the exports hotlink remote images.
//! http(s) links and images are recorded as [`ExternalLink`]s, untouched.

use pulldown_cmark::{CowStr, Event, LinkType, Tag, TagEnd};

use super::{Ctx, ExternalLink, LinkKind, LinkResolver, OutLink, Spanned, context, escape_href, escape_html};
use crate::slug::slugify;

pub(super) fn apply<'a>(
    mut events: Vec<Spanned<'a>>,
    resolver: &dyn LinkResolver,
    anchors: &[String],
    ctx: &Ctx<'_>,
) -> (Vec<Spanned<'a>>, Vec<OutLink>, Vec<ExternalLink>) {
    let mut contexts = context::around_links(&events);
    let mut context_of = |range: &std::ops::Range<usize>| contexts.remove(&range.start).unwrap_or_default();
    let mut links = Vec::new();
    let mut external = Vec::new();
    // Links and images are rewritten in place; the events of an image's
    // description become empty text (they are in its alt attribute).
    let mut k = 0;
    while k < events.len() {
        if !matches!(events[k].0, Event::Start(Tag::Link { .. } | Tag::Image { .. })) {
            k += 1;
            continue;
        }
        let (event, range) = std::mem::replace(&mut events[k], (empty(), 0..0));
        let mut next = k + 1;
        let rewritten: Spanned<'a> = 'one: {
            match event {
                Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                    let (line, column) = ctx.lines.locate(range.start);
                    let Some(kind) = link_kind(link_type, &dest_url) else {
                        if is_web(link_type, &dest_url) {
                            let url = dest_url.to_string();
                            external.push(ExternalLink { url, image: false, line, column, alt_empty: false });
                        }
                        let tag = Tag::Link { link_type, dest_url, title, id };
                        break 'one (Event::Start(tag), range);
                    };
                    let wiki = matches!(link_type, LinkType::WikiLink { .. });
                    let link = |resolved: bool, url: Option<String>, context: String| OutLink {
                        dest: dest_url.to_string(),
                        kind,
                        wiki,
                        line,
                        column,
                        resolved,
                        url,
                        context,
                        alt_empty: false,
                    };
                    if kind == LinkKind::Fragment {
                        let fragment = &dest_url[1..];
                        let (url, target) = if wiki {
                            let id = slugify(fragment);
                            (format!("#{id}"), id)
                        } else {
                            (dest_url.to_string(), percent_decode(fragment))
                        };
                        let resolved = anchors.iter().any(|a| *a == target || a == fragment);
                        links.push(link(resolved, Some(url.clone()), context_of(&range)));
                        let tag = Tag::Link { link_type, dest_url: CowStr::from(url), title, id };
                        break 'one (Event::Start(tag), range);
                    }
                    let url = resolver.resolve(&dest_url, wiki).map(|url| with_fragment(url, &dest_url, wiki));
                    let shown = match (&url, kind) {
                        (None, LinkKind::Asset) => Some(dest_url.to_string()),
                        _ => url.clone(),
                    };
                    links.push(link(url.is_some(), shown, context_of(&range)));
                    match (url, kind) {
                        (Some(url), _) => {
                            let tag = Tag::Link { link_type, dest_url: CowStr::from(url), title, id };
                            break 'one (Event::Start(tag), range);
                        }
                        (None, LinkKind::Asset) => {
                            let tag = Tag::Link { link_type, dest_url, title, id };
                            break 'one (Event::Start(tag), range);
                        }
                        (None, _) => {
                            let html = format!(
                                "<a href=\"{}\" class=\"broken-link\"{}>",
                                escape_href(&dest_url),
                                title_attr(&title)
                            );
                            break 'one (Event::InlineHtml(CowStr::from(html)), range);
                        }
                    }
                }
                Event::Start(Tag::Image { link_type, dest_url, title, .. }) => {
                    let (line, column) = ctx.lines.locate(range.start);
                    let (alt, consumed) = alt_text(&events[k + 1..]);
                    for (event, _) in &mut events[k + 1..k + 1 + consumed] {
                        *event = empty();
                    }
                    next = k + 1 + consumed;
                    let alt_empty = alt.trim().is_empty();
                    let mut src = dest_url.to_string();
                    if is_internal(&dest_url) {
                        let url = resolver.resolve(&dest_url, false);
                        links.push(OutLink {
                            dest: dest_url.to_string(),
                            kind: LinkKind::Image,
                            wiki: false,
                            line,
                            column,
                            resolved: url.is_some(),
                            url: Some(url.clone().unwrap_or_else(|| dest_url.to_string())),
                            context: context_of(&range),
                            alt_empty,
                        });
                        if let Some(url) = url {
                            src = url;
                        }
                    } else if is_web(link_type, &dest_url) {
                        external.push(ExternalLink { url: dest_url.to_string(), image: true, line, column, alt_empty });
                    }
                    let html = format!(
                        "<img src=\"{}\" alt=\"{}\"{} loading=\"lazy\" referrerpolicy=\"no-referrer\">",
                        escape_href(&src),
                        escape_html(&alt),
                        title_attr(&title)
                    );
                    break 'one (Event::InlineHtml(CowStr::from(html)), range);
                }
                other => (other, range),
            }
        };
        events[k] = rewritten;
        k = next;
    }
    (events, links, external)
}

fn title_attr(title: &str) -> String {
    if title.is_empty() { String::new() } else { format!(" title=\"{}\"", escape_html(title)) }
}

/// The kind of an internal link; None for external ones and for a bare `#`.
fn link_kind(link_type: LinkType, dest: &str) -> Option<LinkKind> {
    let fragment = dest.len() > 1 && dest.starts_with('#');
    match link_type {
        LinkType::Autolink | LinkType::Email => None,
        _ if fragment => Some(LinkKind::Fragment),
        LinkType::WikiLink { .. } => Some(LinkKind::Wiki),
        _ if !is_internal(dest) => None,
        _ => {
            let path = dest.split(['#', '?']).next().unwrap_or("");
            let is_page = path.len() >= 3
                && path.is_char_boundary(path.len() - 3)
                && path[path.len() - 3..].eq_ignore_ascii_case(".md");
            Some(if is_page { LinkKind::Page } else { LinkKind::Asset })
        }
    }
}

/// Neither empty, nor an in-page anchor, nor with a scheme (`https:`,
/// `mailto:`, `data:`, ...) or a host (`//cdn.example`).
fn is_internal(dest: &str) -> bool {
    !(dest.is_empty() || dest.starts_with('#') || dest.starts_with("//") || has_scheme(dest))
}

/// An http(s) URL, or `//host/...`; not an e-mail autolink.
fn is_web(link_type: LinkType, dest: &str) -> bool {
    let scheme = |s: &str| dest.get(..s.len()).is_some_and(|p| p.eq_ignore_ascii_case(s));
    link_type != LinkType::Email && (scheme("http://") || scheme("https://") || dest.starts_with("//"))
}

fn has_scheme(dest: &str) -> bool {
    let Some((scheme, _)) = dest.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Keeps the fragment of `dest` when the resolver's URL has none. A
/// wikilink's fragment is heading text, so it is slugified like the heading.
fn with_fragment(url: String, dest: &str, wiki: bool) -> String {
    if url.contains('#') {
        return url;
    }
    match dest.split_once('#') {
        Some((_, fragment)) if !fragment.is_empty() => {
            let fragment = if wiki { slugify(fragment) } else { fragment.to_string() };
            format!("{url}#{fragment}")
        }
        _ => url,
    }
}

/// Decodes `%XX` escapes (a fragment copied from a browser's address bar is
/// percent-encoded); anything that is not valid UTF-8 afterwards is kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(byte) if bytes[i] == b'%' => {
                out.push(byte);
                i += 3;
            }
            _ => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// Plain text of an image's description, from the events after its start,
/// and how many events it takes (its end included).
fn alt_text(events: &[Spanned<'_>]) -> (String, usize) {
    let mut alt = String::new();
    let mut depth = 0usize;
    for (k, (event, _)) in events.iter().enumerate() {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(TagEnd::Image) if depth == 0 => return (alt, k + 1),
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Text(t) | Event::Code(t) => alt.push_str(t),
            Event::SoftBreak | Event::HardBreak => alt.push(' '),
            _ => {}
        }
    }
    (alt, events.len())
}

/// What a consumed event becomes: text that writes nothing.
fn empty<'a>() -> Event<'a> {
    Event::Text(CowStr::Borrowed(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_destinations() {
        let kind = |d| link_kind(LinkType::Inline, d);
        assert_eq!(kind("../b.md#x"), Some(LinkKind::Page));
        assert_eq!(kind("/articles/x.MD"), Some(LinkKind::Page));
        assert_eq!(kind("b.md?v=1"), Some(LinkKind::Page));
        assert_eq!(kind("../files/x.pdf"), Some(LinkKind::Asset));
        assert_eq!(kind("https://www.woshipm.com/u/1"), None);
        assert_eq!(kind("mailto:a@b.c"), None);
        assert_eq!(kind("tel:123"), None);
        assert_eq!(kind("data:image/png;base64,AA"), None);
        assert_eq!(kind("//cdn.example/x.md"), None);
        assert_eq!(kind("#小节"), Some(LinkKind::Fragment));
        assert_eq!(kind("#"), None);
        assert_eq!(kind(""), None);
        let wiki = |d| link_kind(LinkType::WikiLink { has_pothole: false }, d);
        assert_eq!(wiki("目标"), Some(LinkKind::Wiki));
        assert_eq!(wiki("#小节"), Some(LinkKind::Fragment));
        assert_eq!(wiki("目标#小节"), Some(LinkKind::Wiki));
        assert_eq!(link_kind(LinkType::Autolink, "#x"), None);
    }

    #[test]
    fn decodes_percent_escapes_and_keeps_bad_ones() {
        assert_eq!(percent_decode("%E5%B0%8F%E8%8A%82"), "小节");
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%FF"), "%FF");
    }

    #[test]
    fn keeps_or_adds_the_fragment() {
        assert_eq!(with_fragment("/a/".into(), "a.md#x", false), "/a/#x");
        assert_eq!(with_fragment("/a/#y".into(), "a.md#x", false), "/a/#y");
        assert_eq!(with_fragment("/a/".into(), "目标#To B 策略", true), "/a/#to-b-策略");
        assert_eq!(with_fragment("/a/".into(), "a.md", false), "/a/");
    }
}
