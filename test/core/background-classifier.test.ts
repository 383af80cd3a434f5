// The classifier on its own thread: the same answers as on the main thread, messages still stored
// in arrival order, and nothing lost when the worker fails.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackgroundClassifier } from '../../core/classifier/background.ts';
import { loadClassifier } from '../../core/classifier/load.ts';
import { SHIPPED_MODEL_PATH } from '../../core/classifier/model.ts';
import { IntakeBatcher } from '../../core/intake.ts';
import { loadProfile } from '../../config/profile.ts';
import { createGazetteer } from '../../core/gazetteer.ts';
import { createOfficerDirectory } from '../../core/officers.ts';
import { decisionByIds, route } from '../../core/router.ts';
import { outbox, ticketEvents, tickets } from '../../storage/schema.ts';
import { createTestCore, tempDir, webMessage, type TestCore } from '../helpers.ts';

const TEXTS = [
  'Lampu jalan di gang mawar mati sudah seminggu, gelap kalau malam',
  'air pamsimas ga ngalir dr kemarin pagi pak',
  'Mohon info syarat bikin KTP baru gimana ya',
  'ada pohon tumbang nutup jalan di dusun krajan, bahaya!!',
  'bantuan BLT kok belum cair ya bulan ini',
];

const background: BackgroundClassifier[] = [];
let core: TestCore | undefined;
afterEach(async () => {
  await Promise.all(background.splice(0).map((classifier) => classifier.close()));
  core?.close();
  core = undefined;
});

function logged(): { logger: pino.Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  return { logger: pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) }), lines };
}

function start(options: Partial<ConstructorParameters<typeof BackgroundClassifier>[0]> = {}) {
  const { logger, lines } = logged();
  const classifier = new BackgroundClassifier({ dataDir: undefined, logger, ...options });
  background.push(classifier);
  return { classifier, lines };
}

/** A worker that dies on its first request, then is the real one (test/fixtures/classifier-worker-dies-once.mjs). */
function startDyingOnce(dir: string) {
  return start({ dataDir: dir, entry: new URL('../fixtures/classifier-worker-dies-once.mjs', import.meta.url), restartDelayMs: 50 });
}

/** The shipped model under another name ("trained:retrained-test"), as retraining would write it. */
function writeRetrained(dir: string, file: string): string {
  const path = join(dir, file);
  const model = JSON.parse(readFileSync(SHIPPED_MODEL_PATH, 'utf8')) as { dataHash: string };
  writeFileSync(path, JSON.stringify({ ...model, dataHash: 'retrained-test' }));
  return path;
}

