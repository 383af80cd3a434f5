// `npm start`: runs the service until SIGINT/SIGTERM, then shuts down without losing anything.
import { ConfigError, loadDotEnv, parseEnv } from '../config/env.ts';
import { createLogger, startService } from './service.ts';

async function main(): Promise<void> {
  loadDotEnv();
  const env = parseEnv();
  const logger = createLogger(env);
  const service = await startService(env, { logger });
  if (env.simulatorEnabled) {
    logger.info(`Simulator: http://localhost:${service.port}/simulator`);
  }
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    service
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  // `kill <pid of npm>` ends npm without passing the signal on; a service left behind would hold the
  // port. When the parent goes away, stop as if told to.
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(watch);
      shutdown('parent exited');
    }
  }, 1000);
  watch.unref();
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`\nAspirasi Desa tidak dapat dimulai / cannot start:\n${error.message}\n\n`);
  } else {
    process.stderr.write(`\nAspirasi Desa tidak dapat dimulai / cannot start:\n${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
});
