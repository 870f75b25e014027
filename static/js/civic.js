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

  document.addEventListener("DOMContentLoaded", function () {
    setUpNavigation();
    wrapTables(document);
    focusErrorSummary(document);
  });
})();
