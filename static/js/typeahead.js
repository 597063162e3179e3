// Type-ahead selects (apps.core.widgets.TypeAheadSelect): Tom Select asks a small JSON endpoint
// (data-typeahead-url, ?q=) for the options matching what is typed; the page renders only the chosen one.
// The original <select> keeps its name and fires "change" (bubbling), so forms and htmx triggers work as before.
(function () {
  "use strict";

  function init(root) {
    if (typeof window.TomSelect === "undefined" || !root.querySelectorAll) {
      return;
    }
    root.querySelectorAll("select[data-typeahead-url]").forEach(function (el) {
      if (el.tomselect) {
        return;
      }
      var url = el.dataset.typeaheadUrl;
      // Tom Select moves the <label for> to its own input: the original select keeps the name as aria-label
      var label = el.id ? document.querySelector('label[for="' + el.id + '"]') : null;
      if (label && !el.hasAttribute("aria-label")) {
        el.setAttribute("aria-label", label.textContent.trim());
      }
      new window.TomSelect(el, {
        valueField: "value",
        labelField: "text",
        searchField: ["text"],
        placeholder: el.dataset.placeholder || "",
        allowEmptyOption: true,
        maxOptions: 50,
        preload: "focus",
        loadThrottle: 150,
        // the server's rule (a name prefix, or the SID), applied to the options already loaded too
        score: function (search) {
          var q = search.toLowerCase();
          return function (item) {
            var text = String(item.text || "").toLowerCase();
            return text.indexOf(q) === 0 || String(item.value).toLowerCase() === q ? 1 : 0;
          };
        },
        load: function (query, callback) {
          fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query), {
            headers: { Accept: "application/json" },
            credentials: "same-origin",
          })
            .then(function (response) {
              return response.ok ? response.json() : { results: [] };
            })
            .then(function (data) {
              callback(data.results || []);
            })
            .catch(function () {
              callback();
            });
        },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
  });
  document.addEventListener("htmx:load", function (event) {
    init(event.detail.elt);
  });
})();
