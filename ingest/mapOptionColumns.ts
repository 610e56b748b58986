import type { Codebook, Item } from "../study/index.ts";

/** A select_multiple item exported as one 0/1 column per option. */
export interface OptionColumns {
  item: string;
  /** What the columns share: the item's name or question ("needs", "5"), for messages. */
  header: string;
  columns: { column: string; header: string; code: string }[];
}

/** "needs/skills", "grp/needs/skills" (Kobo, ODK) and "5(技能培训)", "5、需要哪些服务？(技能培训)" (问卷星). */
function split(header: string): { prefix: string; option: string } | null {
  const h = header.normalize("NFKC").trim();
  const paren = /^(.*?)\s*\(([^()]+)\)$/.exec(h);
  if (paren) return { prefix: paren[1]!, option: paren[2]!.trim() };
  const at = h.lastIndexOf("/");
  if (at > 0 && at < h.length - 1) return { prefix: h.slice(0, at), option: h.slice(at + 1).trim() };
  return null;
}

/**
 * Find select_multiple items exported as one 0/1 column per option, among the headers no item
 * took: columns grouped by what comes before the option (the item's name, its group path and
 * name, its question, or 问卷星's question number), each option named by its code or label.
 * A group names its item by name or question; a group that does not (问卷星's bare number)
 * is taken for the one select_multiple item whose list has every option it names. `norm`
 * normalises a question label as mapColumns does.
 */
export function mapOptionColumns(
  free: { column: string; header: string }[],
  codebook: Codebook,
  taken: ReadonlySet<string>,
  norm: (text: string) => string,
): OptionColumns[] {
  const multi = codebook.items.filter((i) => i.type === "select_multiple" && i.list && !taken.has(i.name));
  if (multi.length === 0) return [];
  const groups = new Map<string, { column: string; header: string; option: string }[]>();
  for (const f of free) {
    const parts = split(f.header);
    if (!parts) continue;
    groups.set(parts.prefix, [...(groups.get(parts.prefix) ?? []), { ...f, option: parts.option }]);
  }
  const codeOf = (item: Item, option: string): string | undefined => {
    const o = norm(option);
    return (codebook.choices.get(item.list!) ?? []).find(
      (c) => c.name === option || norm(c.label.zh) === o || norm(c.label.en) === o,
    )?.name;
  };
  const found: OptionColumns[] = [];
  const used = new Set<string>();
  for (const [prefix, columns] of groups) {
    const last = prefix.split("/").pop()!.trim();
    const named = multi.find(
      (i) =>
        !used.has(i.name) &&
        (i.name.toLowerCase() === last.toLowerCase() ||
          norm(i.label.zh) === norm(last) ||
          norm(i.label.en) === norm(last)),
    );
    const candidates = named
      ? [named]
      : multi.filter((i) => !used.has(i.name) && columns.every((c) => codeOf(i, c.option) !== undefined));
    if (candidates.length !== 1) continue;
    const item = candidates[0]!;
    const mapped = columns
      .map((c) => ({ column: c.column, header: c.header, code: codeOf(item, c.option) }))
      .filter((c): c is { column: string; header: string; code: string } => c.code !== undefined);
    if (mapped.length === 0) continue;
    used.add(item.name);
    found.push({ item: item.name, header: prefix, columns: mapped });
  }
  return found;
}
