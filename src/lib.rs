//! themata: a static-site generator for a Chinese knowledge base.

pub mod markdown;
pub mod slug;
pub mod text;
