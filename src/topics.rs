//! Topic themes: groupings of material, matched down to the section.
//!
//! A topic theme is a page `content/themes/<slug>.md` whose front matter lists weighted keyword
//! phrases and phrases to `exclude`. Every section of every article (the text under one level-2
//! heading, or the whole article when it has none) is scanned once by a single Aho–Corasick
//! automaton holding every theme's phrases (leftmost-longest, so a longer phrase — an exclusion
//! such as `数字化转型` — wins over a keyword inside it). A section's score for a theme is the
//! summed weight of its matches per 1,000 characters (short sections count as `min_chars` long);
//! it must reach `threshold` with at least `min_distinct` different phrases. An article joins a
//! theme through its best section, or through front matter `themes:`.
//!
//! (In this code "theme" alone never means the visual theme of `themes/<name>/`.)

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use crate::config::TopicsConfig;
use crate::text::escape_html as escape;

/// Characters of text shown around the matches in a snippet.
const SNIPPET_CHARS: usize = 110;

/// What a pattern means to the themes that list it.
#[derive(Debug, Clone, Copy)]
enum Role {
    Keyword(f64),
    Exclude,
}

/// One theme's phrases: keywords with their weights, and phrases that must not count.
pub type ThemeSpec = (Vec<(String, f64)>, Vec<String>);

/// All topic themes' phrases in one automaton.
pub struct Matcher {
    automaton: Option<AhoCorasick>,
    /// Per pattern: which themes list it, and how.
    owners: Vec<Vec<(usize, Role)>>,
    /// Per pattern: must it sit on ASCII word boundaries (it starts or ends with a Latin letter/digit)?
    latin: Vec<(bool, bool)>,
    themes: usize,
}

/// How one section scores for one theme.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionScore {
    pub theme: usize,
    pub score: f64,
    /// Different phrases matched.
    pub distinct: usize,
    /// Byte ranges of the matches in the folded section text.
    pub spans: Vec<(usize, usize)>,
}

impl Matcher {
    /// `themes[i]` = (keywords with weights, exclusions) of theme `i`.
    pub fn new(themes: &[ThemeSpec]) -> Matcher {
        let mut patterns: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<(usize, Role)>> = Vec::new();
        let mut add = |phrase: &str, theme: usize, role: Role| {
            let phrase = fold(phrase.trim()).to_lowercase();
            if phrase.is_empty() {
                return;
            }
            match patterns.iter().position(|p| *p == phrase) {
                Some(i) => owners[i].push((theme, role)),
                None => {
                    patterns.push(phrase);
                    owners.push(vec![(theme, role)]);
                }
            }
        };
        for (theme, (keywords, exclude)) in themes.iter().enumerate() {
            for (phrase, weight) in keywords {
                add(phrase, theme, Role::Keyword(*weight));
            }
            for phrase in exclude {
                add(phrase, theme, Role::Exclude);
            }
        }
        let latin = patterns
            .iter()
            .map(|p| {
                (
                    p.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()),
                    p.chars().last().is_some_and(|c| c.is_ascii_alphanumeric()),
                )
            })
            .collect();
        let automaton = (!patterns.is_empty()).then(|| {
            // A DFA: the phrases are few, and every section of every article passes through it.
            AhoCorasickBuilder::new()
                .kind(Some(AhoCorasickKind::DFA))
                .prefilter(false)
                .match_kind(MatchKind::LeftmostLongest)
                .ascii_case_insensitive(true)
                .build(&patterns)
                .expect("phrases of bounded size build an automaton")
        });
        Matcher { automaton, owners, latin, themes: themes.len() }
    }

    /// Score `text` (already width-folded with [`fold`]) for every theme that matches at all.
    pub fn score(&self, folded: &str, config: &TopicsConfig) -> Vec<SectionScore> {
        let Some(automaton) = &self.automaton else { return Vec::new() };
        let mut weight = vec![0.0f64; self.themes];
        let mut seen: Vec<Vec<usize>> = vec![Vec::new(); self.themes];
        let mut spans: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.themes];
        let bytes = folded.as_bytes();
        for found in automaton.find_iter(folded) {
            let pattern = found.pattern().as_usize();
            let (start_latin, end_latin) = self.latin[pattern];
            let before = found.start().checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(found.end()).copied();
            if (start_latin && before.is_some_and(|b| b.is_ascii_alphanumeric()))
                || (end_latin && after.is_some_and(|b| b.is_ascii_alphanumeric()))
            {
                continue;
            }
            for &(theme, role) in &self.owners[pattern] {
                if let Role::Keyword(w) = role {
                    weight[theme] += w;
                    if !seen[theme].contains(&pattern) {
                        seen[theme].push(pattern);
                    }
                    spans[theme].push((found.start(), found.end()));
                }
            }
        }
        let length = visible_chars(folded).max(config.min_chars).max(1);
        (0..self.themes)
            .filter(|&t| weight[t] > 0.0)
            .map(|t| SectionScore {
                theme: t,
                score: weight[t] * 1000.0 / length as f64,
                distinct: seen[t].len(),
                spans: std::mem::take(&mut spans[t]),
            })
            .collect()
    }
}

