// The classifier on its own thread: the same answers as on the main thread, messages still stored
// in arrival order, and nothing lost when the worker fails.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BackgroundClassifier } from '../../core/classifier/background.ts';
import { loadClassifier } from '../../core/classifier/load.ts';
import { SHIPPED_MODEL_PATH } from '../../core/classifier/model.ts';
import { IntakeBatcher } from '../../core/intake.ts';
import { tickets } from '../../storage/schema.ts';
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

  it('swaps in a retrained model: later answers come from it', async () => {
    const { classifier } = start();
    await classifier.classifyAsync(TEXTS[0] ?? '');
    const { dir, cleanup } = tempDir();
    try {
      const retrained = join(dir, 'model.json');
      const model = JSON.parse(readFileSync(SHIPPED_MODEL_PATH, 'utf8')) as { dataHash: string };
      writeFileSync(retrained, JSON.stringify({ ...model, dataHash: 'retrained-test' }));
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
});
