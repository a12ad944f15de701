import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, fetch } from 'undici';
import { startSandbox, type RunningSandbox } from '../../sandbox/src/server';

const CONTOSO = '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7';

describe('sandbox bot registration under npm start', () => {
  let dir: string;
  let running: RunningSandbox | undefined;
  let agent: Agent | undefined;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ift-sandbox-bot-'));
  });
  afterAll(async () => {
    await running?.stop();
    await agent?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(): Promise<string> {
    running = await startSandbox({ port: 0, dataDir: dir, persist: true });
    agent = agent ?? new Agent({ connect: { ca: fs.readFileSync(running.caFile, 'utf8') } });
    return running.url;
  }

  async function control(base: string, method: string, pathname: string, body?: unknown) {
    const res = await fetch(`${base}${pathname}`, {
      dispatcher: agent,
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it('keeps the registration across a restart and forgets it on reset', async () => {
    const registration = {
      messagingEndpoint: 'http://127.0.0.1:3978/api/messages',
      appId: '9b2d4e6f-1a3c-4e5f-8a7b-0c1d2e3f4a5b',
      appType: 'SingleTenant',
      tenantId: CONTOSO,
    };
    let base = await start();
    expect((await control(base, 'POST', '/_sandbox/bot/registration', registration)).status).toBe(
      200,
    );
    await running!.stop();
    running = undefined;

    base = await start();
    expect((await control(base, 'GET', '/_sandbox/bot/registration')).json).toEqual(registration);
    await control(base, 'POST', '/_sandbox/reset');
    expect((await control(base, 'GET', '/_sandbox/bot/registration')).json).toEqual({
      messagingEndpoint: null,
      appId: registration.appId,
      appType: 'MultiTenant',
    });
  });
});
