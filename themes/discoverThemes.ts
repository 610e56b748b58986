import { agnes } from "ml-hclust";
import { EVD, Matrix } from "ml-matrix";
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
  /** Dimensions of the latent semantic space the answers are clustered in. Default 1.5 × themes. */
  dimensions?: number;
  /** Answers clustered by Ward's criterion in each start (the rest join the nearest theme). Default 400. */
  sample?: number;
  /** Rounds of moving every answer to its nearest centre and the centres to their answers. Default 20. */
  rounds?: number;
  /** Passes that weight each term by how much it is concentrated in the themes found. Default 1. */
  reweight?: number;
  /**
   * Starts of step 3, each from another sample; the clusters that fit best (the most likeness of
   * the answers to their centres) are kept. Default 8 (1 when the sample is every answer).
   */
  starts?: number;
  /** Seed of the sample, so the same answers give the same themes. */
  seed?: number;
  labelTerms?: number;
}

/**
 * Candidate themes in a set of open answers.
 *
 * 1. Each answer becomes a TF-IDF vector of its content words in jieba's search mode (so 暑期托管
 *    and 托管班 share 托管), scaled to length 1.
 * 2. Latent semantic analysis: the vectors are projected on the leading `dimensions` right singular
 *    vectors of the answer × term matrix (the leading eigenvectors of its term × term Gram matrix,
 *    ml-matrix's EVD), and scaled to length 1 again. Words that go together (a theme's synonyms,
 *    through the sentences they share) fall on the same directions; words said in every theme
 *    alike (期待, 恳请) carry little of the leading ones.
 * 3. A seeded sample is clustered by agglomerative clustering with Ward's criterion (ml-hclust's
 *    AGNES: its cost grows with the cube of the answers, hence the sample), the tree cut into
 *    `themes` clusters, every answer joins the cluster whose centre is most like it (cosine), and
 *    the centres move to their answers' mean for a few rounds (as k-means does, from the tree's
 *    start). This `starts` times from other samples; the clusters that fit best (the most likeness
 *    of the answers to their centres) are kept.
 * 4. `reweight` times, each term is weighted by its concentration in the clusters found,
 *    1 − H / log(themes), H the entropy of its rate (share of the cluster's answers using it)
 *    across the clusters: a word used at the same rate in every cluster weighs 0, a word of one
 *    cluster only weighs 1; then steps 1–3 again with the weighted terms.
 *
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
  // each answer's terms as columns of the vocabulary
  const columns = docs.map((d) => d.flatMap((t) => (col.has(t) ? [col.get(t)!] : [])));
  const assignment = new Array<number>(n).fill(-1);
  const withTerms = columns.flatMap((c, i) => (c.length > 0 ? [i] : []));
  if (withTerms.length === 0) return { themes: [], assignment, vocabulary: vocab.length };

  let weight = vocab.map(() => 1);
  let found = clusterAnswers(
    withTerms.map((i) => columns[i]!),
    idf,
    weight,
    k,
    options,
  );
  for (let pass = 0; pass < (options.reweight ?? 1) && found.centres.length > 1; pass++) {
    weight = concentration(
      withTerms.map((i) => columns[i]!),
      found.labels,
      found.centres.length,
      vocab.length,
    );
    found = clusterAnswers(
      withTerms.map((i) => columns[i]!),
      idf,
      weight,
      k,
      options,
    );
  }
  const { labels, centres, points } = found;

  // themes numbered by size
  const sizes = centres.map(() => 0);
  for (const c of labels) sizes[c]! += 1;
  const order = sizes
    .map((s, c) => [s, c] as const)
    .filter(([s]) => s > 0)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .map(([, c]) => c);
  const renumber = new Map(order.map((c, i) => [c, i]));
  withTerms.forEach((i, r) => {
    assignment[i] = renumber.get(labels[r]!)!;
  });

  // c-TF-IDF over the term counts of each theme
  const counts = order.map(() => new Map<string, number>());
  const totals = order.map(() => 0);
  const overall = new Map<string, number>();
  for (const i of withTerms) {
    const c = assignment[i]!;
    for (const j of columns[i]!) {
      const t = vocab[j]!;
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
      .flatMap((i, r) => (assignment[i] === cluster ? [{ i, near: dot(points[r]!, centres[c]!) }] : []))
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

/**
 * Steps 1–3 of discoverThemes on answers given as their terms' columns: the answers' points in
 * the latent semantic space, their clusters (0 … k − 1, some possibly empty) and the clusters'
 * centres (length 1).
 */
