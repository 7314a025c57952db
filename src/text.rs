//! CJK-aware text measures: word counts, reading time, width folding and
//! summary truncation for mixed Chinese/English plain text.
//!
//! Chinese has no spaces between words, so "words" are counted the way
//! Chinese writers count characters: every Han, kana or hangul character
//! counts one, and every run of other letters or digits (an English word, a
//! number such as `2.5`) counts one. Non-breaking spaces separate words like
//! any other space, and zero-width characters (U+200B..U+200D, U+2060,
//! U+FEFF) never belong to a word; `truncate` drops them.

/// Characters per minute for CJK text and words per minute for Latin text,
/// the usual silent-reading speeds used by Chinese and English publishers.
const CJK_PER_MINUTE: usize = 400;
const LATIN_PER_MINUTE: usize = 200;

/// Counts of the two kinds of units in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TextStats {
    /// Han, kana and hangul characters.
    pub cjk_chars: usize,
    /// Runs of other letters and digits.
    pub latin_words: usize,
}

/// True for Han ideographs (with the iteration and zero marks 々 〆 〇),
/// hiragana, katakana (full and half width) and hangul.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3005..=0x3007          // 々 〆 〇
        | 0x3040..=0x309F        // hiragana
        | 0x30A1..=0x30FA        // katakana (not the ゠ and ・ punctuation)
        | 0x30FC..=0x30FF        // prolonged sound mark, iteration marks
        | 0x31F0..=0x31FF        // katakana phonetic extensions
        | 0x3400..=0x4DBF        // Han extension A
        | 0x4E00..=0x9FFF        // Han unified ideographs
        | 0xF900..=0xFAFF        // Han compatibility ideographs
        | 0xFF66..=0xFF9F        // half-width katakana
        | 0x1100..=0x11FF        // hangul jamo
        | 0x3130..=0x318F        // hangul compatibility jamo
        | 0xA960..=0xA97F        // hangul jamo extended A
        | 0xAC00..=0xD7AF        // hangul syllables
        | 0xD7B0..=0xD7FF        // hangul jamo extended B
        | 0x20000..=0x3134F      // Han extensions B..G
    )
}

/// Zero-width characters that carry no text: ZWSP, ZWNJ, ZWJ, word joiner, BOM.
pub fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// Combining marks and variation selectors: they belong to the character before them.
pub(crate) fn is_combining(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF
        | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F | 0x3099..=0x309A | 0xE0100..=0xE01EF)
}

/// A character that is part of a non-CJK word.
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    (c.is_alphanumeric() && !is_cjk(c)) || is_combining(c)
}

/// Counts CJK characters and non-CJK words. An apostrophe between letters
/// (`don't`) and a `.` or `,` between digits (`2.5`, `1,000`) stay inside the word.
pub fn stats(text: &str) -> TextStats {
    let mut out = TextStats::default();
    let mut in_word = false;
    // The character before the current one, for `joins_word`.
    let mut before: Option<char> = None;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let lead = bytes[i];
        // Lead bytes 0xE5..=0xE9 start U+5000..U+9FFF, and 0xE4 followed by 0xB8..=0xBF
        // starts U+4E00..U+4FFF: all Han, the bulk of Chinese text. A run of them is counted
        // in a loop of its own, which keeps nothing but the count and the position; what a
        // run leaves behind (no word open, a Han character before) is set once at its end.
        if is_common_han(bytes, i) {
            let mut run = 0;
            while i < bytes.len() && is_common_han(bytes, i) {
                run += 1;
                i += 3;
            }
            out.cjk_chars += run;
            in_word = false;
            // Any Han character does as `before`: it is no word character and no digit.
            before = Some('\u{5000}');
            continue;
        }
        // ASCII letters and digits: a word, or more of one, counted once per run.
        if lead.is_ascii_alphanumeric() {
            if !in_word {
                out.latin_words += 1;
                in_word = true;
            }
            while i + 1 < bytes.len() && bytes[i + 1].is_ascii_alphanumeric() {
                i += 1;
            }
            before = Some(char::from(bytes[i]));
            i += 1;
            continue;
        }
        // Chinese punctuation in U+3000..U+3004, U+3008..U+3020 (`、。「」《》【】`) and
        // U+FF01..U+FF0F, U+FF1A..U+FF20 (`！（），：；？`): neither a word character nor one
        // that joins a word, so it ends any word, and as `before` it does what a Han
        // character does (`unit` gives these `Other` before any table lookup).
        if is_cjk_punctuation(bytes, i) {
            in_word = false;
            before = Some('\u{5000}');
            i += 3;
            continue;
        }
        let c =
            if lead < 0x80 { char::from(lead) } else { text[i..].chars().next().expect("i is a character boundary") };
        i += c.len_utf8();
        match unit(c) {
            Unit::Cjk => {
                out.cjk_chars += 1;
                in_word = false;
            }
            Unit::Word => {
                if !in_word {
                    out.latin_words += 1;
                    in_word = true;
                }
            }
            Unit::Other => {
                if !(in_word && joins_word(before, c, text[i..].chars().next())) {
                    in_word = false;
                }
            }
        }
        before = Some(c);
    }
    out
}

