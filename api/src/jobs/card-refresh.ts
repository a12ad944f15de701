import { JOB_PAYLOADS } from '../domain/ports/job-queue';
import { refreshCards, type CardDeps } from '../domain/meetings/cards';
import { defineJob } from './registry';

/**
 * `card.refresh`: updates every posted copy of a meeting's living card in place. Copies that are
 * gone are forgotten; any other failure retries the job (with the worker's backoff).
 */
export function cardRefreshJob(deps: CardDeps) {
  return defineJob({
    kind: 'card.refresh',
    scope: 'tenant',
    payload: JOB_PAYLOADS['card.refresh'],
    async run({ meetingId }, { tenantId, signal, log }) {
      const result = await refreshCards(deps, tenantId, meetingId, signal);
      if (result.forgotten > 0) {
        log.info({ meetingId, forgotten: result.forgotten }, 'cards no longer reachable forgotten');
      }
      if (result.failed > 0) throw result.error;
    },
  });
}
