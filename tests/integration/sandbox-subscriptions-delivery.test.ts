import fc from 'fast-check';
import type { ChangeNotification, Subscription } from '@microsoft/microsoft-graph-types';
import {
  generateKeyPair,
  SignJWT,
  decodeJwt,
  decodeProtectedHeader,
  type JSONWebKeySet,
} from 'jose';
import { encryptContent } from '../../sandbox/src/graph/notification-crypto';
import {
  decryptContent,
  makeCertificate,
  verifyValidationToken,
  type TestCertificate,
} from '../helpers/notification-crypto';
import {
  CONTOSO,
  CONTOSO_ORGANIZER,
  FABRIKAM,
  FABRIKAM_ORGANIZER,
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
import type { Receiver } from '../helpers/notification-receiver';
import type { TestSandbox } from '../helpers/sandbox';
import { APP_ID, graphClientFor } from '../helpers/sandbox-clients';

const MEETING_1 =
  'MSozYTllMWY1Mi03YzRkLTRiOGUtOWYyMS01ZDZjN2I4YTllMDEqMCoqMTk6bWVldGluZ18xQHRocmVhZC52Mg==';
const MEETING_2 =
  'MSozYTllMWY1Mi03YzRkLTRiOGUtOWYyMS01ZDZjN2I4YTllMDEqMCoqMTk6bWVldGluZ18yQHRocmVhZC52Mg==';
const STAFF = '5d7f9b1c-3e5a-4c7e-9b1d-2f4a6c8e0b3d';

describe('sandbox change-notification delivery', () => {
  let sb: TestSandbox;
  let hook: Receiver;
  let cert: TestCertificate;
  const notifyUrl = () => `${hook.url}/hooks/notify`;
  const subscribe = (tenantId: string, over: Subscription = {}) =>
    createSubscription(graphClientFor(sb, { ...SUBSCRIBER, tenantId }), {
      changeType: 'created',
      notificationUrl: notifyUrl(),
      resource: 'communications/onlineMeetings/getAllTranscripts',
      expirationDateTime: inMinutes(sb, 50),
      clientState: `state-${tenantId}`,
      ...over,
    });
  const rich = (): Subscription => ({
    includeResourceData: true,
    encryptionCertificate: cert.base64,
    encryptionCertificateId: 'notify-cert-1',
  });
  const posted = () => hook.notifications('/hooks/notify');

  beforeAll(async () => {
    ({ sb, hook } = await startWithWebhook());
    cert = await makeCertificate();
  });
  afterAll(() => stopWithWebhook(sb, hook));
  // Only an explicit flush sends, so every test sees exactly the batches it built.
  beforeEach(() => resetWithWebhook(sb, hook, 60_000));

  it('notifies each matching subscription and batches items of several tenants into one POST', async () => {
    const tenantWide = await subscribe(CONTOSO);
    const fabrikam = await subscribe(FABRIKAM);
    const organizerRecordings = await subscribe(CONTOSO, {
      resource: `users/${CONTOSO_ORGANIZER}/onlineMeetings/getAllRecordings`,
    });
    const meeting2 = await subscribe(CONTOSO, {
      resource: `communications/onlineMeetings/${MEETING_2}/transcripts`,
    });
    const bus = sb.sandbox.bus;
    const base = { tenantId: CONTOSO, organizerOid: CONTOSO_ORGANIZER, meetingId: MEETING_1 };
    bus.emit('artifactCreated', { ...base, kind: 'transcript', artifactId: 't-1' });
    bus.emit('artifactCreated', { ...base, kind: 'recording', artifactId: 'r-1' });
    bus.emit('artifactCreated', {
      ...base,
      organizerOid: STAFF,
      kind: 'recording',
      artifactId: 'r-x',
    });
    await emitArtifact(sb, { meetingId: MEETING_2, artifactId: 't-2' });
    await emitArtifact(sb, {
      tenantId: FABRIKAM,
      organizerOid: FABRIKAM_ORGANIZER,
      artifactId: 't-f',
    });
    const attempts = await flush(sb);
    expect(attempts).toEqual([
      expect.objectContaining({
        status: 202,
        itemCount: 5,
        dropped: false,
        validationTokenCount: 0,
      }),
    ]);
    expect(posted()).toHaveLength(1);
    const [batch] = posted();
    expect(batch.validationTokens).toBeUndefined();
    const bySub = (id?: string) =>
      (batch.value ?? []).filter((i) => i.subscriptionId === id).map((i) => i.resourceData);
    expect(bySub(tenantWide.id)).toEqual([
      expect.objectContaining({ id: 't-1' }),
      expect.objectContaining({ id: 't-2' }),
    ]);
    expect(bySub(organizerRecordings.id)).toEqual([expect.objectContaining({ id: 'r-1' })]);
    expect(bySub(meeting2.id)).toEqual([expect.objectContaining({ id: 't-2' })]);
    expect(bySub(fabrikam.id)).toEqual([expect.objectContaining({ id: 't-f' })]);
    const item = (batch.value ?? []).find((i) => i.subscriptionId === organizerRecordings.id);
    const resource = `communications/onlineMeetings('${MEETING_1}')/recordings('r-1')`;
    expect(item).toEqual({
      subscriptionId: organizerRecordings.id,
      subscriptionExpirationDateTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+\+00:00$/),
      changeType: 'created',
      clientState: `state-${CONTOSO}`,
      tenantId: CONTOSO,
      resource,
      resourceData: {
        id: 'r-1',
        '@odata.type': '#Microsoft.Graph.callRecording',
        '@odata.id': resource,
      },
    });
    const request = hook.requests.find((r) => !r.query.has('validationToken'));
    expect(request?.headers['content-type']).toMatch(/^application\/json/);
  });

  it('stops notifying when the tenant withdraws the permission', async () => {
    await subscribe(CONTOSO);
    await sb.control('PATCH', `/_sandbox/tenants/${CONTOSO}`, {
      consentedRoles: ['Calendars.ReadWrite', 'OnlineMeetingRecording.Read.All'],
    });
    await emitArtifact(sb, { artifactId: 't-withdrawn' });
    expect(await flush(sb)).toEqual([]);
    expect(posted()).toEqual([]);
  });

  it('encrypts rich notifications so an independent decryptor recovers the resource and its organizer', async () => {
    const contoso = await subscribe(CONTOSO, rich());
    await subscribe(FABRIKAM, rich());
    await emitArtifact(sb, { meetingId: MEETING_1, artifactId: 't-rich' });
    await emitArtifact(sb, {
      tenantId: FABRIKAM,
      organizerOid: FABRIKAM_ORGANIZER,
      artifactId: 't-fab',
    });
    await flush(sb);
    const [batch] = posted();
    const items = batch.value ?? [];
    expect(items).toHaveLength(2);
    const item = items.find((i) => i.subscriptionId === contoso.id) as ChangeNotification;
    const content = item.encryptedContent ?? {};
    expect(content).toMatchObject({
      encryptionCertificateId: 'notify-cert-1',
      encryptionCertificateThumbprint: cert.thumbprint,
    });
    const decrypted = JSON.parse(decryptContent(content, cert.privateKey)) as Record<
      string,
      unknown
    >;
    expect(decrypted).toEqual({
      id: 't-rich',
      meetingId: MEETING_1,
      transcriptContentUrl: `communications/onlineMeetings/${MEETING_1}/transcripts/t-rich/content`,
      createdDateTime: null,
      meetingOrganizer: {
        application: null,
        device: null,
        user: {
          userIdentityType: 'aadUser',
          id: CONTOSO_ORGANIZER,
          displayName: null,
          tenantId: CONTOSO,
        },
      },
    });
    const tampered = { ...content, data: Buffer.from('x'.repeat(32)).toString('base64') };
    expect(() => decryptContent(tampered, cert.privateKey)).toThrow(/dataSignature mismatch/);
    expect(batch.validationTokens).toHaveLength(2);
  });

  it('signs one validation token per app and tenant that verifies against the Entra JWKS, and forgeries fail', async () => {
    await subscribe(CONTOSO, rich());
    await subscribe(FABRIKAM, rich());
    await emitArtifact(sb, { artifactId: 'a' });
    await emitArtifact(sb, { artifactId: 'b' });
    await emitArtifact(sb, {
      tenantId: FABRIKAM,
      organizerOid: FABRIKAM_ORGANIZER,
      artifactId: 'c',
    });
    await flush(sb);
    const tokens = posted()[0].validationTokens ?? [];
    expect(tokens).toHaveLength(2);
    const served = await sb.fetch('/common/discovery/v2.0/keys');
    const jwks: JSONWebKeySet =
      served.status === 200
        ? ((await served.json()) as JSONWebKeySet)
        : ((await sb.sandbox.keys.jwks('entra')) as JSONWebKeySet);
    const now = sb.sandbox.clock.now();
    const tenants: string[] = [];
    for (const token of tokens) {
      const tid = String(decodeJwt(token).tid);
      const claims = await verifyValidationToken(token, jwks, {
        audience: APP_ID,
        tenantId: tid,
        now,
      });
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBeGreaterThanOrEqual(7 * 3600);
      tenants.push(tid);
    }
    expect(tenants.sort()).toEqual([CONTOSO, FABRIKAM].sort());

    const genuine = tokens[0];
    const claims = decodeJwt(genuine);
    const { kid } = decodeProtectedHeader(genuine);
    const other = await generateKeyPair('RS256');
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
      .sign(other.privateKey);
    const expect0 = { audience: APP_ID, tenantId: String(claims.tid), now };
    await expect(verifyValidationToken(forged, jwks, expect0)).rejects.toThrow(/signature/);
    const [head, , sig] = genuine.split('.');
    const changed = Buffer.from(JSON.stringify({ ...claims, aud: 'attacker-app' })).toString(
      'base64url',
    );
    await expect(verifyValidationToken(`${head}.${changed}.${sig}`, jwks, expect0)).rejects.toThrow(
      /signature/,
    );
    await expect(
      verifyValidationToken(genuine, jwks, { ...expect0, audience: 'someone-else' }),
    ).rejects.toThrow(/aud/);
  });

  it('round-trips any JSON payload through the §6.7 encryption', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        const content = encryptContent(text, cert.base64, 'prop');
        expect(decryptContent(content, cert.privateKey)).toBe(text);
      }),
      { numRuns: 40 },
    );
  });

  it('drops a delivery silently under the dropNotifications fault', async () => {
    await subscribe(CONTOSO);
    await sb.control('POST', '/_sandbox/faults', {
      kind: 'dropNotifications',
      path: '^/hooks/notify$',
      remaining: 1,
    });
    await emitArtifact(sb, { artifactId: 'lost' });
    expect(await flush(sb)).toEqual([
      expect.objectContaining({ dropped: true, reason: 'fault', status: null, itemCount: 1 }),
    ]);
    await emitArtifact(sb, { artifactId: 'kept' });
    await flush(sb);
    const ids = posted().flatMap((b) => (b.value ?? []).map((i) => i.resourceData));
    expect(ids).toEqual([expect.objectContaining({ id: 'kept' })]);
  });

  it('never shows clientState in the delivery log, the queue, the subscription list or the request log', async () => {
    const secret = 'cs-Zq8Vt3uN0pWc5LrY7bHd2kFs-secret';
    await subscribe(CONTOSO, { clientState: secret, ...rich() });
    await emitArtifact(sb, { artifactId: 'seen' });
    await flush(sb);
    expect(posted()[0].value?.[0].clientState).toBe(secret);
    await settings(sb, { deliveryDelayMs: 3_600_000 });
    await emitArtifact(sb, { artifactId: 'waiting' });
    const views = await Promise.all([
      deliveryLog(sb),
      sb.control('GET', '/_sandbox/notifications/pending'),
      sb.control('GET', '/_sandbox/subscriptions'),
      sb.control('GET', '/_sandbox/requests'),
      sb.control('GET', '/_sandbox/notifications/endpoints'),
    ]);
    expect(JSON.stringify(views[1])).toContain('"subscriptionId"');
    expect(JSON.stringify(views)).not.toContain(secret);
  });
});
