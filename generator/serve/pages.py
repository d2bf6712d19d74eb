"""What `serve` adds to pages at response time: the live-reload script and the error overlay.

Nothing here is ever written into the preview folder: it must stay
byte-for-byte what `explainer build --drafts` writes, so that what you
preview is what you publish. Every string that comes from the project (error
messages quote file content) is HTML-escaped here, in one place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from html import escape

from generator.diagnostics import Diagnostic

PREFIX = "/__explainer__/"
"""Reserved URL space for the server's own endpoints; no slug can contain '_'."""
SCRIPT_PATH = PREFIX + "live.js"
SOCKET_PATH = PREFIX + "socket"

MAX_LISTED_ERRORS = 50
"""The overlay lists this many errors at most; the terminal always has them all."""


def error_line(diagnostic: Diagnostic) -> str:
    """`path:line:column: message` (or `explainer: message` for an error that belongs to no file)."""
    where = str(diagnostic.span) if diagnostic.span else "explainer"
    return f"{where}: {diagnostic.message}"


def errors_key(errors: Sequence[Diagnostic]) -> str:
    """A short fingerprint of an error list, so the browser can tell whether its overlay is current."""
    text = "\n".join(str(d) for d in errors)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=6).hexdigest()


def overlay_html(errors: Sequence[Diagnostic]) -> str:
    """The error overlay, or '' when there are no errors.

    An `alertdialog` (announced at once by screen readers) labelled by its
    heading, over a translucent backdrop so that the last good page stays
    visible beneath it; the script focuses it, and Escape or the button hides it.
    Its messages are English, left to right, on a page of any language and direction.
    """
    if not errors:
        return ""
    shown = errors[:MAX_LISTED_ERRORS]
    items = "".join(_error_item(d) for d in shown)
    if len(errors) > len(shown):
        items += f"<li>… and {len(errors) - len(shown)} more: see the terminal</li>"
    count = f"{len(errors)} error{'s' if len(errors) != 1 else ''}"
    return (
        f'<div id="explainer-overlay" lang="en" dir="ltr" role="alertdialog" aria-modal="true" '
        f'aria-labelledby="explainer-overlay-title" aria-describedby="explainer-overlay-help" '
        f'tabindex="-1" data-errors-key="{errors_key(errors)}">'
        f"<style>{_OVERLAY_CSS}</style>"
        '<div class="eo-box">'
        f'<h2 id="explainer-overlay-title">The site could not be rebuilt: {count}</h2>'
        '<p id="explainer-overlay-help">Beneath this message is the last good build. '
        "Fix the files listed and save: this message goes away after the next successful build.</p>"
        f'<ol class="eo-errors">{items}</ol>'
        '<button type="button" class="eo-hide" data-explainer-overlay-hide>Hide (Esc)</button>'
        "</div></div>"
    )


def _error_item(diagnostic: Diagnostic) -> str:
    hint = f'<span class="eo-hint">{escape(diagnostic.hint)}</span>' if diagnostic.hint else ""
    return f'<li><code class="eo-error">{escape(error_line(diagnostic))}</code>{hint}</li>'


def live_tags(token: str, page: str, overlay: str) -> str:
    """What goes before `</body>`: the overlay (if any) and the script tag.

    `token` identifies the build the page comes from (the script reloads if the
    server has moved on when it connects); `page` is the output file served,
    so that a rebuild that did not touch it need not reload it ('' = always reload).
    """
    return (f'{overlay}<script src="{SCRIPT_PATH}" data-explainer-build="{escape(token)}" '
            f'data-explainer-page="{escape(page)}"></script>\n')


def inject(html: bytes, tags: str) -> bytes:
    """`html` with `tags` inserted before the last `</body>` (appended if there is none)."""
    snippet = tags.encode("utf-8")
    index = html.lower().rfind(b"</body")
    if index < 0:
        return html + snippet
    return html[:index] + snippet + html[index:]


def not_built_page() -> bytes:
    """Served for every page while there is no site yet because the first build failed."""
    return _plain_page(
        "Site not built yet",
        "<h1>The site has not been built yet</h1>"
        "<p>The first build failed; the errors are listed over this page and in the terminal. "
        "Fix them and save: this page reloads by itself once the site is built.</p>")


def not_found_page(raw_path: str) -> bytes:
    """A 404 that says which URL, and that comes to life when a rebuild creates the page."""
    return _plain_page(
        "Not found",
        "<h1>Not found</h1>"
        f"<p>There is no page at <code>{escape(raw_path)}</code> in the built site. If you have just "
        "created it, save it once more or wait for the build: this page reloads by itself.</p>"
        '<p><a href="/">Go to the home page</a></p>')


