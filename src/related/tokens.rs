//! The tokens related-article scoring compares: CJK character bigrams and lowercase ASCII words,
//! counted once per document with the title's tokens counted extra.
//!
//! Chinese has no spaces, so a run of Han/kana/hangul characters becomes its overlapping
//! bigrams (`产品经理` → `产品 品经 经理`); a run of one character is kept as a unigram. Latin
//! text is folded from full width, split into ASCII letter/digit runs and lowercased; runs of
//! one character (`a`, `4` in `GPT-4`) say too little and are dropped. Everything else
//! (punctuation, spaces, other scripts) only separates tokens; zero-width characters are
//! invisible and separate nothing.

use crate::hash::FastMap;
#[cfg(doc)]
use crate::text::fold_width;
use crate::text::{fold_width_char, is_cjk, is_zero_width};

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

/// One document's distinct tokens and their counts: the CJK keys in no particular order, the
/// words in ascending order.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Counts {
    /// CJK keys ([`cjk_key`]) with their counts.
    pub cjk: Vec<(u64, u32)>,
    /// Lowercase ASCII words with their counts.
    pub words: Vec<(Box<str>, u32)>,
}

/// Counts the tokens of `text` plus those of `title`, each title token counting `title_boost`
/// times; the CJK keys in ascending order.
#[cfg(test)]
pub(super) fn count(title: &str, text: &str, title_boost: usize) -> Counts {
    let mut counts = Counter::default().count(title, text, title_boost);
    counts.cjk.sort_unstable();
    counts
}

/// Counts tokens, reusing its memory from one document to the next.
#[derive(Default)]
pub(super) struct Counter {
    cjk: KeyCounts,
    /// The current document's distinct words and their counts. Counted as they are read and
    /// sorted once distinct: sorting every occurrence (a few hundred in an article, a score
    /// of distinct ones) cost more than hashing each.
    words: FastMap<Box<str>, u32>,
    /// The word being read.
    word: String,
}

impl Counter {
    /// Counts the tokens of `text` plus those of `title`, each title token counting
    /// `title_boost` times.
    pub(super) fn count(&mut self, title: &str, text: &str, title_boost: usize) -> Counts {
        if title_boost > 0 {
            self.scan(title, u32::try_from(title_boost).unwrap_or(u32::MAX));
        }
        self.scan(text, 1);
        let cjk = self.cjk.drain();
        let mut counted: Vec<(Box<str>, u32)> = self.words.drain().collect();
        counted.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Counts { cjk, words: counted }
    }

    /// Counts every token occurrence of `text` `n` times. The text is read as [`fold_width`]
    /// would fold it, character by character.
    fn scan(&mut self, text: &str, n: u32) {
        // The current CJK run: its first character while it is one character long, then the last.
        let mut run: Option<(char, usize)> = None;
        for c in text.chars() {
            // Han ideographs first: they are most of the text.
            let cjk = ('\u{4E00}'..='\u{9FFF}').contains(&c);
            let c = if cjk { c } else { fold_width_char(c) };
            if !cjk && is_zero_width(c) {
                continue;
            }
            if cjk || (u32::from(c) >= 0x1100 && is_cjk(c)) {
                run = match run {
                    None => {
                        // A CJK run ends a Latin word (inside the run there is none to end).
                        self.end_word(n);
                        Some((c, 1))
                    }
                    Some((prev, len)) => {
                        self.cjk.add(cjk_key(prev, Some(c)), n);
                        Some((c, len + 1))
                    }
                };
                continue;
            }
            if let Some((c, 1)) = run.take() {
                self.cjk.add(cjk_key(c, None), n);
            }
            if c.is_ascii_alphanumeric() {
                self.word.push(c.to_ascii_lowercase());
            } else {
                self.end_word(n);
            }
        }
        if let Some((c, 1)) = run {
            self.cjk.add(cjk_key(c, None), n);
        }
        self.end_word(n);
    }

