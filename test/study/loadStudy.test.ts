import { join } from "node:path";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { loadStudy } from "../../study/index.ts";
import { CODEBOOK, STUDY, writeStudy } from "../helpers/tinyStudy.ts";

// Each test breaks one thing in a valid study and checks that the error names the place
// (file, sheet or field, row, value).

describe("loadStudy", () => {
  it("models any declared rate or mean in small_area, and refuses other ids naming the valid ones", async () => {
    const declared = `${STUDY}indicators:
  - { id: members, name: { zh: 团员比例, en: League members }, kind: share, items: [league], codes: ["1"] }
`;
    const ok = await loadStudy(
      writeStudy({ "study.yaml": `${declared}small_area: { indices: [members, awareness] }\n` }),
    );
    expect(ok.small_area?.indices).toEqual(["members", "awareness"]);
    expect(ok.indicatorInfos.find((i) => i.id === "members")?.estimator).toBe("proportion");
    const bad = writeStudy({ "study.yaml": `${declared}small_area: { indices: [awarenes] }\n` });
    await expect(loadStudy(bad)).rejects.toThrow(
      /small_area\.indices\[0\]: "awarenes" is not an indicator .*the study's are: awareness, members/,
    );
  });

  it("loads a valid study into a frozen, defaulted object", async () => {
    const study = await loadStudy(writeStudy());
    expect(study.id).toBe("tiny");
    expect(study.reporting).toEqual({
      confidence_level: 0.95,
      min_n: 30,
      max_rse: 0.5,
      unreliable_rse: 0.3,
      village_min_n: 30,
      intervals: "nominal",
    });
    expect(study.design.lonely_psu).toBe("fail");
    expect(study.indices[0]!.yes).toEqual(["1"]);
    expect(study.units).toHaveLength(3);
    expect(study.calibration.margins[0]!.total).toBe(600);
    expect(study.codebookForWave("2024").item("age")!.constraint!.text).toBe(". >= 16 and . <= 100");
    expect(Object.isFrozen(study)).toBe(true);
    expect(Object.isFrozen(study.reporting)).toBe(true);
  });

  it("names the item and field of an unknown item in an index", async () => {
    const dir = writeStudy({ "study.yaml": STUDY.replace("items: [aw_union]", "items: [aw_unoin]") });
    await expect(loadStudy(dir)).rejects.toThrow(
      'study.yaml, field indices[0].items[0]: unknown item "aw_unoin" (not in codebook codebook.yaml)',
    );
  });

  it("refuses margins whose totals differ, naming both files and totals", async () => {
    const dir = writeStudy({ "town.csv": "town,count\nT1,300\nT2,301\n" });
    await expect(loadStudy(dir)).rejects.toThrow(
      "calibration margins disagree: sex.csv sums to 600 but town.csv sums to 601",
    );
  });

  it("refuses duplicate choice codes, naming the list, code and both places", async () => {
    const dir = writeStudy({
      "codebook.yaml": CODEBOOK.replace('{ name: "2", label: { zh: 女', '{ name: "1", label: { zh: 女'),
    });
    await expect(loadStudy(dir)).rejects.toThrow(
      'codebook.yaml, choices.sex[1]: duplicate choice code "1" in list sex (first at codebook.yaml, choices.sex[0])',
    );
  });

  it("refuses a constraint that does not parse, naming the item, column and position", async () => {
    const dir = writeStudy({
      "codebook.yaml": CODEBOOK.replace('". >= 16 and . <= 100"', '". >= 16 and and . <= 100"'),
    });
    await expect(loadStudy(dir)).rejects.toThrow(
      "codebook.yaml, survey item 5, column constraint of item age: cannot parse \". >= 16 and and . <= 100\": unexpected operator at position 13 ('and')",
    );
  });

  it("names the line, field and value of a bad study.yaml field", async () => {
    const dir = writeStudy({ "study.yaml": STUDY.replace("id: tiny", "id: Tiny-Study") });
    await expect(loadStudy(dir)).rejects.toThrow(
      /^study\.yaml, line 1, field id: must be lowercase letters.*\(value "Tiny-Study"\)$/,
    );
  });

  it("names a duplicate PSU in the frame with its row", async () => {
    const dir = writeStudy({ "frame.csv": "town,village,pop\nT1,V1,100\nT1,V1,200\n" });
    await expect(loadStudy(dir)).rejects.toThrow(
      'frame.csv, row 3, column village: duplicate PSU "V1" (first at row 2)',
    );
  });

  describe("XLSForm codebooks", () => {
    async function xlsxStudy(build: (wb: ExcelJS.Workbook) => void): Promise<string> {
      const dir = writeStudy({ "study.yaml": STUDY.replace("codebook.yaml", "codebook.xlsx") });
      const wb = new ExcelJS.Workbook();
      build(wb);
      await wb.xlsx.writeFile(join(dir, "codebook.xlsx"));
      return dir;
    }
    const surveyRows = [
      ["type", "name", "label::zh", "label::en", "required", "constraint", "relevant"],
      ["text", "rid", "编号", "ID", "yes", "", ""],
      ["select_one town", "town", "镇", "Town", "yes", "", ""],
      ["text", "village", "村", "Village", "yes", "", ""],
      ["select_one sex", "sex", "性别", "Sex", "yes", "", ""],
      ["select_one yn", "aw_union", "知道工会吗", "Know the union?", "yes", "", ""],
      ["text", "phone", "联系电话", "Phone", "", "", ""],
      ["text", "name", "姓名", "Name", "", "", ""],
    ];
    const choiceRows = [
      ["list_name", "name", "label::zh", "label::en"],
      ["town", "T1", "一镇", "Town 1"],
      ["town", "T2", "二镇", "Town 2"],
      ["sex", "1", "男", "Male"],
      ["sex", "2", "女", "Female"],
      ["yn", "1", "是", "Yes"],
    ];

    it("reads a valid XLSForm", async () => {
      const dir = await xlsxStudy((wb) => {
        wb.addWorksheet("survey").addRows(surveyRows);
        wb.addWorksheet("choices").addRows(choiceRows);
      });
      const study = await loadStudy(dir);
      expect(study.codebookForWave("2024").item("aw_union")!.label).toEqual({
        zh: "知道工会吗",
        en: "Know the union?",
      });
    });

    it("names a missing sheet and the sheets found", async () => {
      const dir = await xlsxStudy((wb) => {
        wb.addWorksheet("survey").addRows(surveyRows);
        wb.addWorksheet("options").addRows(choiceRows);
      });
      await expect(loadStudy(dir)).rejects.toThrow(
        'codebook.xlsx: missing sheet "choices" (an XLSForm needs "survey" and "choices"; found: survey, options)',
      );
    });

    it("names the sheet and row of a duplicate choice code", async () => {
      const dir = await xlsxStudy((wb) => {
        wb.addWorksheet("survey").addRows(surveyRows);
        wb.addWorksheet("choices").addRows([...choiceRows, ["sex", "2", "女性", "Woman"]]);
      });
      await expect(loadStudy(dir)).rejects.toThrow(
        'codebook.xlsx, sheet choices, row 7: duplicate choice code "2" in list sex (first at codebook.xlsx, sheet choices, row 5)',
      );
    });
  });
});
