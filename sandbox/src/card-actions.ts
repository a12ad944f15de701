/**
 * What a Teams client does with an Adaptive Card: which `Action.Execute` buttons a user can press
 * (body, actions, ActionSet, containers, columns, tables, ShowCard, `selectAction`), which inputs
 * it sends, and whether the bot's answer is an AdaptiveCardInvokeResponse it can show.
 * Sources: Adaptive Cards "Universal Action Model" (invoke `adaptiveCard/action`, response types
 * and HTTP 200), Teams "Work with Universal Actions" / "User specific views" (refresh.userIds, 60
 * members, the one-minute rule); botbuilder 4.23.3 activityHandler.js (invoke status mapping).
 */

type Json = Record<string, unknown>;

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keys whose contents a user never sees as buttons or inputs. */
const HIDDEN = new Set(['data', 'fallback', 'refresh']);

/** Every object inside a card a user can see, depth first (not data, fallbacks or refresh). */
function* visible(node: unknown): Generator<Json> {
  if (Array.isArray(node)) {
    for (const item of node) yield* visible(item);
    return;
  }
  if (!isObject(node)) return;
  yield node;
  for (const [key, value] of Object.entries(node)) if (!HIDDEN.has(key)) yield* visible(value);
}

/** The Adaptive Cards among an activity's attachments. */
export function adaptiveCards(activity: Json): Json[] {
  const attachments = Array.isArray(activity.attachments) ? activity.attachments : [];
  return attachments
    .filter((a): a is Json => isObject(a) && a.contentType === ADAPTIVE_CARD && isObject(a.content))
    .map((a) => a.content as Json);
}

/** The first `Action.Execute` with this verb a user can press, with the card it is on. */
export function findExecute(cards: Json[], verb: string): { card: Json; action: Json } | undefined {
  for (const card of cards) {
    for (const node of visible(card)) {
      if (node.type === 'Action.Execute' && node.verb === verb) return { card, action: node };
    }
  }
  return undefined;
}

/** The ids of a card's inputs, with their initial `value` where they have one. */
export function cardInputs(card: Json): Map<string, unknown> {
  const inputs = new Map<string, unknown>();
  for (const node of visible(card)) {
    if (
      typeof node.type === 'string' &&
      node.type.startsWith('Input.') &&
      typeof node.id === 'string'
    ) {
      inputs.set(node.id, node.value);
    }
  }
  return inputs;
}

/**
 * `value.action` of the invoke: a copy of the action, its `data` merged with the input values
 * (as for Action.Submit), unless `associatedInputs` is `none`. A string says why it cannot be.
 */
export function invokeAction(card: Json, action: Json, typed: Json = {}): Json | string {
  const known = cardInputs(card);
  const unknown = Object.keys(typed).filter((id) => !known.has(id));
  if (unknown.length > 0) {
    return `the card has no input ${unknown.join(', ')} (inputs: ${[...known.keys()].join(', ') || 'none'})`;
  }
  const values: Json = {};
  if (action.associatedInputs !== 'none') {
    for (const [id, initial] of known) if (initial !== undefined) values[id] = initial;
    Object.assign(values, typed);
  }
  const data = action.data;
  if (data !== undefined && !isObject(data) && Object.keys(values).length > 0) {
    return 'the action’s data is not an object, so input values cannot be merged into it';
  }
  return {
    type: 'Action.Execute',
    ...(typeof action.id === 'string' ? { id: action.id } : {}),
    ...(typeof action.title === 'string' ? { title: action.title } : {}),
    verb: action.verb,
    data:
      isObject(data) || data === undefined ? { ...(data as Json | undefined), ...values } : data,
  };
}

/** Allowed `type` → `statusCode` (range) → `value` check of an AdaptiveCardInvokeResponse. */
const RESPONSES: Record<
  string,
  { status: (n: number) => boolean; value: (v: unknown) => boolean }
> = {
  [ADAPTIVE_CARD]: {
    status: (n) => n === 200,
    value: (v) => isObject(v) && v.type === 'AdaptiveCard',
  },
  'application/vnd.microsoft.activity.message': {
    status: (n) => n === 200,
    value: (v) => typeof v === 'string',
  },
  'application/vnd.microsoft.error': {
    status: (n) => n >= 400 && n <= 599,
    value: (v) => isObject(v) && typeof v.code === 'string' && typeof v.message === 'string',
  },
  'application/vnd.microsoft.activity.loginRequest': { status: (n) => n === 401, value: isObject },
  'application/vnd.microsoft.error.preconditionFailed': {
    status: (n) => n === 412,
    value: isObject,
  },
  'application/vnd.microsoft.activity.retryAfter': {
    status: (n) => n === 429,
    value: (v) => typeof v === 'number' && v >= 0,
  },
};

/** Why a body is not an AdaptiveCardInvokeResponse Teams can show, or undefined when it is one. */
export function invokeResponseProblem(body: unknown): string | undefined {
  if (!isObject(body)) return 'the body is not a JSON object';
  const spec = typeof body.type === 'string' ? RESPONSES[body.type] : undefined;
  if (!spec) return `type must be one of ${Object.keys(RESPONSES).join(', ')}`;
  // A missing statusCode means 200 (Adaptive Cards universal action model, response format).
  const status = body.statusCode ?? 200;
  if (typeof status !== 'number' || !Number.isInteger(status) || !spec.status(status)) {
    return `statusCode ${String(body.statusCode)} does not go with type ${String(body.type)}`;
  }
  if (!spec.value(body.value))
    return `value does not have the shape type ${String(body.type)} needs`;
  return undefined;
}
