import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, fetch } from 'undici';
import { startSandbox, type RunningSandbox } from '../../sandbox/src/server';

const TENANT = '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7';
const ORGANIZER = '3a9e1f52-7c4d-4b8e-9f21-5d6c7b8a9e01';
const CLIENT_ID = '9b2d4e6f-1a3c-4e5f-8a7b-0c1d2e3f4a5b';
const CLIENT_SECRET = 'sandbox-app-secret-not-for-production';

describe('sandbox state under npm start', () => {
  let dir: string;
  let running: RunningSandbox | undefined;
  let agent: Agent;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ift-sandbox-persist-'));
  });
  afterAll(async () => {
    await running?.stop();
    await agent?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(): Promise<RunningSandbox> {
    running = await startSandbox({ port: 0, dataDir: dir, persist: true });
    agent = agent ?? new Agent({ connect: { ca: fs.readFileSync(running.caFile, 'utf8') } });
    return running;
  }

  async function call(url: string, init: { method?: string; token?: string; body?: unknown } = {}) {
    const res = await fetch(url, {
      dispatcher: agent,
      method: init.method ?? 'GET',
      headers: {
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
      body: init.body ? JSON.stringify(init.body) : undefined,
    });
    return {
      status: res.status,
      json: (await res.json().catch(() => null)) as Record<string, unknown>,
    };
  }

  async function appToken(base: string): Promise<string> {
    const res = await fetch(`${base}/${TENANT}/oauth2/v2.0/token`, {
      dispatcher: agent,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        scope: 'https://graph.microsoft.com/.default',
      }).toString(),
    });
    return ((await res.json()) as { access_token: string }).access_token;
  }

  it('keeps events, meetings, tenant changes and signing keys across a restart, and reuses its CA', async () => {
    const review = {
      subject: 'Quarterly review',
      start: { dateTime: '2030-06-12T09:00:00', timeZone: 'UTC' },
      end: { dateTime: '2030-06-12T09:45:00', timeZone: 'UTC' },
      isOnlineMeeting: true,
      onlineMeetingProvider: 'teamsForBusiness',
      transactionId: 'persist-1',
    };
    let sb = await start();
    const ca = fs.readFileSync(sb.caFile, 'utf8');
    const token = await appToken(sb.url);
    const created = await call(`${sb.url}/v1.0/users/${ORGANIZER}/events`, {
      method: 'POST',
      token,
      body: review,
    });
    expect(created.status).toBe(201);
    const eventId = String(created.json.id);
    const joinUrl = (created.json.onlineMeeting as { joinUrl: string }).joinUrl;
    await call(`${sb.url}/_sandbox/tenants/${TENANT}`, {
      method: 'PATCH',
      body: { accessPolicy: { granted: false } },
    });
    await sb.stop();
    running = undefined;

    sb = await start();
    expect(fs.readFileSync(sb.caFile, 'utf8')).toBe(ca);
    // A token issued before the restart still verifies: the keys were kept.
    const again = await call(
      `${sb.url}/v1.0/users/${ORGANIZER}/events/${encodeURIComponent(eventId)}`,
      { token },
    );
    expect(again.status).toBe(200);
    expect((again.json.onlineMeeting as { joinUrl: string }).joinUrl).toBe(joinUrl);
    const meetings = await call(`${sb.url}/_sandbox/meetings`);
    expect((meetings.json.meetings as unknown[]).length).toBe(1);
    const info = await call(`${sb.url}/_sandbox/info`);
    const contoso = (
      info.json.tenants as { tenantId: string; accessPolicy: { granted: boolean } }[]
    ).find((t) => t.tenantId === TENANT);
    expect(contoso?.accessPolicy.granted).toBe(false);
    // The same transactionId still returns the original event, so a retried create after a restart
    // does not duplicate it.
    const retried = await call(`${sb.url}/v1.0/users/${ORGANIZER}/events`, {
      method: 'POST',
      token,
      body: review,
    });
    expect(retried.json.id).toBe(eventId);
  });
});
