import { describe, expect, it } from "vitest";
import { formatIngestReport, type IngestResult } from "../../ingest/index.ts";
import { message } from "../../messages/catalogue.ts";

// The CLI's report of an upload: every sentence from the message catalogue, in either
// language (the expected lines are the catalogue's, filled in by hand).

const loaded: IngestResult = {
  upload_id: "up_1",
  status: "loaded",
  rows: 3,
  accepted: 2,
  rejected: 1,
  encoding: "gb18030",
  format: "csv",
  delimiter: ";",
  file_name: "w.csv",
  mapping: { mapped: [], ignored: ["提交时间"], duplicates: [], options: [], calculated: ["bmi"] },
  errors: [
    {
      reason: "reject.unknown_code",
      column: "sex",
      count: 1,
      message: { zh: "不是选项表 sex 中的选项", en: "not a choice of list sex" },
      first: [
        {
          row: 3,
          value: "M",
          zh: "第 3 行 sex = M：不是选项表 sex 中的选项",
          en: "row 3, sex = M: not a choice",
        },
      ],
    },
  ],
  refusal: null,
  personal: [],
  rejects_note: { zh: "说明", en: "note" },
  warnings: [{ code: "warn.form_version", zh: "版本不同", en: "another version" }],
};

describe("formatIngestReport", () => {
  it("says a loaded upload line by line, in English and in Chinese", () => {
    expect(formatIngestReport(loaded, "en").split("\n")).toEqual([
      "Loaded w.csv as up_1",
      '  format csv, encoding gb18030, delimiter ";"',
      "  rows read 3, accepted 2, quarantined 1",
      "  ignored columns: 提交时间",
      `  ${message("ingest.calculated", "en", { columns: "bmi" })}`,
      "  warning: another version",
      "  1 x sex: not a choice of list sex",
      "    row 3, sex = M: not a choice",
      "  note",
    ]);
    expect(formatIngestReport(loaded, "zh").split("\n").slice(0, 6)).toEqual([
      "已导入 w.csv as up_1",
      '  格式 csv, 编码 gb18030, 分隔符 ";"',
      "  读取 3, 接受 2, 隔离 1",
      "  忽略的列: 提交时间",
      `  ${message("ingest.calculated", "zh", { columns: "bmi" })}`,
      "  注意: 版本不同",
    ]);
  });

  it("says a duplicate in one line, and leads a refusal with its reason", () => {
    const duplicate = { ...loaded, status: "duplicate" as const };
    expect(formatIngestReport(duplicate, "en")).toBe(
      "Already loaded (same file), not loaded again: w.csv = up_1",
    );
    const refused: IngestResult = {
      ...loaded,
      status: "refused",
      upload_id: null,
      refusal: {
        code: "refuse.empty_file",
        zh: "文件为空（文件 w.csv）",
        en: "the file is empty (file w.csv)",
      },
    };
    expect(formatIngestReport(refused, "zh").split("\n")[0]).toBe("拒绝导入: 文件为空（文件 w.csv）");
    expect(formatIngestReport(refused, "en").split("\n")[0]).toBe("Refused: the file is empty (file w.csv)");
  });
});
