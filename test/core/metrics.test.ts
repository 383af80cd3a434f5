import { describe, expect, it } from 'vitest';
import { confusionMatrix, evaluate } from '../../core/classifier/metrics.ts';

describe('evaluation metrics', () => {
  const predictions = [
    { gold: 'listrik', ranked: ['listrik', 'infrastruktur', 'lainnya'] },
    { gold: 'listrik', ranked: ['infrastruktur', 'listrik', 'lainnya'] },
    { gold: 'infrastruktur', ranked: ['infrastruktur', 'listrik', 'lainnya'] },
    { gold: 'air_bersih', ranked: ['lainnya', 'kesehatan', 'bansos'] },
  ];

  it('computes accuracy, top-3, and per-label precision / recall / F1 with support', () => {
    const report = evaluate(predictions);
    expect(report.n).toBe(4);
    expect(report.accuracy).toBe(0.5);
    expect(report.top3_accuracy).toBe(0.75);
    expect(report.per_label.listrik).toEqual({ precision: 1, recall: 0.5, f1: 0.6667, support: 2 });
    expect(report.per_label.infrastruktur).toEqual({ precision: 0.5, recall: 1, f1: 0.6667, support: 1 });
    expect(report.per_label.air_bersih).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
  });

  it('averages macro-F1 over the labels present in the gold labels only', () => {
    // "lainnya" was predicted but is not a gold label: it does not enter the average.
    expect(evaluate(predictions).macro_f1).toBe(Math.round(((0.6667 + 0.6667 + 0) / 3) * 10_000) / 10_000);
    expect(Object.keys(evaluate(predictions).per_label).sort()).toEqual(['air_bersih', 'infrastruktur', 'listrik']);
  });

  it('reports kind accuracy only when lines carry a kind', () => {
    expect(evaluate(predictions).kind_accuracy).toBeUndefined();
    expect(evaluate([{ gold: 'a', ranked: ['a'], goldKind: 'usulan', kind: 'usulan' }, { gold: 'a', ranked: ['a'], goldKind: 'usulan', kind: 'pengaduan' }]).kind_accuracy).toBe(0.5);
  });

  it('prints a confusion matrix with true labels as rows', () => {
    const matrix = confusionMatrix(predictions, ['listrik', 'infrastruktur']);
    expect(matrix.split('\n')[1]).toMatch(/^listrik\s+1\s+1$/);
    expect(matrix.split('\n')[2]).toMatch(/^infrastruktur\s+\.\s+1$/);
  });
});
