// Weekly retraining (profile `classifier.retrain_weekly`): runs `scripts/train.ts` in a child process,
// so the service keeps answering, then swaps the new model in.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import cron from 'node-cron';
import type { Logger } from 'pino';
import type { Env } from '../config/env.ts';
import type { VillageProfile } from '../config/profile.ts';
import { BackgroundClassifier } from '../core/classifier/background.ts';
import { trainedModelPath } from '../core/classifier/load.ts';
import { readModelFile, TrainedClassifier } from '../core/classifier/model.ts';
import type { CoreContext } from '../core/context.ts';

const trainScript = join(dirname(fileURLToPath(import.meta.url)), 'train.ts');

/** Trains in a child process and, when it succeeds, makes the service use the new model. */
export function retrainNow(ctx: CoreContext, env: Env, logger: Logger): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', trainScript], {
      env: { ...process.env, DATA_DIR: env.dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => {
      logger.error({ err: error }, 'classifier retraining could not start');
      resolve(false);
    });
    child.on('close', (code) => {
      if (code !== 0) {
        logger.error({ code, output: output.slice(-2000) }, 'classifier retraining failed; keeping the current model');
        resolve(false);
        return;
      }
      const path = trainedModelPath(env.dataDir);
      const swap = async () => {
        if (ctx.classifier instanceof BackgroundClassifier) await ctx.classifier.reload(path);
        else ctx.classifier = new TrainedClassifier(readModelFile(path));
      };
      swap().then(
        () => {
          logger.info({ classifier: ctx.classifier.name }, 'classifier retrained and reloaded');
          resolve(true);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'retrained model could not be loaded; keeping the current model');
          resolve(false);
        },
      );
    });
  });
}

/** Schedules weekly retraining when the profile asks for it; returns a function that cancels it. */
export function scheduleRetraining(ctx: CoreContext, profile: VillageProfile, env: Env, logger: Logger): () => void {
  if (!profile.classifier.retrain_weekly) return () => undefined;
  const task = cron.schedule(profile.classifier.retrain_schedule, () => retrainNow(ctx, env, logger).then(() => undefined), {
    timezone: profile.village.timezone,
    noOverlap: true,
    name: 'classifier-retrain',
  });
  logger.info({ schedule: profile.classifier.retrain_schedule, timezone: profile.village.timezone }, 'weekly classifier retraining scheduled');
  return () => void task.destroy();
}
