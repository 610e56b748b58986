import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// A small, valid study written into a temp folder, for tests that break one thing at a time.

export const STUDY = `id: tiny
title: { zh: 小研究, en: Tiny study }
respondent_id: rid
codebooks: [{ version: v1, file: codebook.yaml }]
waves: [{ id: "2024", title: { zh: 2024年, en: "2024" }, codebook: v1 }]
frame: { file: frame.csv, stratum: town, psu: village, population: pop }
calibration:
  method: rake
  margins:
    - { file: sex.csv, variables: [sex] }
    - { file: town.csv, variables: [town] }
organizations: [{ id: union, name: { zh: 工会, en: Trade union } }]
indices:
  - { index: awareness, organization: union, items: [aw_union] }
personal_data:
  - { column: phone, action: hmac }
  - { column: name, action: drop }
`;

export const CODEBOOK = `survey:
  - { type: text, name: rid, label: { zh: 编号, en: ID }, required: yes }
  - { type: select_one town, name: town, label: { zh: 镇, en: Town }, required: yes }
  - { type: text, name: village, label: { zh: 村, en: Village }, required: yes }
  - { type: select_one sex, name: sex, label: { zh: 性别, en: Sex }, required: yes }
  - { type: integer, name: age, label: { zh: 年龄, en: Age }, required: yes, constraint: ". >= 16 and . <= 100" }
  - { type: select_one yndk, name: aw_union, label: { zh: 知道工会吗, en: Know the union? }, required: yes, relevant: "\${age} >= 16" }
  - { type: select_one yndk, name: league, label: { zh: 是否团员, en: League member? }, required: yes, relevant: "\${age} <= 35" }
  - { type: text, name: phone, label: { zh: 联系电话, en: Phone }, personal: yes }
  - { type: text, name: name, label: { zh: 姓名, en: Name }, personal: yes }
choices:
  town: [{ name: T1, label: { zh: 一镇, en: Town 1 } }, { name: T2, label: { zh: 二镇, en: Town 2 } }]
  sex: [{ name: "1", label: { zh: 男, en: Male } }, { name: "2", label: { zh: 女, en: Female } }]
  yndk: [{ name: "1", label: { zh: 是, en: "Yes" } }, { name: "2", label: { zh: 否, en: "No" } }, { name: "9", label: { zh: 不知道, en: Don't know } }]
`;

export function writeStudy(overrides: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "barometer-study-"));
  const files: Record<string, string> = {
    "study.yaml": STUDY,
    "codebook.yaml": CODEBOOK,
    "frame.csv": "town,village,pop\nT1,V1,100\nT1,V2,200\nT2,V3,300\n",
    "sex.csv": "sex,count\n1,290\n2,310\n",
    "town.csv": "town,count\nT1,300\nT2,300\n",
    ...overrides,
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
