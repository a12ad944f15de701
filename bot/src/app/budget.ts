import type { Logger } from '../../../api/src/log/logger';

/** Teams waits about 5 s for a card action's answer; this leaves room for rendering and the wire. */
export const INVOKE_BUDGET_MS = 3500;
/** A chat message's turn has longer (Teams retries a bot that takes ~15 s). */
export const MESSAGE_BUDGET_MS = 10_000;

/**
 * Waits for `work` at most `ms`; after that answers 'late' and lets it finish on its own (its
 * outcome reaches the card through the card refresh its change queues; a failure is logged).
 */
export async function withinBudget<T>(
  work: Promise<T>,
  ms: number,
  log: Logger,
  what: string,
): Promise<T | 'late'> {
  work.catch((err: unknown) => log.warn({ err, what }, 'work answered late failed'));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Shown on a card whose change is still going through. */
export const STILL_WORKING = 'Still working on it; this card updates itself when Teams confirms.';
