// Sparse linear text models: multinomial naive Bayes and softmax (multinomial logistic) regression.
// natural's BayesClassifier and LogisticRegressionClassifier build a dense vector over the whole
// vocabulary for every message (and train LR by dense gradient descent), which measured far below
// the 5,000 classifications/s target; these keep natural's preprocessing and do the same maths on
// the handful of features a message has. `npm run eval -- --cv 5 --engines all` compares both.

export interface SparseExample {
  features: string[];
  label: number;
}

/** A deterministic PRNG (mulberry32), so training twice on the same data gives the same model. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function softmax(scores: number[], temperature = 1): number[] {
  const max = Math.max(...scores);
  const exps = scores.map((score) => Math.exp((score - max) / temperature));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((value) => value / sum);
}

/** Feature name -> column; features seen fewer than `minCount` times in training are dropped. */
export function buildVocabulary(examples: SparseExample[], minCount: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const example of examples) {
    for (const feature of new Set(example.features)) counts.set(feature, (counts.get(feature) ?? 0) + 1);
  }
  const vocabulary = new Map<string, number>();
  for (const [feature, count] of [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (count >= minCount) vocabulary.set(feature, vocabulary.size);
  }
  return vocabulary;
}

/**
 * Per vocabulary, the call in which each column was last seen: a stamp instead of a Set per call
 * (classifying builds three column lists per message; the Sets were a third of their cost).
 */
const seenStamps = new WeakMap<ReadonlyMap<string, number>, { stamps: Uint32Array; call: number }>();

/** The vocabulary columns of `features`, each once, in first-seen order. */
function columns(vocabulary: ReadonlyMap<string, number>, features: string[]): number[] {
  const result: number[] = [];
  let seen = seenStamps.get(vocabulary);
  if (!seen || seen.call >= 0xffffffff) {
    // Columns are 0..size-1 as buildVocabulary numbers them; sized by the largest to be safe.
    let largest = -1;
    for (const column of vocabulary.values()) largest = Math.max(largest, column);
    seen = { stamps: new Uint32Array(largest + 1), call: 0 };
    seenStamps.set(vocabulary, seen);
  }
  const call = (seen.call += 1);
  const { stamps } = seen;
  for (const feature of features) {
    const column = vocabulary.get(feature);
    if (column === undefined || stamps[column] === call) continue;
    stamps[column] = call;
    result.push(column);
  }
  return result;
}

export interface NaiveBayesModel {
  kind: 'naive_bayes';
  logPrior: number[];
  /** logLikelihood[column * classes + class] */
  logLikelihood: number[];
  /** Log-probability of a feature never seen with a class (per class). */
  classes: number;
}

export function trainNaiveBayes(
  examples: SparseExample[],
  vocabulary: ReadonlyMap<string, number>,
  classes: number,
  alpha = 0.3,
): NaiveBayesModel {
  const size = vocabulary.size;
  const counts = new Float64Array(size * classes);
  const totals = new Float64Array(classes);
  const docs = new Float64Array(classes);
  for (const example of examples) {
    docs[example.label] = (docs[example.label] ?? 0) + 1;
    for (const column of columns(vocabulary, example.features)) {
      const index = column * classes + example.label;
      counts[index] = (counts[index] ?? 0) + 1;
      totals[example.label] = (totals[example.label] ?? 0) + 1;
    }
  }
  // Uniform prior: the shipped set's class balance says nothing about what a village receives.
  const logPrior = Array.from({ length: classes }, () => Math.log(1 / classes));
  const logLikelihood = new Array<number>(size * classes);
  for (let column = 0; column < size; column += 1) {
    for (let label = 0; label < classes; label += 1) {
      const index = column * classes + label;
      logLikelihood[index] = Math.log(((counts[index] ?? 0) + alpha) / ((totals[label] ?? 0) + alpha * size));
    }
  }
  return { kind: 'naive_bayes', logPrior, logLikelihood, classes };
}

/** The vocabulary columns of a message's features, each once (what the scoring functions take). */
export function featureColumns(vocabulary: ReadonlyMap<string, number>, features: string[]): number[] {
  return columns(vocabulary, features);
}

export function scoreNaiveBayes(model: NaiveBayesModel, vocabulary: ReadonlyMap<string, number>, features: string[]): number[] {
  return scoreNaiveBayesColumns(model, featureColumns(vocabulary, features));
}

