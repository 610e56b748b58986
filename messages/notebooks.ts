import type { Lang } from "./catalogue.ts";

/**
 * Messages of the notebooks (issue 7): the server's notebook pages and the rendered HTML
 * files. Spread into the one catalogue (messages/catalogue.ts), so `message("notebook.…")`
 * works everywhere; `notebookMessage` reads them without the catalogue's key type.
 */
export const notebookMessages = {
  "notebook.list_title": { zh: "分析笔记", en: "Notebooks" },
  "notebook.list_empty": { zh: "还没有分析笔记。", en: "No notebooks yet." },
  "notebook.parameters": { zh: "参数", en: "Parameters" },
  "notebook.run": { zh: "运行", en: "Run" },
  "notebook.rows_shown": {
    zh: "显示前 {shown} 行，共 {total} 行",
    en: "showing the first {shown} of {total} rows",
  },
  "notebook.truncated": {
    zh: "结果超过行数上限，已截断：图表和表格只含前 {rows} 行",
    en: "the result passed the row limit and was cut: the table and charts hold its first {rows} rows",
  },
  "notebook.no_rows": { zh: "（无结果行）", en: "(no rows)" },
  "notebook.computed_for": { zh: "计算参数：{list}", en: "Computed for: {list}" },
  "notebook.suppressed": {
    zh: "按发布规则处理：样本量或精度不足的估计不予显示（标注原因）。",
    en: "Suppression rules applied: figures resting on too few respondents or too imprecise are withheld (with the reason).",
  },
  "notebook.unsuppressed": {
    zh: "未做抑制处理：含有不宜发布的估计，仅供分析人员内部使用，请勿外发。",
    en: "NOT suppressed: contains figures that must not be published; for analysts only, do not forward.",
  },
  "notebook.rendered_at": {
    zh: "生成于 {at}，数据快照 {snapshot}",
    en: "rendered {at} from snapshot {snapshot}",
  },
  "notebook.failed": { zh: "笔记运行失败", en: "The notebook failed" },
  "notebook.not_found": { zh: "没有名为 {name} 的分析笔记", en: "there is no notebook named {name}" },
  "notebook.unsuppressed_forbidden": {
    zh: "只有分析人员可以查看未抑制的结果",
    en: "only analysts may see figures before suppression",
  },
  "notebook.chart_error": { zh: "图表无法显示", en: "the chart cannot be shown" },
  "notebook.other_study": {
    zh: "分析笔记 {name} 只适用于研究 {study}，不适用于 {chosen}",
    en: "notebook {name} applies to study {study} only, not to {chosen}",
  },
  "notebook.unknown_study": {
    zh: "数据快照中没有研究 {study}（现有：{known}）",
    en: "the snapshot holds no study {study} (it holds: {known})",
  },
  "notebook.no_study": {
    zh: "数据快照中还没有任何研究的结果：请先上传数据并运行模型",
    en: "the snapshot holds no study's figures yet: upload and run the models first",
  },
  "notebook.study": { zh: "研究", en: "Study" },
  "notebook.any_study": { zh: "任何研究", en: "any study" },
  "notebook.other_studies": {
    zh: "另有 {count} 个分析笔记只适用于其他研究：{names}",
    en: "{count} more notebooks apply to other studies only: {names}",
  },
} as const satisfies Record<string, { zh: string; en: string }>;

export type NotebookMessageKey = keyof typeof notebookMessages;

/** A notebook message in `lang`, `{name}` placeholders filled from `params` (as text). */
export function notebookMessage(
  key: NotebookMessageKey,
  lang: Lang,
  params: Record<string, string | number> = {},
): string {
  return notebookMessages[key][lang].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