/// Whether the UTF-8 text `bytes` has a character of U+4E00..U+9FFF at `i`, a character
/// boundary (see [`stats`]).
#[inline(always)]
fn is_common_han(bytes: &[u8], i: usize) -> bool {
    let lead = bytes[i];
    // (A 0xE4 lead byte always has two continuation bytes after it in valid UTF-8.)
    (0xE5..=0xE9).contains(&lead) || (lead == 0xE4 && bytes[i + 1] >= 0xB8)
}

/// Whether the UTF-8 text `bytes` has, at the character boundary `i`, one of the characters
/// U+3000..=U+3004, U+3008..=U+3020, U+FF01..=U+FF0F or U+FF1A..=U+FF20.
#[inline(always)]
fn is_cjk_punctuation(bytes: &[u8], i: usize) -> bool {
    match bytes[i] {
        // U+3000..U+303F is E3 80 80..=E3 80 BF.
        0xE3 => bytes[i + 1] == 0x80 && matches!(bytes[i + 2], 0x80..=0x84 | 0x88..=0xA0),
        // U+FF00..U+FF3F is EF BC 80..=EF BC BF.
        0xEF => bytes[i + 1] == 0xBC && matches!(bytes[i + 2], 0x81..=0x8F | 0x9A..=0xA0),
        _ => false,
    }
}

/// What a character is to [`stats`].
enum Unit {
    Cjk,
    Word,
    Other,
}

/// [`is_cjk`], else [`is_word_char`], with the characters of Chinese prose
/// (ASCII, the common Han block, CJK and general punctuation) decided first
/// without Unicode table lookups.
fn unit(c: char) -> Unit {
    let cp = c as u32;
    if cp < 0x80 {
        return if c.is_ascii_alphanumeric() { Unit::Word } else { Unit::Other };
    }
    // Punctuation and spaces that are neither letters, digits nor combining marks (none of
    // them is CJK): the other characters of Chinese prose, decided before the CJK ranges.
    if matches!(cp, 0x2000..=0x206F | 0x3000..=0x3004 | 0x3008..=0x3020 | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20) {
        return Unit::Other;
    }
    if (0x4E00..=0x9FFF).contains(&cp) || is_cjk(c) {
        return Unit::Cjk;
    }
    if is_word_char(c) { Unit::Word } else { Unit::Other }
}

/// Whether the punctuation `c` between `before` and `after` is inside a word: `don't`, `2.5`,
/// `1,000`.
fn joins_word(before: Option<char>, c: char, after: Option<char>) -> bool {
    let (Some(before), Some(after)) = (before, after) else {
        return false;
    };
    match c {
        '\'' | '\u{2019}' => is_word_char(before) && is_word_char(after),
        '.' | ',' => before.is_ascii_digit() && after.is_ascii_digit(),
        _ => false,
    }
}

/// Each Han/kana/hangul character counts 1; each run of other letters/digits counts 1.
pub fn word_count(text: &str) -> usize {
    stats(text).words()
}

/// Minutes to read: CJK characters at 400 a minute plus words at 200 a minute,
/// rounded up, and at least 1.
pub fn reading_time(text: &str) -> u32 {
    stats(text).reading_time()
}

impl TextStats {
    /// Each Han/kana/hangul character counts 1; each run of other letters/digits counts 1.
    pub fn words(&self) -> usize {
        self.cjk_chars + self.latin_words
    }

    /// Minutes to read (see [`reading_time`]).
    pub fn reading_time(&self) -> u32 {
        // cjk/400 + latin/200 == (cjk + 2*latin)/400, rounded up once.
        let units = self.cjk_chars + self.latin_words * (CJK_PER_MINUTE / LATIN_PER_MINUTE);
        let minutes = units.div_ceil(CJK_PER_MINUTE).max(1);
        u32::try_from(minutes).unwrap_or(u32::MAX)
    }
}

