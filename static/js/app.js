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
