import type { ConversationReference } from 'botbuilder';

/** Viewers kept per conversation for `refresh.userIds` (Teams takes at most 60). */
const VIEWERS_MAX = 60;
const STORED_MAX = 4000;

/** What `conversation_refs.reference` holds: the Bot Framework reference and how to reach it. */
export interface StoredReference {
  v: 1;
  reference: Partial<ConversationReference>;
  /** Came without a channel token (the Agents Playground): answered without one too. */
  unsigned: boolean;
  /** Teams user ids (`29:…`) seen in the conversation, newest last. */
  viewers: string[];
}

export function encodeReference(r: StoredReference): string {
  let viewers = r.viewers.slice(-VIEWERS_MAX);
  let json = JSON.stringify({ ...r, viewers });
  // The column is bounded: the oldest viewers give way first.
  while (json.length > STORED_MAX && viewers.length > 0) {
    viewers = viewers.slice(1);
    json = JSON.stringify({ ...r, viewers });
  }
  return json;
}

export function decodeReference(json: string): StoredReference | null {
  try {
    const r = JSON.parse(json) as Partial<StoredReference>;
    if (r?.v !== 1 || !r.reference) return null;
    return {
      v: 1,
      reference: r.reference,
      unsigned: r.unsigned === true,
      viewers: Array.isArray(r.viewers) ? r.viewers.filter((v) => typeof v === 'string') : [],
    };
  } catch {
    return null;
  }
}

/** The viewers with `mri` added (moved to the end when already there). */
export function withViewer(viewers: string[], mri: string): string[] {
  return [...viewers.filter((v) => v !== mri), mri].slice(-VIEWERS_MAX);
}
