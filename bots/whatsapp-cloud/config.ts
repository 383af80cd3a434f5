// WhatsApp Cloud API channel configuration (an official business number through Meta's Graph API).
import { z } from 'zod';

export const whatsappCloudEnvSchema = z.object({
  WHATSAPP_CLOUD_TOKEN: z.string().min(20, 'the access token from Meta (System User token)').optional(),
  WHATSAPP_CLOUD_PHONE_ID: z.string().regex(/^\d+$/, 'the numeric phone number id from Meta').optional(),
  WHATSAPP_CLOUD_APP_SECRET: z.string().min(8).optional(),
  WHATSAPP_CLOUD_VERIFY_TOKEN: z.string().min(8).optional(),
  /** The Graph API base, e.g. a local fake in tests. */
  WHATSAPP_CLOUD_API_ROOT: z.url({ protocol: /^https?$/ }).default('https://graph.facebook.com/v21.0'),
  /** Path of the webhook on this server. */
  WHATSAPP_CLOUD_WEBHOOK_PATH: z.string().regex(/^\/[\w/-]*$/).default('/whatsapp/webhook'),
});

export type WhatsAppCloudEnv = z.infer<typeof whatsappCloudEnvSchema>;

export interface WhatsAppCloudConfig {
  token: string;
  phoneNumberId: string;
  appSecret: string;
  verifyToken: string;
  apiRoot: string;
  webhookPath: string;
}

const REQUIRED = ['WHATSAPP_CLOUD_TOKEN', 'WHATSAPP_CLOUD_PHONE_ID', 'WHATSAPP_CLOUD_APP_SECRET', 'WHATSAPP_CLOUD_VERIFY_TOKEN'] as const;

/** The channel's configuration when its token is set; throws naming any missing companion variable. */
export function whatsappCloudConfig(env: WhatsAppCloudEnv): WhatsAppCloudConfig | undefined {
  if (!env.WHATSAPP_CLOUD_TOKEN) return undefined;
  const missing = REQUIRED.filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`${missing.join(', ')} required with WHATSAPP_CLOUD_TOKEN`);
  return {
    token: env.WHATSAPP_CLOUD_TOKEN,
    phoneNumberId: env.WHATSAPP_CLOUD_PHONE_ID ?? '',
    appSecret: env.WHATSAPP_CLOUD_APP_SECRET ?? '',
    verifyToken: env.WHATSAPP_CLOUD_VERIFY_TOKEN ?? '',
    apiRoot: env.WHATSAPP_CLOUD_API_ROOT.replace(/\/+$/, ''),
    webhookPath: env.WHATSAPP_CLOUD_WEBHOOK_PATH,
  };
}