/// Folds full-width ASCII (U+FF01..U+FF5E) and the ideographic space U+3000
/// to their half-width forms; everything else is kept.
pub fn fold_width(s: &str) -> String {
    // Folding never lengthens a character's UTF-8, so the source's length is room enough;
    // collecting would start from a quarter of it and grow (slugs and term keys, 100,000
    // calls at 10,000 articles).
    let mut out = String::with_capacity(s.len());
    out.extend(s.chars().map(fold_width_char));
    out
}

/// One character as [`fold_width`] folds it.
#[inline]
pub fn fold_width_char(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        c => narrow_ascii(c),
    }
}

/// Full-width ASCII (U+FF01..U+FF5E) to half-width; anything else as it is.
#[inline]
pub fn narrow_ascii(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        c => c,
    }
}

/// Collapses every run of whitespace (NBSP and U+3000 included) to one space,
/// drops zero-width characters and trims both ends.
pub fn collapse_whitespace(text: &str) -> String {
    collapse_whitespace_upto(text, usize::MAX)
}

/// The first `limit` characters of [`collapse_whitespace`]'s result, without collapsing the rest.
fn collapse_whitespace_upto(text: &str, limit: usize) -> String {
    let mut out = String::with_capacity(text.len().min(limit.saturating_mul(4)));
    let mut chars = 0;
    let mut pending_space = false;
    // Kept characters are copied a run at a time, not pushed one by one: `text[run..i]` are
    // kept characters not yet copied (a title or summary is mostly one or a few such runs).
    let mut run = 0;
    let mut stop = text.len();
    for (i, c) in text.char_indices() {
        if chars == limit {
            stop = i;
            break;
        }
        let space = c.is_whitespace();
        if space || is_zero_width(c) {
            out.push_str(&text[run..i]);
            run = i + c.len_utf8();
            if space {
                pending_space = !out.is_empty();
            }
            continue;
        }
        if pending_space {
            // (Every character since the last copy was skipped: nothing is left to copy.)
            out.push(' ');
            chars += 1;
            pending_space = false;
            if chars == limit {
                stop = i;
                break;
            }
        }
        chars += 1;
    }
    out.push_str(&text[run..stop]);
    out
}

/// Shortens `text` to at most `max_chars` characters, the "…" included, after
/// collapsing whitespace. The cut never splits a character from its combining
/// marks, and backs up to a space rather than split a short English word.
pub fn truncate(text: &str, max_chars: usize) -> String {
    // One character past the limit tells whether there is more; the rest is never looked at.
    let text = collapse_whitespace_upto(text, max_chars.saturating_add(1));
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= max_chars {
        return text;
    }
    if max_chars == 0 {
        return String::new();
    }
    let mut cut = max_chars - 1;
    // Keep combining marks and joiners with their base character.
    while cut > 0 && (is_combining(chars[cut]) || chars[cut - 1] == '\u{200D}') {
        cut -= 1;
    }
    // Inside an English word: back up to the space before it, if it is close.
    if cut > 0 && is_word_char(chars[cut - 1]) && is_word_char(chars[cut]) {
        let window = cut.saturating_sub(12);
        if let Some(space) = (window..cut).rev().find(|&i| chars[i] == ' ') {
            cut = space;
        }
    }
    let mut out: String = chars[..cut].iter().collect();
    let kept = out.trim_end().len();
    out.truncate(kept);
    out.push('…');
    out
}

/// Escapes text for HTML content and attribute values (`&`, `<`, `>`, `"`, `'`).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    escape_html_runs(text, |piece| {
        out.push_str(piece);
        Ok::<(), std::convert::Infallible>(())
    })
    .unwrap_or_else(|never| match never {});
    out
}

/// [`escape_html`] handed out piece by piece: runs of text that need no escape, and the
/// escapes between them, in order.
pub fn escape_html_runs<E>(text: &str, mut out: impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Every byte to escape is below 0x40, and Chinese text is bytes of 0x80 and above:
        // eight bytes with none below 0x40 (a test of a few instructions on the word; it is
        // exact, the classic "has a byte less than n") are passed over at once.
        if let Some(word) = bytes.get(i..i + 8) {
            const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
            const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
            let x = u64::from_ne_bytes(word.try_into().expect("eight bytes"));
            if x.wrapping_sub(ONES * 0x40) & !x & HIGHS == 0 {
                i += 8;
                continue;
            }
        }
        let end = (i + 8).min(bytes.len());
        while i < end {
            let escape = match bytes[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                b'\'' => "&#39;",
                _ => {
                    i += 1;
                    continue;
                }
            };
            if start < i {
                out(&text[start..i])?;
            }
            out(escape)?;
            i += 1;
            start = i;
        }
    }
    if start < text.len() {
        out(&text[start..])?;
    }
    Ok(())
}

