// The classifier interface core depends on. The keyword baseline and the trained model implement it.
import type { Category, Kind } from '../domain.ts';

export interface Classification {
  category: Category;
  /** 0..1, how sure the classifier is of `category`. */
  confidence: number;
  /** The best three categories with their scores, best first (includes `category`). */
  alternatives: Array<{ category: Category; confidence: number }>;
  kind: Kind;
  urgent: boolean;
}

export interface Classifier {
  readonly name: string;
  classify(text: string): Classification;
}
