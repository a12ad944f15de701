/**
 * Ranking of people by name, pure and linear in the number of names: each name costs
 * O(tokens × token length × typo budget), and only the best `limit` are kept while scanning.
 */

/** Scores by how a query matched a name; equal scores are equally good (ambiguous). */
export const MATCH_SCORES = {
  /** The whole name, token for token. */
  exact: 1,
  /** Every query token is a whole name part ("jane" for "Jane Doe"). */
  word: 0.9,
  /** Every query token starts a name part ("ja do"). */
  prefix: 0.8,
  /** A query token is inside a name part, or the query inside the full name ("ane"). */
  substring: 0.6,
  /** A query token is one edit away from a name part. */
  typo1: 0.4,
  /** A query token is two edits away from a longer name part. */
  typo2: 0.3,
} as const;

/** Letters with no Unicode decomposition that people still type without their "accent". */
const FOLDS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
  ς: 'σ',
};
const FOLDABLE = new RegExp(`[${Object.keys(FOLDS).join('')}]`, 'gu');

/** Lower-case, without diacritics (NFKD, so ligatures and full-width letters fold too). */
export function foldText(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(FOLDABLE, (c) => FOLDS[c] ?? c);
}

/** Folded name parts; apostrophes join ("O'Brien" → "obrien"), other punctuation separates. */
export function nameTokens(text: string): string[] {
  return foldText(text)
    .replace(/['’ʼ`´]/gu, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0);
}

/** Edits a query token may be away from a name part: none for 1–2 letters (noise), then 1, then 2. */
export function typoBudget(length: number): number {
  if (length <= 2) return 0;
  return length <= 5 ? 1 : 2;
}

/**
 * Damerau-Levenshtein distance (optimal string alignment) over code points, computed only in the
 * band |i - j| ≤ max; returns `max + 1` as soon as the distance must exceed `max`.
 */
export function damerauLevenshtein(a: string, b: string, max: number): number {
  const s = Array.from(a);
  const t = Array.from(b);
  const over = max + 1;
  if (Math.abs(s.length - t.length) > max) return over;
  if (s.length === 0 || t.length === 0) return Math.max(s.length, t.length);
  const width = t.length + 1;
  let before = new Array<number>(width).fill(over);
  let prev = Array.from({ length: width }, (_, j) => (j <= max ? j : over));
  let cur = new Array<number>(width);
  for (let i = 1; i <= s.length; i += 1) {
    cur.fill(over);
    cur[0] = i <= max ? i : over;
    let rowMin = cur[0];
    const from = Math.max(1, i - max);
    const to = Math.min(t.length, i + max);
    for (let j = from; j <= to; j += 1) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        d = Math.min(d, before[j - 2] + 1);
      }
      cur[j] = Math.min(d, over);
      rowMin = Math.min(rowMin, cur[j]);
    }
    if (rowMin > max) return over;
    [before, prev, cur] = [prev, cur, before];
  }
  return Math.min(prev[t.length], over);
}

export interface NameQuery {
  /** Folded tokens joined by one space. */
  key: string;
  /** Longest first: the most selective token claims its name part first. */
  tokens: string[];
}

/** The prepared form of a search; null when it has no letters or digits. */
export function prepareQuery(query: string): NameQuery | null {
  const tokens = nameTokens(query);
  if (tokens.length === 0) return null;
  return { key: tokens.join(' '), tokens: [...tokens].sort((x, y) => y.length - x.length) };
}

function tokenScore(q: string, part: string): number {
  if (part === q) return MATCH_SCORES.word;
  if (part.startsWith(q)) return MATCH_SCORES.prefix;
  if (q.length >= 2 && part.includes(q)) return MATCH_SCORES.substring;
  const budget = typoBudget(q.length);
  if (budget === 0) return 0;
  const distance = damerauLevenshtein(q, part, budget);
  if (distance > budget) return 0;
  return distance === 1 ? MATCH_SCORES.typo1 : MATCH_SCORES.typo2;
}

/** How well `name` matches the query (a MATCH_SCORES value), 0 when it does not. */
export function scoreName(query: NameQuery, name: string): number {
  const parts = nameTokens(name);
  const key = parts.join(' ');
  if (key === query.key) return MATCH_SCORES.exact;
  const whole = key.includes(query.key) ? MATCH_SCORES.substring : 0;
  if (query.tokens.length > parts.length) return whole;
  const used = new Array<boolean>(parts.length).fill(false);
  let worst: number = MATCH_SCORES.word;
  for (const q of query.tokens) {
    let best = 0;
    let bestAt = -1;
    for (let i = 0; i < parts.length && best < MATCH_SCORES.word; i += 1) {
      if (used[i]) continue;
      const score = tokenScore(q, parts[i]);
      if (score > best) [best, bestAt] = [score, i];
    }
    if (bestAt < 0) return whole;
    used[bestAt] = true;
    worst = Math.min(worst, best);
  }
  return Math.max(worst, whole);
}

export interface Ranked<T> {
  item: T;
  score: number;
}

/**
 * Keeps the best `limit` items by name while they stream past (page by page); ties are ordered by
 * folded name, then key, so a result does not depend on the order items arrived in.
 */
export class NameRanker<T> {
  private readonly best: (Ranked<T> & { sortName: string; id: string })[] = [];

  constructor(
    private readonly query: NameQuery,
    private readonly limit: number,
    private readonly nameOf: (item: T) => string,
    private readonly idOf: (item: T) => string,
  ) {}

  offer(items: Iterable<T>): void {
    for (const item of items) {
      const score = scoreName(this.query, this.nameOf(item));
      if (score > 0)
        this.insert({ item, score, sortName: foldText(this.nameOf(item)), id: this.idOf(item) });
    }
  }

  results(): Ranked<T>[] {
    return this.best.map(({ item, score }) => ({ item, score }));
  }

  private insert(entry: Ranked<T> & { sortName: string; id: string }): void {
    // Offset paging can show an item twice when rows are added meanwhile.
    if (this.best.some((b) => b.id === entry.id)) return;
    const before = (a: typeof entry, b: typeof entry) =>
      a.score !== b.score
        ? a.score > b.score
        : a.sortName !== b.sortName
          ? a.sortName < b.sortName
          : a.id < b.id;
    let at = this.best.length;
    while (at > 0 && before(entry, this.best[at - 1])) at -= 1;
    if (at >= this.limit) return;
    this.best.splice(at, 0, entry);
    if (this.best.length > this.limit) this.best.pop();
  }
}

/** The best `limit` matches of `query` among `items`, best first. */
export function rankByName<T>(
  query: string,
  items: Iterable<T>,
  limit: number,
  nameOf: (item: T) => string,
  idOf: (item: T) => string,
): Ranked<T>[] {
  const prepared = prepareQuery(query);
  if (!prepared) return [];
  const ranker = new NameRanker(prepared, limit, nameOf, idOf);
  ranker.offer(items);
  return ranker.results();
}
