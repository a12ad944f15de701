import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import type { Page } from 'playwright-core';
import {
  bundleForBrowser,
  describeInBrowser,
  launchBrowser,
  serveDirectory,
  type TestBrowser,
} from '../helpers/browser';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'tab-host');
const PROTOCOL_FIXTURE = path.join(FIXTURES, 'teams-js-protocol.json');
const CONTOSO = '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7';
const LEE_GU = '7e9a1c3e-5f7b-4d9f-8c2e-4a6b8c0d2e4f';
const CLIENT_ID = '9b2d4e6f-1a3c-4e5f-8a7b-0c1d2e3f4a5b';

interface HostMessage {
  dir: 'in' | 'reply' | 'event';
  func: string;
  id?: number;
  args: unknown[];
  envelope?: string[];
  shape?: string[];
  note?: string;
}

/** What the host page exposes as `window.host`. */
interface HostWindow {
  host: Record<string, unknown> & {
    messages: HostMessage[];
    saveResult: string | null;
    pushTheme(theme: string): void;
  };
}

interface TabOutput {
  context: Record<string, string | undefined>;
  token?: string;
  themes: string[];
  openedLink?: boolean;
  sharing?: { err: unknown; result: unknown };
  details?: { err: unknown; result: { details: { id: string }; conversation: { id: string } } };
  error?: string;
}

