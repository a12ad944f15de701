import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Sandbox } from './sandbox';
import { SANDBOX_APP, type SandboxTenant, type SandboxUser } from './seed';

/** A Teams conversation the connector knows: a personal chat, a group/meeting chat or a channel. */
export interface ConnectorConversation {
  id: string;
  tenantId: string;
  conversationType: 'personal' | 'groupChat' | 'channel';
  isGroup: boolean;
  topicName?: string;
  /** The user of a personal chat (its other member is the bot). */
  userOid?: string;
  createdAt: string;
  /** Who made it: the bot (`POST /v3/conversations`) or the sandbox (control API, bot/send). */
  createdBy: 'bot' | 'sandbox';
  /** False when the bot is not in the roster (never added, or uninstalled); absent means installed. */
  installed?: boolean;
  /** The last install or uninstall through the control API (`/_sandbox/apps/*`, `bot/send`). */
  installation?: Installation;
  /** A meeting chat: the onlineMeeting it belongs to. */
  meetingId?: string;
}

/** How the app came into (or left) a conversation. */
export interface Installation {
  scope: 'personal' | 'groupChat' | 'meeting';
  /** The bot's app id at install time (the registration's). */
  appId: string;
  /** The user who installed or uninstalled it. */
  byOid: string;
  installedAt: string;
  uninstalledAt?: string;
}

/** What one user sees in place of the base card after an `adaptiveCard/action` returned a card. */
export interface UserView {
  card: Record<string, unknown>;
  at: string;
  trigger: 'manual' | 'automatic';
  verb: string;
  /** The number of versions the activity had: a later update shows everyone the new base card. */
  basedOnVersion: number;
}

/** One state of an activity: what was sent, then each update, with when and through which call. */
export interface ActivityVersion {
  op: 'send' | 'reply' | 'update' | 'create' | 'toBot';
  at: string;
  /** The app id in the bearer token (absent when the connector ran without auth). */
  appId?: string;
  activity: Record<string, unknown>;
}

/** An activity with its whole history; deleting keeps it, marked with `deletedAt`. */
export interface RecordedActivity {
  conversationId: string;
  id: string;
  /** Order of arrival across the sandbox (activity ids are not sortable). */
  seq: number;
  /** `toBot`: sent by the sandbox to the bot; `fromBot`: sent by the bot to the connector. */
  direction: 'toBot' | 'fromBot';
  replyToId?: string;
  deletedAt?: string;
  versions: ActivityVersion[];
  /** Per-user card views by user oid (Universal Actions); only those on the current version show. */
  userViews?: Record<string, UserView>;
}

export interface ConnectorSettings {
  /** False only in Agents-Playground-style runs where the bot has no app id (no tokens at all). */
  requireAuth: boolean;
}

const CONVERSATIONS = 'connectorConversations';
const ACTIVITIES = 'connectorActivities';
const SETTINGS = 'connectorSettings';

/** The connector's state inside the sandbox store (so it survives a restart and clears on reset). */
export class ConnectorState {
  constructor(private readonly sb: Sandbox) {}

  private get conversations() {
    return this.sb.store.collection<ConnectorConversation>(CONVERSATIONS);
  }

  private get activities() {
    return this.sb.store.collection<RecordedActivity>(ACTIVITIES);
  }

  settings(): ConnectorSettings {
    return (
      this.sb.store.collection<ConnectorSettings>(SETTINGS).get('settings') ?? {
        requireAuth: true,
      }
    );
  }

  saveSettings(s: ConnectorSettings): void {
    this.sb.store.collection<ConnectorSettings>(SETTINGS).set('settings', s);
    this.sb.store.changed();
  }

  conversation(id: string): ConnectorConversation | undefined {
    return this.conversations.get(id);
  }

  listConversations(): ConnectorConversation[] {
    return [...this.conversations.values()];
  }

  /** The one personal chat between the bot and a user (Teams gives the same id each time). */
  personalConversation(tenantId: string, userOid: string): ConnectorConversation | undefined {
    return this.listConversations().find(
      (c) => c.conversationType === 'personal' && c.tenantId === tenantId && c.userOid === userOid,
    );
  }

  /** Changes a conversation record (install state, topic) and saves it. */
  saveConversation(conv: ConnectorConversation): void {
    this.conversations.set(conv.id, conv);
    this.sb.store.changed();
  }

