// The trained classifier: training from the shipped labelled set (plus officers' corrections),
// the model file, and classification behind the core Classifier interface.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CATEGORIES, KINDS, type Category, type Kind } from '../domain.ts';
import { URGENT_WORDS } from './keyword.ts';
import {
  buildVocabulary,
  featureColumns,
  roundWeights,
  scoreNaiveBayes,
  scoreSoftmax,
  scoreSoftmaxColumns,
  scoreNaiveBayesColumns,
  softmax,
  trainNaiveBayes,
  trainSoftmax,
  type NaiveBayesModel,
  type SoftmaxModel,
  type SparseExample,
} from './linear.ts';
import { categoryFeatures, categoryFeaturesOf, styleFeatures, styleFeaturesOf, tokenize } from './preprocess.ts';
import type { Classification, Classifier } from './types.ts';

export const TRAINING_DIR = join(dirname(fileURLToPath(import.meta.url)), 'training');
export const SHIPPED_MODEL_PATH = join(dirname(fileURLToPath(import.meta.url)), 'model.json');
export const MODEL_FORMAT = 'aspirasi-classifier/1';

export const trainingExampleSchema = z.object({
  text: z.string().min(1),
  category: z.enum(CATEGORIES),
  kind: z.enum(KINDS).optional(),
  urgent: z.boolean().optional(),
});
export type TrainingExample = z.infer<typeof trainingExampleSchema>;

