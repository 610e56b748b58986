/** The JSON API's refusals that a person reads (SQL console, downloads, malformed requests). */
export const serverMessages = {
  "api.sql_quota": {
    zh: "您已有 {count} 个查询在运行或排队，请等其中一个完成后再提交",
    en: "you already have {count} queries running or waiting; wait for one to finish before sending another",
  },
  "api.sql_invalid_text": {
    zh: "SQL 文本含有无效字符（孤立的 UTF-16 代理项，第 {position} 个字符），请删除后重试",
    en: "the SQL text contains an invalid character (a lone UTF-16 surrogate at character {position}); remove it and try again",
  },
  "api.xlsx_too_large": {
    zh: "结果有 {cells} 个单元格，超过 Excel 导出的上限 {limit}：请下载 CSV 或 Arrow，或缩小查询",
    en: "the result has {cells} cells, more than an Excel export may hold ({limit}): download CSV or Arrow instead, or narrow the query",
  },
  "api.body_too_large": {
    zh: "请求体过大（上限 {limit}）",
    en: "the request body is too large (at most {limit})",
  },
  "api.bad_json": { zh: "请求体不是有效的 JSON", en: "the request body is not valid JSON" },
  "api.bad_body": { zh: "无法读取请求体（{reason}）", en: "the request body cannot be read ({reason})" },
} as const satisfies Record<string, { zh: string; en: string }>;
