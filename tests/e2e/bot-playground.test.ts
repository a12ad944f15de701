import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeInBrowser, launchBrowser, type TestBrowser } from '../helpers/browser';
import {
  jobsDone,
  sandboxControl,
  startPlayground,
  startProduct,
  type RunningPlayground,
  type RunningProduct,
  type SandboxControl,
} from '../helpers/playground';
import { PlaygroundChat } from '../helpers/playground-ui';
import { ROOT } from '../helpers/process';
import { until } from '../helpers/wait';

const SCREENSHOTS = path.join(ROOT, 'test-output', 'playground');
/** Not UTC, so the zone the Playground reports visibly reaches the parser and the cards. */
const ZONE = 'Europe/Berlin';

interface SandboxMeeting {
  id: string;
  tenantId: string;
  subject: string;
  state: string;
  eventExists: boolean;
}

interface SandboxInfo {
  tenants: { tenantId: string }[];
}

interface BotDelivery {
  name: string;
  status: number | null;
}

describeInBrowser(
  'the bot in the Microsoft 365 Agents Playground (npm start + npm run playground)',
  () => {
    let dataDir: string;
    let product: RunningProduct;
    let playground: RunningPlayground;
    let browser: TestBrowser;
    let sandbox: SandboxControl;
    let chat: PlaygroundChat;
    let tenantId: string;

    beforeAll(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ift-playground-'));
      fs.rmSync(SCREENSHOTS, { recursive: true, force: true });
      product = await startProduct(dataDir);
      sandbox = sandboxControl(product.sandboxPort, dataDir);
      tenantId = (await sandbox.get<SandboxInfo>('/_sandbox/info')).tenants[0]!.tenantId;
      [playground, browser] = await Promise.all([
        startPlayground(product, { TZ: ZONE }),
        launchBrowser(),
      ]);
      chat = new PlaygroundChat(await browser.context.newPage(), SCREENSHOTS);
      await chat.open(playground.url);
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      await sandbox?.close();
      await playground?.stop();
      await product?.stop();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    }, 30_000);

    /**
     * Waits until the card refreshes queued since `before` have run and no more follow: each rewrites
     * the card in place, and would replace a view a click just opened (such as a confirmation).
     */
    async function cardRefreshesSettled(before: number): Promise<void> {
      await until(
        async () => jobsDone(product, 'card.refresh'),
        (n) => n > before,
        15_000,
        100,
      );
      let last = -1;
      await until(
        async () => {
          const now = jobsDone(product, 'card.refresh');
          const stable = now === last;
          last = now;
          return stable;
        },
        (stable) => stable,
        15_000,
        1500,
      );
    }

    /** The sandbox's copy of the meeting the product made for `subject`. */
    async function meetingNamed(subject: string): Promise<SandboxMeeting> {
      const { meetings } = await until(
        () =>
          sandbox.get<{ meetings: SandboxMeeting[] }>(`/_sandbox/meetings?tenantId=${tenantId}`),
        (r) => r.meetings.some((m) => m.subject === subject),
        10_000,
        200,
      );
      return meetings.find((m) => m.subject === subject)!;
    }

    it('greets on install, previews a chat command in the zone the Playground reports, and Create turns that card into the meeting', async () => {
      await chat.waitForText('I turn client meetings into interactions');
      await chat.screenshot('installed');

      await chat.send('schedule Quarterly review with jane@acme.example in 30 minutes for 45 min');
      const preview = await chat.card('Draft meeting');
      expect(await preview.innerText()).toEqual(
        expect.stringMatching(/Quarterly review[\s\S]*\d\d:\d\d–\d\d:\d\d[\s\S]*Jane Doe/),
      );
      expect(await preview.innerText()).toContain(`Times are shown in ${ZONE}.`);
      const bubble = await chat.markBubble(preview, 'quarterly');
      await chat.screenshot('preview');

      const cards = await chat.cardCount();
      await chat.click(bubble, 'Create');
      await chat.waitForBubble('quarterly', 'Join');
      expect(await bubble.innerText()).toEqual(
        expect.stringMatching(/Quarterly review[\s\S]*Scheduled[\s\S]*Acme Corporation/),
      );
      expect(await chat.cardCount()).toBe(cards);
      await chat.screenshot('created');

      const meeting = await meetingNamed('Quarterly review');
      expect(meeting.state).toBe('scheduled');
    }, 40_000);

    it('moves the same card to In progress and then Ended when the sandbox starts and ends the meeting', async () => {
      const meeting = await meetingNamed('Quarterly review');
      const ref = encodeURIComponent(meeting.id);
      // Teams sends meeting events only to an app installed in the meeting's chat.
      const installed = await sandbox.post<{ deliveries: { type: string; status: number }[] }>(
        '/_sandbox/apps/install',
        { tenantId, scope: 'meeting', meeting: meeting.id },
      );
      expect(installed.deliveries.map((d) => [d.type, d.status])).toEqual([
        ['installationUpdate', 200],
        ['conversationUpdate', 200],
      ]);
      const cards = await chat.cardCount();

      const started = await sandbox.post<{ botDeliveries: BotDelivery[] }>(
        `/_sandbox/meetings/${ref}/start`,
      );
      expect(started.botDeliveries).toEqual([
        expect.objectContaining({ name: 'application/vnd.microsoft.meetingStart', status: 200 }),
      ]);
      await chat.waitForBubble('quarterly', 'In progress', 25_000);
      await chat.screenshot('in-progress');

      const ended = await sandbox.post<{ botDeliveries: BotDelivery[] }>(
        `/_sandbox/meetings/${ref}/end`,
      );
      expect(ended.botDeliveries).toEqual([
        expect.objectContaining({ name: 'application/vnd.microsoft.meetingEnd', status: 200 }),
      ]);
      await chat.waitForBubble('quarterly', 'Ended', 25_000);
      expect(await chat.bubble('quarterly').innerText()).not.toContain('Join');
      expect(await chat.cardCount()).toBe(cards);
      await chat.screenshot('ended');
    }, 60_000);

    it('cancels a scheduled meeting from its card after a confirmation', async () => {
      await chat.send('schedule Budget check with john.smith@acme.example tomorrow 5pm');
      const preview = await chat.card('Budget check');
      const bubble = await chat.markBubble(preview, 'budget');
      const refreshes = jobsDone(product, 'card.refresh');
      await chat.click(bubble, 'Create');
      await chat.waitForBubble('budget', 'Join');
      await cardRefreshesSettled(refreshes);
      const cards = await chat.cardCount();

      await chat.click(bubble, 'Cancel');
      await chat.waitForBubble('budget', 'Cancel Budget check?');
      await chat.screenshot('cancel-confirm');
      await chat.click(bubble, 'Cancel meeting');
      await chat.waitForBubble('budget', 'Cancelled');
      expect(await bubble.innerText()).not.toContain('Join');
      expect(await chat.cardCount()).toBe(cards);
      await chat.screenshot('cancelled');

      // The calendar event is gone from the organizer's calendar (attendees get a cancellation).
      await until(
        () => meetingNamed('Budget check'),
        (m) => !m.eventExists,
        10_000,
        200,
      );
    }, 40_000);
  },
);
