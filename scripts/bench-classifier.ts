// `npm run --silent bench:classifier [-- --json]`: how fast the shipped classifier loads, classifies
// and trains on this machine, measured in one run (issue targets: load < 500 ms, >= 5,000
// classifications/s on one core, training < 30 s).
import { parseArgs } from 'node:util';
import { loadTrainingSet, readModelFile, SHIPPED_MODEL_PATH, TrainedClassifier, trainModel } from '../core/classifier/model.ts';

const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, 'skip-train': { type: 'boolean', default: false } } });

const examples = loadTrainingSet();

// Load as the service does at start: read the file, parse, build the vocabulary indexes.
let started = performance.now();
const classifier = new TrainedClassifier(readModelFile(SHIPPED_MODEL_PATH));
const loadMs = performance.now() - started;

// Classify the shipped texts with the memo caches cold for the first pass, then steady state.
const texts = examples.map((example) => example.text);
started = performance.now();
for (const text of texts) classifier.classify(text);
const coldPerSecond = texts.length / ((performance.now() - started) / 1000);
let classified = 0;
started = performance.now();
while (performance.now() - started < 2000) {
  for (const text of texts) classifier.classify(text);
  classified += texts.length;
}
const classifyPerSecond = classified / ((performance.now() - started) / 1000);

let trainSeconds: number | null = null;
if (!values['skip-train']) {
  started = performance.now();
  trainModel(examples);
  trainSeconds = (performance.now() - started) / 1000;
}

const result = {
  examples: examples.length,
  model_load_ms: Math.round(loadMs),
  classify_per_s_cold: Math.round(coldPerSecond),
  classify_per_s: Math.round(classifyPerSecond),
  train_s: trainSeconds === null ? null : Math.round(trainSeconds * 10) / 10,
  mean_text_chars: Math.round(texts.reduce((sum, text) => sum + text.length, 0) / texts.length),
};

if (values.json) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  process.stdout.write(
    `Classifier on this machine (${result.examples} shipped examples, mean ${result.mean_text_chars} characters):\n` +
      `  model load        ${result.model_load_ms} ms\n` +
      `  classify (cold)   ${result.classify_per_s_cold}/s\n` +
      `  classify          ${result.classify_per_s}/s\n` +
      `  training          ${result.train_s ?? '-'} s\n`,
  );
}
