/**
 * The little OData Graph's Teams endpoints accept: `$filter=Property eq 'literal'` (single quotes
 * inside the literal doubled) and function parameters `name='value',name=2025-06-01T00:00:00Z`.
 */

export const INVALID_QUERY = 'The query specified in the URI is not valid.';

export type EqFilter = { property: string; value: string } | { error: string };

function syntaxError(filter: string, position: number): { error: string } {
  return { error: `${INVALID_QUERY} Syntax error at position ${position} in '${filter}'.` };
}

/** Parses `Property eq 'value'` (property path case as sent; `eq` case-insensitive). */
export function parseEqFilter(filter: string): EqFilter {
  let i = 0;
  const skipSpaces = () => {
    while (i < filter.length && filter[i] === ' ') i++;
  };
  skipSpaces();
  const prop = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*/.exec(filter.slice(i));
  if (!prop) return syntaxError(filter, i);
  i += prop[0].length;
  if (filter[i] !== ' ') return syntaxError(filter, i);
  skipSpaces();
  if (filter.slice(i, i + 2).toLowerCase() !== 'eq' || filter[i + 2] !== ' ')
    return syntaxError(filter, i);
  i += 2;
  skipSpaces();
  if (filter[i] !== "'") return syntaxError(filter, i);
  i++;
  let value = '';
  for (;;) {
    if (i >= filter.length)
      return {
        error: `${INVALID_QUERY} Unterminated string literal at position ${i} in '${filter}'.`,
      };
    if (filter[i] === "'") {
      if (filter[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      i++;
      break;
    }
    value += filter[i++];
  }
  skipSpaces();
  if (i !== filter.length) return syntaxError(filter, i);
  return { property: prop[0], value };
}

/** Lower-cases percent-escapes so `%3A` and `%3a` compare equal (Teams normalises them). */
export function normalizeEscapes(url: string): string {
  return url.replace(/%[0-9A-Fa-f]{2}/g, (e) => e.toLowerCase());
}

export type FunctionCall = { name: string; params: Record<string, string> } | { error: string };

/** Parses `name(p1='v',p2=2025-06-01T00:00:00Z)` (also `name` or `name()`); quoted values unescaped. */
export function parseFunctionCall(segment: string): FunctionCall {
  const m = /^([A-Za-z]+)(?:\((.*)\))?$/s.exec(segment);
  if (!m) return { error: `${INVALID_QUERY} Bad function call '${segment}'.` };
  const params: Record<string, string> = {};
  const body = m[2] ?? '';
  let i = 0;
  while (i < body.length) {
    const name = /^\s*([A-Za-z]+)\s*=\s*/.exec(body.slice(i));
    if (!name) return { error: `${INVALID_QUERY} Bad parameter list in '${segment}'.` };
    i += name[0].length;
    let value = '';
    if (body[i] === "'") {
      i++;
      for (;;) {
        if (i >= body.length)
          return { error: `${INVALID_QUERY} Unterminated string literal in '${segment}'.` };
        if (body[i] === "'" && body[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (body[i] === "'") {
          i++;
          break;
        } else value += body[i++];
      }
    } else {
      while (i < body.length && body[i] !== ',') value += body[i++];
      value = value.trim();
    }
    params[name[1]] = value;
    while (body[i] === ' ') i++;
    if (i < body.length) {
      if (body[i] !== ',') return { error: `${INVALID_QUERY} Bad parameter list in '${segment}'.` };
      i++;
    }
  }
  return { name: m[1], params };
}
