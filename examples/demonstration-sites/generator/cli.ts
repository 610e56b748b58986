// Writes the demonstration-sites demo's files from one seed: `npx tsx examples/demonstration-sites/generator/cli.ts`.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { toCsv } from "../../mass-org-evaluation/generator/csv.ts";
import { assessmentFormXlsx } from "./assessmentForm.ts";
import { generateSites, HAVES } from "./generateSites.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const data = generateSites();
const write = (file: string, text: string) => {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
};
write(
  "register/sites.csv",
  toCsv(
    [
      "site_id",
      "name_zh",
      "name_en",
      "level",
      "site_type",
      "district",
      "work_group",
      "designated_on",
      "exited_on",
    ],
    data.register.map((s) => [
      s.site_id,
      s.name_zh,
      s.name_en,
      s.level,
      s.site_type,
      s.district,
      s.work_group,
      s.designated_on,
      s.exited_on,
    ]),
  ),
);
write(
  "register/assessors.csv",
  toCsv(
    ["assessor_id", "work_group", "name"],
    data.assessors.map((a) => [a.assessor_id, a.work_group, a.name]),
  ),
);
const items = HAVES.flatMap((h) => [`${h}_1`, `${h}_2`]);
write(
  "assessments/assessments.csv",
  toCsv(
    [
      "site_id",
      "period",
      "assessor_id",
      "assessed_on",
      ...items,
      "projects_planned",
      "projects_done",
      ...[1, 2, 3, 4, 5, 6].map((m) => `news_m${m}`),
      "evidence",
    ],
    data.assessments.map((a) => [
      a.site_id,
      a.period,
      a.assessor_id,
      a.assessed_on,
      ...items.map((i) => (a.scores[i] as number).toFixed(1)),
      a.projects_planned,
      a.projects_done,
      ...a.news,
      a.evidence,
    ]),
  ),
);
write(
  "served/served.csv",
  toCsv(
    ["site_id", "period", "person_id", "satisfaction", "aware"],
    data.served.map((s) => [s.site_id, s.period, s.person_id, s.satisfaction, s.aware]),
  ),
);
writeFileSync(join(root, "assessments/form.xlsx"), await assessmentFormXlsx(data.register, data.assessors));
write("truth/truth.json", `${JSON.stringify(data.truth, null, 1)}\n`);
process.stderr.write(
  `wrote ${data.register.length} sites, ${data.assessments.length} assessments, ${data.served.length} served answers to ${root}\n`,
);
