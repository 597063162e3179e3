// Site-wide behaviour, loaded as a static file (no inline script: the CSP forbids it).
(function () {
  "use strict";

  function levelClass(level) {
    return { error: "danger", success: "success", warning: "warning", debug: "secondary" }[level] || "info";
  }

  function showToast(level, text) {
    const box = document.getElementById("toasts");
    if (!box || !window.bootstrap) return;
    const el = document.createElement("div");
    el.className = "toast align-items-center border-0 text-bg-" + levelClass(level);
    el.setAttribute("role", "alert");
    el.dataset.toastLevel = level;
    const row = document.createElement("div");
    row.className = "d-flex";
    const body = document.createElement("div");
    body.className = "toast-body";
    body.textContent = text;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close btn-close-white me-2 m-auto";
    close.setAttribute("data-bs-dismiss", "toast");
    close.setAttribute("aria-label", "Close");
    row.append(body, close);
    el.append(row);
    box.append(el);
    new window.bootstrap.Toast(el, { delay: level === "error" ? 10000 : 5000 }).show();
  }

  // Messages rendered with a full page.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#toasts .toast").forEach(function (el) {
      if (window.bootstrap) new window.bootstrap.Toast(el, { delay: 6000 }).show();
    });
  });

  // Messages sent with an htmx answer: HX-Trigger {"showMessages": {"messages": [{level, text}]}}.
  document.body.addEventListener("showMessages", function (event) {
    (event.detail.messages || []).forEach(function (m) { showToast(m.level, m.text); });
  });

  // Keyboard focus across htmx swaps: when the swap removed the focused element (a form's button, a link
  // of a replaced table), the focus goes to its counterpart in the new content (same id, or the same field
  // or submit button of the same form), else to the swapped region itself, never back to the page's top.
  let lastFocus = null;

  function describe(el) {
    const form = el.form || (el.closest && el.closest("form"));
    return {
      el: el,
      id: el.id,
      formId: form ? form.id : "",
      name: el.getAttribute("name") || "",
      submit: el.matches("button[type=submit], input[type=submit]"),
      targetId: "",
    };
  }

  function focusable(el) {
    // a form or a region that holds the focus in place of a control that is gone
    if (el.matches("a[href], button, input, select, textarea, [tabindex]")) return el;
    el.setAttribute("tabindex", "-1");
    return el;
  }

  function counterpart(f) {
    if (f.id) {
      const same = document.getElementById(f.id);
      // a form holding the focus in place of its controls: its first control, once it has one again
      const control = same && same.tagName === "FORM" && same.querySelector("select, input:not([type=hidden]), textarea, button");
      if (control) return control;
      if (same) return focusable(same);
    }
    // else within the same form (by id) or the swapped region: the same field, the submit button, the form
    const form = f.formId && document.getElementById(f.formId);
    const region = f.targetId && document.getElementById(f.targetId);
    const scope = form || region;
    if (!scope) return null;
    if (f.name && !f.submit) {
      const field = scope.querySelector("[name='" + CSS.escape(f.name) + "']:not([type=hidden])");
      if (field) return field;
    }
    if (f.submit) {
      const button = scope.querySelector("button[type=submit], input[type=submit]");
      if (button && !button.disabled) return button;
    }
    if (form) {
      const first = form.querySelector("input:not([type=hidden]), select, textarea, button");
      return first || focusable(form); // e.g. no status change possible now: the form says why
    }
    return focusable(region);
  }

  function remember(event) {
    // at the request (before hx-disabled-elt takes the focus from a button) and again at the swap
    const active = document.activeElement;
    if (!active || active === document.body) return;
    lastFocus = describe(active);
    const target = event.detail.target;
    lastFocus.targetId = target && target.id ? target.id : "";
  }
  document.body.addEventListener("htmx:beforeRequest", remember);
  document.body.addEventListener("htmx:beforeSwap", remember);
  document.body.addEventListener("htmx:afterSettle", function () {
    const f = lastFocus;
    lastFocus = null;
    const active = document.activeElement;
    if (!f || (active && active !== document.body && active.isConnected)) return;
    const next = counterpart(f);
    if (next && next.isConnected) next.focus({ preventScroll: false });
  });

  // A table wider than its card scrolls inside it (.table-responsive): while it does, the keyboard must be
  // able to scroll it too, so the box takes the focus (tabindex=0) as a region named after its table.
  function regionName(box) {
    const table = box.querySelector("table");
    const caption = table && table.querySelector("caption");
    if (table && table.getAttribute("aria-label")) return table.getAttribute("aria-label");
    if (caption) return caption.textContent.trim();
    const card = box.closest(".card");
    const title = card && card.querySelector(".card-title, .card-header, h2, h3");
    return (title ? title.textContent.trim() + " " : "") + "(table, scrolls sideways)";
  }

  function scrollRegions() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      const scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", regionName(box));
        box.dataset.scrollRegion = "";
      } else if (!scrolls && "scrollRegion" in box.dataset) {
        ["tabindex", "role", "aria-label", "data-scroll-region"].forEach(function (a) { box.removeAttribute(a); });
      }
    });
  }
  document.addEventListener("DOMContentLoaded", scrollRegions);
  window.addEventListener("resize", scrollRegions);
  // at once when new content is in (a polled page swaps every second: no moment without the focus stop),
  // and again once it has settled
  document.body.addEventListener("htmx:afterSwap", scrollRegions);
  document.body.addEventListener("htmx:afterSettle", scrollRegions);

  // An htmx request that failed at the network or server level still tells the operator.
  document.body.addEventListener("htmx:responseError", function (event) {
    const xhr = event.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Trigger")) return; // the server already sent a message
    showToast("error", "The server answered " + (xhr ? xhr.status : "nothing") + ". Nothing was changed.");
  });
  document.body.addEventListener("htmx:sendError", function () {
    showToast("error", "The dashboard could not be reached. Check your connection and try again.");
  });
})();
