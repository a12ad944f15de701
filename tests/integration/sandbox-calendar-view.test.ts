import type { Client } from '@microsoft/microsoft-graph-client';
import type { Event } from '@microsoft/microsoft-graph-types';
import { startMeetingsSandbox } from '../helpers/meetings';
import type { TestSandbox } from '../helpers/sandbox';
import { graphClientFor, graphErrorOf } from '../helpers/sandbox-clients';

/** `GET /users/{id}/calendarView` (Graph docs "List calendarView") through the real Graph client. */
describe('sandbox Graph: calendarView', () => {
  let sb: TestSandbox;
  let graph: Client;
  let tenantId: string;
  let organizer: { id: string };

  beforeAll(async () => {
    ({ sb, graph, tenantId, organizer } = await startMeetingsSandbox());
    for (let i = 0; i < 12; i++) {
      const start = `2031-07-01T${String(8 + (i % 8)).padStart(2, '0')}:00:00`;
      await graph.api(`/users/${organizer.id}/events`).post({
        subject: `Slot ${i}`,
        start: { dateTime: start, timeZone: 'UTC' },
        end: { dateTime: start.replace(/:00:00$/, ':30:00'), timeZone: 'UTC' },
        transactionId: `cv-${i}`,
      });
    }
  });
  afterAll(async () => sb.stop());

  const view = (query: string) => graph.api(`/users/${organizer.id}/calendarView?${query}`);
  const day = 'startDateTime=2031-07-01T00:00:00Z&endDateTime=2031-07-02T00:00:00Z';

  it('requires the time window, as Outlook does', async () => {
    const err = await graphErrorOf(view('$top=5').get());
    expect(err).toMatchObject({ statusCode: 400, code: 'ErrorInvalidParameter' });
    expect(err.message).toMatch(/requires a time window .* StartDateTime and EndDateTime/);
    const bad = await graphErrorOf(view('startDateTime=tomorrow&endDateTime=2031-07-02').get());
    expect(bad).toMatchObject({ statusCode: 400, code: 'ErrorInvalidParameter' });
  });

  it('lists the events overlapping the window, earliest first, in pages of ten linked by absolute nextLinks', async () => {
    const first = (await view(day).get()) as { value: Event[]; '@odata.nextLink'?: string };
    expect(first.value).toHaveLength(10);
    expect(first['@odata.nextLink']).toMatch(
      /^https:\/\/127\.0\.0\.1:\d+\/v1\.0\/users\/.+\$skip=10/,
    );
    const starts = first.value.map((e) => e.start?.dateTime ?? '');
    expect([...starts].sort()).toEqual(starts);
    expect(first.value[0]).toMatchObject({ transactionId: expect.stringMatching(/^cv-/) });
    const second = (await graph.api(first['@odata.nextLink']!).get()) as {
      value: Event[];
      '@odata.nextLink'?: string;
    };
    expect(second.value).toHaveLength(2);
    expect(second['@odata.nextLink']).toBeUndefined();
    const ids = new Set([...first.value, ...second.value].map((e) => e.id));
    expect(ids.size).toBe(12);
  });

  it('keeps only events that overlap a narrow window, and honours $top', async () => {
    const narrow = (await view(
      'startDateTime=2031-07-01T08:15:00Z&endDateTime=2031-07-01T08:45:00Z&$top=1',
    ).get()) as { value: Event[]; '@odata.nextLink'?: string };
    expect(narrow.value).toHaveLength(1);
    expect(narrow['@odata.nextLink']).toBeDefined();
    expect(narrow.value[0].start?.dateTime).toMatch(/^2031-07-01T08:00:00/);
  });

  it('shows another tenant nothing of this calendar', async () => {
    const other = sb.sandbox.tenants()[1];
    const fabrikam = graphClientFor(sb, { tenantId: other.tenantId });
    const err = await graphErrorOf(
      fabrikam.api(`/users/${organizer.id}/calendarView?${day}`).get(),
    );
    expect(err.statusCode).toBe(404);
    expect(tenantId).not.toBe(other.tenantId);
  });
});
