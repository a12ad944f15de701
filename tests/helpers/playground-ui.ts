import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';

const MESSAGE_BOX = '[contenteditable="true"][role="textbox"]';
const CARD = '.ac-adaptiveCard';
/** The chat bubble around a bot message (Fluent's output card); the card's parent otherwise. */
const BUBBLE = '.fai-OutputCard';
const MARK = 'data-e2e-bubble';

/** The Agents Playground's chat, driven as a person would, with a screenshot per step. */
export class PlaygroundChat {
  private shots = 0;

  constructor(
    readonly page: Page,
    private readonly screenshotDir: string,
  ) {
    fs.mkdirSync(screenshotDir, { recursive: true });
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.locator(MESSAGE_BOX).waitFor({ timeout: 30_000 });
  }

  async send(text: string): Promise<void> {
    const box = this.page.locator(MESSAGE_BOX);
    await box.click();
    await box.fill(text);
    await this.page.getByRole('button', { name: 'Send Message' }).click();
  }

  /** Waits for some message (card or text) saying `text`. */
  async waitForText(text: string, timeout = 20_000): Promise<void> {
    await this.page.getByText(text).first().waitFor({ timeout });
  }

  /** The newest card that says `text`, once there is one. */
  async card(text: string, timeout = 20_000): Promise<Locator> {
    const card = this.page.locator(CARD, { hasText: text }).last();
    await card.waitFor({ timeout });
    return card;
  }

  cardCount(): Promise<number> {
    return this.page.locator(CARD).count();
  }

  /** Names the bubble holding `card`, so later steps can check that this very bubble changed. */
  async markBubble(card: Locator, name: string): Promise<Locator> {
    await card.evaluate(
      (el, [selector, attr, value]) =>
        (el.closest(selector) ?? el.parentElement ?? el).setAttribute(attr, value),
      [BUBBLE, MARK, name] as const,
    );
    return this.bubble(name);
  }

  bubble(name: string): Locator {
    return this.page.locator(`[${MARK}="${name}"]`);
  }

  /** Waits until the named bubble says `text` (an update in place, not a new message). */
  async waitForBubble(name: string, text: string, timeout = 20_000): Promise<void> {
    await this.page.locator(`[${MARK}="${name}"]`, { hasText: text }).waitFor({ timeout });
  }

  async click(scope: Locator, button: string): Promise<void> {
    await scope.getByRole('button', { name: button, exact: true }).click();
  }

  async screenshot(step: string): Promise<void> {
    this.shots += 1;
    const file = `${String(this.shots).padStart(2, '0')}-${step}.png`;
    await this.page.screenshot({ path: path.join(this.screenshotDir, file), fullPage: true });
  }
}
