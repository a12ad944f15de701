import { randomUUID } from 'node:crypto';
import { DomainError } from '../errors';
import type { Transaction } from '../ports/unit-of-work';
import type { TenantContext } from '../tenants/context';
import type { MeetingDeps } from './deps';
import { scheduleMeeting } from './schedule';
import { rememberCard } from './cards';
import type { DraftAttendee, DraftPayload, MeetingDraft, OnlineMeeting } from './types';
import { LIMITS, validateTimes } from './validation';
import { resolveWho, settle, type WhoQuestion } from './draft-attendees';

export { type WhoQuestion } from './draft-attendees';

const DRAFT_TTL_MS = 24 * 3600_000;
/** A draft is one row of nvarchar(4000): attendees beyond this belong in the tab. */
export const DRAFT_LIMITS = { whoMax: 10, payloadMax: 4000 } as const;

export interface DraftInput {
  subject: string;
  start: Date;
  end: Date;
  timeZone: string;
  who: string[];
}

/** A draft as the bot shows it, with the first question still open about its attendees. */
export interface DraftState {
  draft: MeetingDraft;
  payload: DraftPayload;
  question: WhoQuestion | null;
}

/** Where a preview card was posted: its copy becomes the meeting's living card. */
export interface PostedCard {
  conversationId: string;
  activityId: string;
  serviceUrl: string;
}

function payloadOf(draft: MeetingDraft): DraftPayload {
  return JSON.parse(draft.payload) as DraftPayload;
}

function encode(payload: DraftPayload): string {
  const json = JSON.stringify(payload);
  if (json.length > DRAFT_LIMITS.payloadMax) {
    throw new DomainError(
      'invalid_input',
      'That is too much for one chat command; invite fewer people, or use the Meetings tab.',
    );
  }
  return json;
}

function checkInput(input: DraftInput, now: Date): void {
  const subject = input.subject.trim();
  if (!subject || subject.length > LIMITS.subjectMax) {
    throw new DomainError(
      'invalid_input',
      `The subject must be 1 to ${LIMITS.subjectMax} characters.`,
    );
  }
  if (input.who.length === 0 || input.who.length > DRAFT_LIMITS.whoMax) {
    throw new DomainError(
      'invalid_input',
      `Invite 1 to ${DRAFT_LIMITS.whoMax} people from chat (more from the Meetings tab).`,
    );
  }
  validateTimes(input, now);
}

async function loadOwn(
  deps: MeetingDeps,
  ctx: TenantContext,
  draftId: string,
): Promise<MeetingDraft> {
  const draft = await deps.repos.meetingDrafts.get(ctx.tenantId, { draftId });
  if (!draft || draft.expiresAt <= deps.clock.now()) {
    throw new DomainError('not_found', 'This preview has expired; send the command again.');
  }
  if (draft.userOid !== ctx.userOid) {
    throw new DomainError('forbidden', 'Only the person who asked for this meeting can change it.');
  }
  return draft;
}

function requireOpen(draft: MeetingDraft): void {
  if (draft.state === 'discarded') {
    throw new DomainError('conflict', 'This preview was discarded; send the command again.');
  }
  if (draft.state === 'created') {
    throw new DomainError('conflict', 'This meeting has already been created.');
  }
}

async function withQuestion(
  deps: MeetingDeps,
  draft: MeetingDraft,
  payload: DraftPayload,
): Promise<DraftState> {
  const i = payload.attendees.findIndex((a) => a.email === null);
  const question =
    i < 0 ? null : await resolveWho(deps, draft.tenantId, i, payload.attendees[i].typed);
  return { draft, payload, question: question && question.kind !== 'resolved' ? question : null };
}

/**
 * Turns a parsed `schedule` command into a draft: times checked, every attendee resolved to a
 * contact where one clearly matches. A name that matches no contact, email or client is refused
 * at once; ambiguous names and unknown emails become questions the preview asks.
 */
export async function createDraft(
  deps: MeetingDeps,
  ctx: TenantContext,
  conversationId: string,
  input: DraftInput,
): Promise<DraftState> {
  const now = deps.clock.now();
  checkInput(input, now);
  const attendees: DraftAttendee[] = [];
  for (const [i, typed] of input.who.entries()) {
    const answer = await resolveWho(deps, ctx.tenantId, i, typed);
    if (answer.kind === 'unknown') {
      throw new DomainError('not_found', answer.message);
    }
    attendees.push(
      answer.kind === 'resolved'
        ? answer.attendee
        : { typed, email: null, name: null, contactId: null, clientId: null },
    );
  }
  const payload: DraftPayload = {
    subject: input.subject.trim(),
    startAt: input.start.toISOString(),
    endAt: input.end.toISOString(),
    timeZone: input.timeZone,
    attendees,
  };
  const draft: MeetingDraft = {
    tenantId: ctx.tenantId,
    draftId: randomUUID(),
    conversationId,
    userOid: ctx.userOid,
    meetingId: randomUUID(),
    state: 'open',
    payload: encode(payload),
    expiresAt: new Date(now.getTime() + DRAFT_TTL_MS),
    createdAt: now,
    updatedAt: now,
  };
  const { tenantId, ...row } = draft;
  await deps.repos.meetingDrafts.insert(tenantId, row);
  return withQuestion(deps, draft, payload);
}

/** The draft as it stands (for re-rendering its preview). */
export async function loadDraft(
  deps: MeetingDeps,
  ctx: TenantContext,
  draftId: string,
): Promise<DraftState> {
  const draft = await loadOwn(deps, ctx, draftId);
  return withQuestion(deps, draft, payloadOf(draft));
}

