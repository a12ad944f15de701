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
          isLoopbackAddress(req.socket.remoteAddress);
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
