// Composition root: builds the whole service from the environment. Used by `npm start` and by tests.
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { createChannels, enabledChannels } from '../bots/index.ts';
import { ConfigError, type Env } from '../config/env.ts';
import { DEMO_PROFILE_PATH, forEnabledChannels, loadProfile, withEnvTriageChats } from '../config/profile.ts';
import { BackgroundClassifier } from '../core/classifier/background.ts';
import type { Classifier } from '../core/classifier/types.ts';
import { createCoreContext, type CoreContext } from '../core/context.ts';
import { OutboxWorker, type OutboxOptions } from '../core/outbox.ts';
import type { ChannelAdapter } from '../core/types.ts';
import { makeDirectories } from '../storage/dirs.ts';
import { scheduleWeeklySummary } from '../core/summary/run.ts';
import { scheduleDeadlines } from '../core/deadlines/check.ts';
import { privacyKeyLoader } from '../core/privacy/key.ts';
import { scheduleRetention } from '../core/privacy/retention.ts';
import { scheduleRetraining } from './retrain.ts';
import { writePidFile } from './pidfile.ts';
import { scheduleBackups } from './scheduled-backup.ts';
import { openCheckedStore } from './startup-checks.ts';
import { buildServer, healthReport } from '../web/server.ts';
import { registerDashboard } from '../web/dashboard.ts';
import { registerPublicPages } from '../web/public.ts';

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
  const store = openCheckedStore(env);
  if (store.upgraded) {
    logger.info({ database: env.databaseFile, migrations: store.upgraded }, 'database upgraded to this version\'s schema');
  }
  // Tells `npm run restore` that the service is running on this DATA_DIR.
  const removePidFile = writePidFile(env.dataDir);
  // The model loads on its own thread (the log says when it is ready); messages that arrive first wait for it.
  let background: BackgroundClassifier | undefined;
  const classifier = options.classifier ?? (background = new BackgroundClassifier({ dataDir: env.dataDir, logger, profile }));
  const privacyKey = privacyKeyLoader({ secret: env.privacySecret, dataDir: env.dataDir });
  const ctx = createCoreContext({ store, profile, logger, classifier, privacyKey, publicUrl: env.publicUrl ?? `http://localhost:${env.port}` });
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

  const app = buildServer(logger, () => healthReport(ctx, adapters, startedAt), { trustProxy: env.trustProxy });
  channels.registerRoutes(app);
  await registerDashboard(app, { ctx, wake: () => outbox.wake() });
  registerPublicPages(app, { ctx });

  // One failing channel never stops the others.
  for (const adapter of adapters) {
    adapter.start().catch((error: unknown) => logger.error({ err: error, channel: adapter.name }, 'channel failed to start'));
  }
  outbox.start();
  try {
    await app.listen({ port: env.port, host: env.host });
  } catch (error) {
    await outbox.stop();
    await background?.close();
    store.close();
    removePidFile();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ConfigError(`Port ${env.port} sudah dipakai program lain / is already in use. Set PORT to another port.`);
    }
    throw error;
  }
  const cancelRetraining = scheduleRetraining(ctx, profile, env, logger);
  const cancelSummary = scheduleWeeklySummary(ctx, profile, { imageDir: join(env.dataDir, 'summaries'), wake: () => outbox.wake() });
  const cancelBackups = scheduleBackups(ctx, profile, env, logger);
  const cancelRetention = scheduleRetention(ctx);
  const cancelDeadlines = scheduleDeadlines(ctx, { wake: () => outbox.wake() });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : env.port;
  // Login links point at the port actually listened on (PORT=0 picks one).
  if (!env.publicUrl) ctx.publicUrl = `http://localhost:${port}`;
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
        cancelBackups();
        cancelRetention();
        cancelDeadlines();
        await cancelSummary.pending;
        await cancelBackups.pending;
        await cancelRetention.pending;
        // Requests in progress finish; their keep-alive connections are closed as soon as they are idle
        // (Fastify closes only the connections idle when close starts, the others would hold the stop
        // for the keep-alive timeout, 72 s).
        const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
        await app.close().finally(() => clearInterval(sweep));
        await outbox.stop();
        await Promise.allSettled(adapters.map((adapter) => adapter.stop()));
        await background?.close();
        store.close();
        removePidFile();
      })();
      return stopping;
    },
  };
}
