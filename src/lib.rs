//! themata: a static-site generator for a Chinese knowledge base about AI product management.
//!
//! The pipeline, one module per stage (see ARCHITECTURE.md):
//! [`config`] → [`content`] (+ [`gitbook`]) → [`index`] → [`markdown`] → [`site`] (+ [`topics`],
//! [`related`], [`graph`]) → [`render`]
//! → [`feeds`] → [`output`], driven by [`build`]; [`check`] runs the same stages without writing.

mod automaton;
pub mod build;
pub mod check;
pub mod config;
pub mod content;
pub mod corpus;
pub mod diagnostics;
pub mod feeds;
pub mod gitbook;
pub mod graph;
mod hash;
pub mod import;
pub mod index;
pub mod markdown;
pub mod new;
pub mod output;
pub mod progress;
pub mod related;
pub mod render;
pub mod search;
pub mod serve;
pub mod site;
pub mod slug;
pub mod text;
pub mod topics;
