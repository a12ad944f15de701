import type { ChangeNotification } from '@microsoft/microsoft-graph-types';

export type Channel = 'notification' | 'lifecycle';
export type DropReason = 'fault' | 'slowEndpoint' | 'retriesExhausted' | 'subscriptionGone';

/** One line of the delivery log: an attempt or a drop. Never carries clientState or payloads. */
export interface DeliveryRecord {
  seq: number;
  /** Sandbox time of the attempt or drop. */
  at: string;
  channel: Channel;
  url: string;
  status: number | null;
  error?: 'timeout' | 'network';
  /** Real milliseconds until the status line (null when nothing was sent). */
  durationMs: number | null;
  slow: boolean;
  dropped: boolean;
  reason?: DropReason;
  itemCount: number;
  /** Which attempt this was (1 = first; highest in the batch); for drops, attempts made before. */
  attempt: number;
  subscriptionIds: string[];
  tenantIds: string[];
  lifecycleEvents?: string[];
  validationTokenCount: number;
}

const MAX_LOG = 5_000;
const uniq = (xs: string[]) => [...new Set(xs)];

/** The bounded delivery log behind `GET /_sandbox/notifications/log`. */
export class DeliveryLog {
  private entries: DeliveryRecord[] = [];
  private seq = 0;

  record(
    at: Date,
    channel: Channel,
    url: string,
    items: ChangeNotification[],
    fields: Partial<DeliveryRecord>,
  ): void {
    const lifecycleEvents = items.map((i) => i.lifecycleEvent ?? '').filter(Boolean);
    this.entries.push({
      seq: ++this.seq,
      at: at.toISOString(),
      channel,
      url,
      status: null,
      durationMs: null,
      slow: false,
      dropped: false,
      itemCount: items.length,
      attempt: 1,
      subscriptionIds: uniq(items.map((i) => i.subscriptionId ?? '')),
      tenantIds: uniq(items.map((i) => i.tenantId ?? '')),
      ...(lifecycleEvents.length > 0 ? { lifecycleEvents } : {}),
      validationTokenCount: 0,
      ...fields,
    });
    if (this.entries.length > MAX_LOG) this.entries.splice(0, this.entries.length - MAX_LOG);
  }

  since(seq: number): DeliveryRecord[] {
    return this.entries.filter((r) => r.seq > seq);
  }

  get lastSeq(): number {
    return this.seq;
  }

  clear(): void {
    this.entries = [];
  }
}
