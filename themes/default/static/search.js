/* themata search client (index format v1, see the search spec): no framework, no request
 * outside the site. On every page the `/` key focuses the search box. On /search/ it reads
 * ?q=&tag=&theme=, fetches the manifest once, then only the token shards and doc shards the
 * query needs, ANDs the posting lists, ranks, checks the matches on the stored text and shows
 * the results. Everything shown is built from text nodes: nothing from the index is parsed
 * as HTML. */
(function () {
  "use strict";
  var MAX_PAGES = 20, BATCH = 40, MAX_CHECKED = 400, SECTIONS_PER_PAGE = 2;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  /* ---- `/` focuses the search box (unless typing in a field) ---- */
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var box = document.getElementById("search-q") || document.getElementById("site-search-q");
    if (!box) return;
    e.preventDefault();
    box.focus();
    box.select();
  });

  /* ---- normalisation and tokens: identical to the Rust index writer ---- */
  function isCjk(c) {
    return (c >= 0x3005 && c <= 0x3007) || (c >= 0x3040 && c <= 0x309f) ||
      (c >= 0x30a1 && c <= 0x30fa) || (c >= 0x30fc && c <= 0x30ff) ||
      (c >= 0x31f0 && c <= 0x31ff) || (c >= 0x3400 && c <= 0x4dbf) ||
      (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xff66 && c <= 0xff9f) || (c >= 0x1100 && c <= 0x11ff) ||
      (c >= 0x3130 && c <= 0x318f) || (c >= 0xa960 && c <= 0xa97f) ||
      (c >= 0xac00 && c <= 0xd7ff) || (c >= 0x20000 && c <= 0x3134f);
  }
  function isWord(c) {
    return (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
  }
  function normalise(s) {
    var out = "";
    for (var ch of s) {
      var c = ch.codePointAt(0);
      if (c >= 0xff01 && c <= 0xff5e) c -= 0xfee0;
      else if (c === 0x3000 || c === 0xa0) c = 32;
      else if ((c >= 0x200b && c <= 0x200d) || c === 0x2060 || c === 0xfeff) continue;
      if (c >= 65 && c <= 90) c += 32;
      out += String.fromCodePoint(c);
    }
    return out;
  }
  /* The query's CJK runs and Latin words, and the tokens that must all be present. */
  function parse(q) {
    var runs = [], words = [], cur = [], kind = 0;
    function flush() {
      if (kind === 1) runs.push(cur);
      else if (kind === 2) words.push(cur.join(""));
      cur = [];
      kind = 0;
    }
    for (var ch of normalise(q)) {
      var c = ch.codePointAt(0), k = isCjk(c) ? 1 : isWord(c) ? 2 : 0;
      if (k !== kind) flush();
      if (k) {
        kind = k;
        cur.push(ch);
      }
    }
    flush();
    var tokens = [];
    function add(t) {
      if (tokens.indexOf(t) < 0) tokens.push(t);
    }
    runs.forEach(function (r) {
      if (r.length === 1) add(r[0]);
      for (var i = 0; i + 1 < r.length; i++) add(r[i] + r[i + 1]);
    });
    words.forEach(add);
    return { runs: runs.map(function (r) { return r.join(""); }), words: words, tokens: tokens };
  }
  function fnv(s) {
    var bytes = new TextEncoder().encode(s), h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
    return h;
  }

  /* ---- the search page ---- */
  var root = document.getElementById("search");
  if (!root) return;
  var base = new URL(root.getAttribute("data-index"), location.href);
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var tagSel = document.getElementById("search-tag");
  var themeSel = document.getElementById("search-theme");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var cache = {};
  var manifest = null, seq = 0, timer = 0;

  function fetchJson(rel) {
    var url = new URL(rel, base).href;
    if (!cache[url]) {
      cache[url] = fetch(url).then(function (r) {
        if (!r.ok) throw new Error(url + ": " + r.status);
        return r.json();
      });
      cache[url].catch(function () { delete cache[url]; });
    }
    return cache[url];
  }

  /* A posting list as a Map doc id -> weight; empty when the token is not in the index. */
  function postings(token) {
    var shard = (fnv(token) & (manifest.token_shards - 1)) >>> 0;
    return fetchJson("t/" + shard.toString(16) + ".json").then(function (obj) {
      var entry = Object.prototype.hasOwnProperty.call(obj, token) ? obj[token] : [];
      var map = new Map();
      if (!Array.isArray(entry)) {
        /* A common token: a bitmap of its documents (weight 1) plus its strong postings. */
        var bits = atob(entry.b);
        for (var byte = 0; byte < bits.length; byte++) {
          var v = bits.charCodeAt(byte);
          for (var bit = 0; v && bit < 8; bit++, v >>= 1) if (v & 1) map.set(byte * 8 + bit, 1);
        }
        entry = entry.h;
      }
      for (var i = 0, doc = 0; i + 1 < entry.length; i += 2) {
        doc += entry[i];
        map.set(doc, entry[i + 1]);
      }
      return map;
    });
  }

  function doc(id) {
    var d = manifest.doc_shard_size;
    return fetchJson("d/" + Math.floor(id / d) + ".json").then(function (arr) { return arr[id % d]; });
  }

  /* Every [start, end) where a query run occurs in text, or a query word as a whole word. */
  function matches(text, p) {
    var out = [];
    p.runs.forEach(function (r) {
      for (var i = text.indexOf(r); i >= 0; i = text.indexOf(r, i + 1)) out.push([i, i + r.length]);
    });
    p.words.forEach(function (w) {
      for (var i = text.indexOf(w); i >= 0; i = text.indexOf(w, i + 1)) {
        var e = i + w.length;
        if ((i === 0 || !isWord(text.charCodeAt(i - 1))) && (e >= text.length || !isWord(text.charCodeAt(e)))) {
          out.push([i, e]);
        }
      }
    });
    return out.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
  }
  function haystack(d) {
    var tags = (d.g || []).map(function (g) { return manifest.tags[g] || ""; }).join(" ");
    return normalise([d.t || "", d.h || "", tags].join(" ")) + " " + (d.x || "");
  }
  /* Every CJK run as a substring and every word as a whole word (title, heading, tags or text).
   * Text cut at 2,000 characters cannot disprove a match, so the posting lists decide there. */
  function verified(d, p) {
    var text = haystack(d);
    return (d.x || "").length >= 2000 || p.runs.every(function (r) { return text.indexOf(r) >= 0; }) &&
      p.words.every(function (w) { return matches(text, { runs: [], words: [w] }).length > 0; });
  }

  /* Text with its matches wrapped in <mark>, around the first match of the section text. */
  function snippet(text, p) {
    var all = matches(text, p), start = 0, end;
    if (all.length) start = Math.max(0, all[0][0] - 30);
    end = Math.min(text.length, start + 140);
    var box = el("p", "search-snippet"), at = start;
    if (start > 0) box.appendChild(document.createTextNode("…"));
    all.forEach(function (m) {
      if (m[0] < at || m[1] > end) return;
      box.appendChild(document.createTextNode(text.slice(at, m[0])));
      box.appendChild(el("mark", null, text.slice(m[0], m[1])));
      at = m[1];
    });
    box.appendChild(document.createTextNode(text.slice(at, end) + (end < text.length ? "…" : "")));
    return box;
  }

  function safeUrl(u) {
    try {
      var url = new URL(u, location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function show(pages, p, more) {
    list.textContent = "";
    pages.forEach(function (pg) {
      var first = pg.docs[0], li = el("li", "search-result");
      var h = el("h2", "search-result-title"), a = el("a", null, first.t);
      a.href = safeUrl(first.u) || "#";
      h.appendChild(a);
      li.appendChild(h);
      if (first.d) {
        var time = el("time", "search-result-date", first.d);
        time.setAttribute("datetime", first.d);
        li.appendChild(time);
      }
      pg.docs.forEach(function (d) {
        var sec = el("div", "search-section");
        if (d.h) {
          var sh = el("h3", "search-section-heading"), sa = el("a", null, d.h);
          sa.href = safeUrl(d.u) || "#";
          sh.appendChild(sa);
          sec.appendChild(sh);
        }
        sec.appendChild(snippet(d.x || "", p));
        li.appendChild(sec);
      });
      list.appendChild(li);
    });
    status.textContent = pages.length
      ? "找到 " + pages.length + " 篇文章" + (more ? "（只显示最相关的 " + pages.length + " 篇）" : "")
      : "没有找到结果";
  }

  function run() {
    var mine = ++seq, q = input.value, tag = tagSel.value, theme = themeSel.value;
    var params = new URLSearchParams();
    if (q) params.set("q", q);
    if (tag) params.set("tag", tag);
    if (theme) params.set("theme", theme);
    var qs = params.toString();
    history.replaceState(null, "", location.pathname + (qs ? "?" + qs : ""));
    var p = parse(q);
    if (!p.tokens.length && !tag && !theme) {
      list.textContent = "";
      status.textContent = q ? "请输入中文或英文关键词" : "";
      return;
    }
    var filters = [];
    if (tag) filters.push("#t:" + manifest.tags.indexOf(tag));
    if (theme) filters.push("#m:" + theme);
    status.textContent = "正在搜索…";
    var tokens = p.tokens.concat(filters);
    Promise.all(tokens.map(postings)).then(function (lists) {
      if (mine !== seq) return;
      var n = manifest.docs, scored = [];
      var smallest = lists.reduce(function (a, b) { return b.size < a.size ? b : a; });
      smallest.forEach(function (_, id) {
        var score = 0;
        for (var i = 0; i < lists.length; i++) {
          var w = lists[i].get(id);
          if (w === undefined) return;
          if (i < p.tokens.length) score += w * Math.log(1 + n / lists[i].size);
        }
        scored.push([id, score]);
      });
      scored.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
      var pages = [], byUrl = new Map(), next = 0;
      function step() {
        if (mine !== seq) return;
        if (pages.length >= MAX_PAGES || next >= scored.length || next >= MAX_CHECKED) {
          show(pages, p, next < scored.length);
          return;
        }
        var batch = scored.slice(next, next + BATCH);
        next += batch.length;
        return Promise.all(batch.map(function (s) { return doc(s[0]); })).then(function (docs) {
          docs.forEach(function (d) {
            if (!d || !verified(d, p)) return;
            var key = String(d.u).split("#")[0], pg = byUrl.get(key);
            if (!pg) {
              if (pages.length >= MAX_PAGES) return;
              pg = { docs: [] };
              byUrl.set(key, pg);
              pages.push(pg);
            }
            if (pg.docs.length < SECTIONS_PER_PAGE) pg.docs.push(d);
          });
          return step();
        });
      }
      return step();
    }).catch(function () {
      if (mine === seq) status.textContent = "搜索索引加载失败，请稍后再试";
    });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(run, 200);
  }

  function option(sel, value, text) {
    var o = el("option", null, text);
    o.value = value;
    sel.appendChild(o);
  }

  var params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    clearTimeout(timer);
    if (manifest) run();
  });
  fetchJson("index.json").then(function (m) {
    if (m.version !== 1) throw new Error("index version " + m.version);
    manifest = m;
    (m.tags || []).forEach(function (t) { option(tagSel, t, t); });
    (m.themes || []).forEach(function (t) { option(themeSel, t.slug, t.title); });
    tagSel.value = params.get("tag") || "";
    themeSel.value = params.get("theme") || "";
    if (tagSel.selectedIndex < 0) tagSel.value = "";
    if (themeSel.selectedIndex < 0) themeSel.value = "";
    input.addEventListener("input", later);
    tagSel.addEventListener("change", run);
    themeSel.addEventListener("change", run);
    run();
  }).catch(function () {
    status.textContent = "搜索索引加载失败，请稍后再试";
  });
})();
