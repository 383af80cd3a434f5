// The webhook endpoint (webhook mode only). Telegram proves itself with the secret token header;
// the bot token never appears in the URL. 200 only after core has committed the update; an error
// answers 500, and Telegram delivers the update again later.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Update } from 'telegraf/types';
import { z } from 'zod';
import type { TelegramAdapter } from './adapter.ts';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

// The fields of an update that the adapter reads, with Telegram's types. Telegram never sends
// anything else, so a body that does not fit is refused with 400 at once: answered 500, it would
// be "delivered again" (and fail again) until the adapter gave up on it.
const file = z.looseObject({ file_id: z.string() });
const chat = z.looseObject({ id: z.number().int(), type: z.string() });
const user = z.looseObject({
  id: z.number().int(),
  is_bot: z.boolean().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  username: z.string().optional(),
});
const message = z.looseObject({
  message_id: z.number().int(),
  date: z.number().int(),
  chat,
  from: user.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  photo: z.array(file.extend({ width: z.number(), height: z.number() })).optional(),
  voice: file.optional(),
  audio: file.optional(),
  video: file.optional(),
  video_note: file.optional(),
  sticker: file.optional(),
  document: file.optional(),
  location: z.looseObject({ latitude: z.number(), longitude: z.number() }).optional(),
  venue: z.looseObject({ title: z.string().optional(), address: z.string().optional() }).optional(),
  reply_to_message: z.looseObject({ message_id: z.number().int() }).optional(),
});
const updateSchema = z.looseObject({
  update_id: z.number().int(),
  message: message.optional(),
  callback_query: z
    .looseObject({ id: z.string(), from: user, data: z.string().optional(), message: z.looseObject({ message_id: z.number().int(), chat }).optional() })
    .optional(),
});

/** Why the body is not an update the adapter can read, or undefined when it is one. */
function updateProblem(body: unknown): string | undefined {
  const parsed = updateSchema.safeParse(body);
  if (parsed.success) return undefined;
  return parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
    .join('; ');
}

export function registerTelegramWebhook(app: FastifyInstance, adapter: TelegramAdapter, webhook: { path: string; secret: string }): void {
  app.post(webhook.path, async (request, reply) => {
    const header = request.headers['x-telegram-bot-api-secret-token'];
    if (typeof header !== 'string' || !sameSecret(header, webhook.secret)) {
      return reply.code(401).send({ error: 'missing or wrong X-Telegram-Bot-Api-Secret-Token' });
    }
    const problem = updateProblem(request.body);
    if (problem !== undefined) return reply.code(400).send({ error: `not a Telegram update: ${problem}` });
    try {
      await adapter.handleWebhookUpdate(request.body as Update);
    } catch {
      // Already logged by the bot's error handler; Telegram retries non-2xx answers.
      return reply.code(500).send({ error: 'update not stored; deliver it again' });
    }
    return reply.code(200).send({ ok: true });
  });
}
