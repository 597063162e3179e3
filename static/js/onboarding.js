// Onboarding pages (register one SIM, CSV upload/preview). Loaded as a static file: no inline script (CSP).
(function () {
  "use strict";

  // Warn before uploading a file over the size limit (the server refuses it anyway).
  document.addEventListener("change", function (event) {
    const input = event.target;
    const form = input.closest && input.closest("form[data-onboarding-upload]");
    if (!form || input.type !== "file") return;
    const limit = parseInt(form.dataset.maxBytes || "0", 10);
    const file = input.files && input.files[0];
    const warning = form.querySelector("[data-size-warning]");
    if (warning) warning.classList.toggle("d-none", !(file && limit && file.size > limit));
  });

  // Start a job once: disable the button when the confirm form is submitted.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.matches("form[data-onboarding-confirm], form[data-onboarding-upload]")) return;
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.disabled = true;
      button.classList.add("disabled");
    });
  });

  // After a SIM was registered through htmx, put the cursor back in the ICCID field for the next one.
  document.body.addEventListener("simCreated", function () {
    const field = document.querySelector("#sim-register input[name=iccid]");
    if (field) field.focus();
  });
})();
