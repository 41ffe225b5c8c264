// Folio's editor: autosave with a local copy, conflicts, live preview, shortcuts, word
// count, pictures and the cover. The form works without this file (plain posts).
(function () {
  "use strict";

  var SAVE_DELAY = 3000;
  var PREVIEW_DELAY = 500;
  var PREVIEW_GAP = 1000;
  var RETRY_DELAY = 15000;
  // The same rule as the server's reading time: words are runs of non-spaces.
  var WORDS_PER_MINUTE = 230;
  // Browsers refuse keepalive bodies over 64 kB; a longer text stays in the local copy.
  var KEEPALIVE_MAX = 60000;
  var FIELDS = ["title", "description", "body", "tags", "cover_image"];

  // folio.js loads first (base.html) and lends its CSRF header and JSON POST.
  var csrfToken = window.Folio.csrfToken;
  var post = window.Folio.post;

  // --- words: the page's language (editor.html's "folio-messages-editor" block) ---------

  // English, for a page without the block; placeholders as in the catalogs: %(name)s.
  var ENGLISH = {
    saving: "Saving…",
    offline: "Offline — kept on this device",
    signed_out: "Signed out — kept on this device",
    retrying: "Not saved yet — kept on this device; trying again shortly",
    refused: "Not saved: %(reason)s — kept on this device",
    refused_reason: "the server refused it",
    saved: "Saved %(time)s",
    saved_pending: "Saved %(time)s — not published yet",
    pending_from: "Unpublished changes from %(time)s.",
    conflict: "Not saved — this article changed elsewhere; choose below",
    conflict_by_at: "It was saved by %(name)s at %(time)s, in another tab or on another device.",
    conflict_by: "It was saved by %(name)s, in another tab or on another device.",
    conflict_at: "It was saved at %(time)s, in another tab or on another device.",
    conflict_plain: "It was saved in another tab or on another device.",
    conflict_choose: "Nothing was overwritten: compare, copy what you need, then choose.",
    showing_current: "Showing the current text",
    restore_detail: "This device kept a copy from %(time)s that differs from the text Folio has (shown below).",
    restored: "Restored the copy from this device",
    nothing_new: "Saved — nothing new to save",
    preview_too_complex: "This body is too complex to preview; simplify it to publish.",
    preview_paused: "The preview is paused; it comes back when Folio answers.",
    preview_nothing: "Nothing to preview yet.",
    bold_text: "bold text",
    italic_text: "italic text",
    code_text: "code",
    link_text: "link text",
    words: { one: "%(num)s word", other: "%(num)s words" },
    minutes: { one: "%(num)s min read", other: "%(num)s min read" },
    upload_failed: "The upload failed.",
    upload_offline: "The upload failed: check your connection and try again.",
    uploading: "Uploading %(name)s…",
    uploaded_alt: "Uploaded. Add its alt text.",
    uploaded_not_inserted: "Uploaded to My media; not inserted.",
    inserted: "Image inserted.",
    cover_uploaded: "Cover uploaded; save to keep it.",
  };
  var LANG = document.documentElement.lang || "en";
  var messages = null;

  function readMessages() {
    if (messages === null) {
      var block = document.getElementById("folio-messages-editor");
      try {
        messages = block ? JSON.parse(block.textContent) : {};
      } catch (error) {
        messages = {};
      }
    }
    return messages;
  }

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (whole, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  // A message in the page's language, its %(name)s placeholders filled from values.
  function say(key, values) {
    var text = readMessages()[key];
    return fill(typeof text === "string" ? text : ENGLISH[key], values);
  }

  var pluralRules = null;
  function pluralCategory(count) {
    try {
      pluralRules = pluralRules || new Intl.PluralRules(LANG);
      return pluralRules.select(count);
    } catch (error) {
      return count === 1 ? "one" : "other";
    }
  }

  // A count in the page's language: its plural form, the number written as readers write it.
  function sayCount(key, count) {
    var forms = readMessages()[key];
    if (!forms || typeof forms !== "object") {
      forms = ENGLISH[key];
    }
    var text = forms[pluralCategory(count)] || forms.other || ENGLISH[key].other;
    return fill(text, { num: count.toLocaleString(LANG) });
  }

  // Resolves with {status, body, retryAfter}; rejects only when the network fails.
  function sendJson(url, data, keepalive) {
    var text = JSON.stringify(data);
    return fetch(url, {
      method: "POST",
      body: text,
      credentials: "same-origin",
      keepalive: Boolean(keepalive) && text.length < KEEPALIVE_MAX,
      headers: {
        "X-CSRFToken": csrfToken(),
        Accept: "application/json",
        "Content-Type": "application/json",
      },
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (body) {
          return {
            status: response.status,
            body: body,
            retryAfter: Number(response.headers.get("Retry-After")) || 0,
          };
        });
    });
  }

  function clock(date) {
    return date.toLocaleTimeString(LANG, { hour: "2-digit", minute: "2-digit" });
  }

  function countWords(text) {
    var words = text.match(/\S+/g);
    return words ? words.length : 0;
  }

  // Python's round(): halves go to the even neighbour (2.5 -> 2), as on the server.
  function readingMinutes(words) {
    // Halves round up, as folio.articles.reading does.
    return Math.max(1, Math.round(words / WORDS_PER_MINUTE));
  }

  function randomId() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    return String(Date.now()) + "-" + String(Math.random()).slice(2);
  }

  function firstError(body) {
    var errors = (body && body.errors) || {};
    var field = Object.keys(errors)[0];
    if (!field) {
      return say("refused_reason");
    }
    return field.replace(/_/g, " ") + " " + errors[field].join(", ");
  }

  // --- the local copy: kept on every change, removed once the server has the text -------

  function LocalCopy(key) {
    this.key = "folio:editor:" + key;
  }

  LocalCopy.prototype.read = function () {
    try {
      var copy = JSON.parse(window.localStorage.getItem(this.key) || "null");
      return copy && copy.fields ? copy : null;
    } catch (error) {
      return null;
    }
  };

  LocalCopy.prototype.write = function (fields) {
    try {
      window.localStorage.setItem(this.key, JSON.stringify({ fields: fields, at: Date.now() }));
    } catch (error) {
      // Private mode or a full storage: the server copy is all there is.
    }
  };

  LocalCopy.prototype.remove = function () {
    try {
      window.localStorage.removeItem(this.key);
    } catch (error) {
      // Nothing to do.
    }
  };

  // --- the desk: autosave, local copy, restore, conflicts ------------------------------

  function Desk(form) {
    this.form = form;
    this.url = form.dataset.autosaveUrl;
    this.local = new LocalCopy(form.dataset.localKey);
    this.session = randomId();
    this.status = document.getElementById("save-status");
    this.timer = null;
    this.inFlight = null;
    this.again = false;
    this.blocked = false;
    this.leaving = false;
    this.saved = this.snapshot();
  }

  Desk.prototype.field = function (name) {
    return this.form.elements.namedItem(name);
  };

  Desk.prototype.snapshot = function () {
    var fields = {};
    var desk = this;
    FIELDS.forEach(function (name) {
      var input = desk.field(name);
      fields[name] = input ? input.value : "";
    });
    return fields;
  };

  Desk.prototype.fill = function (fields) {
    var desk = this;
    FIELDS.forEach(function (name) {
      var input = desk.field(name);
      if (input && typeof fields[name] === "string") {
        input.value = fields[name];
      }
    });
    this.form.dispatchEvent(new CustomEvent("desk:filled"));
  };

  Desk.prototype.same = function (a, b) {
    return FIELDS.every(function (name) {
      return (a[name] || "") === (b[name] || "");
    });
  };

  Desk.prototype.isBlank = function (fields) {
    return FIELDS.every(function (name) {
      return !(fields[name] || "").trim();
    });
  };

  Desk.prototype.dirty = function () {
    return !this.same(this.snapshot(), this.saved);
  };

  Desk.prototype.say = function (text) {
    if (this.status) {
      this.status.textContent = text;
    }
  };

  Desk.prototype.changed = function () {
    var fields = this.snapshot();
    if (this.same(fields, this.saved)) {
      this.local.remove();
    } else {
      this.local.write(fields);
    }
    if (!this.blocked) {
      this.schedule(SAVE_DELAY);
    }
  };

  Desk.prototype.schedule = function (delay) {
    var desk = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () {
      desk.save(false);
    }, delay);
  };

  Desk.prototype.save = function (keepalive) {
    var desk = this;
    window.clearTimeout(this.timer);
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    var fields = this.snapshot();
    var isNew = this.form.dataset.localKey === "new";
    if (this.blocked || !this.dirty() || (isNew && this.isBlank(fields))) {
      return Promise.resolve();
    }
    var payload = Object.assign({}, fields, {
      version: this.field("version").value,
      pending_version: this.field("pending_version").value || null,
      editing_session: this.session,
    });
    this.say(say("saving"));
    this.inFlight = sendJson(this.url, payload, keepalive)
      .then(function (answer) {
        desk.answered(answer, fields);
      })
      .catch(function () {
        desk.say(say("offline"));
        desk.schedule(RETRY_DELAY);
      })
      .finally(function () {
        desk.inFlight = null;
        if (desk.again) {
          desk.again = false;
          desk.schedule(0);
        }
      });
    return this.inFlight;
  };

  Desk.prototype.answered = function (answer, fields) {
    var body = answer.body || {};
    if (answer.status === 200 || answer.status === 201) {
      this.confirmed(body, fields);
    } else if (answer.status === 401) {
      this.say(say("signed_out"));
    } else if (answer.status === 409 && body.conflict) {
      this.conflicted(body.conflict);
    } else if (answer.status === 429 || answer.status >= 500) {
      this.say(say("retrying"));
      this.schedule(Math.max(answer.retryAfter * 1000, RETRY_DELAY));
    } else {
      this.say(say("refused", { reason: firstError(body) }));
    }
  };

  Desk.prototype.confirmed = function (body, fields) {
    this.field("version").value = String(body.version);
    this.field("pending_version").value = body.pending_version ? String(body.pending_version) : "";
    this.saved = fields;
    if (body.created) {
      this.becomeArticle(body);
    }
    if (this.dirty()) {
      this.local.write(this.snapshot());
    } else {
      this.local.remove();
    }
    var when = clock(new Date(body.saved_at));
    this.say(say(body.pending ? "saved_pending" : "saved", { time: when }));
    if (body.pending) {
      this.showPending(when, body.pending_version);
    }
  };

  // A new article's first autosave made a draft: the page now edits it.
  Desk.prototype.becomeArticle = function (body) {
    this.local.remove();
    this.form.dataset.localKey = "article-" + body.id;
    this.local = new LocalCopy(this.form.dataset.localKey);
    this.form.setAttribute("action", body.edit_url);
    this.form.dataset.autosaveUrl = body.autosave_url;
    this.url = body.autosave_url;
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", body.edit_url);
    }
  };

  Desk.prototype.showPending = function (when, pendingVersion) {
    var note = document.querySelector(".js-pending-note");
    if (!note) {
      return;
    }
    note.querySelector(".js-pending-when").textContent = say("pending_from", { time: when });
    var version = document.querySelector(".js-publish-pending-version");
    if (version) {
      version.value = String(pendingVersion || "");
    }
    note.hidden = false;
  };

  // --- conflicts: both texts side by side, the writer chooses ---------------------------

  Desk.prototype.conflicted = function (conflict) {
    var panel = this.form.querySelector(".js-conflict");
    var theirs = conflict.theirs;
    this.blocked = true;
    this.theirs = theirs;
    this.say(say("conflict"));
    if (!panel) {
      return;
    }
    var values = { name: theirs.by, time: theirs.at ? clock(new Date(theirs.at)) : "" };
    var saved = theirs.by
      ? (theirs.at ? "conflict_by_at" : "conflict_by")
      : (theirs.at ? "conflict_at" : "conflict_plain");
    panel.querySelector(".js-conflict-summary").textContent =
      say(saved, values) + " " + say("conflict_choose");
    panel.querySelector(".js-conflict-mine").value = this.snapshot().title + "\n\n" + this.snapshot().body;
    panel.querySelector(".js-conflict-theirs").value = theirs.title + "\n\n" + theirs.body;
    this.revealConflict(panel);
  };

  Desk.prototype.revealConflict = function (panel) {
    panel.querySelectorAll(".js-no-script-label").forEach(function (node) {
      node.hidden = true;
    });
    panel.querySelector(".js-conflict-actions").hidden = false;
    panel.hidden = false;
    var heading = panel.querySelector("h2");
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  };

  Desk.prototype.settleConflict = function (keepMine) {
    var panel = this.form.querySelector(".js-conflict");
    var theirs = this.theirs;
    panel.hidden = true;
    this.blocked = false;
    if (!theirs) {
      // Shown by the server (a plain save): the form already stands on the current version.
      if (keepMine) {
        this.saved = {};
        this.save(false);
      } else {
        this.leaving = true;
        this.local.remove();
        window.location.assign(this.form.getAttribute("action"));
      }
      return;
    }
    this.field("version").value = String(theirs.version);
    this.field("pending_version").value = theirs.pending_version ? String(theirs.pending_version) : "";
    if (keepMine) {
      this.save(false);
      return;
    }
    var fields = {
      title: theirs.title,
      description: theirs.description,
      body: theirs.body,
      tags: (theirs.tags || []).join(", "),
      cover_image: theirs.cover_image || "",
    };
    this.fill(fields);
    this.saved = this.snapshot();
    this.local.remove();
    this.say(say("showing_current"));
    this.field("body").focus();
  };

  // --- restoring the local copy -----------------------------------------------------------

  Desk.prototype.offerRestore = function () {
    var copy = this.local.read();
    var banner = document.querySelector(".js-restore");
    if (!copy || !banner) {
      return;
    }
    if (this.same(copy.fields, this.saved) || this.isBlank(copy.fields)) {
      this.local.remove();
      return;
    }
    var desk = this;
    banner.querySelector(".js-restore-detail").textContent =
      say("restore_detail", { time: clock(new Date(copy.at)) });
    banner.hidden = false;
    banner.querySelector(".js-restore-apply").addEventListener("click", function () {
      banner.hidden = true;
      desk.fill(copy.fields);
      desk.changed();
      desk.say(say("restored"));
      desk.field("body").focus();
    });
    banner.querySelector(".js-restore-discard").addEventListener("click", function () {
      banner.hidden = true;
      desk.local.remove();
      desk.field("title").focus();
    });
  };

  // --- leaving: a hidden or closed page saves at once; a plain post carries the text -----

  Desk.prototype.watchLeaving = function () {
    var desk = this;
    function flush() {
      if (!desk.leaving && desk.dirty()) {
        desk.save(true);
      }
    }
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") {
        flush();
      }
    });
    window.addEventListener("pagehide", flush);
    window.addEventListener("online", function () {
      if (desk.dirty()) {
        desk.schedule(0);
      }
    });
    this.form.addEventListener("submit", function (event) {
      if (desk.inFlight) {
        // Wait for the autosave: it moves the version the post must name.
        event.preventDefault();
        var submitter = event.submitter;
        desk.inFlight.then(function () {
          desk.form.requestSubmit(submitter);
        });
        return;
      }
      window.clearTimeout(desk.timer);
      desk.leaving = true;
    });
  };

  // The pending note's buttons: save what is typed before publishing; a discard is final.
  Desk.prototype.watchPendingNote = function () {
    var desk = this;
    var publish = document.getElementById("publish-pending-form");
    var discard = document.getElementById("discard-pending-form");
    if (publish) {
      publish.addEventListener("submit", function (event) {
        if (desk.leaving) {
          return;
        }
        event.preventDefault();
        desk.save(false).then(function () {
          if (desk.blocked || desk.dirty()) {
            return;
          }
          desk.leaving = true;
          desk.local.remove();
          document.querySelector(".js-publish-pending-version").value = desk.field("pending_version").value;
          publish.submit();
        });
      });
    }
    if (discard) {
      discard.addEventListener("submit", function () {
        window.clearTimeout(desk.timer);
        desk.leaving = true;
        desk.local.remove();
      });
    }
  };

  Desk.prototype.start = function () {
    var desk = this;
    this.form.addEventListener("input", function () {
      desk.changed();
    });
    this.form.addEventListener("change", function () {
      desk.changed();
    });
    var panel = this.form.querySelector(".js-conflict");
    if (panel) {
      panel.querySelector(".js-conflict-keep").addEventListener("click", function () {
        desk.settleConflict(true);
      });
      panel.querySelector(".js-conflict-take").addEventListener("click", function () {
        desk.settleConflict(false);
      });
      if (!panel.hidden) {
        this.revealConflict(panel);
      }
    }
    this.watchLeaving();
    this.watchPendingNote();
    this.offerRestore();
    document.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "s") {
        // Save now, here: no browser dialog, no leaving the editor.
        event.preventDefault();
        if (!desk.dirty()) {
          desk.say(say("nothing_new"));
          return;
        }
        desk.save(false);
      }
    });
  };

  // --- live preview: the server's own Markdown and sanitiser, debounced ---------------------

  // Says why there is no preview; true when trying again later may bring it back.
  function previewFailed(target, error) {
    target.textContent = say(error.status === 422 ? "preview_too_complex" : "preview_paused");
    return error.status === 429 || !error.status;
  }

  function enhancePreview(form) {
    var pane = form.querySelector(".preview-pane");
    var target = form.querySelector(".preview-body");
    var body = form.elements.namedItem("body");
    var button = form.querySelector(".js-preview");
    if (!pane || !target || !body) {
      return;
    }
    // Re-read on every pause, it must not be announced on every pause.
    pane.removeAttribute("aria-live");
    var timer = null;
    var busy = false;
    var again = false;
    var last = 0;
    function render() {
      var wait = PREVIEW_GAP - (Date.now() - last);
      if (busy || wait > 0) {
        again = true;
        window.clearTimeout(timer);
        timer = window.setTimeout(render, Math.max(wait, 200));
        return;
      }
      busy = true;
      again = false;
      last = Date.now();
      var data = new FormData();
      data.append("body", body.value);
      target.setAttribute("aria-busy", "true");
      post(form.dataset.previewUrl, data)
        .then(function (result) {
          // The server returns HTML sanitised by the same pipeline that renders articles.
          if (result.html) {
            target.innerHTML = result.html;
          } else {
            var nothing = document.createElement("p");
            nothing.className = "muted";
            nothing.textContent = say("preview_nothing");
            target.replaceChildren(nothing);
          }
          pane.classList.remove("is-empty");
          document.dispatchEvent(new CustomEvent("folio:content-changed"));
        })
        .catch(function (error) {
          again = previewFailed(target, error) || again;
        })
        .finally(function () {
          busy = false;
          target.removeAttribute("aria-busy");
          if (again) {
            window.clearTimeout(timer);
            timer = window.setTimeout(render, PREVIEW_GAP);
          }
        });
    }
    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(render, PREVIEW_DELAY);
    }
    body.addEventListener("input", schedule);
    form.addEventListener("desk:filled", schedule);
    previewButton(form, button, render);
    if (body.value.trim()) {
      render();
    }
  }

  // "Preview" (the no-script path) now renders at once, and on a phone shows the tab.
  function previewButton(form, button, render) {
    if (!button) {
      return;
    }
    button.addEventListener("click", function (event) {
      event.preventDefault();
      render();
      form.dispatchEvent(new CustomEvent("desk:show-preview"));
    });
  }

  // --- Write / Preview tabs on a phone; side by side on a wide screen --------------------

  function enhanceTabs(form) {
    var toolbar = form.querySelector(".js-toolbar");
    var write = document.getElementById("tab-write");
    var preview = document.getElementById("tab-preview");
    var writePane = document.getElementById("body-pane");
    var previewPane = document.getElementById("preview");
    if (!toolbar || !write || !preview || !writePane || !previewPane) {
      return;
    }
    toolbar.hidden = false;
    var narrow = window.matchMedia("(max-width: 56rem)");
    function show(view, focus) {
      form.dataset.view = view;
      write.setAttribute("aria-selected", view === "write" ? "true" : "false");
      preview.setAttribute("aria-selected", view === "preview" ? "true" : "false");
      write.tabIndex = view === "write" ? 0 : -1;
      preview.tabIndex = view === "preview" ? 0 : -1;
      if (focus) {
        (view === "write" ? write : preview).focus();
      }
    }
    function layout() {
      // Tab roles only while the panes are tabs (a phone); side by side they are regions.
      [writePane, previewPane].forEach(function (pane) {
        if (narrow.matches) {
          pane.setAttribute("role", "tabpanel");
        } else {
          pane.removeAttribute("role");
        }
      });
      if (narrow.matches) {
        writePane.setAttribute("aria-labelledby", "tab-write");
      } else {
        writePane.removeAttribute("aria-labelledby");
      }
      previewPane.setAttribute("aria-labelledby", narrow.matches ? "tab-preview" : "preview-title");
    }
    write.addEventListener("click", function () {
      show("write", false);
    });
    preview.addEventListener("click", function () {
      show("preview", false);
    });
    [write, preview].forEach(function (tab) {
      tab.addEventListener("keydown", function (event) {
        if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
          event.preventDefault();
          show(form.dataset.view === "write" ? "preview" : "write", true);
        }
      });
    });
    form.addEventListener("desk:show-preview", function () {
      if (narrow.matches) {
        show("preview", false);
      }
    });
    narrow.addEventListener("change", layout);
    layout();
    show("write", false);
  }

  // --- formatting shortcuts -----------------------------------------------------------------

  function replaceSelection(area, text) {
    area.focus();
    // execCommand keeps the browser's undo history; setRangeText where it is gone.
    if (!document.execCommand || !document.execCommand("insertText", false, text)) {
      area.setRangeText(text, area.selectionStart, area.selectionEnd, "end");
      area.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function wrap(area, before, after, placeholder) {
    var start = area.selectionStart;
    var chosen = area.value.slice(start, area.selectionEnd) || placeholder;
    replaceSelection(area, before + chosen + after);
    area.setSelectionRange(start + before.length, start + before.length + chosen.length);
  }

  function formatHeading(area) {
    var lineStart = area.value.lastIndexOf("\n", area.selectionStart - 1) + 1;
    var line = area.value.slice(lineStart).split("\n")[0];
    var caret = area.selectionStart;
    area.setSelectionRange(lineStart, lineStart + line.length);
    var heading = /^#{1,6} /.test(line) ? line.replace(/^#{1,6} /, "") : "## " + line;
    replaceSelection(area, heading);
    var moved = caret + heading.length - line.length;
    area.setSelectionRange(Math.max(lineStart, moved), Math.max(lineStart, moved));
  }

  function format(area, kind) {
    var selected = area.value.slice(area.selectionStart, area.selectionEnd);
    if (kind === "bold") {
      wrap(area, "**", "**", say("bold_text"));
    } else if (kind === "italic") {
      wrap(area, "_", "_", say("italic_text"));
    } else if (kind === "heading") {
      formatHeading(area);
    } else if (kind === "code") {
      if (selected.indexOf("\n") >= 0) {
        wrap(area, "```\n", "\n```", "");
      } else {
        wrap(area, "`", "`", say("code_text"));
      }
    } else if (kind === "link") {
      var start = area.selectionStart;
      var label = selected || say("link_text");
      replaceSelection(area, "[" + label + "](https://)");
      // The address is what is left to type.
      var at = start + label.length + 3;
      area.setSelectionRange(at, at + "https://".length);
    }
  }

  var SHORTCUTS = { b: "bold", i: "italic", k: "link", e: "code" };

  function enhanceShortcuts(form) {
    var area = form.elements.namedItem("body");
    if (!area) {
      return;
    }
    area.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) {
        return;
      }
      var key = event.key.toLowerCase();
      var kind = event.shiftKey ? (key === "h" ? "heading" : null) : SHORTCUTS[key];
      if (kind) {
        event.preventDefault();
        format(area, kind);
      }
    });
    form.querySelectorAll("[data-format]").forEach(function (button) {
      button.addEventListener("click", function () {
        format(area, button.dataset.format);
      });
    });
  }

  // --- word count and reading time ------------------------------------------------------------

  function enhanceCount(form) {
    var area = form.elements.namedItem("body");
    var line = form.querySelector(".js-count");
    if (!area || !line) {
      return;
    }
    var words = line.querySelector(".js-words");
    var minutes = line.querySelector(".js-minutes");
    function update() {
      var count = countWords(area.value);
      words.textContent = sayCount("words", count);
      minutes.textContent = sayCount("minutes", readingMinutes(count));
    }
    area.addEventListener("input", update);
    form.addEventListener("desk:filled", update);
    line.hidden = false;
    update();
  }

  function localTimes() {
    document.querySelectorAll("time.js-local-time").forEach(function (node) {
      var when = new Date(node.getAttribute("datetime"));
      if (!isNaN(when.getTime())) {
        node.textContent = clock(when);
      }
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
        reject(new Error(messages ? messages.join(" ") : say("upload_failed")));
      });
      request.addEventListener("error", function () {
        reject(new Error(say("upload_offline")));
      });
      progress.hidden = false;
      progress.value = 0;
      status.textContent = say("uploading", { name: file.name });
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
          status.textContent = say("uploaded_alt");
          // Kept now: when the dialog closes, Chromium gives the body its focus back
          // with the caret at the very start.
          var start = body.selectionStart;
          var end = body.selectionEnd;
          return askAltText(dialog, media).then(function (alt) {
            if (alt === null) {
              status.textContent = say("uploaded_not_inserted");
              body.setSelectionRange(start, end);
              return;
            }
            insertAtCursor(body, "![" + alt + "](" + media.url + ")", start, end);
            status.textContent = say("inserted");
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
          status.textContent = say("cover_uploaded");
          input.value = "";
          // The autosave and the local copy follow the cover like any other change.
          hidden.dispatchEvent(new Event("change", { bubbles: true }));
        })
        .catch(function (error) {
          status.textContent = error.message;
        })
        .finally(function () {
          progress.hidden = true;
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.fetch || !window.FormData) {
      return;
    }
    localTimes();
    document.querySelectorAll("form.editor[data-autosave-url]").forEach(function (form) {
      enhanceImages(form);
      enhanceCover(form);
      enhancePreview(form);
      enhanceTabs(form);
      enhanceShortcuts(form);
      enhanceCount(form);
      new Desk(form).start();
    });
  });
})();
