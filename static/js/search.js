// The global search box (apps/search/templates/search/_box.html): ARIA 1.2 combobox + listbox.
// "/" anywhere (outside a field) focuses it; htmx loads the suggestions into #search-popup as you type;
// ArrowDown / ArrowUp move the active option (aria-activedescendant: the focus stays in the input), Enter opens
// it, Escape closes the popup; Enter with no active option submits the form (the full results page).
(function () {
  "use strict";

  function box() { return document.querySelector("[data-search-input]"); }
  function popup() { return document.getElementById("search-popup"); }
  function options() { return Array.from(document.querySelectorAll("#search-popup [data-search-option]")); }

  function typing(el) {
    if (!el) return false;
    const tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function setActive(index) {
    const input = box();
    const opts = options();
    opts.forEach(function (opt, i) {
      const on = i === index;
      opt.setAttribute("aria-selected", on ? "true" : "false");
      opt.classList.toggle("active", on);
      if (on) opt.scrollIntoView({ block: "nearest" });
    });
    if (index >= 0 && opts[index]) input.setAttribute("aria-activedescendant", opts[index].id);
    else input.removeAttribute("aria-activedescendant");
  }

  function activeIndex() {
    const input = box();
    const id = input && input.getAttribute("aria-activedescendant");
    return id ? options().findIndex(function (o) { return o.id === id; }) : -1;
  }

  function open(show) {
    const input = box();
    const pop = popup();
    if (!input || !pop) return;
    const hasContent = show && pop.textContent.trim() !== "" && input.value.trim() !== "";
    pop.hidden = !hasContent;
    input.setAttribute("aria-expanded", hasContent && options().length ? "true" : "false");
    if (!hasContent) setActive(-1);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(document.activeElement)) return;
    const input = box();
    if (!input) return;
    event.preventDefault();
    input.focus();
    input.select();
  });

  document.addEventListener("DOMContentLoaded", function () {
    const input = box();
    if (!input) return;
    input.addEventListener("keydown", function (event) {
      const opts = options();
      const current = activeIndex();
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!opts.length) return;
        event.preventDefault();
        open(true);
        const step = event.key === "ArrowDown" ? 1 : -1;
        setActive(current < 0 ? (step > 0 ? 0 : opts.length - 1) : (current + step + opts.length) % opts.length);
      } else if (event.key === "Enter" && current >= 0 && opts[current]) {
        event.preventDefault();
        window.location.assign(opts[current].href);
      } else if (event.key === "Escape") {
        if (!popup().hidden) { event.preventDefault(); open(false); }
      }
    });
    input.addEventListener("input", function () { setActive(-1); if (!input.value.trim()) open(false); });
    input.addEventListener("focus", function () { open(true); });
    document.addEventListener("click", function (event) {
      if (!event.target.closest("[data-search-form]")) open(false);
    });
    popup().addEventListener("mousemove", function (event) {
      const opt = event.target.closest("[data-search-option]");
      if (opt) setActive(options().indexOf(opt));
    });
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "search-popup") {
      setActive(-1);
      open(document.activeElement === box());
    }
  });
})();
