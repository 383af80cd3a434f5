// whatsapp-web.js channel configuration (the village's own number, linked like WhatsApp Web).
import { z } from 'zod';
import { booleanFlag } from '../../config/flags.ts';

export const whatsappEnvSchema = z.object({
  WHATSAPP_ENABLED: booleanFlag.default(false),
  WHATSAPP_CHROMIUM_PATH: z.string().min(1).default('/usr/bin/chromium'),
  /** Log in with a pairing code sent to this number (country code, digits only) instead of a QR code. */
  WHATSAPP_PAIRING_NUMBER: z.string().regex(/^\d{8,15}$/, 'digits only with the country code, e.g. 6281234567890').optional(),
  WHATSAPP_TRIAGE_GROUP_ID: z.string().regex(/^[\d-]+@g\.us$/, 'a group id like 120363012345678901@g.us').optional(),
  /** How long to wait for `ready` before recreating the client. */
  WHATSAPP_READY_TIMEOUT_SECONDS: z.coerce.number().int().min(10).max(3600).default(120),
  /** Human-like pause before each message, chosen at random in this range. */
  WHATSAPP_MIN_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(1500),
  WHATSAPP_MAX_DELAY_MS: z.coerce.number().int().min(0).max(120_000).default(4000),
  /** At least this long between two messages to the same chat. */
  WHATSAPP_PER_CHAT_GAP_MS: z.coerce.number().int().min(0).max(600_000).default(3000),
  /** At most this many messages a minute in all. */
  WHATSAPP_MAX_PER_MINUTE: z.coerce.number().int().min(1).max(120).default(20),
});

export type WhatsAppEnv = z.infer<typeof whatsappEnvSchema>;

export interface WhatsAppWebConfig {
  /** Where LocalAuth keeps the session (inside DATA_DIR). */
  sessionDir: string;
  chromiumPath: string;
  pairingNumber: string | undefined;
  triageGroupId: string | undefined;
  readyTimeoutMs: number;
  minDelayMs: number;
  maxDelayMs: number;
  perChatGapMs: number;
  maxPerMinute: number;
}

export function whatsappConfig(env: WhatsAppEnv, dataDir: string): WhatsAppWebConfig | undefined {
  if (!env.WHATSAPP_ENABLED) return undefined;
  if (env.WHATSAPP_MAX_DELAY_MS < env.WHATSAPP_MIN_DELAY_MS) {
    throw new Error('WHATSAPP_MAX_DELAY_MS must not be smaller than WHATSAPP_MIN_DELAY_MS');
  }
  return {
    sessionDir: `${dataDir}/whatsapp-session`,
    chromiumPath: env.WHATSAPP_CHROMIUM_PATH,
    pairingNumber: env.WHATSAPP_PAIRING_NUMBER,
    triageGroupId: env.WHATSAPP_TRIAGE_GROUP_ID,
    readyTimeoutMs: env.WHATSAPP_READY_TIMEOUT_SECONDS * 1000,
    minDelayMs: env.WHATSAPP_MIN_DELAY_MS,
    maxDelayMs: env.WHATSAPP_MAX_DELAY_MS,
    perChatGapMs: env.WHATSAPP_PER_CHAT_GAP_MS,
    maxPerMinute: env.WHATSAPP_MAX_PER_MINUTE,
  };
}
