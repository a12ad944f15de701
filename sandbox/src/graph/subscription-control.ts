import type { LifecycleEventType } from '@microsoft/microsoft-graph-types';
import { controlError } from '../control';
import { jsonBody, sendJson } from '../http';
import type { Sandbox, SandboxEvents } from '../sandbox';
import { certificateThumbprint } from './notification-crypto';
import type { NotificationDelivery } from './notification-delivery';
import {
  getSettings,
  isActive,
  matches,
  saveSettings,
  subscriptionStore,
  type StoredSubscription,
  type SubscriptionSettings,
} from './subscription-model';
import type { SubscriptionTimers } from './subscription-timers';

const LIFECYCLE_EVENTS: LifecycleEventType[] = [
  'reauthorizationRequired',
  'subscriptionRemoved',
  'missed',
];

/** A subscription for people and tests: no clientState, the certificate as its thumbprint. */
function describe(sub: StoredSubscription, now: Date) {
  const { clientState, encryptionCertificate, ...rest } = sub;
  return {
    ...rest,
    active: isActive(sub, now),
    hasClientState: clientState !== null,
    encryptionCertificateThumbprint: encryptionCertificate
      ? certificateThumbprint(Buffer.from(encryptionCertificate, 'base64'))
      : null,
  };
}

function sinceParam(raw: string | null): number | null {
  const since = Number(raw ?? 0);
  return Number.isInteger(since) && since >= 0 ? since : null;
}

/** `/_sandbox/subscriptions/...` and `/_sandbox/notifications/...`: inspect and drive delivery. */
export function registerSubscriptionControl(
  sb: Sandbox,
  deps: { delivery: NotificationDelivery; timers: SubscriptionTimers },
): void {
  const r = sb.router;
  const { delivery } = deps;

  r.on('GET', '/_sandbox/subscriptions/settings', (ctx) => sendJson(ctx, 200, getSettings(sb)));
  r.on('POST', '/_sandbox/subscriptions/settings', (ctx) => {
    const body = jsonBody<Partial<SubscriptionSettings>>(ctx);
    if (!body) return;
    const next = { ...getSettings(sb) };
    for (const key of Object.keys(body)) {
      if (
        ![
          'allowHttpLoopback',
          'validationTimeoutMs',
          'deliveryDelayMs',
          'slowThresholdMs',
        ].includes(key)
      )
        return controlError(ctx, 400, `unknown setting ${key}`);
    }
    if (body.allowHttpLoopback !== undefined) {
      if (typeof body.allowHttpLoopback !== 'boolean')
        return controlError(ctx, 400, 'allowHttpLoopback must be true or false');
      next.allowHttpLoopback = body.allowHttpLoopback;
    }
    const t = body.validationTimeoutMs;
    if (t !== undefined) {
      if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 10_000)
        return controlError(
          ctx,
          400,
          'validationTimeoutMs must be a whole number from 1 to 10000 (Graph allows 10 s)',
        );
      next.validationTimeoutMs = t;
    }
    const d = body.deliveryDelayMs;
    if (d !== undefined) {
      if (typeof d !== 'number' || !Number.isFinite(d) || d < 0 || d > 3_600_000)
        return controlError(
          ctx,
          400,
          'deliveryDelayMs must be a number of sandbox milliseconds from 0 to 3600000',
        );
      next.deliveryDelayMs = d;
    }
    const slow = body.slowThresholdMs;
    if (slow !== undefined) {
      if (typeof slow !== 'number' || !Number.isInteger(slow) || slow < 1 || slow > 2_900)
        return controlError(
          ctx,
          400,
          'slowThresholdMs must be a whole number from 1 to 2900 (Graph uses 2900)',
        );
      next.slowThresholdMs = slow;
    }
    saveSettings(sb, next);
    sendJson(ctx, 200, next);
  });

  r.on('GET', '/_sandbox/subscriptions', (ctx) => {
    const now = sb.clock.now();
    const subscriptions = [...subscriptionStore(sb).values()].map((s) => describe(s, now));
    sendJson(ctx, 200, { subscriptions });
  });

  r.on('POST', '/_sandbox/subscriptions/:id/lifecycle', (ctx) => {
    const sub = subscriptionStore(sb).get(ctx.params.id);
    if (!sub || !isActive(sub, sb.clock.now()))
      return controlError(
        ctx,
        404,
        `no active subscription ${ctx.params.id}; see GET /_sandbox/subscriptions`,
      );
    const body = jsonBody<{ event?: LifecycleEventType }>(ctx);
    if (!body) return;
    if (!body.event || !LIFECYCLE_EVENTS.includes(body.event))
      return controlError(ctx, 400, `event must be one of ${LIFECYCLE_EVENTS.join(', ')}`);
    if (!sub.lifecycleNotificationUrl)
      return controlError(ctx, 409, 'this subscription has no lifecycleNotificationUrl');
    delivery.lifecycle(sub, body.event);
    if (body.event === 'subscriptionRemoved') {
      subscriptionStore(sb).delete(sub.id);
      deps.timers.disarm(sub.id);
      sb.store.changed();
    }
    sendJson(ctx, 202, { queued: body.event, subscriptionId: sub.id });
  });

  r.on('POST', '/_sandbox/notifications/emit', (ctx) => {
    const body = jsonBody<Record<string, unknown>>(ctx);
    if (!body) return;
    const fields = ['tenantId', 'organizerOid', 'meetingId', 'artifactId'] as const;
    for (const f of fields) {
      if (typeof body[f] !== 'string' || body[f] === '')
        return controlError(ctx, 400, `${f} must be a non-empty string`);
    }
    if (body.kind !== 'recording' && body.kind !== 'transcript')
      return controlError(ctx, 400, "kind must be 'recording' or 'transcript'");
    const event: SandboxEvents['artifactCreated'] = {
      tenantId: String(body.tenantId),
      organizerOid: String(body.organizerOid),
      meetingId: String(body.meetingId),
      artifactId: String(body.artifactId),
      kind: body.kind,
    };
    const now = sb.clock.now();
    const matching = [...subscriptionStore(sb).values()].filter(
      (s) => isActive(s, now) && matches(s, event),
    );
    sb.bus.emit('artifactCreated', event);
    sendJson(ctx, 202, { matchingSubscriptions: matching.map((s) => s.id) });
  });

  r.on('GET', '/_sandbox/notifications/log', (ctx) => {
    const since = sinceParam(ctx.url.searchParams.get('since'));
    if (since === null) return controlError(ctx, 400, 'since must be a log sequence number ≥ 0');
    sendJson(ctx, 200, { lastSeq: delivery.lastSeq, deliveries: delivery.since(since) });
  });
  r.on('GET', '/_sandbox/notifications/pending', (ctx) =>
    sendJson(ctx, 200, { pending: delivery.pending() }),
  );
  r.on('GET', '/_sandbox/notifications/endpoints', (ctx) =>
    sendJson(ctx, 200, { endpoints: delivery.endpoints() }),
  );
  r.on('POST', '/_sandbox/notifications/flush', async (ctx) => {
    const deliveries = await delivery.flush();
    sendJson(ctx, 200, { deliveries, pending: delivery.pending() });
  });
}