/// JSON with `<`, `>` and `&` written as `\u` escapes (in JSON they only occur inside strings,
/// and a JSON reader gives back the same characters), so that the text can sit inside a
/// `<script>` element, or be served as HTML by mistake, without being markup: the JSON-LD of
/// pages, `graph.json` and the search index all go through it.
pub fn json_without_markup(json: String) -> String {
    if !json.contains(['<', '>', '&']) {
        return json;
    }
    let mut escaped = String::with_capacity(json.len() + 32);
    for c in json.chars() {
        match c {
            '<' => escaped.push_str("\\u003c"),
            '>' => escaped.push_str("\\u003e"),
            '&' => escaped.push_str("\\u0026"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// A deterministic xorshift source for randomized tests: `below(n)` is in `0..n`.
#[cfg(test)]
pub(crate) struct TestRng(pub u64);

#[cfg(test)]
impl TestRng {
    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_html_escapes_every_special_byte_wherever_it_stands() {
        let naive = |text: &str| {
            text.chars().fold(String::new(), |mut out, c| {
                match c {
                    '&' => out.push_str("&amp;"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '"' => out.push_str("&quot;"),
                    '\'' => out.push_str("&#39;"),
                    c => out.push(c),
                }
                out
            })
        };
        let alphabet: Vec<char> = "&<>\"'aZ9 \n?@产品经理，é".chars().collect();
        let mut rng = TestRng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..5000 {
            let len = (rng.0 % 40) as usize;
            let text: String = (0..len).map(|_| alphabet[rng.below(alphabet.len())]).collect();
            assert_eq!(escape_html(&text), naive(&text), "{text:?}");
        }
        assert_eq!(escape_html("产品经理产品经理<b>"), "产品经理产品经理&lt;b&gt;");
    }

    /// [`collapse_whitespace_upto`] one character at a time.
    fn collapse_by_the_rules(text: &str, limit: usize) -> String {
        let mut out = String::new();
        let mut chars = 0;
        let mut pending_space = false;
        for c in text.chars() {
            if chars == limit {
                break;
            }
            if is_zero_width(c) {
                continue;
            }
            if c.is_whitespace() {
                pending_space = !out.is_empty();
                continue;
            }
            if pending_space {
                out.push(' ');
                chars += 1;
                pending_space = false;
                if chars == limit {
                    break;
                }
            }
            out.push(c);
            chars += 1;
        }
        out
    }

    #[test]
    fn collapsing_copies_runs_as_the_rules_say() {
        let alphabet: Vec<char> = "ab 产品\n\t\u{a0}\u{3000}\u{200b}\u{feff}，é".chars().collect();
        let mut rng = TestRng(0x2545_f491_4f6c_dd1d);
        for _ in 0..5000 {
            let len = (rng.0 % 16) as usize;
            let text: String = (0..len).map(|_| alphabet[rng.below(alphabet.len())]).collect();
            let limit = rng.below(20);
            assert_eq!(collapse_whitespace_upto(&text, limit), collapse_by_the_rules(&text, limit), "{text:?} {limit}");
            assert_eq!(collapse_whitespace(&text), collapse_by_the_rules(&text, usize::MAX), "{text:?}");
        }
    }

    #[test]
    fn json_without_markup_escapes_what_could_end_a_script_element() {
        let json = serde_json::to_string("</script> & <!-- 产品").unwrap();
        let safe = json_without_markup(json);
        assert_eq!(safe, r#""\u003c/script\u003e \u0026 \u003c!-- 产品""#);
        assert_eq!(serde_json::from_str::<String>(&safe).unwrap(), "</script> & <!-- 产品");
        assert_eq!(json_without_markup("\"plain\"".into()), "\"plain\"");
    }

    #[test]
    fn counts_each_han_character_and_each_english_word() {
        assert_eq!(word_count("AI时代不需要产品经理？"), 1 + 9);
        assert_eq!(word_count("用ChatGPT和Midjourney生成PRD"), 3 + 4);
        assert_eq!(stats("产品经理 product manager 3年"), TextStats { cjk_chars: 5, latin_words: 3 });
    }

    /// [`stats`] as its rules say it, one character at a time, without fast paths.
    fn stats_by_the_rules(text: &str) -> TextStats {
        let chars: Vec<char> = text.chars().collect();
        let mut out = TextStats::default();
        let mut in_word = false;
        for (k, &c) in chars.iter().enumerate() {
            if is_cjk(c) {
                out.cjk_chars += 1;
                in_word = false;
            } else if is_word_char(c) {
                out.latin_words += usize::from(!in_word);
                in_word = true;
            } else if !(in_word && joins_word(k.checked_sub(1).map(|j| chars[j]), c, chars.get(k + 1).copied())) {
                in_word = false;
            }
        }
        out
    }

    #[test]
    fn fast_paths_count_as_the_rules_say() {
        let alphabet: Vec<char> =
            "aZ09'\u{2019}., -\u{a0}\u{200b}\u{3000}中一丿\u{4dbf}\u{4dc0}\u{4dff}、。々〇，Ｇ１—“”…é\u{301}アｱ한𠀀\
             ！（；〄〈〠〡＠Ａ０９｛\u{ff00}\u{3005}"
                .chars()
                .collect();
        let mut rng = TestRng(0x2545_f491_4f6c_dd1d);
        for _ in 0..5000 {
            let len = (rng.0 % 12) as usize;
            let text: String = (0..len).map(|_| alphabet[rng.below(alphabet.len())]).collect();
            assert_eq!(stats(&text), stats_by_the_rules(&text), "{text:?}");
        }
    }

    #[test]
    fn kana_and_hangul_count_like_han() {
        assert_eq!(word_count("プロダクト"), 5);
        assert_eq!(word_count("제품"), 2);
    }

    #[test]
    fn nbsp_and_zero_width_space_separate_words() {
        assert_eq!(word_count("product\u{a0}manager"), 2);
        assert_eq!(word_count("product\u{200b}manager"), 2);
        assert_eq!(word_count("\u{feff}\u{200b}"), 0);
    }

    #[test]
    fn numbers_and_contractions_are_one_word() {
        assert_eq!(word_count("GPT 3.5 don't 1,000"), 4);
        assert_eq!(word_count("AI-native"), 2);
    }

    #[test]
    fn chinese_punctuation_ends_words_and_full_width_letters_make_them() {
        assert_eq!(stats("AI，RAG。“LLM”——Ｇ１〇"), TextStats { cjk_chars: 1, latin_words: 4 });
        assert_eq!(word_count("2.5、3.5"), 2);
    }

    #[test]
    fn punctuation_counts_nothing() {
        assert_eq!(word_count("，。！？“”……——"), 0);
        assert_eq!(word_count(""), 0);
    }

    #[test]
    fn reading_time_rounds_up_and_is_at_least_one_minute() {
        assert_eq!(reading_time(""), 1);
        assert_eq!(reading_time(&"字".repeat(400)), 1);
        assert_eq!(reading_time(&"字".repeat(401)), 2);
        assert_eq!(reading_time(&"word ".repeat(200)), 1);
        // 400 characters (1 min) + 100 words (0.5 min) = 1.5 -> 2
        let mixed = format!("{}{}", "字".repeat(400), " word".repeat(100));
        assert_eq!(reading_time(&mixed), 2);
    }

    #[test]
    fn fold_width_turns_full_width_ascii_half_width() {
        assert_eq!(fold_width("ＡＩ＋时代　Ｂ端！"), "AI+时代 B端!");
        // U+FF0C is full-width ASCII; the ideographic full stop is not.
        assert_eq!(fold_width("，。"), ",。");
    }

    #[test]
    fn truncate_keeps_short_text_but_collapses_spaces() {
        assert_eq!(truncate("  产品\u{a0}\u{a0}经理\n\n", 10), "产品 经理");
        assert_eq!(truncate("a\u{200b}b", 10), "ab");
    }

    #[test]
    fn truncate_cuts_by_characters_and_adds_ellipsis() {
        let out = truncate("伴随着AI人工智能技术的快速发展", 8);
        assert_eq!(out, "伴随着AI人工…");
        assert_eq!(out.chars().count(), 8);
        assert_eq!(truncate("一二三", 0), "");
        assert_eq!(truncate("一二三", 1), "…");
    }

    #[test]
    fn truncate_does_not_split_a_short_english_word_or_combining_mark() {
        assert_eq!(truncate("产品 manager works", 12), "产品 manager…");
        // "e" + U+0301 is one visible letter: cut before it, never between.
        assert_eq!(truncate("一二e\u{301}三", 4), "一二…");
        assert_eq!(truncate("一二e\u{301}三四", 5), "一二e\u{301}…");
    }
}