  createConversation(
    c: Omit<ConnectorConversation, 'id' | 'createdAt'> & { id?: string },
  ): ConnectorConversation {
    const conv: ConnectorConversation = {
      ...c,
      id: c.id ?? newConversationId(c.conversationType),
      createdAt: this.sb.clock.now().toISOString(),
    };
    this.conversations.set(conv.id, conv);
    this.sb.store.changed();
    return conv;
  }

  activity(conversationId: string, id: string): RecordedActivity | undefined {
    return this.activities.get(activityKey(conversationId, id));
  }

  activitiesOf(conversationId: string): RecordedActivity[] {
    return [...this.activities.values()]
      .filter((a) => a.conversationId === conversationId)
      .sort((a, b) => a.seq - b.seq);
  }

  /** Records a new activity under a fresh Teams-style id (or the one given) and returns it. */
  addActivity(
    conversationId: string,
    direction: RecordedActivity['direction'],
    version: Omit<ActivityVersion, 'at'>,
    id?: string,
  ): RecordedActivity {
    const at = this.sb.clock.now();
    const seq = this.activities.size + 1;
    const activityId = id ?? String(at.getTime() * 1000 + (seq % 1000));
    const replyToId = version.activity.replyToId;
    const record: RecordedActivity = {
      conversationId,
      id: activityId,
      seq,
      direction,
      ...(typeof replyToId === 'string' ? { replyToId } : {}),
      versions: [
        { ...version, activity: { ...version.activity, id: activityId }, at: at.toISOString() },
      ],
    };
    this.activities.set(activityKey(conversationId, activityId), record);
    this.sb.store.changed();
    return record;
  }

  addVersion(record: RecordedActivity, version: Omit<ActivityVersion, 'at'>): void {
    record.versions.push({ ...version, at: this.sb.clock.now().toISOString() });
    this.sb.store.changed();
  }

  setUserView(record: RecordedActivity, userOid: string, view: Omit<UserView, 'at'>): UserView {
    const saved = { ...view, at: this.sb.clock.now().toISOString() };
    record.userViews = { ...record.userViews, [userOid]: saved };
    this.sb.store.changed();
    return saved;
  }

  markDeleted(record: RecordedActivity): void {
    record.deletedAt = this.sb.clock.now().toISOString();
    this.sb.store.changed();
  }
}

/** Whether the bot is in the conversation's roster (conversations saved before installs count). */
export function isInstalled(conv: ConnectorConversation): boolean {
  return conv.installed !== false;
}

function activityKey(conversationId: string, id: string): string {
  return `${conversationId}\n${id}`;
}

/** Teams-looking conversation ids: `a:1…` for personal chats, `19:…@thread.v2` for group chats. */
export function newConversationId(type: ConnectorConversation['conversationType']): string {
  if (type === 'personal') return `a:1${randomBytes(48).toString('base64url')}`;
  const hex = randomUUID().replace(/-/g, '');
  return type === 'channel' ? `19:${hex}@thread.tacv2` : `19:${hex}@thread.v2`;
}

/** A user's Teams id (`29:1…`): opaque in Teams; here derived from tenant and oid so it is stable. */
export function teamsUserId(tenantId: string, oid: string): string {
  return `29:1${createHash('sha256').update(`${tenantId}/${oid}`).digest('base64url').slice(0, 40)}`;
}

/** The bot's Teams id. */
export function teamsBotId(appId: string = SANDBOX_APP.botId): string {
  return `28:${appId}`;
}

/** A user as the connector returns them (`TeamsChannelAccount`). */
export function channelAccount(tenant: SandboxTenant, u: SandboxUser): Record<string, unknown> {
  return {
    id: teamsUserId(tenant.tenantId, u.id),
    name: u.displayName,
    aadObjectId: u.id,
    givenName: u.givenName,
    surname: u.surname,
    email: u.mail ?? u.userPrincipalName,
    userPrincipalName: u.userPrincipalName,
    tenantId: tenant.tenantId,
    userRole: 'user',
  };
}

/** Bot Framework's error envelope (`ErrorResponse`). */
export function connectorErrorBody(code: string, message: string): { error: object } {
  return { error: { code, message } };
}
