//! The tokens related-article scoring compares: CJK character bigrams and lowercase ASCII words,
//! counted once per document with the title's tokens counted extra.
//!
//! Chinese has no spaces, so a run of Han/kana/hangul characters becomes its overlapping
//! bigrams (`产品经理` → `产品 品经 经理`); a run of one character is kept as a unigram. Latin
//! text is folded from full width, split into ASCII letter/digit runs and lowercased; runs of
//! one character (`a`, `4` in `GPT-4`) say too little and are dropped. Everything else
//! (punctuation, spaces, other scripts) only separates tokens; zero-width characters are
//! invisible and separate nothing.

use crate::text::{fold_width, is_cjk, is_zero_width};

/// A CJK token as one integer: a unigram is its code point, a bigram `(a << 21) | b`. Code
/// points stay below 2^21 and a bigram's first character is never NUL, so the two kinds never
/// collide and every key stays below 2^42.
pub(super) fn cjk_key(first: char, second: Option<char>) -> u64 {
    match second {
        None => u64::from(first),
        Some(second) => (u64::from(first) << 21) | u64::from(second),
    }
}

/// The characters of a key made by [`cjk_key`].
#[cfg(test)]
pub(super) fn cjk_text(key: u64) -> String {
    let char_of = |bits: u64| char::from_u32(u32::try_from(bits).unwrap_or(0)).unwrap_or('\u{FFFD}');
    let first = key >> 21;
    if first == 0 { char_of(key).to_string() } else { [char_of(first), char_of(key & 0x1F_FFFF)].iter().collect() }
}

/// One document's distinct tokens and their counts, each list in ascending token order.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Counts {
    /// CJK keys ([`cjk_key`]) with their counts.
    pub cjk: Vec<(u64, u32)>,
    /// Lowercase ASCII words with their counts.
    pub words: Vec<(Box<str>, u32)>,
}

/// Counts the tokens of `text` plus those of `title`, each title token counting `title_boost`
/// times.
pub(super) fn count(title: &str, text: &str, title_boost: usize) -> Counts {
    let mut cjk = Vec::new();
    let mut words = Vec::new();
    scan(title, &mut cjk, &mut words);
    let (title_cjk, title_words) = (cjk.len(), words.len());
    for _ in 1..title_boost {
        cjk.extend_from_within(..title_cjk);
        words.extend_from_within(..title_words);
    }
    if title_boost == 0 {
        cjk.clear();
        words.clear();
    }
    scan(text, &mut cjk, &mut words);
    Counts { cjk: run_lengths(cjk), words: run_lengths(words) }
}

/// Sorts `items` and turns runs of equal items into (item, how many).
fn run_lengths<T: Ord>(mut items: Vec<T>) -> Vec<(T, u32)> {
    items.sort_unstable();
    let mut out: Vec<(T, u32)> = Vec::new();
    for item in items {
        match out.last_mut() {
            Some((last, n)) if *last == item => *n = n.saturating_add(1),
            _ => out.push((item, 1)),
        }
    }
    out
}

/// Appends every token occurrence of `text` to `cjk` and `words`.
fn scan(text: &str, cjk: &mut Vec<u64>, words: &mut Vec<Box<str>>) {
    let folded = fold_width(text);
    // The current CJK run: its first character while it is one character long, then the last.
    let mut run: Option<(char, usize)> = None;
    let mut word = String::new();
    for c in folded.chars().filter(|&c| !is_zero_width(c)) {
        if is_cjk(c) {
            end_word(&mut word, words);
            run = match run {
                None => Some((c, 1)),
                Some((prev, len)) => {
                    cjk.push(cjk_key(prev, Some(c)));
                    Some((c, len + 1))
                }
            };
            continue;
        }
        end_run(run.take(), cjk);
        if c.is_ascii_alphanumeric() {
            word.push(c.to_ascii_lowercase());
        } else {
            end_word(&mut word, words);
        }
    }
    end_run(run, cjk);
    end_word(&mut word, words);
}

/// A CJK run just ended: a one-character run is its own token.
fn end_run(run: Option<(char, usize)>, cjk: &mut Vec<u64>) {
    if let Some((c, 1)) = run {
        cjk.push(cjk_key(c, None));
    }
}

/// A Latin run just ended: keep it when it is longer than one character.
fn end_word(word: &mut String, words: &mut Vec<Box<str>>) {
    if word.len() > 1 {
        words.push(word.as_str().into());
    }
    word.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens of `text` (no title) as `token×count`, CJK first, in ascending order.
    fn tokens(text: &str) -> Vec<String> {
        let counts = count("", text, 3);
        let cjk = counts.cjk.iter().map(|&(key, n)| (cjk_text(key), n));
        let words = counts.words.iter().map(|(word, n)| (word.to_string(), *n));
        cjk.chain(words).map(|(token, n)| if n == 1 { token } else { format!("{token}×{n}") }).collect()
    }

    #[test]
    fn cjk_runs_become_overlapping_bigrams() {
        assert_eq!(tokens("产品经理"), ["产品", "品经", "经理"]);
    }

    #[test]
    fn a_one_character_run_is_a_unigram() {
        // Unigrams sort before bigrams (their keys are smaller), then by code point.
        assert_eq!(tokens("用 AI，做B端"), ["做", "用", "端", "ai"]);
    }

    #[test]
    fn punctuation_and_latin_split_cjk_runs() {
        assert_eq!(tokens("模型。模型"), ["模型×2"]);
        assert_eq!(tokens("大模型GPT时代"), ["大模", "时代", "模型", "gpt"]);
    }

    #[test]
    fn latin_words_are_lowercased_folded_and_single_letters_dropped() {
        assert_eq!(tokens("ChatGPT chatgpt ＣＨＡＴＧＰＴ"), ["chatgpt×3"]);
        assert_eq!(tokens("GPT-4 a B2B 3.5"), ["b2b", "gpt"]);
        assert_eq!(tokens("café"), ["caf"]);
    }

    #[test]
    fn kana_and_hangul_are_cjk() {
        assert_eq!(tokens("プロ 제품"), ["プロ", "제품"]);
    }

    #[test]
    fn zero_width_characters_do_not_split_words() {
        assert_eq!(tokens("产\u{200b}品 pro\u{feff}duct"), ["产品", "product"]);
    }

    #[test]
    fn empty_and_punctuation_only_text_has_no_tokens() {
        assert!(tokens("").is_empty());
        assert!(tokens("，。！？—— ... !!").is_empty());
    }

    #[test]
    fn title_tokens_count_extra() {
        let counts = count("产品经理 PM", "产品", 3);
        let cjk: Vec<(String, u32)> = counts.cjk.iter().map(|&(k, n)| (cjk_text(k), n)).collect();
        assert_eq!(cjk, [("产品".to_string(), 4), ("品经".to_string(), 3), ("经理".to_string(), 3)]);
        assert_eq!(counts.words, [("pm".into(), 3)]);
        assert_eq!(count("标题", "", 0), Counts::default());
    }
}
