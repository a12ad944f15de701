import type {
  ChangeNotification,
  ChangeNotificationCollection,
  LifecycleEventType,
} from '@microsoft/microsoft-graph-types';
import type { Sandbox } from '../sandbox';
import { SANDBOX_APP } from '../seed';
import { SlowEndpoints, type EndpointState } from './notification-endpoints';
import type { WebhookClient } from './notification-http';
import {
  DeliveryLog,
  type Channel,
  type DeliveryRecord,
  type DropReason,
} from './notification-log';
import {
  changeItem,
  lifecycleItem,
  offsetDateTime,
  validationTokens,
  type ArtifactEvent,
} from './notification-payloads';
import {
  getSettings,
  isActive,
  matches,
  ROLE_FOR,
  subscriptionStore,
  type StoredSubscription,
} from './subscription-model';

/** §6.6 numbers. Real-time: the publish timeout and the slow mark. Sandbox time: everything else. */
const PUBLISH_TIMEOUT_MS = 3_000;
const SLOW_MS = 2_900;
const RETRY_WINDOW_MS = 4 * 3_600_000;
const SLOW_DELAY_MS = 10 * 60_000;
const MAX_BATCH = 100;
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_CAP_MS = 30 * 60_000;

interface Pending {
  id: number;
  channel: Channel;
  url: string;
  subscriptionId: string;
  tenantId: string;
  /** Audience of the validation token for this item; null for basic notifications. */
  tokenAudience: string | null;
  item: ChangeNotification;
  queuedAt: number;
  dueAt: number;
  attempts: number;
  inFlight: boolean;
}

const keyOf = (p: { channel: Channel; url: string }) => `${p.channel} ${p.url}`;

/** Queues, batches, posts, retries and drops change and lifecycle notifications (§6.6). */
export class NotificationDelivery {
  private queue: Pending[] = [];
  private readonly log = new DeliveryLog();
  private readonly slow = new SlowEndpoints();
  private nextId = 0;
  private generation = 0;
  private readonly busy = new Map<string, Promise<void>>();
  private cancelTimer: (() => void) | null = null;
  private timerDueAt = Infinity;

  constructor(
    private readonly sb: Sandbox,
    private readonly client: WebhookClient,
  ) {}

  private now(): number {
    return this.sb.clock.now().getTime();
  }

  /** Queues one notification per active, matching, still-consented subscription; returns how many. */
  onArtifact(e: ArtifactEvent): number {
    const now = this.sb.clock.now();
    let queued = 0;
    for (const sub of subscriptionStore(this.sb).values()) {
      if (!isActive(sub, now) || !matches(sub, e)) continue;
      const tenant = this.sb.tenant(sub.tenantId);
      const consented = tenant?.consentedRoles.includes(ROLE_FOR[sub.kind]) ?? false;
      if (sub.appId === SANDBOX_APP.clientId && !consented) continue;
      const rich = sub.includeResourceData;
      this.enqueue('notification', sub.notificationUrl, sub, changeItem(sub, e), rich);
      queued++;
    }
    return queued;
  }

  /** Queues a lifecycle notification to the subscription's lifecycle URL (which must be set). */
  lifecycle(sub: StoredSubscription, event: LifecycleEventType): void {
    if (!sub.lifecycleNotificationUrl) return;
    this.enqueue('lifecycle', sub.lifecycleNotificationUrl, sub, lifecycleItem(sub, event), false);
  }

  private enqueue(
    channel: Channel,
    url: string,
    sub: StoredSubscription,
    item: ChangeNotification,
    rich: boolean,
  ): void {
    const now = this.now();
    const state = this.endpointState(url, now);
    if (state === 'dropping') {
      this.record(channel, url, [item], { dropped: true, reason: 'slowEndpoint', attempt: 0 });
      return;
    }
    const delay = state === 'delayed' ? SLOW_DELAY_MS : getSettings(this.sb).deliveryDelayMs;
    this.queue.push({
      id: ++this.nextId,
      channel,
      url,
      subscriptionId: sub.id,
      tenantId: sub.tenantId,
      tokenAudience: rich ? (sub.notificationUrlAppId ?? sub.appId) : null,
      item,
      queuedAt: now,
      dueAt: now + delay,
      attempts: 0,
      inFlight: false,
    });
    this.schedule();
  }

