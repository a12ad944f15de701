import type { ChangeNotification, Subscription } from '@microsoft/microsoft-graph-types';
import {
  CONTOSO,
  CONTOSO_ORGANIZER,
  SUBSCRIBER,
  createSubscription,
  deliveryLog,
  emitArtifact,
  flush,
  inMinutes,
  lastSeq,
  resetWithWebhook,
  settings,
  startWithWebhook,
  stopWithWebhook,
} from '../helpers/notification-graph';
import {
  echoValidation,
  waitFor,
  type Receiver,
  type ReceivedRequest,
} from '../helpers/notification-receiver';
import type { TestSandbox } from '../helpers/sandbox';
import { graphClientFor, graphFailure } from '../helpers/sandbox-clients';

const HOUR = 3_600_000;
const MINUTE = 60_000;

describe('sandbox notification retries, slow endpoints and lifecycle events', () => {
  let sb: TestSandbox;
  let hook: Receiver;
  const subscribe = (over: Subscription = {}) =>
    createSubscription(graphClientFor(sb, SUBSCRIBER), {
      changeType: 'created',
      notificationUrl: `${hook.url}/hooks/notify`,
      lifecycleNotificationUrl: `${hook.url}/hooks/lifecycle`,
      resource: 'communications/onlineMeetings/getAllTranscripts',
      expirationDateTime: inMinutes(sb, 3 * 24 * 60 - 5),
      clientState: 'retry-tests-state',
      ...over,
    });
  /** Handshakes succeed; notifications get `reply`. */
  const notificationsAnswer = (
    reply: (req: ReceivedRequest) => { status: number; delayMs?: number },
  ) => {
    hook.respond = (req) => (req.query.has('validationToken') ? echoValidation(req) : reply(req));
  };
  const itemIds = (path = '/hooks/notify') =>
    hook
      .notifications(path)
      .flatMap((b) => b.value ?? [])
      .map((i) => (i.resourceData as { id?: string } | undefined)?.id);
  const lifecycleItems = (): ChangeNotification[] =>
    hook.notifications('/hooks/lifecycle').flatMap((b) => b.value ?? []);
  const clock = (body: { advanceMs?: number; speed?: number }) =>
    sb.control('POST', '/_sandbox/clock', body);
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => ({ sb, hook } = await startWithWebhook()));
  afterAll(() => stopWithWebhook(sb, hook));
  beforeEach(() => resetWithWebhook(sb, hook, 0));

  it('retries a failing endpoint with growing backoff and delivers once it recovers', async () => {
    let failures = 3;
    notificationsAnswer(() => (failures-- > 0 ? { status: 500 } : { status: 202 }));
    await subscribe();
    const since = await lastSeq(sb);
    await clock({ speed: 1_000 });
    await emitArtifact(sb, { artifactId: 'retry-me' });
    const log = await waitFor(async () => {
      const l = await deliveryLog(sb, since);
      return l.some((d) => d.status === 202) ? l : null;
    }, 'the delivery after recovery');
    await clock({ speed: 1 });
    expect(log.map((d) => [d.status, d.attempt])).toEqual([
      [500, 1],
      [500, 2],
      [500, 3],
      [202, 4],
    ]);
    const at = log.map((d) => Date.parse(d.at));
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    expect(gaps[0]).toBeGreaterThanOrEqual(30_000);
    expect(gaps[1]).toBeGreaterThanOrEqual(60_000);
    expect(gaps[2]).toBeGreaterThanOrEqual(120_000);
    expect(itemIds()).toEqual(['retry-me', 'retry-me', 'retry-me', 'retry-me']);
  });

  it('drops a notification its endpoint has not accepted within 4 hours of sandbox time', async () => {
    notificationsAnswer(() => ({ status: 500 }));
    await subscribe();
    const since = await lastSeq(sb);
    await clock({ speed: 2_000 });
    await emitArtifact(sb, { artifactId: 'never' });
    const log = await waitFor(
      async () => {
        const l = await deliveryLog(sb, since);
        return l.some((d) => d.dropped) ? l : null;
      },
      'the drop after 4 h',
      30_000,
    );
    await clock({ speed: 1 });
    const attempts = log.filter((d) => !d.dropped);
    const drop = log.find((d) => d.dropped);
    expect(drop).toMatchObject({
      reason: 'retriesExhausted',
      itemCount: 1,
      attempt: attempts.length,
    });
    expect(attempts.length).toBeGreaterThan(5);
    expect(attempts.every((d) => d.status === 500)).toBe(true);
    const first = Date.parse(attempts[0].at);
    const last = Date.parse(attempts[attempts.length - 1].at);
    expect(last - first).toBeGreaterThan(3.8 * HOUR);
    // At 2,000× every real millisecond of a busy machine is 2 s of sandbox time: allow for it.
    expect(last - first).toBeLessThanOrEqual(5 * HOUR);
    const pending = (await sb.control('GET', '/_sandbox/notifications/pending')) as {
      pending: unknown[];
    };
    expect(pending.pending).toEqual([]);
  }, 45_000);

  it('drops notifications for an endpoint that is too often slow, until its 10-minute window resets', async () => {
    // A lower slow threshold keeps "slow" far from the 3 s timeout, however busy the machine is.
    await settings(sb, { deliveryDelayMs: 60_000, slowThresholdMs: 300 });
    let slow = true;
    notificationsAnswer(() => ({ status: 202, delayMs: slow ? 1_000 : 0 }));
    await subscribe({ expirationDateTime: inMinutes(sb, 50), lifecycleNotificationUrl: undefined });
    const base = { tenantId: CONTOSO, organizerOid: CONTOSO_ORGANIZER, meetingId: 'm-slow' };
    for (let i = 0; i < 100; i++) {
      sb.sandbox.bus.emit('artifactCreated', { ...base, kind: 'transcript', artifactId: `s-${i}` });
    }
    const [attempt] = await flush(sb);
    expect(attempt).toMatchObject({ itemCount: 100, slow: true });
    const endpoints = (await sb.control('GET', '/_sandbox/notifications/endpoints')) as {
      endpoints: { url: string; state: string; total: number; slow: number }[];
    };
    expect(endpoints.endpoints).toEqual([
      expect.objectContaining({ state: 'dropping', total: 100, slow: 100 }),
    ]);
    slow = false;
    const since = await lastSeq(sb);
    await emitArtifact(sb, { artifactId: 'while-flagged', meetingId: 'm-slow' });
    expect(await deliveryLog(sb, since)).toEqual([
      expect.objectContaining({ dropped: true, reason: 'slowEndpoint', itemCount: 1 }),
    ]);
    await clock({ advanceMs: 11 * MINUTE });
    await emitArtifact(sb, { artifactId: 'after-window', meetingId: 'm-slow' });
    await flush(sb);
    await waitFor(() => itemIds().includes('after-window'), 'delivery after the window reset');
    expect(itemIds()).not.toContain('while-flagged');
  }, 20_000);

  it('sends lifecycle events on demand with clientState; subscriptionRemoved also deletes it', async () => {
    await settings(sb, { deliveryDelayMs: 60_000 });
    const sub = await subscribe();
    const lifecycle = (event: string) =>
      sb.control('POST', `/_sandbox/subscriptions/${sub.id}/lifecycle`, { event });
    await lifecycle('reauthorizationRequired');
    await lifecycle('missed');
    const sent = await flush(sb);
    expect(sent).toEqual([
      expect.objectContaining({
        channel: 'lifecycle',
        status: 202,
        itemCount: 2,
        lifecycleEvents: ['reauthorizationRequired', 'missed'],
      }),
    ]);
    expect(lifecycleItems()).toEqual(
      ['reauthorizationRequired', 'missed'].map((lifecycleEvent) => ({
        subscriptionId: sub.id,
        subscriptionExpirationDateTime: expect.stringMatching(/\+00:00$/),
        tenantId: CONTOSO,
        clientState: 'retry-tests-state',
        lifecycleEvent,
      })),
    );
    await lifecycle('subscriptionRemoved');
    await flush(sb);
    expect(lifecycleItems().map((i) => i.lifecycleEvent)).toContain('subscriptionRemoved');
    const gone = await graphFailure(
      graphClientFor(sb, SUBSCRIBER).api(`/subscriptions/${sub.id}`).get(),
    );
    expect(gone.statusCode).toBe(404);
  });

  it('challenges with reauthorizationRequired when a quarter of the lifetime remains, then every 15 min until answered', async () => {
    const sub = await subscribe({ expirationDateTime: inMinutes(sb, 240) });
    const challenges = () =>
      lifecycleItems().filter((i) => i.lifecycleEvent === 'reauthorizationRequired').length;
    await clock({ advanceMs: 179 * MINUTE });
    await pause(150);
    expect(challenges()).toBe(0);
    await clock({ advanceMs: 2 * MINUTE });
    await waitFor(() => challenges() === 1, 'the first challenge');
    await clock({ advanceMs: 15 * MINUTE });
    await waitFor(() => challenges() === 2, 'the repeated challenge');
    await graphClientFor(sb, SUBSCRIBER).api(`/subscriptions/${sub.id}/reauthorize`).post({});
    await clock({ advanceMs: 16 * MINUTE });
    await pause(150);
    expect(challenges()).toBe(2);
    expect(lifecycleItems()[0]).toMatchObject({
      subscriptionId: sub.id,
      clientState: 'retry-tests-state',
    });
  });
});
