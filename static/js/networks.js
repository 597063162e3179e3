// Network Access Profile pages: a text box that filters the options of a long <select multiple>.
(function () {
  "use strict";

  function bind(input) {
    const select = document.getElementById(input.dataset.filterSelect);
    if (!select) return;
    input.addEventListener("input", function () {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      Array.prototype.forEach.call(select.options, function (option) {
        const text = option.text.toLowerCase();
        // selected options stay visible so the operator sees what will be sent
        option.hidden = !option.selected && !words.every(function (w) { return text.indexOf(w) !== -1; });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-filter-select]").forEach(bind);
  });
})();