/// The form of text the matcher reads: full-width letters and digits folded to ASCII (so
/// `ＴＯ Ｂ` is `TO B`); Chinese punctuation such as `，` stays as written, since snippets show it.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    let mut rest = text;
    // Every character folded is encoded starting with 0xEF (U+FFxx) or 0xE3 (U+3000), bytes
    // that only ever start a character: copy the runs between them as they are.
    while let Some(at) = rest.bytes().position(|b| b == 0xEF || b == 0xE3) {
        folded.push_str(&rest[..at]);
        let c = rest[at..].chars().next().unwrap_or_default();
        folded.push(match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            '\u{3000}' => ' ',
            c => c,
        });
        rest = &rest[at + c.len_utf8()..];
    }
    folded.push_str(rest);
    folded
}

/// The characters of `text` that are not whitespace.
fn visible_chars(text: &str) -> usize {
    let mut spaces = 0;
    for (i, &b) in text.as_bytes().iter().enumerate() {
        match b {
            b'\t'..=b'\r' | b' ' => spaces += 1,
            // The lead bytes of the other whitespace characters (U+0085, U+00A0, U+1680,
            // U+2000–U+205F and U+3000).
            0xC2 | 0xE1 | 0xE2 | 0xE3 => {
                spaces += usize::from(text[i..].chars().next().is_some_and(char::is_whitespace))
            }
            _ => {}
        }
    }
    text.chars().count() - spaces
}

/// Character indices of byte offsets, counted on from the previous offset asked about (or
/// from the start when an offset comes before it).
#[derive(Default)]
struct CharCounter {
    byte: usize,
    chars: usize,
}

impl CharCounter {
    /// How many characters of `text` start before byte `byte`.
    fn index_of(&mut self, text: &str, byte: usize) -> usize {
        let byte = byte.min(text.len());
        if byte < self.byte {
            *self = CharCounter::default();
        }
        self.chars += match text.get(self.byte..byte) {
            Some(between) => between.chars().count(),
            // Not a character boundary: count the bytes that start a character.
            None => text.as_bytes()[self.byte..byte].iter().filter(|&&b| (b as i8) >= -0x40).count(),
        };
        self.byte = byte;
        self.chars
    }
}

/// Does a section score count for membership?
pub fn qualifies(score: &SectionScore, config: &TopicsConfig) -> bool {
    score.score >= config.threshold && score.distinct >= config.min_distinct
}