describe('BackgroundClassifier', () => {
  it('answers as the shipped model does on the main thread, for many texts asked at once', async () => {
    const { classifier, lines } = start();
    const here = loadClassifier(undefined).classifier;
    const texts = Array.from({ length: 60 }, (_, i) => `${TEXTS[i % TEXTS.length] ?? ''} ${i}`);
    const answers = await Promise.all(texts.map((text) => classifier.classifyAsync(text)));
    expect(answers.map((answer) => answer.classification)).toEqual(texts.map((text) => here.classify(text)));
    expect(new Set(answers.map((answer) => answer.classifier))).toEqual(new Set([here.name]));
    expect(classifier.name).toBe(here.name);
    expect(lines.some((line) => line.msg === 'classifier ready on its worker thread')).toBe(true);
  });

  it('answers on the main thread when the worker dies, and says so in the log', async () => {
    const { classifier, lines } = start({ entry: new URL('../fixtures/classifier-worker-dies.mjs', import.meta.url) });
    const here = loadClassifier(undefined).classifier;
    const answers = await Promise.all(TEXTS.map((text) => classifier.classifyAsync(text)));
    expect(answers.map((answer) => answer.classification)).toEqual(TEXTS.map((text) => here.classify(text)));
    // Later requests do not wait for a worker that is gone.
    expect((await classifier.classifyAsync('jalan berlubang')).classification).toEqual(here.classify('jalan berlubang'));
    expect(lines.some((line) => line.level === 50 && line.msg.includes('classifier worker failed'))).toBe(true);
  });

  it('given the village profile, finds the place and routes on the worker as intake does on the main thread', async () => {
    const profile = loadProfile();
    const { classifier } = start({ profile });
    const here = loadClassifier(undefined).classifier;
    const gazetteer = createGazetteer(profile);
    const officers = createOfficerDirectory(profile);
    const texts = [
      ...TEXTS,
      'Lampu jalan RT 02 RW 03 mati, pak kades tolong',
      'Pelayanan di kantor desa lambat, saya dipersulit dan diminta uang pelicin',
    ];
    const answers = await Promise.all(texts.map((text) => classifier.classifyAsync(text)));
    texts.forEach((text, i) => {
      const place = gazetteer.locate(text);
      const decision = decisionByIds(route(profile, officers, here.classify(text), place, text));
      expect(answers[i]?.routed).toEqual({ place, decision });
    });
    // The texts cover a named dusun, an RW, an urgent report and a confidential complaint.
    expect(answers.map((answer) => answer.routed?.place)).toContainEqual({ dusun: 'krajan' });
    expect(answers.some((answer) => answer.routed?.place.rw === 3)).toBe(true);
    expect(answers.some((answer) => answer.routed?.decision.urgent)).toBe(true);
    expect(answers.some((answer) => answer.routed?.decision.confidential)).toBe(true);
  });

  it('starts a failed worker again after a pause, with the model swapped in meanwhile; the log says so', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const { classifier, lines } = startDyingOnce(dir);
      const here = loadClassifier(undefined).classifier;
      // The first worker dies on this request: it is answered on the main thread.
      expect((await classifier.classifyAsync(TEXTS[0] ?? '')).classification).toEqual(here.classify(TEXTS[0] ?? ''));
      expect(classifier.thread).toBe('main');
      // Retrained while the worker is down: the new worker must load that model, not the shipped one.
      const retrained = writeRetrained(dir, 'retrained.json');
      await classifier.reload(retrained);
      await vi.waitFor(() => expect(classifier.thread).toBe('worker'), { timeout: 15_000, interval: 50 });
      const answers = await Promise.all(TEXTS.map((text) => classifier.classifyAsync(text)));
      expect(answers.map((answer) => answer.classification)).toEqual(TEXTS.map((text) => here.classify(text)));
      expect(new Set(answers.map((answer) => answer.classifier))).toEqual(new Set(['trained:retrained-test']));
      const messages = lines.map((line) => line.msg);
      expect(messages).toContain('classifier worker failed; classifying on the main thread until it is started again');
      expect(messages).toContain('classifier worker started again; classifying there');
    } finally {
      cleanup();
    }
  });

  it('takes a retrained model even when the worker dies while loading it', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const { classifier, lines } = startDyingOnce(dir);
      const retrained = writeRetrained(dir, 'retrained.json');
      // The first worker dies on this load request: the retrained model is loaded on the main thread.
      await classifier.reload(retrained);
      expect(classifier.name).toBe('trained:retrained-test');
      expect((await classifier.classifyAsync(TEXTS[0] ?? '')).classifier).toBe('trained:retrained-test');
      // The worker started again loads it too.
      await vi.waitFor(() => expect(classifier.thread).toBe('worker'), { timeout: 15_000, interval: 50 });
      const answers = await Promise.all(TEXTS.map((text) => classifier.classifyAsync(text)));
      expect(new Set(answers.map((answer) => answer.classifier))).toEqual(new Set(['trained:retrained-test']));
      expect(lines.map((line) => line.msg)).toContain('the classifier worker failed while loading the retrained model; loading it on the main thread');
    } finally {
      cleanup();
    }
  });

  it('swaps in a retrained model: later answers come from it', async () => {
    const { classifier } = start();
    await classifier.classifyAsync(TEXTS[0] ?? '');
    const { dir, cleanup } = tempDir();
    try {
      const retrained = writeRetrained(dir, 'model.json');
      await classifier.reload(retrained);
      expect(classifier.name).toBe('trained:retrained-test');
      expect((await classifier.classifyAsync(TEXTS[0] ?? '')).classifier).toBe('trained:retrained-test');
    } finally {
      cleanup();
    }
  });

  it('refuses a model file that is not one and keeps the model it has', async () => {
    const { classifier } = start();
    const before = await classifier.classifyAsync(TEXTS[0] ?? '');
    const { dir, cleanup } = tempDir();
    try {
      const bad = join(dir, 'model.json');
      writeFileSync(bad, '{"format":"something else"}');
      await expect(classifier.reload(bad)).rejects.toThrow(/model/);
      expect(await classifier.classifyAsync(TEXTS[0] ?? '')).toEqual(before);
    } finally {
      cleanup();
    }
  });
});

