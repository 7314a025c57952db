//! SHIM (replaced by the markdown branch)
pub fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in crate::text::fold_width(s).chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}