  /** Arms one sandbox timer for the earliest due entry whose endpoint is idle. */
  private schedule(): void {
    let next = Infinity;
    for (const p of this.queue) {
      if (!p.inFlight && !this.busy.has(keyOf(p))) next = Math.min(next, p.dueAt);
    }
    if (next === this.timerDueAt) return;
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.timerDueAt = next;
    if (next === Infinity) return;
    this.cancelTimer = this.sb.after(Math.max(0, next - this.now()), () => {
      this.cancelTimer = null;
      this.timerDueAt = Infinity;
      this.pump(false);
    });
  }

  /** Starts one batch per idle endpoint with due entries (all entries when `force`). */
  private pump(force: boolean): Promise<void>[] {
    const now = this.now();
    const byKey = new Map<string, Pending[]>();
    for (const p of this.queue) {
      if (p.inFlight || (!force && p.dueAt > now) || this.busy.has(keyOf(p))) continue;
      byKey.set(keyOf(p), [...(byKey.get(keyOf(p)) ?? []), p]);
    }
    const started: Promise<void>[] = [];
    for (const [key, entries] of byKey) {
      const batch = this.screen(entries, now).slice(0, MAX_BATCH);
      if (batch.length === 0) continue;
      for (const p of batch) p.inFlight = true;
      const run = this.send(batch)
        .catch((err: unknown) => console.error('sandbox: notification delivery failed', err))
        .finally(() => {
          this.busy.delete(key);
          this.schedule();
        });
      this.busy.set(key, run);
      started.push(run);
    }
    this.schedule();
    return started;
  }

  /** Drops what may no longer go out; returns the rest. */
  private screen(entries: Pending[], now: number): Pending[] {
    const drops = new Map<DropReason, Pending[]>();
    const keep: Pending[] = [];
    const subs = subscriptionStore(this.sb);
    const slowDrop = entries.length > 0 && this.endpointState(entries[0].url, now) === 'dropping';
    for (const p of entries) {
      const sub = subs.get(p.subscriptionId);
      const deadline = p.queuedAt + RETRY_WINDOW_MS;
      let reason: DropReason | null = null;
      if (p.channel === 'notification' && (!sub || !isActive(sub, new Date(now))))
        reason = 'subscriptionGone';
      else if (p.attempts > 0 && now > deadline && p.dueAt < deadline) reason = 'retriesExhausted';
      else if (slowDrop) reason = 'slowEndpoint';
      if (reason) drops.set(reason, [...(drops.get(reason) ?? []), p]);
      else keep.push(p);
    }
    for (const [reason, ps] of drops) this.drop(ps, reason);
    return keep;
  }

  private drop(ps: Pending[], reason: DropReason): void {
    const ids = new Set(ps.map((p) => p.id));
    this.queue = this.queue.filter((p) => !ids.has(p.id));
    const attempt = Math.max(...ps.map((p) => p.attempts));
    this.record(
      ps[0].channel,
      ps[0].url,
      ps.map((p) => p.item),
      { dropped: true, reason, attempt },
    );
  }

