//! Fuzzes the search tokeniser (`search::tokens`, `search::query_tokens`, `search::normalize`):
//! no panic, tokens non-empty, and every query token of a text is among that text's index
//! tokens (a page is found by a query equal to its own text).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Err(problem) = themata_fuzz::check_search(text)
    {
        panic!("{problem}");
    }
});
