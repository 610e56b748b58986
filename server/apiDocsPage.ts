import { type Lang, message } from "../messages/catalogue.ts";
import { html } from "./html.ts";

/**
 * /api/docs for a browser: the OpenAPI document (/api/docs/openapi.json) in Swagger UI, whose
 * files this app serves itself (/assets/vendor); the page's one script is a file too, so the
 * strict content security policy holds.
 */
export function apiDocsPage(lang: Lang): string {
  return html`<!doctype html>
<html lang="${lang === "zh" ? "zh-CN" : "en"}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${message("page.api_docs_title", lang)}</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/vendor/swagger-ui.css">
</head>
<body>
<noscript><p><a href="/api/docs/openapi.json">${message("page.api_docs_json", lang)}</a></p></noscript>
<div id="swagger-ui" data-url="/api/docs/openapi.json"></div>
<script src="/assets/vendor/swagger-ui-bundle.js"></script>
<script src="/assets/api-docs.js"></script>
</body>
</html>`.value;
}
