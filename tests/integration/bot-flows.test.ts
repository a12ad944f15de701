import http from 'node:http';
import { actionsOf, cardOf, TeamsChat, textOf, CONTOSO, botWorld } from '../helpers/bot';
import { until } from '../helpers/wait';

describe('bot: chat commands through the real CloudAdapter, verified channel tokens', () => {
  const w = botWorld({ WORKER_POLL_MS: '50' });

  it('answers help with the command list', async () => {
    const chat = new TeamsChat(w.sb, w.service);
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
    const chat = new TeamsChat(w.sb, w.service);
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
    const ids = [a, b].map((r) => {
      const card = (r.body as { value: unknown }).value;
      expect(textOf(card)).toContain('Quarterly review');
      return actionsOf(card).find((x) => x.verb === 'meeting.refresh')?.data.meetingId;
    });
    // Both presses answer with the same meeting (one of them perhaps still being created).
    expect(ids[0]).toBeDefined();
    expect(ids[1]).toBe(ids[0]);
    for (const r of [a, b]) {
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        statusCode: 200,
        type: 'application/vnd.microsoft.card.adaptive',
      });
    }
    // The preview's Edit form can no longer change what the meeting was made from.
    const late = await chat.click(preview.id, 'draft.update', {
      ...(create?.data ?? {}),
      subject: 'Renamed after the fact',
      date: '2031-01-01',
      time: '10:00',
      durationMinutes: 30,
    });
    expect(textOf((late.body as { value: unknown }).value)).toMatch(/already been created/);
    const meetings = await w.service.repositories.onlineMeetings.list(CONTOSO, {
      subject: 'Quarterly review',
    });
    expect(meetings).toHaveLength(1);
    const events = (await w.sb.control('GET', `/_sandbox/events?tenantId=${CONTOSO}`)) as {
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

  it('takes a tokenless activity only from this machine, by a loopback name, not relayed, answering a loopback connector', async () => {
    const post = (headers: Record<string, string>, connector = `${w.sb.url}/connector/`) =>
      new Promise<number>((resolve, reject) => {
        const body = JSON.stringify({
          type: 'message',
          id: `u-${Math.random()}`,
          channelId: 'msteams',
          serviceUrl: connector,
          text: 'help',
          from: { id: '29:x', aadObjectId: '5d7f9b1c-3e5a-4c7e-9b1d-2f4a6c8e0b3d' },
          recipient: { id: '28:bot' },
          conversation: { id: `a:unsigned-${Math.random()}`, tenantId: CONTOSO },
          channelData: { tenant: { id: CONTOSO } },
        });
        const req = http.request(
          {
            host: '127.0.0.1',
            port: w.service.port ?? 0,
            path: '/api/messages',
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    expect(await post({ host: `127.0.0.1:${w.service.port}` })).toBe(200);
    expect(await post({ host: 'attacker.example' })).toBe(401);
    expect(
      await post({ host: `127.0.0.1:${w.service.port}`, 'x-forwarded-for': '203.0.113.9' }),
    ).toBe(401);
    expect(await post({ host: `127.0.0.1:${w.service.port}` }, 'https://attacker.example/')).toBe(
      401,
    );
  });
});
