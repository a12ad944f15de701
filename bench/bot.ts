// The bot's own cost, each against a bare botbuilder baseline on the same CloudAdapter, same run:
// (1) a `schedule …` command until its preview card is posted; (2) one living-card refresh fanned
// out to 50 posted copies. Sandbox and product in this process, no added latency, worker off.
// Run: npx tsx bench/bot.ts [<commands> [<rounds>]]   (copy the output to bench/RESULTS.md)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Activity, ConversationReference } from 'botbuilder';
import { Agent, fetch } from 'undici';
import { meetingSnapshot, refreshCards, type CardDeps } from '../api/src/domain/meetings/cards';
import type { Feature } from '../api/src/http/features';
import { silentLogger } from '../api/src/log/logger';
import type { Service, ServiceDeps } from '../api/src/main';
import type { BotDeps } from '../bot/src/app/deps';
import { livingCard } from '../bot/src/app/living-card';
import { decodeReference } from '../bot/src/conversation-ref';
import { BotCardDelivery } from '../bot/src/delivery';
import { botFeature } from '../bot/src/feature';
import { cardActivity } from '../bot/src/turn';
import { teamsUserId } from '../sandbox/src/connector-store';
import {
  actionsOf,
  cardOf,
  channelToken,
  CONTOSO,
  CONTOSO_STAFF,
  textOf,
  type RecordedActivity,
} from '../tests/helpers/bot';
import { startTestSandbox, type TestSandbox } from '../tests/helpers/sandbox';
import { startServiceOnSandbox } from '../tests/helpers/service';

type Json = Record<string, unknown>;

const SCHEDULE = 'schedule Quarterly review with jane@acme.example tomorrow 3pm for 45 min';
const WARMUP = 30;
/** The bot allows 10 messages per chat per 10 s: commands rotate over enough chats to stay under. */
const chatsFor = (commands: number) => Math.max(100, Math.ceil((2 * (WARMUP + commands)) / 6));
const COPIES = 50;
const REFRESH_WARMUP = 3;

interface Env {
  sb: TestSandbox;
  service: Service;
  botId: string;
  serviceUrl: string;
  token: string;
  http: Agent;
  /** What the bare route answers with: one sendActivity of this (set once a preview is seen). */
  bare: { reply: Partial<Activity> };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function stats(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95) };
}

/** The baseline's route: the product's own signed CloudAdapter, with no bot behind it. */
function bareBotFeature(bare: Env['bare']): Feature<ServiceDeps> {
  return {
    name: 'bench-bare-bot',
    register(routes, deps) {
      routes.post('/bench/bare', async (req, res) => {
        await deps().bot!.adapters.signed.process(req, res, async (ctx) => {
          await ctx.sendActivity(bare.reply);
        });
      });
    },
  };
}

async function start(dir: string): Promise<Env> {
  const sb = await startTestSandbox();
  const bare: Env['bare'] = { reply: { type: 'message', text: 'ok' } };
  // No worker: nothing runs beside the measured code (the card.refresh jobs queued stay queued).
  const started = await startServiceOnSandbox(
    sb,
    dir,
    { WORKER_ENABLED: 'false', LOG_LEVEL: 'silent' },
    { features: [botFeature<ServiceDeps>(), bareBotFeature(bare)] },
  ).catch(async (err: unknown) => {
    await sb.stop();
    throw err;
  });
  const { service, info } = started;
  const botId = info.app.botId;
  const serviceUrl = `${sb.url}/connector/`;
  // One channel token for the whole run: signing is Teams' cost, not the bot's.
  const token = await channelToken(sb, botId, serviceUrl);
  const http = new Agent({ keepAliveTimeout: 60_000 });
  return { sb, service, botId, serviceUrl, token, http, bare };
}

