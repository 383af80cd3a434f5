// Which classifier the service runs: the model trained with officers' corrections (DATA_DIR),
// else the shipped model, else the keyword baseline.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { KeywordClassifier } from './keyword.ts';
import { readModelFile, SHIPPED_MODEL_PATH, TrainedClassifier } from './model.ts';
import type { Classifier } from './types.ts';

export function trainedModelPath(dataDir: string): string {
  return join(dataDir, 'model.json');
}

export function loadClassifier(dataDir: string | undefined, logger?: Logger): { classifier: Classifier; source: string } {
  const candidates = [...(dataDir ? [trainedModelPath(dataDir)] : []), SHIPPED_MODEL_PATH];
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    try {
      const started = performance.now();
      const classifier = new TrainedClassifier(readModelFile(path));
      logger?.info({ model: path, ms: Math.round(performance.now() - started), examples: classifier.model.examples }, 'classifier model loaded');
      return { classifier, source: path };
    } catch (error) {
      logger?.error({ err: error, model: path }, 'classifier model unusable; trying the next one');
    }
  }
  logger?.warn('no classifier model found: using the keyword baseline (run `npm run train`)');
  return { classifier: new KeywordClassifier(), source: 'keyword-baseline' };
}
