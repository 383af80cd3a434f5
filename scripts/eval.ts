// `npm run --silent eval -- FILE.jsonl`: one JSON line of metrics for the classifier the service runs
// (DESIGN.md contract); `--matrix` adds a confusion matrix on stderr.
// `npm run eval -- --cv 5 [--engines all]`: cross-validation on the shipped set, comparing engines,
// with per-label figures and a confusion matrix.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadDotEnv, parseEnv } from '../config/env.ts';
import { KeywordClassifier } from '../core/classifier/keyword.ts';
import { buildVocabulary, scoreNaiveBayes, scoreSoftmax, trainNaiveBayes, trainSoftmax } from '../core/classifier/linear.ts';
import { loadClassifier } from '../core/classifier/load.ts';
import { confusionMatrix, evaluate, type Prediction } from '../core/classifier/metrics.ts';
import { loadTrainingSet, readJsonl, trainModel, TrainedClassifier, type TrainingExample } from '../core/classifier/model.ts';
import { categoryFeatures } from '../core/classifier/preprocess.ts';
import { CATEGORIES } from '../core/domain.ts';

const lineSchema = z.looseObject({ text: z.string(), category: z.string(), kind: z.string().optional() });

function rank(probabilities: number[]): string[] {
  return CATEGORIES.map((category, index) => ({ category, p: probabilities[index] ?? -Infinity }))
    .sort((a, b) => b.p - a.p)
    .map((entry) => entry.category);
}

interface EnginePrediction {
  ranked: string[];
  kind?: string;
  urgent?: boolean;
}

interface Engine {
  name: string;
  /** Trains on `train` and returns a function giving ranked categories (and, if it can, kind and urgency) for a text. */
  fit(train: TrainingExample[]): (text: string) => string[] | EnginePrediction;
}

const categoryIndex = (category: string) => CATEGORIES.indexOf(category as (typeof CATEGORIES)[number]);

const ENGINES: Record<string, Engine> = {
  keyword: {
    name: 'keyword baseline',
    fit: () => {
      const classifier = new KeywordClassifier();
      return (text) => {
        const result = classifier.classify(text);
        const rest = CATEGORIES.filter((category) => !result.alternatives.some((alt) => alt.category === category));
        return [...result.alternatives.map((alt) => alt.category), ...rest];
      };
    },
  },
  bayes: {
    name: 'naive Bayes (sparse)',
    fit: (train) => {
      const sparse = train.map((example) => ({ features: categoryFeatures(example.text), label: categoryIndex(example.category) }));
      const vocabulary = buildVocabulary(sparse, 1);
      const model = trainNaiveBayes(sparse, vocabulary, CATEGORIES.length);
      return (text) => rank(scoreNaiveBayes(model, vocabulary, categoryFeatures(text)));
    },
  },
  logistic: {
    name: 'logistic regression (sparse softmax)',
    fit: (train) => {
      const sparse = train.map((example) => ({ features: categoryFeatures(example.text), label: categoryIndex(example.category) }));
      const vocabulary = buildVocabulary(sparse, 1);
      const model = trainSoftmax(sparse, vocabulary, CATEGORIES.length);
      return (text) => rank(scoreSoftmax(model, vocabulary, categoryFeatures(text)));
    },
  },
  ensemble: {
    name: 'calibrated mixture (shipped)',
    fit: (train) => {
      const classifier = new TrainedClassifier(trainModel(train));
      return (text) => {
        const result = classifier.classify(text);
        return { ranked: rank(classifier.categoryProbabilities(text)), kind: result.kind, urgent: result.urgent };
      };
    },
  },
  'natural-bayes': {
    name: "natural's BayesClassifier",
    fit: (train) => {
      const require = createRequire(import.meta.url);
      const BayesClassifier = require('natural/lib/natural/classifiers/bayes_classifier.js') as new () => {
        addDocument(tokens: string[], label: string): void;
        train(): void;
        getClassifications(tokens: string[]): Array<{ label: string; value: number }>;
      };
      const classifier = new BayesClassifier();
      for (const example of train) classifier.addDocument(categoryFeatures(example.text), example.category);
      classifier.train();
      return (text) => classifier.getClassifications(categoryFeatures(text)).map((entry) => entry.label);
    },
  },
  'natural-logistic': {
    name: "natural's LogisticRegressionClassifier",
    fit: (train) => {
      const require = createRequire(import.meta.url);
      const LogisticRegressionClassifier = require('natural/lib/natural/classifiers/logistic_regression_classifier.js') as new () => {
        addDocument(tokens: string[], label: string): void;
        train(): void;
        getClassifications(tokens: string[]): Array<{ label: string; value: number }>;
      };
      const classifier = new LogisticRegressionClassifier();
      for (const example of train) classifier.addDocument(categoryFeatures(example.text), example.category);
      classifier.train();
      return (text) => classifier.getClassifications(categoryFeatures(text)).map((entry) => entry.label);
    },
  },
};

function evaluateFile(file: string, matrix: boolean): void {
  loadDotEnv();
  const env = parseEnv();
  const { classifier } = loadClassifier(env.dataDir);
  const lines = readJsonl(file, lineSchema);
  const predictions: Prediction[] = lines.map((line) => {
    const result = classifier.classify(line.text);
    return {
      gold: line.category,
      ranked: result.alternatives.map((alt) => alt.category),
      ...(line.kind ? { goldKind: line.kind, kind: result.kind } : {}),
    };
  });
  process.stdout.write(`${JSON.stringify(evaluate(predictions))}\n`);
  // For people: the confusion matrix on stderr, so stdout stays one JSON line.
  if (matrix) process.stderr.write(`\nConfusion matrix (rows: true category, columns: predicted):\n${confusionMatrix(predictions, CATEGORIES)}\n`);
}

