import { InitialSchema1764201600000 } from './1764201600000-initial-schema';
import { CoreHardening1796169600000 } from './1796169600000-core-hardening';
import { BotConversations1796342400000 } from './1796342400000-bot-conversations';

/** Every migration, oldest first. Append only; never edit one that has been merged. */
export const migrations = [
  InitialSchema1764201600000,
  CoreHardening1796169600000,
  BotConversations1796342400000,
];
