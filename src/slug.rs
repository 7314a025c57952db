//! The one slug rule of the site, used for heading ids, taxonomy terms and
//! paths, so that a link written by hand and a generated URL always agree.
//!
//! Chinese, Japanese and Korean stay readable (`/tags/中级/`), ASCII is
//! lowercased and every kind of punctuation or space becomes a single `-`.

use std::collections::{HashMap, HashSet};

use crate::text::{fold_width, is_cjk, is_combining, is_zero_width};

/// Turns a title, term or file name into a URL- and id-safe slug.
///
/// Full-width ASCII and U+3000 are folded to half-width first; Han, kana and
/// hangul are kept as they are; letters (with their diacritics) and digits are
/// kept lowercased; whitespace, punctuation and symbols (ASCII and CJK alike)
/// become `-`; runs of `-` collapse and leading/trailing `-` are trimmed;
/// zero-width characters are dropped. May return an empty string.
pub fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in fold_width(s).chars() {
        if is_zero_width(c) || is_variation_selector(c) {
            continue;
        }
        if is_combining(c) {
            // A mark stays with the letter it belongs to, and goes with a dash.
            if !out.is_empty() && !out.ends_with('-') {
                out.push(c);
            }
        } else if is_cjk(c) {
            out.push(c);
        } else if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches('-');
    if trimmed.len() == out.len() { out } else { trimmed.to_string() }
}

/// Variation selectors only choose how the character before them is drawn
/// (`⚡️` is U+26A1 U+FE0F): they have no place in a slug.
fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

/// Hands out unique ids within one page: the first `x` is `x`, later ones
/// `x-1`, `x-2`, ...; an empty base becomes `section`.
#[derive(Debug, Default, Clone)]
pub struct Slugger {
    used: HashSet<String>,
    next_suffix: HashMap<String, usize>,
}

impl Slugger {
    pub fn new() -> Self {
        Self::default()
    }

    /// Returns `base` (or `section` when empty), suffixed with `-N` if it was taken.
    pub fn unique(&mut self, base: &str) -> String {
        let base = if base.is_empty() { "section" } else { base };
        if self.used.insert(base.to_string()) {
            return base.to_string();
        }
        let n = self.next_suffix.entry(base.to_string()).or_insert(1);
        loop {
            let candidate = format!("{base}-{n}");
            *n += 1;
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
        }
    }

    /// Marks an id chosen by the writer (`{#custom}`) as taken, so generated
    /// ids avoid it. Returns false when it was already taken.
    pub fn reserve(&mut self, id: &str) -> bool {
        self.used.insert(id.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_from_the_spec() {
        assert_eq!(slugify("A/B测试"), "a-b测试");
        assert_eq!(slugify("AI+时代"), "ai-时代");
        assert_eq!(slugify("职场&规划"), "职场-规划");
        assert_eq!(slugify("To B"), "to-b");
        assert_eq!(slugify("一、外围技能失效，产品经理们步入“尴尬期”"), "一-外围技能失效-产品经理们步入-尴尬期");
    }

    #[test]
    fn ascii_punctuation_all_becomes_dashes() {
        assert_eq!(slugify("What's new? (v2.0) [draft] #1: a, b; c! \"q\""), "what-s-new-v2-0-draft-1-a-b-c-q");
        assert_eq!(slugify("--a--b--"), "a-b");
    }

    #[test]
    fn cjk_punctuation_becomes_dashes() {
        assert_eq!(slugify("《人工智能产品经理》——一本书…"), "人工智能产品经理-一本书");
        assert_eq!(slugify("「卡住了」：为什么？"), "卡住了-为什么");
        assert_eq!(slugify("布莱恩·尼科尔（Brian）"), "布莱恩-尼科尔-brian");
    }

    #[test]
    fn full_width_ascii_is_folded_first() {
        assert_eq!(slugify("ＡＩ产品　Ｂ端"), "ai产品-b端");
        assert_eq!(slugify("３年经验"), "3年经验");
    }

    #[test]
    fn zero_width_dropped_and_diacritics_kept() {
        assert_eq!(slugify("产品\u{200b}经理"), "产品经理");
        assert_eq!(slugify("Café Crème"), "café-crème");
        assert_eq!(slugify("プロダクト・マネージャー"), "プロダクト-マネージャー");
    }

    #[test]
    fn emoji_and_their_selectors_leave_nothing_behind() {
        assert_eq!(slugify("⚡️提升工作效率为什么重要？"), "提升工作效率为什么重要");
        assert_eq!(slugify("💻硬件设备：MacBook"), "硬件设备-macbook");
        assert_eq!(slugify("👨\u{200d}💻 程序员"), "程序员");
        assert_eq!(slugify("\u{301}a"), "a");
    }

    #[test]
    fn may_be_empty() {
        assert_eq!(slugify("？！……"), "");
        assert_eq!(slugify(""), "");
    }

    #[test]
    fn slugger_suffixes_duplicates() {
        let mut s = Slugger::new();
        assert_eq!(s.unique("总结"), "总结");
        assert_eq!(s.unique("总结"), "总结-1");
        assert_eq!(s.unique("总结"), "总结-2");
        assert_eq!(s.unique(""), "section");
        assert_eq!(s.unique(""), "section-1");
    }

    #[test]
    fn slugger_skips_ids_already_taken() {
        let mut s = Slugger::new();
        assert_eq!(s.unique("x-1"), "x-1");
        assert_eq!(s.unique("x"), "x");
        assert_eq!(s.unique("x"), "x-2");
        assert!(s.reserve("custom"));
        assert_eq!(s.unique("custom"), "custom-1");
    }
}
