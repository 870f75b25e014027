// The ranking ballot, enhanced: reorder by dragging (SortableJS, mouse and touch) or with the move buttons
// (keyboard). The rank-<id> inputs of the plain form are kept in sync, so the same form posts; every move is
// announced in the status region. Without JavaScript the page is the plain form with a rank typed per project.
(function () {
  "use strict";

  function setUp(fieldset) {
    var form = fieldset.closest("form");
    var chosen = fieldset.querySelector("#ranking-chosen");
    var others = fieldset.querySelector("#ranking-others");
    var status = fieldset.querySelector("#ranking-status");
    var empty = fieldset.querySelector(".ranking-empty");
    var othersEmpty = fieldset.querySelector(".others-empty");
    if (!form || !chosen || !others || !status) {
      return;
    }
    fieldset.classList.add("ranking-enhanced");
    fieldset.querySelectorAll(".rank-moves, .drag-handle, [data-js-hint]").forEach(function (el) {
      el.hidden = false;
    });
    fieldset.querySelectorAll(".rank-input, [data-no-js-hint]").forEach(function (el) {
      el.hidden = true;
    });
    fieldset.querySelectorAll(".rank-input input").forEach(function (input) {
      input.removeAttribute("aria-describedby");
    });

    function say(template, item) {
      var rank = Array.prototype.indexOf.call(chosen.children, item) + 1;
      status.textContent = status.getAttribute(template)
        .replace("{project}", item.getAttribute("data-title"))
        .replace("{rank}", String(rank))
        .replace("{total}", String(chosen.children.length));
    }

    // Ranks follow the list: 1 for the first ranked project; the unranked ones post an empty rank.
    function sync() {
      Array.prototype.forEach.call(chosen.children, function (item, index) {
        item.querySelector(".rank-input input").value = String(index + 1);
      });
      Array.prototype.forEach.call(others.children, function (item) {
        item.querySelector(".rank-input input").value = "";
      });
      if (empty) {
        empty.hidden = chosen.children.length > 0;
      }
      if (othersEmpty) {
        othersEmpty.hidden = others.children.length > 0;
      }
      // The live basket (htmx, hx-trigger "change") reads the same inputs.
      form.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function announce(item) {
      say(item.parentElement === chosen ? "data-moved" : "data-removed", item);
    }

    function move(item, how) {
      if (how === "up" || how === "down") {
        var sibling = how === "up" ? item.previousElementSibling : item.nextElementSibling;
        if (!sibling) {
          say(how === "up" ? "data-first" : "data-last", item);
          return;
        }
        chosen.insertBefore(item, how === "up" ? sibling : sibling.nextElementSibling);
      } else if (how === "add") {
        chosen.appendChild(item);
      } else if (how === "remove") {
        others.insertBefore(item, others.firstElementChild);
      }
      sync();
      announce(item);
    }

    fieldset.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-move]");
      if (!button) {
        return;
      }
      var item = button.closest(".rank-item");
      var how = button.getAttribute("data-move");
      move(item, how);
      // Focus stays with the moved project: the same button, or the one that now applies to it.
      var next = how === "add" ? "up" : how === "remove" ? "add" : how;
      item.querySelector('button[data-move="' + next + '"]').focus();
    });

    if (window.Sortable) {
      var options = {
        group: "ranking",
        handle: ".drag-handle",
        draggable: ".rank-item",
        forceFallback: true, // the same pointer-driven drag for mouse and touch
        fallbackTolerance: 3,
        animation: 150,
        ghostClass: "rank-ghost",
        chosenClass: "rank-chosen",
        onEnd: function (event) {
          sync();
          announce(event.item);
        },
      };
      window.Sortable.create(chosen, options);
      window.Sortable.create(others, Object.assign({}, options, { sort: false }));
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-ranking]").forEach(setUp);
  });
})();
