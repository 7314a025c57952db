(() => {
  const events = new EventSource("/__themata/events");
  let overlay = null;
  const decode = (p) => { try { return decodeURI(p); } catch { return p; } };
  const clear = () => { if (overlay) { overlay.remove(); overlay = null; } };
  events.addEventListener("reload", (e) => {
    let paths = null;
    try { paths = JSON.parse(e.data); } catch {}
    if (!Array.isArray(paths)) return location.reload();
    let here = decode(location.pathname).replace(/^\/+/, "");
    if (here === "" || here.endsWith("/")) here += "index.html";
    if (paths.some((p) => p === here || p.endsWith(".js"))) location.reload();
  });
  events.addEventListener("css", (e) => {
    const path = "/" + e.data.replace(/^\/+/, "");
    const links = [...document.querySelectorAll('link[rel~="stylesheet" i]')];
    const same = links.filter((l) => decode(new URL(l.href, location.href).pathname).endsWith(path));
    for (const link of same.length ? same : links) {
      const url = new URL(link.href, location.href);
      url.searchParams.set("themata", Date.now());
      link.href = url.href;
    }
  });
  events.addEventListener("error", (e) => {
    if (!(e instanceof MessageEvent)) return; // EventSource's own "connection lost" event
    clear();
    overlay = document.createElement("div");
    overlay.setAttribute("role", "alert");
    overlay.style.cssText = "position:fixed;inset:0 0 auto;z-index:2147483647;max-height:80vh;overflow:auto;" +
      "margin:0;padding:1em 3em 1em 1em;background:#2b0a0a;color:#ffdcdc;font:13px/1.5 monospace;white-space:pre-wrap";
    overlay.textContent = e.data;
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", "Dismiss");
    close.style.cssText = "position:absolute;top:.4em;right:.6em;font:20px monospace;color:inherit;background:none;border:0;cursor:pointer";
    close.onclick = clear;
    overlay.append(close);
    document.body.append(overlay);
  });
  events.addEventListener("ok", clear);
})();
