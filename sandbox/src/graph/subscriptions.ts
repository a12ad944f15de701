import { randomUUID } from 'node:crypto';
import { graphError, jsonBody, sendEmpty, sendJson, type Ctx } from '../http';
import type { Sandbox } from '../sandbox';
import { requireApp, type AppPrincipal } from './auth';
import { NotificationDelivery } from './notification-delivery';
import { WebhookClient } from './notification-http';
import { registerSubscriptionControl } from './subscription-control';
import { validateEndpoint } from './subscription-handshake';
import {
  findOwn,
  getSettings,
  graphDateTime,
  isActive,
  ROLE_FOR,
  servicePrincipalId,
  subscriptionStore,
  toGraph,
  type StoredSubscription,
} from './subscription-model';
import {
  checkCertificate,
  checkCertificateId,
  checkChangeType,
  checkClientState,
  checkExpiration,
  checkQuota,
  checkShape,
  checkTlsVersion,
  checkWebhookUrl,
  isRuleError,
  parseResource,
  type RuleError,
} from './subscription-rules';
import { SubscriptionTimers } from './subscription-timers';

const ANY_ROLE = [ROLE_FOR.recording, ROLE_FOR.transcript];

const forbidden = (operation: string) => ({
  code: 'ExtensionError',
  message: `Operation: ${operation}; Exception: [Status Code: Forbidden; Reason: The application does not have the permission required to ${operation.toLowerCase()} this subscription.]`,
});

interface Deps {
  client: WebhookClient;
  timers: SubscriptionTimers;
}

/** Change-notification subscriptions for recordings and transcripts (§6), and their delivery. */
export function register(sb: Sandbox): void {
  const client = new WebhookClient();
  const delivery = new NotificationDelivery(sb, client);
  const timers = new SubscriptionTimers(sb, {
    challenge: (sub) => delivery.lifecycle(sub, 'reauthorizationRequired'),
    expire: (sub) => {
      subscriptionStore(sb).delete(sub.id);
      sb.store.changed();
    },
  });
  sb.bus.on('artifactCreated', (e) => delivery.onArtifact(e));
  sb.onReset(() => {
    delivery.reset();
    timers.clear();
  });
  sb.onStop(async () => {
    timers.clear();
    delivery.reset();
    await client.close();
  });
  for (const sub of subscriptionStore(sb).values()) timers.arm(sub);
  registerGraphRoutes(sb, { client, timers });
  registerSubscriptionControl(sb, { delivery, timers });
}

function fail(sb: Sandbox, ctx: Ctx, e: RuleError): void {
  graphError(ctx, e.status, e.code, e.message, { now: sb.clock.now() });
}

function notFound(sb: Sandbox, ctx: Ctx): void {
  graphError(ctx, 404, 'ResourceNotFound', 'The object was not found.', { now: sb.clock.now() });
}

function owner(app: AppPrincipal) {
  return { tenantId: app.tenant.tenantId, appId: app.appId };
}

function entity(sb: Sandbox, sub: StoredSubscription) {
  return {
    '@odata.context': `${sb.baseUrl}/v1.0/$metadata#subscriptions/$entity`,
    ...toGraph(sub),
  };
}

/** The first failing §6.5 handshake of `urls` (in order), or null when all answered correctly. */
async function handshake(sb: Sandbox, client: WebhookClient, urls: string[]) {
  const { validationTimeoutMs } = getSettings(sb);
  for (const url of urls) {
    const failed = await validateEndpoint(client, url, validationTimeoutMs);
    if (failed) return failed;
  }
  return null;
}