    /// A Latin run may just have ended: keep it when it is longer than one character.
    ///
    /// Called at every CJK run's start and every character that is not a letter or digit,
    /// where there is mostly no word at all: that test is inlined, and only a real word pays
    /// for the call (as a call every time it was a sixth of the scan's instructions).
    #[inline(always)]
    fn end_word(&mut self, n: u32) {
        if !self.word.is_empty() {
            self.keep_word(n);
        }
    }

    /// [`Counter::end_word`] for a run of at least one character.
    #[inline(never)]
    fn keep_word(&mut self, n: u32) {
        if self.word.len() > 1 {
            match self.words.get_mut(self.word.as_str()) {
                Some(count) => *count = count.saturating_add(n),
                None => {
                    self.words.insert(self.word.as_str().into(), n);
                }
            }
        }
        self.word.clear();
    }
}

/// CJK keys and their counts (or term ids): an open-addressing hash table whose used slots are
/// listed, so emptying it costs what filling it did.
#[derive(Default)]
pub(super) struct KeyCounts {
    /// The keys; [`KeyCounts::EMPTY`] marks a free slot. The length is a power of two. Apart
    /// from the values, so that probing reads 8 bytes a slot instead of 16 (a `(u64, u32)` is
    /// padded); at most half full.
    keys: Vec<u64>,
    /// The value of the key in the same slot.
    values: Vec<u32>,
    used: Vec<u32>,
}

impl KeyCounts {
    /// Never a key: keys stay below 2^42.
    const EMPTY: u64 = u64::MAX;

    /// The smallest table, 32 KB of keys: an article's few hundred distinct tokens fill a
    /// small share of it, so most keys are found at the first probe.
    const MIN_SLOTS: usize = 4096;

    #[inline]
    fn slot_of(&self, key: u64) -> usize {
        let bits = self.keys.len().trailing_zeros();
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
    }

    /// Adds `n` to the count of `key`. Always inlined: called once per CJK character of every
    /// article, and as a call it spent as many instructions saving and restoring registers as
    /// finding the slot.
    #[inline(always)]
    pub(super) fn add(&mut self, key: u64, n: u32) {
        let slot = self.slot(key);
        self.values[slot] = self.values[slot].saturating_add(n);
    }

    /// The value of `key`, if it has one.
    pub(super) fn get(&self, key: u64) -> Option<u32> {
        if self.keys.is_empty() {
            return None;
        }
        let mask = self.keys.len() - 1;
        let mut i = self.slot_of(key);
        loop {
            match self.keys[i] {
                k if k == key => return Some(self.values[i]),
                Self::EMPTY => return None,
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Gives `key` the value `value`.
    pub(super) fn insert(&mut self, key: u64, value: u32) {
        let slot = self.slot(key);
        self.values[slot] = value;
    }

    /// The slot of `key`, made (with value 0) if it has none.
    #[inline(always)]
    fn slot(&mut self, key: u64) -> usize {
        if (self.used.len() + 1) * 2 > self.keys.len() {
            self.grow();
        }
        let mask = self.keys.len() - 1;
        let mut i = self.slot_of(key);
        loop {
            match self.keys[i] {
                k if k == key => return i,
                Self::EMPTY => break,
                _ => i = (i + 1) & mask,
            }
        }
        self.keys[i] = key;
        self.values[i] = 0;
        self.used.push(i as u32);
        i
    }

    #[cold]
    fn grow(&mut self) {
        let entries: Vec<(u64, u32)> =
            self.used.iter().map(|&i| (self.keys[i as usize], self.values[i as usize])).collect();
        let slots = (self.keys.len() * 2).max(Self::MIN_SLOTS);
        self.keys = vec![Self::EMPTY; slots];
        self.values = vec![0; slots];
        self.used.clear();
        for (key, n) in entries {
            self.insert(key, n);
        }
    }

    /// The keys with their counts, in no particular order; the table is left empty.
    fn drain(&mut self) -> Vec<(u64, u32)> {
        let mut entries: Vec<(u64, u32)> = Vec::with_capacity(self.used.len());
        for &i in &self.used {
            entries.push((self.keys[i as usize], self.values[i as usize]));
            self.keys[i as usize] = Self::EMPTY;
        }
        self.used.clear();
        entries
    }
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
