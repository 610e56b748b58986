import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notebookColumns } from "../../messages/notebookColumns.ts";
import {
  findNotebook,
  loadNotebook,
  NOTEBOOKS_DIR,
  type RenderedNotebook,
  renderBody,
  renderNotebook,
  shownColumns,
} from "../../notebooks/engine/index.ts";
import { type NotebookFixture, notebookFixture, SHIPPED } from "./fixture.ts";

// Each shipped notebook on the demo study, as a reader of each language sees it: the page's
// text (headings, prose, table headers and cells, the parameter line) and every chart's
// titles, axis titles and the values its axes and legends draw. Ids written in code type
// (<code>: item keys, block names, margin names) and a few units and symbols are allowed in
// the Chinese render; the English render has no Chinese characters at all.
let f: NotebookFixture;
const rendered = new Map<string, RenderedNotebook>();

beforeAll(async () => {
  f = await notebookFixture();
  for (const name of SHIPPED)
    rendered.set(
      name,
      await renderNotebook(loadNotebook(findNotebook(NOTEBOOKS_DIR, name)!), { sandbox: f.sandbox }),
    );
});
afterAll(async () => {
  await f?.close();
});

/** Tokens of Latin letters a Chinese page may show outside code: units, symbols, names of methods. */
const ALLOWED_IN_ZH = new Set(["CV", "Kish", "p"]);
const CJK = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/;

/** The text a reader sees: no scripts, no code spans, no tags, entities decoded. */
function visibleText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, " ")
    .replace(/<code>[\s\S]*?<\/code>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** What a chart writes on the page: its titles, and the values of its nominal encodings. */
function chartText(notebook: RenderedNotebook, lang: "zh" | "en"): string[] {
  const out: string[] = [];
  const walk = (value: unknown, key: string, rows: Record<string, unknown>[]): void => {
    if (Array.isArray(value)) for (const v of value) walk(v, key, rows);
    else if (value && typeof value === "object") {
      const o = value as Record<string, unknown>;
      // codes drawn as written (margin names, item keys) are ids, as in the tables' code type
      if (typeof o.field === "string" && o.type === "nominal" && notebookColumns[o.field]?.kind !== "code")
        for (const row of rows) out.push(String(row[o.field] ?? ""));
      for (const [k, v] of Object.entries(o)) if (k !== "data") walk(v, k, rows);
    } else if (key === "title" && typeof value === "string") out.push(value);
  };
  for (const section of notebook.sections) {
    if (section.kind !== "chart") continue;
    const body = renderBody({ ...notebook, sections: [section] }, lang).value;
    const spec = JSON.parse(
      (/<script type="application\/json" class="nb-spec">([\s\S]*?)<\/script>/.exec(body) ?? ["", "{}"])[1]!,
    ) as Record<string, unknown>;
    const rows = (spec.data as { values: Record<string, unknown>[] }).values;
    walk({ ...spec, data: undefined }, "", rows);
  }
  return out;
}

describe("each shipped notebook reads in one language", () => {
  for (const name of SHIPPED) {
    it(`${name}: the zh render has no English words outside code, units and symbols`, () => {
      const notebook = rendered.get(name)!;
      const text = [visibleText(renderBody(notebook, "zh").value), ...chartText(notebook, "zh")].join("\n");
      const english = [...text.matchAll(/[A-Za-z]+/g)].map((m) => m[0]).filter((w) => !ALLOWED_IN_ZH.has(w));
      expect([...new Set(english)]).toEqual([]);
      expect(text).toMatch(CJK);
    });

    it(`${name}: the server page's notebook (with its parameter form) reads the same in zh and en`, async () => {
      for (const lang of ["zh", "en"] as const) {
        const res = await request(f.app).get(`/notebooks/${name}?lang=${lang}`).set(f.as("viewer"));
        expect(res.status).toBe(200);
        const article = /<article class="notebook"[\s\S]*<\/article>/.exec(res.text)![0];
        // option values are ids; the text a reader sees is the option's label
        const text = visibleText(article.replace(/<option value="[^"]*"/g, "<option"));
        if (lang === "zh")
          expect(
            [...new Set([...text.matchAll(/[A-Za-z]+/g)].map((m) => m[0]))].filter(
              (w) => !ALLOWED_IN_ZH.has(w),
            ),
          ).toEqual([]);
        else expect(text).not.toMatch(CJK);
      }
    });

    it(`${name}: the en render has no Chinese characters`, () => {
      const notebook = rendered.get(name)!;
      const text = [visibleText(renderBody(notebook, "en").value), ...chartText(notebook, "en")].join("\n");
      const chinese = [...text.matchAll(new RegExp(CJK.source, "g"))].map((m) => m[0]);
      expect(chinese.join("")).toBe("");
    });

    it(`${name}: every column a table shows has a header from the catalogue`, () => {
      const notebook = rendered.get(name)!;
      for (const section of notebook.sections) {
        if (section.kind !== "table") continue;
        for (const lang of ["zh", "en"] as const) {
          const shown = shownColumns(
            section.result.columns.map((c) => c.name),
            lang,
          ).map((c) => c.name);
          expect(
            shown.filter((c) => !(c in notebookColumns)),
            `${name}: ${section.result.name}`,
          ).toEqual([]);
        }
      }
    });
  }
});
