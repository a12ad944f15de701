import { createHash, randomBytes, randomUUID } from 'node:crypto';

/**
 * Ids minted the way Microsoft's services mint them (graph-contract §0). They are opaque to the
 * product, but realistic: base64 with `+`, `/` and `=`, so a client that forgets to URL-encode a
 * path segment fails here as it would against Graph.
 */

function digest(...parts: string[]): Buffer {
  return createHash('sha256').update(parts.join('|')).digest();
}

function guidFrom(bytes: Buffer): string {
  const h = bytes.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Exchange item id: `AAMkAG…` = base64 of mailbox guid, folder, store and item counters. */
export function newEventId(mailboxOid: string): string {
  const seed = digest('mailbox', mailboxOid);
  const mailboxGuid = guidFrom(seed);
  const folder = digest('calendar-folder', mailboxOid).subarray(0, 16);
  const db = seed.subarray(16, 22);
  const buf = Buffer.concat([
    Buffer.from([0x00, 0x03, 0x24, 0x00]),
    Buffer.from(mailboxGuid, 'ascii'),
    Buffer.from([0x00, 0x46, 0x00, 0x00, 0x00, 0x00, 0x00]),
    folder,
    Buffer.from([0x07, 0x00]),
    db,
    Buffer.from([0x00, 0x00, 0x00, 0x01, 0x0d, 0x00, 0x00]),
    db.subarray(0, 5),
    randomBytes(4),
    Buffer.from([0x00, 0x00]),
  ]);
  return buf.toString('base64');
}

/** Exchange change key (also the `W/"…"` etag): store id, padding, a fresh change counter. */
export function newChangeKey(mailboxOid: string): string {
  const db = digest('mailbox', mailboxOid).subarray(16, 21);
  return Buffer.concat([db, Buffer.alloc(9), db, randomBytes(5)]).toString('base64');
}

/** iCalendar UID as Exchange writes it: class id, instance date, FILETIME, size, global object id. */
export function newICalUId(created: Date): string {
  const filetime = BigInt(created.getTime()) * 10_000n + 116_444_736_000_000_000n;
  const ft = Buffer.alloc(8);
  ft.writeBigUInt64LE(filetime);
  return (
    '040000008200E00074C5B7101A82E008' +
    '00000000' +
    ft.toString('hex').toUpperCase() +
    '0000000000000000' +
    '10000000' +
    randomBytes(16).toString('hex').toUpperCase()
  );
}

/** Teams meeting chat thread: `19:meeting_{base64 of a guid, unpadded}@thread.v2`. */
export function newThreadId(): string {
  return `19:meeting_${Buffer.from(randomUUID(), 'ascii').toString('base64').replace(/=+$/, '')}@thread.v2`;
}

/** Graph onlineMeeting id = base64(`1*{organizerOid}*0**{threadId}`), padding kept. */
export function onlineMeetingId(organizerOid: string, threadId: string): string {
  return Buffer.from(`1*${organizerOid}*0**${threadId}`, 'utf8').toString('base64');
}

/** The organizer oid and thread id inside an onlineMeeting id, or undefined when it is not one. */
export function parseOnlineMeetingId(
  id: string,
): { organizerOid: string; threadId: string } | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(id)) return undefined;
  const m = /^1\*([0-9a-f-]{36})\*0\*\*(19:.+)$/i.exec(Buffer.from(id, 'base64').toString('utf8'));
  return m ? { organizerOid: m[1].toLowerCase(), threadId: m[2] } : undefined;
}

/** encodeURIComponent with lowercase hex escapes, as Teams writes join URLs (`19%3ameeting_`). */
function teamsEncode(s: string): string {
  return encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());
}

/** Classic join URL: `https://teams.microsoft.com/l/meetup-join/{thread}/0?context={Tid,Oid}`. */
export function joinWebUrl(threadId: string, tenantId: string, organizerOid: string): string {
  const context = teamsEncode(JSON.stringify({ Tid: tenantId, Oid: organizerOid }));
  return `https://teams.microsoft.com/l/meetup-join/${teamsEncode(threadId)}/0?context=${context}`;
}

function digits(n: number): string {
  let s = String(1 + (randomBytes(1)[0] % 9));
  while (s.length < n) s += String(randomBytes(1)[0] % 10);
  return s;
}

/** Dial-in and join-by-id details of a new meeting. */
export function newMeetingCodes(): {
  conferenceId: string;
  tollNumber: string;
  meetingCode: string;
  joinMeetingId: string;
  passcode: string;
} {
  const conf = digits(9);
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const passcode = [...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join('');
  return {
    conferenceId: `${conf.slice(0, 3)} ${conf.slice(3, 6)} ${conf.slice(6)}`,
    tollNumber: '+1 323-555-0142',
    meetingCode: digits(13),
    joinMeetingId: digits(12),
    passcode,
  };
}

/** Newer recording/transcript id: base64(`V2##1{organizerOid}{tenantId}{iCalUId}##{guid}`). */
export function newArtifactId(organizerOid: string, tenantId: string, iCalUId: string): string {
  return Buffer.from(`V2##1${organizerOid}${tenantId}${iCalUId}##${randomUUID()}`, 'utf8').toString(
    'base64',
  );
}

/** A fresh GUID (call ids, correlation ids, cue ids). */
export function newGuid(): string {
  return randomUUID();
}

/** Graph timestamps with 7 fractional digits: `2025-06-10T09:12:41.5528316Z`. */
export function graphTimestamp(d: Date): string {
  const extra = String(randomBytes(2).readUInt16BE() % 10_000).padStart(4, '0');
  return `${d.toISOString().slice(0, 23)}${extra}Z`;
}