describe('IntakeBatcher with the classifier on its own thread', () => {
  it('opens tickets with the worker’s classification and keeps each resident’s messages in order', async () => {
    const { classifier } = start();
    core = createTestCore({ classifier });
    const batcher = new IntakeBatcher(core.ctx);
    const at = new Date(core.clock.now);
    const results = await Promise.all([
      batcher.submit(webMessage('warga-1', TEXTS[0] ?? '', 'a', at)),
      // Needs no classification, but must not overtake the report before it: it lists that ticket.
      batcher.submit(webMessage('warga-1', '/status', 'b', at)),
      batcher.submit(webMessage('warga-2', TEXTS[1] ?? '', 'c', at)),
    ]);
    expect(results.map((result) => result.outcome)).toEqual(['new_ticket', 'resident_command', 'new_ticket']);
    // The acknowledgement, then the status answer listing the ticket the report opened.
    const [ack, status] = core.queued('warga-1');
    expect(ack).toContain('SKM-1');
    expect(status).toContain('SKM-1');
    expect(status).not.toBe(ack);
    const here = loadClassifier(undefined).classifier;
    const stored = core.ctx.store.db.select().from(tickets).all();
    expect(stored.map((ticket) => [ticket.code, ticket.category])).toEqual([
      ['SKM-1', here.classify(TEXTS[0] ?? '').category],
      ['SKM-2', here.classify(TEXTS[1] ?? '').category],
    ]);
  });

  it('stores what the worker routed: the same tickets, events and notifications as routing in the transaction', async () => {
    const texts = [
      ...TEXTS,
      'Lampu jalan RT 02 RW 03 mati, pak kades tolong',
      'Pelayanan di kantor desa lambat, saya dipersulit dan diminta uang pelicin',
    ];
    const here = createTestCore({ classifier: loadClassifier(undefined).classifier });
    try {
      texts.forEach((text, i) => here.send(`warga-${i}`, text, { id: `m${i}` }));
      const { classifier } = start({ profile: here.ctx.profile });
      core = createTestCore({ classifier });
      const batcher = new IntakeBatcher(core.ctx);
      // One at a time, as they were sent above (a burst would merge notifications into digests).
      for (const [i, text] of texts.entries()) await batcher.submit(webMessage(`warga-${i}`, text, `m${i}`, new Date(core.clock.now)));
      const snapshot = (test: TestCore) => ({
        tickets: test.ctx.store.db.select().from(tickets).all(),
        events: test.ctx.store.db.select().from(ticketEvents).all(),
        outbox: test.ctx.store.db.select().from(outbox).all().map((row) => [row.chatId, row.purpose, row.text]),
      });
      expect(snapshot(core)).toEqual(snapshot(here));
      expect(snapshot(core).tickets.some((ticket) => ticket.dusun !== null)).toBe(true);
    } finally {
      here.close();
    }
  });
});
