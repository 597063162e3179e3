// SIM pages: bulk selection on the list (checkboxes live in the htmx-swapped table), bulk action fields,
// the bulk confirmation (rendered by the server into #bulk-answer): Cancel, or any change, drops it.
(function () {
  "use strict";

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("input.sim-select"));
  }

  function updateCount() {
    const badge = document.getElementById("bulk-count");
    if (!badge) return;
    const n = boxes().filter(function (b) { return b.checked; }).length;
    badge.dataset.count = String(n);
    badge.textContent = n + " selected";
    const all = document.getElementById("select-page");
    if (all) {
      const total = boxes().length;
      all.checked = total > 0 && n === total;
      all.indeterminate = n > 0 && n < total;
    }
  }

  function showActionValue() {
    const action = document.getElementById("bulk-action");
    if (!action) return;
    document.querySelectorAll(".bulk-value").forEach(function (el) {
      el.classList.toggle("d-none", el.dataset.action.split(" ").indexOf(action.value) < 0);
    });
  }

  function clearAnswer() {
    const answer = document.getElementById("bulk-answer");
    if (answer) answer.replaceChildren();
  }

  document.addEventListener("click", function (event) {
    const cancel = event.target.closest && event.target.closest("[data-bulk-cancel]");
    if (!cancel) return;
    event.preventDefault();
    clearAnswer();
  });

  document.addEventListener("change", function (event) {
    const target = event.target;
    if (target.closest && target.closest("#bulk-form, #filter-form, #object-list")) clearAnswer();
    if (target.id === "select-page") {
      boxes().forEach(function (b) { b.checked = target.checked; });
      updateCount();
    } else if (target.classList && target.classList.contains("sim-select")) {
      updateCount();
    } else if (target.id === "bulk-action") {
      showActionValue();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    showActionValue();
    updateCount();
  });
  // a new page of the table: the selection starts empty again
  document.body.addEventListener("htmx:afterSettle", function (event) {
    updateCount();
    if (event.detail && event.detail.target && event.detail.target.id === "object-list") clearAnswer();
  });
})();