function activity(env: Env, conversationId: string, extra: Json): Json {
  return {
    type: 'message',
    id: `bench-${Math.random().toString(36).slice(2)}`,
    channelId: 'msteams',
    serviceUrl: env.serviceUrl,
    timestamp: new Date().toISOString(),
    locale: 'en-US',
    localTimezone: 'Europe/London',
    from: { id: teamsUserId(CONTOSO, CONTOSO_STAFF), aadObjectId: CONTOSO_STAFF },
    recipient: { id: `28:${env.botId}` },
    conversation: { id: conversationId, conversationType: 'groupChat', isGroup: true },
    channelData: { tenant: { id: CONTOSO } },
    ...extra,
  };
}

/** POSTs one signed activity as Teams would; answers once the bot's HTTP answer is read. */
async function post(
  env: Env,
  route: string,
  body: Json,
): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${env.service.port}${route}`, {
    method: 'POST',
    dispatcher: env.http,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${env.token}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${route} → ${res.status} ${text}`);
  return { status: res.status, body: text };
}

async function groupChats(env: Env, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const conv = (await env.sb.control('POST', '/_sandbox/connector/conversations', {
      tenantId: CONTOSO,
      conversationType: 'groupChat',
    })) as { id: string };
    ids.push(conv.id);
  }
  return ids;
}

async function fromBot(env: Env, conversationId: string): Promise<RecordedActivity[]> {
  const res = (await env.sb.control(
    'GET',
    `/_sandbox/connector/conversations/${encodeURIComponent(conversationId)}/activities`,
  )) as { activities: RecordedActivity[] };
  return res.activities.filter((a) => a.direction === 'fromBot');
}

/** The connector calls since `seq` answered 2xx, and how many there were. */
function connectorCalls(env: Env, seq: number, method: string): number {
  const calls = env.sb.log.since(seq).filter((r) => r.path.startsWith('/connector/v3/'));
  const bad = calls.find((r) => r.status >= 300 || r.method !== method);
  if (bad) throw new Error(`connector answered ${bad.method} ${bad.path} → ${bad.status}`);
  return calls.length;
}

type Subject = 'bare' | 'help' | 'preview';

async function turn(env: Env, subject: Subject, chat: string): Promise<number> {
  const route = subject === 'bare' ? '/bench/bare' : '/api/messages';
  const body = activity(env, chat, { text: subject === 'help' ? 'help' : SCHEDULE });
  const seq = env.sb.log.lastSeq;
  const t0 = performance.now();
  await post(env, route, body);
  const ms = performance.now() - t0;
  if (connectorCalls(env, seq, 'POST') !== 1) throw new Error(`${subject}: not one reply`);
  return ms;
}

/** Measurement 1: parse + resolve + preview card, against the same activity answered bare. */
async function measurePreview(env: Env, n: number) {
  const chats = await groupChats(env, chatsFor(n));
  for (const chat of chats) await turn(env, 'help', chat); // the bot meets each chat once
  await turn(env, 'preview', chats[0]);
  const card = (await fromBot(env, chats[0])).map((a) => cardOf(a.current)).find(Boolean);
  // The contact was resolved (not asked about): the path measured is the whole preview.
  if (!card || !textOf(card).includes('Jane Doe')) throw new Error('no preview card for Jane Doe');
  env.bare.reply = cardActivity(card);
  const times: Record<Subject, number[]> = { bare: [], help: [], preview: [] };
  const order: Subject[] = ['bare', 'help', 'preview'];
  let k = 1;
  for (let i = 0; i < WARMUP + n; i++) {
    for (let j = 0; j < order.length; j++) {
      const subject = order[(i + j) % order.length];
      const ms = await turn(env, subject, chats[k++ % chats.length]);
      if (i >= WARMUP) times[subject].push(ms);
    }
  }
  const cards = (await Promise.all(chats.map((c) => fromBot(env, c))))
    .flat()
    .filter((a) => cardOf(a.current)).length;
  // Every preview and every bare answer is the card; help and a "slow down" are text.
  if (cards !== 2 * (WARMUP + n) + 1) throw new Error(`expected cards, saw ${cards}`);
  return times;
}

