// Group commit: concurrent arrivals stored in one transaction; when one fails, the batch is stored again
// with a savepoint per message so only that one is lost.
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { KeywordClassifier } from '../../core/classifier/keyword.ts';
import type { Classifier } from '../../core/classifier/types.ts';
import { IntakeBatcher } from '../../core/intake.ts';
import type { InboundMessage } from '../../core/types.ts';
import { messages, tickets } from '../../storage/schema.ts';
import { createTestCore, webMessage, type TestCore } from '../helpers.ts';

let core: TestCore;
afterEach(() => core.close());

const message = (id: string, user: string, text: string): InboundMessage => webMessage(user, text, id, new Date(core.clock.now));

/** The keyword classifier, except that it throws on a report of something exploding ("meledak"). */
function explodingClassifier(): Classifier {
  const keyword = new KeywordClassifier();
  return {
    name: 'failing',
    classify: (text) => {
      if (text.includes('meledak')) throw new Error('classifier exploded');
      return keyword.classify(text);
    },
  };
}

/** Three reports in one batch, the second of which makes explodingClassifier throw. */
function submitWithOneExploding(): Promise<Array<PromiseSettledResult<unknown>>> {
  const batcher = new IntakeBatcher(core.ctx);
  return Promise.allSettled([
    batcher.submit(message('a', 'warga-1', 'Lampu jalan di gang mawar mati sudah seminggu')),
    batcher.submit(message('b', 'warga-2', 'Trafo meledak di ujung jalan')),
    batcher.submit(message('c', 'warga-3', 'Air PAMSIMAS tidak mengalir sejak kemarin pagi')),
  ]);
}

