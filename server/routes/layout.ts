import { type Lang, message } from "../../messages/catalogue.ts";
import type { Principal } from "../auth/authenticate.ts";
import { html, type Raw } from "../html.ts";

/** The page frame: language switch, who is signed in, and sign-out (with the CSRF token). */
export function layout(lang: Lang, title: string, body: Raw, who?: Principal): string {
  const other = lang === "zh" ? "en" : "zh";
  return html`<!doctype html>
<html lang="${lang === "zh" ? "zh-CN" : "en"}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${who?.csrf ? html`<meta name="csrf-token" content="${who.csrf}">` : ""}
<title>${title}</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<header class="top"><strong>${message("ui.app_name", lang)}</strong>
<nav><a href="?lang=${other}" class="lang">${other === "en" ? "English" : "中文"}</a>
${
  who
    ? html` <span class="who">${who.user_name} (${who.role})</span>
<form method="post" action="/signout" class="signout"><input type="hidden" name="_csrf" value="${who.csrf ?? ""}"><button type="submit">${message("ui.sign_out", lang)}</button></form>`
    : ""
}
</nav></header>
<main>${body}</main>
</body>
</html>`.value;
}
