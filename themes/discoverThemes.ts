import { agnes } from "ml-hclust";
import type { Segmenter } from "./createSegmenter.ts";

export interface CandidateTheme {
  /** 0-based, in order of size (largest first). */
  cluster: number;
  size: number;
  /** The class-based TF-IDF terms that label the theme, best first. */
  terms: { term: string; score: number }[];
  /** Three answers (as given) nearest the theme's centre. */
  representatives: string[];
}

export interface Discovery {
  themes: CandidateTheme[];
  /** Each answer's theme (`cluster`), or -1 for an answer without any content word. */
  assignment: number[];
  vocabulary: number;
}

export interface DiscoverOptions {
  /** Number of candidate themes. Default 10. */
  themes?: number;
  /** Terms in fewer answers than this are left out. Default 3. */
  minAnswers?: number;
  /** Answers clustered (the rest join the nearest theme). Default 400. */
  sample?: number;
  /** Rounds of moving every answer to its nearest centre and the centres to their answers. Default 10. */
  rounds?: number;
  /** Seed of the sample, so the same answers give the same themes. */
  seed?: number;
  labelTerms?: number;
}

/**
 * Candidate themes in a set of open answers. Each answer becomes a TF-IDF vector of its content
 * words in jieba's search mode (so 暑期托管 and 托管班 share 托管), scaled to length 1; a seeded
 * sample of them is clustered by agglomerative clustering with Ward's criterion (ml-hclust's
 * AGNES: its cost grows with the cube of the answers, hence the sample), the tree cut into
 * `themes` clusters, every answer joins the cluster whose centre is most like it (cosine), and
 * the centres move to their answers' mean for a few rounds (as k-means does, from the tree's start).
 * Each theme is labelled by its class-based TF-IDF terms (BERTopic's c-TF-IDF: a term's share of
 * the theme's words times log(1 + mean words per theme / the term's count overall)) and the three
 * answers nearest its centre. Answers with no content word (blank, "无", only praise words when
 * the study lists them as stop words) are left out, as -1.
 */
export function discoverThemes(
  answers: readonly string[],
  segmenter: Segmenter,
  options: DiscoverOptions = {},
): Discovery {
  const k = options.themes ?? 10;
  const docs = answers.map((a) => [...new Set(segmenter.searchTerms(a))]);
  const df = new Map<string, number>();
  for (const d of docs) for (const t of d) df.set(t, (df.get(t) ?? 0) + 1);
  const vocab = [...df.entries()]
    .filter(([, n]) => n >= (options.minAnswers ?? 3))
    .map(([t]) => t)
    .sort();
  const col = new Map(vocab.map((t, j) => [t, j]));
  const n = answers.length;
  const idf = vocab.map((t) => Math.log((1 + n) / (1 + df.get(t)!)) + 1);
  const vectors = docs.map((d) => {
    const v = new Float64Array(vocab.length);
    for (const t of d) if (col.has(t)) v[col.get(t)!] = idf[col.get(t)!]!;
    const norm = Math.hypot(...v);
    return norm > 0 ? v.map((x) => x / norm) : null;
  });
  const assignment = new Array<number>(n).fill(-1);
  const withTerms = vectors.flatMap((v, i) => (v ? [i] : []));
  if (withTerms.length === 0) return { themes: [], assignment, vocabulary: vocab.length };

  const random = lcg(options.seed ?? 1);
  const sample = withTerms
    .map((i) => [random(), i] as const)
    .sort((a, b) => a[0] - b[0])
    .slice(0, options.sample ?? 400)
    .map(([, i]) => i)
    .sort((a, b) => a - b);
  const groups =
    sample.length > 1
      ? agnes(
          sample.map((i) => Array.from(vectors[i]!)),
          { method: "ward" },
        )
          .group(Math.min(k, sample.length))
          .children.map((c) => (c.isLeaf ? [c.index] : c.indices()))
      : [[0]];
  const centres = groups.map((members) => {
    const c = new Float64Array(vocab.length);
    for (const m of members) for (const [j, x] of vectors[sample[m]!]!.entries()) c[j]! += x;
    const norm = Math.hypot(...c);
    return c.map((x) => x / norm);
  });
  const likeness = (v: Float64Array, c: Float64Array) => v.reduce((s, x, j) => s + x * c[j]!, 0);
  const raw = new Map<number, number>();
  // every answer to its nearest centre, then the centres moved to their answers' mean, a few rounds
  for (let round = 0; round < (options.rounds ?? 10); round++) {
    let moved = 0;
    for (const i of withTerms) {
      let best = 0;
      let bestLike = -1;
      centres.forEach((c, g) => {
        const like = likeness(vectors[i]!, c);
        if (like > bestLike) [best, bestLike] = [g, like];
      });
      if (raw.get(i) !== best) moved++;
      raw.set(i, best);
    }
    if (moved === 0) break;
    centres.forEach((c, g) => {
      c.fill(0);
      for (const [i, to] of raw) if (to === g) for (const [j, x] of vectors[i]!.entries()) c[j]! += x;
      const norm = Math.hypot(...c) || 1;
      for (const [j, x] of c.entries()) c[j] = x / norm;
    });
  }

  // themes numbered by size
  const sizes = centres.map(() => 0);
  for (const c of raw.values()) sizes[c]! += 1;
  const order = sizes
    .map((s, c) => [s, c] as const)
    .filter(([s]) => s > 0)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .map(([, c]) => c);
  const renumber = new Map(order.map((c, i) => [c, i]));
  for (const [i, c] of raw) assignment[i] = renumber.get(c)!;

  // c-TF-IDF over the term counts of each theme
  const counts = order.map(() => new Map<string, number>());
  const totals = order.map(() => 0);
  const overall = new Map<string, number>();
  for (const i of withTerms) {
    const c = assignment[i]!;
    for (const t of docs[i]!) {
      if (!col.has(t)) continue;
      counts[c]!.set(t, (counts[c]!.get(t) ?? 0) + 1);
      overall.set(t, (overall.get(t) ?? 0) + 1);
      totals[c]! += 1;
    }
  }
  const meanWords = totals.reduce((a, b) => a + b, 0) / order.length;
  const themes = order.map((c, cluster) => {
    const terms = [...counts[cluster]!.entries()]
      .map(([term, count]) => ({
        term,
        score: (count / totals[cluster]!) * Math.log(1 + meanWords / overall.get(term)!),
      }))
      .sort((a, b) => b.score - a.score || (a.term < b.term ? -1 : 1))
      .slice(0, options.labelTerms ?? 8);
    const members = withTerms
      .filter((i) => assignment[i] === cluster)
      .map((i) => ({ i, near: likeness(vectors[i]!, centres[c]!) }))
      .sort((a, b) => b.near - a.near || a.i - b.i);
    const representatives: string[] = [];
    for (const m of members) {
      if (!representatives.includes(answers[m.i]!)) representatives.push(answers[m.i]!);
      if (representatives.length === 3) break;
    }
    return { cluster, size: sizes[c]!, terms, representatives };
  });
  return { themes, assignment, vocabulary: vocab.length };
}

/** A small seeded generator for the sample (Park–Miller). */
function lcg(seed: number): () => number {
  let s = (Math.abs(Math.floor(seed)) % 2147483646) + 1;
  return () => {
    s = (s * 48271) % 2147483647;
    return (s - 1) / 2147483646;
  };
}
