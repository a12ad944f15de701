import type { SandboxModule } from './sandbox';
import { register as entra } from './entra';
import { register as users } from './graph/users';
import { register as events } from './graph/events';
import { register as onlineMeetings } from './graph/online-meetings';
import { register as artifacts } from './graph/artifacts';
import { register as subscriptions } from './graph/subscriptions';
import { register as connector } from './connector';
import { register as tabHost } from './tab-host';

/** Every module of the local Microsoft cloud, each registering its own routes. */
export const MODULES: SandboxModule[] = [
  entra,
  users,
  events,
  onlineMeetings,
  artifacts,
  subscriptions,
  connector,
  tabHost,
];
