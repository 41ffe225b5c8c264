// Starts Swagger UI for /api/v1/docs. A file, not an inline script: the CSP allows
// scripts from this site only.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    persistAuthorization: true,
    displayRequestDuration: true,
    // BaseLayout: the standalone layout's top bar draws a logo with an inline <style>,
    // which the CSP (style-src 'self') refuses.
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
})();
