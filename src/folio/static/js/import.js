// The import page: follow a running import from its JSON status, then show the report.
(function () {
  "use strict";
  var panel = document.querySelector("[data-import-status]");
  if (!panel) return;
  var bar = document.getElementById("import-progress");
  var text = panel.querySelector(".import-progress-text");
  // The page's messages in the reader's language (English when the block is missing).
  var messages = { progress: "{done} of {total}" };
  var block = document.getElementById("folio-messages");
  if (block) {
    try {
      var given = JSON.parse(block.textContent);
      if (given && typeof given.progress === "string") messages.progress = given.progress;
    } catch (error) { /* keep the English */ }
  }
  function progress(done, total) {
    return messages.progress.replace("{done}", String(done)).replace("{total}", String(total));
  }
  function poll() {
    fetch(panel.getAttribute("data-import-status"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (bar) { bar.max = state.total || 1; bar.value = state.done; }
        if (text) text.textContent = progress(state.done, state.total);
        if (state.finished) { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
