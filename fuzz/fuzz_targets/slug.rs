//! Fuzzes `slug::slugify`: no panic, idempotent, never `/`, `..`, whitespace or stray dashes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Err(problem) = themata_fuzz::check_slug(text)
    {
        panic!("{problem}");
    }
});
