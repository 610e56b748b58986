import type { Database } from "../../db/index.ts";
import { catalogue, type Lang, type MessageKey, message } from "../../messages/catalogue.ts";
import { loadStudy, type Study } from "../../study/index.ts";

export interface StudyLabels {
  /**
   * A variable's short label: study.yaml's `display` label, the catalogue's breakdown name, else
   * the codebook's label (the question), else its name.
   */
  variable(name: string, lang: Lang): string;
  /** A group's label ("Female"), or its code. */
  group(variable: string, value: string, lang: Lang): string;
  /** An approval aspect's short name ("Services"), from the item key's suffix. */
  aspect(itemKey: string, lang: Lang): string;
  /** The study definition, when its folder is readable. */
  study: Study | undefined;
}

const cache = new Map<string, Promise<Study | undefined>>();

/**
 * Labels of groups and items from the study's codebook (the latest wave's), loaded once per
 * study definition. A study whose folder is gone still gets pages, with codes for labels.
 */
export async function studyLabels(db: Database, studyId: string): Promise<StudyLabels> {
  const [row] = await db.query<{ study_dir: string; definition_sha256: string }>(
    "select study_dir, definition_sha256 from studies where study_id = $1",
    [studyId],
  );
  const key = `${studyId}:${row?.definition_sha256}`;
  if (!cache.has(key))
    cache.set(key, row ? loadStudy(row.study_dir).catch(() => undefined) : Promise.resolve(undefined));
  const study = await cache.get(key);
  const codebook = study ? study.codebookForWave(study.waves[study.waves.length - 1]!.id) : undefined;
  const pick = (label: { zh: string; en: string } | undefined, lang: Lang, fallback: string) =>
    label ? label[lang] : fallback;
  return {
    study,
    variable: (name, lang) => {
      const display = study?.display[name];
      if (display) return display[lang];
      const key = `breakdown.${name}`;
      if (key in catalogue) return message(key as MessageKey, lang);
      const item = codebook?.item(name);
      return pick(item?.label, lang, name);
    },
    group: (variable, value, lang) => {
      const item = codebook?.item(variable);
      const choice = item?.list ? codebook?.choices.get(item.list)?.find((c) => c.name === value) : undefined;
      return pick(choice?.label, lang, value);
    },
    aspect: (itemKey, lang) => {
      const key = `aspect.${itemKey.split("_").pop()}`;
      if (key in catalogue) return message(key as MessageKey, lang);
      return pick(codebook?.item(itemKey)?.label, lang, itemKey);
    },
  };
}
