// The classifier interface core depends on. The keyword baseline and the trained model implement it.
import type { Category, Kind } from '../domain.ts';
import type { Routed } from '../router.ts';

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

/** A classification and the name of the classifier that made it (stored with the ticket's first event). */
export interface ClassifiedBy {
  classification: Classification;
  classifier: string;
  /** Place and routing, when the classifier's thread knows the village profile (BackgroundClassifier). */
  routed?: Routed;
}

/** A classifier that can also answer without blocking the main thread. */
export interface AsyncClassifier extends Classifier {
  classifyAsync(text: string): Promise<ClassifiedBy>;
  /** Where it classifies now: on its own thread, or on the main thread (while that thread is down). */
  readonly thread: 'worker' | 'main';
}

export function isAsyncClassifier(classifier: Classifier): classifier is AsyncClassifier {
  return typeof (classifier as Partial<AsyncClassifier>).classifyAsync === 'function';
}
