// Counts one view of the article this page shows: a small POST to Folio itself, sent
// after the page loaded (cached pages count too). No cookie is set or read; only the
// referring page goes along, and Folio keeps its host alone.
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.getAttribute("data-beacon");
  if (!url) {
    return;
  }
  var body = JSON.stringify({ referrer: document.referrer || "" });
  function send() {
    try {
      // text/plain is a "simple" type: every browser's sendBeacon takes it.
      var blob = new Blob([body], { type: "text/plain;charset=UTF-8" });
      if (navigator.sendBeacon && navigator.sendBeacon(url, blob)) {
        return;
      }
    } catch (ignored) {
      // fall through to fetch
    }
    if (window.fetch) {
      fetch(url, {
        method: "POST",
        body: body,
        keepalive: true,
        credentials: "omit",
        headers: { "Content-Type": "application/json" },
      }).catch(function () {});
    }
  }
  // A page opened in a background tab counts once it is first seen.
  if (document.visibilityState === "hidden") {
    document.addEventListener("visibilitychange", function once() {
      if (document.visibilityState === "visible") {
        document.removeEventListener("visibilitychange", once);
        send();
      }
    });
  } else {
    send();
  }
})();
