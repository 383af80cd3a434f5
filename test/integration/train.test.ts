import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProfile } from '../../config/profile.ts';
import { loadClassifier, trainedModelPath } from '../../core/classifier/load.ts';
import { hashExamples, loadTrainingSet, readModelFile, SHIPPED_MODEL_PATH, TrainedClassifier } from '../../core/classifier/model.ts';
import { createCoreContext } from '../../core/context.ts';
import { ingest } from '../../core/intake.ts';
import { openStore } from '../../storage/db.ts';
import { createTestCore, silentLogger, tempDir, webMessage } from '../helpers.ts';

const run = promisify(execFile);
const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const message = (user: string, text: string, id: string) => webMessage(user, text, id);

describe('the shipped model', () => {
  it('was trained on the shipped labelled set as it is now (run `npm run train -- --shipped` after editing it)', () => {
    const model = readModelFile(SHIPPED_MODEL_PATH);
    expect(model.dataHash).toBe(hashExamples(loadTrainingSet()));
  });

  it('is what the service loads when DATA_DIR has no model of its own', () => {
    const data = tempDir();
    cleanups.push(data.cleanup);
    expect(loadClassifier(data.dir).source).toBe(SHIPPED_MODEL_PATH);
  });

  it('routes everyday messages to the right category, with three alternatives', () => {
    const classifier = new TrainedClassifier(readModelFile(SHIPPED_MODEL_PATH));
    const cases: Array<[string, string]> = [
      ['lampu pju dkt mkm mati lg pak, pdhl udh lapor', 'listrik'],
      ['jalan ke sawah bolong2 gede, motor sering jatuh', 'infrastruktur'],
      ['air pamsimas gak ngalir udah 3 hari', 'air_bersih'],
      ['mau bikin akta kelahiran anak syaratnya apa aja', 'kependudukan'],
      ['kenapa saya tidak dapat BLT padahal janda tidak mampu', 'bansos'],
      ['banjir sudah masuk rumah warga, tolong evakuasi', 'bencana'],
      ['kantor desa jam 10 masih tutup, petugasnya entah ke mana', 'pelayanan_aparat'],
    ];
    for (const [text, category] of cases) {
      const result = classifier.classify(text);
      expect(result.category, text).toBe(category);
      expect(result.alternatives).toHaveLength(3);
      expect(result.confidence).toBeGreaterThan(0);
      expect(result.confidence).toBeLessThanOrEqual(1);
    }
  });

  it('predicts kind and urgency', () => {
    const classifier = new TrainedClassifier(readModelFile(SHIPPED_MODEL_PATH));
    expect(classifier.classify('kapan posyandu bulan ini dibuka?').kind).toBe('pertanyaan');
    expect(classifier.classify('usul dibangun pos ronda baru di ujung gang').kind).toBe('usulan');
    expect(classifier.classify('rumah pak Darto kebakaran, apinya besar').urgent).toBe(true);
    expect(classifier.classify('mohon jadwal posyandu diumumkan di grup').urgent).toBe(false);
    // A polite "tolong" and a question about flood aid are not emergencies; a flood being reported is.
    expect(classifier.classify('tolong diperbaiki pak').urgent).toBe(false);
    expect(classifier.classify('kapan bantuan untuk korban banjir kemarin cair?').urgent).toBe(false);
    expect(classifier.classify('banjir sudah masuk rumah, air sepinggang').urgent).toBe(true);
  });
});

describe('the shipped model in the intake', () => {
  it('routes a clear message straight to its handler and sends a vague one to triage with its alternatives', () => {
    const core = createTestCore({ classifier: new TrainedClassifier(readModelFile(SHIPPED_MODEL_PATH)) });
    try {
      const clear = core.send('warga1', 'lampu pju dkt mkm mati lg pak, pdhl udh lapor');
      expect(core.queued('kaur_umum').some((text) => text.includes(clear.ticketCode ?? '?'))).toBe(true);

      const vague = core.send('warga2', 'pak mohon perhatiannya, sudah lama tidak ada kejelasan');
      const sorterNotice = core.queued('sekdes').find((text) => text.includes(vague.ticketCode ?? '?')) ?? '';
      expect(sorterNotice).toContain('Perlu dipilah');
      expect(sorterNotice).toMatch(/alternatif: \w+ \d+%, \w+ \d+%/);
    } finally {
      core.close();
    }
  });
});

describe('npm run train', () => {
  it('retrains with officers\' corrections into DATA_DIR, and the service then loads that model', async () => {
    const data = tempDir();
    cleanups.push(data.cleanup);
    const store = openStore(join(data.dir, 'aspirasi.sqlite'));
    const ctx = createCoreContext({ store, profile: loadProfile(), logger: silentLogger });
    const created = ingest(ctx, message('warga1', 'kolam ikan lele di belakang balai dusun mati semua ikannya', 'm1'));
    ingest(ctx, message('kasi_kesejahteraan', `/kategori ${created.ticketCode} pertanian`, 'm2'));
    store.close();

    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/train.ts'], {
      env: { ...process.env, DATA_DIR: data.dir },
      timeout: 110_000,
    });
    expect(stdout).toContain('1 officer corrections');
    const path = trainedModelPath(data.dir);
    expect(existsSync(path)).toBe(true);
    expect(readModelFile(path).corrections).toBe(1);
    expect(loadClassifier(data.dir).source).toBe(path);
    // Training takes about 15 s on two cores, more on a busy CI machine.
  }, 120_000);
});
