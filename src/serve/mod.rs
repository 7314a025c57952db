//! `themata serve`: the development server that shows the site while it is being written.
//!
//! The built site lives in memory as a snapshot that the rebuild loop swaps after each change;
//! [`http`] serves the current snapshot over HTTP/1.1 on loopback and pushes live-reload events
//! (reload, new stylesheet, build errors) to open browser tabs.

pub mod http;
