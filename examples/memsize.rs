fn main() {
    let root = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    let config = themata::config::Config::load(&root, &Default::default()).unwrap();
    let mut problems = Vec::new();
    let site = themata::site::Site::load(config, &mut problems);
    let (mut html, mut plain, mut sect, mut links, mut ext, mut anchors, mut toc, mut summary, mut backl, mut topics) =
        (0usize, 0usize, 0usize, 0usize, 0usize, 0usize, 0usize, 0usize, 0usize, 0usize);
    let mut nlinks = 0;
    let mut nsect = 0;
    for p in &site.pages {
        let r = &p.rendered;
        html += r.html.capacity();
        plain += r.plain_text.capacity();
        for s in &r.sections {
            sect += s.text.capacity() + s.heading.as_ref().map_or(0, |h| h.capacity()) + 80;
            nsect += 1;
        }
        for l in &r.links {
            links += l.dest.capacity() + l.url.as_ref().map_or(0, |u| u.capacity()) + l.context.capacity() + 100;
            nlinks += 1;
        }
        for e in &r.external {
            ext += e.url.capacity() + 56;
        }
        for a in &r.anchors {
            anchors += a.capacity() + 24;
        }
        toc += r.toc.len() * 100;
        summary += p.summary.capacity();
        for b in &p.backlinks {
            backl += b.context.capacity() + 40;
        }
        for t in &p.topics {
            topics += t.snippet.capacity() + 64;
        }
    }
    let mb = |x: usize| x as f64 / 1048576.0;
    println!(
        "pages {} html {:.1} plain {:.1} sections {:.1} ({nsect}) links {:.1} ({nlinks}) external {:.1} anchors {:.1} toc {:.1} summary {:.1} backlinks {:.1} topics {:.1}",
        site.pages.len(),
        mb(html),
        mb(plain),
        mb(sect),
        mb(links),
        mb(ext),
        mb(anchors),
        mb(toc),
        mb(summary),
        mb(backl),
        mb(topics)
    );
}
