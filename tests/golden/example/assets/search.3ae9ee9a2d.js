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
  var strings = {};
  try { strings = JSON.parse(doc.getElementById("search-strings").textContent); } catch (e) { strings = {}; }
  // explainer.js, which every page runs first, says a message in the page's language.
  var say = window.explainerSayer ? window.explainerSayer(strings) : function () { return ""; };

  var bundle = new URL(form.getAttribute("data-bundle"), location.href).href;
  var root = new URL(form.getAttribute("data-root"), location.href).href;
  var loading = null;

  function pagefind() {
    if (!loading) {
      loading = import(bundle + "pagefind.js").then(function (pf) {
        return pf.options({ basePath: bundle }).then(function () { return pf; });
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

  /* The results of one page: an actor page is one; an explainer is one for its own words
     and one for each claim whose words were found (Pagefind's sub-results, at the claims'
     cards), each a result of its own. */
  function hits(item) {
    var meta = item.meta || {};
    if (meta.kind !== "explainer" || !item.sub_results || !item.sub_results.length) {
      return [{ url: item.url, title: meta.title, excerpt: item.excerpt,
                kind: meta.kind === "actor" ? "actor" : "explainer" }];
    }
    return item.sub_results.map(function (sub) {
      var anchor = sub.url.split("#")[1] || "";
      if (anchor.indexOf("claim-") !== 0) return { url: sub.url, title: meta.title, excerpt: sub.excerpt, kind: "explainer" };
      return { url: sub.url, title: sub.title, excerpt: sub.excerpt, kind: "claim",
               actor: meta["by-" + anchor] || "", explainer: meta.title };
    });
  }

  function hit(found) {
    var li = element("li", "search-hit search-hit-" + found.kind);
    var heading = element("h2", "search-title");
    var link = element("a", null, found.title || found.url);
    link.href = new URL(found.url, root).href;
    link.setAttribute("dir", "auto");
    heading.appendChild(link);
    li.appendChild(heading);
    li.appendChild(element("p", "search-kind", found.kind === "claim"
      ? say("search.kind.claim", { actor: found.actor, explainer: found.explainer })
      : say("search.kind." + found.kind)));
    li.appendChild(excerpt(found.excerpt));
    return li;
  }

  var asked = 0;
  function search(query) {
    var mine = ++asked;
    if (!query.trim()) { out.textContent = ""; return; }
    pagefind().then(function (pf) { return pf.search(query); }).then(function (found) {
      if (mine !== asked) return null;
      return Promise.all(found.results.slice(0, 20).map(function (r) { return r.data(); })).then(function (items) {
        if (mine !== asked) return;
        out.textContent = "";
        var shown = [].concat.apply([], items.map(hits));
        out.appendChild(element("p", "search-count", shown.length ? say("search.results", { count: shown.length })
                                                                  : say("search.none")));
        if (!shown.length) return;
        var list = element("ol", "search-list");
        shown.forEach(function (found) { list.appendChild(hit(found)); });
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
