import type { Request, Response } from 'restify';
import type { Feature } from '../../api/src/http/features';
import { isLoopbackAddress, type BotAdapters } from './adapters';
import type { InteractionsBot } from './handler';

/** The running bot, as built by the composition root. */
export interface BotRuntime {
  adapters: BotAdapters;
  signedBot: InteractionsBot;
  unsignedBot: InteractionsBot | null;
}

const LOOPBACK_NAME = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

function loopbackUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return LOOPBACK_NAME.test(new URL(value).host);
  } catch {
    return false;
  }
}

/**
 * A tokenless request the Playground could have sent: from a loopback peer, addressed to a
 * loopback name (no DNS rebinding), not relayed by a proxy or tunnel, answering to a loopback
 * connector. Anything else goes to the adapter that demands a channel token.
 */
function fromThisMachine(req: Request): boolean {
  const h = req.headers;
  if (h.forwarded || h['x-forwarded-for'] || h['x-forwarded-host'] || h.via) return false;
  if (!isLoopbackAddress(req.socket.remoteAddress) || !LOOPBACK_NAME.test(h.host ?? '')) {
    return false;
  }
  return loopbackUrl((req.body as { serviceUrl?: unknown } | undefined)?.serviceUrl);
}

/**
 * `POST /api/messages`: every activity goes through the CloudAdapter that verifies its channel
 * token, except a loopback request without any token when the sandbox allows it (the Playground).
 */
export function botFeature<D extends { bot: BotRuntime | null }>(): Feature<D> {
  return {
    name: 'bot',
    register(routes, deps) {
      routes.post('/api/messages', async (req: Request, res: Response) => {
        const bot = deps().bot;
        if (!bot) {
          res.status(503);
          res.json({ error: { code: 'BotNotConfigured', message: 'The bot is not configured.' } });
          return;
        }
        const { adapters } = bot;
        const unsigned =
          !req.headers.authorization &&
          adapters.unsigned !== null &&
          bot.unsignedBot !== null &&
          fromThisMachine(req);
        if (unsigned && adapters.unsigned && bot.unsignedBot) {
          const handler = bot.unsignedBot;
          await adapters.unsigned.process(req, res, (ctx) => handler.run(ctx));
          return;
        }
        await adapters.signed.process(req, res, (ctx) => bot.signedBot.run(ctx));
      });
    },
  };
}
