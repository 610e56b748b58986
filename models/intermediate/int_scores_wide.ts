import type { Session } from "../../db/index.ts";
import { quoteIdent } from "../../db/index.ts";
import { expressionToSql } from "../../ingest/expressionToSql.ts";
import { parseExpression } from "../../study/index.ts";
import { createView } from "../runner/createView.ts";
import type { ModelContext } from "../runner/loadModels.ts";

export const dependsOn = ["int_responses_base_weighted", "seed_index_items"];

/**
 * Every score the study's figures give (one per score_key), from seed_index_items: each
 * indicator (presets and declared) x organization x level x aspect, with its estimator;
 * numbered in score_key order (the order of the wide columns). The key joins the parts that
 * are not empty with "__" (awareness__union__township, approval_aspect__union__township__ap_un_guide,
 * benefit_rate__union, needs__skills). `{{ items }}` stands for the seed relation;
 * int_index_scores reads the same text.
 */
export const SCORE_CATALOG_SQL = `
    select
        *,
        row_number() over (order by score_key) as score_position
    from (
        select
            *,
            concat_ws('__', index_id, nullif(organization_id, ''), nullif(level, ''), nullif(aspect, '')) as score_key
        from (
            select distinct index_id, organization_id, level, aspect, estimator
            from {{ items }}
        )
    )`;

export interface ScoreKey {
  score_key: string;
  score_position: number;
  index_id: string;
  organization_id: string;
  level: string;
  aspect: string;
  estimator: "proportion" | "mean";
}

/** The score catalog of a study, in score_key order; a score_key given twice is an error. */
export async function scoreCatalog(session: Session, items: string): Promise<ScoreKey[]> {
  const keys = await session.query<ScoreKey>(
    `select * from (${SCORE_CATALOG_SQL.replaceAll("{{ items }}", quoteIdent(items))}) order by score_position`,
  );
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k.score_key))
      throw new Error(`two scores share the score_key ${k.score_key} (ids containing "__"?)`);
    seen.add(k.score_key);
  }
  return keys;
}

/**
 * The catalog's scores that int_scores_wide has a column for (a score no wave's items give has
 * none), in score_key order: what int_index_scores unpivots and the index figures estimate.
 */
export async function scoreColumns(session: Session, wide: string, items: string): Promise<ScoreKey[]> {
  const present = new Set(
    (
      await session.query<{ column_name: string }>(`select column_name from (describe ${quoteIdent(wide)})`)
    ).map((c) => c.column_name),
  );
  return (await scoreCatalog(session, items)).filter((k) => present.has(k.score_key));
}

/** One row of seed_index_items (an item of an index definition in one wave), and its code counts. */
interface Item {
  wave_id: string;
  index_id: string;
  organization_id: string;
  level: string;
  aspect: string;
  item_key: string;
  item: string;
  item_score: "share" | "scale" | "top_box" | "option";
  rescale: boolean;
  population: string;
  /** 1-based, in the seed's rows in ITEM_ORDER */
  position: number;
  n_yes: number;
  n_dont_know: number;
  n_refused: number;
  n_na: number;
  n_satisfied: number;
  n_population: number;
}

const ITEM_ORDER = "index_id, organization_id, level, aspect, item_key, wave_id";

/**
 * The rules the scores use, as columns of a one-row relation `r` that reads them from
 * seed_index_items (item[position].field[j]), so no value from study.yaml is written into
 * the SQL and each is read once, not per response.
 */
class Rules {
  readonly #columns = new Map<string, string>();

  /** r.<column> for the value item[position].field (or its j-th element, 1-based). */
  value(position: number, field: string, j?: number): string {
    const source = `item[${position}].${field}${j === undefined ? "" : `[${j}]`}`;
    let column = this.#columns.get(source);
    if (!column) {
      column = `v${this.#columns.size}`;
      this.#columns.set(source, column);
    }
    return `r.${column}`;
  }

