import type { Lang } from "./catalogue.ts";

/**
 * How a notebook table shows a column's values (issue 17): each kind has one format, applied by
 * notebooks/engine/formatValue.ts and nowhere else.
 *
 * - `count`: a whole number with thousands separators (1,985)
 * - `estimate`: one decimal (estimates, their CIs and SEs, changes, percentages, weights)
 * - `p_value`: three decimals, `<0.001` below that
 * - `deff`: two decimals (design effects, relative SEs)
 *
 * Every number has thousands separators (1,395.0) and a minus sign only where it is below zero
 * once rounded.
 * - `tolerance`: a tiny number in scientific notation with two significant digits (5.9×10⁻⁹)
 * - `boolean`: yes / no in the reader's language
 * - `time`: a timestamp in the study's time zone, `2026-12-04 18:12`
 * - `organization`, `indicator`, `township`, `wave`: an id shown by its name from the study's
 *   seeds (seed_organizations, seed_indicators, seed_units, seed_waves)
 * - `values`: a code shown by its label from `valueLabels` below
 * - `code`: an id as written, in code type (item keys, margin names)
 * - `text`: as it is
 */
export type ColumnKind =
  | "count"
  | "estimate"
  | "p_value"
  | "deff"
  | "tolerance"
  | "boolean"
  | "time"
  | "organization"
  | "indicator"
  | "township"
  | "wave"
  | "values"
  | "code"
  | "text";

export interface ColumnLabel {
  zh: string;
  en: string;
  kind: ColumnKind;
}

const c = (zh: string, en: string, kind: ColumnKind): ColumnLabel => ({ zh, en, kind });

/**
 * The header and kind of every column a shipped notebook shows, by its name in the result. A
 * pair `<stem>_zh` / `<stem>_en` is shown as one column `<stem>` in the reader's language, so a
 * notebook's own labels (an occupation's name) come from the notebook, never from here.
 */