/** One meeting whose living card sits in `COPIES` group chats (created in the first). */
async function fannedOutMeeting(env: Env): Promise<{ meetingId: string; chats: string[] }> {
  const chats = await groupChats(env, COPIES);
  await post(env, '/api/messages', activity(env, chats[0], { text: SCHEDULE }));
  const preview = (await fromBot(env, chats[0])).find((a) => cardOf(a.current))!;
  const create = actionsOf(cardOf(preview.current)).find((a) => a.verb === 'draft.create')!;
  const answer = await post(
    env,
    '/api/messages',
    activity(env, chats[0], {
      type: 'invoke',
      name: 'adaptiveCard/action',
      replyToId: preview.id,
      value: { action: { type: 'Action.Execute', verb: create.verb, data: create.data } },
    }),
  );
  const living = (JSON.parse(answer.body) as { value: Json }).value;
  const meetingId = String(
    actionsOf(living).find((a) => a.verb === 'meeting.refresh')?.data.meetingId,
  );
  const code = meetingId.replace(/-/g, '').slice(0, 6);
  for (const chat of chats.slice(1)) {
    await post(env, '/api/messages', activity(env, chat, { text: `refresh ${code}` }));
  }
  const copies = await env.service.repositories.meetingCards.list(CONTOSO, { meetingId });
  if (copies.length !== COPIES) throw new Error(`expected ${COPIES} copies, saw ${copies.length}`);
  return { meetingId, chats };
}

function botDeps(env: Env): BotDeps {
  const s = env.service;
  return {
    log: silentLogger,
    clock: s.clock,
    repos: s.repositories,
    uow: s.uow,
    directory: s.directory,
    meetings: s.meetings,
    // The composition root's deep link, in shape (only its length matters here).
    interactionLink: (id) => {
      const context = encodeURIComponent(JSON.stringify({ subEntityId: id }));
      return `https://teams.microsoft.com/l/entity/${env.botId}/meetings?context=${context}`;
    },
  };
}

/** The baseline: references and the card ready in memory, one proactive updateActivity each. */
async function bareUpdater(env: Env, deps: BotDeps, meetingId: string) {
  const adapter = env.service.bot!.adapters.signed;
  const cards = await deps.repos.meetingCards.list(CONTOSO, { meetingId });
  const rows = await Promise.all(
    cards.map(async (c) => {
      const row = await deps.repos.conversationRefs.get(CONTOSO, {
        conversationId: c.conversationId,
      });
      return row!;
    }),
  );
  const targets = cards.map((c, i) => ({
    reference: decodeReference(rows[i].reference)!.reference as ConversationReference,
    activityId: c.activityId,
  }));
  const snapshot = (await meetingSnapshot(deps.repos, CONTOSO, meetingId))!;
  const viewers = decodeReference(rows[0].reference)!.viewers;
  const rendered = cardActivity(livingCard(deps, snapshot, { viewers }));
  return async () => {
    for (const t of targets) {
      let failure: unknown = null;
      await adapter.continueConversationAsync(env.botId, t.reference, async (ctx) => {
        await ctx.updateActivity({ ...rendered, id: t.activityId }).catch((err: unknown) => {
          failure = err;
        });
      });
      if (failure) throw failure;
    }
  };
}

