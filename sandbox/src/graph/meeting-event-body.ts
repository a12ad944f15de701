import type { Attendee, AttendeeType, ItemBody } from '@microsoft/microsoft-graph-types';
import { resolveZone, wallTimeToUtc } from './meeting-time';

/**
 * Validation of event POST/PATCH bodies the way Exchange answers: unknown properties and wrong JSON
 * types are `RequestBodyRead`, semantic problems `ErrorInvalidRequest`, zones
 * `TimeZoneNotSupportedException`.
 */

export interface BodyError {
  status: number;
  code: string;
  message: string;
}

export interface EventInput {
  subject?: string;
  body?: ItemBody;
  start?: { utc: Date; zone: string };
  end?: { utc: Date; zone: string };
  attendees?: Attendee[];
  isOnlineMeeting?: boolean;
  onlineMeetingProvider?: string;
  transactionId?: string;
  /** Other writable properties, echoed back as sent. */
  extra: Record<string, unknown>;
}

export const MAX_ATTENDEES = 500;

/** Properties of microsoft.graph.event (read-only ones are accepted and ignored, as Exchange does). */
const READ_ONLY = new Set([
  'id',
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'iCalUId',
  'bodyPreview',
  'webLink',
  'organizer',
  'isOrganizer',
  'isCancelled',
  'isDraft',
  'hasAttachments',
  'type',
  'seriesMasterId',
  'responseStatus',
  'onlineMeeting',
  'onlineMeetingUrl',
  'originalStart',
  'originalStartTimeZone',
  'originalEndTimeZone',
  'cancelledOccurrences',
]);

const ECHOED: Record<string, (v: unknown) => boolean> = {
  allowNewTimeProposals: (v) => typeof v === 'boolean',
  responseRequested: (v) => typeof v === 'boolean',
  isReminderOn: (v) => typeof v === 'boolean',
  hideAttendees: (v) => typeof v === 'boolean',
  reminderMinutesBeforeStart: (v) => Number.isInteger(v),
  categories: (v) => Array.isArray(v) && v.every((c) => typeof c === 'string'),
  sensitivity: (v) => ['normal', 'personal', 'private', 'confidential'].includes(String(v)),
  showAs: (v) =>
    ['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown'].includes(String(v)),
  importance: (v) => ['low', 'normal', 'high'].includes(String(v)),
  location: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  locations: (v) => Array.isArray(v),
};

const HANDLED = new Set([
  'subject',
  'body',
  'start',
  'end',
  'attendees',
  'isOnlineMeeting',
  'onlineMeetingProvider',
  'transactionId',
]);

const PROVIDERS = ['teamsForBusiness', 'skypeForBusiness', 'skypeForConsumer', 'unknown'];

function readError(message: string): BodyError {
  return { status: 400, code: 'RequestBodyRead', message };
}

function invalid(message: string): BodyError {
  return { status: 400, code: 'ErrorInvalidRequest', message };
}

function convertError(value: unknown, type: string): BodyError {
  return readError(
    `Cannot convert the literal '${typeof value === 'object' ? JSON.stringify(value) : String(value)}' to the expected type '${type}'.`,
  );
}

function dateTimeTimeZone(
  value: unknown,
  name: 'start' | 'end',
): { utc: Date; zone: string } | BodyError {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return convertError(value, 'microsoft.graph.dateTimeTimeZone');
  const { dateTime, timeZone } = value as { dateTime?: unknown; timeZone?: unknown };
  if (typeof dateTime !== 'string' || dateTime === '')
    return invalid(`The '${name}' property requires a dateTime value.`);
  const zoneName = typeof timeZone === 'string' && timeZone !== '' ? timeZone : 'UTC';
  const iana = resolveZone(zoneName);
  if (!iana) {
    return {
      status: 400,
      code: 'TimeZoneNotSupportedException',
      message: `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${zoneName}'.`,
    };
  }
  const utc = wallTimeToUtc(dateTime, iana);
  if (!utc) return convertError(dateTime, 'Edm.DateTime');
  return { utc, zone: zoneName };
}

