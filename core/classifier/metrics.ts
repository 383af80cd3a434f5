// Classification metrics as DESIGN.md's eval contract defines them.
export interface LabelMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface EvaluationReport {
  n: number;
  accuracy: number;
  macro_f1: number;
  top3_accuracy: number;
  per_label: Record<string, LabelMetrics>;
  kind_accuracy?: number;
}

export interface Prediction {
  gold: string;
  /** Best first; the first is the prediction. */
  ranked: string[];
  goldKind?: string;
  kind?: string;
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;

/** Macro-F1 averages over the labels present in the gold labels (DESIGN.md). */
export function evaluate(predictions: Prediction[]): EvaluationReport {
  const labels = [...new Set(predictions.map((p) => p.gold))].sort();
  const perLabel: Record<string, LabelMetrics> = {};
  for (const label of labels) {
    const truePositive = predictions.filter((p) => p.gold === label && p.ranked[0] === label).length;
    const predicted = predictions.filter((p) => p.ranked[0] === label).length;
    const support = predictions.filter((p) => p.gold === label).length;
    const precision = predicted === 0 ? 0 : truePositive / predicted;
    const recall = support === 0 ? 0 : truePositive / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perLabel[label] = { precision: round(precision), recall: round(recall), f1: round(f1), support };
  }
  const n = predictions.length;
  const correct = predictions.filter((p) => p.ranked[0] === p.gold).length;
  const top3 = predictions.filter((p) => p.ranked.slice(0, 3).includes(p.gold)).length;
  const f1s = labels.map((label) => perLabel[label]?.f1 ?? 0);
  const report: EvaluationReport = {
    n,
    accuracy: round(n === 0 ? 0 : correct / n),
    macro_f1: round(f1s.length === 0 ? 0 : f1s.reduce((a, b) => a + b, 0) / f1s.length),
    top3_accuracy: round(n === 0 ? 0 : top3 / n),
    per_label: perLabel,
  };
  const withKind = predictions.filter((p) => p.goldKind !== undefined);
  if (withKind.length > 0) {
    report.kind_accuracy = round(withKind.filter((p) => p.kind === p.goldKind).length / withKind.length);
  }
  return report;
}

/** A confusion matrix as aligned text: rows are the true labels, columns the predictions. */
export function confusionMatrix(predictions: Prediction[], labels: readonly string[]): string {
  const short = labels.map((label) => label.slice(0, 6));
  const width = Math.max(...labels.map((label) => label.length)) + 1;
  const lines = [`${'true \\ predicted'.padEnd(width)} ${short.map((s) => s.padStart(6)).join(' ')}`];
  for (const gold of labels) {
    const row = labels.map((predicted) => predictions.filter((p) => p.gold === gold && p.ranked[0] === predicted).length);
    lines.push(`${gold.padEnd(width)} ${row.map((count) => (count === 0 ? '.' : String(count)).padStart(6)).join(' ')}`);
  }
  return lines.join('\n');
}
