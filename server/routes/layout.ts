import { type Lang, message } from "../../messages/catalogue.ts";
import type { Principal } from "../auth/authenticate.ts";
import { html, type Raw } from "../html.ts";

/** The same URL in the other language, so switching keeps the filters. */
function otherLanguageHref(url: string | undefined, other: Lang): string {
  if (url === undefined) return `?lang=${other}`;
  const parsed = new URL(url, "http://local");
  if (other === "en") parsed.searchParams.set("lang", "en");
  else parsed.searchParams.delete("lang");
  return `${parsed.pathname}${parsed.search}`;
}

/**
 * The page frame: navigation, language switch (keeping the view's filters), who is signed in,
 * and sign-out (with the CSRF token). `print` lays the page out for A4 on screen too.
 */
export function layout(
  lang: Lang,
  title: string,
  body: Raw,
  who?: Principal,
  options: { url?: string; print?: boolean } = {},
): string {
  const other = lang === "zh" ? "en" : "zh";
  const suffix = lang === "en" ? "?lang=en" : "";
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
<body class="${options.print ? "print" : ""}">
<header class="top"><strong class="app-name">${message("ui.app_name", lang)}</strong>
<nav>${
    who
      ? html`<a href="/${suffix}">${message("page.nav_overview", lang)}</a>
<a href="/methodology${suffix}">${message("page.nav_methodology", lang)}</a>
<a href="/themes${suffix}">${message("themes.nav", lang)}</a>
<a href="/sites${suffix}">${message("sites.nav", lang)}</a>${
          who.role === "admin"
            ? html`
<a href="/admin${suffix}">${message("admin.nav", lang)}</a>`
            : ""
        }`
      : ""
  }
<a href="${otherLanguageHref(options.url, other)}" class="lang" lang="${other === "en" ? "en" : "zh-CN"}">${other === "en" ? "English" : "中文"}</a>
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
