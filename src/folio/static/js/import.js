// The import page: follow a running import from its JSON status, then show the report.
(function () {
  "use strict";
  var panel = document.querySelector("[data-import-status]");
  if (!panel) return;
  var bar = document.getElementById("import-progress");
  var text = panel.querySelector(".import-progress-text");
  function poll() {
    fetch(panel.getAttribute("data-import-status"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (bar) { bar.max = state.total || 1; bar.value = state.done; }
        if (text) text.textContent = state.done + " of " + state.total;
        if (state.finished) { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
