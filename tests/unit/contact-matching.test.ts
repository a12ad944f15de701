import fc from 'fast-check';
import {
  MATCH_SCORES,
  damerauLevenshtein,
  foldText,
  nameTokens,
  prepareQuery,
  rankByName,
  scoreName,
} from '../../api/src/domain/interactions/contact-matching';

const score = (query: string, name: string) => {
  const prepared = prepareQuery(query);
  if (!prepared) throw new Error(`no query in "${query}"`);
  return scoreName(prepared, name);
};

const rank = (query: string, names: string[], limit = 10) =>
  rankByName(
    query,
    names,
    limit,
    (n) => n,
    (n) => n,
  ).map((r) => [r.item, r.score]);

/** Plain optimal-string-alignment distance, the reference for the banded one. */
function osa(a: string, b: string): number {
  const s = Array.from(a);
  const t = Array.from(b);
  const d = Array.from({ length: s.length + 1 }, (_, i) =>
    Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= s.length; i += 1) {
    for (let j = 1; j <= t.length; j += 1) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[s.length][t.length];
}

describe('folding names', () => {
  it.each([
    ['José Álvarez', 'jose alvarez'],
    ['ZOË ÅNGSTRÖM', 'zoe angstrom'],
    ['Straße', 'strasse'],
    ['Łódź', 'lodz'],
    ['Søren Kierkegaard', 'soren kierkegaard'],
    ['İlkay', 'ilkay'],
    ['ﬁnn', 'finn'],
  ])('folds %s to %s', (text, folded) => {
    expect(foldText(text)).toBe(folded);
  });

  it.each([
    ["Seán O'Brien", ['sean', 'obrien']],
    ['Mary-Jane  Watson', ['mary', 'jane', 'watson']],
    ['  Dr. Who ', ['dr', 'who']],
    ['!!!', []],
  ])('splits %s into name parts', (text, tokens) => {
    expect(nameTokens(text)).toEqual(tokens);
  });
});

describe('damerau-levenshtein distance', () => {
  it.each([
    ['jane', 'jane', 2, 0],
    ['jnae', 'jane', 2, 1],
    ['jon', 'john', 2, 1],
    ['smiht', 'smith', 2, 1],
    ['katherine', 'catherine', 2, 1],
    ['kitten', 'sitting', 3, 3],
    ['kitten', 'sitting', 2, 3],
    ['abc', 'xyz', 1, 2],
  ])('%s → %s within %d is %d', (a, b, max, distance) => {
    expect(damerauLevenshtein(a, b, max)).toBe(distance);
  });

  it('equals the full distance when within the bound and says "over" otherwise', () => {
    const word = fc.string({ unit: fc.constantFrom(...'abcde'), maxLength: 9 });
    fc.assert(
      fc.property(word, word, fc.integer({ min: 0, max: 3 }), (a, b, max) => {
        expect(damerauLevenshtein(a, b, max)).toBe(Math.min(osa(a, b), max + 1));
      }),
    );
  });
});

describe('scoring a name against a query', () => {
  it.each([
    ['jane doe', 'Jane Doe', MATCH_SCORES.exact],
    ['JANE   DOE', 'Jane Doe', MATCH_SCORES.exact],
    ['jane', 'Jane', MATCH_SCORES.exact],
    ['jane', 'Jane Doe', MATCH_SCORES.word],
    ['doe jane', 'Jane Doe', MATCH_SCORES.word],
    ['ja', 'Jane Doe', MATCH_SCORES.prefix],
    ['jane d', 'Jane Doe', MATCH_SCORES.prefix],
    ['ane', 'Jane Doe', MATCH_SCORES.substring],
    ['e do', 'Jane Doe', MATCH_SCORES.substring],
    ['jnae', 'Jane Doe', MATCH_SCORES.typo1],
    ['jon', 'John Smith', MATCH_SCORES.typo1],
    ['catherinne', 'Catherine Zeta', MATCH_SCORES.typo1],
    ['katherinne', 'Catherine Zeta', MATCH_SCORES.typo2],
    ['jose', 'José Álvarez', MATCH_SCORES.word],
    ['obrien', "Seán O'Brien", MATCH_SCORES.word],
  ])('"%s" matches "%s" with score %d', (query, name, expected) => {
    expect(score(query, name)).toBe(expected);
  });

  it.each([
    ['xyz', 'Jane Doe', 'nothing in common'],
    ['jo', 'Ja Doe', 'no typos allowed in two letters'],
    ['jnaee', 'Jane Doe', 'two edits in a short token'],
    ['kathryne', 'Catherine Zeta', 'three edits in a long token'],
    ['jane jane', 'Jane Doe', 'one name part cannot answer two query tokens'],
    ['jane doe smith', 'Jane Doe', 'more query tokens than name parts'],
  ])('"%s" does not match "%s" (%s)', (query, name) => {
    expect(score(query, name)).toBe(0);
  });

  it('has no query without letters or digits', () => {
    expect(prepareQuery(' -- ')).toBeNull();
  });
});

describe('ranking names', () => {
  const people = ['Janet Smith', 'Jane Doerr', 'Jane Doe', 'Jon Snow', 'Jane Roe', 'John Smith'];

  it('puts the exact full name first, then whole parts, prefixes, substrings and typos', () => {
    expect(rank('jane doe', people)).toEqual([
      ['Jane Doe', MATCH_SCORES.exact],
      ['Jane Doerr', MATCH_SCORES.prefix],
      ['Jane Roe', MATCH_SCORES.typo1],
    ]);
    expect(rank('jan', people)).toEqual([
      ['Jane Doe', MATCH_SCORES.prefix],
      ['Jane Doerr', MATCH_SCORES.prefix],
      ['Jane Roe', MATCH_SCORES.prefix],
      ['Janet Smith', MATCH_SCORES.prefix],
      ['Jon Snow', MATCH_SCORES.typo1],
    ]);
  });

  it('ranks whole name parts above longer names that merely start with the query', () => {
    expect(rank('jane', people).slice(0, 4)).toEqual([
      ['Jane Doe', MATCH_SCORES.word],
      ['Jane Doerr', MATCH_SCORES.word],
      ['Jane Roe', MATCH_SCORES.word],
      ['Janet Smith', MATCH_SCORES.prefix],
    ]);
  });

  it('keeps only the best `limit` and does not depend on the input order', () => {
    const forward = rank('jan', people, 2);
    expect(forward).toHaveLength(2);
    expect(rank('jan', [...people].reverse(), 2)).toEqual(forward);
  });

  it('counts an item seen twice (offset paging) once', () => {
    expect(rank('jane doe', ['Jane Doe', 'Jane Doe'])).toEqual([['Jane Doe', 1]]);
  });
});

describe('matching properties', () => {
  const MARKS = ['', '', '\u0301', '\u0300', '\u0308', '\u0302', '\u030a', '\u0327'];
  const word = fc.string({
    unit: fc.constantFrom(...'abcdeilnorsuyz'),
    minLength: 1,
    maxLength: 8,
  });
  const name = fc.array(word, { minLength: 1, maxLength: 3 }).map((w) => w.join(' '));
  /** The same name with random case and random accents, as a person might type or store it. */
  const decorate = (text: string) =>
    fc
      .array(fc.tuple(fc.boolean(), fc.constantFrom(...MARKS)), {
        minLength: text.length,
        maxLength: text.length,
      })
      .map((choices) =>
        Array.from(text)
          .map((c, i) => (choices[i][0] ? c.toUpperCase() : c) + (c === ' ' ? '' : choices[i][1]))
          .join('')
          .normalize('NFC'),
      );

  it('always ranks the exact name first, whatever else is in the directory', () => {
    const directory = fc.array(name, { minLength: 1, maxLength: 30 });
    const chosen = directory.chain((names) =>
      fc
        .integer({ min: 0, max: names.length - 1 })
        .chain((i) => decorate(names[i]).map((query) => ({ names, target: names[i], query }))),
    );
    fc.assert(
      fc.property(chosen, ({ names, target, query }) => {
        const [top] = rankByName(
          query,
          names.map((n, i) => ({ n, id: String(i) })),
          5,
          (x) => x.n,
          (x) => x.id,
        );
        expect(top.score).toBe(MATCH_SCORES.exact);
        expect(nameTokens(top.item.n)).toEqual(nameTokens(target));
      }),
    );
  });

  it('scores the same whatever the case and accents of the query and the name', () => {
    const pair = fc
      .tuple(name, name)
      .chain(([query, stored]) =>
        fc.tuple(fc.constant(query), fc.constant(stored), decorate(query), decorate(stored)),
      );
    fc.assert(
      fc.property(pair, ([query, stored, fancyQuery, fancyStored]) => {
        expect(score(fancyQuery, fancyStored)).toBe(score(query, stored));
      }),
    );
  });
});