describeInBrowser('Teams tab host (teams-js 2.58 in Chromium)', () => {
  let sb: TestSandbox;
  let browser: TestBrowser;
  let tabServer: { url: string; close(): Promise<void> };
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ift-tab-'));
    sb = await startTestSandbox();
    await bundleForBrowser(path.join(FIXTURES, 'tab.ts'), path.join(dir, 'tab.js'));
    fs.copyFileSync(path.join(FIXTURES, 'tab.html'), path.join(dir, 'tab.html'));
    tabServer = await serveDirectory(dir);
    browser = await launchBrowser({ trustServerCerts: [sb.sandbox.tls.cert] });
    // The host page, re-served from the tab's own origin: teams-js accepts a same-origin parent as is.
    const hostHtml = await (await sb.fetch('/_sandbox/teams/host.html')).text();
    await browser.context.route(
      (url) => url.origin === tabServer.url && url.pathname === '/__host',
      (route) => route.fulfill({ contentType: 'text/html', body: hostHtml }),
    );
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await tabServer?.close();
    await sb?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const hostUrl = (query: Record<string, string>, base = `${tabServer.url}/__host`) =>
    `${base}?${new URLSearchParams({ tab: `${tabServer.url}/tab.html`, ...query })}`;

  /** Opens the host page and waits until the framed tab reports it is done. */
  async function openTab(url: string): Promise<{ page: Page; out: TabOutput }> {
    const page = await browser.context.newPage();
    await page.goto(url);
    const tab = page.frameLocator('#tab');
    await tab.locator('body[data-status="done"], body[data-status="error"]').waitFor();
    const out = JSON.parse((await tab.locator('#out').textContent()) ?? '{}') as TabOutput;
    expect(out.error).toBeUndefined();
    return { page, out };
  }

  const messages = (page: Page) =>
    page.evaluate(() => (globalThis as unknown as HostWindow).host.messages);
  const hostState = (page: Page, key: string) =>
    page.evaluate((k) => (globalThis as unknown as HostWindow).host[k], key);

  it('gives a personal tab its user, tenant and content frame context, and an SSO token for our API', async () => {
    const { page, out } = await openTab(
      hostUrl({ context: 'personal', tenantId: CONTOSO, userOid: LEE_GU }),
    );
    expect(out.context).toMatchObject({
      frameContext: 'content',
      entityId: 'home',
      userId: LEE_GU,
      tenantId: CONTOSO,
      userPrincipalName: 'lee.gu@contoso.onmicrosoft.com',
      hostName: 'Teams',
    });
    expect(out.context.meetingId).toBeUndefined();

    const claims = decodeJwt(out.token!);
    expect(claims).toMatchObject({
      tid: CONTOSO,
      oid: LEE_GU,
      aud: CLIENT_ID,
      scp: 'access_as_user',
    });
    // Signed by the sandbox's Entra keys, as our API will check it.
    const jwks = (await (
      await sb.fetch(`/${CONTOSO}/discovery/v2.0/keys`)
    ).json()) as JSONWebKeySet;
    await expect(
      jwtVerify(out.token!, createLocalJWKSet(jwks), { issuer: `${sb.url}/${CONTOSO}/v2.0` }),
    ).resolves.toBeTruthy();

    expect(out.openedLink).toBe(true);
    expect(await hostState(page, 'links')).toEqual([
      'https://teams.microsoft.com/l/entity/sandbox-app/home',
    ]);
    expect(await hostState(page, 'appStatus')).toBe('success');

    // Theme buttons on the host reach the tab's registered handler.
    await page.getByRole('button', { name: 'Dark' }).click();
    await page.frameLocator('#tab').locator('body[data-theme="dark"]').waitFor();
    await page.evaluate(() => (globalThis as unknown as HostWindow).host.pushTheme('contrast'));
    await page.frameLocator('#tab').locator('body[data-theme="contrast"]').waitFor();
    expect(await page.locator('#log li').count()).toBeGreaterThan(8);
    await page.close();
  });

  it('records the func names and argument shapes teams-js sends (protocol canary: re-verify the host on any change)', async () => {
    const { page } = await openTab(hostUrl({ context: 'personal' }));
    const incoming = (await messages(page)).filter((m) => m.dir === 'in');
    const watched = ['initialize', 'getContext', 'authentication.getAuthToken'];
    const observed = {
      sdkVersion: incoming.find((m) => m.func === 'initialize')?.args[0],
      funcs: incoming.map((m) => m.func),
      envelope: incoming[0]?.envelope,
      calls: incoming
        .filter((m) => watched.includes(m.func))
        .map((m) => ({ func: m.func, args: m.shape })),
    };
    const expected: unknown = JSON.parse(fs.readFileSync(PROTOCOL_FIXTURE, 'utf8'));
    if (JSON.stringify(observed) !== JSON.stringify(expected)) {
      process.stderr.write(
        `teams-js host protocol changed; observed:\n${JSON.stringify(observed, null, 2)}\n`,
      );
    }
    expect(observed).toEqual(expected);
    await page.close();
  });

  it('gives a meeting side panel the meeting and chat ids with frame context sidePanel', async () => {
    const chatId = '19:meeting_Y2FuYXJ5LW1lZXRpbmc@thread.v2';
    const meetingId = Buffer.from(`0#${chatId}#0`).toString('base64');
    const { page, out } = await openTab(hostUrl({ context: 'sidePanel', meetingId, chatId }));
    expect(out.context).toMatchObject({ frameContext: 'sidePanel', meetingId, chatId });
    expect(out.sharing).toEqual({ err: null, result: { isAppSharing: false } });
    expect(out.details?.err).toBeNull();
    expect(out.details?.result.conversation.id).toBe(chatId);
    expect(decodeJwt(out.token!).tid).toBe(CONTOSO);
    await page.close();
  });

  it('runs the configuration page save flow and records the saved config', async () => {
    const { page, out } = await openTab(hostUrl({ context: 'settings', tenantId: CONTOSO }));
    expect(out.context.frameContext).toBe('settings');
    const save = page.getByRole('button', { name: 'Save' });
    await expect(save.isEnabled()).resolves.toBe(true);
    await save.click();
    await page.waitForFunction(
      () => (globalThis as unknown as HostWindow).host.saveResult === 'success',
    );
    expect(await page.locator('#saved').textContent()).toContain('"entityId": "interactions"');
    const { saved } = (await sb.control('GET', '/_sandbox/teams/saved')) as {
      saved: { tenantId: string; scenario: string; config: Record<string, string> }[];
    };
    expect(saved.at(-1)).toMatchObject({
      tenantId: CONTOSO,
      scenario: 'settings',
      config: {
        entityId: 'interactions',
        contentUrl: `${tabServer.url}/tab.html?view=meeting`,
        suggestedDisplayName: 'Interactions',
      },
    });
    const funcs = (await messages(page)).filter((m) => m.dir === 'in').map((m) => m.func);
    expect(funcs).toEqual(
      expect.arrayContaining([
        'settings.setValidityState',
        'settings.setSettings',
        'settings.save.success',
      ]),
    );
    await page.close();
  });

  it('logs a message it does not emulate and sends no reply', async () => {
    const { page } = await openTab(hostUrl({ context: 'personal' }));
    await page.frame({ url: /\/tab\.html/ })!.evaluate(() => {
      const w = globalThis as unknown as { parent: { postMessage(m: unknown, o: string): void } };
      w.parent.postMessage({ id: 9999, func: 'bogus.notAnApi', args: [1] }, '*');
    });
    await page.waitForFunction(() =>
      (globalThis as unknown as HostWindow).host.messages.some((m) => m.func === 'bogus.notAnApi'),
    );
    await page.waitForTimeout(200);
    const bogus = (await messages(page)).filter((m) => m.func === 'bogus.notAnApi');
    expect(bogus).toEqual([
      expect.objectContaining({ dir: 'in', note: expect.stringMatching(/no reply/) }),
    ]);
    await page.close();
  });

  it('fails getAuthToken with the reason asked for (authError=…), as Teams does when consent is missing', async () => {
    const page = await browser.context.newPage();
    await page.goto(hostUrl({ context: 'personal', authError: 'resourceRequiresConsent' }));
    const tab = page.frameLocator('#tab');
    await tab.locator('body[data-status="error"]').waitFor();
    const out = JSON.parse((await tab.locator('#out').textContent()) ?? '{}') as TabOutput;
    expect(out.error).toContain('resourceRequiresConsent');
    await page.close();
  });

  it('serves a tab on another origin from the sandbox origin when the tab lists it in validMessageOrigins', async () => {
    const tab = `${tabServer.url}/tab.html?validOrigin=${encodeURIComponent(sb.url)}`;
    const { page, out } = await openTab(
      hostUrl({ context: 'personal', tab }, `${sb.url}/_sandbox/teams`),
    );
    expect(out.context.tenantId).toBe(CONTOSO);
    expect(await hostState(page, 'error')).toBeNull();
    await page.close();

    // Without it the tab's SDK drops every reply; the host says why instead of hanging silently.
    const bad = await browser.context.newPage();
    await bad.goto(hostUrl({ context: 'personal' }, `${sb.url}/_sandbox/teams`));
    await bad.locator('#problem').waitFor();
    expect(await bad.locator('#problem').textContent()).toContain('validMessageOrigins');
    await bad.close();
  });
});
