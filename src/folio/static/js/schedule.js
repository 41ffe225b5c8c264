// Scheduled publishing: the writer's time zone defaults to the browser's.
// Fills the hidden "browser_time_zone" fields sent with the editor and the Scheduled
// page's forms, and suggests the browser's zone on the settings page until one is chosen.
(function () {
  "use strict";
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    zone = "";
  }
  if (!zone) return;

  // The page's words (its "folio-messages-schedule" block), English as fallback.
  function browserZoneLabel() {
    var text = "%(zone)s, your browser's time zone";
    var block = document.getElementById("folio-messages-schedule");
    try {
      var messages = block ? JSON.parse(block.textContent) : {};
      if (typeof messages.browser_zone === "string") text = messages.browser_zone;
    } catch (error) {
      // Malformed: the English stands.
    }
    return text.replace("%(zone)s", zone);
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function localValue(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  // Without a chosen zone the server wrote times in UTC; the browser's zone is the one
  // the form will be read in, so show them (and the earliest allowed) in it.
  function showInBrowserZone(scope) {
    scope.querySelectorAll("input[type=datetime-local]").forEach(function (input) {
      if (input.dataset.utc && input.getAttribute("aria-invalid") !== "true") {
        input.value = localValue(new Date(input.dataset.utc));
      }
      input.min = localValue(new Date());
    });
  }

  function fill() {
    document.querySelectorAll("[data-time-zone-known=false]").forEach(showInBrowserZone);
    document.querySelectorAll(".js-browser-time-zone").forEach(function (input) {
      if (!input.value) input.value = zone;
    });
    var schedule = document.getElementById("schedule");
    if (schedule && schedule.dataset.timeZoneKnown === "false") {
      schedule.querySelectorAll(".js-zone-name").forEach(function (name) {
        name.textContent = browserZoneLabel();
      });
    }
    document.querySelectorAll(".js-time-zone-select").forEach(function (select) {
      if (select.dataset.chosen === "true") return;
      var option = Array.prototype.find.call(select.options, function (o) {
        return o.value === zone;
      });
      if (option) select.value = zone;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fill);
  } else {
    fill();
  }
})();