function attendees(value: unknown): Attendee[] | BodyError {
  if (!Array.isArray(value)) return convertError(value, 'Collection(microsoft.graph.attendee)');
  if (value.length > MAX_ATTENDEES) {
    return invalid(
      `The number of attendees (${value.length}) exceeds the maximum of ${MAX_ATTENDEES} allowed per event.`,
    );
  }
  const out: Attendee[] = [];
  for (const a of value as unknown[]) {
    const email = (a as { emailAddress?: { address?: unknown; name?: unknown } } | null)
      ?.emailAddress;
    const address = email?.address;
    if (typeof address !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(address))
      return invalid('At least one recipient is not valid., Recipient is not resolved.');
    const type = (a as { type?: unknown }).type ?? 'required';
    if (!['required', 'optional', 'resource'].includes(String(type)))
      return readError(`The value '${String(type)}' is not valid for property 'type'.`);
    out.push({
      type: type as AttendeeType,
      status: { response: 'none', time: '0001-01-01T00:00:00Z' },
      emailAddress: { name: typeof email?.name === 'string' ? email.name : address, address },
    });
  }
  return out;
}

function itemBody(value: unknown): ItemBody | BodyError {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return convertError(value, 'microsoft.graph.itemBody');
  const { contentType, content } = value as { contentType?: unknown; content?: unknown };
  const type = String(contentType ?? 'text').toLowerCase();
  if (type !== 'html' && type !== 'text')
    return readError(`The value '${String(contentType)}' is not valid for property 'contentType'.`);
  if (content !== undefined && content !== null && typeof content !== 'string')
    return convertError(content, 'Edm.String');
  return { contentType: type, content: (content as string | null | undefined) ?? '' };
}

/** Parses a create (`mode: 'create'`) or update body; a `BodyError` says what Exchange would answer. */
export function parseEventBody(
  raw: Record<string, unknown>,
  mode: 'create' | 'update',
): EventInput | BodyError {
  const input: EventInput = { extra: {} };
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith('@odata.')) continue;
    if (READ_ONLY.has(key)) continue;
    if (key in ECHOED) {
      if (!ECHOED[key](value)) return convertError(value, `property '${key}'`);
      input.extra[key] = value;
      continue;
    }
    if (key === 'recurrence' || key === 'isAllDay') {
      if (value === null || value === false) continue;
      return invalid(
        `The sandbox does not model '${key}'; only single-instance events are supported.`,
      );
    }
    if (!HANDLED.has(key)) {
      return readError(
        `The property '${key}' does not exist on type 'microsoft.graph.event'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
      );
    }
  }
  if (raw.subject !== undefined) {
    if (raw.subject !== null && typeof raw.subject !== 'string')
      return convertError(raw.subject, 'Edm.String');
    input.subject = (raw.subject as string | null) ?? '';
  }
  if (raw.body !== undefined) {
    const b = itemBody(raw.body);
    if ('status' in b) return b;
    input.body = b;
  }
  for (const name of ['start', 'end'] as const) {
    if (raw[name] === undefined) {
      if (mode === 'create')
        return invalid(`The '${name}' property is required to create an event.`);
      continue;
    }
    const t = dateTimeTimeZone(raw[name], name);
    if ('status' in t) return t;
    input[name] = t;
  }
  if (raw.attendees !== undefined) {
    const a = attendees(raw.attendees);
    if ('status' in a) return a;
    input.attendees = a;
  }
  if (raw.isOnlineMeeting !== undefined) {
    if (typeof raw.isOnlineMeeting !== 'boolean')
      return convertError(raw.isOnlineMeeting, 'Edm.Boolean');
    input.isOnlineMeeting = raw.isOnlineMeeting;
  }
  if (raw.onlineMeetingProvider !== undefined) {
    if (!PROVIDERS.includes(String(raw.onlineMeetingProvider)))
      return readError(
        `The value '${String(raw.onlineMeetingProvider)}' is not valid for property 'onlineMeetingProvider'.`,
      );
    input.onlineMeetingProvider = String(raw.onlineMeetingProvider);
  }
  if (raw.transactionId !== undefined && raw.transactionId !== null) {
    if (typeof raw.transactionId !== 'string') return convertError(raw.transactionId, 'Edm.String');
    if (raw.transactionId.length > 255) return invalid('The transactionId is too long.');
    input.transactionId = raw.transactionId;
  }
  return input;
}

/** End before start (after zone conversion) is refused; zero-length events are allowed as in Outlook. */
export function checkTimes(start: Date, end: Date): BodyError | undefined {
  if (end.getTime() < start.getTime())
    return invalid('The end time of the event must not be earlier than its start time.');
  return undefined;
}
