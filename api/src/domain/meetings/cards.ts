import { DomainError } from '../errors';
import type { Clock } from '../ports/clock';
import type { Repositories } from '../ports/repositories';
import type { Transaction, UnitOfWork } from '../ports/unit-of-work';
import type { TenantContext } from '../tenants/context';
import { enqueueCardRefresh } from './lease';
import type { MeetingAttendee, MeetingCard, OnlineMeeting } from './types';

/** Everything a living card shows about a meeting, read at one moment. */
export interface MeetingSnapshot {
  meeting: OnlineMeeting;
  attendees: MeetingAttendee[];
  contactName: string | null;
  clientName: string | null;
  transcriptReady: boolean;
  recordingReady: boolean;
}

/** What becomes of one posted copy when the bot tries to update it. */
export type CardUpdate = 'updated' | 'gone';

/**
 * The port the living cards go out through (the bot implements it). `gone`: the conversation or
 * the bot is no longer there (403/404), so retrying cannot help. Other failures throw.
 */
export interface CardDelivery {
  update(card: MeetingCard, snapshot: MeetingSnapshot, signal: AbortSignal): Promise<CardUpdate>;
}

export interface CardDeps {
  repos: Repositories;
  clock: Clock;
  delivery: CardDelivery;
}

/** The meeting as its card shows it, or null when there is no such meeting in the tenant. */
export async function meetingSnapshot(
  repos: Repositories,
  tenantId: string,
  meetingId: string,
): Promise<MeetingSnapshot | null> {
  const meeting = await repos.onlineMeetings.get(tenantId, { meetingId });
  if (!meeting) return null;
  const [attendees, artifacts, interaction] = await Promise.all([
    repos.meetingAttendees.list(tenantId, { meetingId }),
    repos.meetingArtifacts.list(tenantId, { meetingId }),
    repos.interactions.get(tenantId, { interactionId: meeting.interactionId }),
  ]);
  const contact = interaction?.contactId
    ? await repos.contacts.get(tenantId, { contactId: interaction.contactId })
    : null;
  const client = interaction?.clientId
    ? await repos.clients.get(tenantId, { clientId: interaction.clientId })
    : null;
  const ready = (kind: string) => artifacts.some((a) => a.kind === kind && a.state === 'stored');
  return {
    meeting,
    attendees,
    contactName: contact?.name ?? null,
    clientName: client?.companyName ?? null,
    transcriptReady: ready('transcript'),
    recordingReady: ready('recording'),
  };
}

/** Remembers where a living card was posted, so every later change updates that copy in place. */
export async function rememberCard(
  repos: Repositories | Transaction['repos'],
  card: Omit<MeetingCard, 'postedAt' | 'updatedAt' | 'lastRenderedState'>,
  at: Date,
): Promise<void> {
  const key = { meetingId: card.meetingId, conversationId: card.conversationId };
  const existing = await repos.meetingCards.get(card.tenantId, key);
  if (existing) {
    await repos.meetingCards.update(card.tenantId, key, {
      activityId: card.activityId,
      serviceUrl: card.serviceUrl,
      updatedAt: at,
    });
    return;
  }
  const { tenantId, ...row } = card;
  await repos.meetingCards.insert(tenantId, {
    ...row,
    lastRenderedState: null,
    postedAt: at,
    updatedAt: at,
  });
}

/** Copies updated at once; Teams allows 50 requests a second per app and tenant. */
const CARD_LANES = 4;

export interface RefreshResult {
  updated: number;
  forgotten: number;
  failed: number;
  /** The first failure, when some copies could not be updated now (worth a retry). */
  error?: unknown;
}

/**
 * Updates every posted copy of a meeting's card in place. A copy that is gone is forgotten (never
 * retried); one that failed otherwise is reported so the job retries, and the copies that did
 * update are simply updated again then (an update is idempotent).
 */
export async function refreshCards(
  deps: CardDeps,
  tenantId: string,
  meetingId: string,
  signal: AbortSignal,
): Promise<RefreshResult> {
  const result: RefreshResult = { updated: 0, forgotten: 0, failed: 0 };
  const snapshot = await meetingSnapshot(deps.repos, tenantId, meetingId);
  if (!snapshot) return result;
  const one = async (card: MeetingCard) => {
    signal.throwIfAborted();
    const key = { meetingId, conversationId: card.conversationId };
    try {
      if ((await deps.delivery.update(card, snapshot, signal)) === 'gone') {
        await deps.repos.meetingCards.delete(tenantId, key);
        result.forgotten++;
        return;
      }
      await deps.repos.meetingCards.update(tenantId, key, {
        lastRenderedState: snapshot.meeting.state,
        updatedAt: deps.clock.now(),
      });
      result.updated++;
    } catch (err) {
      if (signal.aborted) throw err;
      result.failed++;
      result.error ??= err;
    }
  };
  // A few at a time: against Teams' latency, one by one would take seconds for a busy meeting.
  const queue = await deps.repos.meetingCards.list(tenantId, { meetingId });
  const lanes = Array.from({ length: Math.min(CARD_LANES, queue.length) }, async () => {
    for (let card = queue.shift(); card; card = queue.shift()) await one(card);
  });
  await Promise.all(lanes);
  return result;
}

const CAPTURED_AFTER: OnlineMeeting['state'][] = [
  'ended',
  'capturing',
  'completed',
  'no_artifacts',
];

/**
 * A person asked to refresh a meeting: its card is re-rendered everywhere and, once it has
 * ended, its recording and transcript are looked for again (both through the outbox).
 */
export async function requestRefresh(
  deps: { repos: Repositories; uow: UnitOfWork },
  ctx: TenantContext,
  meetingId: string,
): Promise<OnlineMeeting> {
  const m = await deps.repos.onlineMeetings.get(ctx.tenantId, { meetingId });
  if (!m) throw new DomainError('not_found', 'There is no such meeting.');
  await deps.uow.run(async (tx) => {
    await enqueueCardRefresh(tx, m);
    if (CAPTURED_AFTER.includes(m.state)) {
      await tx.jobs.enqueue({
        kind: 'meeting.capture',
        tenantId: m.tenantId,
        payload: { meetingId },
        dedupeKey: meetingId,
      });
    }
  });
  return m;
}