export const notebookColumns: Readonly<Record<string, ColumnLabel>> = {
  // ids, shown by their names
  organization_id: c("组织", "Organization", "organization"),
  index_id: c("指标", "Indicator", "indicator"),
  unit_code: c("镇街", "Township", "township"),
  township_code: c("镇街", "Township", "township"),
  wave_id: c("波次", "Wave", "wave"),
  previous_wave_id: c("上一波次", "Previous wave", "wave"),
  org_level: c("组织层级", "Organization level", "values"),
  aspect: c("细项", "Detail", "code"),
  // estimates and their precision
  estimate: c("估计值", "Estimate", "estimate"),
  estimate_0_100: c("得分（0–100）", "Score (0–100)", "estimate"),
  se: c("标准误", "SE", "estimate"),
  ci_low: c("95%置信区间下限", "95% CI low", "estimate"),
  ci_high: c("95%置信区间上限", "95% CI high", "estimate"),
  change_0_100: c("变化（分）", "Change (points)", "estimate"),
  change_ci_low: c("变化的置信区间下限", "Change, CI low", "estimate"),
  change_ci_high: c("变化的置信区间上限", "Change, CI high", "estimate"),
  participation_pct: c("参与率（%）", "Participation (%)", "estimate"),
  p_value: c("p 值", "p-value", "p_value"),
  is_change_significant: c("变化显著", "Significant change", "boolean"),
  df: c("自由度", "df", "count"),
  deff: c("设计效应", "Design effect", "deff"),
  rse: c("相对标准误", "Relative SE", "deff"),
  n: c("样本量", "n", "count"),
  n_eff: c("有效样本量", "Effective n", "count"),
  is_withheld: c("不予显示", "Withheld", "boolean"),
  withheld_reason: c("不予显示的原因", "Why withheld", "values"),
  // weighting
  n_respondents: c("受访者数", "Respondents", "count"),
  min_weight: c("最小权数", "Smallest weight", "estimate"),
  max_weight: c("最大权数", "Largest weight", "estimate"),
  max_min_ratio: c("最大/最小权数比", "Largest / smallest", "estimate"),
  deff_base_weight: c("基础权数的设计效应", "Design effect, base weights", "deff"),
  deff_weight: c("校准权数的设计效应", "Design effect, calibrated weights", "deff"),
  n_eff_weight: c("有效样本量", "Effective n", "count"),
  calibration_method: c("校准方法", "Calibration method", "values"),
  calibration_iterations: c("迭代次数", "Iterations", "count"),
  calibration_worst_error: c("最大残差", "Largest margin error", "tolerance"),
  margin: c("校准维度", "Margin", "text"),
  cell: c("类别", "Cell", "text"),
  share_pct: c("占比（%）", "Share (%)", "estimate"),
  // uploads and data quality
  upload_id: c("上传编号", "Upload", "code"),
  file_name: c("文件名", "File", "code"),
  format: c("格式", "Format", "code"),
  encoding: c("编码", "Encoding", "code"),
  n_rows_read: c("读取行数", "Rows read", "count"),
  n_accepted: c("接收行数", "Accepted", "count"),
  n_rejected: c("拒收行数", "Rejected", "count"),
  uploaded_by: c("上传人", "Uploaded by", "code"),
  uploaded_at: c("上传时间", "Uploaded at", "time"),
  column_name: c("列", "Column", "code"),
  n_rows: c("行数", "Rows", "count"),
  item_key: c("题目", "Item", "code"),
  n_answers: c("回答数", "Answers", "count"),
  n_dont_know: c("“不知道”数", '"Don\'t know"', "count"),
  dont_know_pct: c("“不知道”比例（%）", '"Don\'t know" (%)', "estimate"),
  n_straight_lining: c("直线作答人数", "Straight-lining", "count"),
  straight_lining_pct: c("直线作答比例（%）", "Straight-lining (%)", "estimate"),
  // township changes
  n_townships: c("镇街数", "Townships", "count"),
  n_comparisons: c("比较次数", "Comparisons", "count"),
  expected_by_chance: c("偶然预期的显著数", "Expected significant by chance", "estimate"),
  // the stems of the notebooks' own zh / en pairs
  group: c("分组", "Breakdown", "text"),
  label: c("类别", "Group", "text"),
  occupation: c("职业", "Occupation", "text"),
  league_member: c("共青团员身份", "League membership", "text"),
  panel: c("组织 · 细项", "Organization · detail", "text"),
  direction: c("方向", "Direction", "text"),
  stage: c("口径", "Stage", "text"),
  reason: c("原因", "Reason", "text"),
  name: c("名称", "Name", "text"),
};

/** The labels of the codes of a `values` column. */
export const valueLabels: Readonly<Record<string, Readonly<Record<string, { zh: string; en: string }>>>> = {
  org_level: {
    township: { zh: "镇街级", en: "Township level" },
    village: { zh: "村（社区）级", en: "Village level" },
    "": { zh: "—", en: "—" },
  },
  withheld_reason: {
    min_n: { zh: "样本量不足", en: "Too few respondents" },
    max_rse: { zh: "精度不足", en: "Too imprecise" },
    "": { zh: "", en: "" },
  },
  calibration_method: {
    rake: { zh: "迭代比例拟合", en: "Raking" },
    linear: { zh: "线性校准（GREG）", en: "Linear (GREG)" },
    poststratify: { zh: "事后分层", en: "Post-stratification" },
    none: { zh: "未校准", en: "None" },
  },
};

export const booleanLabels: Readonly<Record<"true" | "false", { zh: string; en: string }>> = {
  true: { zh: "是", en: "yes" },
  false: { zh: "否", en: "no" },
};

/** A column's header in `lang`: its catalogue label, else its name as written. */
export function columnHeader(name: string, lang: Lang): string {
  return notebookColumns[name]?.[lang] ?? name;
}
