//! SHIM
pub fn fold_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap(),
            c => c,
        })
        .collect()
}
pub fn truncate(text: &str, max: usize) -> String {
    let t: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() <= max { t } else { format!("{}…", t.chars().take(max).collect::<String>()) }
}
pub fn word_count(text: &str) -> usize {
    text.chars().filter(|c| *c > '\u{2E80}').count()
        + text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).count()
}
pub fn reading_time(text: &str) -> u32 {
    (word_count(text) / 400 + 1) as u32
}
