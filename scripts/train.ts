// `npm run train`: retrains the classifier from the shipped labelled set plus officers' /kategori
// corrections and writes DATA_DIR/model.json, which the service loads at start.
// `npm run train -- --shipped`: the shipped set only, written to core/classifier/model.json (maintainers).
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { loadDotEnv, parseEnv } from '../config/env.ts';
import { trainedModelPath } from '../core/classifier/load.ts';
import { loadTrainingSet, SHIPPED_MODEL_PATH, trainModel, type TrainingExample } from '../core/classifier/model.ts';
import { isCategory } from '../core/domain.ts';
import { openStore } from '../storage/db.ts';
import { listCorrections } from '../storage/repositories/index.ts';

/** The latest correction per ticket, as training examples. */
function correctionExamples(databaseFile: string): TrainingExample[] {
  if (!existsSync(databaseFile)) return [];
  const store = openStore(databaseFile);
  try {
    const latest = new Map<number, TrainingExample>();
    for (const correction of listCorrections(store.db)) {
      if (isCategory(correction.corrected)) latest.set(correction.ticketId, { text: correction.text, category: correction.corrected });
    }
    return [...latest.values()];
  } finally {
    store.close();
  }
}

function main(): void {
  const { values } = parseArgs({ options: { shipped: { type: 'boolean', default: false }, out: { type: 'string' } } });
  loadDotEnv();
  const env = parseEnv();
  const shipped = loadTrainingSet();
  const corrections = values.shipped ? [] : correctionExamples(env.databaseFile);
  const out = values.out ?? (values.shipped ? SHIPPED_MODEL_PATH : trainedModelPath(env.dataDir));

  const bar = new cliProgress.SingleBar(
    { format: 'Melatih model |{bar}| {percentage}% ({value}/{total})', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  let barStarted = false;
  const model = trainModel([...shipped, ...corrections], {
    corrections: corrections.length,
    onProgress: (done, total) => {
      if (!barStarted) {
        bar.start(total, 0);
        barStarted = true;
      }
      bar.update(done);
    },
  });
  bar.stop();
  const seconds = (performance.now() - started) / 1000;
  mkdirSync(dirname(out), { recursive: true });
  // Write then rename, so a running service never reads half a file.
  writeFileSync(`${out}.tmp`, `${JSON.stringify(model)}\n`);
  renameSync(`${out}.tmp`, out);
  process.stdout.write(
    `Model written to ${out}\n` +
      `  examples: ${shipped.length} shipped + ${corrections.length} officer corrections\n` +
      `  features: ${model.category.vocabulary.length} (category), ${model.kind.vocabulary.length} (kind), ${model.urgent.vocabulary.length} (urgent)\n` +
      `  calibration: naive Bayes weight ${model.category.naiveBayesWeight}, temperatures ${model.category.naiveBayesTemperature} / ${model.category.softmaxTemperature}, sharpen ${model.category.sharpen ?? 1}\n` +
      `  trained in ${seconds.toFixed(1)} s. Restart the service to use it.\n`,
  );
}

main();
