// The API page (/docs): Swagger UI, served by the binary itself, showing this service's own
// /openapi.json. Nothing is fetched from elsewhere: the page works offline and under the
// service's Content-Security-Policy (no inline script).
'use strict';
window.addEventListener('DOMContentLoaded', () => {
  window.ui = window.SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    // No call-outs: the validator badge would ask validator.swagger.io about the document.
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
