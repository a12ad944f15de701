import type * as AdaptiveCards from 'adaptivecards';

// The package entry is ESM with extensionless imports, which Node cannot load; the UMD bundle can.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof AdaptiveCards;

/** Teams renders schema 1.5 at most. */
const MAX_VERSION = { major: 1, minor: 5 };

function versionProblem(version: unknown): string | null {
  const m = typeof version === 'string' ? /^(\d+)\.(\d+)$/.exec(version) : null;
  if (!m) return `Card version ${JSON.stringify(version)} is not "major.minor".`;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  const tooHigh =
    major > MAX_VERSION.major || (major === MAX_VERSION.major && minor > MAX_VERSION.minor);
  return tooHigh ? `Card version ${version} is above 1.5, the highest Teams renders.` : null;
}

/**
 * Every problem the adaptivecards library finds parsing the card as schema 1.5 (unknown
 * elements or actions, properties from later versions, bad enum values, missing required
 * properties, duplicate input ids, too many actions), plus a card type or version Teams would
 * not render. Empty means valid.
 */
export function validateCard(card: unknown): string[] {
  if (typeof card !== 'object' || card === null) return ['Card is not an object.'];
  const json = card as Record<string, unknown>;
  const problems: string[] = [];
  if (json.type !== 'AdaptiveCard') problems.push(`Card type is ${JSON.stringify(json.type)}.`);
  const version = versionProblem(json.version);
  if (version) problems.push(version);
  // The library ignores "version" when parsing, so the version problem above is checked by hand.
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  const parsed = new AC.AdaptiveCard();
  parsed.parse(json, context);
  for (let i = 0; i < context.eventCount; i += 1) problems.push(context.getEventAt(i).message);
  for (const e of parsed.validateProperties().validationEvents) problems.push(e.message);
  return problems;
}
