// Fleets pages: "use this dashboard's webhook URLs" fills (and locks) the command URL inputs.
(function () {
  "use strict";

  function apply(box) {
    const form = box.form;
    if (!form) return;
    [["sms_commands_url", box.dataset.smsCommandsUrl], ["ip_commands_url", box.dataset.ipCommandsUrl]].forEach(
      function (pair) {
        const input = form.elements[pair[0]];
        if (!input || !pair[1]) return;
        if (box.checked) {
          if (!input.dataset.previous) input.dataset.previous = input.value;
          input.value = pair[1];
          input.readOnly = true;
        } else if (input.readOnly) {
          input.value = input.dataset.previous || "";
          input.readOnly = false;
          delete input.dataset.previous;
        }
      }
    );
  }

  function init(root) {
    root.querySelectorAll("input[name=use_dashboard_webhooks]").forEach(function (box) {
      if (box.dataset.bound) return;
      box.dataset.bound = "1";
      box.addEventListener("change", function () { apply(box); });
      if (box.checked) apply(box);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.body.addEventListener("htmx:afterSwap", function (event) { init(event.target.parentNode || document); });
})();