export function scoreNaiveBayesColumns(model: NaiveBayesModel, featureColumns: readonly number[]): number[] {
  const scores = [...model.logPrior];
  for (const column of featureColumns) {
    const base = column * model.classes;
    for (let label = 0; label < model.classes; label += 1) scores[label] = (scores[label] ?? 0) + (model.logLikelihood[base + label] ?? 0);
  }
  return scores;
}

export interface SoftmaxModel {
  kind: 'softmax';
  /** weights[column * classes + class] */
  weights: number[];
  bias: number[];
  classes: number;
}

export interface SoftmaxOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
  /**
   * Weigh each example inversely to its class's frequency, so that every class counts the same.
   * Right for categories; wrong for a rare flag such as urgency, where it turns "0.5" into a guess.
   */
  balance: boolean;
  /** Called after each epoch (for progress bars). */
  onEpoch?: (epoch: number) => void;
}

export const DEFAULT_SOFTMAX_OPTIONS: SoftmaxOptions = { epochs: 40, learningRate: 0.3, l2: 1e-4, seed: 7, balance: true };

/** Softmax regression on binary features, trained by AdaGrad SGD in a seeded order. */
export function trainSoftmax(
  examples: SparseExample[],
  vocabulary: ReadonlyMap<string, number>,
  classes: number,
  options: Partial<SoftmaxOptions> = {},
): SoftmaxModel {
  const { epochs, learningRate, l2, seed, balance, onEpoch } = { ...DEFAULT_SOFTMAX_OPTIONS, ...options };
  const size = vocabulary.size;
  const weights = new Float64Array(size * classes);
  const gradSq = new Float64Array(size * classes).fill(1e-8);
  const bias = new Float64Array(classes);
  const biasSq = new Float64Array(classes).fill(1e-8);
  const encoded = examples.map((example) => ({ columns: columns(vocabulary, example.features), label: example.label }));
  const classCounts = new Array<number>(classes).fill(0);
  for (const example of encoded) classCounts[example.label] = (classCounts[example.label] ?? 0) + 1;
  const classWeight = classCounts.map((count) => (!balance ? 1 : count > 0 ? encoded.length / (classes * count) : 0));
  const random = seededRandom(seed);
  const order = encoded.map((_, index) => index);
  const scores = new Array<number>(classes).fill(0);
  for (let epoch = 0; epoch < epochs; epoch += 1) {
    for (let i = order.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
    }
    for (const index of order) {
      const example = encoded[index];
      if (!example) continue;
      for (let label = 0; label < classes; label += 1) {
        let score = bias[label] ?? 0;
        for (const column of example.columns) score += weights[column * classes + label] ?? 0;
        scores[label] = score;
      }
      const probabilities = softmax(scores);
      const weight = classWeight[example.label] ?? 1;
      for (let label = 0; label < classes; label += 1) {
        const gradient = weight * ((probabilities[label] ?? 0) - (label === example.label ? 1 : 0));
        biasSq[label] = (biasSq[label] ?? 0) + gradient * gradient;
        bias[label] = (bias[label] ?? 0) - (learningRate * gradient) / Math.sqrt(biasSq[label] ?? 1);
        for (const column of example.columns) {
          const at = column * classes + label;
          const g = gradient + l2 * (weights[at] ?? 0);
          gradSq[at] = (gradSq[at] ?? 0) + g * g;
          weights[at] = (weights[at] ?? 0) - (learningRate * g) / Math.sqrt(gradSq[at] ?? 1);
        }
      }
    }
    onEpoch?.(epoch + 1);
  }
  return { kind: 'softmax', weights: Array.from(weights), bias: Array.from(bias), classes };
}

export function scoreSoftmax(model: SoftmaxModel, vocabulary: ReadonlyMap<string, number>, features: string[]): number[] {
  return scoreSoftmaxColumns(model, featureColumns(vocabulary, features));
}

export function scoreSoftmaxColumns(model: SoftmaxModel, featureColumns: readonly number[]): number[] {
  const scores = [...model.bias];
  for (const column of featureColumns) {
    const base = column * model.classes;
    for (let label = 0; label < model.classes; label += 1) scores[label] = (scores[label] ?? 0) + (model.weights[base + label] ?? 0);
  }
  return scores;
}

/** Rounds weights so the model file stays small and diffs stay readable. */
export function roundWeights(values: number[], digits = 4): number[] {
  const factor = 10 ** digits;
  return values.map((value) => Math.round(value * factor) / factor);
}