  /** `answer in (item[position].field[1], ...)`, or false for an empty list. */
  isIn(answer: string, position: number, field: string, length: number): string {
    if (length === 0) return "false";
    const values = Array.from({ length }, (_, j) => this.value(position, field, j + 1));
    return `${answer} in (${values.join(", ")})`;
  }

  /** The select list of the one-row relation. */
  sql(): string {
    return (
      [...this.#columns].map(([source, column]) => `${source} as ${column}`).join(",\n        ") || "1 as v"
    );
  }
}

/**
 * The answer to one item as varchar, per response `w`: the column the row's wave names it by
 * (codebook renames), null in waves that do not ask it (or where the column is missing).
 */
function answerSql(byWave: Map<string, Item>, waves: string[], columns: Set<string>, rules: Rules): string {
  const columnOf = (wave: string) => {
    const item = byWave.get(wave)?.item;
    return item !== undefined && columns.has(item) ? item : undefined;
  };
  const used = waves.map(columnOf);
  const first = used[0];
  if (used.every((c) => c === undefined)) return "cast(null as varchar)";
  if (first !== undefined && used.every((c) => c === first)) return `w.${quoteIdent(first)}::varchar`;
  const whens = waves.map((w, i) =>
    used[i] === undefined
      ? ""
      : `when ${rules.value(byWave.get(w)!.position, "wave_id")} then w.${quoteIdent(used[i])}::varchar `,
  );
  return `(case w.wave_id ${whens.join("")}end)`;
}

/** `when <answer is a not-applicable code> then null`, or nothing when the figure has none. */
function notApplicable(a: string, item: Item, rules: Rules): string {
  return item.n_na ? ` when ${rules.isIn(a, item.position, "na_codes", item.n_na)} then null` : "";
}

/**
 * An item's score as SQL, by the rules of its row of seed_index_items: a share is 100 for an
 * answer in its codes, 0 otherwise ("don't know" left out when the figure says "excluded"); a
 * scale is rescaled to 0-100 (or kept), "don't know" left out; a top box is 100 for a top code;
 * an option is 100 when the select_multiple answer (codes separated by spaces) holds it.
 * Refusals, not-applicable answers and unanswered items are left out (null).
 */
function itemScoreSql(a: string, item: Item, rules: Rules): string {
  const p = item.position;
  const refused = `when ${rules.isIn(a, p, "refused_codes", item.n_refused)} then null${notApplicable(a, item, rules)}`;
  const dontKnow = rules.isIn(a, p, "dont_know_codes", item.n_dont_know);
  if (item.item_score === "share") {
    const excluded = rules.value(p, "dont_know_as");
    return `case when ${a} is null then null ${refused} when ${rules.isIn(a, p, "yes_codes", item.n_yes)} then 100::double when ${excluded} = 'excluded' and ${dontKnow} then null else 0::double end`;
  }
  if (item.item_score === "top_box") return satisfiedSql(a, item, rules);
  if (item.item_score === "option")
    return `case when ${a} is null then null ${refused} when ${dontKnow} then null when list_contains(string_split(trim(${a}), ' '), ${rules.value(p, "option_code")}) then 100::double else 0::double end`;
  if (!item.rescale)
    return `case when ${a} is null then null ${refused} when ${dontKnow} then null else try_cast(${a} as double) end`;
  const min = rules.value(p, "scale_min");
  const max = rules.value(p, "scale_max");
  return `case when ${a} is null then null ${refused} when ${dontKnow} then null else (try_cast(${a} as double) - ${min}) / (${max} - ${min}) * 100 end`;
}

/** A top box ("% satisfied"): 100 when the answer is a top code, 0 otherwise. */
function satisfiedSql(a: string, item: Item, rules: Rules): string {
  const p = item.position;
  const na = item.n_na ? ` or ${rules.isIn(a, p, "na_codes", item.n_na)}` : "";
  const skipped = `${rules.isIn(a, p, "dont_know_codes", item.n_dont_know)} or ${rules.isIn(a, p, "refused_codes", item.n_refused)}${na}`;
  const satisfied = rules.isIn(`try_cast(${a} as double)`, p, "satisfied_codes", item.n_satisfied);
  return `case when ${a} is null then null when ${skipped} then null when ${satisfied} then 100::double else 0::double end`;
}

/** Item scores as columns of an inner relation, each computed once however many scores use it. */
class ItemColumns {
  readonly #names = new Map<string, string>();

