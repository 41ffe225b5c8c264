// Folio: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

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
        throw new Error("HTTP " + response.status);
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
            button.title = on ? "Remove from favorites" : "Add to favorites";
            var count = button.querySelector(".fav-count");
            if (count) {
              count.textContent = String(data.favorites_count);
            }
            var label = button.querySelector(".fav-label");
            if (label) {
              label.textContent = on ? "Favorited" : "Favorite";
            }
          } else {
            var text = button.querySelector(".follow-label");
            if (text) {
              text.textContent = on ? "Following" : "Follow";
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
      if (!window.confirm(form.dataset.confirm || "Are you sure?")) {
        event.preventDefault();
      }
    });
  }

  // The editor's preview: render through Folio's own Markdown pipeline, in place.
  function enhanceEditor(form) {
    var button = form.querySelector(".js-preview");
    var pane = form.querySelector(".preview-pane");
    var target = form.querySelector(".preview-body");
    var body = form.querySelector("textarea[name='body']");
    if (!button || !pane || !target || !body) {
      return;
    }
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var data = new FormData();
      data.append("body", body.value);
      target.setAttribute("aria-busy", "true");
      post(form.dataset.previewUrl, data)
        .then(function (result) {
          // The server returns HTML sanitised by the same pipeline that renders articles.
          target.innerHTML = result.html || '<p class="muted">Nothing to preview yet.</p>';
          pane.classList.remove("is-empty");
          focusableScrollers();
          pane.scrollIntoView({ block: "nearest" });
        })
        .catch(function () {
          target.textContent = "The preview is unavailable right now.";
        })
        .finally(function () {
          target.removeAttribute("aria-busy");
        });
    });
  }

  // Pictures in the editor: drop, paste or "Add image"; upload with progress, ask for the
  // alt text, then put ![alt](url) in at the cursor.
  function uploadImage(form, file, status, progress) {
    return new Promise(function (resolve, reject) {
      var data = new FormData();
      data.append("file", file);
      var request = new XMLHttpRequest();
      request.open("POST", form.dataset.uploadUrl);
      request.setRequestHeader("X-CSRFToken", csrfToken());
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) {
          progress.value = Math.round((event.loaded / event.total) * 100);
        }
      });
      request.addEventListener("load", function () {
        var body = {};
        try {
          body = JSON.parse(request.responseText);
        } catch (error) {
          body = {};
        }
        if (request.status === 201 && body.media) {
          resolve(body.media);
          return;
        }
        // Each message on the file is a whole sentence ("This file is not an image…").
        var messages = body.errors && body.errors.file;
        reject(new Error(messages ? messages.join(" ") : "The upload failed."));
      });
      request.addEventListener("error", function () {
        reject(new Error("The upload failed: check your connection and try again."));
      });
      progress.hidden = false;
      progress.value = 0;
      status.textContent = "Uploading " + file.name + "…";
      request.send(data);
    });
  }

  function askAltText(dialog, media) {
    return new Promise(function (resolve) {
      var input = dialog.querySelector("#alt-text");
      var decorative = dialog.querySelector("#alt-decorative");
      var error = dialog.querySelector(".alt-dialog-error");
      var insert = dialog.querySelector(".js-alt-insert");
      var preview = dialog.querySelector(".alt-dialog-preview");
      var image = document.createElement("img");
      image.src = media.path;
      image.alt = "";
      preview.replaceChildren(image);
      input.value = "";
      decorative.checked = false;
      error.hidden = true;
      function onInsert(event) {
        if (!input.value.trim() && !decorative.checked) {
          event.preventDefault();
          error.hidden = false;
          input.focus();
        }
      }
      insert.addEventListener("click", onInsert);
      dialog.addEventListener(
        "close",
        function () {
          insert.removeEventListener("click", onInsert);
          if (dialog.returnValue !== "insert") {
            resolve(null);
            return;
          }
          resolve(decorative.checked ? "" : input.value.trim().replace(/[\[\]]/g, ""));
        },
        { once: true }
      );
      dialog.showModal();
      input.focus();
    });
  }

  function insertAtCursor(textarea, text, start, end) {
    var before = textarea.value.slice(0, start);
    var after = textarea.value.slice(end);
    var lead = before && !before.endsWith("\n\n") ? (before.endsWith("\n") ? "\n" : "\n\n") : "";
    var tail = after.startsWith("\n") ? "" : "\n";
    textarea.value = before + lead + text + tail + after;
    var caret = (before + lead + text + tail).length;
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    textarea.focus();
  }

  function enhanceImages(form) {
    var body = form.querySelector("textarea[name='body']");
    var dialog = document.getElementById("alt-dialog");
    var fieldset = form.querySelector(".js-image-fallback");
    if (!body || !dialog || !fieldset || !form.dataset.uploadUrl || !dialog.showModal) {
      return;
    }
    var status = fieldset.querySelector(".upload-status");
    var progress = fieldset.querySelector(".upload-progress");
    var fileInput = fieldset.querySelector("input[type='file']");
    var button = fieldset.querySelector(".js-add-image");
    // With the script, files upload at once: the form's own file field becomes the
    // picker behind "Add image", and the no-script alt fields go.
    fieldset.querySelectorAll(".field, .js-no-script-label").forEach(function (node) {
      node.hidden = true;
    });
    fileInput.hidden = true;
    fileInput.removeAttribute("name");
    button.hidden = false;
    button.addEventListener("click", function () {
      fileInput.click();
    });

    function handle(file) {
      if (!file) {
        return;
      }
      uploadImage(form, file, status, progress)
        .then(function (media) {
          progress.hidden = true;
          status.textContent = "Uploaded. Add its alt text.";
          // Kept now: when the dialog closes, Chromium gives the body its focus back
          // with the caret at the very start.
          var start = body.selectionStart;
          var end = body.selectionEnd;
          return askAltText(dialog, media).then(function (alt) {
            if (alt === null) {
              status.textContent = "Uploaded to My media; not inserted.";
              body.setSelectionRange(start, end);
              return;
            }
            insertAtCursor(body, "![" + alt + "](" + media.url + ")", start, end);
            status.textContent = "Image inserted.";
          });
        })
        .catch(function (error) {
          progress.hidden = true;
          status.textContent = error.message;
        });
    }

    fileInput.addEventListener("change", function () {
      handle(fileInput.files[0]);
      fileInput.value = "";
    });
    body.addEventListener("paste", function (event) {
      var items = event.clipboardData ? event.clipboardData.files : [];
      if (items.length && items[0].type.indexOf("image/") === 0) {
        event.preventDefault();
        handle(items[0]);
      }
    });
    var field = body.closest(".field") || body;
    body.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
        event.preventDefault();
        field.classList.add("is-dropping");
      }
    });
    body.addEventListener("dragleave", function () {
      field.classList.remove("is-dropping");
    });
    body.addEventListener("drop", function (event) {
      field.classList.remove("is-dropping");
      var files = event.dataTransfer ? event.dataTransfer.files : [];
      if (files.length) {
        event.preventDefault();
        handle(files[0]);
      }
    });
  }

  // The cover: upload as soon as it is chosen and show it; the form keeps its URL.
  function enhanceCover(form) {
    var input = form.querySelector(".js-cover-file");
    var hidden = form.querySelector("input[name='cover_image']");
    var preview = document.getElementById("cover-preview");
    if (!input || !hidden || !preview || !form.dataset.uploadUrl) {
      return;
    }
    var status = document.createElement("p");
    status.className = "upload-status";
    status.setAttribute("role", "status");
    var progress = document.createElement("progress");
    progress.className = "upload-progress";
    progress.max = 100;
    progress.hidden = true;
    input.after(progress, status);
    input.addEventListener("change", function () {
      var file = input.files[0];
      if (!file) {
        return;
      }
      uploadImage(form, file, status, progress)
        .then(function (media) {
          hidden.value = media.url;
          var image = document.createElement("img");
          image.src = media.path;
          image.alt = "";
          preview.replaceChildren(image);
          status.textContent = "Cover uploaded; save to keep it.";
          input.value = "";
        })
        .catch(function (error) {
          status.textContent = error.message;
        })
        .finally(function () {
          progress.hidden = true;
        });
    });
  }

  // A code block wider than its column scrolls sideways: keyboard users must be able to
  // reach it to scroll it (a tab stop only where there is something to scroll).
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
  document.addEventListener("DOMContentLoaded", function () {
    focusableScrollers();
    if (!window.fetch || !window.FormData) {
      return;
    }
    document.querySelectorAll("form.js-toggle").forEach(enhanceToggle);
    document.querySelectorAll("form.js-confirm").forEach(enhanceConfirm);
    document.querySelectorAll("form.editor[data-preview-url]").forEach(enhanceEditor);
    document.querySelectorAll("form.editor[data-upload-url]").forEach(function (form) {
      enhanceImages(form);
      enhanceCover(form);
    });
  });
})();
