// The only place that reads process.env. Everything else receives these typed values.
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';
import { telegramConfig, telegramEnvSchema, type TelegramConfig } from '../bots/telegram/config.ts';
import { whatsappCloudConfig, whatsappCloudEnvSchema, type WhatsAppCloudConfig } from '../bots/whatsapp-cloud/config.ts';
import { whatsappConfig, whatsappEnvSchema, type WhatsAppWebConfig } from '../bots/whatsapp/config.ts';
import { xConfig, xEnvSchema, type XConfig } from '../bots/x/config.ts';
import { booleanFlag } from './flags.ts';


const coreEnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  ASPIRASI_CONFIG: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  /** The web simulator (bots/web); SIMULATOR_ENABLED is its older name. Turn off in production. */
  WEB_SIMULATOR: booleanFlag.optional(),
  SIMULATOR_ENABLED: booleanFlag.default(true),
  /** Where people reach the web pages (login links point here); default http://localhost:PORT. */
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
  /** Key of the hash that replaces residents' identifiers when their data is anonymised. */
  ASPIRASI_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  /** The reverse proxy in front (nginx, Caddy) whose X-Forwarded-For is believed; see trustProxyOf. */
  TRUST_PROXY: z
    .string()
    .transform((value, context) => {
      const trusted = trustProxyOf(value);
      if (trusted !== undefined) return trusted;
      context.addIssue({ code: 'custom', message: 'must be the proxy\'s addresses (IPs or CIDR ranges, comma-separated, or loopback), or a number of hops' });
      return z.NEVER;
    })
    .optional(),
});

const PROXY_KEYWORDS = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY as fastify's `trustProxy` takes it: a number of proxy hops, or the proxy's addresses
 * (IPs, CIDR ranges, `loopback`). Undefined when it is neither. "true" (believe any client's
 * X-Forwarded-For) is refused: a client reaching the service directly could then pick its own
 * address, and with it its own login rate limit.
 */
export function trustProxyOf(value: string): number | string | undefined {
  const trimmed = value.trim();
  if (/^\d{1,2}$/.test(trimmed)) return Number(trimmed);
  const items = trimmed.split(',').map((item) => item.trim());
  const valid = items.every((item) => {
    if (PROXY_KEYWORDS.has(item)) return true;
    const [address = '', prefix, ...rest] = item.split('/');
    const family = isIP(address);
    if (family === 0 || rest.length > 0) return false;
    return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
  });
  return valid && items.length > 0 ? items.join(',') : undefined;
}

// Each channel's variables are defined next to its adapter and parsed here, once.
const envSchema = coreEnvSchema.extend(telegramEnvSchema.shape).extend(whatsappEnvSchema.shape).extend(whatsappCloudEnvSchema.shape).extend(xEnvSchema.shape);

export interface Env {
  port: number;
  host: string;
  dataDir: string;
  databaseFile: string;
  profilePath: string | undefined;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  logFormat: 'json' | 'pretty';
  simulatorEnabled: boolean;
  /** PUBLIC_URL without a trailing slash; undefined means http://localhost:<the port listened on>. */
  publicUrl: string | undefined;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  /** ASPIRASI_SECRET; when unset the key is kept in DATA_DIR/secret.key (core/privacy/key.ts). */
  privacySecret: string | undefined;
  /** TRUST_PROXY: proxy hops, or the proxy's addresses; undefined means clients connect directly. */
  trustProxy: number | string | undefined;
  /** Set when TELEGRAM_BOT_TOKEN is. */
  telegram: TelegramConfig | undefined;
  /** Set when WHATSAPP_ENABLED=true (whatsapp-web.js, the village's own number). */
  whatsapp: WhatsAppWebConfig | undefined;
  /** Set when WHATSAPP_CLOUD_TOKEN is (the official Cloud API). */
  whatsappCloud: WhatsAppCloudConfig | undefined;
  /** Set when X_APP_KEY is. */
  x: XConfig | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment once; empty strings count as unset (as in a copied .env.example). */
export function parseEnv(source: NodeJS.ProcessEnv = process.env, isTty = process.stdout.isTTY): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Variabel lingkungan tidak valid / Invalid environment variable(s): ${problems.join('; ')}`);
  }
  const env = parsed.data;
  const dataDir = resolve(env.DATA_DIR);
  let telegram: TelegramConfig | undefined;
  let whatsapp: WhatsAppWebConfig | undefined;
  let whatsappCloud: WhatsAppCloudConfig | undefined;
  let x: XConfig | undefined;
  try {
    telegram = telegramConfig(env);
    whatsapp = whatsappConfig(env, dataDir);
    whatsappCloud = whatsappCloudConfig(env);
    x = xConfig(env);
  } catch (error) {
    throw new ConfigError(`Variabel lingkungan tidak valid / Invalid environment variable(s): ${(error as Error).message}`);
  }
  return {
    port: env.PORT,
    host: env.HOST,
    dataDir,
    databaseFile: resolve(dataDir, 'aspirasi.sqlite'),
    profilePath: env.ASPIRASI_CONFIG ? resolve(env.ASPIRASI_CONFIG) : undefined,
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT ?? (isTty ? 'pretty' : 'json'),
    simulatorEnabled: env.WEB_SIMULATOR ?? env.SIMULATOR_ENABLED,
    publicUrl: env.PUBLIC_URL?.replace(/\/+$/, ''),
    sqliteSynchronous: env.SQLITE_SYNCHRONOUS,
    privacySecret: env.ASPIRASI_SECRET,
    trustProxy: env.TRUST_PROXY,
    telegram,
    whatsapp,
    whatsappCloud,
    x,
  };
}

/** Loads `.env` from the working directory into process.env, when there is one (variables already set win). */
export function loadDotEnv(file = '.env'): boolean {
  if (!existsSync(file)) return false;
  process.loadEnvFile(file);
  return true;
}
