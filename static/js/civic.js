// Civic's own script: small progressive enhancements only; every page works without it.
(function () {
  "use strict";
  // After an HTMX swap, move focus to an error summary if one appeared, so screen readers hear it.
  document.addEventListener("htmx:afterSwap", function (event) {
    var summary = event.detail.target.querySelector(".error-summary");
    if (summary) {
      summary.focus();
    }
  });

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
    if (!form.hasAttribute || !form.hasAttribute("data-confirm-dialog") || !window.HTMLDialogElement) {
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

  // Buttons marked data-print open the browser's print dialog (receipts).
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
})();
