import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Service } from '../../api/src/main';
import { startTestSandbox, type TestSandbox } from './sandbox';
import { startServiceOnSandbox } from './service';
import { until } from './wait';

type Json = Record<string, unknown>;

export interface RecordedActivity {
  id: string;
  direction: 'toBot' | 'fromBot';
  current: Json;
  versions: { op: string; activity: Json }[];
  userViews?: Record<string, unknown>;
}

export const CONTOSO = '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7';
export const CONTOSO_STAFF = '5d7f9b1c-3e5a-4c7e-9b1d-2f4a6c8e0b3d';

/** Plays Teams towards the product's bot through the sandbox (signed channel tokens). */
export class TeamsChat {
  conversationId: string | undefined;

  /** `personal`: the user's one chat with the bot (shared by every TeamsChat of that user). */
  constructor(
    private readonly sb: TestSandbox,
    private readonly service: Service,
    readonly userOid = CONTOSO_STAFF,
    readonly tenantId = CONTOSO,
    kind: 'groupChat' | 'personal' = 'groupChat',
  ) {
    if (kind === 'groupChat')
      this.conversationId = `19:${randomUUID().replace(/-/g, '')}@thread.v2`;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.service.port}/api/messages`;
  }

  /** Sends one activity as this user; answers the bot's HTTP status and body. */
  async send(activity: Json): Promise<{ status: number; body: unknown; activity: Json }> {
    const conversation = this.conversationId ? { id: this.conversationId } : undefined;
    const res = (await this.sb.control('POST', '/_sandbox/bot/send', {
      botEndpoint: this.endpoint,
      tenantId: this.tenantId,
      userOid: this.userOid,
      activity: {
        ...activity,
        ...(conversation ? { conversation } : {}),
        from: { aadObjectId: this.userOid },
        localTimezone: 'Europe/London',
      },
    })) as { status: number; body: unknown; activity: Json };
    this.conversationId ??= (res.activity.conversation as Json).id as string;
    return res;
  }

  say(text: string) {
    return this.send({ type: 'message', text });
  }

  /** A click on a card's Action.Execute button. */
  click(activityId: string, verb: string, data: Json) {
    return this.send({
      type: 'invoke',
      name: 'adaptiveCard/action',
      replyToId: activityId,
      value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
    });
  }

  async activities(): Promise<RecordedActivity[]> {
    const res = (await this.sb.control(
      'GET',
      `/_sandbox/connector/conversations/${encodeURIComponent(this.conversationId ?? '')}/activities`,
    )) as { activities: RecordedActivity[] };
    return res.activities;
  }

  async fromBot(): Promise<RecordedActivity[]> {
    return (await this.activities()).filter((a) => a.direction === 'fromBot');
  }

  /** The bot's texts in order. */
  async texts(): Promise<string[]> {
    return (await this.fromBot()).map((a) => String(a.current.text ?? '')).filter(Boolean);
  }

  /** The bot's last card message. */
  async lastCard(): Promise<RecordedActivity> {
    const found = await until(
      async () => (await this.fromBot()).filter((a) => cardOf(a.current)).pop(),
      (a) => Boolean(a),
    );
    return found as RecordedActivity;
  }
}

/** The Adaptive Card inside an activity, if any. */
export function cardOf(activity: Json): Json | undefined {
  const atts = (activity.attachments ?? []) as Json[];
  return atts.find((a) => a.contentType === 'application/vnd.microsoft.card.adaptive')?.content as
    Json | undefined;
}

/** Every Action.Execute in a card (anywhere), by verb. */
export function actionsOf(card: unknown): { verb: string; data: Json; title?: string }[] {
  const out: { verb: string; data: Json; title?: string }[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Json;
    if (o.type === 'Action.Execute' && typeof o.verb === 'string') {
      out.push({ verb: o.verb, data: (o.data ?? {}) as Json, title: o.title as string });
    }
    for (const [k, child] of Object.entries(o)) if (k !== 'fallback') walk(child);
  };
  walk(card);
  return out;
}

/** All text shown on a card, joined (for "the card says …" checks). */
export function textOf(card: unknown): string {
  const parts: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Json;
    for (const key of ['text', 'title', 'value'])
      if (typeof o[key] === 'string') parts.push(o[key] as string);
    for (const child of Object.values(o)) walk(child);
  };
  walk(card);
  return parts.join(' | ');
}

/** A channel→bot token as the Bot Connector signs it (claims overridable for the JWT matrix). */
export function channelToken(
  sb: TestSandbox,
  audience: string,
  serviceUrl: string,
  over: Record<string, unknown> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sb.sandbox.keys.sign('botframework', {
    iss: 'https://api.botframework.com',
    aud: audience,
    serviceurl: serviceUrl,
    nbf: now - 300,
    exp: now + 3600,
    ...over,
  });
}

export interface BotWorld {
  sb: TestSandbox;
  service: Service;
  botId: string;
  /** The sandbox's Bot Connector, as activities carry it. */
  serviceUrl: string;
}

/**
 * A sandbox and the product on it for one test file (started before its tests, stopped after):
 * the fields are filled once `beforeAll` has run.
 */
export function botWorld(env: Record<string, string> = {}): BotWorld {
  const w = {} as BotWorld;
  let dir = '';
  beforeAll(async () => {
    w.sb = await startTestSandbox();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ift-bot-'));
    const { service, info } = await startServiceOnSandbox(w.sb, dir, env);
    w.service = service;
    w.botId = info.app.botId;
    w.serviceUrl = `${w.sb.url}/connector/`;
  });
  afterAll(async () => {
    await w.service?.stop();
    await w.sb?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return w;
}