function crossValidate(folds: number, engineNames: string[], detail: string): void {
  const examples = loadTrainingSet();
  // Deterministic stratified folds: the i-th example of each category goes to fold i mod k.
  const seen = new Map<string, number>();
  const foldOf = examples.map((example) => {
    const index = seen.get(example.category) ?? 0;
    seen.set(example.category, index + 1);
    return index % folds;
  });
  process.stdout.write(`Cross-validation, ${folds} folds, ${examples.length} shipped examples\n\n`);
  process.stdout.write(`${'engine'.padEnd(40)} accuracy  macro-F1  top-3   train ms  classify/s\n`);
  const results = new Map<string, Prediction[]>();
  const urgencyResults = new Map<string, Array<{ gold: boolean; predicted: boolean }>>();
  for (const name of engineNames) {
    const engine = ENGINES[name];
    if (!engine) throw new Error(`unknown engine ${name}; choose from ${Object.keys(ENGINES).join(', ')}`);
    const predictions: Prediction[] = [];
    const urgency: Array<{ gold: boolean; predicted: boolean }> = [];
    let trainMs = 0;
    let classifyMs = 0;
    for (let fold = 0; fold < folds; fold += 1) {
      const train = examples.filter((_, index) => foldOf[index] !== fold);
      const test = examples.filter((_, index) => foldOf[index] === fold);
      let started = performance.now();
      const predict = engine.fit(train);
      trainMs += performance.now() - started;
      started = performance.now();
      for (const example of test) {
        const output = predict(example.text);
        const predicted = Array.isArray(output) ? { ranked: output } : output;
        predictions.push({
          gold: example.category,
          ranked: predicted.ranked,
          ...(example.kind && predicted.kind ? { goldKind: example.kind, kind: predicted.kind } : {}),
        });
        if (example.urgent !== undefined && predicted.urgent !== undefined) urgency.push({ gold: example.urgent, predicted: predicted.urgent });
      }
      classifyMs += performance.now() - started;
    }
    results.set(name, predictions);
    if (urgency.length > 0) urgencyResults.set(name, urgency);
    const report = evaluate(predictions);
    process.stdout.write(
      `${engine.name.padEnd(40)} ${report.accuracy.toFixed(3).padStart(8)}  ${report.macro_f1.toFixed(3).padStart(8)}  ${report.top3_accuracy.toFixed(3).padStart(5)}  ${Math.round(trainMs / folds).toString().padStart(8)}  ${Math.round((examples.length / classifyMs) * 1000).toString().padStart(10)}\n`,
    );
  }
  const shown = results.get(detail) ?? [...results.values()].at(-1);
  if (!shown) return;
  const report = evaluate(shown);
  process.stdout.write(`\nPer category (${ENGINES[results.has(detail) ? detail : (engineNames.at(-1) ?? '')]?.name ?? detail}):\n`);
  process.stdout.write(`${'category'.padEnd(18)} precision  recall     f1  support\n`);
  for (const [label, metrics] of Object.entries(report.per_label)) {
    process.stdout.write(
      `${label.padEnd(18)} ${metrics.precision.toFixed(3).padStart(9)} ${metrics.recall.toFixed(3).padStart(7)} ${metrics.f1.toFixed(3).padStart(6)} ${String(metrics.support).padStart(8)}\n`,
    );
  }
  process.stdout.write(`\nConfusion matrix (rows: true category, columns: predicted):\n${confusionMatrix(shown, CATEGORIES)}\n`);
  if (report.kind_accuracy !== undefined) process.stdout.write(`\nKind (pengaduan / usulan / pertanyaan) accuracy: ${report.kind_accuracy.toFixed(3)}\n`);
  const urgency = urgencyResults.get(detail);
  if (urgency) {
    const truePositives = urgency.filter((row) => row.gold && row.predicted).length;
    const predictedUrgent = urgency.filter((row) => row.predicted).length;
    const actuallyUrgent = urgency.filter((row) => row.gold).length;
    process.stdout.write(
      `Urgent flag: precision ${(truePositives / Math.max(1, predictedUrgent)).toFixed(3)}, recall ${(truePositives / Math.max(1, actuallyUrgent)).toFixed(3)} ` +
        `(${actuallyUrgent} urgent of ${urgency.length}; ${predictedUrgent} flagged)\n`,
    );
  }
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      cv: { type: 'string' },
      engines: { type: 'string', default: 'keyword,bayes,logistic,ensemble' },
      detail: { type: 'string', default: 'ensemble' },
      matrix: { type: 'boolean', default: false },
    },
  });
  if (values.cv !== undefined) {
    const folds = Number(values.cv);
    if (!Number.isInteger(folds) || folds < 2) throw new Error('--cv needs a whole number of folds, at least 2');
    const engines = values.engines === 'all' ? Object.keys(ENGINES) : values.engines.split(',').map((name) => name.trim());
    crossValidate(folds, engines, values.detail);
    return;
  }
  const [file] = positionals;
  if (!file) {
    process.stderr.write('Usage: npm run --silent eval -- FILE.jsonl [--matrix]   |   npm run eval -- --cv 5 [--engines all]\n');
    process.exit(2);
  }
  evaluateFile(file, values.matrix);
}

try {
  main();
} catch (error) {
  process.stderr.write(`eval: ${(error as Error).message}\n`);
  process.exit(1);
}