/** Reads JSON lines, naming file and line of any malformed entry. */
export function readJsonl<T>(path: string, schema: z.ZodType<T>): T[] {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  const result: T[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new Error(`${path}:${index + 1}: invalid JSON (${(error as Error).message})`, { cause: error });
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      throw new Error(`${path}:${index + 1}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    }
    result.push(parsed.data);
  });
  return result;
}

/** The shipped labelled set: every `*.jsonl` file in the training folder. */
export function loadTrainingSet(dir = TRAINING_DIR): TrainingExample[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.jsonl'))
    .sort()
    .flatMap((file) => readJsonl(join(dir, file), trainingExampleSchema));
}

export function hashExamples(examples: TrainingExample[]): string {
  const hash = createHash('sha256');
  for (const example of examples) hash.update(`${example.category}\t${example.kind ?? ''}\t${example.urgent ?? ''}\t${example.text}\n`);
  return hash.digest('hex').slice(0, 16);
}

interface CategoryModel {
  vocabulary: string[];
  naiveBayes: NaiveBayesModel;
  softmax: SoftmaxModel;
  /** Temperatures that make each model's probabilities honest on held-out folds. */
  naiveBayesTemperature: number;
  softmaxTemperature: number;
  /** Weight of naive Bayes in the mixture (1 - weight goes to softmax regression). */
  naiveBayesWeight: number;
  /**
   * Exponent applied to the mixture before renormalising, chosen so that the top category's
   * probability matches how often the top category is right on held-out folds (1 = unchanged).
   */
  sharpen?: number;
}

type Calibration = Pick<CategoryModel, 'naiveBayesTemperature' | 'softmaxTemperature' | 'naiveBayesWeight' | 'sharpen'>;

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  trainedAt: string;
  dataHash: string;
  examples: number;
  corrections: number;
  categories: Category[];
  category: CategoryModel;
  kind: { labels: Kind[]; vocabulary: string[]; softmax: SoftmaxModel };
  urgent: { vocabulary: string[]; softmax: SoftmaxModel };
}

export interface TrainOptions {
  /** Called with (done, total) as training proceeds. */
  onProgress?: (done: number, total: number) => void;
  /** Fixed calibration (skips the internal cross-validation), for quick experiments. */
  calibration?: Calibration;
  corrections?: number;
}

const CATEGORY_INDEX = new Map(CATEGORIES.map((category, index) => [category, index]));
const KIND_INDEX = new Map(KINDS.map((kind, index) => [kind, index]));

function categoryExamples(examples: TrainingExample[]): SparseExample[] {
  return examples.map((example) => ({ features: categoryFeatures(example.text), label: CATEGORY_INDEX.get(example.category) ?? 0 }));
}

function fitCategoryCore(sparse: SparseExample[], onEpoch?: () => void) {
  const vocabularyMap = buildVocabulary(sparse, 1);
  return {
    vocabularyMap,
    naiveBayes: trainNaiveBayes(sparse, vocabularyMap, CATEGORIES.length),
    softmax: trainSoftmax(sparse, vocabularyMap, CATEGORIES.length, { onEpoch }),
  };
}

/** Mixture probabilities of the two category models, sharpened by the calibration exponent. */
function mix(nbScores: number[], lrScores: number[], calibration: Calibration): number[] {
  const nb = softmax(nbScores, calibration.naiveBayesTemperature);
  const lr = softmax(lrScores, calibration.softmaxTemperature);
  const mixed = nb.map((value, index) => calibration.naiveBayesWeight * value + (1 - calibration.naiveBayesWeight) * (lr[index] ?? 0));
  const exponent = calibration.sharpen ?? 1;
  if (exponent === 1) return mixed;
  const powered = mixed.map((value) => value ** exponent);
  const sum = powered.reduce((a, b) => a + b, 0);
  return powered.map((value) => value / sum);
}

/**
 * The sharpening exponent whose top-category probability best predicts (log-loss) whether the top
 * category is right: the mixture alone spreads its mass over 14 categories and reads about half as
 * confident as it really is.
 */
function fitSharpen(rows: Array<{ nb: number[]; lr: number[]; label: number }>, calibration: Calibration): number {
  let best = { exponent: 1, loss: Infinity };
  for (let exponent = 1; exponent <= 8.001; exponent += 0.25) {
    let loss = 0;
    for (const row of rows) {
      const probabilities = mix(row.nb, row.lr, { ...calibration, sharpen: exponent });
      const top = Math.max(...probabilities);
      const right = probabilities.indexOf(top) === row.label;
      const p = Math.min(Math.max(top, 1e-6), 1 - 1e-6);
      loss -= right ? Math.log(p) : Math.log(1 - p);
    }
    if (loss < best.loss) best = { exponent, loss };
  }
  return best.exponent;
}

/**
 * Chooses temperatures and the mixture weight on 4 held-out folds: the weight that classifies best
 * (accuracy, then log-loss), the temperatures with the lowest log-loss, so that "80%" means about
 * four in five right.
 */
function calibrate(sparse: SparseExample[], onFold: () => void) {
  const folds = 4;
  const outOfFold: Array<{ nb: number[]; lr: number[]; label: number }> = [];
  for (let fold = 0; fold < folds; fold += 1) {
    const train = sparse.filter((_, index) => index % folds !== fold);
    const test = sparse.filter((_, index) => index % folds === fold);
    const core = fitCategoryCore(train);
    for (const example of test) {
      outOfFold.push({
        nb: scoreNaiveBayes(core.naiveBayes, core.vocabularyMap, example.features),
        lr: scoreSoftmax(core.softmax, core.vocabularyMap, example.features),
        label: example.label,
      });
    }
    onFold();
  }
  const logLoss = (calibration: Calibration) => {
    let loss = 0;
    let correct = 0;
    for (const row of outOfFold) {
      const probabilities = mix(row.nb, row.lr, calibration);
      loss -= Math.log(Math.max(probabilities[row.label] ?? 0, 1e-9));
      const best = probabilities.indexOf(Math.max(...probabilities));
      if (best === row.label) correct += 1;
    }
    return { loss: loss / outOfFold.length, accuracy: correct / outOfFold.length };
  };
  const nbTemperatures = [1, 2, 3, 5, 8, 12, 18, 25];
  const lrTemperatures = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];
  const weights = [0, 0.25, 0.5, 0.75, 1];
  let best: Calibration = { naiveBayesTemperature: 5, softmaxTemperature: 1, naiveBayesWeight: 0.5 };
  let bestScore = { loss: Infinity, accuracy: 0 };
  for (const naiveBayesWeight of weights) {
    for (const naiveBayesTemperature of nbTemperatures) {
      for (const softmaxTemperature of lrTemperatures) {
        const candidate = { naiveBayesTemperature, softmaxTemperature, naiveBayesWeight };
        const score = logLoss(candidate);
        if (score.accuracy > bestScore.accuracy + 1e-9 || (Math.abs(score.accuracy - bestScore.accuracy) < 1e-9 && score.loss < bestScore.loss)) {
          best = candidate;
          bestScore = score;
        }
      }
    }
  }
  return { ...best, sharpen: fitSharpen(outOfFold, best) };
}

export function trainModel(examples: TrainingExample[], options: TrainOptions = {}): ModelFile {
  const sparse = categoryExamples(examples);
  const epochs = 40;
  const calibrationSteps = options.calibration ? 0 : 4 * epochs;
  const total = calibrationSteps + epochs * 3;
  let done = 0;
  const tick = (steps = 1) => {
    done += steps;
    options.onProgress?.(done, total);
  };
  const calibration = options.calibration ?? calibrate(sparse, () => tick(epochs));
  const core = fitCategoryCore(sparse, () => tick());

  const kindExamples = examples
    .filter((example) => example.kind !== undefined)
    .map((example) => ({ features: styleFeatures(example.text), label: KIND_INDEX.get(example.kind ?? 'pengaduan') ?? 0 }));
  const kindVocabulary = buildVocabulary(kindExamples, 2);
  const kindModel = trainSoftmax(kindExamples, kindVocabulary, KINDS.length, { onEpoch: () => tick() });

  const urgentExamples = examples
    .filter((example) => example.urgent !== undefined)
    .map((example) => ({ features: styleFeatures(example.text).concat(categoryFeatures(example.text)), label: example.urgent ? 1 : 0 }));
  const urgentVocabulary = buildVocabulary(urgentExamples, 2);
  const urgentModel = trainSoftmax(urgentExamples, urgentVocabulary, 2, { balance: false, onEpoch: () => tick() });

  const compactSoftmax = (model: SoftmaxModel): SoftmaxModel => ({ ...model, weights: roundWeights(model.weights), bias: roundWeights(model.bias) });
  return {
    format: MODEL_FORMAT,
    trainedAt: new Date().toISOString(),
    dataHash: hashExamples(examples),
    examples: examples.length,
    corrections: options.corrections ?? 0,
    categories: [...CATEGORIES],
    category: {
      vocabulary: [...core.vocabularyMap.keys()],
      naiveBayes: { ...core.naiveBayes, logLikelihood: roundWeights(core.naiveBayes.logLikelihood), logPrior: roundWeights(core.naiveBayes.logPrior) },
      softmax: compactSoftmax(core.softmax),
      ...calibration,
    },
    kind: { labels: [...KINDS], vocabulary: [...kindVocabulary.keys()], softmax: compactSoftmax(kindModel) },
    urgent: { vocabulary: [...urgentVocabulary.keys()], softmax: compactSoftmax(urgentModel) },
  };
}

function indexVocabulary(vocabulary: string[]): Map<string, number> {
  return new Map(vocabulary.map((feature, index) => [feature, index]));
}

/** The trained model behind the core interface. */
export class TrainedClassifier implements Classifier {
  readonly name: string;
  private readonly categoryVocabulary: Map<string, number>;
  private readonly kindVocabulary: Map<string, number>;
  private readonly urgentVocabulary: Map<string, number>;

  constructor(readonly model: ModelFile) {
    if (model.format !== MODEL_FORMAT) throw new Error(`unknown model format ${String(model.format)}`);
    this.name = `trained:${model.dataHash}`;
    this.categoryVocabulary = indexVocabulary(model.category.vocabulary);
    this.kindVocabulary = indexVocabulary(model.kind.vocabulary);
    this.urgentVocabulary = indexVocabulary(model.urgent.vocabulary);
  }

  /** Probabilities per category, in the order of `model.categories`. */
  categoryProbabilities(text: string, features = categoryFeatures(text)): number[] {
    const { category } = this.model;
    // Both models share the vocabulary: the features' columns are looked up once.
    const columns = featureColumns(this.categoryVocabulary, features);
    return mix(scoreNaiveBayesColumns(category.naiveBayes, columns), scoreSoftmaxColumns(category.softmax, columns), category);
  }

  /** The urgency model's probability that the message needs action today. */
  urgentProbability(text: string, style = styleFeatures(text), features = categoryFeatures(text)): number {
    const scores = softmax(scoreSoftmax(this.model.urgent.softmax, this.urgentVocabulary, style.concat(features)));
    return scores[1] ?? 0;
  }

  classify(text: string): Classification {
    // Tokenizing and stemming is most of the work: once per message for all three models.
    const tokens = tokenize(text);
    const features = categoryFeaturesOf(tokens);
    const probabilities = this.categoryProbabilities(text, features);
    const ranked = this.model.categories
      .map((category, index) => ({ category, confidence: probabilities[index] ?? 0 }))
      .sort((a, b) => b.confidence - a.confidence);
    const top = ranked[0] ?? { category: 'lainnya' as Category, confidence: 0 };
    const style = styleFeaturesOf(text, tokens);
    const kindScores = softmax(scoreSoftmax(this.model.kind.softmax, this.kindVocabulary, style));
    const kind = this.model.kind.labels[kindScores.indexOf(Math.max(...kindScores))] ?? 'pengaduan';
    const urgentProbability = this.urgentProbability(text, style, features);
    // DESIGN.md: a disaster or an urgency word in a report is urgent whatever the model thinks; a
    // question or a proposal that mentions floods ("kapan bantuan banjir cair?") is not.
    const reported = kind === 'pengaduan' && (top.category === 'bencana' || URGENT_WORDS.test(text.toLowerCase()));
    const urgent = reported || urgentProbability > 0.5;
    return { category: top.category, confidence: top.confidence, alternatives: ranked.slice(0, 3), kind, urgent };
  }
}

const modelFileSchema = z.looseObject({ format: z.literal(MODEL_FORMAT) });

/** Reads a model file; throws with the path when it is missing or not a model. */
export function readModelFile(path: string): ModelFile {
  const parsed = modelFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path} is not an ${MODEL_FORMAT} model file`);
  return parsed.data as unknown as ModelFile;
}
