import type { Sandbox } from '../sandbox';
import { subscriptionStore, type StoredSubscription } from './subscription-model';

const LAST_HOUR_MS = 3_600_000;
const REPEAT_MS = 15 * 60_000;

const ms = (iso: string | null) => (iso ? Date.parse(iso) : -Infinity);

/**
 * Per-subscription sandbox timers: a `reauthorizationRequired` challenge when a quarter of the
 * lifetime remains, repeated every 15 min in the last hour while unanswered; purge at expiry.
 */
export class SubscriptionTimers {
  private readonly cancels = new Map<string, () => void>();

  constructor(
    private readonly sb: Sandbox,
    private readonly hooks: {
      challenge(sub: StoredSubscription): void;
      expire(sub: StoredSubscription): void;
    },
  ) {}

  private static quarterMark(sub: StoredSubscription): number {
    const expiry = Date.parse(sub.expirationDateTime);
    return expiry - (expiry - Date.parse(sub.lifetimeStart)) / 4;
  }

  /** When the next challenge is due, or Infinity when none will be sent. */
  private static nextChallenge(sub: StoredSubscription): number {
    if (!sub.lifecycleNotificationUrl) return Infinity;
    const quarter = SubscriptionTimers.quarterMark(sub);
    const last = ms(sub.lastChallengeAt);
    if (last < quarter) return quarter;
    if (ms(sub.reauthorizedAt) > last) return Infinity;
    return Math.max(last + REPEAT_MS, Date.parse(sub.expirationDateTime) - LAST_HOUR_MS);
  }

  /** (Re)arms the one timer of a subscription for its next challenge or its expiry. */
  arm(sub: StoredSubscription): void {
    this.disarm(sub.id);
    const now = this.sb.clock.now().getTime();
    const expiry = Date.parse(sub.expirationDateTime);
    const wake = Math.min(expiry, SubscriptionTimers.nextChallenge(sub));
    const cancel = this.sb.after(Math.max(0, wake - now), () => {
      this.cancels.delete(sub.id);
      this.wake(sub.id);
    });
    this.cancels.set(sub.id, cancel);
  }

  private wake(id: string): void {
    const subs = subscriptionStore(this.sb);
    const sub = subs.get(id);
    if (!sub) return;
    const now = this.sb.clock.now();
    if (now.getTime() >= Date.parse(sub.expirationDateTime)) {
      this.hooks.expire(sub);
      return;
    }
    if (now.getTime() >= SubscriptionTimers.nextChallenge(sub)) {
      sub.lastChallengeAt = now.toISOString();
      this.sb.store.changed();
      this.hooks.challenge(sub);
    }
    this.arm(sub);
  }

  disarm(id: string): void {
    this.cancels.get(id)?.();
    this.cancels.delete(id);
  }

  clear(): void {
    for (const cancel of this.cancels.values()) cancel();
    this.cancels.clear();
  }
}
