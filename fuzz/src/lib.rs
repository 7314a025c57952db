//! Invariants the fuzz targets check on top of "no panic, no hang": what a reader of the built
//! site would notice if they broke (an unclosed `<mark>` swallowing the rest of a page, a body
//! whose line numbers no longer match its file, a slug that escapes its folder).

/// The tags the Markdown stage writes itself that must come in open/close pairs, properly nested.
const PAIRED: [&str; 3] = ["a", "mark", "div"];

/// Checks that every `<a `, `<mark>` and `<div ...>` in `html` is closed, in nesting order.
/// Only meaningful for HTML rendered from a body with no raw HTML in it: raw HTML passes through
/// as written, unbalanced or not.
pub fn check_balanced(html: &str) -> Result<(), String> {
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = html;
    let mut at = 0;
    while let Some(i) = rest.find('<') {
        let tag = &rest[i + 1..];
        at += i + 1;
        let (closing, tag) = match tag.strip_prefix('/') {
            Some(t) => (true, t),
            None => (false, tag),
        };
        let name_len = tag.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(tag.len());
        let name = &tag[..name_len];
        if let Some(&paired) = PAIRED.iter().find(|p| **p == name) {
            if closing {
                match stack.pop() {
                    Some(open) if open == paired => {}
                    Some(open) => return Err(format!("</{paired}> at byte {at} closes <{open}>")),
                    None => return Err(format!("</{paired}> at byte {at} closes nothing")),
                }
            } else {
                stack.push(paired);
            }
        }
        rest = &rest[i + 1..];
    }
    match stack.last() {
        Some(open) => Err(format!("<{open}> is never closed")),
        None => Ok(()),
    }
}

/// The invariants of `themata::slug::slugify`, checked on one input.
pub fn check_slug(input: &str) -> Result<(), String> {
    let slug = themata::slug::slugify(input);
    if slug.contains('/') || slug.contains("..") || slug.contains('\\') {
        return Err(format!("slug {slug:?} of {input:?} could leave its folder"));
    }
    if slug.chars().any(char::is_whitespace) {
        return Err(format!("slug {slug:?} of {input:?} has whitespace"));
    }
    if slug.starts_with('-') || slug.ends_with('-') || slug.contains("--") {
        return Err(format!("slug {slug:?} of {input:?} has a leading, trailing or doubled dash"));
    }
    let again = themata::slug::slugify(&slug);
    if again != slug {
        return Err(format!("slugify is not idempotent on {input:?}: {slug:?} then {again:?}"));
    }
    Ok(())
}

/// The invariants of the search tokeniser, checked on one input.
pub fn check_search(input: &str) -> Result<(), String> {
    use themata::search::{normalize, query_tokens, tokens};
    let norm = normalize(input);
    if normalize(&norm) != norm {
        return Err(format!("normalize is not idempotent on {input:?}"));
    }
    let index = tokens(input);
    if let Some(t) = index.iter().find(|t| t.is_empty()) {
        return Err(format!("empty index token {t:?} from {input:?}"));
    }
    let query = query_tokens(input);
    for (i, t) in query.iter().enumerate() {
        if t.is_empty() {
            return Err(format!("empty query token from {input:?}"));
        }
        if query[..i].contains(t) {
            return Err(format!("query token {t:?} repeated for {input:?}"));
        }
        // A page whose text is exactly the query must be found by it.
        if !index.contains(t) {
            return Err(format!("query token {t:?} of {input:?} is not among its index tokens"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_accepts_nesting_and_rejects_unclosed() {
        assert!(check_balanced(r#"<div class="callout"><p><a href="x"><mark>a</mark></a></p></div>"#).is_ok());
        assert!(check_balanced("<mark>a").is_err());
        assert!(check_balanced("<a href=x><mark></a></mark>").is_err());
        assert!(check_balanced("</div>").is_err());
        assert!(check_balanced("<abbr>x</abbr><p>y</p>").is_ok());
    }
}
