// Commands pages: a live character / byte counter under the payload field (no inline script: CSP).
(function () {
  "use strict";

  function bytesOf(form, value) {
    const typeInput = form.querySelector("input[name=payload_type]:checked");
    const type = typeInput ? typeInput.value : "text";
    const compact = value.replace(/\s+/g, "");
    if (type === "hex") return Math.floor(compact.replace(/^0x/i, "").length / 2);
    if (type === "base64") return Math.floor(compact.length * 3 / 4) - (compact.endsWith("==") ? 2 : compact.endsWith("=") ? 1 : 0);
    return new TextEncoder().encode(value).length;
  }

  function bind(form) {
    if (!form || form.dataset.bound) return;
    form.dataset.bound = "1";
    const payload = form.elements.payload;
    const counter = form.querySelector("[data-payload-counter]");
    if (!payload || !counter) return;
    const mode = payload.dataset.counter;
    function update() {
      if (mode === "chars") {
        counter.textContent = payload.value.length + " / 160 characters";
        counter.classList.toggle("text-danger", payload.value.length > 160);
      } else {
        const n = bytesOf(form, payload.value);
        counter.textContent = n + " / 1300 bytes";
        counter.classList.toggle("text-danger", n > 1300);
      }
    }
    payload.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }

  function init(root) {
    const form = root.id === "send-form" ? root : root.querySelector && root.querySelector("#send-form");
    bind(form);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (evt) { init(evt.target); });
})();
