import type { Subscription } from '@microsoft/microsoft-graph-types';
import { makeCertificate } from '../helpers/notification-crypto';
import {
  CONTOSO_ORGANIZER,
  SUBSCRIBER,
  createSubscription,
  deliveryLog,
  emitArtifact,
  flush,
  inMinutes,
  resetWithWebhook,
  settings,
  startWithWebhook,
  stopWithWebhook,
} from '../helpers/notification-graph';
import { echoValidation, type Receiver } from '../helpers/notification-receiver';
import type { TestSandbox } from '../helpers/sandbox';
import {
  APP_ID,
  graphClientFor,
  graphFailure,
  mintGraphAppTokenDirectly,
} from '../helpers/sandbox-clients';

describe('sandbox Graph subscriptions API', () => {
  let sb: TestSandbox;
  let hook: Receiver;
  const client = () => graphClientFor(sb, SUBSCRIBER);
  const notifyUrl = () => `${hook.url}/hooks/notify?src=teams`;
  const lifecycleUrl = () => `${hook.url}/hooks/lifecycle`;
  const transcripts = (over: Subscription = {}): Subscription => ({
    changeType: 'created',
    notificationUrl: notifyUrl(),
    resource: 'communications/onlineMeetings/getAllTranscripts',
    expirationDateTime: inMinutes(sb, 45),
    clientState: 'state-for-api-tests',
    ...over,
  });

  beforeAll(async () => ({ sb, hook } = await startWithWebhook()));
  afterAll(() => stopWithWebhook(sb, hook));
  beforeEach(() => resetWithWebhook(sb, hook, 60_000));

  it('refuses plain-HTTP webhooks unless the sandbox was told to allow loopback', async () => {
    await settings(sb, { allowHttpLoopback: false });
    const failure = await graphFailure(createSubscription(client(), transcripts()));
    expect(failure).toMatchObject({ statusCode: 400, code: 'InvalidRequest' });
    expect(failure.message).toBe("NotificationUrl scheme='http' is not supported.");
    expect(hook.requests).toHaveLength(0);
  });

  it('creates a subscription after a handshake to both URLs, keeping their query strings', async () => {
    const created = await createSubscription(
      client(),
      transcripts({
        lifecycleNotificationUrl: lifecycleUrl(),
        expirationDateTime: inMinutes(sb, 2 * 24 * 60),
      }),
    );
    expect(created).toMatchObject({
      resource: 'communications/onlineMeetings/getAllTranscripts',
      applicationId: APP_ID,
      changeType: 'created',
      clientState: 'state-for-api-tests',
      notificationUrl: notifyUrl(),
      lifecycleNotificationUrl: lifecycleUrl(),
      includeResourceData: false,
      latestSupportedTlsVersion: 'v1_2',
      notificationQueryOptions: null,
      notificationUrlAppId: null,
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.creatorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.creatorId).not.toBe(APP_ID);
    expect(hook.requests.map((r) => r.path)).toEqual(['/hooks/notify', '/hooks/lifecycle']);
    for (const r of hook.requests) {
      expect(r.method).toBe('POST');
      expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(r.body).toBe('');
      expect(r.query.get('validationToken')).toMatch(/^Validation: .+ Request-Id: [0-9a-f-]{36}$/);
    }
    expect(hook.requests[0].rawUrl).toMatch(
      /^\/hooks\/notify\?src=teams&validationToken=Validation%3a\+/,
    );
  });

  it.each([
    [
      'answers with a different body',
      { status: 200, contentType: 'text/plain', body: 'nope' },
      'ValidationError',
      'Subscription validation request failed. Response must exactly match validationToken query parameter.',
    ],
    [
      'answers 500',
      { status: 500 },
      'ValidationError',
      'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
    ],
  ])('fails the handshake when the endpoint %s', async (_what, reply, code, message) => {
    hook.respond = () => reply;
    const failure = await graphFailure(createSubscription(client(), transcripts()));
    expect(failure).toEqual({ statusCode: 400, code, message });
    const list = (await client().api('/subscriptions').get()) as { value: Subscription[] };
    expect(list.value).toEqual([]);
  });

  it('fails the handshake when the token comes back JSON-encoded instead of as text/plain', async () => {
    hook.respond = (req) => ({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify(req.query.get('validationToken')),
    });
    const failure = await graphFailure(createSubscription(client(), transcripts()));
    expect(failure.code).toBe('ValidationError');
  });

  it('times out a handshake that takes longer than the validation limit', async () => {
    // The limit is 10 s as in Graph; a control setting shortens it so this test stays fast.
    await settings(sb, { validationTimeoutMs: 300 });
    hook.respond = (req) => ({ ...echoValidation(req), delayMs: 1_500 });
    const failure = await graphFailure(createSubscription(client(), transcripts()));
    expect(failure).toEqual({
      statusCode: 400,
      code: 'InvalidRequest',
      message: 'Subscription validation request timed out.',
    });
  });

  it('enforces lifetime, lifecycle URL, clientState, resource and certificate rules', async () => {
    const cases: [Subscription, string][] = [
      [
        { expirationDateTime: inMinutes(sb, 61) },
        'lifecycleNotificationUrl is required for subscription creation on this resource when the expirationDateTime value exceeds 1 hour',
      ],
      [
        { expirationDateTime: inMinutes(sb, 4_321), lifecycleNotificationUrl: lifecycleUrl() },
        'Subscription expiration can only be 4320 minutes in the future.',
      ],
      [
        { expirationDateTime: inMinutes(sb, -1) },
        'Subscription expiration date must be in the future.',
      ],
      [
        { expirationDateTime: undefined },
        'expirationDateTime is a required property for subscription creation',
      ],
      [{ clientState: 'x'.repeat(129) }, 'clientState must not be longer than 128 characters.'],
      [{ resource: 'me/events' }, "Resource 'me/events' is not supported"],
      [{ changeType: 'updated' }, "ChangeType 'updated' is not supported"],
      [
        { includeResourceData: true },
        'An encryptionCertificate and encryptionCertificateId are required',
      ],
      [
        {
          includeResourceData: true,
          encryptionCertificate: 'bm90IGEgY2VydA==',
          encryptionCertificateId: 'c1',
        },
        'Certificate validation error',
      ],
      [{ notificationUrl: 'ftp://127.0.0.1/x' }, "NotificationUrl scheme='ftp' is not supported."],
    ];
    for (const [over, message] of cases) {
      const failure = await graphFailure(createSubscription(client(), transcripts(over)));
      expect({ status: failure.statusCode, message: failure.message }).toEqual({
        status: 400,
        message: expect.stringContaining(message),
      });
    }
    const typo = await graphFailure(
      client()
        .api('/subscriptions')
        .post({ ...transcripts(), notificationURL: notifyUrl() }),
    );
    expect(typo.message).toMatch(/^Could not process subscription creation payload/);
    const small = await makeCertificate(1024);
    const weak = await graphFailure(
      createSubscription(
        client(),
        transcripts({
          includeResourceData: true,
          encryptionCertificate: small.base64,
          encryptionCertificateId: 'c1',
        }),
      ),
    );
    expect(weak.message).toMatch(/2048 to 4096 bits/);
    expect(hook.requests).toHaveLength(0);
  });

  it('accepts every v1.0 recording/transcript resource form and checks the matching permission', async () => {
    const meetingId = 'MSozYTll+/w==';
    for (const resource of [
      'communications/onlineMeetings/getAllRecordings',
      `users/${CONTOSO_ORGANIZER}/onlineMeetings/getAllTranscripts`,
      `/users/${CONTOSO_ORGANIZER}/onlineMeetings/getAllRecordings`,
      `communications/onlineMeetings/${meetingId}/transcripts`,
      `communications/onlineMeetings/${meetingId}/recordings`,
    ]) {
      await expect(createSubscription(client(), transcripts({ resource }))).resolves.toMatchObject({
        resource,
      });
    }
    const transcriptsOnly = graphClientFor(sb, {
      ...SUBSCRIBER,
      roles: ['OnlineMeetingTranscript.Read.All'],
    });
    const denied = await graphFailure(
      createSubscription(
        transcriptsOnly,
        transcripts({ resource: 'communications/onlineMeetings/getAllRecordings' }),
      ),
    );
    expect(denied.statusCode).toBe(403);
    const neither = await graphFailure(
      createSubscription(
        graphClientFor(sb, { ...SUBSCRIBER, roles: ['User.Read.All'] }),
        transcripts(),
      ),
    );
    expect(neither.statusCode).toBe(403);
    const anonymous = await sb.fetch('/v1.0/subscriptions', { method: 'POST', body: '{}' });
    expect(anonymous.status).toBe(401);
  });

  it('allows one subscription per app, scope and kind (403 with a quota message beyond)', async () => {
    await createSubscription(client(), transcripts());
    const again = await graphFailure(createSubscription(client(), transcripts()));
    expect(again.statusCode).toBe(403);
    expect(again.message).toMatch(/Maximum number of subscriptions has been reached/);
    const otherApp = graphClientFor(sb, {
      ...SUBSCRIBER,
      appId: '5e0c1d2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f',
    });
    await expect(createSubscription(otherApp, transcripts())).resolves.toBeTruthy();
  });

  it('renews, reauthorizes, lists only its own and deletes', async () => {
    const sub = await createSubscription(client(), transcripts());
    const other = graphClientFor(sb, {
      ...SUBSCRIBER,
      appId: '5e0c1d2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f',
    });
    const otherSub = await createSubscription(other, transcripts());
    const path = `/subscriptions/${sub.id}`;
    const renewedTo = inMinutes(sb, 55);
    const renewed = (await client()
      .api(path)
      .patch({ expirationDateTime: renewedTo })) as Subscription;
    expect(Date.parse(renewed.expirationDateTime ?? '')).toBe(Date.parse(renewedTo));
    const neither = await graphFailure(client().api(path).patch({ clientState: 'x' }));
    expect(neither.message).toBe(
      "Subscription must contain either the 'expirationDateTime' or 'notificationUrl' property and its value.",
    );
    const tooLong = await graphFailure(
      client()
        .api(path)
        .patch({ expirationDateTime: inMinutes(sb, 120) }),
    );
    expect(tooLong.message).toMatch(/^lifecycleNotificationUrl is required/);
    const reauth = await sb.fetch(`/v1.0${path}/reauthorize`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await mintGraphAppTokenDirectly(sb, SUBSCRIBER)}` },
    });
    expect(reauth.status).toBe(204);
    const list = (await client().api('/subscriptions').get()) as { value: Subscription[] };
    expect(list.value.map((s) => s.id)).toEqual([sub.id]);
    expect((await graphFailure(other.api(path).get())).statusCode).toBe(404);
    expect(
      (await graphFailure(client().api(`/subscriptions/${otherSub.id}`).delete())).statusCode,
    ).toBe(404);
    await client().api(path).delete();
    const gone = await graphFailure(client().api(path).get());
    expect(gone).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });

  it('forgets a subscription when it expires: 404 everywhere and no more notifications', async () => {
    const sub = await createSubscription(
      client(),
      transcripts({ expirationDateTime: inMinutes(sb, 5) }),
    );
    await emitArtifact(sb, { artifactId: 'before-expiry' });
    expect((await flush(sb)).map((d) => d.status)).toEqual([202]);
    await sb.control('POST', '/_sandbox/clock', { advanceMs: 6 * 60_000 });
    const path = `/subscriptions/${sub.id}`;
    expect((await graphFailure(client().api(path).get())).statusCode).toBe(404);
    expect(
      (
        await graphFailure(
          client()
            .api(path)
            .patch({ expirationDateTime: inMinutes(sb, 30) }),
        )
      ).statusCode,
    ).toBe(404);
    expect((await graphFailure(client().api(`${path}/reauthorize`).post({}))).statusCode).toBe(404);
    expect(await emitArtifact(sb, { artifactId: 'after-expiry' })).toEqual([]);
    await flush(sb);
    const posted = hook.notifications('/hooks/notify').flatMap((n) => n.value ?? []);
    expect(posted.map((i) => i.resourceData)).toEqual([
      expect.objectContaining({ id: 'before-expiry' }),
    ]);
    expect((await deliveryLog(sb)).filter((d) => !d.dropped)).toHaveLength(1);
    const control = (await sb.control('GET', '/_sandbox/subscriptions')) as {
      subscriptions: unknown[];
    };
    expect(control.subscriptions).toEqual([]);
  });
});
