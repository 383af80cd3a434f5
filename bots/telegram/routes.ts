// The webhook endpoint (webhook mode only). Telegram proves itself with the secret token header;
// the bot token never appears in the URL. 200 only after core has committed the update; an error
// answers 500, and Telegram delivers the update again later.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Update } from 'telegraf/types';
import type { TelegramAdapter } from './adapter.ts';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function isUpdate(body: unknown): body is Update {
  return typeof body === 'object' && body !== null && Number.isInteger((body as { update_id?: unknown }).update_id);
}

export function registerTelegramWebhook(app: FastifyInstance, adapter: TelegramAdapter, webhook: { path: string; secret: string }): void {
  app.post(webhook.path, async (request, reply) => {
    const header = request.headers['x-telegram-bot-api-secret-token'];
    if (typeof header !== 'string' || !sameSecret(header, webhook.secret)) {
      return reply.code(401).send({ error: 'missing or wrong X-Telegram-Bot-Api-Secret-Token' });
    }
    if (!isUpdate(request.body)) return reply.code(400).send({ error: 'not a Telegram update (no update_id)' });
    try {
      await adapter.handleWebhookUpdate(request.body);
    } catch {
      // Already logged by the bot's error handler; Telegram retries non-2xx answers.
      return reply.code(500).send({ error: 'update not stored; deliver it again' });
    }
    return reply.code(200).send({ ok: true });
  });
}
