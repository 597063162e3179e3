// Colour theme (Bootstrap 5.3 colour modes), loaded in <head> without defer so the page never flashes light
// in dark mode. No stored choice: follow the OS (prefers-color-scheme), live. The navbar's toggle
// (button[data-theme-toggle]) switches between light and dark and stores the choice in localStorage.
(function () {
  "use strict";
  var KEY = "supersim-theme";
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function stored() {
    try {
      var value = window.localStorage.getItem(KEY);
      return value === "light" || value === "dark" ? value : null;
    } catch (e) {
      return null; // storage refused (private mode): follow the OS
    }
  }

  function current() {
    return stored() || (media && media.matches ? "dark" : "light");
  }

  function label() {
    var theme = document.documentElement.getAttribute("data-bs-theme");
    document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
      var next = theme === "dark" ? "light" : "dark";
      button.setAttribute("aria-label", "Switch to " + next + " theme");
      button.setAttribute("title", "Switch to " + next + " theme");
      button.dataset.theme = theme;
    });
  }

  function apply(theme) {
    document.documentElement.setAttribute("data-bs-theme", theme);
    label();
  }

  apply(current());
  if (media && media.addEventListener) {
    media.addEventListener("change", function () { if (!stored()) apply(current()); });
  }
  document.addEventListener("DOMContentLoaded", label);
  // paper is white: print in the light theme (the eSIM print sheet, a page printed from the browser)
  window.addEventListener("beforeprint", function () { apply("light"); });
  window.addEventListener("afterprint", function () { apply(current()); });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-theme-toggle]");
    if (!button) return;
    var next = document.documentElement.getAttribute("data-bs-theme") === "dark" ? "light" : "dark";
    try { window.localStorage.setItem(KEY, next); } catch (e) { /* not remembered, still applied */ }
    apply(next);
  });
})();
