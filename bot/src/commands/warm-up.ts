import { parseCommand } from './grammar';

/** Parses a few commands once, so chrono's first (slow) compile happens at start, not in a turn. */
export function warmUpParser(): void {
  const now = new Date();
  for (const text of [
    'schedule Warm up with jane@example.com tomorrow 3pm for 45 min',
    'reschedule 1 next tuesday 10:30',
  ]) {
    parseCommand(text, { now, timeZone: 'Europe/London' });
  }
}
