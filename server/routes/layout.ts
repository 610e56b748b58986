import { type Lang, type MessageKey, message } from "../../messages/catalogue.ts";
import { allowed, type Capability } from "../auth/access.ts";
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
 * Every page of the app, with the capability its route requires (server/auth/access.ts): the
 * navigation shows a role exactly the pages it may open.
 */
const PAGES: readonly { href: string; label: MessageKey; needs: readonly Capability[] }[] = [
  { href: "/", label: "page.nav_overview", needs: ["overview"] },
  { href: "/methodology", label: "page.nav_methodology", needs: ["overview"] },
  { href: "/themes", label: "themes.nav", needs: ["overview"] },
  { href: "/sites", label: "sites.nav", needs: ["overview"] },
  { href: "/notebooks", label: "page.nav_notebooks", needs: ["overview"] },
  { href: "/releases", label: "page.nav_releases", needs: ["releases"] },
  { href: "/upload", label: "page.nav_upload", needs: ["uploads"] },
  { href: "/sql", label: "page.nav_sql", needs: ["sql"] },
  { href: "/admin", label: "admin.nav", needs: ["users"] },
];

/** The navigation links a role may follow, in the page's language. */
export function navLinks(who: Principal, lang: Lang): { href: string; label: string }[] {
  const suffix = lang === "en" ? "?lang=en" : "";
  return PAGES.filter((p) => p.needs.every((c) => allowed(c, who.role))).map((p) => {
    const [path, hash] = p.href.split("#");
    return { href: `${path}${suffix}${hash ? `#${hash}` : ""}`, label: message(p.label, lang) };
  });
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
<nav aria-label="${message("page.nav_label", lang)}">${
    who
      ? navLinks(who, lang).map(
          (l) => html`<a href="${l.href}">${l.label}</a>
`,
        )
      : ""
  }<a href="${otherLanguageHref(options.url, other)}" class="lang" lang="${other === "en" ? "en" : "zh-CN"}">${other === "en" ? "English" : "中文"}</a>
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