function registerGraphRoutes(sb: Sandbox, deps: Deps): void {
  const r = sb.router;
  r.on('POST', '/v1.0/subscriptions', (ctx) => create(sb, ctx, deps));

  r.on('GET', '/v1.0/subscriptions', async (ctx) => {
    const app = await requireApp(sb, ctx, { anyRole: ANY_ROLE, forbidden: forbidden('List') });
    if (!app) return;
    const now = sb.clock.now();
    const value = [...subscriptionStore(sb).values()]
      .filter((s) => s.tenantId === app.tenant.tenantId && s.appId === app.appId)
      .filter((s) => isActive(s, now))
      .map(toGraph);
    sendJson(ctx, 200, { '@odata.context': `${sb.baseUrl}/v1.0/$metadata#subscriptions`, value });
  });

  r.on('GET', '/v1.0/subscriptions/:id', async (ctx) => {
    const app = await requireApp(sb, ctx, { anyRole: ANY_ROLE, forbidden: forbidden('Get') });
    if (!app) return;
    const sub = findOwn(sb, ctx.params.id, owner(app));
    if (!sub) return notFound(sb, ctx);
    sendJson(ctx, 200, entity(sb, sub));
  });

  r.on('PATCH', '/v1.0/subscriptions/:id', (ctx) => update(sb, ctx, deps));

  r.on('POST', '/v1.0/subscriptions/:id/reauthorize', async (ctx) => {
    const app = await requireApp(sb, ctx, {
      anyRole: ANY_ROLE,
      forbidden: forbidden('Reauthorize'),
    });
    if (!app) return;
    const sub = findOwn(sb, ctx.params.id, owner(app));
    if (!sub) return notFound(sb, ctx);
    if (!app.roles.includes(ROLE_FOR[sub.kind]))
      return fail(sb, ctx, { status: 403, ...forbidden('Reauthorize') });
    sub.reauthorizedAt = sb.clock.now().toISOString();
    sb.store.changed();
    deps.timers.arm(sub);
    sendEmpty(ctx, 204);
  });

  r.on('DELETE', '/v1.0/subscriptions/:id', async (ctx) => {
    const app = await requireApp(sb, ctx, { anyRole: ANY_ROLE, forbidden: forbidden('Delete') });
    if (!app) return;
    const sub = findOwn(sb, ctx.params.id, owner(app));
    if (!sub) return notFound(sb, ctx);
    subscriptionStore(sb).delete(sub.id);
    deps.timers.disarm(sub.id);
    sb.store.changed();
    sendEmpty(ctx, 204);
  });
}

async function create(sb: Sandbox, ctx: Ctx, deps: Deps): Promise<void> {
  const app = await requireApp(sb, ctx, { anyRole: ANY_ROLE, forbidden: forbidden('Create') });
  if (!app) return;
  const body = jsonBody(ctx);
  if (!body) return;
  const now = sb.clock.now();
  const settings = getSettings(sb);
  const shape = checkShape(body);
  if (shape) return fail(sb, ctx, shape);
  const target = parseResource(body.resource, app.tenant);
  if (isRuleError(target)) return fail(sb, ctx, target);
  const resource = String(body.resource);
  const changeType = checkChangeType(body.changeType, resource);
  if (changeType) return fail(sb, ctx, changeType);
  const rawLifecycle = body.lifecycleNotificationUrl;
  const hasLifecycle = typeof rawLifecycle === 'string' && rawLifecycle !== '';
  const expiration = checkExpiration(body.expirationDateTime, now, hasLifecycle);
  if (isRuleError(expiration)) return fail(sb, ctx, expiration);
  const notificationUrl = checkWebhookUrl(
    body.notificationUrl,
    'NotificationUrl',
    settings.allowHttpLoopback,
  );
  if (isRuleError(notificationUrl)) return fail(sb, ctx, notificationUrl);
  const lifecycleUrl = hasLifecycle
    ? checkWebhookUrl(rawLifecycle, 'LifecycleNotificationUrl', settings.allowHttpLoopback)
    : null;
  if (isRuleError(lifecycleUrl)) return fail(sb, ctx, lifecycleUrl);
  const clientState = checkClientState(body.clientState);
  if (clientState) return fail(sb, ctx, clientState);
  const tls = checkTlsVersion(body.latestSupportedTlsVersion);
  if (isRuleError(tls)) return fail(sb, ctx, tls);
  if (body.notificationQueryOptions != null) {
    return fail(sb, ctx, {
      status: 400,
      code: 'InvalidRequest',
      message: `notificationQueryOptions is not supported for resource '${resource}'.`,
    });
  }
  const includeResourceData = body.includeResourceData === true;
  if (includeResourceData || body.encryptionCertificate != null) {
    if (body.encryptionCertificate == null) {
      return fail(sb, ctx, {
        status: 400,
        code: 'InvalidRequest',
        message:
          'An encryptionCertificate and encryptionCertificateId are required when includeResourceData is true.',
      });
    }
    const cert = checkCertificate(body.encryptionCertificate);
    if (isRuleError(cert)) return fail(sb, ctx, cert);
    const certId = checkCertificateId(body.encryptionCertificateId);
    if (certId) return fail(sb, ctx, certId);
  }
  if (!app.roles.includes(ROLE_FOR[target.kind]))
    return fail(sb, ctx, { status: 403, ...forbidden('Create') });
  const wanted = { ...owner(app), ...target };
  const active = () => [...subscriptionStore(sb).values()].filter((s) => isActive(s, now));
  const quota = checkQuota(active(), wanted);
  if (quota) return fail(sb, ctx, quota);
  const urls = lifecycleUrl ? [notificationUrl, lifecycleUrl] : [notificationUrl];
  const handshakeFailed = await handshake(sb, deps.client, urls);
  if (handshakeFailed) return fail(sb, ctx, handshakeFailed);
  const quotaAfter = checkQuota(active(), wanted);
  if (quotaAfter) return fail(sb, ctx, quotaAfter);
  const created = sb.clock.now().toISOString();
  const sub: StoredSubscription = {
    id: randomUUID(),
    ...wanted,
    creatorId: servicePrincipalId(app.tenant.tenantId, app.appId),
    resource,
    changeType: 'created',
    clientState: typeof body.clientState === 'string' ? body.clientState : null,
    notificationUrl,
    lifecycleNotificationUrl: lifecycleUrl,
    notificationUrlAppId:
      typeof body.notificationUrlAppId === 'string' ? body.notificationUrlAppId : null,
    expirationDateTime: graphDateTime(expiration),
    includeResourceData,
    encryptionCertificate:
      typeof body.encryptionCertificate === 'string'
        ? body.encryptionCertificate.replace(/\s+/g, '')
        : null,
    encryptionCertificateId:
      typeof body.encryptionCertificateId === 'string' ? body.encryptionCertificateId : null,
    latestSupportedTlsVersion: tls,
    createdAt: created,
    lifetimeStart: created,
    reauthorizedAt: null,
    lastChallengeAt: null,
  };
  subscriptionStore(sb).set(sub.id, sub);
  sb.store.changed();
  deps.timers.arm(sub);
  ctx.meta.subscriptionId = sub.id;
  sendJson(ctx, 201, entity(sb, sub));
}