/// An HTML snippet of `folded` around its densest run of matches, matches in `<mark>`.
pub fn snippet(folded: &str, spans: &[(usize, usize)]) -> String {
    if spans.is_empty() {
        return escape(&crate::text::truncate(folded, SNIPPET_CHARS));
    }
    // The window of SNIPPET_CHARS characters that holds the most matches: start it a little
    // before the match that begins the densest run.
    let mut chars = CharCounter::default();
    let starts: Vec<usize> = spans.iter().map(|&(s, _)| chars.index_of(folded, s)).collect();
    let mut best = (0, 0);
    let mut j = 0;
    for i in 0..starts.len() {
        while j < starts.len() && starts[j] < starts[i] + SNIPPET_CHARS - 10 {
            j += 1;
        }
        if j - i > best.1 {
            best = (i, j - i);
        }
    }
    let first = starts[best.0];
    let from_char = if first < 24 { 0 } else { first - 12 };
    // From the byte where the densest run starts, back to `from_char` and on by SNIPPET_CHARS.
    let first_byte = spans[best.0].0.min(folded.len());
    let from = match first - from_char {
        0 => first_byte,
        back => folded[..first_byte].char_indices().rev().nth(back - 1).map_or(0, |(i, _)| i),
    };
    let to = folded[from..].char_indices().nth(SNIPPET_CHARS).map_or(folded.len(), |(i, _)| from + i);
    let mut html = String::new();
    if from_char > 0 {
        html.push('…');
    }
    let mut cursor = from;
    for &(s, e) in spans {
        if s < cursor || e > to {
            continue;
        }
        html.push_str(&escape(&folded[cursor..s]));
        html.push_str("<mark>");
        html.push_str(&escape(&folded[s..e]));
        html.push_str("</mark>");
        cursor = e;
    }
    html.push_str(&escape(&folded[cursor..to]));
    if to < folded.len() {
        html.push('…');
    }
    crate::text::collapse_whitespace(&html)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> TopicsConfig {
        TopicsConfig { threshold: 1.0, min_distinct: 1, min_chars: 1 }
    }

    fn matcher() -> Matcher {
        Matcher::new(&[
            (vec![("外围技能".into(), 3.0), ("PRD".into(), 1.0), ("转型".into(), 1.0)], vec!["数字化转型".into()]),
            (vec![("B端".into(), 2.0), ("To B".into(), 2.0)], vec![]),
        ])
    }

    #[test]
    fn weights_are_summed_per_thousand_characters() {
        let text = fold("外围技能失效，PRD 也不再稀缺。");
        let scores = matcher().score(&text, &config());
        assert_eq!(scores.len(), 1);
        assert_eq!(scores[0].theme, 0);
        assert_eq!(scores[0].distinct, 2);
        let chars = text.chars().filter(|c| !c.is_whitespace()).count() as f64;
        assert!((scores[0].score - 4000.0 / chars).abs() < 1e-9);
    }

    #[test]
    fn latin_phrases_need_word_boundaries_and_ignore_case() {
        let m = matcher();
        assert!(m.score(&fold("An iPRDx tool"), &config()).is_empty());
        assert_eq!(m.score(&fold("写 prd 的人"), &config())[0].distinct, 1);
        assert_eq!(m.score(&fold("做 ＴＯ Ｂ 产品"), &config())[0].theme, 1, "full-width folds");
        assert!(m.score(&fold("to be or not"), &config()).is_empty());
    }

    #[test]
    fn a_longer_exclusion_hides_the_keyword_inside_it() {
        let m = matcher();
        assert!(m.score(&fold("企业的数字化转型"), &config()).is_empty());
        assert_eq!(m.score(&fold("个人的转型"), &config()).len(), 1);
    }

    #[test]
    fn short_sections_count_as_min_chars_long() {
        let m = matcher();
        let cfg = TopicsConfig { threshold: 1.0, min_distinct: 1, min_chars: 1000 };
        let scores = m.score(&fold("外围技能"), &cfg);
        assert!((scores[0].score - 3.0).abs() < 1e-9);
    }

    #[test]
    fn snippets_mark_matches_and_escape_text() {
        let text = fold("<b>开头</b>然后说到外围技能，还有PRD。");
        let scores = matcher().score(&text, &config());
        let html = snippet(&text, &scores[0].spans);
        assert_eq!(html, "&lt;b&gt;开头&lt;/b&gt;然后说到<mark>外围技能</mark>，还有<mark>PRD</mark>。");
    }

    #[test]
    fn long_snippets_are_cut_around_the_matches() {
        let text = fold(&format!("{}外围技能与PRD{}", "前".repeat(300), "后".repeat(300)));
        let scores = matcher().score(&text, &config());
        let html = snippet(&text, &scores[0].spans);
        assert!(html.starts_with('…') && html.ends_with('…'), "{html}");
        assert!(html.contains("<mark>外围技能</mark>与<mark>PRD</mark>"), "{html}");
        assert!(html.chars().count() < 160, "{html}");
    }
}
