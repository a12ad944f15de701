import type { DomainEvent, Notifier } from '../domain/ports/notifier';
import type { Logger } from '../log/logger';

/** Delivers domain events to in-process listeners (card refresh, tab updates subscribe later). */
export class InProcessNotifier implements Notifier {
  private readonly listeners: ((event: DomainEvent) => Promise<void>)[] = [];

  constructor(private readonly log: Logger) {}

  subscribe(listener: (event: DomainEvent) => Promise<void>): void {
    this.listeners.push(listener);
  }

  async publish(event: DomainEvent): Promise<void> {
    this.log.info(
      {
        event: event.type,
        tenantId: event.tenantId,
        meetingId: event.meetingId,
        ...('to' in event ? { to: event.to, reason: event.reason } : {}),
      },
      'domain event',
    );
    for (const listener of this.listeners) {
      // A listener's failure must not undo what already happened.
      await listener(event).catch((err: unknown) =>
        this.log.error({ err, event: event.type }, 'domain event listener failed'),
      );
    }
  }
}
