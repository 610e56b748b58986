import type { Codebook } from "../study/index.ts";
import { mapOptionColumns, type OptionColumns } from "./mapOptionColumns.ts";

export interface ColumnMapping {
  /**
   * file column (DuckDB's name) -> codebook item. A select_multiple item exported as one 0/1
   * column per option (`options`) is here too, `by` "options", under a column name of its own
   * (OPTIONS_PREFIX + item) that the checks build from its option columns.
   */
  mapped: {
    column: string;
    header: string;
    item: string;
    by: "name" | "group_path" | "label_zh" | "label_en" | "options";
  }[];
  /** select_multiple items exported as one 0/1 column per option. */
  options: OptionColumns[];
  /** file headers that are not codebook items (platform columns: submission time, IP, ...) */
  ignored: string[];
  /** header names used twice in the file */
  duplicates: string[];
  /**
   * Ignored headers that name a codebook `calculate` (or `note`): the collection tool's own
   * computation, exported beside the answers, and not loaded as one (the report says so).
   */
  calculated?: string[];
}

/** "1、您的性别：" -> "您的性别"; "Q3. Your sex?" -> "your sex" */
export function normalizeLabel(text: string): string {
  return text
    .normalize("NFKC")
    .trim()
    .replace(/^(q|Q)?\s*\d+(\.\d+)*\s*[、.．:：)）-]?\s*/, "")
    .replace(/[\s:：?？。.]+$/u, "")
    .replace(/\s+/g, " ")
    .toLowerCase();
}

/** The column name under which the checks build a select_multiple item's answer from its option columns. */
export const OPTIONS_PREFIX = "_options_";

/**
 * Match file headers to codebook items: by item name first, then by the name after a group
 * path (Kobo's `group/item`), then by the question label in Chinese or English as survey
 * platforms export them; then the select_multiple items exported as one 0/1 column per
 * option (mapOptionColumns). Each item is taken once.
 */
export function mapColumns(header: string[], columns: string[], codebook: Codebook): ColumnMapping {
  const byName = new Map(codebook.items.map((i) => [i.name.toLowerCase(), i.name]));
  const byZh = new Map(codebook.items.map((i) => [normalizeLabel(i.label.zh), i.name]));
  const byEn = new Map(codebook.items.map((i) => [normalizeLabel(i.label.en), i.name]));
  const seen = new Map<string, number>();
  for (const h of header) seen.set(h, (seen.get(h) ?? 0) + 1);
  const duplicates = [...seen].filter(([, n]) => n > 1).map(([h]) => h);
  const taken = new Set<string>();
  const mapped: ColumnMapping["mapped"] = [];
  const ignored: string[] = [];
  header.forEach((h, i) => {
    const column = columns[i] ?? h;
    const key = normalizeLabel(h);
    const path = h.trim().toLowerCase().split("/");
    const candidates: [string | undefined, ColumnMapping["mapped"][number]["by"]][] = [
      [byName.get(h.trim().toLowerCase()), "name"],
      [path.length > 1 ? byName.get(path.at(-1)!) : undefined, "group_path"],
      [byZh.get(key), "label_zh"],
      [byEn.get(key), "label_en"],
    ];
    const hit = candidates.find(([item]) => item !== undefined && !taken.has(item));
    if (hit?.[0] && !duplicates.includes(h)) {
      taken.add(hit[0]);
      mapped.push({ column, header: h, item: hit[0], by: hit[1] });
    } else if (!duplicates.includes(h)) {
      ignored.push(h);
    }
  });
  const free = header
    .map((h, i) => ({ column: columns[i] ?? h, header: h }))
    .filter((f) => ignored.includes(f.header));
  const options = mapOptionColumns(free, codebook, taken, normalizeLabel);
  const consumed = new Set(options.flatMap((o) => o.columns.map((c) => c.header)));
  for (const o of options)
    mapped.push({ column: `${OPTIONS_PREFIX}${o.item}`, header: o.header, item: o.item, by: "options" });
  const rest = ignored.filter((h) => !consumed.has(h));
  const noted = new Set(codebook.ignored.map((i) => i.name.toLowerCase()));
  const calculated = rest.filter((h) => noted.has(h.trim().toLowerCase().split("/").at(-1)!));
  return { mapped, ignored: rest, duplicates, options, calculated };
}
