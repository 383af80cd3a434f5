// Composition root: builds the whole service from the environment. Used by `npm start` and by tests.
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { createChannels, enabledChannels } from '../bots/index.ts';
import { ConfigError, type Env } from '../config/env.ts';
import { DEMO_PROFILE_PATH, forEnabledChannels, loadProfile, withEnvTriageChats } from '../config/profile.ts';
import { loadClassifier } from '../core/classifier/load.ts';
import type { Classifier } from '../core/classifier/types.ts';
import { createCoreContext, type CoreContext } from '../core/context.ts';
import { OutboxWorker, type OutboxOptions } from '../core/outbox.ts';
import type { ChannelAdapter } from '../core/types.ts';
import { openStore } from '../storage/db.ts';
import { scheduleWeeklySummary } from '../core/summary/run.ts';
import { scheduleRetraining } from './retrain.ts';
import { buildServer, healthReport } from '../web/server.ts';

export interface Service {
  ctx: CoreContext;
  adapters: ChannelAdapter[];
  outbox: OutboxWorker;
  /** The port the server listens on (useful when PORT=0). */
  port: number;
  stop(): Promise<void>;
}

export function createLogger(env: Pick<Env, 'logLevel' | 'logFormat'>): Logger {
  const redact = { paths: ['*.token', '*.secret', '*.password', 'headers.authorization'], censor: '[redacted]' };
  if (env.logFormat === 'pretty') {
    return pino({
      level: env.logLevel,
      redact,
      transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } },
    });
  }
  return pino({ level: env.logLevel, redact });
}

/**
 * Creates the directory and its missing parents one by one. (Node's recursive mkdirSync spins
 * forever on some unwritable paths, e.g. below /proc; a plain mkdir fails with a clear error.)
 */
function makeDirectories(dir: string): void {
  const missing: string[] = [];
  for (let current = resolve(dir); !existsSync(current); current = dirname(current)) {
    missing.unshift(current);
    if (dirname(current) === current) break;
  }
  for (const path of missing) mkdirSync(path);
}

function checkDataDir(dir: string): void {
  try {
    makeDirectories(dir);
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new ConfigError(
      `DATA_DIR ${dir} tidak dapat ditulisi / is not writable: ${(error as Error).message}`,
    );
  }
}

export async function startService(
  env: Env,
  options: { logger?: Logger; classifier?: Classifier; outbox?: Partial<OutboxOptions> } = {},
): Promise<Service> {
  const logger = options.logger ?? createLogger(env);
  const profile = forEnabledChannels(withEnvTriageChats(loadProfile(env.profilePath), env), enabledChannels(env));
  checkDataDir(env.dataDir);
  const store = openStore(env.databaseFile, { synchronous: env.sqliteSynchronous });
  const classifier = options.classifier ?? loadClassifier(env.dataDir, logger).classifier;
  const ctx = createCoreContext({ store, profile, logger, classifier });
  // The outbox sends through the adapters and the adapters wake the outbox: the map is filled after.
  const byChannel = new Map<string, ChannelAdapter>();
  const outbox = new OutboxWorker(ctx, byChannel, options.outbox);
  const channels = createChannels(env, { ctx, logger, wake: () => outbox.wake() });
  const { adapters } = channels;
  for (const adapter of adapters) byChannel.set(adapter.name, adapter);
  const startedAt = Date.now();
  if (profile.source === DEMO_PROFILE_PATH && adapters.some((adapter) => adapter.name !== 'web')) {
    logger.warn('the demo village profile is in use with a real channel: its officers are fictional; set ASPIRASI_CONFIG to your village profile');
  }

  const app = buildServer(logger, () => healthReport(ctx, adapters, startedAt));
  channels.registerRoutes(app);

  // One failing channel never stops the others.
  for (const adapter of adapters) {
    adapter.start().catch((error: unknown) => logger.error({ err: error, channel: adapter.name }, 'channel failed to start'));
  }
  outbox.start();
  try {
    await app.listen({ port: env.port, host: env.host });
  } catch (error) {
    await outbox.stop();
    store.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ConfigError(`Port ${env.port} sudah dipakai program lain / is already in use. Set PORT to another port.`);
    }
    throw error;
  }
  const cancelRetraining = scheduleRetraining(ctx, profile, env, logger);
  const cancelSummary = scheduleWeeklySummary(ctx, profile, { imageDir: join(env.dataDir, 'summaries'), wake: () => outbox.wake() });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : env.port;
  logger.info(
    { port, village: profile.village.name, profile: profile.source, database: env.databaseFile, channels: adapters.map((a) => a.name) },
    'Aspirasi Desa is running',
  );

  let stopping: Promise<void> | undefined;
  return {
    ctx,
    adapters,
    outbox,
    port,
    stop() {
      stopping ??= (async () => {
        cancelRetraining();
        cancelSummary();
        await cancelSummary.pending;
        await app.close();
        await outbox.stop();
        await Promise.allSettled(adapters.map((adapter) => adapter.stop()));
        store.close();
      })();
      return stopping;
    },
  };
}