/** Properties a renewal may not change (lifecycle URL: creation only, per §6.2). */
const IMMUTABLE = [
  'resource',
  'changeType',
  'clientState',
  'includeResourceData',
  'lifecycleNotificationUrl',
  'notificationUrlAppId',
  'latestSupportedTlsVersion',
] as const;

async function update(sb: Sandbox, ctx: Ctx, deps: Deps): Promise<void> {
  const app = await requireApp(sb, ctx, { anyRole: ANY_ROLE, forbidden: forbidden('Update') });
  if (!app) return;
  const sub = findOwn(sb, ctx.params.id, owner(app));
  if (!sub) return notFound(sb, ctx);
  if (!app.roles.includes(ROLE_FOR[sub.kind]))
    return fail(sb, ctx, { status: 403, ...forbidden('Update') });
  const body = jsonBody(ctx);
  if (!body) return;
  const shape = checkShape(body);
  if (shape) return fail(sb, ctx, shape);
  const invalid = (message: string) =>
    fail(sb, ctx, { status: 400, code: 'InvalidRequest', message });
  if (body.expirationDateTime == null && body.notificationUrl == null) {
    return invalid(
      "Subscription must contain either the 'expirationDateTime' or 'notificationUrl' property and its value.",
    );
  }
  for (const prop of IMMUTABLE) {
    if (body[prop] !== undefined && body[prop] !== sub[prop])
      return invalid(`The '${prop}' property of a subscription cannot be updated.`);
  }
  const now = sb.clock.now();
  let expiration: Date | null = null;
  if (body.expirationDateTime != null) {
    const checked = checkExpiration(body.expirationDateTime, now, !!sub.lifecycleNotificationUrl);
    if (isRuleError(checked)) return fail(sb, ctx, checked);
    expiration = checked;
  }
  let notificationUrl = sub.notificationUrl;
  if (body.notificationUrl != null && body.notificationUrl !== sub.notificationUrl) {
    const { allowHttpLoopback } = getSettings(sb);
    const checked = checkWebhookUrl(body.notificationUrl, 'NotificationUrl', allowHttpLoopback);
    if (isRuleError(checked)) return fail(sb, ctx, checked);
    const failed = await handshake(sb, deps.client, [checked]);
    if (failed) return fail(sb, ctx, failed);
    notificationUrl = checked;
  }
  if (body.encryptionCertificate != null) {
    const cert = checkCertificate(body.encryptionCertificate);
    if (isRuleError(cert)) return fail(sb, ctx, cert);
  }
  if (body.encryptionCertificateId != null) {
    const certId = checkCertificateId(body.encryptionCertificateId);
    if (certId) return fail(sb, ctx, certId);
  }
  const current = findOwn(sb, sub.id, owner(app));
  if (!current) return notFound(sb, ctx);
  const at = sb.clock.now().toISOString();
  current.notificationUrl = notificationUrl;
  if (expiration) {
    current.expirationDateTime = graphDateTime(expiration);
    current.lifetimeStart = at;
  }
  if (typeof body.encryptionCertificate === 'string')
    current.encryptionCertificate = body.encryptionCertificate.replace(/\s+/g, '');
  if (typeof body.encryptionCertificateId === 'string')
    current.encryptionCertificateId = body.encryptionCertificateId;
  current.reauthorizedAt = at;
  sb.store.changed();
  deps.timers.arm(current);
  sendJson(ctx, 200, entity(sb, current));
}
