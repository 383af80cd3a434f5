// The classifier on a worker thread. Classifying is the largest piece of CPU work in intake (a third
// of it under a burst); on the main thread it runs between the database statements, one after the
// other. Here it runs on another core while the main thread stores the previous batch: IntakeBatcher
// asks for a message's classification when the message arrives (classifyAsync) and has it in hand
// by the time the message's transaction opens a ticket.
//
// Given the village profile, the worker also finds the place the text names and routes it (pure
// functions of the text and its classification), which the main thread would otherwise do inside the
// transaction.
//
// The synchronous `classify` (one message at a time, outside a burst) loads a copy of the model on the
// main thread the first time it is needed. If the worker fails, every request is answered by that
// copy (slower, never lost) until a new worker, started after a pause that doubles with each failure
// in a row, reports ready.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { loadClassifier } from './load.ts';
import { readModelFile, TrainedClassifier } from './model.ts';
import type { VillageProfile } from '../../config/profile.ts';
import type { Routed } from '../router.ts';
import type { AsyncClassifier, Classification, ClassifiedBy, Classifier } from './types.ts';

export type WorkerRequest = { type: 'classify'; id: number; texts: string[] } | { type: 'load'; id: number; path: string };
export type WorkerReply =
  | { type: 'ready'; name: string; source: string }
  | { type: 'classified'; id: number; name: string; results: Array<{ classification: Classification; routed?: Routed }> }
  | { type: 'loaded'; id: number; name: string }
  | { type: 'failed'; id: number; message: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; fields: object; message: string };

interface Pending {
  texts: string[];
  settle: Array<{ resolve: (value: ClassifiedBy) => void; reject: (error: unknown) => void }>;
}

/** Texts per request to the worker. */
const CHUNK = 16;

const ENTRY = new URL('./worker-entry.mjs', import.meta.url);
/** First pause before a failed worker is started again; it doubles up to MAX_RESTART_DELAY_MS. */
const RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 5 * 60_000;

export class BackgroundClassifier implements AsyncClassifier {
  private worker: Worker | undefined;
  /** A worker started again after a failure, until it reports ready. */
  private starting: Worker | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartDelayMs: number;
  private closed = false;
  private local: Classifier | undefined;
  private currentName: string;
  private nextId = 1;
  /** Texts asked for in this event-loop turn: posted to the worker together. */
  private queued: Pending | undefined;
  private readonly inFlight = new Map<number, Pending>();
  private readonly loads = new Map<number, { resolve: (name: string) => void; reject: (error: Error) => void }>();
  private modelPath: string | undefined;

  private readonly dataDir: string | undefined;
  private readonly profile: VillageProfile | undefined;
  private readonly logger: Logger;
  private readonly entry: URL;
  private readonly firstRestartDelayMs: number;

  /**
   * @param options.dataDir where a model trained with officers' corrections lives (as loadClassifier).
   * @param options.profile the village profile the intake uses: given it, answers include the place
   *   and routing (ClassifiedBy.routed).
   * @param options.entry the worker's script (tests give one that fails).
   * @param options.restartDelayMs the first pause before a failed worker is started again.
   */
  constructor(options: { dataDir: string | undefined; logger: Logger; profile?: VillageProfile; entry?: URL; restartDelayMs?: number }) {
    this.dataDir = options.dataDir;
    this.profile = options.profile;
    this.logger = options.logger;
    this.entry = options.entry ?? ENTRY;
    this.firstRestartDelayMs = options.restartDelayMs ?? RESTART_DELAY_MS;
    this.restartDelayMs = this.firstRestartDelayMs;
    // Until the worker reports the model it loaded.
    this.currentName = 'loading';
    this.worker = this.spawn();
  }

  get name(): string {
    return this.local?.name ?? this.currentName;
  }

  /** Where bursts are classified: on the worker, or on the main thread while the worker is down. */
  get thread(): 'worker' | 'main' {
    return this.worker ? 'worker' : 'main';
  }

  /** Synchronous classification on the main thread (loads the model here on first use). */
  classify(text: string): Classification {
    return this.localClassifier().classify(text);
  }

  classifyAsync(text: string): Promise<ClassifiedBy> {
    if (!this.worker) return Promise.resolve(this.classifyHere(text));
    return new Promise((resolve, reject) => {
      if (!this.queued) {
        this.queued = { texts: [], settle: [] };
        setImmediate(() => this.post());
      }
      this.queued.texts.push(text);
      this.queued.settle.push({ resolve, reject });
      // Small batches come back sooner: the main thread starts storing the first messages of a
      // burst while the worker still classifies the rest.
      if (this.queued.texts.length >= CHUNK) this.post();
    });
  }

  /**
   * Loads a newly trained model in the worker, then in the main thread's copy if there is one (or if
   * it is the only one). A file that is not a model rejects, and every copy keeps the model it has.
   * A worker that dies while loading says nothing about the file: the main thread loads it (and
   * classifies until a worker is started again, which loads it too).
   */
  async reload(path: string): Promise<void> {
    const worker = this.worker;
    if (worker) {
      try {
        this.currentName = await this.load(worker, path);
      } catch (error) {
        if (this.worker === worker) throw error;
        this.logger.warn({ err: error, model: path }, 'the classifier worker failed while loading the retrained model; loading it on the main thread');
      }
    }
    if (this.local || this.worker !== worker || !worker) this.local = new TrainedClassifier(readModelFile(path));
    this.modelPath = path;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    const starting = this.starting;
    this.worker = undefined;
    this.starting = undefined;
    if (worker) this.answerHere();
    await Promise.all([worker?.terminate(), starting?.terminate()]);
  }

