// X (Twitter) channel configuration: its part of the environment, parsed by config/env.ts.
import { z } from 'zod';

export const xEnvSchema = z.object({
  X_APP_KEY: z.string().min(1).optional(),
  X_APP_SECRET: z.string().min(1).optional(),
  X_ACCESS_TOKEN: z.string().min(1).optional(),
  X_ACCESS_SECRET: z.string().min(1).optional(),
  // X's read endpoints allow few calls per 15 minutes on the cheaper plans; faster polling only burns quota.
  X_POLL_INTERVAL_SECONDS: z.coerce.number().int().min(15).default(120),
  X_ACCOUNT_HANDLE: z
    .string()
    .regex(/^@?[A-Za-z0-9_]{1,15}$/, 'an X handle like @DesaSukamaju (letters, digits, _; at most 15)')
    .optional(),
});

export type XEnv = z.infer<typeof xEnvSchema>;

export interface XConfig {
  /** OAuth 1.0a user-context credentials of the village account (the app's keys and the account's tokens). */
  appKey: string;
  appSecret: string;
  accessToken: string;
  accessSecret: string;
  pollIntervalSeconds: number;
  /** The village account's handle without "@"; learned from the API at start when unset. */
  accountHandle: string | undefined;
  /** How long one API call may take before it counts as a network failure; 30 s when unset (tests shorten it). */
  requestTimeoutMs?: number;
}

const COMPANIONS = ['X_APP_SECRET', 'X_ACCESS_TOKEN', 'X_ACCESS_SECRET'] as const;

/** The channel's configuration, or undefined when X_APP_KEY is unset; throws naming missing variables. */
export function xConfig(env: XEnv): XConfig | undefined {
  if (!env.X_APP_KEY) {
    const stray = ([...COMPANIONS, 'X_ACCOUNT_HANDLE'] as const).filter((name) => env[name] !== undefined);
    if (stray.length > 0) throw new Error(`${stray.join(', ')} set without X_APP_KEY`);
    return undefined;
  }
  const missing = COMPANIONS.filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`${missing.join(', ')} required with X_APP_KEY (user-context credentials of the village account)`);
  return {
    appKey: env.X_APP_KEY,
    appSecret: env.X_APP_SECRET ?? '',
    accessToken: env.X_ACCESS_TOKEN ?? '',
    accessSecret: env.X_ACCESS_SECRET ?? '',
    pollIntervalSeconds: env.X_POLL_INTERVAL_SECONDS,
    accountHandle: env.X_ACCOUNT_HANDLE?.replace(/^@/, ''),
  };
}
