import { graphError, sendJson, type Ctx } from '../http';
import type { Sandbox } from '../sandbox';
import { mailbox, READ_ROLES } from './events';
import { renderEvent } from './meeting-shapes';
import { contextKey, events, meetings, metadata } from './meeting-store';
import { preferredZone } from './meeting-time';

/**
 * `GET /users/{id}/calendarView?startDateTime=…&endDateTime=…` (graph-contract §3; Graph docs
 * "List calendarView"): the events of the mailbox that overlap the window, earliest first, in pages
 * of `$top` (default 10, at most 1,000) linked by absolute `@odata.nextLink`s with `$skip`. A time
 * without an offset is UTC; `Prefer: outlook.timezone` does not change how the window is read.
 */

const DEFAULT_TOP = 10;
const MAX_TOP = 1000;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})?$/;

function parseTime(value: string): number | null {
  if (!ISO.test(value)) return null;
  const zoned = /(Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value}Z`;
  const t = Date.parse(zoned.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(t) ? null : t;
}

/** Query keys are case-insensitive in Outlook's REST surface. */
function param(ctx: Ctx, name: string): string | null {
  for (const [k, v] of ctx.url.searchParams) if (k.toLowerCase() === name.toLowerCase()) return v;
  return null;
}

export async function calendarView(sb: Sandbox, ctx: Ctx, view: string): Promise<void> {
  const mb = await mailbox(sb, ctx, READ_ROLES, view);
  if (!mb) return;
  const now = sb.clock.now();
  const bad = (message: string) => graphError(ctx, 400, 'ErrorInvalidParameter', message, { now });
  const rawStart = param(ctx, 'startDateTime');
  const rawEnd = param(ctx, 'endDateTime');
  if (rawStart === null || rawEnd === null) {
    return bad(
      'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
    );
  }
  const start = parseTime(rawStart);
  const end = parseTime(rawEnd);
  if (start === null)
    return bad(`The value '${rawStart}' of parameter 'StartDateTime' is invalid.`);
  if (end === null) return bad(`The value '${rawEnd}' of parameter 'EndDateTime' is invalid.`);
  const topRaw = param(ctx, '$top');
  const skipRaw = param(ctx, '$skip');
  const top = topRaw === null ? DEFAULT_TOP : Number(topRaw);
  const skip = skipRaw === null ? 0 : Number(skipRaw);
  if (!Number.isInteger(top) || top < 1) return bad(`The value '${topRaw}' of '$top' is invalid.`);
  if (!Number.isInteger(skip) || skip < 0)
    return bad(`The value '${skipRaw}' of '$skip' is invalid.`);

  const overlapping = [...events(sb).values()]
    .filter(
      (e) =>
        e.ownerOid === mb.user.id &&
        e.tenantId === mb.tenant.tenantId &&
        Date.parse(e.start) < end &&
        Date.parse(e.end) > start,
    )
    .sort((a, b) => Date.parse(a.start) - Date.parse(b.start) || a.id.localeCompare(b.id));
  const size = Math.min(top, MAX_TOP);
  const page = overlapping.slice(skip, skip + size);
  const zone = preferredZone(ctx.req.headers.prefer);
  const context = `${metadata(sb)}users('${contextKey(mb.key)}')/${view}`;
  const body: Record<string, unknown> = {
    '@odata.context': context,
    value: page.map((e) => {
      const m = e.meetingId ? meetings(sb).get(e.meetingId) : undefined;
      const rendered: Record<string, unknown> = { ...renderEvent(e, m, mb.user, zone, context) };
      delete rendered['@odata.context'];
      return rendered;
    }),
  };
  if (skip + size < overlapping.length) {
    // The query as sent, `$skip` replaced; `$` stays literal, as in Outlook's own links.
    const kept = ctx.url.search
      .slice(1)
      .split('&')
      .filter((p) => p && !/^(\$|%24)skip=/i.test(p));
    const query = [...kept, `$skip=${skip + size}`].join('&');
    body['@odata.nextLink'] = `${sb.baseUrl}${ctx.url.pathname}?${query}`;
  }
  sendJson(ctx, 200, body);
}
