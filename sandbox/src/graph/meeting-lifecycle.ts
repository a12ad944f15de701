import type { Sandbox } from '../sandbox';
import { graphTimestamp, newArtifactId, newGuid } from './ids';
import {
  artifacts,
  events,
  settleArtifacts,
  type StoredArtifact,
  type StoredMeeting,
  type TranscriptLine,
} from './meeting-store';
import { defaultLines } from './vtt';

/** What happens to a meeting when the control API starts, ends or expires it. */

/** A transcript line as the control API takes it; times default to one cue every five seconds. */
export interface LineInput {
  speaker: string;
  text: string;
  startMs?: number;
  endMs?: number;
}

export interface EndOptions {
  recorded: boolean;
  transcribed: boolean;
  /** Recording/transcription sessions (each gives one recording and/or one transcript). */
  sessions: number;
  recordingDelayMs: number;
  transcriptDelayMs: number;
  recordingSizeBytes: number;
  lines: LineInput[] | null;
  speakers: string[] | null;
  lineCount: number;
}

export const DEFAULT_ARTIFACT_DELAY_MS = 60_000;
export const DEFAULT_RECORDING_SIZE = 1024 * 1024;

/** The tenant, organizer and meeting that bus events and artifacts of `m` refer to. */
function meetingRef(m: StoredMeeting) {
  return { tenantId: m.tenantId, organizerOid: m.organizerOid, meetingId: m.id };
}

export function startMeeting(sb: Sandbox, m: StoredMeeting, at: Date): void {
  m.state = 'started';
  m.startedAt = at.toISOString();
  m.callId = newGuid();
  sb.store.changed();
  sb.bus.emit('meetingStarted', { ...meetingRef(m), at: m.startedAt });
}

/** The speakers of a meeting: organizer first, then the attendees, by display name. */
function speakersOf(sb: Sandbox, m: StoredMeeting): string[] {
  const tenant = sb.tenant(m.tenantId);
  const name = (oid: string | null, fallback: string) =>
    tenant?.users.find((u) => u.id === oid)?.displayName ?? fallback;
  return [name(m.organizerOid, 'Organizer'), ...m.attendees.map((a) => name(a.oid, a.name))];
}

function linesFor(sb: Sandbox, m: StoredMeeting, o: EndOptions): TranscriptLine[] {
  if (!o.lines) return defaultLines(o.speakers ?? speakersOf(sb, m), o.lineCount);
  const generated = defaultLines(['x'], o.lines.length);
  return o.lines.map((l, i) => ({
    speaker: l.speaker,
    text: l.text,
    startMs: l.startMs ?? generated[i].startMs,
    endMs: l.endMs ?? generated[i].endMs,
  }));
}

/** Ends the meeting and schedules its artifacts to become listable after their delays. */
export function endMeeting(sb: Sandbox, m: StoredMeeting, o: EndOptions): StoredArtifact[] {
  const now = sb.clock.now();
  m.state = 'ended';
  m.endedAt = now.toISOString();
  const started = Date.parse(m.startedAt ?? m.endedAt);
  const iCalUId = events(sb).get(m.eventId)?.iCalUId ?? newGuid().replace(/-/g, '').toUpperCase();
  const made: StoredArtifact[] = [];
  const sessions = o.recorded || o.transcribed ? o.sessions : 0;
  const span = Math.max(0, now.getTime() - started);
  const lead = Math.min(60_000, span * 0.05);
  for (let i = 0; i < sessions; i++) {
    const from = started + lead + ((span - lead) * i) / sessions;
    const to = started + lead + ((span - lead) * (i + 1)) / sessions;
    const common = {
      ...meetingRef(m),
      callId: m.callId ?? newGuid(),
      contentCorrelationId: `${newGuid()}-0`,
      createdDateTime: graphTimestamp(new Date(from)),
      endDateTime: graphTimestamp(new Date(to)),
      announced: false,
      seq: 0,
      cueGuid: newGuid(),
    };
    if (o.recorded) {
      made.push({
        ...common,
        id: newArtifactId(m.organizerOid, m.tenantId, iCalUId),
        kind: 'recording',
        availableAt: new Date(now.getTime() + o.recordingDelayMs).toISOString(),
        sizeBytes: o.recordingSizeBytes,
        lines: [],
      });
    }
    if (o.transcribed) {
      made.push({
        ...common,
        id: newArtifactId(m.organizerOid, m.tenantId, iCalUId),
        kind: 'transcript',
        availableAt: new Date(now.getTime() + o.transcriptDelayMs).toISOString(),
        sizeBytes: 0,
        lines: linesFor(sb, m, o),
      });
    }
  }
  for (const a of made) artifacts(sb).set(a.id, a);
  sb.store.changed();
  sb.bus.emit('meetingEnded', { ...meetingRef(m), at: m.endedAt });
  scheduleAnnouncements(sb, made);
  return made;
}

/** Timers that make artifacts listable (and announce them) once their delay has passed. */
export function scheduleAnnouncements(sb: Sandbox, list: StoredArtifact[], settleNow = true): void {
  const now = sb.clock.now().getTime();
  const dues = new Set(list.filter((a) => !a.announced).map((a) => Date.parse(a.availableAt)));
  for (const due of dues) sb.after(Math.max(0, due - now), () => settleArtifacts(sb));
  if (settleNow) settleArtifacts(sb);
}

export function expireMeeting(sb: Sandbox, m: StoredMeeting, status: 403 | 404): void {
  m.expired = { at: sb.clock.now().toISOString(), status };
  sb.store.changed();
}