/** Measurement 2: `refreshCards` over 50 copies, against 50 bare updates of the same activities. */
async function measureRefresh(env: Env, rounds: number) {
  const { meetingId, chats } = await fannedOutMeeting(env);
  const deps = botDeps(env);
  const cardDeps: CardDeps = {
    repos: deps.repos,
    clock: deps.clock,
    delivery: new BotCardDelivery(env.service.bot!.adapters, deps),
  };
  const bare = await bareUpdater(env, deps, meetingId);
  const ours = async () => {
    const r = await refreshCards(cardDeps, CONTOSO, meetingId, new AbortController().signal);
    if (r.updated !== COPIES) throw new Error(`refresh updated ${r.updated} of ${COPIES}`);
  };
  const times = { bare: [] as number[], ours: [] as number[] };
  for (let i = 0; i < REFRESH_WARMUP + rounds; i++) {
    const pair: ['bare' | 'ours', () => Promise<void>][] = [
      ['bare', bare],
      ['ours', ours],
    ];
    if (i % 2) pair.reverse();
    for (const [name, run] of pair) {
      const seq = env.sb.log.lastSeq;
      const t0 = performance.now();
      await run();
      const ms = performance.now() - t0;
      if (connectorCalls(env, seq, 'PUT') !== COPIES)
        throw new Error(`${name}: not ${COPIES} updates`);
      if (i >= REFRESH_WARMUP) times[name].push(ms);
    }
  }
  const versions = 1 + 2 * (REFRESH_WARMUP + rounds);
  for (const chat of chats) {
    const copy = (await fromBot(env, chat)).find((a) => cardOf(a.current));
    if ((copy?.versions.length ?? 0) < versions) throw new Error(`copy in ${chat} not updated`);
  }
  return times;
}

function table(title: string, rows: [string, number[]][]): string[] {
  const base = stats(rows[0][1]);
  const cols = ['p50 ms', 'p95 ms', 'p50 ratio', 'p95 ratio'];
  const lines = rows.map(([name, v]) => {
    const s = stats(v);
    const cells = [s.p50, s.p95].map((x) => x.toFixed(2));
    cells.push(`${(s.p50 / base.p50).toFixed(2)}x`, `${(s.p95 / base.p95).toFixed(2)}x`);
    return `${name.padEnd(50)}${cells.map((c) => c.padStart(10)).join('')}`;
  });
  return [title, `${''.padEnd(50)}${cols.map((c) => c.padStart(10)).join('')}`, ...lines];
}

function report(
  n: number,
  rounds: number,
  m1: Record<Subject, number[]>,
  m2: { bare: number[]; ours: number[] },
): string {
  const perCopy = (v: number[]) => (stats(v).p50 / COPIES).toFixed(2);
  return [
    `node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${os.platform()}`,
    '',
    ...table(`1. one command until its reply is posted (${n} each, after ${WARMUP} warm-up)`, [
      ['bare: same activity, one sendActivity (the card)', m1.bare],
      ['help: the bot, one text reply', m1.help],
      ['schedule → preview card', m1.preview],
    ]),
    `preview / help (p50): ${(stats(m1.preview).p50 / stats(m1.help).p50).toFixed(2)}x`,
    '',
    ...table(
      `2. one card refresh to ${COPIES} copies (${rounds} rounds, after ${REFRESH_WARMUP})`,
      [
        [`bare: ${COPIES} × continueConversation + updateActivity`, m2.bare],
        [`refreshCards, ${COPIES} copies`, m2.ours],
      ],
    ),
    `per copy (p50): bare ${perCopy(m2.bare)} ms, refreshCards ${perCopy(m2.ours)} ms`,
    '',
    `reproduce: npm run bench:bot -- ${n} ${rounds}   (or npx tsx bench/bot.ts ${n} ${rounds})`,
  ].join('\n');
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 300);
  const rounds = Number(process.argv[3] ?? 30);
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(rounds) || rounds < 1) {
    throw new Error('usage: bench/bot.ts [<commands> [<rounds>]] (positive integers)');
  }
  const t0 = performance.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ift-bench-bot-'));
  const env = await start(dir);
  try {
    const m1 = await measurePreview(env, n);
    const m2 = await measureRefresh(env, rounds);
    const seconds = ((performance.now() - t0) / 1000).toFixed(0);
    process.stdout.write(`${report(n, rounds, m1, m2)}\nran in ${seconds} s\n`);
  } finally {
    await env.service.stop();
    await env.sb.stop();
    await env.http.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