/** The draft for its Edit form: only while it is still a preview. */
export async function editDraft(
  deps: MeetingDeps,
  ctx: TenantContext,
  draftId: string,
): Promise<DraftState> {
  const draft = await loadOwn(deps, ctx, draftId);
  requireOpen(draft);
  return withQuestion(deps, draft, payloadOf(draft));
}

async function savePayload(
  deps: MeetingDeps,
  draft: MeetingDraft,
  payload: DraftPayload,
): Promise<DraftState> {
  const now = deps.clock.now();
  const encoded = encode(payload);
  // Only while still a preview: a Create that won the race made the meeting from what it read.
  if (!(await deps.repos.meetingDrafts.updateOpen(draft.tenantId, draft.draftId, encoded, now))) {
    const current = await loadOwn(
      deps,
      { tenantId: draft.tenantId, userOid: draft.userOid },
      draft.draftId,
    );
    requireOpen(current);
  }
  return withQuestion(deps, { ...draft, payload: encoded, updatedAt: now }, payload);
}

/** New subject or times from the preview's Edit form. */
export async function updateDraft(
  deps: MeetingDeps,
  ctx: TenantContext,
  draftId: string,
  change: { subject: string; start: Date; end: Date },
): Promise<DraftState> {
  const draft = await loadOwn(deps, ctx, draftId);
  requireOpen(draft);
  const payload = payloadOf(draft);
  checkInput(
    { ...change, timeZone: payload.timeZone, who: payload.attendees.map((a) => a.typed) },
    deps.clock.now(),
  );
  return savePayload(deps, draft, {
    ...payload,
    subject: change.subject.trim(),
    startAt: change.start.toISOString(),
    endAt: change.end.toISOString(),
  });
}

/** Answers a question about attendee `who`: the contact chosen, or a new contact for the email. */
export async function answerWho(
  deps: MeetingDeps,
  ctx: TenantContext,
  draftId: string,
  who: number,
  answer: { contactId: string } | { createContact: true },
): Promise<DraftState> {
  const draft = await loadOwn(deps, ctx, draftId);
  requireOpen(draft);
  const payload = payloadOf(draft);
  const item = payload.attendees[who];
  if (!Number.isInteger(who) || !item) {
    throw new DomainError('invalid_input', 'That choice is not on this preview any more.');
  }
  const attendee = await settle(deps, ctx.tenantId, item.typed, answer);
  const attendees = payload.attendees.map((a, i) => (i === who ? attendee : a));
  return savePayload(deps, draft, { ...payload, attendees });
}

/** Discards a preview; a created or already discarded one is left as it is. */
export async function discardDraft(
  deps: MeetingDeps,
  ctx: TenantContext,
  draftId: string,
): Promise<void> {
  const draft = await loadOwn(deps, ctx, draftId);
  if (draft.state === 'created') {
    throw new DomainError('conflict', 'This meeting has already been created; cancel it instead.');
  }
  if (
    !(await deps.repos.meetingDrafts.claim(ctx.tenantId, draftId, 'discarded', deps.clock.now()))
  ) {
    const now = await deps.repos.meetingDrafts.get(ctx.tenantId, { draftId });
    // Created by a press that was quicker than this Discard: the meeting stands.
    if (now?.state === 'created') {
      throw new DomainError(
        'conflict',
        'This meeting has already been created; cancel it instead.',
      );
    }
  }
}

/**
 * Creates the draft's meeting, exactly once: the draft's reserved meeting id makes a double click
 * or a Teams retry return the first request's meeting (null while that one is still writing it).
 * The preview's copy is remembered as the living card in the same unit of work as the meeting.
 */
export async function createFromDraft(
  deps: MeetingDeps,
  ctx: TenantContext,
  draftId: string,
  card: PostedCard,
  opts: { signal?: AbortSignal } = {},
): Promise<OnlineMeeting | null> {
  const draft = await loadOwn(deps, ctx, draftId);
  if (draft.state === 'discarded') requireOpen(draft);
  const payload = payloadOf(draft);
  if (payload.attendees.some((a) => a.email === null)) {
    throw new DomainError('invalid_input', 'Choose who to invite first.');
  }
  if (draft.state === 'created') {
    return deps.repos.onlineMeetings.get(ctx.tenantId, { meetingId: draft.meetingId });
  }
  const now = deps.clock.now();
  // The draft is claimed in the meeting's own unit of work: both commit, or neither does.
  const claimAndRemember = async (tx: Transaction, m: OnlineMeeting) => {
    if (!(await tx.repos.meetingDrafts.claim(ctx.tenantId, draftId, 'created', now))) {
      throw new DraftTaken();
    }
    await rememberCard(tx.repos, { tenantId: m.tenantId, meetingId: m.meetingId, ...card }, now);
  };
  try {
    return await scheduleMeeting(
      deps,
      ctx,
      {
        subject: payload.subject,
        start: new Date(payload.startAt),
        end: new Date(payload.endAt),
        timeZone: payload.timeZone,
        attendees: payload.attendees.map((a) => ({
          email: a.email ?? '',
          name: a.name,
          contactId: a.contactId,
        })),
      },
      { ...opts, meetingId: draft.meetingId, alongWith: claimAndRemember },
    );
  } catch (err) {
    if (!(err instanceof DraftTaken)) throw err;
    // Created by a concurrent press (or discarded meanwhile): that outcome stands.
    const current = await deps.repos.meetingDrafts.get(ctx.tenantId, { draftId });
    if (current?.state === 'discarded') requireOpen(current);
    return deps.repos.onlineMeetings.get(ctx.tenantId, { meetingId: draft.meetingId });
  }
}

/** The draft was no longer open when its meeting was about to be written. */
class DraftTaken extends Error {
  constructor() {
    super('the draft was created or discarded meanwhile');
    this.name = 'DraftTaken';
  }
}