function clusterAnswers(
  rows: readonly number[][],
  idf: readonly number[],
  weight: readonly number[],
  k: number,
  options: DiscoverOptions,
): { labels: number[]; centres: Float64Array[]; points: Float64Array[] } {
  const terms = idf.length;
  // TF-IDF rows, length 1 (sparse: the answer's columns and their values)
  const values = rows.map((cols) => {
    const v = cols.map((j) => idf[j]! * weight[j]!);
    const norm = Math.hypot(...v);
    return norm > 0 ? v.map((x) => x / norm) : v;
  });
  // the term × term Gram matrix X'X, whose eigenvectors are X's right singular vectors
  const gram = Matrix.zeros(terms, terms);
  rows.forEach((cols, r) => {
    const v = values[r]!;
    for (let a = 0; a < cols.length; a++)
      for (let b = 0; b < cols.length; b++)
        gram.set(cols[a]!, cols[b]!, gram.get(cols[a]!, cols[b]!) + v[a]! * v[b]!);
  });
  const dims = Math.max(1, Math.min(options.dimensions ?? Math.ceil(1.5 * k), terms));
  const evd = new EVD(gram, { assumeSymmetric: true });
  // eigenvalues come in increasing order: the leading directions are the last columns
  const basis = Array.from({ length: dims }, (_, d) => evd.eigenvectorMatrix.getColumn(terms - 1 - d));
  const points = rows.map((cols, r) => {
    const p = new Float64Array(dims);
    cols.forEach((j, a) => {
      for (let d = 0; d < dims; d++) p[d]! += values[r]![a]! * basis[d]![j]!;
    });
    return unit(p);
  });

  const random = lcg(options.seed ?? 1);
  let best: { labels: number[]; centres: Float64Array[]; fit: number } | null = null;
  // when the sample is every answer, every start is the same
  const starts = points.length <= (options.sample ?? 400) ? 1 : (options.starts ?? 8);
  for (let start = 0; start < starts; start++) {
    const found = wardThenRounds(points, k, dims, random, options);
    if (!best || found.fit > best.fit) best = found;
  }
  return { labels: best!.labels, centres: best!.centres, points };
}

/**
 * One start of step 3: Ward's tree on a sample of the points cut into k clusters, then rounds
 * of nearest centre (cosine). `fit` is the sum of each point's likeness to its centre.
 */
function wardThenRounds(
  points: readonly Float64Array[],
  k: number,
  dims: number,
  random: () => number,
  options: DiscoverOptions,
): { labels: number[]; centres: Float64Array[]; fit: number } {
  const sample = points
    .map((_, r) => [random(), r] as const)
    .sort((a, b) => a[0] - b[0])
    .slice(0, options.sample ?? 400)
    .map(([, r]) => r)
    .sort((a, b) => a - b);
  const groups =
    sample.length > 1
      ? agnes(
          sample.map((r) => Array.from(points[r]!)),
          { method: "ward" },
        )
          .group(Math.min(k, sample.length))
          .children.map((c) => (c.isLeaf ? [c.index] : c.indices()))
      : [[0]];
  const centres = groups.map((members) => {
    const c = new Float64Array(dims);
    for (const m of members) for (const [d, x] of points[sample[m]!]!.entries()) c[d]! += x;
    return unit(c);
  });
  const labels = new Array<number>(points.length).fill(-1);
  let fit = 0;
  // every answer to its nearest centre, then the centres moved to their answers' mean, a few rounds
  for (let round = 0; round < (options.rounds ?? 20); round++) {
    let moved = 0;
    fit = 0;
    points.forEach((p, r) => {
      let best = 0;
      let bestLike = -Infinity;
      centres.forEach((c, g) => {
        const like = dot(p, c);
        if (like > bestLike) [best, bestLike] = [g, like];
      });
      if (labels[r] !== best) moved++;
      labels[r] = best;
      fit += bestLike;
    });
    if (moved === 0) break;
    for (const c of centres) c.fill(0);
    points.forEach((p, r) => {
      const c = centres[labels[r]!]!;
      for (let d = 0; d < dims; d++) c[d]! += p[d]!;
    });
    centres.forEach((c, g) => {
      centres[g] = unit(c);
    });
  }
  return { labels, centres, fit };
}

/**
 * Each term's concentration in the clusters: 1 − H / log(clusters), H the entropy of the term's
 * rate in each cluster (the share of the cluster's answers using it) scaled to sum to 1. 0 for a
 * term used at the same rate in every cluster, 1 for a term of one cluster only.
 */
function concentration(
  rows: readonly number[][],
  labels: readonly number[],
  clusters: number,
  terms: number,
): number[] {
  const sizes = new Array<number>(clusters).fill(0);
  for (const c of labels) sizes[c]! += 1;
  const uses = Array.from({ length: terms }, () => new Array<number>(clusters).fill(0));
  rows.forEach((cols, r) => {
    for (const j of cols) uses[j]![labels[r]!]! += 1;
  });
  return uses.map((perCluster) => {
    const rates = perCluster.map((u, c) => (sizes[c]! > 0 ? u / sizes[c]! : 0));
    const total = rates.reduce((a, b) => a + b, 0);
    if (total === 0) return 0;
    const entropy = -rates.reduce((s, x) => (x > 0 ? s + (x / total) * Math.log(x / total) : s), 0);
    return Math.max(0, 1 - entropy / Math.log(clusters));
  });
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += a[d]! * b[d]!;
  return s;
}

/** The vector scaled to length 1 (a zero vector stays zero). */
function unit(v: Float64Array): Float64Array {
  const norm = Math.hypot(...v);
  return norm > 0 ? v.map((x) => x / norm) : v;
}

/** A small seeded generator for the sample (Park–Miller). */
function lcg(seed: number): () => number {
  let s = (Math.abs(Math.floor(seed)) % 2147483646) + 1;
  return () => {
    s = (s * 48271) % 2147483647;
    return (s - 1) / 2147483646;
  };
}