describe('IntakeBatcher', () => {
  it('stores concurrent messages in one commit with the outcomes one at a time would give', async () => {
    core = createTestCore();
    const batcher = new IntakeBatcher(core.ctx);
    const results = await Promise.all([
      batcher.submit(message('a', 'warga-1', 'Lampu jalan di gang mawar mati sudah seminggu')),
      batcher.submit(message('b', 'warga-2', 'Air PAMSIMAS tidak mengalir sejak kemarin pagi')),
      // The same resident again within the threading window: a follow-up, not a second ticket.
      batcher.submit(message('c', 'warga-1', 'Tambahan: lampunya di depan rumah pak RT')),
      // A redelivery of the first message in the same batch: a duplicate.
      batcher.submit(message('a', 'warga-1', 'Lampu jalan di gang mawar mati sudah seminggu')),
    ]);
    expect(results.map((result) => result.outcome)).toEqual(['new_ticket', 'new_ticket', 'follow_up', 'duplicate']);
    expect(core.ctx.store.db.select().from(tickets).all()).toHaveLength(2);
    expect(core.ctx.store.db.select().from(messages).all().filter((row) => row.direction === 'in')).toHaveLength(3);
    expect(core.queued('warga-1')[0]).toContain('SKM-1');
    expect(core.queued('warga-2')[0]).toContain('SKM-2');
  });

  it('rolls back only the message that failed; the others are stored and answered', async () => {
    core = createTestCore({ classifier: explodingClassifier() });
    const outcomes = await submitWithOneExploding();
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const stored = core.ctx.store.db.select().from(messages).all().map((row) => row.externalId);
    expect(stored).toEqual(['a', 'c']);
    expect(core.queued('warga-2')).toEqual([]);
    expect(core.queued('warga-3')).toHaveLength(1);
  });

  it('logs what a batch did once, after its commit, even when it was stored a second time', async () => {
    core = createTestCore({ classifier: explodingClassifier() });
    const lines: Array<{ level: number; msg: string; ticket?: string }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as (typeof lines)[number]) });
    core.ctx.logger = logger;
    const outcomes = await submitWithOneExploding();
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    // The first pass created SKM-1 before the failure rolled it back; the second stored a and c as
    // SKM-1 and SKM-2 (c's first ticket number was never committed).
    expect(lines.filter((line) => line.msg === 'ticket created').map((line) => line.ticket)).toEqual(['SKM-1', 'SKM-2']);
    expect(lines.filter((line) => line.msg.includes('storing the batch again'))).toHaveLength(1);
    expect(core.ctx.logger).toBe(logger);
  });

  it('commits a full batch at once without waiting for the next turn', async () => {
    core = createTestCore();
    const batcher = new IntakeBatcher(core.ctx, 2);
    const first = batcher.submit(message('a', 'warga-1', 'Lampu jalan di gang mawar mati sudah seminggu'));
    void batcher.submit(message('b', 'warga-2', 'Air PAMSIMAS tidak mengalir sejak kemarin pagi'));
    // Stored synchronously when the second arrived (the batch was full).
    expect(core.ctx.store.db.select().from(tickets).all()).toHaveLength(2);
    await expect(first).resolves.toMatchObject({ outcome: 'new_ticket' });
  });

  it('gives an officers\' chat one digest for a burst instead of one notification per report', async () => {
    core = createTestCore();
    const batcher = new IntakeBatcher(core.ctx);
    const reports = [
      'Lampu jalan di gang mawar mati sudah seminggu',
      'Air PAMSIMAS tidak mengalir sejak kemarin pagi',
      'Jalan di depan balai desa berlubang besar',
      'Saluran air di RT 02 mampet dan bau',
    ];
    const results = await Promise.all(reports.map((text, i) => batcher.submit(message(`m${i}`, `warga-${i}`, text))));
    const codes = results.map((result) => result.ticketCode);
    expect(codes).toEqual(['SKM-1', 'SKM-2', 'SKM-3', 'SKM-4']);
    // Every resident still gets their own acknowledgement.
    reports.forEach((_, i) => expect(core.queued(`warga-${i}`)[0]).toContain(codes[i]));
    // The officers' group: one digest naming every ticket, no per-ticket notifications.
    const group = core.rows('grup-petugas');
    expect(group.map((row) => row.purpose)).toEqual(['notify_digest']);
    expect(group[0]?.text).toContain('4 pesan warga masuk bersamaan');
    for (const code of codes) expect(group[0]?.text).toContain(`${code} baru`);
    expect(group[0]?.text).toContain('"Jalan di depan balai desa berlubang besar"');
  });

  it('keeps urgent reports and small batches as separate notifications with their buttons', async () => {
    core = createTestCore();
    const batcher = new IntakeBatcher(core.ctx);
    await Promise.all([
      batcher.submit(message('a', 'warga-1', 'Lampu jalan di gang mawar mati sudah seminggu')),
      batcher.submit(message('b', 'warga-2', 'Banjir besar masuk rumah warga, tolong segera!')),
    ]);
    const group = core.rows('grup-petugas');
    expect(group.map((row) => row.purpose)).toEqual(['notify_new', 'notify_new']);
    expect(group.every((row) => (row.actions ?? []).length > 0)).toBe(true);
    // A burst with an urgent report: the urgent one alone, the rest digested.
    await Promise.all([
      batcher.submit(message('c', 'warga-3', 'Banjir bandang di dusun krajan, rumah terendam, tolong segera!')),
      batcher.submit(message('d', 'warga-4', 'Jalan di depan balai desa berlubang besar')),
      batcher.submit(message('e', 'warga-5', 'Saluran air di RT 02 mampet dan bau')),
      batcher.submit(message('f', 'warga-6', 'Air PAMSIMAS tidak mengalir sejak kemarin pagi')),
    ]);
    const later = core.rows('grup-petugas').slice(2);
    expect(later.map((row) => [row.purpose, row.urgent])).toEqual([
      ['notify_new', true],
      ['notify_digest', false],
    ]);
    expect(later[1]?.text).not.toContain('SKM-3');
  });

  it('drops the digest line of a message whose savepoint rolled back', async () => {
    core = createTestCore({ classifier: explodingClassifier() });
    const batcher = new IntakeBatcher(core.ctx);
    await Promise.allSettled([
      batcher.submit(message('a', 'warga-1', 'Lampu jalan di gang mawar mati sudah seminggu')),
      batcher.submit(message('b', 'warga-2', 'Trafo meledak di ujung jalan')),
      batcher.submit(message('c', 'warga-3', 'Air PAMSIMAS tidak mengalir sejak kemarin pagi')),
      batcher.submit(message('d', 'warga-4', 'Jalan di depan balai desa berlubang besar')),
    ]);
    const digest = core.rows('grup-petugas');
    expect(digest.map((row) => row.purpose)).toEqual(['notify_digest']);
    expect(digest[0]?.text).toContain('3 pesan warga');
    expect(digest[0]?.text).not.toContain('Trafo');
  });
});
