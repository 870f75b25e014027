// Civic's own script: small progressive enhancements only; every page works without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Main navigation: on narrow screens the menu folds behind a disclosure button.
  function setUpNavigation() {
    var toggle = document.querySelector(".nav-toggle");
    var menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
    if (!menu) {
      return;
    }
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        toggle.setAttribute("aria-expanded", "false");
        menu.classList.remove("open");
        toggle.focus();
      }
    });
  }

  // A page that comes back with form errors (422) moves focus to its error summary.
  function focusErrorSummary(root) {
    var summary = root.querySelector(".error-summary");
    if (summary) {
      if (!summary.hasAttribute("tabindex")) {
        summary.setAttribute("tabindex", "-1");
      }
      summary.focus();
      return true;
    }
    return false;
  }


  // Before uploading, tell at once (beside the field) that a file is over the size the server accepts.
  function sizeError(input) {
    var limit = Number(input.getAttribute("data-max-bytes"));
    var files = Array.prototype.slice.call(input.files || []);
    return limit && files.some(function (file) { return file.size > limit; })
      ? input.getAttribute("data-too-large") : "";
  }

  function showSizeError(input, message) {
    var id = input.id + "-size-error";
    var note = document.getElementById(id);
    if (!message) {
      if (note) { note.remove(); }
      input.removeAttribute("aria-invalid");
      return;
    }
    if (!note) {
      note = document.createElement("small");
      note.id = id;
      note.className = "field-error";
      note.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", note);
    }
    note.textContent = message;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + id).trim());
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[type=file][data-max-bytes]")) {
      showSizeError(input, sizeError(input));
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var inputs = Array.prototype.slice.call(form.querySelectorAll("input[type=file][data-max-bytes]"));
    var first = null;
    var total = 0;
    inputs.forEach(function (input) {
      var message = sizeError(input);
      showSizeError(input, message);
      if (message && !first) { first = input; }
      Array.prototype.forEach.call(input.files || [], function (file) { total += file.size; });
    });
    var maxTotal = Number(form.getAttribute("data-max-total-bytes"));
    if (!first && maxTotal && total > maxTotal && inputs.length) {
      first = inputs[0];
      showSizeError(first, form.getAttribute("data-too-large-total"));
    }
    if (first) {
      event.preventDefault();
      event.stopImmediatePropagation();
      first.focus();
    }
  }, true);

  // A destructive button leads to a confirmation page; with JavaScript, that page opens in a <dialog>
  // over the current one instead (same question, same form, same POST).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-confirm-page") || !window.HTMLDialogElement) {
      return;
    }
    event.preventDefault();
    var opener = event.submitter || form.querySelector("button");
    fetch(form.action, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var box = new DOMParser().parseFromString(html, "text/html").querySelector(".confirm-box");
        if (!box) { throw new Error("no confirmation"); }
        var dialog = document.createElement("dialog");
        dialog.className = "confirm-dialog";
        dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
        dialog.appendChild(document.importNode(box, true));
        var heading = dialog.querySelector("h1");
        heading.outerHTML = "<h2 id=\"confirm-dialog-title\">" + heading.innerHTML + "</h2>";
        var back = dialog.querySelector("a.secondary");
        back.addEventListener("click", function (click) { click.preventDefault(); dialog.close(); });
        dialog.addEventListener("close", function () {
          dialog.remove();
          if (opener) { opener.focus(); }
        });
        document.body.appendChild(dialog);
        dialog.showModal();
        back.focus();  // the safe choice has the focus: Enter does not destroy anything
      })
      .catch(function () { window.location.assign(form.action); });
  });


  // Destructive links marked data-confirm-dialog open their <dialog> instead of the confirmation page.
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-confirm-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-confirm-dialog"));
      if (dialog && typeof dialog.showModal === "function") {
        event.preventDefault();
        dialog.showModal();
        var first = dialog.querySelector("button, [href], input:not([type=hidden])");
        if (first) {
          first.focus();
        }
      }
      return;
    }
    var closer = event.target.closest("[data-close-dialog]");
    if (closer) {
      closer.closest("dialog").close();
      return;
    }
    // Buttons marked data-print open the browser's print dialog (receipts).
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
  document.addEventListener("close", function (event) {
    // Give focus back to the link that opened the dialog.
    if (event.target.tagName === "DIALOG") {
      var opener = document.querySelector('[data-confirm-dialog="' + event.target.id + '"]');
      if (opener) {
        opener.focus();
      }
    }
  }, true);

  // HTMX swaps keep keyboard focus where it was, or move it to the new content (announced as it is read).
  var focusedId = null;
  var focusWasInside = false;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    var target = event.detail.target;
    focusWasInside = Boolean(active && active !== document.body && target && target.contains(active));
    focusedId = focusWasInside && active.id ? active.id : null;
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    // An outerHTML swap replaces the target: look it up again by its id.
    var root = (target && target.isConnected) ? target : (target && target.id && document.getElementById(target.id));
    root = root || document.getElementById("main");
    if (focusErrorSummary(root)) {
      return;
    }
    if (!focusWasInside) {
      return;
    }
    var same = focusedId && document.getElementById(focusedId);
    if (same) {
      same.focus();
      return;
    }
    var next = root.querySelector("[data-focus]") || root.querySelector("h1, h2, h3, h4") || root;
    if (!next.hasAttribute("tabindex") && !next.matches("a[href], button, input, select, textarea")) {
      next.setAttribute("tabindex", "-1");
    }
    next.focus();
  });

  // Wide tables scroll inside their own keyboard-reachable region, named by their caption.
  var regionCount = 0;
  function wrapTables(root) {
    root.querySelectorAll("main table").forEach(function (table) {
      if (table.closest(".table-region, [role=region]")) {
        return;
      }
      var scroller = table.parentElement.classList.contains("table-scroll") ? table.parentElement : null;
      if (!scroller) {
        scroller = document.createElement("div");
        scroller.className = "table-scroll";
        table.parentNode.insertBefore(scroller, table);
        scroller.appendChild(table);
      }
      scroller.classList.add("table-region");
      scroller.setAttribute("role", "region");
      scroller.setAttribute("tabindex", "0");
      var caption = table.querySelector("caption");
      if (caption) {
        regionCount += 1;
        caption.id = caption.id || "table-caption-" + regionCount;
        scroller.setAttribute("aria-labelledby", caption.id);
      } else {
        scroller.setAttribute("aria-label", document.documentElement.lang === "fr" ? "Tableau" : "Table");
      }
    });
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    wrapTables(event.detail.target.isConnected ? event.detail.target : document);
  });

  // The kiosk's last screen goes back to the start by itself, so that the next voter never reads the
  // previous one's tracker (the page says so; its link does the same at once, without JavaScript).
  function setUpKioskReset() {
    var link = document.querySelector("[data-kiosk-reset-after]");
    if (link) {
      var seconds = parseInt(link.getAttribute("data-kiosk-reset-after"), 10) || 120;
      window.setTimeout(function () {
        window.location.assign(link.getAttribute("href"));
      }, seconds * 1000);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpNavigation();
    wrapTables(document);
    focusErrorSummary(document);
    setUpKioskReset();
  });
})();
