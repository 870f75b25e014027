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

  // Buttons marked data-print open the browser's print dialog (receipts).
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
})();
