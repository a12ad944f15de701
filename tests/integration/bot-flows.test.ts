import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Service } from '../../api/src/main';
import { actionsOf, cardOf, TeamsChat, textOf, CONTOSO } from '../helpers/bot';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';
import { startServiceOnSandbox } from '../helpers/service';
import { until } from '../helpers/wait';

describe('bot: chat commands through the real CloudAdapter, verified channel tokens', () => {
  let sb: TestSandbox;
  let dir: string;
  let service: Service;

  beforeAll(async () => {
    sb = await startTestSandbox();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ift-bot-'));
    ({ service } = await startServiceOnSandbox(sb, dir, { WORKER_POLL_MS: '50' }));
  });

  afterAll(async () => {
    await service?.stop();
    await sb?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers help with the command list', async () => {
    const chat = new TeamsChat(sb, service);
    const res = await chat.say('help');
    expect(res.status).toBe(200);
    const texts = await until(
      () => chat.texts(),
      (t) => t.length > 0,
    );
    expect(texts.join('\n')).toMatch(/schedule/i);
    expect(texts.join('\n')).toMatch(/reschedule/i);
  });

  it('previews a schedule command, and a double Create makes exactly one meeting whose card updates in place', async () => {
    const chat = new TeamsChat(sb, service);
    await chat.say('schedule Quarterly review with jane@acme.example tomorrow 3pm for 45 min');
    const preview = await chat.lastCard();
    const card = cardOf(preview.current);
    expect(textOf(card)).toContain('Quarterly review');
    expect(textOf(card)).toContain('Jane Doe');
    const create = actionsOf(card).find((a) => a.verb === 'draft.create');
    expect(create).toBeDefined();
    const [a, b] = await Promise.all([
      chat.click(preview.id, 'draft.create', create?.data ?? {}),
      chat.click(preview.id, 'draft.create', create?.data ?? {}),
    ]);
    for (const r of [a, b]) {
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        statusCode: 200,
        type: 'application/vnd.microsoft.card.adaptive',
      });
    }
    const meetings = await service.repositories.onlineMeetings.list(CONTOSO, {
      subject: 'Quarterly review',
    });
    expect(meetings).toHaveLength(1);
    const events = (await sb.control('GET', `/_sandbox/events?tenantId=${CONTOSO}`)) as {
      summary: { duplicates: number };
      events: { subject: string }[];
    };
    expect(events.events.filter((e) => e.subject === 'Quarterly review')).toHaveLength(1);
    // The card refresh job updates the same activity (the preview's) to the living card.
    const updated = await until(
      async () => (await chat.fromBot()).find((x) => x.id === preview.id),
      (x) => Boolean(x && x.versions.length > 1 && textOf(cardOf(x.current)).includes('Join')),
    );
    expect(updated?.versions.at(-1)?.op).toBe('update');
    expect(textOf(cardOf(updated?.current ?? {}))).toMatch(/Scheduled/);
  });
});