  private load(worker: Worker, path: string): Promise<string> {
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      this.loads.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ type: 'load', id, path } satisfies WorkerRequest);
    });
  }

  private spawn(): Worker {
    const worker = new Worker(this.entry, {
      workerData: { dataDir: this.dataDir, profile: this.profile },
      name: 'classifier',
      // Not the parent's `--import tsx` and the like: worker-entry.mjs registers the loader itself.
      execArgv: [],
      // Classifying allocates only short-lived strings and arrays: a small young generation is
      // enough, and V8's default (up to 48 MB per thread) added about 60 MB of resident memory.
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
    });
    // Never what keeps the process alive: it is referenced only while a request is out.
    worker.unref();
    worker.on('message', (reply: WorkerReply) => this.onReply(worker, reply));
    worker.on('error', (error) => this.fail(worker, error));
    worker.on('exit', (code) => this.fail(worker, new Error(`classifier worker exited with code ${code}`)));
    return worker;
  }

  private post(): void {
    const batch = this.queued;
    this.queued = undefined;
    if (!batch) return;
    const worker = this.worker;
    if (!worker) {
      this.settleHere(batch);
      return;
    }
    const id = this.nextId++;
    this.inFlight.set(id, batch);
    worker.ref();
    worker.postMessage({ type: 'classify', id, texts: batch.texts } satisfies WorkerRequest);
  }

  private onReply(worker: Worker, reply: WorkerReply): void {
    switch (reply.type) {
      case 'ready':
        this.currentName = reply.name;
        if (worker === this.starting) {
          this.restarted(worker);
          break;
        }
        this.logger.info({ model: reply.source, classifier: reply.name }, 'classifier ready on its worker thread');
        break;
      case 'log':
        this.logger[reply.level](reply.fields, reply.message);
        break;
      case 'classified': {
        const batch = this.inFlight.get(reply.id);
        this.inFlight.delete(reply.id);
        batch?.settle.forEach((request, i) => {
          const result = reply.results[i];
          if (result) request.resolve({ ...result, classifier: reply.name });
          else request.reject(new Error('classifier worker answered fewer texts than asked'));
        });
        // It works: a later failure is restarted after the first, short pause again.
        this.restartDelayMs = this.firstRestartDelayMs;
        break;
      }
      case 'loaded':
        this.loads.get(reply.id)?.resolve(reply.name);
        this.loads.delete(reply.id);
        break;
      case 'failed':
        this.loads.get(reply.id)?.reject(new Error(reply.message));
        this.loads.delete(reply.id);
        break;
    }
    if (this.inFlight.size === 0 && this.loads.size === 0) this.worker?.unref();
  }

  /**
   * The worker is gone: everything it had, and everything until a new one is ready, is classified
   * here. A worker that fails while starting again is only tried again later.
   */
  private fail(worker: Worker, error: Error): void {
    if (worker === this.starting) {
      this.starting = undefined;
      void worker.terminate();
      this.logger.error({ err: error, retryInMs: this.restartDelayMs }, 'classifier worker failed to start again; still classifying on the main thread');
      this.scheduleRestart();
      return;
    }
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.logger.error({ err: error, retryInMs: this.restartDelayMs }, 'classifier worker failed; classifying on the main thread until it is started again');
    for (const load of this.loads.values()) load.reject(error);
    this.loads.clear();
    this.answerHere();
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    if (this.closed) return;
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.closed) this.starting = this.spawn();
    }, delay);
    this.restartTimer.unref();
  }

  /**
   * A worker started again is ready: it takes the requests from now on (with the retrained model, if
   * one was swapped in), and the main thread's copy of the model is let go.
   */
  private restarted(worker: Worker): void {
    this.starting = undefined;
    this.worker = worker;
    this.local = undefined;
    this.logger.info({ classifier: this.currentName }, 'classifier worker started again; classifying there');
    const path = this.modelPath;
    if (path) {
      // Posted before any request, so every answer from here on comes from that model.
      this.load(worker, path).then(
        (name) => (this.currentName = name),
        (error: unknown) => this.logger.error({ err: error, model: path }, 'the restarted classifier worker could not load the retrained model'),
      );
    }
  }

  private answerHere(): void {
    for (const batch of this.inFlight.values()) this.settleHere(batch);
    this.inFlight.clear();
    const queued = this.queued;
    this.queued = undefined;
    if (queued) this.settleHere(queued);
  }

  private settleHere(batch: Pending): void {
    batch.texts.forEach((text, i) => {
      const request = batch.settle[i];
      try {
        request?.resolve(this.classifyHere(text));
      } catch (error) {
        request?.reject(error);
      }
    });
  }

  private classifyHere(text: string): ClassifiedBy {
    const classifier = this.localClassifier();
    return { classification: classifier.classify(text), classifier: classifier.name };
  }

  private localClassifier(): Classifier {
    if (!this.local) {
      this.local = this.modelPath ? new TrainedClassifier(readModelFile(this.modelPath)) : loadClassifier(this.dataDir, this.logger).classifier;
    }
    return this.local;
  }
}
