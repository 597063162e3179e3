// Saved views on list pages (apps/savedviews/templates/savedviews/_toolbar.html): htmx changes the list's URL
// as filters and sorts change without re-rendering the toolbar, so the "Save view" and "Columns" forms take
// the page's query from the address bar when they are sent.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("[data-saved-views-form]");
    if (!form) return;
    const field = form.querySelector("[data-current-query]");
    if (field) field.value = window.location.search.replace(/^\?/, "");
  });
  // one panel open at a time; Escape closes it
  document.addEventListener("toggle", function (event) {
    const el = event.target;
    if (!el.matches || !el.matches(".saved-views-menu") || !el.open) return;
    document.querySelectorAll(".saved-views-menu[open]").forEach(function (other) {
      if (other !== el) other.open = false;
    });
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const open = document.activeElement && document.activeElement.closest(".saved-views-menu[open]");
    if (open) { open.open = false; open.querySelector("summary").focus(); }
  });
})();
