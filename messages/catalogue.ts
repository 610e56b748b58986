/**
 * The one catalogue of user-facing messages, in zh-CN and en. The CLI, the server, the
 * quarantine table and the pages all say the same thing because they all read this.
 * Placeholders are `{name}`; values are inserted as text, never as markup.
 */
export const catalogue = {
  // ingest: row-level reasons stored in the quarantine table
  "reject.missing_id": { zh: "缺少受访者编号", en: "respondent id is missing" },
  "reject.duplicate_id_in_file": {
    zh: "受访者编号在本文件中重复，请确认保留哪一行",
    en: "respondent id appears more than once in this file; decide which row is right",
  },
  "reject.duplicate_id_in_wave": {
    zh: "受访者编号已在本波次之前的上传中存在（如需替换，请使用替换上传）",
    en: "respondent id already exists in this wave from an earlier upload (use a replacing upload to change it)",
  },
  "reject.not_integer": { zh: "应为整数", en: "must be a whole number" },
  "reject.not_decimal": { zh: "应为数字", en: "must be a number" },
  "reject.not_date": { zh: "应为日期（YYYY-MM-DD）", en: "must be a date (YYYY-MM-DD)" },
  "reject.unknown_code": { zh: "不是允许的选项：{allowed}", en: "not an allowed choice: {allowed}" },
  "reject.required": { zh: "必答题未回答", en: "required answer is missing" },
  "reject.constraint": { zh: "不满足约束条件 {constraint}", en: "fails the constraint {constraint}" },
  "reject.unknown_stratum": { zh: "抽样框中没有此镇（街道）", en: "stratum not in the sampling frame" },
  "reject.unknown_psu": { zh: "抽样框中没有此村（社区）", en: "PSU not in the sampling frame" },
  "reject.psu_not_in_stratum": {
    zh: "该村（社区）不属于所填镇（街道）",
    en: "PSU does not belong to the given stratum in the frame",
  },
  // ingest: whole-file refusals
  "refuse.empty_file": { zh: "文件为空", en: "the file is empty" },
  "refuse.no_rows": { zh: "文件只有表头，没有数据行", en: "the file has a header but no data rows" },
  "refuse.missing_columns": { zh: "缺少必需的列：{columns}", en: "required columns are missing: {columns}" },
  "refuse.strict": {
    zh: "严格模式：{count} 行未通过校验，整个文件未导入",
    en: "strict mode: {count} rows failed validation, so nothing was loaded",
  },
  "refuse.unknown_wave": { zh: "研究 {study} 中没有波次 {wave}", en: "study {study} has no wave {wave}" },
  // estimates
  "withheld.min_n": { zh: "样本量不足（n < {min}）", en: "too few respondents (n < {min})" },
  "withheld.max_rse": { zh: "相对标准误过大（> {max}）", en: "relative standard error too large (> {max})" },
  "flag.unreliable": { zh: "估计不够可靠", en: "unreliable estimate" },
  // pages
  "ui.app_name": { zh: "晴雨表 · 群团组织第三方评价", en: "Barometer · third-party evaluation" },
  "ui.overview": { zh: "总览", en: "Overview" },
  "ui.awareness_district": {
    zh: "全区知晓率（含95%置信区间）",
    en: "District awareness rate (with 95% confidence interval)",
  },
  "ui.rate_pct": { zh: "知晓率（%）", en: "Awareness (%)" },
  "ui.wave": { zh: "波次", en: "Wave" },
  "ui.organization": { zh: "组织", en: "Organization" },
  "ui.estimate": { zh: "估计值", en: "Estimate" },
  "ui.ci95": { zh: "95% 置信区间", en: "95% CI" },
  "ui.n": { zh: "样本量", en: "n" },
  "ui.n_eff": { zh: "有效样本量", en: "effective n" },
  "ui.no_data": {
    zh: "还没有估计结果。请先导入数据并运行模型（barometer demo）。",
    en: "No estimates yet. Load data and run the models first (barometer demo).",
  },
  "ui.method_note": {
    zh: "按分层两阶段整群抽样设计加权估计，置信区间采用泰勒线性化方差（logit 区间）。",
    en: "Weighted estimates under the stratified two-stage cluster design; confidence intervals from Taylor-linearization variances (logit intervals).",
  },
  // CLI
  "cli.not_available": {
    zh: "命令 {command} 尚未实现（见议题 {issue}）",
    en: "the command {command} is not available yet (see issue {issue})",
  },
} as const satisfies Record<string, { zh: string; en: string }>;

export type MessageKey = keyof typeof catalogue;
export type Lang = "zh" | "en";

/** The message `key` in `lang`, with `{name}` placeholders filled from `params`. */
export function message(key: MessageKey, lang: Lang, params: Record<string, string | number> = {}): string {
  const template = catalogue[key][lang];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** Both languages at once, as the quarantine table stores them. */
export function messages(
  key: MessageKey,
  params: Record<string, string | number> = {},
): { zh: string; en: string } {
  return { zh: message(key, "zh", params), en: message(key, "en", params) };
}
