// eSIM pages: select all rows for the print sheet, print button. Static file: no inline script (CSP).
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    const box = event.target;
    if (!box.matches || !box.matches("input[data-select-all]")) return;
    const name = box.dataset.selectAll;
    document.querySelectorAll("input[type=checkbox][name='" + name + "']").forEach(function (other) {
      other.checked = box.checked;
    });
  });

  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("[data-print-page]");
    if (!button) return;
    event.preventDefault();
    window.print();
  });
})();