def _plain_page(title: str, body: str) -> bytes:
    return ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{escape(title)} · explainer serve</title>\n"
            "<style>body{font:1rem/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;"
            "padding:0 1rem;color:#1a1a1a}code{font-size:.95em}</style>\n"
            f"</head>\n<body>\n<main>{body}</main>\n</body>\n</html>\n").encode()


_OVERLAY_CSS = (
    "#explainer-overlay{position:fixed;inset:0;z-index:2147483647;overflow:auto;"
    "background:rgba(20,20,20,.6);padding:5vh 1rem;box-sizing:border-box;"
    "font:16px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1a1a1a;text-align:left}"
    "#explainer-overlay:focus{outline:none}"
    "#explainer-overlay .eo-box{max-width:60rem;margin:0 auto;background:#fff;border-radius:6px;"
    "border-top:6px solid #b00020;padding:1.25rem 1.5rem;box-shadow:0 10px 40px rgba(0,0,0,.4)}"
    "#explainer-overlay h2{font-size:1.25rem;margin:0 0 .5rem;color:#b00020;font-weight:700}"
    "#explainer-overlay p{margin:0 0 1rem}"
    "#explainer-overlay ol{margin:0 0 1rem;padding-left:1.5rem}"
    "#explainer-overlay li{margin:.4rem 0}"
    "#explainer-overlay .eo-error{display:block;white-space:pre-wrap;word-break:break-word;"
    "font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:#1a1a1a;background:none}"
    "#explainer-overlay .eo-hint{display:block;color:#444;font-size:14px}"
    "#explainer-overlay .eo-hint::before{content:'Hint: '}"
    "#explainer-overlay .eo-hide{font:inherit;padding:.35rem .9rem;border:1px solid #555;"
    "border-radius:4px;background:#f4f4f4;color:#1a1a1a;cursor:pointer}"
    "#explainer-overlay .eo-hide:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}"
)

LIVE_JS = r"""// explainer serve: live reload and build-error overlay. Injected at serve time only.
(function () {
  "use strict";
  var me = document.currentScript;
  var build = me ? me.getAttribute("data-explainer-build") : "";
  var page = me ? me.getAttribute("data-explainer-page") : "";
  var retry = 250;

  function overlay() { return document.getElementById("explainer-overlay"); }

  function wire(box) {
    if (!box) return;
    var before = document.activeElement;
    var hideButton = box.querySelector("[data-explainer-overlay-hide]");
    function hide() {
      box.remove();
      if (before && before.focus && before !== document.body) before.focus();
    }
    if (hideButton) hideButton.addEventListener("click", hide);
    box.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); hide(); }
      if (event.key === "Tab" && hideButton) {  // keep focus inside the dialog
        event.preventDefault();
        (document.activeElement === hideButton ? box : hideButton).focus();
      }
    });
    box.focus();
  }

  function showOverlay(html, key) {
    var old = overlay();
    if (old && html && old.getAttribute("data-errors-key") === key) return;
    if (old) old.remove();
    if (!html) return;
    document.body.insertAdjacentHTML("beforeend", html);
    wire(overlay());
  }

  function swapStyles(changed) {
    var links = Array.prototype.slice.call(document.querySelectorAll('link[rel~="stylesheet"][href]'));
    var hits = links.filter(function (link) {
      var path = new URL(link.href, location.href).pathname.replace(/^\/+/, "");
      return changed.some(function (c) { return path === c || path.slice(-c.length - 1) === "/" + c; });
    });
    (hits.length ? hits : links).forEach(function (link) {
      var url = new URL(link.href, location.href);
      url.searchParams.set("explainer-build", build);
      var fresh = link.cloneNode(false);
      fresh.href = url.href;
      fresh.onload = fresh.onerror = function () { link.remove(); };  // no flash of unstyled page
      link.after(fresh);
    });
  }

  function affectsThisPage(message) {
    if (!page || message.truncated) return true;
    return message.changed.some(function (path) {
      return path === page || !/\.(html|json|xml)$/.test(path);  // images and scripts may be used here
    });
  }

  function handle(message) {
    switch (message.type) {
      case "hello":
        if (message.build !== build) { location.reload(); return; }
        showOverlay(message.overlay, message.errors_key);
        break;
      case "reload":
        if (affectsThisPage(message)) { location.reload(); return; }
        build = message.build;
        showOverlay(null);
        break;
      case "css":
        build = message.build;
        swapStyles(message.changed);
        showOverlay(null);
        break;
      case "errors":
        showOverlay(message.overlay, message.errors_key);
        break;
      case "ok":
        showOverlay(null);
        break;
    }
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "__SOCKET_PATH__");
    socket.onopen = function () { retry = 250; };
    socket.onmessage = function (event) { handle(JSON.parse(event.data)); };
    socket.onclose = function () {  // server restarting: try again, then less often
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 4000);
    };
  }

  wire(overlay());
  connect();
})();
""".replace("__SOCKET_PATH__", SOCKET_PATH)