  private async send(batch: Pending[]): Promise<void> {
    const gen = this.generation;
    const { url, channel } = batch[0];
    const attempt = Math.max(...batch.map((p) => p.attempts)) + 1;
    let path = '/';
    try {
      path = new URL(url).pathname;
    } catch {
      /* validated at creation */
    }
    if (this.sb.faults.pick('POST', path, ['dropNotifications'])) {
      this.drop(batch, 'fault');
      return;
    }
    const subs = subscriptionStore(this.sb);
    for (const p of batch) {
      const sub = subs.get(p.subscriptionId);
      if (sub) p.item.subscriptionExpirationDateTime = offsetDateTime(sub.expirationDateTime);
    }
    const body: ChangeNotificationCollection = { value: batch.map((p) => p.item) };
    const rich = batch.filter((p) => p.tokenAudience !== null);
    if (rich.length > 0) {
      body.validationTokens = await validationTokens(
        this.sb,
        rich.map((p) => ({ audience: p.tokenAudience ?? '', tenantId: p.tenantId })),
      );
    }
    const startedAt = this.sb.clock.now().toISOString();
    const res = await this.client.post(url, {
      body: JSON.stringify(body),
      contentType: 'application/json; charset=utf-8',
      timeoutMs: PUBLISH_TIMEOUT_MS,
    });
    if (gen !== this.generation) return;
    const now = this.now();
    const slow =
      res.error === 'timeout' || res.durationMs > (getSettings(this.sb).slowThresholdMs ?? SLOW_MS);
    this.slow.account(url, batch.length, slow, now);
    const ok = res.status !== null && res.status >= 200 && res.status < 300;
    this.record(channel, url, body.value ?? [], {
      at: startedAt,
      status: res.status,
      error: res.error,
      durationMs: Math.round(res.durationMs),
      slow,
      attempt,
      validationTokenCount: body.validationTokens?.length ?? 0,
    });
    if (ok) {
      const ids = new Set(batch.map((p) => p.id));
      this.queue = this.queue.filter((p) => !ids.has(p.id));
      return;
    }
    this.retryLater(batch, now);
  }

  /** Exponential backoff in sandbox time, 10 min when the endpoint is flagged slow, 4 h in all. */
  private retryLater(batch: Pending[], now: number): void {
    const delayed = this.endpointState(batch[0].url, now) === 'delayed';
    const exhausted: Pending[] = [];
    for (const p of batch) {
      p.inFlight = false;
      p.attempts += 1;
      const deadline = p.queuedAt + RETRY_WINDOW_MS;
      if (now >= deadline) {
        exhausted.push(p);
        continue;
      }
      let delay = Math.min(BACKOFF_BASE_MS * 2 ** (p.attempts - 1), BACKOFF_CAP_MS);
      if (delayed) delay = Math.max(delay, SLOW_DELAY_MS);
      p.dueAt = Math.min(now + delay, deadline);
    }
    if (exhausted.length > 0) this.drop(exhausted, 'retriesExhausted');
  }

  endpointState(url: string, now = this.now()): EndpointState {
    return this.slow.state(url, now);
  }

  private record(
    channel: Channel,
    url: string,
    items: ChangeNotification[],
    fields: Partial<DeliveryRecord>,
  ): void {
    this.log.record(this.sb.clock.now(), channel, url, items, fields);
  }

  /** Sends everything queued now, ignoring delays and backoff, and waits for the attempts. */
  async flush(): Promise<DeliveryRecord[]> {
    const before = this.log.lastSeq;
    await Promise.all([...this.busy.values()]);
    await Promise.all(this.pump(true));
    await Promise.all([...this.busy.values()]);
    return this.since(before);
  }

  since(seq: number): DeliveryRecord[] {
    return this.log.since(seq);
  }

  get lastSeq(): number {
    return this.log.lastSeq;
  }

  /** The queue as the control API shows it (no payloads, no clientState). */
  pending() {
    return this.queue.map((p) => ({
      id: p.id,
      channel: p.channel,
      url: p.url,
      subscriptionId: p.subscriptionId,
      tenantId: p.tenantId,
      lifecycleEvent: p.item.lifecycleEvent ?? undefined,
      attempts: p.attempts,
      inFlight: p.inFlight,
      queuedAt: new Date(p.queuedAt).toISOString(),
      dueAt: new Date(p.dueAt).toISOString(),
    }));
  }

  endpoints() {
    return this.slow.describe(this.now());
  }

  reset(): void {
    this.generation++;
    this.queue = [];
    this.log.clear();
    this.slow.clear();
    this.busy.clear();
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.timerDueAt = Infinity;
  }
}
