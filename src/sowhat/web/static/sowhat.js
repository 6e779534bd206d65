/* Sowhat's only script of its own: make every error of an htmx request visible.
 *
 * htmx swaps only 2xx responses by default, so a rejected check-in ("abc", a stale version)
 * used to leave the form as it was and the person believing it saved. Here:
 * - a 4xx answer that is a fragment (the form re-rendered with its error) is swapped in;
 * - a 4xx answer that is a whole page (the error page), a 5xx, or no answer at all puts its
 *   message in the page's alert slot (#flash) instead;
 * - after a swap, the first error message is scrolled into view and focused, so the person
 *   sees it where they were looking and a screen reader reads it.
 */
(function () {
  "use strict";

  function flash(text) {
    var slot = document.getElementById("flash");
    if (!slot) { window.alert(text); return; }
    slot.textContent = "";
    var p = document.createElement("p");
    p.className = "alert error";
    p.setAttribute("tabindex", "-1");
    p.textContent = text + " ";
    var reload = document.createElement("a");
    reload.href = window.location.href;
    reload.textContent = "Reload the page";
    p.appendChild(reload);
    slot.appendChild(p);
    slot.hidden = false;
    p.scrollIntoView({ block: "center" });
    p.focus();
  }

  function problemText(html, status) {
    try {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var msg = doc.querySelector(".alert.error");
      var hint = doc.querySelector(".problem-hint");
      var text = msg ? msg.textContent.trim() : "";
      if (hint) { text += " — " + hint.textContent.trim(); }
      if (text) { return "Not saved: " + text; }
    } catch (e) { /* fall through to the generic message */ }
    return "Not saved: the server answered " + status + ".";
  }

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var xhr = evt.detail.xhr;
    if (xhr.status < 400 || xhr.status >= 500) { return; }
    var html = xhr.responseText || "";
    if (/<html[\s>]/i.test(html)) {
      evt.detail.shouldSwap = false;
      flash(problemText(html, xhr.status));
    } else {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });

  document.addEventListener("htmx:responseError", function (evt) {
    if (evt.detail.xhr.status >= 500) {
      flash("Not saved: the server failed (" + evt.detail.xhr.status + "). Try again in a moment.");
    }
  });

  document.addEventListener("htmx:sendError", function () {
    flash("Not saved: the server could not be reached. Check your connection and try again.");
  });

  // Messages already on the page when it loads were seen with it; mark them so that only
  // the ones a swap brings in are focused.
  function markSeen() {
    document.querySelectorAll(".alert").forEach(function (el) { el.dataset.seen = "1"; });
  }
  document.addEventListener("DOMContentLoaded", markSeen);

  document.addEventListener("htmx:afterSettle", function () {
    var err = document.querySelector(".alert.error:not([data-seen]), .alert.stale:not([data-seen])");
    if (!err) {  // a swap that went well clears an earlier failure's message
      var slot = document.getElementById("flash");
      if (slot) { slot.hidden = true; slot.textContent = ""; }
      markSeen();
      return;
    }
    markSeen();
    err.setAttribute("tabindex", "-1");
    err.scrollIntoView({ block: "nearest" });
    err.focus({ preventScroll: true });
  });
})();
