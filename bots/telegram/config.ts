// Telegram channel configuration: its part of the environment, parsed by config/env.ts.
import { z } from 'zod';

export const telegramEnvSchema = z.object({
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d+:[A-Za-z0-9_-]+$/, 'expected the token BotFather gave, like 123456789:AAE...')
    .optional(),
  TELEGRAM_API_ROOT: z.url({ protocol: /^https?$/ }).optional(),
  TELEGRAM_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,256}$/, '16 to 256 characters of A-Z, a-z, 0-9, _ and - (Telegram\'s rule for secret_token)')
    .optional(),
  TELEGRAM_TRIAGE_CHAT_ID: z.string().regex(/^-?\d+$/, 'a numeric chat id, e.g. -1001234567890').optional(),
  TELEGRAM_POLL_TIMEOUT: z.coerce.number().int().min(0).max(50).default(25),
});

export type TelegramEnv = z.infer<typeof telegramEnvSchema>;

export interface TelegramConfig {
  token: string;
  /** Another Bot API server (a local one, or a fake in tests); api.telegram.org when unset. */
  apiRoot: string | undefined;
  /** Webhook mode when set; long polling otherwise. */
  webhook: { url: string; path: string; secret: string } | undefined;
  /** The officers' group; overrides the profile's Telegram triage chats. */
  triageChatId: string | undefined;
  /** Long-polling timeout in seconds. */
  pollTimeoutSeconds: number;
  /** How long one sendMessage may take before it counts as a network failure; 30 s when unset (tests shorten it). */
  sendTimeoutMs?: number;
}

/** The channel's configuration, or undefined when no token is set; throws naming the variable. */
export function telegramConfig(env: TelegramEnv): TelegramConfig | undefined {
  if (!env.TELEGRAM_BOT_TOKEN) {
    const stray = (['TELEGRAM_WEBHOOK_URL', 'TELEGRAM_TRIAGE_CHAT_ID'] as const).filter((name) => env[name] !== undefined);
    if (stray.length > 0) throw new Error(`${stray.join(', ')} set without TELEGRAM_BOT_TOKEN`);
    return undefined;
  }
  let webhook: TelegramConfig['webhook'];
  if (env.TELEGRAM_WEBHOOK_URL) {
    if (!env.TELEGRAM_WEBHOOK_SECRET) {
      throw new Error('TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL (it protects the webhook from forged updates)');
    }
    const url = new URL(env.TELEGRAM_WEBHOOK_URL);
    if (url.href.includes(env.TELEGRAM_BOT_TOKEN)) throw new Error('TELEGRAM_WEBHOOK_URL must not contain the bot token');
    if (url.pathname === '/') url.pathname = '/telegram/webhook';
    webhook = { url: url.href, path: url.pathname, secret: env.TELEGRAM_WEBHOOK_SECRET };
  }
  return {
    token: env.TELEGRAM_BOT_TOKEN,
    apiRoot: env.TELEGRAM_API_ROOT?.replace(/\/+$/, ''),
    webhook,
    triageChatId: env.TELEGRAM_TRIAGE_CHAT_ID,
    pollTimeoutSeconds: env.TELEGRAM_POLL_TIMEOUT,
  };
}
