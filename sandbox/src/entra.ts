import type { Sandbox } from './sandbox';

/** Not built yet. */
export function register(_sb: Sandbox): void {}
