// Folio: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Words this file shows, in the page's language: an optional JSON block that base.html
  // may carry (id "folio-messages-site"); English where it says nothing.
  var ENGLISH = {
    confirm: "Are you sure?",
    favorite: "Favorite",
    favorited: "Favorited",
    add_favorite: "Add to favorites",
    remove_favorite: "Remove from favorites",
    follow: "Follow",
    following: "Following",
  };
  var messages = null;

  function say(key) {
    if (messages === null) {
      var block = document.getElementById("folio-messages-site");
      try {
        messages = block ? JSON.parse(block.textContent) : {};
      } catch (error) {
        messages = {};
      }
    }
    return typeof messages[key] === "string" ? messages[key] : ENGLISH[key];
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) {
        var error = new Error("HTTP " + response.status);
        error.status = response.status;
        throw error;
      }
      return response.json();
    });
  }

  // Favorite and follow buttons: toggle without a reload.
  function enhanceToggle(form) {
    form.addEventListener("submit", function (event) {
      var button = form.querySelector("button");
      if (!button || button.disabled) {
        return;
      }
      event.preventDefault();
      button.disabled = true;
      post(form.getAttribute("action"), new FormData(form))
        .then(function (data) {
          var on = form.dataset.kind === "favorite" ? data.favorited : data.following;
          form.setAttribute("action", on ? form.dataset.onUrl : form.dataset.offUrl);
          button.setAttribute("aria-pressed", on ? "true" : "false");
          if (form.dataset.kind === "favorite") {
            button.classList.toggle("is-on", on);
            button.title = say(on ? "remove_favorite" : "add_favorite");
            var count = button.querySelector(".fav-count");
            if (count) {
              count.textContent = String(data.favorites_count);
            }
            var label = button.querySelector(".fav-label");
            if (label) {
              label.textContent = say(on ? "favorited" : "favorite");
            }
          } else {
            var text = button.querySelector(".follow-label");
            if (text) {
              text.textContent = say(on ? "following" : "follow");
            }
            button.classList.toggle("button--quiet", on);
            button.classList.toggle("button--outline", !on);
          }
        })
        .catch(function () {
          // Fall back to the ordinary form post.
          form.submit();
        })
        .finally(function () {
          button.disabled = false;
        });
    });
  }

  // Forms that destroy something ask first.
  function enhanceConfirm(form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm || say("confirm"))) {
        event.preventDefault();
      }
    });
  }

  // A code block wider than its box scrolls sideways: keyboard users need to reach it.
  function focusableScrollers() {
    document.querySelectorAll("pre").forEach(function (pre) {
      if (pre.scrollWidth > pre.clientWidth) {
        pre.setAttribute("tabindex", "0");
      } else {
        pre.removeAttribute("tabindex");
      }
    });
  }

  window.addEventListener("resize", focusableScrollers);
  // The editor's live preview draws new code blocks long after the page loaded.
  document.addEventListener("folio:content-changed", focusableScrollers);
  // Shared with the page scripts that load after this one (editor.js).
  window.Folio = { csrfToken: csrfToken, post: post };

  document.addEventListener("DOMContentLoaded", function () {
    focusableScrollers();
    if (!window.fetch || !window.FormData) {
      return;
    }
    document.querySelectorAll("form.js-toggle").forEach(enhanceToggle);
    document.querySelectorAll("form.js-confirm").forEach(enhanceConfirm);
  });
})();
