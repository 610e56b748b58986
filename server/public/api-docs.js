// /api/docs: Swagger UI over the app's own OpenAPI document (no CDN, no inline script)
const root = document.getElementById("swagger-ui");
window.SwaggerUIBundle({
  url: root.dataset.url,
  domNode: root,
  deepLinking: true,
  tryItOutEnabled: false,
  // no call to validator.swagger.io: the page stays on this server
  validatorUrl: null,
});
