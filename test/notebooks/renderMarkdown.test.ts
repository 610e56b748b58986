/**
 * Notebook prose through markdown-it: CommonMark with tables, raw HTML escaped, unsafe links
 * refused, headings one level below the page title, and `:::zh` / `:::en` blocks kept only in
 * their language.
 */
import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../../notebooks/engine/renderMarkdown.ts";

describe("renderMarkdown", () => {
  it("renders CommonMark with tables, headings one level down", () => {
    const html = renderMarkdown(
      "# 权重\n\n校准后的**权重**，见 [方法](/methodology)。\n\n| 乡镇 | 样本量 |\n|---|---:|\n| 城关镇 | 41 |\n\n1. 第一\n2. 第二",
      "zh",
    );
    expect(html).toContain("<h2>权重</h2>");
    expect(html).toContain("<strong>权重</strong>");
    expect(html).toContain('<a href="/methodology">方法</a>');
    expect(html).toMatch(/<table>[\s\S]*<th>乡镇<\/th>[\s\S]*<td style="text-align:right">41<\/td>/);
    expect(html).toContain("<ol>");
  });

  it("escapes raw HTML and refuses script links", () => {
    const html = renderMarkdown(
      '<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n[x](javascript:alert(3)) [y](vbscript:msgbox)',
      "en",
    );
    expect(html).not.toMatch(/<script|<img|href="javascript|href="vbscript/i);
    expect(html).toContain("&lt;script&gt;");
  });

  it("keeps only the reader's language between ::: fences", () => {
    const text = "共同\n\n:::zh\n中文段落\n:::\n:::en\nEnglish paragraph\n:::\n\nshared";
    expect(renderMarkdown(text, "zh")).toContain("中文段落");
    expect(renderMarkdown(text, "zh")).not.toContain("English paragraph");
    expect(renderMarkdown(text, "en")).toContain("English paragraph");
    expect(renderMarkdown(text, "en")).not.toContain("中文段落");
  });
});
