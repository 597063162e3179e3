// Swagger UI on the API schema (no inline script: the CSP allows only 'self' scripts).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  var csrf = root.getAttribute("data-csrf-token");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-schema-url"),
    domNode: root,
    deepLinking: true,
    requestInterceptor: function (request) {
      // the session's writes need Django's CSRF token (a Bearer token needs none)
      if (csrf && request.method && request.method.toUpperCase() !== "GET") {
        request.headers["X-CSRFToken"] = csrf;
      }
      return request;
    },
  });
})();
