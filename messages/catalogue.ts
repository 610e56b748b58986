import { adminMessages } from "./admin.ts";
import { notebookMessages } from "./notebooks.ts";
import { pageMessages } from "./pages.ts";
import { reportMessages } from "./report.ts";
import { saeMessages } from "./sae.ts";
import { serverMessages } from "./server.ts";
import { siteMessages } from "./sites.ts";
import { themeMessages } from "./themes.ts";
import { trustMessages } from "./trust.ts";
import { workbenchMessages } from "./workbench.ts";

/**
 * The one catalogue of user-facing messages, in zh-CN and en. The CLI, the server, the
 * quarantine table and the pages all say the same thing because they all read this.
 * Placeholders are `{name}`; values are inserted as text, never as markup.
 */
export const catalogue = {
  ...workbenchMessages,
  ...pageMessages,
  ...notebookMessages,
  ...trustMessages,
  ...serverMessages,
  ...adminMessages,
  // ingest: one rejected cell, as reports show it (rejectSentence)
  "reject.sentence": {
    zh: "第 {row} 行 {column} = {value}：{reason}",
    en: "row {row}, {column} = {value}: {reason}",
  },
  "reject.no_value": { zh: "（空）", en: "(empty)" },
  ...saeMessages,
  ...themeMessages,
  ...siteMessages,
  ...reportMessages,
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
  // never the whole list (a village list has hundreds of codes): its name, and the codebook says the rest
  "reject.unknown_code": {
    zh: "不是选项表 {list} 中的选项（代码或选项文字）",
    en: "not a choice of list {list} (a code or an option label)",
  },
  "reject.required": { zh: "必答题未回答", en: "required answer is missing" },
  // the constraint's message from the codebook, or a sentence made from its rule (constraintSentence)
  "reject.constraint": { zh: "{constraint}", en: "{constraint}" },
  "constraint.sentence": { zh: "{label}{rule}", en: "{label} {rule}" },
  "constraint.and": { zh: "，且", en: ", and " },
  "constraint.between": { zh: "应在 {min} 到 {max} 之间", en: "must be between {min} and {max}" },
  "constraint.at_least": { zh: "应不小于 {value}", en: "must be at least {value}" },
  "constraint.more_than": { zh: "应大于 {value}", en: "must be more than {value}" },
  "constraint.at_most": { zh: "应不大于 {value}", en: "must be at most {value}" },
  "constraint.less_than": { zh: "应小于 {value}", en: "must be less than {value}" },
  "constraint.equal": { zh: "应为 {value}", en: "must be {value}" },
  "constraint.not_equal": { zh: "不应为 {value}", en: "must not be {value}" },
  "constraint.not_after_today": { zh: "不应晚于今天", en: "must not be later than today" },
  "constraint.max_length": { zh: "不应超过 {value} 个字符", en: "must be at most {value} characters long" },
  "constraint.max_selected": { zh: "最多选 {value} 项", en: "allows at most {value} choices" },
  "constraint.format": { zh: "的格式不对", en: "is not in the expected format" },
  "constraint.other": {
    zh: "的回答不在编码簿允许的范围内",
    en: "has an answer outside what the codebook allows",
  },
  "reject.choice_filter": {
    zh: "该选项与“{parent}”的回答不对应（按选项表 {list} 的 {column} 列）",
    en: "this choice does not go with the answer to “{parent}” (column {column} of choice list {list})",
  },
  "reject.not_option_flag": {
    zh: "多选题的选项列应为 1（选中）或 0（未选），或该选项的文字",
    en: "an option column of a multiple choice must be 1 (chosen) or 0 (not chosen), or the option's label",
  },
  "reject.excel_error": {
    zh: "Excel 单元格是错误值（如 #N/A、#VALUE!：公式出错或数据缺失），不是回答",
    en: "the Excel cell holds an error value (such as #N/A or #VALUE!: a formula failed or data were missing), not an answer",
  },
  "reject.unknown_stratum": { zh: "抽样框中没有此镇（街道）", en: "stratum not in the sampling frame" },
  "reject.unknown_psu": { zh: "抽样框中没有此村（社区）", en: "PSU not in the sampling frame" },
  "reject.psu_not_in_stratum": {
    zh: "该村（社区）不属于所填镇（街道）",
    en: "PSU does not belong to the given stratum in the frame",
  },
  // ingest: whole-file refusals. Each names the file; where there is one, the line (or row),
  // column and value too.
  "refuse.empty_file": { zh: "文件为空（文件 {file}）", en: "the file is empty (file {file})" },
  "refuse.no_rows": {
    zh: "文件只有表头，没有数据行（文件 {file}）",
    en: "the file has a header but no data rows (file {file})",
  },
  "refuse.all_rejected": {
    zh: "全部 {count} 行都未通过校验，整个文件未导入：这几乎总是列的对应关系或文件格式的问题，而不是每位受访者都填错了。请先看下面最常见的原因（文件 {file}）",
    en: "all {count} rows failed validation, so nothing was loaded: this almost always means a column mapping or file format problem, not that every respondent is wrong. See the commonest reasons below (file {file})",
  },
  "refuse.missing_columns": {
    zh: "缺少必需的列：{columns}（文件 {file}）",
    en: "required columns are missing: {columns} (file {file})",
  },
  "refuse.strict": {
    zh: "严格模式：{count} 行未通过校验，整个文件未导入（文件 {file}）",
    en: "strict mode: {count} rows failed validation, so nothing was loaded (file {file})",
  },
  "refuse.unknown_wave": {
    zh: "研究 {study} 中没有波次 {wave}（文件 {file}）",
    en: "study {study} has no wave {wave} (file {file})",
  },
  "refuse.binary": {
    zh: "不是 CSV、Excel 或 Parquet 文件：第 {offset} 字节起为二进制内容（文件 {file}）",
    en: "not a CSV, Excel or Parquet file: binary content at byte {offset} (file {file})",
  },
  "refuse.nul_byte": {
    zh: "第 {line} 行含有空字符（NUL）：这是二进制数据或 UTF-16 文本，不是 UTF-8 或 GBK 的 CSV（文件 {file}）",
    en: "line {line} contains a NUL byte: binary data or UTF-16 text, not a UTF-8 or GBK CSV (file {file})",
  },
  "refuse.line_too_long": {
    zh: "第 {line} 行超过 {max_mb} MB：文件没有换行，或不是 CSV（文件 {file}）",
    en: "line {line} is longer than {max_mb} MB: the file has no line breaks, or is not a CSV (file {file})",
  },
  "refuse.not_utf8": {
    zh: "声明为 UTF-8，但第 {line} 行不是有效的 UTF-8（像是 GBK 编码：去掉 --encoding 或使用 --encoding gbk）（文件 {file}）",
    en: "declared UTF-8, but line {line} is not valid UTF-8 (it looks like GBK: omit --encoding or pass --encoding gbk) (file {file})",
  },
  "refuse.no_delimiter": {
    zh: "表头只有一列：各列须以逗号、制表符或分号分隔（表头：{value}）（文件 {file}）",
    en: "the header is a single column: columns must be separated by a comma, tab or semicolon (header: {value}) (file {file})",
  },
  "refuse.unclosed_quote": {
    zh: "第 {line} 行的引号未闭合：{value}（文件 {file}）",
    en: "line {line} opens a quoted value that is never closed: {value} (file {file})",
  },
  "refuse.ragged_row": {
    zh: "第 {line} 行有 {found} 个单元格，而表头有 {expected} 列：{value}（文件 {file}）",
    en: "line {line} has {found} cells where the header has {expected}: {value} (file {file})",
  },
  "refuse.csv_error": {
    zh: "第 {line} 行无法按 CSV 读取：{detail}（文件 {file}）",
    en: "line {line} cannot be read as CSV: {detail} (file {file})",
  },
  "refuse.duplicate_header": {
    zh: "表头中的列 {column} 出现了多次（第 {positions} 列），无法确定用哪一列（文件 {file}）",
    en: "the header names column {column} more than once (columns {positions}), so which one to use is unclear (file {file})",
  },
  "refuse.xlsx_corrupt": {
    zh: "Excel 工作簿已损坏或不完整：{detail}（文件 {file}）",
    en: "the Excel workbook is damaged or truncated: {detail} (file {file})",
  },
  "refuse.xlsx_truncated": {
    zh: "Excel 工作簿不完整：文件末尾的 zip 目录缺失，文件可能被截断（文件 {file}）",
    en: "the Excel workbook is cut short: the zip directory at its end is missing (file {file})",
  },
  "refuse.zip_bomb": {
    zh: "Excel 工作簿解压后超过 {limit_mb} MB（大于文件本身的 {ratio} 倍），疑为压缩炸弹，拒绝导入（文件 {file}）",
    en: "the Excel workbook inflates to more than {limit_mb} MB (over {ratio} times its size); refused as a possible zip bomb (file {file})",
  },
  "refuse.no_sheet": {
    zh: "工作簿中没有名为 {sheet} 的工作表（文件 {file}）",
    en: "the workbook has no sheet named {sheet} (file {file})",
  },
  "refuse.spss": {
    zh: "这是 SPSS 数据文件（.sav），暂不支持直接导入：请在 SPSS 中用“文件 > 导出 > Excel 或 CSV”导出后上传（文件 {file}）",
    en: "this is an SPSS data file (.sav), which cannot be loaded directly yet: export it from SPSS as Excel or CSV (File > Export) and upload that (file {file})",
  },
  "refuse.unreadable": {
    zh: "无法按 {format} 读取：{detail}（文件 {file}）",
    en: "the file cannot be read as {format}: {detail} (file {file})",
  },
  // ingest: warnings (the file is loaded, and this is said)
  "warn.form_version": {
    zh: "文件的 {column} 列显示问卷版本为 {found}，而本波次的编码簿（{codebook}）是版本 {expected}：请确认用的是同一版问卷（文件 {file}）",
    en: "the file's {column} column gives form version {found}, but this wave's codebook ({codebook}) is version {expected}: check the file was collected with the same form (file {file})",
  },
  "warn.form_id": {
    zh: "文件的 {column} 列显示问卷编号为 {found}，而本波次的编码簿（{codebook}）是 {expected}：这可能是另一份问卷的数据（文件 {file}）",
    en: "the file's {column} column gives form id {found}, but this wave's codebook ({codebook}) is {expected}: the file may come from another form (file {file})",
  },
  "ingest.calculated": {
    zh: "以下列是编码簿中的计算字段（calculate）或说明（note），不是受访者的回答，未导入：{columns}",
    en: "these columns are calculations (calculate) or notes in the codebook, not answers, and were not loaded: {columns}",
  },
  // ingest: the report of one upload (formatIngestReport, the CLI's output)
  "ingest.report_refused": { zh: "拒绝导入: {reason}", en: "Refused: {reason}" },
  "ingest.report_duplicate": {
    zh: "重复文件，未再次导入: {file} = {upload}",
    en: "Already loaded (same file), not loaded again: {file} = {upload}",
  },
  "ingest.report_loaded": { zh: "已导入 {file} as {upload}", en: "Loaded {file} as {upload}" },
  "ingest.report_read_as": {
    zh: "格式 {format}, 编码 {encoding}, 分隔符 {delimiter}",
    en: "format {format}, encoding {encoding}, delimiter {delimiter}",
  },
  "ingest.report_counts": {
    zh: "读取 {rows}, 接受 {accepted}, 隔离 {rejected}",
    en: "rows read {rows}, accepted {accepted}, quarantined {rejected}",
  },
  "ingest.report_ignored": { zh: "忽略的列: {columns}", en: "ignored columns: {columns}" },
  "ingest.report_warning": { zh: "注意: {warning}", en: "warning: {warning}" },
  // ingest: a replacing upload that names no upload it can replace
  "ingest.replace_unknown": {
    zh: "--replace {upload}：研究 {study} 的波次 {wave} 中没有这次上传",
    en: "--replace {upload}: no such upload in study {study}, wave {wave}",
  },
  "ingest.replace_not_loaded": {
    zh: "--replace {upload}：这次上传的状态是 {status}，不是 loaded（已导入）",
    en: "--replace {upload}: that upload is {status}, not loaded",
  },
  // ingest: rejected-rows export
  "export.reason_column": { zh: "未通过原因", en: "why rejected" },
  "export.no_upload": { zh: "没有编号为 {upload} 的上传", en: "there is no upload {upload}" },
  // estimates
  "withheld.min_n": { zh: "样本量不足（n < {min}）", en: "too few respondents (n < {min})" },
  "withheld.max_rse": { zh: "相对标准误过大（> {max}）", en: "relative standard error too large (> {max})" },
  "flag.unreliable": { zh: "估计不够可靠", en: "unreliable estimate" },
  // pages
  "ui.app_name": { zh: "晴雨表 · 群团组织第三方评价", en: "Barometer · third-party evaluation" },
  "ui.overview": { zh: "总览", en: "Overview" },
  "ui.rate_pct": { zh: "{index}（%）", en: "{index} (%)" },
  "ui.index_district": {
    zh: "全区{index}（含95%置信区间）",
    en: "District {index} (with 95% confidence interval)",
  },
  "ui.index_value": { zh: "{index}（0–100）", en: "{index} (0–100)" },
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
  "ui.no_figures": {
    zh: "还没有数据结果：导入第一个数据文件后，这里将自动显示各项指标。",
    en: "No figures yet: they appear here once the first data file has been uploaded.",
  },
  "ui.go_upload": { zh: "前往上传页", en: "Go to the upload page" },
  "ui.all_respondents": { zh: "全体受访者", en: "All respondents" },
  "ui.method_note": {
    zh: "按分层两阶段整群抽样设计加权估计，置信区间采用泰勒线性化方差（logit 区间）。",
    en: "Weighted estimates under the stratified two-stage cluster design; confidence intervals from Taylor-linearization variances (logit intervals).",
  },
  "ui.sign_in": { zh: "登录", en: "Sign in" },
  "ui.sign_out": { zh: "退出", en: "Sign out" },
  "ui.user_name": { zh: "用户名", en: "User name" },
  "ui.password": { zh: "密码", en: "Password" },
  "ui.sign_in_failed": { zh: "用户名或密码不正确", en: "Wrong user name or password" },
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
