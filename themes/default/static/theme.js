/* themata default theme: small progressive enhancements, no framework.
 * - dark/light toggle remembered in localStorage (the inline script in <head> applies it
 *   before first paint; this file wires up the button);
 * - the table of contents stays open on wide screens and marks the current heading;
 * - code blocks and tables that scroll sideways become focusable, so keyboards can scroll them. */
(function () {
  "use strict";
  var KEY = "themata-theme";
  var root = document.documentElement;
  var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function onChange(query, fn) {
    if (!query) return;
    if (query.addEventListener) query.addEventListener("change", fn);
    else if (query.addListener) query.addListener(fn);
  }

  function systemTheme() {
    return darkQuery && darkQuery.matches ? "dark" : "light";
  }

  function currentTheme() {
    var t = root.getAttribute("data-theme");
    return t === "dark" || t === "light" ? t : systemTheme();
  }

  function store(value) {
    try {
      if (value) localStorage.setItem(KEY, value);
      else localStorage.removeItem(KEY);
    } catch (e) {
      /* storage may be disabled; the choice then lasts for this page only */
    }
  }

  function setupToggle() {
    var button = document.getElementById("theme-toggle");
    if (!button) return;
    function sync() {
      var dark = currentTheme() === "dark";
      button.setAttribute("aria-pressed", dark ? "true" : "false");
      button.title = dark ? "切换到浅色模式" : "切换到深色模式";
    }
    button.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      if (next === systemTheme()) {
        // Back to the system's choice: follow it again from now on.
        root.removeAttribute("data-theme");
        store(null);
      } else {
        root.setAttribute("data-theme", next);
        store(next);
      }
      sync();
    });
    onChange(darkQuery, sync);
    sync();
    button.hidden = false;
  }

  function setupToc() {
    var toc = document.getElementById("toc");
    if (!toc || !window.matchMedia) return;
    var wide = window.matchMedia("(min-width: 66em)");
    function openIfWide() {
      if (wide.matches) toc.open = true;
    }
    onChange(wide, openIfWide);
    openIfWide();

    var links = toc.querySelectorAll('a[href^="#"]');
    var items = [];
    for (var i = 0; i < links.length; i++) {
      var id = links[i].getAttribute("href").slice(1);
      var heading = document.getElementById(id);
      if (!heading) {
        try {
          heading = document.getElementById(decodeURIComponent(id));
        } catch (e) {
          heading = null;
        }
      }
      if (heading) items.push({ link: links[i], heading: heading });
    }
    if (!items.length) return;
    var current = null;
    var pending = false;
    function mark() {
      pending = false;
      var found = null;
      for (var j = 0; j < items.length; j++) {
        if (items[j].heading.getBoundingClientRect().top < 120) found = items[j];
        else break;
      }
      if (found === current) return;
      if (current) current.link.removeAttribute("aria-current");
      if (found) found.link.setAttribute("aria-current", "location");
      current = found;
    }
    window.addEventListener(
      "scroll",
      function () {
        if (!pending) {
          pending = true;
          window.requestAnimationFrame(mark);
        }
      },
      { passive: true }
    );
    mark();
  }

  function markScrollable() {
    var boxes = document.querySelectorAll(".prose pre, .prose table");
    for (var i = 0; i < boxes.length; i++) {
      var el = boxes[i];
      if (el.scrollWidth > el.clientWidth + 1) {
        if (!el.hasAttribute("tabindex")) {
          el.setAttribute("tabindex", "0");
          el.setAttribute("data-scroll-focus", "");
        }
      } else if (el.hasAttribute("data-scroll-focus")) {
        el.removeAttribute("tabindex");
        el.removeAttribute("data-scroll-focus");
      }
    }
  }

  function start() {
    setupToggle();
    setupToc();
    markScrollable();
    var timer = null;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(markScrollable, 150);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
