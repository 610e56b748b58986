/**
 * Messages about personal data in rejected rows, refused uploads, sign-in locks and file
 * encodings (merged into the catalogue).
 */
export const trustMessages = {
  "refuse.all_rejected": {
    zh: "全部 {count} 行都未通过校验，整个文件未导入；被拒绝的行（个人信息已按规则删除或散列）可在 7 天内下载、修改后重新上传（文件 {file}）",
    en: "all {count} rows failed validation, so nothing was loaded; the rejected rows (personal data dropped or hashed) can be downloaded for 7 days to fix and upload again (file {file})",
  },
  "refuse.mixed_hmac": {
    zh: "个人信息列「{column}」混有明文和已散列的值（hmac:…）：明文在第 {clear_rows} 行，散列值在第 {hashed_rows} 行。散列值请保持原样；该列要么全部是明文，要么全部是散列值（文件 {file}）",
    en: "the personal column {column} mixes clear values and hashed values (hmac:…): clear in rows {clear_rows}, hashed in rows {hashed_rows}. Keep hashed values as they are; the column must be all clear or all hashed (file {file})",
  },
  "refuse.bom_not_utf8": {
    zh: "文件以 UTF-8 BOM 开头（声明为 UTF-8），但第 {line} 行不是有效的 UTF-8（像是 GBK 内容前加了 BOM）。请用 Excel 或 WPS“另存为”“CSV UTF-8（逗号分隔）”，或在记事本中“另存为”选择编码“UTF-8”后重新上传（文件 {file}）",
    en: "the file begins with a UTF-8 byte order mark (it declares UTF-8), but line {line} is not valid UTF-8 (GBK text behind a BOM?). Re-save it as “CSV UTF-8 (comma delimited)” in Excel or WPS, or with encoding “UTF-8” in Notepad, and upload it again (file {file})",
  },
  "refuse.bad_gbk": {
    zh: "第 {line} 行含有不是有效 GBK/GB18030 的字节，无法解码。请用 Excel 或 WPS“另存为”“CSV UTF-8（逗号分隔）”后重新上传（文件 {file}）",
    en: "line {line} holds bytes that are not valid GBK/GB18030 and cannot be decoded. Re-save the file as “CSV UTF-8 (comma delimited)” in Excel or WPS and upload it again (file {file})",
  },
  "export.personal_note": {
    zh: "被拒绝的行中不含个人信息：{dropped}已删除（留空），{hashed}以散列值（hmac:…）显示。修改后重新上传时请保持 hmac: 值原样，受访者仍可关联。",
    en: "The rejected rows hold no personal data: {dropped} dropped (left empty), {hashed} shown as a keyed hash (hmac:…). Keep hmac: values as they are when you upload the fixed rows, so respondents stay linkable.",
  },
  "export.personal_none": { zh: "无", en: "no column" },
  "export.rejects_expired": {
    zh: "上传 {upload} 被拒绝的行已超过 7 天，已删除",
    en: "the rejected rows of upload {upload} were kept 7 days and are deleted",
  },
  "api.live_table_unknown": {
    zh: "没有可读的表 {table}：可读的是各调查的原始答卷表（raw_responses__…，不含个人信息列）和模型生成的表",
    en: "no readable table {table}: readable are each study's raw answers (raw_responses__…, without its personal columns) and the tables the models build",
  },
  "ui.sign_in_locked": {
    zh: "登录失败次数过多，已暂时锁定。请 {minutes} 分钟后再试。",
    en: "Too many failed sign-ins: signing in is locked for now. Try again in {minutes} minutes.",
  },
} as const satisfies Record<string, { zh: string; en: string }>;
