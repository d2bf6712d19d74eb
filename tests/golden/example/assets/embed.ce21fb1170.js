/* embed.js: the one script of an embed page (<slug>/embed/<section>/, see docs/embeds.md).
   The page is readable without it. In an iframe, it tells the parent page how tall the
   document is, so the parent can size the frame to fit without a scroll bar:

     {type: "explainer:height", height: <CSS pixels, an integer>, slug: "<slug>",
      section: "timeline" | "claims" | "questions"}

   posted to the parent on load, whenever the document's size changes (a narrower frame,
   fonts arriving, a <details> opened) and when the parent asks with
   {type: "explainer:measure"} (a listener added after the frame loaded). The message
   carries nothing but the height and the page's name, so it is posted to any origin;
   the parent checks where it comes from. */
(function () {
  "use strict";
  if (window.parent === window) return;
  var root = document.documentElement;
  var body = document.body;
  var last = -1;

  function report(always) {
    // The document's own height: scrollHeight would never drop below the frame's height.
    var height = Math.ceil(root.getBoundingClientRect().height);
    if (height === last && !always) return;
    last = height;
    window.parent.postMessage({
      type: "explainer:height",
      height: height,
      slug: body.getAttribute("data-embed-slug"),
      section: body.getAttribute("data-embed-section")
    }, "*");
  }

  window.addEventListener("load", function () { report(true); });
  window.addEventListener("resize", function () { report(false); });
  window.addEventListener("message", function (event) {
    if (event.source === window.parent && event.data && event.data.type === "explainer:measure") report(true);
  });
  if (window.ResizeObserver) new ResizeObserver(function () { report(false); }).observe(root);
  report(true);
})();
