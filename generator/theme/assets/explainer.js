/* explainer.js: progressive enhancement for the built-in theme.
   Everything on the page is readable without it. With it:
   - a "filter by actor" control above the timeline and the claims;
   - previews of in-page @id links (a.ref) on hover and keyboard focus;
   - the claim (actor, source) named by the URL fragment is highlighted on load and on hashchange. */
(function () {
  "use strict";
  var doc = document;

  function byHash(hash) {
    if (!hash || hash.charAt(0) !== "#" || hash.length < 2) return null;
    var id;
    try { id = decodeURIComponent(hash.slice(1)); } catch (e) { return null; }
    return doc.getElementById(id);
  }

  function el(tag, className, text) {
    var node = doc.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  /* The page's words (explainer.html puts its language's in #explainer-strings): a key's
     text, its plural form for params.count by the CLDR rules the browser has (Intl), and
     each {name} filled in; numbers written the page language's way. */
  var lang = doc.documentElement.lang || "en";
  var plurals = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;
  var numbers = window.Intl ? new Intl.NumberFormat(lang) : null;

  function sayer(words) {
    return function say(key, params) {
      var text = words && words[key];
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
    };
  }
  // The search page's script (search.js, run after this one) says its words the same way.
  window.explainerSayer = sayer;

  var strings = null;
  try { strings = JSON.parse(doc.getElementById("explainer-strings").textContent); } catch (e) { strings = null; }
  var say = sayer(strings);

  /* ---- filter by actor ------------------------------------------------------ */

  var filter = { value: "", selects: [], apply: null };

  function setupFilter() {
    var cards = doc.querySelectorAll(".section-actors .actor-card[data-actor]");
    var claims = doc.querySelectorAll(".section-claims .claim[data-actor]");
    var events = doc.querySelectorAll(".section-timeline .event[data-actors]");
    if (!strings || !cards.length || (!claims.length && !events.length)) return;

    var actors = [];
    cards.forEach(function (card) {
      var id = card.getAttribute("data-actor");
      var name = card.querySelector(".actor-name");
      var nClaims = 0, nEvents = 0;
      claims.forEach(function (c) { if (c.getAttribute("data-actor") === id) nClaims++; });
      events.forEach(function (e) { if (involves(e, id)) nEvents++; });
      // Isolated (FSI..PDI, as <bdi>): a name in the other direction keeps its punctuation.
      actors.push({ id: id, name: "\u2068" + (name ? name.textContent : id).trim() + "\u2069",
                    claims: nClaims, events: nEvents });
    });

    function involves(event, id) {
      return (" " + event.getAttribute("data-actors") + " ").indexOf(" " + id + " ") !== -1;
    }

    var statuses = [];

    function build(section, noun) {
      var heading = section.querySelector(".section-title");
      if (!heading) return;
      var box = el("div", "filter");
      var id = "filter-" + section.id;
      var label = el("label", null, say("filter.label"));
      label.htmlFor = id;
      var select = el("select");
      select.id = id;
      select.appendChild(new Option(say("filter.all"), ""));
      actors.forEach(function (a) {
        var parts = [];
        if (a.claims) parts.push(say("filter.claims", { count: a.claims }));
        if (a.events) parts.push(say("filter.events", { count: a.events }));
        select.appendChild(new Option(a.name + (parts.length ? " (" + parts.join(", ") + ")" : ""), a.id));
      });
      var status = el("p", "filter-status");
      status.setAttribute("role", "status");
      box.appendChild(label);
      box.appendChild(select);
      box.appendChild(status);
      heading.insertAdjacentElement("afterend", box);
      select.addEventListener("change", function () { apply(select.value); });
      filter.selects.push(select);
      statuses.push({ node: status, noun: noun });
    }

    function apply(value) {
      filter.value = value;
      var actor = null;
      actors.forEach(function (a) { if (a.id === value) actor = a; });
      var shown = { claims: 0, events: 0 };
      claims.forEach(function (c) {
        var on = !value || c.getAttribute("data-actor") === value;
        c.classList.toggle("is-filtered-out", !on);
        if (on) shown.claims++;
      });
      events.forEach(function (e) {
        var on = !value || involves(e, value);
        e.classList.toggle("is-filtered-out", !on);
        if (on) shown.events++;
      });
      filter.selects.forEach(function (s) { s.value = value; });
      statuses.forEach(function (s) {
        var total = s.noun === "claims" ? claims.length : events.length;
        var n = shown[s.noun];
        if (!actor) { s.node.textContent = ""; return; }
        s.node.textContent = say((n ? "filter.showing_" : "filter.no_") + s.noun, {
          shown: n, total: say("filter." + s.noun, { count: total }), actor: actor.name });
      });
    }

    var timeline = doc.querySelector(".section-timeline");
    var claimSection = doc.querySelector(".section-claims");
    if (timeline && events.length) build(timeline, "events");
    if (claimSection && claims.length) build(claimSection, "claims");
    filter.apply = apply;
  }

  /* ---- highlight the fragment's target --------------------------------------- */

  var current = null;

  function highlight() {
    var target = byHash(location.hash);
    if (current && current !== target) current.classList.remove("is-target", "is-flash");
    current = null;
    if (!target || !target.matches(".claim, .actor-card, .source")) return;
    if (target.classList.contains("is-filtered-out") && filter.apply) {
      filter.apply("");
      target.scrollIntoView({ block: "start" });
    }
    target.classList.remove("is-flash");
    void target.offsetWidth; // restart the animation when the same target is chosen again
    target.classList.add("is-target", "is-flash");
    current = target;
  }

  /* ---- previews of @id links -------------------------------------------------- */

  function setupPreviews() {
    var tip = el("div", "ref-preview");
    tip.id = "ref-preview";
    tip.setAttribute("role", "tooltip");
    tip.hidden = true;
    doc.body.appendChild(tip);
    var owner = null, via = null, showTimer = 0, hideTimer = 0;

    function refOf(node) {
      var a = node && node.closest ? node.closest("a.ref") : null;
      return a && !tip.contains(a) && previewTarget(a) ? a : null;
    }

    function previewTarget(a) {
      var target = byHash(a.getAttribute("href"));
      return target && target.matches(".claim, .actor-card, .source") && !target.contains(a) ? target : null;
    }

    function retag(node, tag) {
      var copy = el(tag, node.className);
      if (node.dir) copy.dir = node.dir;
      while (node.firstChild) copy.appendChild(node.firstChild);
      node.parentNode.replaceChild(copy, node);
      return copy;
    }

    function fill(target) {
      var holder = el("div");
      holder.appendChild(target.cloneNode(true));
      holder.querySelectorAll("[id]").forEach(function (n) { n.removeAttribute("id"); });
      holder.querySelectorAll("[aria-labelledby]").forEach(function (n) { n.removeAttribute("aria-labelledby"); });
      holder.querySelectorAll("a").forEach(function (n) { retag(n, "span").classList.add("ref-link"); });
      holder.querySelectorAll("h1, h2, h3, h4, h5, h6").forEach(function (n) { retag(n, "p"); });
      var root = holder.firstChild;
      root.classList.remove("is-target", "is-flash", "is-filtered-out");
      retag(root, "div");
      var kind = say(target.classList.contains("claim") ? "chip.claim"
        : target.classList.contains("source") ? "chip.source" : "section.actors");
      tip.textContent = "";
      tip.appendChild(el("p", "preview-kind", kind));
      while (holder.firstChild) tip.appendChild(holder.firstChild);
    }

    function place(a) {
      var rect = a.getClientRects()[0] || a.getBoundingClientRect();
      var vw = doc.documentElement.clientWidth, vh = window.innerHeight;
      tip.style.width = "";
      tip.style.left = "0px";
      tip.style.top = "0px";
      if (tip.offsetWidth > vw - 16) tip.style.width = (vw - 16) + "px";
      var w = tip.offsetWidth, h = tip.offsetHeight;
      // Under the link's start: its right edge on a right-to-left page.
      var start = getComputedStyle(a).direction === "rtl" ? rect.right - w : rect.left;
      var left = Math.max(8, Math.min(start, vw - w - 8));
      var top = rect.bottom + 8;
      if (top + h > vh - 8 && rect.top - h - 8 > 8) top = rect.top - h - 8;
      tip.style.left = (left + window.scrollX) + "px";
      tip.style.top = (top + window.scrollY) + "px";
    }

    function show(a, how) {
      clearTimeout(showTimer);
      clearTimeout(hideTimer);
      if (owner === a && !tip.hidden) { if (how === "focus") via = how; return; }
      if (owner) owner.removeAttribute("aria-describedby");
      fill(previewTarget(a));
      tip.hidden = false;
      place(a);
      owner = a;
      via = how;
      a.setAttribute("aria-describedby", tip.id);
    }

    function hide() {
      clearTimeout(showTimer);
      clearTimeout(hideTimer);
      if (owner) owner.removeAttribute("aria-describedby");
      owner = via = null;
      tip.hidden = true;
    }

    doc.addEventListener("pointerover", function (e) {
      if (e.pointerType !== "mouse") return;
      var a = refOf(e.target);
      if (a) {
        clearTimeout(hideTimer);
        if (a !== owner) {
          clearTimeout(showTimer);
          showTimer = setTimeout(function () { show(a, "hover"); }, 150);
        }
      } else if (tip.contains(e.target)) {
        clearTimeout(hideTimer);
      }
    });
    doc.addEventListener("pointerout", function (e) {
      if (e.pointerType !== "mouse") return;
      var to = e.relatedTarget;
      var a = refOf(e.target);
      if (a && a !== owner && !(to && a.contains(to))) clearTimeout(showTimer);
      if (owner && via === "hover" && !(to && (owner.contains(to) || tip.contains(to)))) {
        clearTimeout(hideTimer);
        hideTimer = setTimeout(hide, 300);
      }
    });
    doc.addEventListener("focusin", function (e) {
      var a = refOf(e.target);
      if (a) show(a, "focus");
      else if (owner && !tip.contains(e.target)) hide();
    });
    doc.addEventListener("focusout", function (e) {
      if (owner && e.target === owner && via === "focus") hide();
    });
    doc.addEventListener("keydown", function (e) {
      if ((e.key === "Escape" || e.key === "Esc") && owner) hide();
    });
    doc.addEventListener("click", function (e) {
      if (refOf(e.target)) hide();
    });
    window.addEventListener("resize", function () { if (owner) hide(); });
  }

  setupFilter();
  setupPreviews();
  highlight();
  window.addEventListener("hashchange", highlight);
})();