  /** The quoted name of the column computing `sql`. */
  column(sql: string): string {
    let name = this.#names.get(sql);
    if (!name) {
      name = quoteIdent(`__bm_item_${this.#names.size + 1}`);
      this.#names.set(sql, name);
    }
    return name;
  }

  names(): string[] {
    return [...this.#names.values()];
  }

  sql(): string {
    return [...this.#names].map(([sql, name]) => `,\n        ${sql} as ${name}`).join("");
  }
}

/** The mean of the item scores answered, null when none: their sum over their count, as avg(). */
function meanSql(columns: string[]): string {
  if (columns.length === 1) return columns[0]!;
  const sum = columns.map((c) => `coalesce(${c}, 0)`).join(" + ");
  const count = columns.map((c) => `(${c} is not null)::integer`).join(" + ");
  return `(${sum}) / nullif(${count}, 0)`;
}

/**
 * Each response with its design, its base weight and one column per score (score_key, in
 * score_key order), the shape the statistics engine estimates from in one pass: a view that
 * scores the wide responses by SQL generated from the index definitions, the rules read from
 * seed_index_items (never copied into the SQL). Nothing is copied: the statistics engine
 * reads the responses and computes the scores it asks for. int_index_scores is the same
 * scores in long form. A score no respondent has gets no column.
 */
export async function build({ session, study, ref, self }: ModelContext): Promise<void> {
  const weighted = quoteIdent(ref("int_responses_base_weighted"));
  const seed = quoteIdent(ref("seed_index_items"));
  // an item scored by the same rules in two figures (an approval aspect and approval) reads
  // them from one row of the seed, so its score is one inner column, computed once
  const items = await session.query<Item>(
    `select * replace (min(position) over (
       partition by wave_id, item, item_score, yes_codes, dont_know_codes, refused_codes, na_codes, dont_know_as,
         scale_min, scale_max, rescale, satisfied_codes, option_code, population, population_values
     ) as position)
     from (select
       wave_id, index_id, organization_id, level, aspect, item_key, item, item_score, rescale, population,
       yes_codes, dont_know_codes, refused_codes, na_codes, dont_know_as, scale_min, scale_max, satisfied_codes,
       option_code, population_values,
       row_number() over (order by ${ITEM_ORDER})::integer as position,
       coalesce(len(yes_codes), 0)::integer as n_yes,
       coalesce(len(dont_know_codes), 0)::integer as n_dont_know,
       coalesce(len(refused_codes), 0)::integer as n_refused,
       coalesce(len(na_codes), 0)::integer as n_na,
       coalesce(len(satisfied_codes), 0)::integer as n_satisfied,
       coalesce(len(population_values), 0)::integer as n_population
     from ${seed})
     order by position`,
  );
  const keys = await scoreCatalog(session, ref("seed_index_items"));
  const columns = new Set(
    (await session.query<{ column_name: string }>(`select column_name from (describe ${weighted})`)).map(
      (c) => c.column_name,
    ),
  );
  const waves = (
    await session.query<{ wave_id: string }>(`select distinct wave_id from ${weighted} order by wave_id`)
  ).map((w) => w.wave_id);

  // per figure, its items, each by wave (the rules are the figure's, the same in every
  // wave's row of the seed; only the item's column may differ)
  const figureOf = (f: { index_id: string; organization_id: string; level: string; aspect: string }) =>
    [f.index_id, f.organization_id, f.level, f.aspect].join("\u0000");
  const definitions = new Map<string, Map<string, Map<string, Item>>>();
  for (const item of items) {
    const definition = figureOf(item);
    const byItem = definitions.get(definition) ?? new Map<string, Map<string, Item>>();
    const byWave = byItem.get(item.item_key) ?? new Map<string, Item>();
    byWave.set(item.wave_id, item);
    byItem.set(item.item_key, byWave);
    definitions.set(definition, byItem);
  }
  const itemsOf = (k: ScoreKey, rules: Rules) =>
    [...(definitions.get(figureOf(k))?.values() ?? [])].map((byWave) => {
      const first = byWave.values().next().value!;
      return { item: first, byWave, answer: answerSql(byWave, waves, columns, rules) };
    });
  // a population condition: the answers it names by the wave's codebook, its literals read
  // from the seed (population_values) in the order expressionToSql binds them
  const populationSql = (byWave: Map<string, Item>, rules: Rules): string => {
    const first = byWave.values().next().value!;
    let j = 0;
    return `coalesce(${expressionToSql(parseExpression(first.population), {
      self: "cast(null as varchar)",
      item: (name) =>
        answerSql(
          new Map([...byWave].map(([w, it]) => [w, { ...it, item: study.itemIn(waveCodebook(w), name) }])),
          waves,
          columns,
          rules,
        ),
      bind: () => {
        j += 1;
        if (j > first.n_population)
          throw new Error(`population of ${first.index_id}: more literals than the seed holds`);
        return rules.value(first.position, "population_values", j);
      },
    })}, false)`;
  };
  const waveCodebook = (wave: string) => study.waves.find((w) => w.id === wave)?.codebook ?? "";
  const scoreSql = (k: ScoreKey, rules: Rules, inner: ItemColumns) => {
    const scored = itemsOf(k, rules);
    const score = meanSql(scored.map((i) => inner.column(itemScoreSql(i.answer, i.item, rules))));
    const population = scored[0]?.item.population;
    // computed beside the item scores (it reads the answers), then used by name
    return population
      ? `(case when ${inner.column(populationSql(scored[0]!.byWave, rules))} then ${score} end)`
      : score;
  };

  const create = (scored: ScoreKey[]) => {
    const rules = new Rules();
    const inner = new ItemColumns();
    const scores = scored
      .map((k) => `,\n        ${scoreSql(k, rules, inner)} as ${quoteIdent(k.score_key)}`)
      .join("");
    return createView(
      session,
      self,
      `with

weighted as (
    select * from ${weighted}
),

rules as (
    select
        ${rules.sql()}
    from (select list(i order by ${ITEM_ORDER}) as item from ${seed} as i)
),

items as (
    select
        w.*${inner.sql()}
    from weighted as w, rules as r
),

final as (
    select
        *${inner.names().length ? ` exclude (${inner.names().join(", ")})` : ""}${scores}
    from items
)

select * from final`,
    );
  };
  await create(keys);

  // as a pivot of the long scores would: no column for a score no respondent has (counted
  // in the first responses read, then over all of them for any score not seen there)
  const counts = async (of: ScoreKey[], limit: string) => {
    const counted = of.map((k, i) => `count(${quoteIdent(k.score_key)})::bigint as n${i}`);
    const columns = of.map((k) => quoteIdent(k.score_key));
    const [n] = await session.query<Record<string, number>>(
      `select ${counted.join(", ")} from (select ${columns.join(", ")} from ${quoteIdent(self)} ${limit})`,
    );
    return of.filter((_, i) => !n?.[`n${i}`]);
  };
  const unseen = keys.length ? await counts(keys, "limit 2048") : [];
  const empty = new Set(unseen.length ? await counts(unseen, "") : []);
  if (empty.size) await create(keys.filter((k) => !empty.has(k)));
}
