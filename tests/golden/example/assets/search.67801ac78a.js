/* The search page's script (docs/search.md): Pagefind's pagefind.js, which the build put in
   the site's pagefind/ folder, searches the index; the results are drawn here, in the words
   of the page's catalogue. Loaded by the search page alone. Without it, the page links to
   every topic and actor. */
(function () {
  "use strict";
  var doc = document;
  var form = doc.querySelector(".search-form");
  var out = doc.querySelector(".search-results");
  if (!form || !out || !window.URL || !window.Promise) return;
  var box = doc.getElementById("search-query");
  var lang = doc.documentElement.lang || "en";
  var strings = {};
  try { strings = JSON.parse(doc.getElementById("search-strings").textContent); } catch (e) { strings = {}; }
  var plurals = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;
  var numbers = window.Intl ? new Intl.NumberFormat(lang) : null;

  function say(key, params) {
    var text = strings[key];
    if (text == null) return "";
    params = params || {};
    if (typeof text === "object") {
      var n = params.count;
      text = text[plurals ? plurals.select(n) : n === 1 ? "one" : "other"] || text.other;
    }
    // "{{" and "}}" are literal braces, as the catalogues and Python's format() read them.
    return text.replace(/\{\{|\}\}|\{(\w+)\}/g, function (all, name) {
      if (!name) return all.charAt(0);
      var value = params[name];
      return typeof value === "number" && numbers ? numbers.format(value) : String(value);
    });
  }

  var bundle = new URL(form.getAttribute("data-bundle"), location.href).href;
  var root = new URL(form.getAttribute("data-root"), location.href).href;
  var others = (form.getAttribute("data-languages") || "").split(" ").filter(Boolean);
  var loading = null;

  function pagefind() {
    if (!loading) {
      loading = import(bundle + "pagefind.js").then(function (pf) {
        return pf.options({ basePath: bundle }).then(function () {
          // Explainers in other languages than the page's are in their own languages' indexes.
          return Promise.all(others.map(function (language) {
            return pf.mergeIndex(bundle, { language: language });
          }));
        }).then(function () { return pf; });
      });
    }
    return loading;
  }

  function element(tag, className, text) {
    var el = doc.createElement(tag);
    if (className) el.className = className;
    if (text != null) el.textContent = text;
    return el;
  }

  /* Pagefind's excerpt is HTML with <mark> around the words found: parsed in an inert
     document, and only its text and marks copied. */
  function excerpt(html) {
    var p = element("p", "search-excerpt");
    p.setAttribute("dir", "auto");
    var body = new DOMParser().parseFromString(html || "", "text/html").body;
    body.childNodes.forEach(function (node) {
      p.appendChild(node.nodeName === "MARK" ? element("mark", null, node.textContent)
                                             : doc.createTextNode(node.textContent));
    });
    return p;
  }

  function hit(item) {
    var meta = item.meta || {};
    var li = element("li", "search-hit search-hit-" + (meta.kind || "explainer"));
    var heading = element("h2", "search-title");
    var link = element("a", null, meta.title || item.url);
    link.href = new URL(item.url, root).href;
    link.setAttribute("dir", "auto");
    heading.appendChild(link);
    li.appendChild(heading);
    li.appendChild(element("p", "search-kind", meta.kind === "claim"
      ? say("search.kind.claim", { actor: meta.actor, explainer: ((item.filters || {}).explainer || [""])[0] })
      : say(meta.kind === "actor" ? "search.kind.actor" : "search.kind.explainer")));
    li.appendChild(excerpt(item.excerpt));
    return li;
  }

  var asked = 0;
  function search(query) {
    var mine = ++asked;
    if (!query.trim()) { out.textContent = ""; return; }
    pagefind().then(function (pf) { return pf.search(query); }).then(function (found) {
      if (mine !== asked) return null;
      return Promise.all(found.results.slice(0, 30).map(function (r) { return r.data(); })).then(function (items) {
        if (mine !== asked) return;
        out.textContent = "";
        var total = found.results.length;
        out.appendChild(element("p", "search-count", total ? say("search.results", { count: total }) : say("search.none")));
        if (!items.length) return;
        var list = element("ol", "search-list");
        items.forEach(function (item) { list.appendChild(hit(item)); });
        out.appendChild(list);
      });
    }).catch(function () {
      if (mine === asked) out.textContent = say("search.failed");
    });
  }

  var waiting = null;
  box.addEventListener("input", function () {
    clearTimeout(waiting);
    waiting = setTimeout(function () { search(box.value); }, 150);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(waiting);
    search(box.value);
  });
  form.hidden = false;
  doc.querySelectorAll(".search-fallback").forEach(function (p) { p.hidden = true; });
  var asked_for = new URLSearchParams(location.search).get("q");
  if (asked_for) { box.value = asked_for; search(asked_for); }
})();
